"""The after-call step: GIVEN a flow that names an ``after_call`` chain, WHEN the call ends, THEN
the chain runs once with the call's final variables (``$call.end``, ``remoteHangup``,
``duration``, ``cost``), plays nothing to the ended call, and a retried ``completed`` event (or
any later event) does not run it again. A chain that needs a live call is refused at load."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flowkit import NOW, Driver, flow_of

from chalicelib.flows.engine import step
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.outcomes import HttpResponded, HttpResult, SendSms
from chalicelib.telephony.events import CallStatus, CallStatusChanged

CRM: dict[str, Any] = {
    "widget": "webhook",
    "method": "POST",
    "url": "https://crm.example/calls",
    "body": {
        "cdr": "$call.cdr",
        "end": "$call.end",
        "remote": "$call.remoteHangup",
        "duration": "$call.duration",
        "cost": "$call.cost",
        "outcome": "$flow.key.outcome",
    },
    "next": {"success": "text", "failure": "text"},
}
NODES: dict[str, Any] = {
    "hello": {"widget": "say", "text": "Hello", "next": "set"},
    "set": {"widget": "set", "assign": {"$flow.key.outcome": "greeted"}, "next": "bye"},
    "bye": {"widget": "hangup", "text": "Goodbye"},
    "crm": CRM,
    "text": {
        "widget": "sms",
        "text": "You talked $call.duration s, cost $call.cost.",
        "next": "end",
    },
    "end": {"widget": "hangup"},
}


def completed(**extra: Any) -> CallStatusChanged:
    return CallStatusChanged(
        "leg-a",
        "CON-1",
        CallStatus.COMPLETED,
        end_time=NOW + timedelta(seconds=42),
        duration=42,
        price=Decimal("0.0084"),
        disconnected_by="user",
        **extra,
    )


def ended_call() -> tuple[Driver, Any]:
    d = Driver(flow_of(NODES, start="hello", after_call="crm", variables={"outcome": ""}))
    d.answer()
    return d, d.send(completed())


def test_the_chain_runs_when_the_call_ends_with_its_final_variables() -> None:
    d, result = ended_call()
    assert result.actions == ()
    request = result.request
    assert request is not None and request.url == "https://crm.example/calls"
    assert json.loads(request.body or "") == {
        "cdr": "call-1",
        "end": "2026-03-01 09:30:42",
        "remote": "true",
        "duration": "42",
        "cost": "0.0084",
        "outcome": "greeted",
    }
    after = d.send(HttpResponded(d.ref, HttpResult(200, "{}", 0.1)))
    [sms] = after.effects
    assert isinstance(sms, SendSms) and sms.text == "You talked 42 s, cost 0.0084."
    assert after.actions == () and after.state.finished and after.state.awaiting is None


def test_a_retried_completed_event_does_not_run_the_chain_again() -> None:
    d, _ = ended_call()
    d.send(HttpResponded(d.ref, HttpResult(500, "", 0.1)))
    again = d.send(completed())
    assert again.request is None and again.effects == () and again.actions == ()


def test_a_call_that_was_never_answered_runs_the_chain_too() -> None:
    flow = flow_of(NODES, start="hello", after_call="crm", variables={"outcome": "none"})
    d = Driver(flow)
    result = d.send(CallStatusChanged("leg-a", "CON-1", CallStatus.BUSY, sip_code=486))
    assert result.request is not None
    body = json.loads(result.request.body or "")
    assert (body["outcome"], body["duration"], body["cost"]) == ("none", "0", "")


def test_a_flow_without_an_after_call_chain_ends_as_before() -> None:
    live = {k: v for k, v in NODES.items() if k in ("hello", "set", "bye")}
    d = Driver(flow_of(live, start="hello", variables={"outcome": ""}))
    d.answer()
    result = d.send(completed())
    assert (result.request, result.effects, result.actions) == (None, (), ())


def test_a_chain_that_needs_a_live_call_is_refused_at_load() -> None:
    nodes = {
        **NODES,
        "text": {"widget": "say", "text": "Too late", "next": "end"},
        "end": {"widget": "hangup", "text": "Bye"},
    }
    with pytest.raises(FlowValidationError) as caught:
        flow_of(nodes, start="hello", after_call="crm", variables={"outcome": ""})
    # the rule names every widget that can run after the call (products add theirs)
    assert [problem.split(" (")[0] for problem in caught.value.problems] == [
        "nodes.end: a hangup node cannot run after the call",
        "nodes.text: a say node cannot run after the call",
    ]
    for problem in caught.value.problems:
        assert "runs " in problem and "condition, hours, set, sms, webhook nodes" in problem
        assert problem.endswith("and ends at a hangup without text)")


def test_after_call_must_name_a_node_and_its_nodes_count_as_reachable() -> None:
    with pytest.raises(FlowValidationError, match="after_call: no node 'nope'"):
        flow_of(NODES, start="hello", after_call="nope", variables={"outcome": ""})
    with pytest.raises(FlowValidationError, match=r"nodes\.crm: unreachable from start;"):
        flow_of(NODES, start="hello", variables={"outcome": ""})


def test_the_chain_is_marked_before_its_first_request_so_a_lost_race_decides_the_same() -> None:
    d, first = ended_call()
    flow = d.flow
    again = step(flow, d.last.state if d.last else d.state, completed(), NOW)
    assert again.request is None
    assert first.state.call_vars["_after_call"] == "crm"
