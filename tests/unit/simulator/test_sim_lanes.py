"""Calls on lanes (``Network.run_concurrently``, how the served simulator carries calls): calls
wait for the application at the same time, while each call's webhooks keep their order, one at
a time, and every transcript is what it is in-process. Against the fake app in-process; every
wait is bounded."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from simkit import SCENARIOS, START, FakeApp, Received, application, network_for, pull_app

from chalicelib.simulator import ncco_runner
from chalicelib.simulator.lanes import LanePool
from chalicelib.simulator.model import EntryKind
from chalicelib.simulator.network import CallHandle, Network
from chalicelib.simulator.scenario import load_scenario
from chalicelib.simulator.scheduler import SimulationError, VirtualClock
from chalicelib.simulator.throttle import Throttle
from chalicelib.simulator.transport import InProcessTransport

LVN = "447700900100"
CALLS = 8


def talk(text: str) -> dict[str, str]:
    return {"action": "talk", "text": text}


@pytest.fixture
def lanes() -> Iterator[list[LanePool]]:
    pools: list[LanePool] = []
    yield pools
    for pool in pools:
        pool.stop()


def on_lanes(network: Network, pools: list[LanePool], workers: int = CALLS, **kw: Any) -> Network:
    pools.append(network.run_concurrently(workers, **kw))
    return network


def finish(network: Network, handles: list[CallHandle]) -> None:
    for handle in handles:
        network.complete(handle, timeout=20)


def test_calls_on_lanes_wait_for_the_app_at_the_same_time(lanes: list[LanePool]) -> None:
    # GIVEN an app whose answer URL holds each request until 8 of them wait at once (at most 5 s)
    together = threading.Barrier(CALLS)

    def answer(_: Received) -> object:
        try:
            together.wait(5)
        except threading.BrokenBarrierError:
            return [talk("one at a time")]
        return [talk("all at once")]

    network = on_lanes(network_for(FakeApp({"/answer": answer})), lanes)
    # WHEN 8 callers ring
    handles = [network.call(f"4477009000{i:02d}", LVN, run=False) for i in range(CALLS)]
    finish(network, handles)
    # THEN their answer webhooks were all in flight together, and every call completed
    assert [h.transcript.said() for h in handles] == [["all at once"]] * CALLS
    assert [h.status for h in handles] == ["completed"] * CALLS


class InFlight:
    """Wraps the fake app: counts the webhooks in flight per conversation and in all, holding
    each one for a moment so that calls overlap."""

    def __init__(self, app: FakeApp) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._now: Counter[str] = Counter()
        self._total = 0
        self.most_per_conversation = 0
        self.most = 0

    def handle(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Any:
        fields = (
            {k: v[-1] for k, v in parse_qs(query).items()} if method == "GET" else json.loads(body)
        )
        key = str(fields.get("conversation_uuid"))
        with self._lock:
            self._now[key] += 1
            self._total += 1
            self.most_per_conversation = max(self.most_per_conversation, self._now[key])
            self.most = max(self.most, self._total)
        try:
            threading.Event().wait(0.005)
            return self.app.handle(method, path, query, headers, body)
        finally:
            with self._lock:
                self._now[key] -= 1
                self._total -= 1


def pull_network(tracker: InFlight | None = None) -> Network:
    """The fake pull app on a network, its webhooks through ``tracker`` if given."""
    box: list[Network] = []
    fake = pull_app(box)
    if tracker is None:
        network = network_for(fake)
    else:
        tracker.app = fake
        network = Network(application(), InProcessTransport(tracker.handle), VirtualClock(START))
    box.append(network)
    return network


def shape(handle: CallHandle) -> list[tuple[float, str, str, str]]:
    return [(round(e.seconds, 3), e.leg, e.kind.value, e.text) for e in handle.transcript]


def webhook_order(handle: CallHandle) -> list[tuple[str, str | None, object]]:
    return [
        (w.kind, w.leg, w.payload.get("status") if isinstance(w.payload, dict) else None)
        for w in handle.webhooks
    ]


SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_calls_on_lanes_keep_each_calls_order_and_transcript(
    path: Path, lanes: list[LanePool]
) -> None:
    # GIVEN a scenario (some with a second leg) and its call carried in-process
    scenario = load_scenario(path)
    alone = pull_network()
    for number, behaviour in scenario.numbers.items():
        alone.set_number(number, behaviour)
    reference = alone.call(scenario.from_, scenario.to, scenario.caller)
    # WHEN the same call is placed 8 times at once on lanes
    tracker = InFlight(FakeApp())
    network = on_lanes(pull_network(tracker), lanes)
    # (an account whose limit of new calls per second was raised for this many connects)
    network.throttle = Throttle(lambda: 0.0, calls_per_second=CALLS)
    for number, behaviour in scenario.numbers.items():
        network.set_number(number, behaviour)
    handles = [
        network.call(scenario.from_, scenario.to, scenario.caller, run=False) for _ in range(CALLS)
    ]
    finish(network, handles)
    # THEN calls overlapped, yet a call never had two webhooks in flight, and each call's
    # webhooks and transcript are those of the call carried alone
    assert tracker.most > 1
    assert tracker.most_per_conversation == 1
    for handle in handles:
        assert webhook_order(handle) == webhook_order(reference)
        assert shape(handle) == shape(reference)


def test_a_conversation_joins_calls_on_different_lanes(lanes: list[LanePool]) -> None:
    # GIVEN a room where the host's leaving ends the conversation, on lanes paced at 200 virtual
    # seconds per second (as fast as possible, each call would have a clock of its own)
    def answer(request: Received) -> object:
        host = request.query.get("from") == "447700900009"
        return [
            {"action": "conversation", "name": "room-1", "endOnExit": host},
            talk("The conference has ended"),
        ]

    network = on_lanes(network_for(FakeApp({"/answer": answer})), lanes, speed=200.0)
    # WHEN a guest joins and waits, then the host joins and hangs up after 20 seconds
    guest = network.call("447700900001", LVN, run=False)
    deadline = time.monotonic() + 10
    while not guest.transcript.of_kind(EntryKind.CONVERSATION) and time.monotonic() < deadline:
        threading.Event().wait(0.01)
    host = network.call("447700900009", LVN, [{"wait": 20}, {"hangup": True}], run=False)
    finish(network, [host, guest])
    # THEN the guest, woken from the host's lane, continued when the host left
    assert guest.transcript.said() == ["The conference has ended"]
    assert host.status == guest.status == "completed"


def test_paced_lanes_follow_real_time(lanes: list[LanePool]) -> None:
    # GIVEN lanes at 200 virtual seconds per real second
    app = FakeApp({"/answer": [{"action": "wait", "timeout": 20}, talk("done")]})
    network = on_lanes(network_for(app), lanes, workers=2, speed=200.0)
    # WHEN two calls are placed
    handles = [network.call(f"44770090000{i}", LVN, run=False) for i in range(2)]
    finish(network, handles)
    # THEN both waited their 20 virtual seconds and went on
    for handle in handles:
        assert handle.transcript.said() == ["done"]
        assert handle.transcript.of_kind(EntryKind.SAY)[-1].seconds >= 20


def test_a_simulator_bug_on_a_lane_fails_that_call_only(
    lanes: list[LanePool], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN lanes, and a talk action that crashes for one caller's text
    real = ncco_runner.talk_seconds

    def fragile(text: str) -> float:
        if "boom" in text:
            raise ZeroDivisionError("boom")
        return float(real(text))

    monkeypatch.setattr("chalicelib.simulator.ncco_runner.talk_seconds", fragile)

    def answer(request: Received) -> object:
        return [talk("boom" if request.query.get("from") == "447700900001" else "fine")]

    network = on_lanes(network_for(FakeApp({"/answer": answer})), lanes, workers=1)
    # WHEN the crashing call and then another call are placed
    broken = network.call("447700900001", LVN)
    fine = network.call("447700900002", LVN)
    # THEN the first failed with the error recorded and the worker carried the second
    assert broken.status == "failed" and "boom" in network.crashes[0]
    assert fine.status == "completed" and fine.transcript.said() == ["fine"]


def test_a_network_on_lanes_is_not_driven_in_process(lanes: list[LanePool]) -> None:
    app = FakeApp({"/answer": [talk("hi")]})
    network = on_lanes(network_for(app), lanes, workers=1)
    with pytest.raises(SimulationError):
        network.run_until_idle()
    network.call("447700900001", LVN)
    with pytest.raises(SimulationError):
        network.run_concurrently(1)


def test_a_call_carried_fast_reaches_the_app_with_wall_clock_times(lanes: list[LanePool]) -> None:
    # GIVEN lanes that carry calls as fast as they can (the local run's simulator)
    app = FakeApp({"/answer": [{"action": "conversation", "name": "hold-room"}]})
    network = on_lanes(network_for(app), lanes, workers=1)
    before = datetime.now(UTC)
    # WHEN a caller stays 20 virtual minutes on the line, then hangs up
    handle = network.call(LVN.replace("100", "001"), LVN, [{"wait": 1200}, {"hangup": True}])
    after = datetime.now(UTC)
    # THEN the call lasted 20 minutes in its own time, but every instant the app was sent is a
    # wall-clock one: none in the future, and the duration is the real time it took
    assert handle.transcript.of_kind(EntryKind.HANGUP)[-1].seconds >= 1200
    events = handle.events()
    stamps = [iso_instant(event["timestamp"]) for event in events]
    assert all(before - timedelta(seconds=1) <= stamp <= after for stamp in stamps)
    [completed] = [event for event in events if event["status"] == "completed"]
    start, end = iso_instant(completed["start_time"]), iso_instant(completed["end_time"])
    assert before - timedelta(seconds=1) <= start <= end <= after
    assert int(completed["duration"]) == round((end - start).total_seconds()) <= 5


def iso_instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
