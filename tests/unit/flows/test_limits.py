"""Variable sizes: GIVEN a flow that makes big values, WHEN it runs, THEN each value and the
call's variables in all stay under ``flows.limits``: a template stops before its text is built,
a store past a limit raises ``VariableLimitError`` (the voice shell answers with the fallback),
and the webhook widget truncates ``response_raw`` and sends oversized fields down line 1."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest
from flowkit import NOW, Driver, flow_of

from chalicelib.flows.errors import FlowRuntimeError, FlowValidationError, VariableLimitError
from chalicelib.flows.limits import MAX_VALUE_BYTES, MAX_VARIABLES_BYTES, size, truncate
from chalicelib.flows.model import parse_flow
from chalicelib.flows.outcomes import HttpResponded, HttpResult
from chalicelib.flows.variables import Scope
from chalicelib.telephony.actions import Say
from chalicelib.telephony.events import InputReceived, SpeechResult

BYE = {"widget": "hangup"}


def test_the_limits_leave_room_in_one_dynamodb_item() -> None:
    assert MAX_VALUE_BYTES <= 16 * 1024 and MAX_VARIABLES_BYTES <= 100 * 1024 < 400_000 // 3
    assert issubclass(VariableLimitError, FlowRuntimeError)


def test_a_set_that_doubles_a_variable_in_a_loop_stops_at_the_value_limit() -> None:
    # GIVEN a set node that doubles $flow.key.x and loops onto itself
    nodes = {
        "d": {"widget": "set", "assign": {"$flow.key.x": "$flow.key.x$flow.key.x"}, "next": "d"}
    }
    d = Driver(flow_of(nodes, variables={"x": "ab"}))
    # WHEN the call is answered
    # THEN the loop stops when the text would pass the limit, naming the node
    with pytest.raises(VariableLimitError, match=r"node d: .*16384"):
        d.answer()


def test_a_template_stops_before_building_its_text() -> None:
    # GIVEN a template that would expand to ~160 MB (10,000 references to a 16 KiB value)
    scope = Scope({"x": "x" * MAX_VALUE_BYTES}, {}, {}, NOW)
    template = "$flow.key.x" * 10_000
    # WHEN it is filled in
    tracemalloc.start()
    try:
        with pytest.raises(VariableLimitError):
            scope.interpolate(template)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # THEN it stopped long before: far less than one more value was ever allocated
    assert peak < 4 * MAX_VALUE_BYTES


def test_a_value_is_measured_in_utf8_bytes() -> None:
    # GIVEN 9,000 characters that are 18,000 bytes in UTF-8
    nodes = {
        "s": {"widget": "set", "assign": {"$flow.key.y": "$flow.key.e"}, "next": "h"},
        "h": BYE,
    }
    d = Driver(flow_of(nodes, variables={"e": ""}), flow_vars={"e": "é" * 9000})
    # WHEN a set copies them THEN the copy is refused, naming the variable
    with pytest.raises(VariableLimitError, match=r"node s: \$flow\.key\.y would hold 18000 bytes"):
        d.answer()


def test_a_user_variable_past_the_limit_is_refused_before_it_is_saved() -> None:
    nodes = {
        "s": {"widget": "set", "assign": {"$user.key.big": "$flow.key.e"}, "next": "h"},
        "h": BYE,
    }
    d = Driver(flow_of(nodes, variables={"e": ""}), flow_vars={"e": "é" * 9000})
    with pytest.raises(VariableLimitError, match=r"\$user\.key\.big"):
        d.answer()


def test_the_call_variables_in_all_are_capped() -> None:
    # GIVEN seven set nodes storing 15 KiB each (105 KiB in all)
    chunk = "v" * (15 * 1024)
    nodes: dict[str, Any] = {
        f"s{i}": {
            "widget": "set",
            "assign": {f"$flow.key.v{i}": "$flow.key.chunk"},
            "next": f"s{i + 1}",
        }
        for i in range(7)
    }
    nodes["s7"] = BYE
    d = Driver(flow_of(nodes, start="s0", variables={"chunk": ""}), flow_vars={"chunk": chunk})
    # WHEN the call runs THEN the node that would pass the total is named
    with pytest.raises(VariableLimitError, match=r"node s5: the call's variables would hold"):
        d.answer()


def test_a_spoken_text_past_the_limit_is_refused() -> None:
    nodes = {"s": {"widget": "say", "text": "$flow.key.a and $flow.key.a", "next": "h"}, "h": BYE}
    d = Driver(flow_of(nodes, variables={"a": ""}), flow_vars={"a": "a" * 9000})
    with pytest.raises(VariableLimitError, match="node s"):
        d.answer()


def test_an_input_past_the_limit_is_refused() -> None:
    nodes = {
        "i": {
            "widget": "input",
            "prompt": "Say it",
            "variable": "said",
            "mode": "speech",
            "next": "h",
        },
        "h": BYE,
    }
    d = Driver(flow_of(nodes))
    d.answer()
    speech = (SpeechResult("word " * 4000, 0.9),)
    with pytest.raises(VariableLimitError, match=r"node i: \$flow\.key\.said"):
        d.send(InputReceived("leg-a", "CON-1", speech=speech, ref=d.ref))


def test_flow_variable_defaults_past_the_limit_are_refused_at_load() -> None:
    document = {"id": "t", "name": "t", "start": "h", "nodes": {"h": BYE}}
    with pytest.raises(FlowValidationError) as caught:
        parse_flow({**document, "variables": {"big": "x" * (MAX_VALUE_BYTES + 1)}})
    assert caught.value.problems[0].startswith("variables: ")
    assert "$flow.key.big would hold" in caught.value.problems[0]
    many = {f"v{i}": "x" * MAX_VALUE_BYTES for i in range(7)}
    with pytest.raises(FlowValidationError, match="the call's variables would hold"):
        parse_flow({**document, "variables": many})


WEBHOOK = {
    "w": {
        "widget": "webhook",
        "url": "https://api.example/x",
        "save": {"name": "name"},
        "next": {"success": "ok", "failure": "ko"},
    },
    "ok": {"widget": "hangup", "text": "ok"},
    "ko": {"widget": "hangup", "text": "ko $flow.key.error_reason"},
}


def test_webhook_response_raw_is_truncated_and_fields_come_from_the_whole_body() -> None:
    # GIVEN a 2xx body of ~40 KB (multi-byte padding) whose saved field comes after the cut
    body = json.dumps({"pad": "€" * 12_000, "name": "Alice"}, ensure_ascii=False)
    d = Driver(flow_of(WEBHOOK))
    d.answer()
    # WHEN it comes back
    result = d.send(HttpResponded(d.ref, HttpResult(200, body, 0.1)))
    # THEN line 0, the field is saved, and response_raw is the body's first 16 KiB at most
    assert result.actions[0] == Say("ok", "en-US")
    raw = d.state.flow_vars["response_raw"]
    assert d.state.flow_vars["name"] == "Alice"
    assert MAX_VALUE_BYTES - 3 <= size(raw) <= MAX_VALUE_BYTES and body.startswith(raw)


def test_webhook_field_past_the_limit_takes_line_1() -> None:
    body = json.dumps({"name": "n" * (MAX_VALUE_BYTES + 1)})
    d = Driver(flow_of(WEBHOOK))
    d.answer()
    result = d.send(HttpResponded(d.ref, HttpResult(200, body, 0.1)))
    assert result.actions[0] == Say("ko VALUE_TOO_LARGE", "en-US")
    v = d.state.flow_vars
    assert (v["name"], v["response_status"], v["response_status_code"]) == ("", "FAILED", "200")
    assert v["response_status_type"] == "Value Too Large"
    assert d.state.call_vars["lastWebhookStatus"] == "false"


def test_truncate_cuts_on_a_character_boundary() -> None:
    assert truncate("é" * 10, 5) == "éé"
    assert truncate("short", 5) == "short"


def test_call_dtmf_keeps_only_the_latest_keys() -> None:
    from chalicelib.flows.limits import MAX_DTMF_DIGITS, pressed

    # GIVEN a call that has pressed keys for hours / WHEN one more is pressed
    long = "1" * MAX_DTMF_DIGITS
    # THEN $call.dtmf holds the latest keys, never more than the limit
    assert pressed(long, "9") == long[1:] + "9"
    assert pressed("12", "3") == "123"
