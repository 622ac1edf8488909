"""The simulated provider network: numbers with behaviours, calls and their legs, named
conversations, recordings, the SMS outbox, the transcript and the webhook log, all in virtual
time. Each SMS the application sends gets its delivery receipts later (``receipts``).

Thread model: legs are created under a lock from any thread (so the REST API can answer with a
uuid at once); every change to a running call happens where the call's scheduler is driven, and
other threads hand commands over through an inbox. In-process (tests) one scheduler and one
clock carry every call on the thread that calls ``run_until_idle``/``run_for``/``complete``, or
on one worker (``serve_forever``): deterministic. Served under load (``run_concurrently``), each
call gets a lane of its own (``lanes``: its scheduler, its clock, a worker at a time) so calls
progress in parallel while each call's webhooks keep their order. Imports the standard library
and simulator modules; never the app's flow engine or its Vonage adapter.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib.simulator import caller_id, dtmf, media, payloads, sms
from chalicelib.simulator.commands import Command, CommandLines
from chalicelib.simulator.dispatch import Dispatcher, Origin
from chalicelib.simulator.interactive import InteractiveCaller
from chalicelib.simulator.lanes import Lane, LanePool
from chalicelib.simulator.leg_runtime import ConnectOptions, LegHungUp, LegRun, NccoReplaced
from chalicelib.simulator.legs import connected_leg, inbound_leg, outbound_leg
from chalicelib.simulator.machine_detection import check_advanced, check_standard
from chalicelib.simulator.model import (
    Behaviour,
    Caller,
    EntryKind,
    Leg,
    LegStatus,
    NumberBehaviour,
    Room,
    SentSms,
    Step,
    Transcript,
    TranscriptEntry,
    VonageApplication,
    WebhookRecord,
    parse_script,
)
from chalicelib.simulator.ncco import Ncco, parse_ncco
from chalicelib.simulator.phones import PhoneRegistry
from chalicelib.simulator.receipts import DeliveryPlan, DeliveryRules
from chalicelib.simulator.scheduler import (
    Process,
    ProcessBody,
    Scheduler,
    Signal,
    SimulationError,
    VirtualClock,
    running_process,
)
from chalicelib.simulator.throttle import Throttle
from chalicelib.simulator.transport import WebhookTransport

DEFAULT_FROM_NUMBER = "447700900000"
SMS_PRICE = 0.0333
SMS_AFTER_CALL_SECONDS = 120.0
"""How long after a call (real seconds) an SMS the application sends to the person on it still
counts as the call's: an application sends it from a queue, often once the call has ended."""


class UnknownCallError(LookupError):
    """No leg has this uuid."""


class CallStateError(RuntimeError):
    """The leg is not in a state that allows the request (e.g. already over)."""


@dataclass
class _CallState:
    root: Leg
    started_at: float
    scheduler: Scheduler
    lane: Lane | None = None
    done: threading.Event = field(default_factory=threading.Event)
    live: int = 0
    labels: int = 0
    done_at: float | None = None  # real (monotonic) time the call ended
    entries: list[TranscriptEntry] = field(default_factory=list)
    """The call's own lines of the transcript, so reading one call costs its length only."""

    @property
    def person(self) -> str:
        """The number of the person the call is with (the caller, or whom it called)."""
        return self.root.from_ if self.root.direction == "inbound" else self.root.to


