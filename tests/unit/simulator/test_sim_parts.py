"""The simulator's parts on their own: virtual time, NCCO validation, SMS splitting, scripts
and behaviours, the chalice test client transport and the paced worker (the loopback HTTP
transport is tested in tests/integration/simulator/test_sim_http_transport.py)."""

from __future__ import annotations

import threading
from collections.abc import Generator
from typing import Any

import pytest
from simkit import APP_BASE, START, FakeApp, application, network_for

from chalicelib.simulator import sms
from chalicelib.simulator.model import (
    Behaviour,
    ConfigurationError,
    NumberBehaviour,
    StepKind,
    parse_script,
)
from chalicelib.simulator.ncco import NccoError, parse_ncco, replacement_ncco
from chalicelib.simulator.network import CallStateError, Network, UnknownCallError
from chalicelib.simulator.scheduler import Scheduler, Signal, VirtualClock, Wait
from chalicelib.simulator.transport import InProcessTransport, chalice_test_client_handler

# -- virtual time ---------------------------------------------------------------------------------


def test_processes_sleep_in_virtual_time_and_can_be_interrupted() -> None:
    # GIVEN two processes, one sleeping long, one waiting for a signal
    clock = VirtualClock(START)
    scheduler = Scheduler(clock)
    signal = Signal(scheduler)
    seen: list[tuple[str, float]] = []

    def sleeper() -> Generator[Wait, bool, None]:
        try:
            yield Wait(1000)
        except KeyError:
            seen.append(("interrupted", clock.seconds))

    def waiter() -> Generator[Wait, bool, None]:
        fired = yield Wait(None, signal)
        seen.append(("signal" if fired else "timeout", clock.seconds))

    first = scheduler.spawn(sleeper(), "sleeper")
    scheduler.spawn(waiter(), "waiter")
    scheduler.call_at(5, lambda: first.interrupt(KeyError("stop")))
    scheduler.call_at(7, lambda: signal.fire("go"))
    # WHEN the queue runs dry
    while scheduler.step():
        pass
    # THEN both resumed at the right virtual seconds, without real sleeping
    assert seen == [("interrupted", 5.0), ("signal", 7.0)]
    assert clock.now() == START.replace(second=7)


def test_a_wait_with_a_timeout_reports_the_timeout() -> None:
    scheduler = Scheduler(VirtualClock(START))
    results: list[bool] = []

    def body() -> Generator[Wait, bool, None]:
        results.append((yield Wait(3, Signal(scheduler))))

    scheduler.spawn(body(), "timeout")
    while scheduler.step():
        pass
    assert results == [False]


# -- NCCO validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ncco",
    [
        [{"action": "talk", "text": "hi", "bargeIn": True, "loop": 2, "level": 0.5}],
        [{"action": "stream", "streamUrl": ["https://x/a.mp3"]}],
        [{"action": "input", "type": ["dtmf", "speech"], "dtmf": {"maxDigits": 20, "timeOut": 10}}],
        [{"action": "connect", "endpoint": [{"type": "app", "user": "alice"}]}],
        [{"action": "conversation", "name": "room", "endOnExit": True}],
        [{"action": "record", "endOnKey": "*", "timeOut": 3, "format": "ogg"}],
        [{"action": "notify", "payload": {}, "eventUrl": ["https://x/n"]}],
        [{"action": "wait", "timeout": 0.05}],
        [{"action": "transfer", "conversationId": "CON-1"}],
        [],
    ],
)
def test_valid_nccos_are_accepted(ncco: list[dict[str, Any]]) -> None:
    assert parse_ncco(ncco) == ncco


@pytest.mark.parametrize(
    ("ncco", "problem"),
    [
        ("talk", "must be a JSON array"),
        (["talk"], "is not an object"),
        ([{"text": "no action"}], "unknown action None"),
        ([{"action": "input", "type": ["dtmf"], "dtmf": {"maxDigits": 21}}], "maxDigits"),
        ([{"action": "input", "type": ["keys"]}], "type must be"),
        ([{"action": "connect", "endpoint": []}], "exactly one endpoint"),
        ([{"action": "connect", "endpoint": [{"type": "fax", "number": "1"}]}], "endpoint type"),
        ([{"action": "record", "endOnKey": "ab"}], "endOnKey"),
        ([{"action": "record", "timeOut": 2}], "timeOut"),
        ([{"action": "notify", "payload": {}}], "eventUrl is required"),
        ([{"action": "stream", "streamUrl": "https://x/a.mp3"}], "streamUrl must be an array"),
        ([{"action": "conversation"}], "name is required"),
        ([{"action": "transfer"}], "conversationId is required"),
    ],
)
def test_invalid_nccos_say_what_is_wrong(ncco: object, problem: str) -> None:
    with pytest.raises(NccoError, match=problem):
        parse_ncco(ncco)


@pytest.mark.parametrize(
    ("body", "replaces"),
    [(b"", False), (b"[]", False), (b"{}", False), (b"nope", False), (b'[{"action":"x"}]', False)],
)
def test_replacement_ncco_ignores_empty_or_invalid_answers(body: bytes, replaces: bool) -> None:
    ncco, note = replacement_ncco(body)
    assert ncco is None and note


