"""A flow's version history, by REST and CLI: GIVEN the pull app loaded twice, THEN the account
sees its latest document, any earlier version's document, and every version with when it was
loaded, newest first; another account's flow and a version that does not exist are not found."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from platformkit import ROOT, Platform, running_platform


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        document = json.loads((ROOT / "flows" / "pull-message.json").read_text())
        document["name"] = "Pull app, second version"
        platform.clock.advance(60)
        platform.container.admin.load_flow("acme", document)
        yield platform


def test_the_latest_version_and_the_history(platform: Platform) -> None:
    response = platform.api("GET", "/v1/flows/pull-message")
    assert response.status_code == 200
    shown = json.loads(response.body)
    assert (shown["latest_version"], shown["version"], shown["enabled"]) == (2, 2, True)
    assert shown["document"]["name"] == "Pull app, second version"
    assert [v["version"] for v in shown["versions"]] == [2, 1]
    assert shown["versions"][0]["loaded_at"] > shown["versions"][1]["loaded_at"]


def test_an_earlier_versions_document(platform: Platform) -> None:
    shown = json.loads(platform.api("GET", "/v1/flows/pull-message?version=1").body)
    assert shown["version"] == 1 and shown["document"]["name"] != "Pull app, second version"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/flows/pull-message?version=3", 404),
        ("/v1/flows/pull-message?version=abc", 400),
        ("/v1/flows/no-such-flow", 404),
    ],
)
def test_what_does_not_exist_is_not_found(platform: Platform, path: str, status: int) -> None:
    response = platform.api("GET", path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"


def test_another_accounts_flow_is_not_found(platform: Platform) -> None:
    _, key = platform.container.admin.create_account("other", "Other")
    assert platform.api("GET", "/v1/flows/pull-message", key=key).status_code == 404


def test_the_cli_shows_the_history_and_a_document(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    assert main(["flow", "show", "pull-message", "--account", "acme"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("pull-message") and "listener on" in lines[0]
    assert lines[1].strip().startswith("v2") and lines[1].endswith("(live)")
    assert lines[2].strip().startswith("v1")
    assert (
        main(["flow", "show", "pull-message", "--account", "acme", "--version", "1", "--document"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["id"] == "pull-message"