class CallHandle:
    """A call (its first leg and every leg it led to): status, transcript, webhooks."""

    def __init__(self, network: Network, call_id: str) -> None:
        self._network = network
        self.call_id = call_id

    @property
    def leg(self) -> Leg:
        return self._network._call(self.call_id).root

    @property
    def uuid(self) -> str:
        return self.leg.uuid

    @property
    def conversation_uuid(self) -> str:
        return self.leg.conversation_uuid

    @property
    def status(self) -> str:
        """The first leg's state (``completed``, ``busy``, ``failed``, ...)."""
        return self.leg.status.value

    @property
    def ended(self) -> bool:
        return self._network._call(self.call_id).done.is_set()

    @property
    def legs(self) -> list[Leg]:
        return [leg for leg in self._network.legs() if leg.call_id == self.call_id]

    @property
    def transcript(self) -> Transcript:
        return self._network.call_transcript(self.call_id)

    @property
    def webhooks(self) -> list[WebhookRecord]:
        return [w for w in self._network.webhook_log() if w.call == self.call_id]

    @property
    def sms(self) -> list[SentSms]:
        return [m for m in self._network.outbox() if m.call == self.call_id]

    def events(self, leg: str | None = None) -> list[dict[str, Any]]:
        """Payloads of the call's event webhooks (first attempts), optionally of one leg label."""
        return [
            dict(w.payload)
            for w in self.webhooks
            if w.kind == "event" and w.attempt == 1 and (leg is None or w.leg == leg)
        ]

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the call has ended (for a network driven by a worker thread)."""
        return self._network._call(self.call_id).done.wait(timeout)

    def hangup(self) -> None:
        self._network.hangup(self.uuid)

    def summary(self) -> dict[str, Any]:
        leg = self.leg
        return {
            "uuid": leg.uuid,
            "conversation_uuid": leg.conversation_uuid,
            "from": leg.from_,
            "to": leg.to,
            "direction": leg.direction,
            "status": leg.status.value,
            "duration": leg.duration,
            "ended": self.ended,
            "legs": [
                {"label": one.label, "uuid": one.uuid, "to": one.to, "status": one.status.value}
                for one in self.legs
            ],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "call": self.summary(),
            "transcript": self.transcript.to_json(),
            "webhooks": [w.to_json() for w in self.webhooks],
            "sms": [m.to_json() for m in self.sms],
        }

    def __str__(self) -> str:
        return str(self.transcript)


class Network:
    """The provider's side of calls and SMS for one application, in virtual time."""

    def __init__(
        self,
        app: VonageApplication,
        transport: WebhookTransport,
        clock: VirtualClock | None = None,
        *,
        signing_clock: Callable[[], datetime] | None = None,
        api_base_url: str = "https://api.nexmo.com",
        max_call_seconds: float = 7200.0,
        monotonic: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.app = app
        self.transport = transport
        self.clock = clock or VirtualClock()
        self.scheduler = Scheduler(self.clock)
        self.signing_now = signing_clock or self.clock.now
        self.api_base_url = api_base_url
        self.max_call_seconds = max_call_seconds
        self.transcript = Transcript()
        self.dispatcher = Dispatcher(
            app, transport, self.clock_of, self.signing_now, self._record, monotonic
        )
        self.crashes: list[str] = []
        self.balance = 10.0
        self.throttle = Throttle(lambda: self.clock_of(None).seconds)
        self.commands = CommandLines()
        self._lock = threading.RLock()
        self._numbers: dict[str, NumberBehaviour] = {}
        self._account_numbers: set[str] = {payloads.number(n) for n in app.numbers}
        self._legs: dict[str, Leg] = {}
        self._calls: dict[str, _CallState] = {}
        self._rooms: dict[str, Room] = {}
        self._files: dict[str, tuple[bytes, str]] = {}
        self._webhooks: list[WebhookRecord] = []
        self._outbox: list[SentSms] = []
        self.sms_receipts = DeliveryRules()
        self._inbox: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._wakeup = threading.Event()
        self._driver: threading.Thread | None = None
        self._lanes: LanePool | None = None
        self.phones = PhoneRegistry()

    # -- numbers ---------------------------------------------------------------------------------

    def set_number(
        self, number: str, behaviour: NumberBehaviour | Mapping[str, Any] | None = None
    ) -> NumberBehaviour:
        """Give ``number`` (or a SIP URI, ``sip:desk@pbx.example.com``, as a connect or a created
        call dials it) a behaviour (a ``NumberBehaviour`` or its mapping form)."""
        if behaviour is None:
            behaviour = NumberBehaviour()
        elif not isinstance(behaviour, NumberBehaviour):
            behaviour = NumberBehaviour.from_mapping(behaviour)
        with self._lock:
            self._numbers[payloads.number(number)] = behaviour
        return behaviour

    def behaviour(self, number: str) -> NumberBehaviour:
        """The behaviour of ``number``: a dev phone's rings its page; else answers, by default."""
        if self.phones.is_phone(payloads.number(number)):
            return NumberBehaviour(Behaviour.PHONE, talk_seconds=None)
        with self._lock:
            return self._numbers.get(payloads.number(number), NumberBehaviour())

    def numbers(self) -> dict[str, NumberBehaviour]:
        with self._lock:
            return dict(self._numbers)

    def add_account_numbers(self, *numbers: str) -> None:
        """Numbers the account rents (a ``connect`` may present them as its ``from``)."""
        with self._lock:
            self._account_numbers.update(payloads.number(n) for n in numbers)

    def account_numbers(self) -> frozenset[str]:
        """The application's numbers and every number a caller rang to reach it."""
        with self._lock:
            return frozenset(self._account_numbers)

    def random_from_number(self) -> str:
        owned = sorted(self.account_numbers())
        return random.choice(owned) if owned else DEFAULT_FROM_NUMBER

    # -- placing calls ---------------------------------------------------------------------------

    def _new_leg(
        self,
        *,
        direction: str,
        from_: str,
        to: str,
        call_id: str | None,
        conversation_uuid: str | None,
        event_url: str | None,
        event_method: str,
        behaviour: NumberBehaviour,
        script: Sequence[Step],
        talk_seconds: float | None,
        interactive: bool = False,
    ) -> Leg:
        """A new leg; ``interactive``, or an outbound leg to a dev phone, gets a person acting
        as it goes (an outbound one to a phone already on a call finds it busy)."""
        uuid = payloads.new_leg_uuid(dashed=direction == "outbound")
        with self._lock:
            state = self._calls.get(call_id) if call_id is not None else None
            lane = state.lane if state is not None else None
            if state is None and self._lanes is not None:
                lane = self._lanes.new_lane()
            scheduler = self.scheduler if lane is None else lane.scheduler
            phone = from_ if direction == "inbound" else to
            caller = Caller(script, talk_seconds)
            if interactive or (direction == "outbound" and behaviour.behaviour is Behaviour.PHONE):
                if not interactive and self._on_a_call(payloads.number(phone)):
                    behaviour = NumberBehaviour(Behaviour.BUSY)
                else:
                    caller = InteractiveCaller(scheduler)
                    self.phones.set_leg(payloads.number(phone), uuid)
            leg = Leg(
                uuid=uuid,
                conversation_uuid=conversation_uuid or payloads.new_conversation_uuid(),
                direction=direction,
                from_=payloads.number(from_),
                to=payloads.number(to),
                call_id=call_id or uuid,
                label="A",
                event_url=event_url,
                event_method=event_method,
                created_at=scheduler.clock.seconds,
                behaviour=behaviour,
                caller=caller,
            )
            if state is None:
                state = _CallState(leg, scheduler.clock.seconds, scheduler, lane)
                self._calls[leg.call_id] = state
            else:
                state.labels += 1
                leg.label = _label(state.labels)
            state.live += 1
            leg.ended = Signal(scheduler, f"{leg.label} ended")
            leg.answered = Signal(scheduler, f"{leg.label} answered")
            self._legs[uuid] = leg
        return leg

    def _on_a_call(self, number: str) -> bool:
        """Whether the dev phone on ``number`` is on a leg that has not ended (under the lock)."""
        uuid = self.phones.leg_of(number)
        leg = self._legs.get(uuid) if uuid is not None else None
        return leg is not None and not leg.is_over

    def _spawn(self, leg: Leg, body: ProcessBody) -> None:
        leg.process = self.scheduler_of(leg.call_id).spawn(
            body, f"leg {leg.label} {leg.uuid}", self._on_exit(leg), tag=leg.call_id
        )

    def call(
        self,
        from_: str,
        to: str,
        script: Iterable[Step | Mapping[str, Any]] = (),
        *,
        talk_seconds: float | None = None,
        run: bool = True,
        timeout: float = 60.0,
    ) -> CallHandle:
        """A caller on ``from_`` rings the application's number ``to`` and follows ``script``.

        With ``run`` the call is carried to its end before returning (in-process: the scheduler
        runs here; with a worker thread: waits up to ``timeout`` real seconds).
        ``talk_seconds``: how long the caller stays in a bridge after the script ran out
        (None: until the other side leaves).
        """
        steps = parse_script(script)
        self.add_account_numbers(to)  # the provider routes only the account's numbers to it
        leg = self._new_leg(
            direction="inbound",
            from_=from_,
            to=to,
            call_id=None,
            conversation_uuid=None,
            event_url=None,
            event_method=self.app.event_method,
            behaviour=self.behaviour(from_),
            script=steps,
            talk_seconds=talk_seconds,
        )
        handle = CallHandle(self, leg.call_id)
        self._submit(leg, lambda: self._spawn(leg, inbound_leg(LegRun(self, leg))))
        if run:
            self.complete(handle, timeout)
        return handle

    def phone_call(self, number: str, to: str) -> CallHandle:
        """The dev phone on ``number`` dials ``to``: an inbound call whose caller is the person
        at the page. Raises ``CallStateError`` when the phone is on a call already."""
        self.add_account_numbers(to)
        with self._lock:
            if self._on_a_call(payloads.number(number)):
                raise CallStateError(f"{number} is on a call: hang up first")
            leg = self._new_leg(
                direction="inbound",
                from_=number,
                to=to,
                call_id=None,
                conversation_uuid=None,
                event_url=None,
                event_method=self.app.event_method,
                behaviour=NumberBehaviour(talk_seconds=None),
                script=(),
                talk_seconds=None,
                interactive=True,
            )
        self._submit(leg, lambda: self._spawn(leg, inbound_leg(LegRun(self, leg))))
        return CallHandle(self, leg.call_id)

    def on_leg(self, uuid: str, apply: Callable[[Leg, float], None]) -> None:
        """Run ``apply(leg, now)`` where leg ``uuid``'s call is driven, at its virtual ``now``
        (any thread): how a person's act reaches a running leg. Raises ``UnknownCallError``."""
        leg = self.leg(uuid)
        if leg is None:
            raise UnknownCallError(uuid)
        self._submit(leg, lambda: apply(leg, self.clock_of(leg.call_id).seconds))

    def create_call(
        self,
        to: str,
        from_: str | None = None,
        *,
        ncco: object = None,
        answer_url: str | None = None,
        answer_method: str = "GET",
        event_url: str | None = None,
        event_method: str = "POST",
        machine_detection: str | None = None,
        advanced_machine_detection: Mapping[str, Any] | None = None,
        ringing_timer: float = 60.0,
        length_timer: float = 7200.0,
    ) -> CallHandle:
        """An outbound call as ``POST /v1/calls`` creates it (``ncco`` or ``answer_url``).

        Returns at once; the call runs when the network is driven. Raises ``NccoError`` for an
        inline NCCO that does not parse, ``MachineDetectionError`` for detection options the
        provider refuses and ``ValueError`` for other bad arguments.
        """
        if (ncco is None) == (answer_url is None):
            raise ValueError("exactly one of ncco and answer_url is required")
        inline = parse_ncco(ncco) if ncco is not None else None
        check_standard(machine_detection, "machine_detection")
        check_advanced(advanced_machine_detection, "advanced_machine_detection")
        behaviour = self.behaviour(to)
        leg = self._new_leg(
            direction="outbound",
            from_=from_ or self.random_from_number(),
            to=to,
            call_id=None,
            conversation_uuid=None,
            event_url=event_url,
            event_method=event_method,
            behaviour=behaviour,
            script=behaviour.script,
            talk_seconds=behaviour.talk_seconds,
        )
        leg.inline_ncco = inline
        leg.answer_url = answer_url
        leg.answer_method = answer_method
        leg.machine_detection = machine_detection
        leg.advanced_machine_detection = advanced_machine_detection
        leg.ringing_timer = ringing_timer
        leg.length_limit = length_timer

        def start() -> None:
            self.log(leg, EntryKind.DIAL, leg.to, from_=leg.from_)
            self._spawn(leg, outbound_leg(LegRun(self, leg)))

        self._submit(leg, start)
        return CallHandle(self, leg.call_id)

    def start_connected_leg(
        self,
        parent: Leg,
        to: str,
        from_: str,
        event_url: str | None,
        event_method: str,
        options: ConnectOptions,
    ) -> Leg:
        """The far end of a ``connect`` (scheduler thread only). A ``from`` the network refuses
        is rejected before it rings; a ``connect`` counts against the new-calls-per-second limit
        as a REST create does, and over it the leg is refused at once (``failed``) and nothing
        rings (FACTS §5)."""
        behaviour = self.behaviour(to)
        if options.refusal is not None:
            self.log(parent, EntryKind.ERROR, f"the network refuses the connect: {options.refusal}")
            behaviour = NumberBehaviour(Behaviour.REJECTED, detail=caller_id.REFUSED_DETAIL)
        elif not self.throttle.allow_call(self.app.application_id):
            self.log(parent, EntryKind.ERROR, f"connect to {to} refused: over 3 new calls/s")
            behaviour = NumberBehaviour(Behaviour.FAILS, detail="cannot_route")
        leg = self._new_leg(
            direction="outbound",
            from_=from_,
            to=to,
            call_id=parent.call_id,
            conversation_uuid=parent.conversation_uuid,
            event_url=event_url,
            event_method=event_method,
            behaviour=behaviour,
            script=behaviour.script,
            talk_seconds=behaviour.talk_seconds,
        )
        self._spawn(leg, connected_leg(LegRun(self, leg), options))
        return leg

    # -- controlling calls (any thread) ----------------------------------------------------------

    def leg(self, uuid: str) -> Leg | None:
        with self._lock:
            return self._legs.get(uuid)

    def legs(self) -> list[Leg]:
        with self._lock:
            return list(self._legs.values())

    def calls(self) -> list[CallHandle]:
        with self._lock:
            return [CallHandle(self, call_id) for call_id in self._calls]

    def find_call(self, ident: str) -> CallHandle | None:
        """The call ``ident`` names: its first leg's uuid, any of its legs' uuids or
        conversation uuids, or a value the application put in the query of the URLs the call's
        webhooks went to (an application's own id for the call); the latest such call."""
        with self._lock:
            legs = list(self._legs.values())
            webhooks = list(self._webhooks)
        for leg in reversed(legs):
            if ident in (leg.uuid, leg.conversation_uuid):
                return CallHandle(self, leg.call_id)
        for record in reversed(webhooks):
            query = parse_qs(urlsplit(record.url).query)
            if record.call is not None and any(ident in values for values in query.values()):
                return CallHandle(self, record.call)
        return None

    def _call_with(self, number: str) -> str | None:
        """The latest call with the person on ``number`` that is live or ended within
        ``SMS_AFTER_CALL_SECONDS``: an SMS the application sends them belongs to it."""
        now = time.monotonic()
        with self._lock:
            for call_id, state in reversed(self._calls.items()):
                recent = state.done_at is None or now - state.done_at <= SMS_AFTER_CALL_SECONDS
                if state.person == number and recent:
                    return call_id
        return None

    def _call(self, call_id: str) -> _CallState:
        with self._lock:
            return self._calls[call_id]

    def _live_leg(self, uuid: str, answered: bool = False) -> Leg:
        leg = self.leg(uuid)
        if leg is None:
            raise UnknownCallError(uuid)
        _check_live(leg, answered)
        return leg

    def _command(
        self, uuid: str, what: str, apply: Callable[[Leg], None], answered: bool = False
    ) -> Command:
        """A REST command to leg ``uuid``: refused now if the leg is unknown or over, else it
        lands ``commands.delay`` later (after the call's previous command), where the leg's
        state then decides (``commands``)."""
        leg = self._live_leg(uuid, answered)
        command = Command(what)

        def land() -> None:
            try:
                _check_live(leg, answered)
            except CallStateError as error:
                self.log(leg, EntryKind.ERROR, f"REST {what} refused: {error}")
                command.settle(error)
                return
            apply(leg)
            command.settle(None)

        def send() -> None:
            at = self.commands.landing(leg.call_id, self.clock_of(leg.call_id).seconds)
            self.scheduler_of(leg.call_id).call_at(at, land)

        self._submit(leg, send)
        return command

    def waits_for_commands(self) -> bool:
        """True when another thread drives the network, so a REST request may wait for its
        command to land on the virtual clock (in-process, the caller drives it: it may not)."""
        if self._lanes is not None:
            return True
        return self._driver is not None and threading.current_thread() is not self._driver

    def hangup(self, uuid: str) -> Command:
        """REST hangup: the platform ends the leg."""
        return self._command(uuid, "hangup", lambda leg: self.hang_up_leg(leg, "platform"))

    def mute(self, uuid: str, on: bool) -> Command:
        def apply(leg: Leg) -> None:
            leg.muted = on
            self.log(leg, EntryKind.STATUS, "muted" if on else "unmuted")

        return self._command(uuid, "mute" if on else "unmute", apply, answered=True)

    def earmuff(self, uuid: str, on: bool) -> Command:
        def apply(leg: Leg) -> None:
            leg.earmuffed = on
            self.log(leg, EntryKind.STATUS, "earmuffed" if on else "unearmuffed")

        return self._command(uuid, "earmuff" if on else "unearmuff", apply, answered=True)

    def transfer(self, uuid: str, ncco: object) -> Command:
        """REST transfer to an inline NCCO: the leg leaves its conversation and runs ``ncco``."""
        actions = parse_ncco(ncco)
        return self._command(
            uuid, "transfer", lambda leg: self._transfer(leg, actions), answered=True
        )

    def transfer_to_url(self, uuid: str, url: str) -> Command:
        """REST transfer to an answer URL (fetched like an answer webhook)."""

        def fetch(leg: Leg) -> None:
            run = LegRun(self, leg)
            result = self.dispatcher.fetch_answer(
                url, leg.answer_method, payloads.answer_request(leg, self.api_base_url), run.origin
            )
            if result.ncco is None:
                self.log(leg, EntryKind.ERROR, f"transfer NCCO not usable: {result.reason}")
                return
            self._transfer(leg, result.ncco)

        return self._command(uuid, "transfer", fetch, answered=True)

    def transfer_into(self, leg: Leg, conversation_id: str) -> None:
        """Move ``leg`` into conversation ``conversation_id``, as a ``transfer`` action run by
        another leg of its conversation does (scheduler thread of either call)."""

        def move() -> None:
            if leg.is_over or leg.process is None:
                return
            action = {"action": "transfer", "conversationId": conversation_id}
            leg.process.interrupt(NccoReplaced(leg, [action]))

        self._submit(leg, move)

    def _transfer(self, leg: Leg, ncco: Ncco) -> None:
        if leg.is_over or leg.process is None:
            return
        old = leg.conversation_uuid
        new = payloads.new_conversation_uuid()
        run = LegRun(self, leg)
        run.log(EntryKind.TRANSFER, f"REST transfer to a new NCCO ({len(ncco)} actions)")
        run.post_event(payloads.transfer_event(leg, old, new, run.clock.now()))
        leg.conversation_uuid = new
        leg.process.interrupt(NccoReplaced(leg, ncco))

    def talk(self, uuid: str, text: str, language: str = "en-US", loop: int = 1) -> Command:
        """REST ``PUT /talk``: text spoken into the call."""
        return self._command(
            uuid,
            "talk",
            lambda leg: self.log(
                leg, EntryKind.SAY, text, language=language, loop=loop, via="REST"
            ),
            answered=True,
        )

    def stream(self, uuid: str, url: str, loop: int = 1) -> Command:
        """REST ``PUT /stream``: audio played into the call."""
        return self._command(
            uuid,
            "stream",
            lambda leg: self.log(leg, EntryKind.PLAY, url, loop=loop, via="REST"),
            answered=True,
        )

    def stop_media(self, uuid: str, what: str) -> Command:
        kind = EntryKind.SAY if what == "talk" else EntryKind.PLAY
        return self._command(
            uuid,
            f"stop {what}",
            lambda leg: self.log(leg, kind, f"({what} stopped)", via="REST"),
            answered=True,
        )

    def send_dtmf(self, uuid: str, digits: str) -> Command:
        """REST ``PUT /dtmf``: tones played into the call."""
        return self._command(
            uuid,
            "dtmf",
            lambda leg: self.log(leg, EntryKind.PLAY, f"DTMF {digits}", via="REST"),
            answered=True,
        )

    def set_dtmf_listener(self, uuid: str, url: str | None, method: str = "POST") -> None:
        """``PUT``/``DELETE /input/dtmf``: real-time DTMF events to ``url`` (None removes)."""
        leg = self._live_leg(uuid, answered=True)
        try:
            dtmf.check_listener(leg, url)
        except dtmf.ListenerRefusedError as error:
            raise CallStateError(str(error)) from None
        self._submit(leg, lambda: dtmf.set_listener(leg, url, method))

    # -- scheduler-thread services for legs ------------------------------------------------------

    def hang_up_leg(self, leg: Leg, by: str) -> None:
        """End ``leg`` (scheduler thread): its process receives ``LegHungUp``."""
        if leg.process is not None and not leg.process.finished and not leg.is_over:
            leg.process.interrupt(LegHungUp(leg, by))

    def room_named(self, name: str, leg: Leg) -> Room:
        """The live conversation ``name`` (a new one, not yet registered, if there is none)."""
        room = self._rooms.get(name)
        if room is None or room.ended.fired:
            return Room(self.scheduler_of(leg.call_id), name, leg.conversation_uuid)
        return room

    def join_room(self, leg: Leg, name: str) -> Room:
        room = self._rooms.get(name)
        if room is None or room.ended.fired:
            room = Room(self.scheduler, name, leg.conversation_uuid)
            self._rooms[name] = room
        if leg.room is not None and leg.room is not room:
            self.leave_room(leg, end_conversation=False)
        leg.conversation_uuid = room.conversation_uuid
        if leg not in room.members:
            room.members.append(leg)
        leg.room = room
        return room

    def leave_room(self, leg: Leg, end_conversation: bool) -> None:
        room = leg.room
        if room is None:
            return
        leg.room = None
        if leg in room.members:
            room.members.remove(leg)
        if end_conversation:
            room.ended.fire(leg)
        if (not room.members or room.ended.fired) and self._rooms.get(room.name) is room:
            del self._rooms[room.name]

    def room_for_conversation(self, conversation_uuid: str) -> Room:
        for room in self._rooms.values():
            if room.conversation_uuid == conversation_uuid:
                return room
        room = Room(self.scheduler, f"conversation {conversation_uuid}", conversation_uuid)
        self._rooms[room.name] = room
        return room

    def rooms(self) -> dict[str, list[str]]:
        return {name: [leg.uuid for leg in room.members] for name, room in self._rooms.items()}

    def store_file(self, file_id: str, body: bytes, content_type: str) -> None:
        with self._lock:
            self._files[file_id] = (body, content_type)

    def file(self, file_id: str) -> tuple[bytes, str] | None:
        with self._lock:
            return self._files.get(file_id)

    def save_audio(self, seconds: float) -> str:
        """Store a speech recording (``saveAudio``) and return its URL."""
        file_id = payloads.new_file_id()
        body, content_type = media.recording("wav", seconds)
        self.store_file(file_id, body, content_type)
        return f"{self.api_base_url}/v1/files/{file_id}"

    # -- transcript and webhook log --------------------------------------------------------------

    def log(self, leg: Leg | None, kind: EntryKind, text: str, **details: Any) -> None:
        """Add a transcript entry (seconds are relative to the start of the leg's call)."""
        call = leg.call_id if leg is not None else None
        self._append(call, leg.label if leg is not None else "-", kind, text, details)

    def _append(
        self, call: str | None, label: str, kind: EntryKind, text: str, details: Mapping[str, Any]
    ) -> None:
        with self._lock:
            state = self._calls.get(call) if call is not None else None
        offset = state.started_at if state is not None else 0.0
        clock = self.clock_of(call)
        clean = {key.rstrip("_"): value for key, value in details.items() if value is not None}
        entry = TranscriptEntry(clock.seconds - offset, label, kind, text, clean, call)
        self.transcript.append(entry)
        if state is not None:
            state.entries.append(entry)

    def call_transcript(self, call_id: str) -> Transcript:
        """One call's lines of the transcript (every leg of it), in order."""
        with self._lock:
            state = self._calls.get(call_id)
        if state is None:
            return Transcript(e for e in self.transcript if e.call == call_id)
        return Transcript(list(state.entries))

    def _record(self, record: WebhookRecord) -> None:
        with self._lock:
            self._webhooks.append(record)
        outcome = str(record.status) if record.status is not None else f"error: {record.error}"
        what = record.kind
        if isinstance(record.payload, Mapping) and "status" in record.payload:
            what = f"{record.kind} {record.payload['status']}"
        path = urlsplit(record.url).path or "/"
        retry = f" (attempt {record.attempt})" if record.attempt > 1 else ""
        self._append(
            record.call,
            record.leg or "-",
            EntryKind.WEBHOOK,
            f"{what}: {record.method} {path} -> {outcome}{retry}",
            {},
        )

    def webhook_log(self) -> list[WebhookRecord]:
        """Every webhook attempt so far."""
        with self._lock:
            return list(self._webhooks)

    @property
    def webhooks(self) -> list[WebhookRecord]:
        return self.webhook_log()

    # -- SMS -------------------------------------------------------------------------------------

    def receive_sms(self, from_: str, to: str, text: str) -> list[WebhookRecord]:
        """An SMS from ``from_`` to the application's number ``to``: delivered to the SMS URL,
        split into concatenated parts when it does not fit in one message."""
        parts = sms.split(text)
        kind = sms.sms_type(text)
        reference = f"{random.randint(1, 255)}"
        now = self.signing_now()
        records = []
        for index, part in enumerate(parts, start=1):
            params = payloads.inbound_sms(
                api_key=self.app.api_key,
                msisdn=from_,
                to=to,
                message_id=payloads.new_message_id(),
                text=part,
                sms_type=kind,
                now=now,
                concat=(reference, len(parts), index) if len(parts) > 1 else None,
            )
            self._append(None, "-", EntryKind.SMS, f"{from_} -> {to}: {part}", {"part": index})
            record = self.dispatcher.deliver_sms(params, Origin(None, None))
            if record is not None:
                records.append(record)
        return records

    def submit_sms(
        self,
        from_: str,
        to: str,
        text: str,
        *,
        sms_type: str | None = None,
        client_ref: str | None = None,
        callback: str | None = None,
        status_report: bool = True,
    ) -> SentSms:
        """An SMS the application sends (``POST /sms/json``); kept in the outbox, and each
        part's delivery receipt sent later (``receipts``)."""
        parts = sms.split(text)
        process = running_process()
        to = payloads.number(to)
        call = process.tag if process is not None else self._call_with(to)
        clock = self.clock_of(call)
        message = SentSms(
            seconds=clock.seconds,
            at=clock.now(),
            from_=payloads.number(from_),
            to=to,
            text=text,
            type=sms_type or sms.sms_type(text),
            client_ref=client_ref,
            message_ids=tuple(payloads.new_message_id() for _ in parts),
            call=call,
            callback=callback,
            status_report=status_report,
        )
        with self._lock:
            self._outbox.append(message)
            self.balance -= SMS_PRICE * len(parts)
        self._append(
            call, "-", EntryKind.SMS, f"app -> {message.to}: {text}", {"parts": len(parts)}
        )
        self._plan_receipts(message)
        return message

    def set_sms_delivery(self, number: str, plan: DeliveryPlan) -> None:
        """SMS to ``number`` get ``plan``'s delivery receipt (default: delivered after
        ``receipts.DEFAULT_DELAY_SECONDS``)."""
        self.sms_receipts.set(number, plan)

    def _plan_receipts(self, message: SentSms) -> None:
        url = message.callback or self.app.sms_status_url
        if url is None or not message.status_report:
            return
        plan = self.sms_receipts.plan_for(message.to)
        for message_id in message.message_ids:
            self._after(plan.delay_seconds, partial(self._send_receipt, url, message, message_id))

    def _send_receipt(self, url: str, message: SentSms, message_id: str) -> None:
        plan = self.sms_receipts.plan_for(message.to)
        params = payloads.delivery_receipt(
            api_key=self.app.api_key,
            sms=message,
            message_id=message_id,
            status=plan.status.value,
            err_code=plan.error_code,
            price=f"{SMS_PRICE:.8f}",
            now=self.signing_now(),
        )
        self._append(None, "-", EntryKind.SMS, f"receipt {message_id} -> {plan.status.value}", {})
        self.dispatcher.deliver_receipt(url, params, Origin(None, None))

    def _after(self, delay: float, action: Callable[[], None]) -> None:
        """Run ``action`` ``delay`` virtual seconds from now, outside any call: on the
        network's scheduler in process, on a lane of its own when served on lanes."""
        with self._lock:
            lanes = self._lanes
        scheduler = self.scheduler
        if lanes is not None:
            lane = lanes.new_lane()
            scheduler = lane.scheduler

        def plan() -> None:
            scheduler.call_later(delay, action)

        if lanes is not None:
            lanes.submit(lane, plan)
            return
        self._inbox.put(plan)
        self._wakeup.set()

    def outbox(self) -> list[SentSms]:
        with self._lock:
            return list(self._outbox)

    # -- driving the scheduler -------------------------------------------------------------------

    def _submit(self, leg: Leg, command: Callable[[], None]) -> None:
        """Run ``command`` where ``leg``'s call is driven: its lane, or the one scheduler."""
        with self._lock:
            lane = self._calls[leg.call_id].lane
        if lane is not None:
            lane.pool.submit(lane, command)
            return
        self._inbox.put(command)
        self._wakeup.set()

    def clock_of(self, call: str | None) -> VirtualClock:
        """The clock ``call`` runs on (its lane's, or the network's); the network's for None."""
        with self._lock:
            state = self._calls.get(call) if call is not None else None
            if state is not None:
                return state.scheduler.clock
            if self._lanes is not None:
                self.clock.sync(datetime.now(UTC))
            return self.clock

    def scheduler_of(self, call: str) -> Scheduler:
        """The scheduler carrying ``call``."""
        with self._lock:
            return self._calls[call].scheduler

    def _drain(self) -> None:
        while True:
            try:
                command = self._inbox.get_nowait()
            except queue.Empty:
                return
            command()

    def _on_exit(self, leg: Leg) -> Callable[[Process], None]:
        def exited(process: Process) -> None:
            if process.error is not None:
                message = f"simulator error on leg {leg.label}: {process.error!r}"
                self.crashes.append(message)
                self.log(leg, EntryKind.ERROR, message)
                if not leg.is_over:
                    leg.status = LegStatus.FAILED
                    leg.ended_at = self.clock_of(leg.call_id).seconds
                for signal in (leg.answered, leg.ended):
                    if signal is not None:
                        signal.fire(None)
                if leg.bridge is not None:
                    leg.bridge.ended.fire(leg)
            with self._lock:
                state = self._calls[leg.call_id]
                state.live -= 1
                if state.live <= 0:
                    state.done_at = time.monotonic()
                    state.done.set()

        return exited

    def _check_driver(self) -> None:
        if self._lanes is not None:
            raise SimulationError("this network's calls run on lanes (run_concurrently)")
        if self._driver is not None and threading.current_thread() is not self._driver:
            raise SimulationError("this network is driven by a worker thread")

    def _raise_crashes(self) -> None:
        if self.crashes:
            raise SimulationError("; ".join(self.crashes))

    def run_until_idle(self, max_events: int = 500_000) -> None:
        """Run every pending event (in-process mode); raises ``SimulationError`` on a crash."""
        self._check_driver()
        for _ in range(max_events):
            self._drain()
            if not self.scheduler.step():
                self._drain()
                if self.scheduler.next_time() is None:
                    break
        else:
            raise SimulationError(f"still busy after {max_events} events")
        self._raise_crashes()

    def run_for(self, seconds: float) -> None:
        """Run the events of the next ``seconds`` virtual seconds, then move the clock there."""
        self._check_driver()
        target = self.clock.seconds + seconds
        while True:
            self._drain()
            due = self.scheduler.next_time()
            if due is None or due > target:
                break
            self.scheduler.step()
        self.clock.advance_to(target)
        self._raise_crashes()

    def complete(self, handle: CallHandle, timeout: float = 60.0) -> None:
        """Carry ``handle``'s call to its end (runs the scheduler here, or waits for the worker)."""
        driven_elsewhere = (
            self._driver is not None and threading.current_thread() is not self._driver
        )
        if self._lanes is not None or driven_elsewhere:
            if not handle.wait(timeout):
                raise SimulationError(f"call {handle.uuid} did not end within {timeout}s")
            return
        self._check_driver()
        for _ in range(500_000):
            self._drain()
            if handle.ended:
                break
            if not self.scheduler.step():
                self._drain()
                if self.scheduler.next_time() is None:
                    break
        self._raise_crashes()

    def run_concurrently(self, workers: int, speed: float | None = None) -> LanePool:
        """Carry every call placed from now on on a lane of its own, run by ``workers`` threads
        (call before placing any call; ``stop()`` the pool to end). ``speed`` None runs each call
        as fast as it can on its own clock; a number paces every call at ``speed`` virtual
        seconds per real second. Webhooks of different calls then wait for the application at
        the same time; the calls' transcripts are what they would be in-process."""
        pool = LanePool(self.clock, workers, speed, self._lane_error)
        with self._lock:
            if self._calls or self._lanes is not None:
                raise SimulationError("run_concurrently must come before the first call")
            pool.start()
            self.dispatcher.waiting = pool.unlocked
            self._lanes = pool
        return pool

    def _lane_error(self, error: BaseException) -> None:
        self.crashes.append(f"simulator error on a lane: {error!r}")

    def drive_from(self, thread: threading.Thread) -> None:
        """Declare ``thread`` the one that will drive the network (before it starts), so that
        other threads wait for calls instead of running the scheduler themselves."""
        self._driver = thread

    def serve_forever(
        self, stop: threading.Event, speed: float | None = None, follow_real_time: bool = True
    ) -> None:
        """Drive the network from this thread until ``stop`` is set.

        ``speed`` None runs every call as fast as it can; a number paces virtual time at
        ``speed`` virtual seconds per real second (1.0 for a person on a dev phone).
        ``follow_real_time`` moves the idle clock up to the wall clock so timestamps stay current.
        """
        self._driver = threading.current_thread()
        self._wakeup.set()
        anchor_real = time.monotonic()
        anchor_virtual = self.clock.seconds
        while not stop.is_set():
            self._drain()
            due = self.scheduler.next_time()
            if due is None:
                if follow_real_time:
                    self.clock.sync(datetime.now(UTC))
                anchor_real, anchor_virtual = time.monotonic(), self.clock.seconds
                self._wakeup.wait(0.1)
                self._wakeup.clear()
                continue
            if speed is not None:
                late = anchor_real + (due - anchor_virtual) / speed - time.monotonic()
                if late > 0:
                    if self._wakeup.wait(min(late, 0.1)):
                        self._wakeup.clear()
                        elapsed = (time.monotonic() - anchor_real) * speed
                        self.clock.advance_to(anchor_virtual + elapsed)
                    continue
            self.scheduler.step()
        self._driver = None


def _check_live(leg: Leg, answered: bool) -> None:
    """Raise ``CallStateError`` when ``leg`` no longer takes commands (or, with ``answered``,
    does not take them yet)."""
    if leg.is_over:
        raise CallStateError(f"call {leg.uuid} is {leg.status.value}")
    if answered and leg.answered_at is None:
        raise CallStateError(f"call {leg.uuid} has not been answered")


def _label(index: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return letters[index] if index < len(letters) else f"L{index}"