# -- SMS arithmetic -------------------------------------------------------------------------------


def test_sms_fits_160_gsm_or_70_unicode_characters_in_one_message() -> None:
    assert sms.split("a" * 160) == ["a" * 160]
    assert [len(p) for p in sms.split("a" * 161)] == [153, 8]
    assert sms.split("ж" * 70) == ["ж" * 70]
    assert [len(p) for p in sms.split("ж" * 71)] == [67, 4]
    assert sms.length("[]") == 4 and sms.sms_type("€5") == "text"
    assert sms.sms_type("😀") == "unicode" and sms.length("😀") == 2
    # an escape pair is never split across parts
    parts = sms.split("a" * 152 + "{" + "b" * 10)
    assert parts[0] == "a" * 152 and parts[1].startswith("{")


# -- scripts and behaviours -----------------------------------------------------------------------


def test_scripts_parse_and_refuse_unknown_steps() -> None:
    steps = parse_script(
        [{"press": "1#"}, {"say": " yes "}, {"wait": 2}, {"record": 3}, {"hangup": True}]
    )
    assert [s.kind for s in steps] == [
        StepKind.PRESS,
        StepKind.SAY,
        StepKind.WAIT,
        StepKind.RECORD,
        StepKind.HANGUP,
    ]
    assert steps[1].text == "yes"
    for bad in (
        [{"press": ""}],
        [{"wait": -1}],
        [{"say": "x", "press": "1"}],
        [{"hangup": "yes"}],
        "x",
    ):
        with pytest.raises(ConfigurationError):
            parse_script(bad)  # type: ignore[arg-type]


def test_number_behaviours_parse_with_defaults_and_refuse_unknown_settings() -> None:
    behaviour = NumberBehaviour.from_mapping({"behaviour": "fails"})
    assert behaviour.behaviour is Behaviour.FAILS and behaviour.failure_detail == "cannot_route"
    assert NumberBehaviour.from_mapping({"talk_seconds": None}).talk_seconds is None
    with pytest.raises(ConfigurationError, match="unknown number setting"):
        NumberBehaviour.from_mapping({"colour": "red"})
    with pytest.raises(ConfigurationError, match="answers_after"):
        NumberBehaviour.from_mapping({"answers_after": "soon"})


def test_rest_controls_refuse_unknown_or_finished_calls() -> None:
    app = FakeApp({"/answer": [{"action": "talk", "text": "hi"}]})
    network = network_for(app)
    call = network.call("447700900001", "447700900100")
    with pytest.raises(UnknownCallError):
        network.hangup("nope")
    with pytest.raises(CallStateError):
        network.hangup(call.uuid)
    with pytest.raises(NccoError):
        network.create_call("447700900001", ncco=[{"action": "nope"}])


def test_a_simulator_bug_is_raised_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    app = FakeApp({"/answer": [{"action": "talk", "text": "hi"}]})
    network = network_for(app)

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("chalicelib.simulator.ncco_runner.talk_seconds", broken)
    with pytest.raises(Exception, match="boom"):
        network.call("447700900001", "447700900100")


# -- transports -----------------------------------------------------------------------------------


def test_chalice_test_client_handler_drives_a_chalice_app() -> None:
    # GIVEN a tiny Chalice app answering NCCO
    from chalice import Chalice

    chalice_app = Chalice(app_name="fake-vonage-app")

    @chalice_app.route("/answer", methods=["GET"])
    def answer() -> list[dict[str, str]]:
        caller = (chalice_app.current_request.query_params or {}).get("from", "?")
        return [{"action": "talk", "text": f"Hello {caller}"}]

    @chalice_app.route("/event", methods=["POST"])
    def event() -> dict[str, str]:
        return {}

    network = Network(
        application(answer_url=f"{APP_BASE}/answer", event_url=f"{APP_BASE}/event"),
        InProcessTransport(chalice_test_client_handler(chalice_app)),
        VirtualClock(START),
    )
    # WHEN a caller rings
    call = network.call("447700900001", "447700900100")
    # THEN the app's NCCO ran
    assert call.transcript.said() == ["Hello 447700900001"]
    assert all(w.status == 200 for w in call.webhooks)


def test_paced_worker_runs_calls_in_the_background() -> None:
    # GIVEN a network driven by a worker at 200 virtual seconds per real second
    app = FakeApp(
        {"/answer": [{"action": "wait", "timeout": 20}, {"action": "talk", "text": "done"}]}
    )
    network = network_for(app)
    stop = threading.Event()
    worker = threading.Thread(target=network.serve_forever, args=(stop, 200.0, False), daemon=True)
    network.drive_from(worker)
    worker.start()
    try:
        # WHEN a call is placed from another thread
        call = network.call("447700900001", "447700900100", timeout=10)
        # THEN it ran to its end on the worker
        assert call.ended and call.transcript.said() == ["done"]
    finally:
        stop.set()
        worker.join(5)
