"""An account's calls in progress: GIVEN the calls table on moto with its index ``by_account``,
WHEN calls of two accounts start, step and finish, THEN ``in_progress`` lists the account's
unfinished calls started since the moment asked, newest first, each at the node it is at now
with its path (read strongly consistent), in one Query and one BatchGetItem; the index holds only
the keys and what never changes during a call, so a step's write never changes it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import boto3
import pytest
from storekit import NOW, RequestLog, minimal_state

from chalicelib.flows.path import PathStep
from chalicelib.flows.state import CallState
from chalicelib.settings import Settings
from chalicelib.store.calls import STILL_ATTRIBUTES, CallRepository


@pytest.fixture
def calls(store: Settings) -> CallRepository:
    return CallRepository(store, clock=lambda: NOW)


def _started(calls: CallRepository, call_id: str, seconds: int, account: str = "acme") -> CallState:
    state = replace(
        minimal_state(call_id), account_id=account, started_at=NOW + timedelta(seconds=seconds)
    )
    return calls.create(state)


def _step(calls: CallRepository, state: CallState, node: str) -> CallState:
    path = (*state.path, PathStep(node, "say", float(len(state.path))))
    return calls.save(replace(state, node=node, path=path))


def test_the_account_s_live_calls_are_listed_newest_first_where_they_are_now(
    calls: CallRepository, sent: RequestLog
) -> None:
    # GIVEN acme's calls: an old one, one finished, two live at nodes; and globex's live call
    _step(calls, _started(calls, "old", -4000), "greet")
    done = _step(calls, _started(calls, "done", 10), "greet")
    calls.save(replace(done, finished=True, node=None))
    first = _step(calls, _started(calls, "first", 20), "greet")
    second = _step(calls, _step(calls, _started(calls, "second", 30), "greet"), "menu")
    _step(calls, _started(calls, "theirs", 25, account="globex"), "greet")
    sent.clear()
    # WHEN acme's calls in progress since an hour before NOW are asked for
    live = calls.in_progress("acme", NOW - timedelta(hours=1))
    # THEN the two live ones, newest first, at their nodes with their paths
    assert [(c.call_id, c.node) for c in live] == [("second", "menu"), ("first", "greet")]
    assert [step.node for step in live[0].path] == ["greet", "menu"]
    assert live[1].flow_id == "flow-1" and live[1].flow_version == 1
    assert live[1].started_at == first.started_at and live[0].from_number == second.from_number
    # AND in one Query of the index and one BatchGetItem
    assert sent.operations == ["Query", "BatchGetItem"]
    # WHEN a live call steps on
    _step(calls, first, "bye")
    # THEN the next look sees it at once (the BatchGet reads strongly consistent)
    assert {c.call_id: c.node for c in calls.in_progress("acme", NOW)}["first"] == "bye"


def test_no_call_since_costs_one_query(calls: CallRepository, sent: RequestLog) -> None:
    _started(calls, "old", -4000)
    sent.clear()
    assert calls.in_progress("acme", NOW) == []
    assert calls.in_progress("nobody", NOW) == []
    assert sent.operations == ["Query", "Query"]


def test_the_index_holds_only_what_never_changes_during_a_call(
    calls: CallRepository, store: Settings
) -> None:
    # GIVEN a call that has stepped
    _step(calls, _started(calls, "c-1", 0), "greet")
    # WHEN the index is read raw
    client = boto3.client("dynamodb", region_name=store.region)
    found = client.query(
        TableName=store.table("calls"),
        IndexName="by_account",
        KeyConditionExpression="account_id = :a",
        ExpressionAttributeValues={":a": {"S": "acme"}},
    )["Items"]
    # THEN its item holds the keys and the still attributes, never the node or the path
    assert len(found) == 1
    assert set(found[0]) == {"call_id", "account_id", "started_at", *STILL_ATTRIBUTES}


def test_a_limit_out_of_range_is_refused(calls: CallRepository) -> None:
    with pytest.raises(ValueError):
        calls.in_progress("acme", NOW, limit=0)
    with pytest.raises(ValueError):
        calls.in_progress("acme", NOW, limit=101)
