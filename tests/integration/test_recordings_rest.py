"""A call's recordings by REST and CLI, on moto: GIVEN a finished call of the account with a
recording copied into the bucket (and an older call whose record still says ``s3://`` and whose
object has the old key), WHEN the account lists the call's recordings, fetches one by its URI,
or downloads it with the CLI, THEN it gets them with their content type and a presigned URL that
serves the bytes; a call of another account and a recording not stored yet are 404 problems; on
a moto server (the local run) the presigned URL points at that server and works."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from platformkit import ACCOUNT, Platform, running_platform

from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.flows.widgets.record import object_key, recording_url
from chalicelib.telephony.events import Direction

CALL = "call-rec-1"
OLD_CALL = "call-rec-old"
AUDIO = b"ID3\x03audio-bytes"


def finished(call_id: str, uri: str | None) -> CallRecord:
    return CallRecord(
        ACCOUNT,
        call_id,
        datetime(2025, 5, 1, 12, 0, tzinfo=UTC),
        "pull-message",
        Direction.INBOUND,
        "447700900001",
        "447700900100",
        CallOutcome.COMPLETED,
        recording_uri=uri,
    )


def stored(platform: Platform) -> None:
    container = platform.container
    base = container.settings.public_base_url
    container.call_records.put(finished(CALL, recording_url(base, CALL, "3")))
    container.store_recording(object_key(ACCOUNT, CALL, "3", "take message", "mp3"), AUDIO)
    old_key = f"recordings/{ACCOUNT}/{OLD_CALL}/2.wav"
    bucket = container.settings.recordings_bucket
    container.s3.put_object(Bucket=bucket, Key=old_key, Body=b"RIFF-old")  # no content type
    container.call_records.put(finished(OLD_CALL, f"s3://{bucket}/{old_key}"))


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        stored(platform)
        yield platform


def fetch(url: str) -> tuple[bytes, str]:
    import requests  # moto answers the bucket's URLs in process

    response = requests.get(url, timeout=5)
    assert response.status_code == 200, response.text
    return response.content, response.headers["Content-Type"]


def test_a_recording_is_stored_with_its_content_type(platform: Platform) -> None:
    container = platform.container
    head = container.s3.head_object(
        Bucket=container.settings.recordings_bucket,
        Key=object_key(ACCOUNT, CALL, "3", "take message", "mp3"),
    )
    assert head["ContentType"] == "audio/mpeg"


def test_the_calls_recordings_are_listed_with_urls_that_fetch_them(platform: Platform) -> None:
    response = platform.api("GET", f"/v1/calls/{CALL}/recordings")
    assert response.status_code == 200
    [view] = json.loads(response.body)
    assert {k: view[k] for k in ("ref", "node", "format", "content_type", "size")} == {
        "ref": "3",
        "node": "take message",
        "format": "mp3",
        "content_type": "audio/mpeg",
        "size": len(AUDIO),
    }
    assert view["uri"] == f"https://hooks.example.com/v1/calls/{CALL}/recordings/3"
    assert view["expires_in"] == 300 and "X-Amz-Signature" in view["url"]
    assert fetch(view["url"]) == (AUDIO, "audio/mpeg")


def test_the_uri_of_a_recording_redirects_to_a_short_lived_url(platform: Platform) -> None:
    record = platform.container.call_records.get(ACCOUNT, CALL)
    path = record.recording_uri.removeprefix("https://hooks.example.com")  # type: ignore[union-attr]
    response = platform.api("GET", path)
    assert response.status_code == 302
    assert fetch(response.headers["Location"]) == (AUDIO, "audio/mpeg")


def test_an_old_record_with_an_s3_uri_still_lists_and_fetches(platform: Platform) -> None:
    [view] = json.loads(platform.api("GET", f"/v1/calls/{OLD_CALL}/recordings").body)
    assert (view["ref"], view["node"], view["content_type"]) == ("2", None, "audio/wav")
    response = platform.api("GET", f"/v1/calls/{OLD_CALL}/recordings/2")
    assert response.status_code == 302
    assert fetch(response.headers["Location"]) == (b"RIFF-old", "audio/wav")


def test_a_recording_not_stored_yet_is_a_404_problem(platform: Platform) -> None:
    response = platform.api("GET", f"/v1/calls/{CALL}/recordings/4")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "no recording" in json.loads(response.body)["detail"]


def test_a_call_of_another_account_is_not_found_never_forbidden(platform: Platform) -> None:
    _, other_key = platform.container.admin.create_account("other", "Other")
    for path in (f"/v1/calls/{CALL}/recordings", f"/v1/calls/{CALL}/recordings/3"):
        response = platform.api("GET", path, key=other_key)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "application/problem+json"
        assert json.loads(response.body)["detail"] == f"no call {CALL!r}"
    assert platform.api("GET", "/v1/calls/never/recordings").status_code == 404


def test_the_cli_lists_and_downloads_recordings(
    platform: Platform, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from chalicelib.cli.main import main

    assert main(["recordings", "list", CALL, "--account", ACCOUNT]) == 0
    assert "take message" in capsys.readouterr().out
    out = tmp_path / "last.mp3"
    assert main(["recordings", "get", CALL, "--account", ACCOUNT, "--out", str(out)]) == 0
    assert out.read_bytes() == AUDIO
    assert json.loads(capsys.readouterr().out)["content_type"] == "audio/mpeg"
    old = tmp_path / "old.wav"
    assert main(["recordings", "get", OLD_CALL, "2", "--account", ACCOUNT, "--out", str(old)]) == 0
    assert old.read_bytes() == b"RIFF-old"
    capsys.readouterr()
    assert main(["recordings", "get", CALL, "9", "--account", ACCOUNT, "--out", str(out)]) == 1
    assert main(["recordings", "list", CALL, "--account", "other"]) == 1
    assert "no call" in capsys.readouterr().err


def test_on_a_moto_server_the_presigned_url_points_at_it_and_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infra.local.moto import moto_server, reset

    with moto_server(in_process=True) as url:
        reset(url)
        with running_platform(monkeypatch, aws_endpoint_url=url) as platform:
            stored(platform)
            response = platform.api("GET", f"/v1/calls/{CALL}/recordings/3")
            assert response.status_code == 302
            location = response.headers["Location"]
            assert location.startswith(url + "/")
            with urllib.request.urlopen(location, timeout=5) as got:
                assert got.read() == AUDIO
                assert got.headers["Content-Type"] == "audio/mpeg"
