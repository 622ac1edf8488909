"""Timing on the in-process simulated network, on the virtual clock: REST commands race the
legs, slow application answers meet the provider's timeouts, and the request limits count on
the virtual clock (FACTS §3.5, §5, §6.1)."""

from __future__ import annotations

import json
import threading

import jwt
from simkit import APP_ID, FakeApp, network_for

from chalicelib.simulator.api import ApiRequest, SimulatorApi
from chalicelib.simulator.latency import AppLatency
from chalicelib.simulator.model import Leg
from chalicelib.simulator.network import CallHandle, CallStateError, Network

CALLER = "447700900001"
LVN = "447700900100"
AGENT = "447700900123"
TOKEN = jwt.encode({"application_id": APP_ID}, "unused-secret-for-unsigned-check", "HS256")


def talk(text: str) -> dict[str, object]:
    return {"action": "talk", "text": text}


def bridged_call(app: FakeApp) -> tuple[Network, CallHandle, Leg, Leg]:
    network = network_for(app)
    network.set_number(AGENT, {"talk_seconds": 300})
    call = network.call(CALLER, LVN, run=False)
    network.run_for(10)
    a_leg, b_leg = call.legs
    return network, call, a_leg, b_leg


def api_request(method: str, path: str, body: object = None) -> ApiRequest:
    return ApiRequest(
        method,
        path,
        headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
        body=b"" if body is None else json.dumps(body).encode(),
    )


def test_hanging_up_b_then_transferring_a_fails_because_a_ended_first() -> None:
    """FACTS §6.1: "hanging B up first ends A's connect, and if no actions follow, A's call
    ends" — so a transfer of A sent after the hangup meets a completed call."""
    # GIVEN A bridged to B by a connect with nothing after it
    app = FakeApp(
        {
            "/answer": [
                {"action": "connect", "from": LVN, "endpoint": [{"type": "phone", "number": AGENT}]}
            ]
        }
    )
    network, call, a_leg, b_leg = bridged_call(app)
    # WHEN the app hangs B up, then transfers A, from one webhook (no virtual time between)
    hangup = network.hangup(b_leg.uuid)
    transfer = network.transfer(a_leg.uuid, [talk("Dialling the next agent")])
    network.run_until_idle()
    # THEN the hangup landed, A ended with its connect, and the transfer was refused
    assert hangup.landed and hangup.error is None
    assert isinstance(transfer.error, CallStateError) and "completed" in str(transfer.error)
    assert call.transcript.said() == []
    assert a_leg.status.value == "completed"


def test_a_command_lands_after_the_delay_on_the_virtual_clock() -> None:
    app = FakeApp({"/answer": [talk("x " * 200)]})
    network = network_for(app)
    network.commands.delay = 0.5
    call = network.call(CALLER, LVN, run=False)
    network.run_for(5)
    sent = network.clock.seconds
    command = network.talk(call.uuid, "From REST")
    network.run_for(0.4)
    assert not command.landed
    network.run_for(0.2)
    assert command.landed and command.error is None
    [entry] = [e for e in call.transcript if e.text == "From REST"]
    assert entry.seconds == sent + 0.5


def test_a_rest_request_waits_for_its_command_when_a_worker_drives_the_network() -> None:
    """The REST answer tells the error of a leg that moved on while the command was in flight."""
    app = FakeApp(
        {
            "/answer": [
                {"action": "connect", "from": LVN, "endpoint": [{"type": "phone", "number": AGENT}]}
            ]
        }
    )
    network, _, a_leg, b_leg = bridged_call(app)
    stop = threading.Event()
    worker = threading.Thread(target=network.serve_forever, args=(stop, 10.0, False))
    network.drive_from(worker)
    worker.start()
    try:
        api = SimulatorApi(network)
        hung = api.handle(api_request("PUT", f"/v1/calls/{b_leg.uuid}", {"action": "hangup"}))
        moved = api.handle(
            api_request(
                "PUT",
                f"/v1/calls/{a_leg.uuid}",
                {"action": "transfer", "destination": {"type": "ncco", "ncco": [talk("x")]}},
            )
        )
    finally:
        stop.set()
        worker.join(5)
    assert hung.status == 204
    assert moved.status == 400 and b"completed" in moved.body


