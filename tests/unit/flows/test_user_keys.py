"""The user variables a flow reads: GIVEN a flow, WHEN it is loaded, THEN ``Flow.user_keys``
names exactly the ``$user.key`` variables its templates read, so a call needs no others."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flowkit import Driver, flow_of

from chalicelib.flows.model import parse_flow, user_variable_names
from chalicelib.flows.outcomes import HttpResponded, HttpResult

FLOWS = {p.stem: p for p in (Path(__file__).resolve().parents[3] / "flows").glob("*.json")}
BYE = {"widget": "hangup"}

EVERYWHERE: dict[str, Any] = {
    "say": {"widget": "say", "text": "Hello $user.key.name, ${user.key.full name}", "next": "set"},
    "set": {
        "widget": "set",
        "assign": {"$user.key.written": "$user.key.counter-1", "$flow.key.f": "$flow.key.x"},
        "next": "web",
    },
    "web": {
        "widget": "webhook",
        "method": "POST",
        "url": "https://api.example/$user.key.tenant",
        "headers": {"X-Token": "${user.key.token}"},
        "body": {"deep": [{"k": "$user.key.in_body"}], "$user.key.not_a_key_read": 1},
        "next": {"0": "cond", "1": "cond"},
    },
    "cond": {
        "widget": "condition",
        "rules": [{"left": "$user.key.left", "op": "matches", "right": "$user.key.pattern"}],
        "next": {"true": "ask", "false": "ask"},
    },
    "ask": {
        "widget": "input",
        "prompt": "Your code, $user.key.prompted",
        "variable": "code",
        "invalid_prompt": "Not $user.key.invalid",
        "next": "bye",
    },
    "bye": {"widget": "hangup", "text": "$call.cli $flow.key.f"},
}


def test_every_template_is_read_and_nothing_else() -> None:
    flow = flow_of(EVERYWHERE, variables={"x": ""})
    assert user_variable_names(flow) == flow.user_keys
    assert flow.user_keys == {
        "name",
        "full name",
        "counter-1",
        "tenant",
        "token",
        "in_body",
        "left",
        "pattern",
        "prompted",
        "invalid",
    }


def test_a_user_variable_only_assigned_is_not_read() -> None:
    # GIVEN the pull-app flow, which stores $user.key.last_caller and never reads it
    assert parse_flow(FLOWS["pull-message"].read_text()).user_keys == frozenset()


def test_a_flow_without_user_variables_reads_none() -> None:
    assert (
        flow_of({"h": {"widget": "hangup", "text": "$flow.key.x"}}, variables={"x": ""}).user_keys
        == frozenset()
    )


def test_a_name_built_from_another_variable_is_refused_so_names_are_all_literal() -> None:
    from chalicelib.flows.errors import FlowValidationError

    with pytest.raises(FlowValidationError, match="malformed variable reference"):
        flow_of({"h": {"widget": "hangup", "text": "$user.key.$flow.key.which"}})


def test_a_call_given_only_the_keys_the_flow_reads_runs_the_same() -> None:
    # GIVEN an account with many user variables, some of which the flow reads
    account = {name: f"<{name}>" for name in ("name", "full name", "token", "tenant", "unused")}
    account.update({f"other{i}": "x" for i in range(50)})
    flow = flow_of(EVERYWHERE, variables={"x": ""})
    needed = {k: v for k, v in account.items() if k in flow.user_keys}

    def run(user_vars: dict[str, str]) -> tuple[Any, ...]:
        d = Driver(flow, user_vars=user_vars)
        first = d.answer()
        second = d.send(HttpResponded(d.ref, HttpResult(200, "{}", 0.1)))
        return first.actions, first.request, second.actions, first.effects

    # WHEN it runs with all of them, and with only the ones it reads
    # THEN it says and sends the same things
    assert run(needed) == run(account)
