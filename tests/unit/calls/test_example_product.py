"""A product extends the core from its own package (the suite's example product, the tip jar):
its widgets parse and run, its typed data rides on the call, its effect kind is queued and run by
its own runner, its engine event and error class are taken, and a timer wakes a waiting call and
pushes what the flow decided to the live leg. On in-memory fakes; no core module is edited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from exampleproduct.model import JarFullError, RecordTip, Thank, TipJar
from exampleproduct.product import register
from exampleproduct.registries import restored
from fakes import (
    MemoryCalls,
    MemoryFlows,
    MemoryNumbers,
    MemoryRecords,
    MemoryUserVariables,
    RecordingCarrier,
)

from chalicelib.calls.service import VoiceService
from chalicelib.calls.tasks import (
    EffectQueue,
    Runner,
    TaskWorker,
    decode_task,
    timer_runner,
)
from chalicelib.flows.calldata import UnknownCallData, decode_call_data, encode_call_data
from chalicelib.flows.catalogue import FlowCatalogue
from chalicelib.flows.engine import HANGUP_TIMER
from chalicelib.flows.errors import UnknownEventError
from chalicelib.flows.outcomes import ScheduleTimer, TimerFired
from chalicelib.flows.state import CallState
from chalicelib.flows.widgets.base import EngineEnv
from chalicelib.telephony.actions import Hangup, Say
from chalicelib.telephony.events import CallAnswered, Direction
from chalicelib.web.problems import status_for

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TIPS = {
    "id": "tips",
    "name": "Takes a tip, holds, thanks",
    "kind": "outbound",
    "language": "en-GB",
    "start": "tip",
    "nodes": {
        "tip": {"widget": "tip", "amount": "0.50", "next": "hold"},
        "hold": {"widget": "pause", "text": "Please hold.", "seconds": 5, "next": "thanks"},
        "thanks": {"widget": "say", "text": "Thank you.", "next": "bye"},
        "bye": {"widget": "hangup"},
    },
}
ANSWERED = CallAnswered("leg-1", "CON-1", "447700900150", "447700900444")


class Queue:
    """The task queue: keeps each message with its delay."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, int]] = []

    def __call__(self, body: str, delay: int) -> None:
        self.messages.append((body, delay))


class Markers:
    def __init__(self) -> None:
        self.claims: set[str] = set()

    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool:
        if key in self.claims:
            return False
        self.claims.add(key)
        return True

    def is_claimed(self, key: str, now: datetime) -> bool:
        return key in self.claims

    def hold(self, key: str, now: datetime, ttl_seconds: int) -> None:
        self.claims.add(key)

    def release(self, key: str) -> None:
        self.claims.discard(key)


@pytest.fixture(autouse=True)
def tipjar_installed() -> Iterator[None]:
    with restored():
        register()
        yield


@pytest.fixture
def calls() -> MemoryCalls:
    calls = MemoryCalls()
    calls.items["c1"] = CallState(
        "c1",
        "acme",
        "tips",
        1,
        Direction.OUTBOUND,
        "447700900150",
        "447700900444",
        NOW,
        language="en-GB",
        version=1,
    )
    return calls


class World:
    def __init__(self, calls: MemoryCalls) -> None:
        self.calls = calls
        self.carrier = RecordingCarrier()
        self.queue = Queue()
        self.tips: list[RecordTip] = []
        flows = MemoryFlows()
        flows.add("acme", TIPS)
        self.runners: dict[type, Runner] = {
            RecordTip: Runner(lambda effect, account: self.tips.append(effect) or {}),
            ScheduleTimer: timer_runner(lambda c, e: self.voice.wake(c, e)),  # noqa: PLW0108
        }
        self.voice = VoiceService(
            calls=calls,
            numbers=MemoryNumbers(),
            flows=FlowCatalogue(flows),
            user_vars=MemoryUserVariables(),
            records=MemoryRecords(),
            effects=EffectQueue(self.runners, self.queue),
            fetch=lambda request: pytest.fail("no HTTP here"),
            render=lambda actions, call_id: json.dumps([type(a).__name__ for a in actions]),
            clock=lambda: NOW,
            env=EngineEnv(),
            control=lambda: self.carrier,
        )
        self.worker = TaskWorker(Markers(), self.runners, lambda: NOW)


