"""Calls refused as not in service are listed, on moto: GIVEN the pull app's number detached
from its flow, WHEN a call to it is answered, and the carrier retries the answer later, THEN
the caller hears that it is not in service each time and the account's call list (REST and CLI)
shows the call once, with outcome ``not_in_service``; a call to a number no account holds is
listed nowhere."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from platformkit import ALICE, PULL_NUMBER, Platform, running_platform


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        platform.container.admin.detach_number("acme", PULL_NUMBER)
        yield platform


def answer(platform: Platform, to: str = PULL_NUMBER, leg: str = "leg-nis-1") -> str:
    payload = {"from": ALICE, "to": to, "uuid": leg, "conversation_uuid": "CON-nis"}
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", payload).body)
    return str(ncco[0]["text"])


def test_a_refused_call_is_listed_once_however_often_the_answer_is_retried(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "not in service" in answer(platform)
    platform.clock.advance(6)  # the carrier retries an answer it did not get in time
    assert "not in service" in answer(platform)
    calls = json.loads(platform.api("GET", "/v1/calls").body)
    assert [(c["call_id"], c["outcome"], c["to_number"], c["from_number"]) for c in calls] == [
        ("leg-nis-1", "not_in_service", PULL_NUMBER, ALICE)
    ]
    assert calls[0]["duration"] == 0 and calls[0]["recording_uri"] is None
    from chalicelib.cli.main import main

    assert main(["calls", "list", "--account", "acme"]) == 0
    out = capsys.readouterr().out
    assert out.count("leg-nis-1") == 1 and "not_in_service" in out


def test_a_call_to_a_number_no_account_holds_is_listed_nowhere(platform: Platform) -> None:
    assert "not in service" in answer(platform, to="447700900777", leg="leg-nis-2")
    assert json.loads(platform.api("GET", "/v1/calls").body) == []
