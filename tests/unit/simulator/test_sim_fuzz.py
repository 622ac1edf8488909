"""Fuzzing the simulator's parsers: arbitrary input is either accepted or refused with the
module's own error, never a crash; SMS splitting keeps the text and the size limits."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import jwt
from hypothesis import given, settings
from hypothesis import strategies as st
from simkit import FakeApp, network_for

from chalicelib.simulator import sms
from chalicelib.simulator.api import ApiRequest, SimulatorApi
from chalicelib.simulator.model import ConfigurationError, NumberBehaviour, parse_script
from chalicelib.simulator.ncco import NccoError, parse_ncco, replacement_ncco
from chalicelib.simulator.scenario import ScenarioError, load_scenario

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["action", "text", "type", "endpoint", "eventUrl", "name", "dtmf", "x"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_ncco_parser_accepts_or_refuses_cleanly(value: Any) -> None:
    with contextlib.suppress(NccoError):
        parse_ncco(value)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_replacement_ncco_never_crashes(body: bytes) -> None:
    ncco, note = replacement_ncco(body)
    assert (ncco is None) != (note is None)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_scenario_loader_accepts_or_refuses_cleanly(text: str) -> None:
    with contextlib.suppress(ScenarioError):
        load_scenario(text + "\n")


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_script_and_behaviour_parsers_refuse_cleanly(value: Any) -> None:
    for parse in (parse_script, NumberBehaviour.from_mapping):
        with contextlib.suppress(ConfigurationError):
            parse(value)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab {}€é😀ж\n"), max_size=400))
def test_sms_parts_keep_the_text_and_respect_the_limits(text: str) -> None:
    parts = sms.split(text)
    assert "".join(parts) == text
    gsm = sms.is_gsm(text)
    single, part = (160, 153) if gsm else (70, 67)
    limit = single if len(parts) == 1 else part
    for piece in parts:
        cost = sum(
            (2 if c in sms.GSM_EXTENSION else 1) if gsm else (2 if ord(c) > 0xFFFF else 1)
            for c in piece
        )
        assert cost <= limit


actions = st.one_of(
    st.builds(
        lambda t, b: {"action": "talk", "text": t or "x", "bargeIn": b},
        st.text(max_size=30),
        st.booleans(),
    ),
    st.just({"action": "stream", "streamUrl": ["https://cdn.test/a.mp3"]}),
    st.builds(
        lambda kinds, digits: {
            "action": "input",
            "type": kinds,
            "dtmf": {"maxDigits": digits},
            "eventUrl": ["https://app.test/input"],
        },
        st.sampled_from([["dtmf"], ["speech"], ["dtmf", "speech"]]),
        st.integers(1, 20),
    ),
    st.builds(
        lambda number, sync: {
            "action": "connect",
            "endpoint": [{"type": "phone", "number": number}],
            "from": "447700900100",
            **({"eventType": "synchronous"} if sync else {}),
        },
        st.sampled_from(["447700900201", "447700900202", "447700900203", "447700900204"]),
        st.booleans(),
    ),
    st.builds(
        lambda name, end: {"action": "conversation", "name": name, "endOnExit": end},
        st.sampled_from(["r1", "r2"]),
        st.booleans(),
    ),
    st.builds(
        lambda key: {"action": "record", "endOnKey": key, "timeOut": 5}, st.sampled_from(["#", "1"])
    ),
    st.just({"action": "record"}),
    st.just({"action": "notify", "payload": {"a": 1}, "eventUrl": ["https://app.test/notify"]}),
    st.builds(lambda s: {"action": "wait", "timeout": s}, st.floats(0, 30)),
)
steps = st.lists(
    st.one_of(
        st.builds(lambda d: {"press": d}, st.text(alphabet="0123456789#*", min_size=1, max_size=5)),
        st.builds(lambda t: {"say": t}, st.sampled_from(["yes", "agent please", "one two three"])),
        st.builds(lambda s: {"wait": s}, st.floats(0, 20)),
        st.builds(lambda s: {"record": s}, st.floats(0, 8)),
        st.just({"hangup": True}),
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(actions, max_size=6), steps, st.lists(actions, max_size=3))
def test_any_valid_ncco_and_script_run_to_an_end(
    ncco: list[dict[str, Any]], script: list[dict[str, Any]], reply: list[dict[str, Any]]
) -> None:
    app = FakeApp({"/answer": ncco, "/input": reply, "/notify": reply})
    network = network_for(app)
    network.set_number("447700900202", {"behaviour": "busy"})
    network.set_number("447700900203", {"behaviour": "no_answer"})
    network.set_number("447700900204", {"behaviour": "answering_machine", "talk_seconds": None})
    call = network.call("447700900001", "447700900100", script)
    network.run_until_idle()
    assert call.ended and call.status == "completed"
    assert all(leg.is_over for leg in call.legs)
    assert call.events("A")[-1]["status"] == "completed"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(
        [
            ("POST", "/v1/calls"),
            ("PUT", "/v1/calls/UUID"),
            ("PUT", "/v1/calls/UUID/talk"),
            ("PUT", "/v1/calls/UUID/stream"),
            ("PUT", "/v1/calls/UUID/dtmf"),
            ("PUT", "/v1/calls/UUID/input/dtmf"),
            ("POST", "/_sim/numbers"),
            ("POST", "/_sim/sms"),
            ("POST", "/_sim/scenarios"),
        ]
    ),
    json_values,
)
def test_api_answers_any_json_body_with_a_client_error_or_success(
    route: tuple[str, str], body: Any
) -> None:
    app = FakeApp({"/answer": [{"action": "conversation", "name": "hold"}], "/sms": 204})
    network = network_for(app)
    call = network.call("447700900001", "447700900100", run=False)
    network.run_for(5)
    token = jwt.encode({"application_id": "11111111-2222-4333-8444-555555555555"}, "k" * 32)
    method, path = route
    request = ApiRequest(
        method,
        path.replace("UUID", call.uuid),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        body=json.dumps(body).encode(),
    )
    response = SimulatorApi(network).handle(request)
    assert response.status in (200, 201, 204, 400, 404)
    network.run_until_idle()
