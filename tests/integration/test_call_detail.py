"""One call with the path it took, by REST and CLI: GIVEN a finished call and one still going
on, THEN the account sees each with its nodes, what was pressed and each webhook's status and
time; a call of another account is not found, as one that never was. The CLI also lists an
account's flows and numbers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from platformkit import Platform, running_platform

from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.flows.path import PathStep
from chalicelib.flows.state import CallState
from chalicelib.telephony.events import Direction

STARTED = datetime(2026, 11, 30, 18, 52, tzinfo=UTC)
PATH = (
    PathStep("lookup", "webhook", 0.0, output="success", status="200", seconds=0.042),
    PathStep("menu", "menu", 0.05, output="2", heard="2"),
    PathStep("bye", "hangup", 9.5),
)


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        platform.container.call_records.put(
            CallRecord(
                account_id="acme",
                call_id="call-done",
                started_at=STARTED,
                flow_id="pull-message",
                direction=Direction.INBOUND,
                from_number="447700900001",
                to_number="447700900100",
                outcome=CallOutcome.COMPLETED,
                ended_at=STARTED,
                answered_at=STARTED,
                duration=10,
                cost=Decimal("0.0042"),
                path=PATH,
            )
        )
        platform.container.calls.create(
            CallState(
                call_id="call-live",
                account_id="acme",
                flow_id="pull-message",
                flow_version=1,
                direction=Direction.INBOUND,
                from_number="447700900001",
                to_number="447700900100",
                started_at=STARTED,
                answered_at=STARTED,
                path=PATH[:2],
            )
        )
        yield platform


def test_a_finished_call_shows_its_path(platform: Platform) -> None:
    response = platform.api("GET", "/v1/calls/call-done")
    assert response.status_code == 200, response.body
    detail = json.loads(response.body)
    assert (detail["outcome"], detail["live"], detail["cost"]) == ("completed", False, "0.0042")
    assert detail["path"] == [
        {
            "node": "lookup",
            "widget": "webhook",
            "at": 0.0,
            "output": "success",
            "heard": None,
            "status": "200",
            "seconds": 0.042,
        },
        {
            "node": "menu",
            "widget": "menu",
            "at": 0.05,
            "output": "2",
            "heard": "2",
            "status": None,
            "seconds": None,
        },
        {
            "node": "bye",
            "widget": "hangup",
            "at": 9.5,
            "output": None,
            "heard": None,
            "status": None,
            "seconds": None,
        },
    ]


def test_a_call_going_on_shows_the_path_so_far(platform: Platform) -> None:
    detail = json.loads(platform.api("GET", "/v1/calls/call-live").body)
    assert (detail["outcome"], detail["live"]) == ("in_progress", True)
    assert [step["node"] for step in detail["path"]] == ["lookup", "menu"]


def test_another_accounts_call_is_not_found(platform: Platform) -> None:
    platform.container.admin.create_account("other", "Other Ltd")
    key = platform.container.admin.issue_key("other")
    for call_id in ("call-done", "call-live", "nothing"):
        response = platform.api("GET", f"/v1/calls/{call_id}", key=key)
        assert response.status_code == 404, call_id
        assert json.loads(response.body)["status"] == 404


def test_the_cli_shows_a_call_and_its_path(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    assert main(["calls", "show", "call-done", "--account", "acme"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("call-done  447700900001 -> 447700900100  completed  10s")
    assert lines[1].split() == [
        "0.00s",
        "lookup",
        "(webhook)",
        "200",
        "in",
        "0.04s",
        "->",
        "success",
    ]
    assert lines[2].split() == ["0.05s", "menu", "(menu)", "heard", "'2'", "->", "2"]
    assert lines[3].split() == ["9.50s", "bye", "(hangup)"]
    assert main(["calls", "show", "call-done", "--account", "acme", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["path"][1]["heard"] == "2"
    assert main(["calls", "show", "call-done", "--account", "other"]) == 1
    assert "no call 'call-done'" in capsys.readouterr().err


def test_the_cli_lists_an_accounts_flows_and_numbers(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    assert main(["flow", "list", "--account", "acme"]) == 0
    flows = capsys.readouterr().out.splitlines()
    assert any(line.split()[:4] == ["pull-message", "v1", "listener", "on"] for line in flows)
    assert main(["number", "list", "--account", "acme"]) == 0
    numbers = capsys.readouterr().out.splitlines()
    assert any(line.split()[:2] == ["447700900100", "pull-message"] for line in numbers), numbers
    assert main(["flow", "list", "--account", "nobody"]) == 0
    assert capsys.readouterr().out.strip() == "no flows"