def test_an_answer_slower_than_5_s_times_out_and_is_retried_on_the_virtual_clock() -> None:
    """FACTS §3.5: NCCO within 5 s, otherwise retried twice, then the fallback URL."""
    app = FakeApp({"/answer": [talk("Hello")], "/fallback": [talk("Fallback")]})
    network = network_for(app)
    network.dispatcher.latency = AppLatency.from_mapping({"answer": 6})
    call = network.call(CALLER, LVN)
    answers = [w for w in call.webhooks if w.kind in ("answer", "fallback")]
    assert [(w.kind, w.seconds, w.error is not None) for w in answers] == [
        ("answer", 0.0, True),
        ("answer", 5.0, True),
        ("answer", 10.0, True),
        ("fallback", 15.0, False),
    ]
    assert len(app.at("/answer")) == 3  # the app got every attempt; its answers came too late
    assert call.transcript.said() == ["Fallback"]


def test_an_answer_within_the_timeout_delays_the_call_by_that_long() -> None:
    app = FakeApp({"/answer": [talk("Hello")]})
    network = network_for(app)
    network.dispatcher.latency = AppLatency.from_mapping({"answer": [4.5]})
    call = network.call(CALLER, LVN)
    assert len(app.at("/answer")) == 1
    [said] = [e for e in call.transcript if e.text == "Hello"]
    assert said.seconds == 4.5


def test_the_application_can_shorten_its_answer_timeout() -> None:
    """socket_timeout for the answer URL is configurable 1-5 s (FACTS §3.5)."""
    app = FakeApp({"/answer": [talk("Hello")]})
    network = network_for(app, answer_timeout=2.0)
    network.dispatcher.latency = AppLatency.from_mapping({"answer": [3]})
    call = network.call(CALLER, LVN)
    assert [w.error is None for w in call.webhooks if w.kind == "answer"] == [False, True]


def test_a_connect_counts_against_the_3_new_calls_per_second_of_rest_creates() -> None:
    """FACTS §5: 3 calls/s (REST POST or NCCO connect); excess refused, not queued."""
    app = FakeApp(
        {
            "/answer": [
                {"action": "connect", "from": LVN, "endpoint": [{"type": "phone", "number": AGENT}]}
            ]
        }
    )
    network = network_for(app)
    api = SimulatorApi(network)
    create = {
        "to": [{"type": "phone", "number": CALLER}],
        "from": {"type": "phone", "number": LVN},
        "ncco": [talk("hi")],
    }
    statuses = [api.handle(api_request("POST", "/v1/calls", create)).status for _ in range(3)]
    # WHEN a connect comes in the same virtual second
    call = network.call(CALLER, LVN, run=False)
    network.run_for(0.5)
    # THEN the connect leg is refused, and a fourth create is too
    assert statuses == [201, 201, 201]
    assert api.handle(api_request("POST", "/v1/calls", create)).status == 429
    network.run_until_idle()
    [b_leg] = [leg for leg in call.legs if leg.label == "B"]
    assert b_leg.status.value == "failed"
    # AND a virtual second later creates go through again
    network.run_for(1.0)
    assert api.handle(api_request("POST", "/v1/calls", create)).status == 201


def test_the_16th_other_request_in_a_virtual_second_gets_429() -> None:
    """FACTS §5: 15 GET/PUT/DELETE Voice API requests per second."""
    network = network_for(FakeApp())
    api = SimulatorApi(network)
    statuses = [api.handle(api_request("GET", "/v1/calls")).status for _ in range(16)]
    assert statuses == [200] * 15 + [429]
    network.run_for(1.0)
    assert api.handle(api_request("GET", "/v1/calls")).status == 200
