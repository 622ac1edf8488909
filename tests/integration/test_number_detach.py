"""Detaching a number from its flow, by REST and CLI: GIVEN the pull app's number attached to its
flow, WHEN the account detaches it, THEN the number stays the account's, bound to no flow, and a
caller hears that it is not in service; detaching again changes nothing; a number the account
does not hold is not found."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from platformkit import ALICE, PULL_NUMBER, Platform, running_platform


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        yield platform


def _answer(platform: Platform) -> list[dict[str, object]]:
    payload = {"from": ALICE, "to": PULL_NUMBER, "uuid": "leg-detach-1", "conversation_uuid": "C1"}
    ncco: list[dict[str, object]] = json.loads(
        platform.voice("GET", "/vonage/voice/answer", payload).body
    )
    return ncco


def test_a_detached_number_stays_the_accounts_and_is_not_in_service(platform: Platform) -> None:
    response = platform.api("DELETE", f"/v1/numbers/{PULL_NUMBER}/flow")
    assert response.status_code == 200
    assert json.loads(response.body)["flow_id"] is None
    again = platform.api("DELETE", f"/v1/numbers/{PULL_NUMBER}/flow")
    assert again.status_code == 200
    held = platform.container.numbers.get(PULL_NUMBER, consistent=True)
    assert held.account_id == "acme" and held.flow_id is None
    ncco = _answer(platform)
    assert ncco[0]["action"] == "talk" and "not in service" in str(ncco[0]["text"])


def test_a_number_the_account_does_not_hold_is_not_found(platform: Platform) -> None:
    response = platform.api("DELETE", "/v1/numbers/447700900777/flow")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_the_cli_detaches_a_number(platform: Platform, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.cli.main import main

    assert main(["number", "detach", PULL_NUMBER, "--account", "acme"]) == 0
    assert json.loads(capsys.readouterr().out)["flow_id"] is None
    assert main(["number", "detach", "447700900777", "--account", "acme"]) == 1
    assert "no number 447700900777" in capsys.readouterr().err