@pytest.fixture
def world(calls: MemoryCalls) -> World:
    return World(calls)


def test_a_products_widgets_run_its_data_rides_on_the_call_and_its_effects_are_queued(
    world: World,
) -> None:
    # WHEN the call is answered
    answer = world.voice.answer(ANSWERED, "k1", "c1")
    # THEN the product's widgets ran: the caller hears the hold message, the tip is on the call
    assert answer.body == json.dumps(["Say"])
    state = world.calls.items["c1"]
    assert state.data_of(TipJar) == TipJar(Decimal("0.50"), 1)
    # AND its effect and the timer were queued: the timer held back by the queue for 5 s
    kinds = [(json.loads(body)["kind"], delay) for body, delay in world.queue.messages]
    assert kinds == [("example_record_tip", 0), ("schedule_timer", 5)]


def test_the_timer_wakes_the_call_and_pushes_the_rest_of_the_flow_to_its_leg(
    world: World,
) -> None:
    world.voice.answer(ANSWERED, "k1", "c1")
    # WHEN the queue delivers both tasks (and the timer once more, as SQS may)
    for body, _ in world.queue.messages:
        world.worker.run(body)
    world.worker.run(world.queue.messages[1][0])
    # THEN the tip was recorded by the product's runner, once
    assert [tip.amount for tip in world.tips] == ["0.50"]
    # AND the flow went on: the live leg was moved to the rest of the flow, once
    assert world.carrier.pushed == [
        ("transfer", "leg-1", (Say("Thank you.", "en-GB"), Hangup())),
    ]


def test_a_timer_for_a_node_the_call_has_left_changes_nothing(world: World) -> None:
    world.voice.answer(ANSWERED, "k1", "c1")
    before = world.calls.items["c1"]
    answer = world.voice.wake("c1", TimerFired("pause", "no-such-ref", "t-old"))
    assert answer.body is None and world.calls.items["c1"] == before
    assert world.carrier.pushed == []


def test_the_platforms_hangup_timer_ends_a_call_at_its_longest(world: World) -> None:
    world.voice.answer(ANSWERED, "k1", "c1")
    world.voice.wake("c1", TimerFired(HANGUP_TIMER, "max", "t-max"))
    assert world.carrier.pushed == [("hangup", "leg-1", ())]


def test_a_products_event_is_taken_and_an_unknown_one_is_refused(world: World) -> None:
    world.voice.answer(ANSWERED, "k1", "c1")
    world.voice.handle("c1", Thank("ops"), "thank-1")
    jar = world.calls.items["c1"].data_of(TipJar)
    assert jar is not None and jar.thanked_by == "ops" and jar.total == Decimal("0.50")

    class Unregistered:
        pass

    with pytest.raises(UnknownEventError):
        world.voice.handle("c1", Unregistered(), "k-unknown")  # type: ignore[arg-type]


def test_a_products_error_answers_its_own_status() -> None:
    assert status_for(JarFullError("the jar is full")) == 402


def test_call_data_is_stored_exactly_and_data_of_an_absent_product_is_kept() -> None:
    text = encode_call_data({"tipjar": TipJar(Decimal("0.10"), 2, "ops")})
    assert decode_call_data(text) == {"tipjar": TipJar(Decimal("0.10"), 2, "ops")}
    kept = decode_call_data('{"gone":{"x":"1"}}')
    assert kept == {"gone": UnknownCallData("gone", {"x": "1"})}
    assert encode_call_data(kept) == '{"gone":{"x":"1"}}'


def test_a_task_of_the_products_kind_decodes_to_its_own_type() -> None:
    from chalicelib.calls.tasks import encode_task

    tip = RecordTip("c1:1:tip", "acme", "c1", "0.50")
    assert decode_task(encode_task(tip, "acme")) == ("acme", tip)
