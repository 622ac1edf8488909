"""The simulator's vocabulary: the application's settings, numbers and their behaviours, caller
scripts, legs, conversation rooms, the transcript and the records of webhooks and SMS.

Plain data and small state holders only: no I/O, no NCCO execution, no payload spelling (that is
``payloads``). Imports the standard library, ``scheduler`` (signals) and the SMS signature methods
of ``telephony.vonage.signatures``; never the app's flow engine or the Vonage adapter.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, overload

from chalicelib.simulator.scheduler import Process, Scheduler, Signal, Timer
from chalicelib.telephony.vonage.signatures import SmsSignatureMethod


class ConfigurationError(ValueError):
    """A number behaviour, caller script or application setting is not valid."""


class SmsInboundMethod(StrEnum):
    """How inbound SMS reach the application: query string, form body or JSON body."""

    GET = "GET"
    POST_FORM = "POST"
    POST_JSON = "POST-JSON"


@dataclass(frozen=True)
class VonageApplication:
    """The Vonage application the simulated network delivers webhooks for."""

    answer_url: str
    event_url: str
    answer_method: str = "GET"
    event_method: str = "POST"
    fallback_answer_url: str | None = None
    application_id: str = "00000000-0000-4000-8000-000000000000"
    api_key: str = "ringflowlocal"
    api_secret: str | None = None
    signature_secret: str = "local-signature-secret-0123456789abcdef"
    signed_webhooks: bool = True
    sms_url: str | None = None
    sms_status_url: str | None = None
    """The account's delivery-receipt webhook (the dashboard's "Delivery receipts" URL)."""
    sms_method: SmsInboundMethod = SmsInboundMethod.POST_JSON
    sms_signature_method: SmsSignatureMethod = SmsSignatureMethod.MD5_HASH
    """The account's signature method: the dashboard's default is the MD5 hash (FACTS §4.2)."""
    signed_sms: bool = True
    numbers: tuple[str, ...] = ()
    public_key_pem: str | None = None
    # Webhook timeouts, seconds (FACTS §3.5: connection_timeout, socket_timeout per application)
    connection_timeout: float = 1.0
    answer_timeout: float = 5.0
    event_timeout: float = 10.0

    def __post_init__(self) -> None:
        for name in ("answer_method", "event_method"):
            if getattr(self, name) not in ("GET", "POST"):
                raise ConfigurationError(f"{name} must be GET or POST")


class Behaviour(StrEnum):
    """What a called number does."""

    ANSWERS = "answers"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILS = "fails"
    REJECTED = "rejected"
    ANSWERING_MACHINE = "answering_machine"
    PHONE = "phone"
    """A dev phone's number: rings until its person answers, is busy, declines, lets the
    answering machine take it, or the ring timeout passes."""


_DEFAULT_DETAIL = {
    Behaviour.FAILS: "cannot_route",
    Behaviour.REJECTED: "declined",
    Behaviour.NO_ANSWER: "timeout",
}


class StepKind(StrEnum):
    """One thing a person on a leg does."""

    PRESS = "press"
    SAY = "say"
    WAIT = "wait"
    HANGUP = "hangup"
    RECORD = "record"


@dataclass(frozen=True)
class Step:
    """A caller-script step: press digits, say words, stay silent, speak a message, hang up.

    ``gap``: for press, the seconds between one key and the next (None: the keypad's quick
    succession)."""

    kind: StepKind
    digits: str = ""
    text: str = ""
    seconds: float = 0.0
    confidence: float = 0.9
    gap: float | None = None

    @property
    def responsive(self) -> bool:
        """Whether the step is an answer to something (press, say, record)."""
        return self.kind in (StepKind.PRESS, StepKind.SAY, StepKind.RECORD)

    def describe(self) -> str:
        if self.kind is StepKind.PRESS:
            pauses = "" if self.gap is None else f" ({self.gap:g}s between keys)"
            return f"press {self.digits}{pauses}"
        if self.kind is StepKind.SAY:
            return f"say {self.text!r}"
        if self.kind is StepKind.RECORD:
            return f"speak a message for {self.seconds:g}s"
        if self.kind is StepKind.WAIT:
            return f"wait {self.seconds:g}s"
        return "hang up"

    def to_json(self) -> dict[str, Any]:
        if self.kind is StepKind.PRESS:
            return {"press": self.digits} | ({} if self.gap is None else {"gap": self.gap})
        if self.kind is StepKind.SAY:
            return {"say": self.text, "confidence": self.confidence}
        if self.kind is StepKind.RECORD:
            return {"record": self.seconds}
        if self.kind is StepKind.WAIT:
            return {"wait": self.seconds}
        return {"hangup": True}


_DTMF = set("0123456789*#")
_STEP_KEYS = frozenset(kind.value for kind in StepKind)


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigurationError(f"{what} must be a number of seconds >= 0, got {value!r}")
    if not math.isfinite(value):
        raise ConfigurationError(f"{what} must be finite")
    return float(value)


def parse_step(raw: Step | Mapping[str, Any]) -> Step:
    """One script step from ``{"press": "1"}``, ``{"press": "1234", "gap": 2}`` (2 s between
    keys), ``{"say": "yes", "confidence": 0.8}``, ``{"wait": 2}``, ``{"record": 5}`` or
    ``{"hangup": true}``."""
    if isinstance(raw, Step):
        return raw
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"a script step must be a mapping, got {raw!r}")
    kinds = [key for key in raw if key in _STEP_KEYS]
    extra = set(raw) - set(kinds) - {"confidence", "gap"}
    if len(kinds) != 1 or extra:
        raise ConfigurationError(
            f"a script step needs exactly one of press/say/wait/record/hangup, got {dict(raw)!r}"
        )
    kind = StepKind(kinds[0])
    value = raw[kind.value]
    if "confidence" in raw and kind is not StepKind.SAY:
        raise ConfigurationError("confidence only applies to say")
    if "gap" in raw and kind is not StepKind.PRESS:
        raise ConfigurationError("gap only applies to press")
    if kind is StepKind.PRESS:
        digits = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        if not digits or not set(digits) <= _DTMF:
            raise ConfigurationError(f"press takes DTMF digits 0-9 * #, got {value!r}")
        gap = None if raw.get("gap") is None else _number(raw["gap"], "gap")
        return Step(kind, digits=digits, gap=gap)
    if kind is StepKind.SAY:
        if not isinstance(value, str) or not value.strip():
            raise ConfigurationError(f"say takes non-empty text, got {value!r}")
        confidence = raw.get("confidence", 0.9)
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
            raise ConfigurationError("confidence must be a number between 0 and 1")
        if not 0.0 <= float(confidence) <= 1.0:
            raise ConfigurationError("confidence must be between 0 and 1")
        return Step(kind, text=value.strip(), confidence=float(confidence))
    if kind is StepKind.HANGUP:
        if value is not True:
            raise ConfigurationError("hangup takes true")
        return Step(kind)
    return Step(kind, seconds=_number(value, kind.value))


def parse_script(raw: Iterable[Step | Mapping[str, Any]] | None) -> tuple[Step, ...]:
    """A whole caller script."""
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        raise ConfigurationError("a script is a list of steps")
    return tuple(parse_step(step) for step in raw)


@dataclass(frozen=True)
class NumberBehaviour:
    """How a number behaves when the network calls it.

    ``answers_after``: seconds of ringing before it answers (answers, answering_machine).
    ``talk_seconds``: how long the person stays on the line once bridged, after their script
    ran out (None: until the other side ends). ``detail``: the event ``detail`` for fails,
    rejected and no_answer. ``ring_seconds``: for no_answer, when the carrier gives up
    (``unanswered``) before the ringing timer (``timeout``); None: rings until the timer.
    ``beep_after``: for an answering machine, when its greeting ends with a beep.
    ``script``: what the person does on an outbound call that runs an NCCO.
    """

    behaviour: Behaviour = Behaviour.ANSWERS
    answers_after: float = 2.0
    talk_seconds: float | None = 30.0
    detail: str | None = None
    ring_seconds: float | None = None
    beep_after: float | None = 5.0
    script: tuple[Step, ...] = ()

    @property
    def failure_detail(self) -> str | None:
        return self.detail or _DEFAULT_DETAIL.get(self.behaviour)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> NumberBehaviour:
        """From ``{"behaviour": "busy", "answers_after": 3, ...}`` (keys as the fields)."""
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"a number behaviour must be a mapping, got {raw!r}")
        known = {
            "behaviour",
            "answers_after",
            "talk_seconds",
            "detail",
            "ring_seconds",
            "beep_after",
            "script",
        }
        unknown = set(raw) - known
        if unknown:
            raise ConfigurationError(
                f"unknown number setting(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        try:
            behaviour = Behaviour(raw.get("behaviour", Behaviour.ANSWERS.value))
        except ValueError as error:
            choices = ", ".join(b.value for b in Behaviour)
            raise ConfigurationError(
                f"unknown behaviour {raw.get('behaviour')!r}; one of {choices}"
            ) from error
        optional: dict[str, float | None] = {}
        for key in ("talk_seconds", "ring_seconds", "beep_after"):
            if key in raw:
                value = raw[key]
                optional[key] = None if value is None else _number(value, key)
        detail = raw.get("detail")
        if detail is not None and not isinstance(detail, str):
            raise ConfigurationError("detail must be a string")
        defaults = cls()
        return cls(
            behaviour=behaviour,
            answers_after=_number(
                raw.get("answers_after", defaults.answers_after), "answers_after"
            ),
            talk_seconds=optional.get("talk_seconds", defaults.talk_seconds),
            detail=detail,
            ring_seconds=optional.get("ring_seconds", defaults.ring_seconds),
            beep_after=optional.get("beep_after", defaults.beep_after),
            script=parse_script(raw.get("script")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "behaviour": self.behaviour.value,
            "answers_after": self.answers_after,
            "talk_seconds": self.talk_seconds,
            "detail": self.failure_detail,
            "ring_seconds": self.ring_seconds,
            "beep_after": self.beep_after,
            "script": [step.to_json() for step in self.script],
        }


@dataclass(frozen=True)
class Upcoming:
    """The next thing a caller will do and when (virtual seconds)."""

    at: float
    step: Step


class Caller:
    """The person on a leg, following a script in time.

    ``wait`` steps pass by themselves; ``hangup`` happens when reached; responsive steps
    (press, say, record) wait until something on the line takes them (``consume``).
    ``talk_seconds`` is how long the person stays in a bridge once the script has run out.
    """

    def __init__(self, steps: Sequence[Step], talk_seconds: float | None) -> None:
        self.steps = tuple(steps)
        self.talk_seconds = talk_seconds
        self._index = 0
        self._ready_at: float | None = None
        self.acted: Signal | None = None
        """Fires when the person acts (an interactive caller's; None: a script, fixed)."""

    @property
    def started(self) -> bool:
        return self._ready_at is not None

    def start(self, now: float) -> None:
        """The person is on the line from ``now``."""
        if self._ready_at is None:
            self._ready_at = now

    def peek(self) -> Upcoming | None:
        """The next non-wait step and when it becomes due, or None when the script is over."""
        if self._ready_at is None:
            return None
        at = self._ready_at
        for step in self.steps[self._index :]:
            if step.kind is StepKind.WAIT:
                at += step.seconds
                continue
            return Upcoming(at, step)
        return None

    def consume(self, now: float) -> Step:
        """Take the step ``peek`` showed; the script goes on from ``now``."""
        while self.steps[self._index].kind is StepKind.WAIT:
            self._index += 1
        step = self.steps[self._index]
        self._index += 1
        self._ready_at = now
        return step

    def stay_until(self) -> float | None:
        """When the person leaves a bridge of their own accord (script over + talk_seconds)."""
        if self._ready_at is None or self.talk_seconds is None:
            return None
        if any(step.kind is not StepKind.WAIT for step in self.steps[self._index :]):
            return None
        waits = sum(step.seconds for step in self.steps[self._index :])
        return self._ready_at + waits + self.talk_seconds


class LegStatus(StrEnum):
    """Call states as the provider names them in events and the REST API."""

    STARTED = "started"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"
    BUSY = "busy"
    CANCELLED = "cancelled"
    FAILED = "failed"
    REJECTED = "rejected"
    TIMEOUT = "timeout"
    UNANSWERED = "unanswered"
    MACHINE = "machine"


FINAL_STATUSES = frozenset(
    {
        LegStatus.COMPLETED,
        LegStatus.BUSY,
        LegStatus.CANCELLED,
        LegStatus.FAILED,
        LegStatus.REJECTED,
        LegStatus.TIMEOUT,
        LegStatus.UNANSWERED,
    }
)


@dataclass
class Recording:
    """A recording in progress or done."""

    file_id: str
    recording_uuid: str
    started_at: float
    audio_format: str
    event_url: str | None
    event_method: str
    ended_at: float | None = None


@dataclass
class Leg:
    """One call leg and its state; mutated only where its call is driven (the network's
    scheduler thread, or the worker holding its lane)."""

    uuid: str
    conversation_uuid: str
    direction: str
    from_: str
    to: str
    call_id: str
    label: str
    event_url: str | None
    event_method: str
    created_at: float
    behaviour: NumberBehaviour
    caller: Caller
    status: LegStatus = LegStatus.STARTED
    answered_at: float | None = None
    ended_at: float | None = None
    disconnected_by: str | None = None
    process: Process | None = None
    ended: Signal | None = None
    answered: Signal | None = None
    hangup_timer: Timer | None = None
    length_timer: Timer | None = None
    room: Room | None = None
    bridge: Bridge | None = None
    muted: bool = False
    earmuffed: bool = False
    async_input: tuple[str, str] | None = None  # a running asynchronous input's URL, method
    dtmf_listener: tuple[str, str] | None = None  # PUT /input/dtmf's URL, method
    recordings: list[Recording] = field(default_factory=list)
    rate: str = "0.00450000"
    network_code: str = "23410"
    answer_url: str | None = None
    answer_method: str = "GET"
    inline_ncco: list[dict[str, Any]] | None = None
    machine_detection: str | None = None
    advanced_machine_detection: Mapping[str, Any] | None = None
    ringing_timer: float = 60.0
    length_limit: float = 7200.0

    @property
    def is_over(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def duration(self) -> int:
        if self.answered_at is None:
            return 0
        end = self.ended_at if self.ended_at is not None else self.answered_at
        return max(0, round(end - self.answered_at))

    @property
    def price(self) -> str:
        return self.price_for(self.duration)

    def price_for(self, seconds: int) -> str:
        """What ``seconds`` of this leg cost at its rate."""
        return f"{float(self.rate) * seconds / 60:.8f}"


class Bridge:
    """Two legs joined by a ``connect``; ``ended`` fires when either leaves."""

    def __init__(self, scheduler: Scheduler, a: Leg, b: Leg) -> None:
        self.a = a
        self.b = b
        self.ended = Signal(scheduler, f"bridge {a.label}-{b.label}")

    def other(self, leg: Leg) -> Leg:
        return self.b if leg is self.a else self.a


class Room:
    """A named conversation; ``started`` fires when a member with ``startOnEnter`` is in,
    ``ended`` when a member with ``endOnExit`` leaves; ``recording`` when it is recorded."""

    def __init__(self, scheduler: Scheduler, name: str, conversation_uuid: str) -> None:
        self.name = name
        self.conversation_uuid = conversation_uuid
        self.members: list[Leg] = []
        self.ended = Signal(scheduler, f"conversation {name}")
        self.started = Signal(scheduler, f"conversation {name} started")
        self.recording: Recording | None = None


class EntryKind(StrEnum):
    """What a transcript entry records."""

    SAY = "say"
    PLAY = "play"
    INPUT_REQUEST = "input-request"
    PRESS = "press"
    SPEAK = "speak"
    DIAL = "dial"
    STATUS = "status"
    WEBHOOK = "webhook"
    RECORD = "record"
    SMS = "sms"
    HANGUP = "hangup"
    BRIDGE = "bridge"
    CONVERSATION = "conversation"
    WAIT = "wait"
    NOTIFY = "notify"
    TRANSFER = "transfer"
    ERROR = "error"


@dataclass(frozen=True)
class TranscriptEntry:
    """One thing that happened: when (virtual seconds), on which leg, what."""

    seconds: float
    leg: str
    kind: EntryKind
    text: str
    details: Mapping[str, Any] = field(default_factory=dict)
    call: str | None = None

    def __str__(self) -> str:
        return f"{self.seconds:8.2f}s  {self.leg:<3} {self.kind.value:<13} {self.text}"

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "leg": self.leg,
            "kind": self.kind.value,
            "text": self.text,
            "details": dict(self.details),
            "call": self.call,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> TranscriptEntry:
        return cls(
            seconds=float(raw["seconds"]),
            leg=str(raw["leg"]),
            kind=EntryKind(raw["kind"]),
            text=str(raw["text"]),
            details=dict(raw.get("details") or {}),
            call=raw.get("call"),
        )


class Transcript(Sequence[TranscriptEntry]):
    """Ordered transcript entries with readable ``str()`` and a few views for assertions."""

    def __init__(self, entries: Iterable[TranscriptEntry] = ()) -> None:
        self._entries = list(entries)

    def append(self, entry: TranscriptEntry) -> None:
        self._entries.append(entry)

    @overload
    def __getitem__(self, index: int) -> TranscriptEntry: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[TranscriptEntry]: ...

    def __getitem__(self, index: int | slice) -> TranscriptEntry | Sequence[TranscriptEntry]:
        return self._entries[index]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[TranscriptEntry]:
        return iter(list(self._entries))

    def __str__(self) -> str:
        return "\n".join(str(entry) for entry in self)

    def of_kind(self, kind: EntryKind) -> list[TranscriptEntry]:
        return [entry for entry in self if entry.kind is kind]

    def said(self) -> list[str]:
        """Texts spoken to callers by talk actions (and REST talk)."""
        return [entry.text for entry in self.of_kind(EntryKind.SAY)]

    def pressed(self) -> list[str]:
        """Digits taken by input or record actions."""
        return [entry.text for entry in self.of_kind(EntryKind.PRESS)]

    def dialled(self) -> list[str]:
        """Numbers dialled by connect actions and outbound calls."""
        return [entry.text for entry in self.of_kind(EntryKind.DIAL)]

    def statuses(self, leg: str | None = None) -> list[str]:
        """Call-state changes, optionally of one leg label."""
        return [
            entry.text
            for entry in self.of_kind(EntryKind.STATUS)
            if leg is None or entry.leg == leg
        ]

    def to_json(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self]


def _json_or_text(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class WebhookRecord:
    """One webhook attempt the network made and what came back; ``latency`` is how long the
    application took to answer, in real seconds (None when the network sent nothing)."""

    seconds: float
    at: datetime
    kind: str
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    payload: Any
    status: int | None
    response_body: bytes
    error: str | None
    attempt: int
    call: str | None = None
    leg: str | None = None
    latency: float | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def response_json(self) -> Any:
        return _json_or_text(self.response_body)

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "kind": self.kind,
            "method": self.method,
            "url": self.url,
            "payload": self.payload,
            "status": self.status,
            "response": _json_or_text(self.response_body[:4000]),
            "error": self.error,
            "attempt": self.attempt,
            "call": self.call,
            "leg": self.leg,
            "latency_ms": None if self.latency is None else round(self.latency * 1000, 2),
        }


@dataclass(frozen=True)
class SentSms:
    """An SMS the application sent through the REST API (the outbox)."""

    seconds: float
    at: datetime
    from_: str
    to: str
    text: str
    type: str
    client_ref: str | None
    message_ids: tuple[str, ...]
    call: str | None = None
    callback: str | None = None
    """Where this SMS's delivery receipts go instead of the account's URL (``callback``)."""
    status_report: bool = True
    """Whether the sender asked for delivery receipts (``status-report-req``, default true)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 3),
            "from": self.from_,
            "to": self.to,
            "text": self.text,
            "type": self.type,
            "client_ref": self.client_ref,
            "message_ids": list(self.message_ids),
            "call": self.call,
        }
