"""A draft check and the views of calls: GIVEN pasted text, WHEN checked, THEN a flow that would
load is drawn as valid (its warnings on its nodes), a broken one with every problem, and text
that is not a flow document (not JSON, too deep, too large, not an object, empty) is refused in
plain words; GIVEN calls in progress, records and versions, THEN the live view shows where each
call of the flow is, a replay lists its steps, the version a call ran is the one live when it
started and the live version is the latest while the listener is on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.accounts.admin import MAX_FLOW_DOCUMENT_BYTES
from chalicelib.calls.model import CallInProgress, CallOutcome, CallRecord
from chalicelib.console.drafts import check_draft, read_draft
from chalicelib.console.views import (
    history_view,
    live_view,
    recent_view,
    replay_view,
    version_at,
)
from chalicelib.errors import TooLargeError, ValidationError
from chalicelib.flows.path import PathStep
from chalicelib.flows.records import FlowHead
from chalicelib.telephony.events import Direction

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_a_valid_draft_is_drawn_as_valid() -> None:
    text = (ROOT / "flows" / "pull-message.json").read_text()
    picture = check_draft(text)
    assert picture["valid"] and picture["problem_count"] == 0
    assert len(picture["nodes"]) == len(json.loads(text)["nodes"])


def test_a_looping_draft_loads_with_its_warning_on_the_loop() -> None:
    draft = {
        "id": "loop",
        "name": "Loop",
        "start": "a",
        "nodes": {
            "a": {"widget": "set", "assign": {"$flow.key.x": "1"}, "next": "b"},
            "b": {"widget": "set", "assign": {"$flow.key.y": "1"}, "next": "a"},
        },
    }
    picture = check_draft(json.dumps(draft))
    assert picture["valid"] and picture["problem_count"] == 1
    assert all(len(n["problems"]) == 1 for n in picture["nodes"])


def test_a_broken_draft_is_drawn_with_its_problems() -> None:
    draft = {"id": "x", "name": "X", "start": "nowhere", "nodes": {"a": {"widget": "say"}}}
    picture = check_draft(json.dumps(draft))
    assert not picture["valid"]
    assert picture["problems"] == ["start: no node 'nowhere'"]
    assert picture["nodes"][0]["problems"] and not picture["nodes"][0]["reachable"]


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("{not json", ValidationError, "not JSON"),
        ("[" * 50_000 + "]" * 50_000, ValidationError, "nested too deeply"),
        ("  ", ValidationError, "paste a flow document"),
        ("[]", ValidationError, "a JSON object"),
        ("x" * (MAX_FLOW_DOCUMENT_BYTES + 1), TooLargeError, "at most"),
    ],
)
def test_text_that_is_not_a_flow_document_is_refused(
    text: str, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        check_draft(text)


def test_a_document_within_the_size_is_read() -> None:
    assert read_draft('{"a": 1}') == {"a": 1}


def _call(
    call_id: str, flow_id: str, node: str | None, path: tuple[PathStep, ...]
) -> CallInProgress:
    return CallInProgress(
        call_id=call_id,
        flow_id=flow_id,
        flow_version=3,
        direction=Direction.INBOUND,
        from_number="447700900001",
        to_number="447700900100",
        started_at=NOW - timedelta(seconds=42),
        node=node,
        path=path,
    )


def test_the_live_view_shows_where_the_flow_s_calls_are() -> None:
    path = (PathStep("lookup", "webhook", 0.0, "success"), PathStep("repeat", "menu", 3.0))
    calls = [
        _call("c-1", "pull", "repeat", path),
        _call("c-2", "pull", None, path),  # between nodes: at its path's last
        _call("c-3", "other", "x", ()),
    ]
    view = live_view(calls, "pull", NOW)["calls"]
    assert [(c["call_id"], c["node"], c["seconds"]) for c in view] == [
        ("c-1", "repeat", 42),
        ("c-2", "repeat", 42),
    ]
    assert view[0]["path"][0] == {
        "node": "lookup",
        "widget": "webhook",
        "at": 0.0,
        "output": "success",
        "heard": None,
        "status": None,
    }


def _record(flow_id: str = "pull") -> CallRecord:
    return CallRecord(
        account_id="acme",
        call_id="c-9",
        started_at=NOW,
        flow_id=flow_id,
        direction=Direction.INBOUND,
        from_number="447700900001",
        to_number="447700900100",
        outcome=CallOutcome.COMPLETED,
        duration=12,
        path=(PathStep("repeat", "menu", 1.0, "2", heard="2"), PathStep("bye", "hangup", 4.0)),
    )


def test_a_replay_lists_the_steps_and_the_recent_calls_are_the_flow_s() -> None:
    replay = replay_view(_record(), live=False, version=2)
    assert replay["version"] == 2 and replay["outcome"] == "completed" and not replay["cut"]
    assert [(s["node"], s["output"], s["heard"]) for s in replay["steps"]] == [
        ("repeat", "2", "2"),
        ("bye", None, None),
    ]
    assert replay_view(_record(), live=True, version=2)["outcome"] == "in_progress"
    recent = recent_view([_record(), _record("other")], "pull")
    assert [(r["call_id"], r["steps"]) for r in recent] == [("c-9", 2)]


def test_the_version_a_call_ran_is_the_one_live_when_it_started() -> None:
    versions = [
        (3, NOW + timedelta(hours=1)),
        (2, NOW - timedelta(hours=1)),
        (1, NOW - timedelta(days=1)),
    ]
    assert version_at(versions, NOW) == 2
    assert version_at(versions, NOW + timedelta(hours=2)) == 3
    assert version_at(versions, NOW - timedelta(days=2)) is None


def test_the_live_version_is_the_latest_while_the_listener_is_on() -> None:
    versions = [(1, NOW - timedelta(days=1)), (2, NOW)]
    on = history_view(FlowHead("pull", "acme", "Pull", 2, enabled=True), versions)
    assert [(v["version"], v["live"], v["latest"]) for v in on] == [
        (2, True, True),
        (1, False, False),
    ]
    off = history_view(FlowHead("pull", "acme", "Pull", 2, enabled=False), versions)
    assert not any(v["live"] for v in off)
