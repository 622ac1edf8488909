"""What a widget decides, what the engine hands back to the shell, and the effects it asks for.

Widgets return one ``Outcome``: ``Go`` (follow an output now), ``Await`` (speak to the network and
wait for an event), ``Fetch`` (the shell must make an HTTP request and feed the result back as
``HttpResponded``), ``Consult`` (the shell must answer a product's ``Query`` within the step, e.g.
rate a number and reserve money for it, and feed the answer back as ``Consulted``) or ``End``
(hang up). Effects are fire-and-forget work the shell runs after the
state is saved, each with an idempotency ``key``: any frozen dataclass of JSON values with a
``key`` is one (``Effect`` is a protocol), so a product adds its own kinds (a debit, a call to
place) and registers a runner for each in the shell (``calls.tasks``). ``ScheduleTimer`` asks for
a wake-up of the call (``TimerFired``) a few seconds or minutes later. A ``Go`` may carry
notices: something went wrong that the flow got past (a refused pattern took its ``false``
branch), for the shell to log and count; the widget stays pure. Imports only telephony types
and ``flows.calldata``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Protocol, Union

from chalicelib.flows.calldata import CallData
from chalicelib.telephony.actions import Action


@dataclass(frozen=True)
class Updates:
    """Variable changes an outcome makes (flow, user, call), an optional new language, and a
    product's typed data on the call (``data``, replacing each item's namespace)."""

    flow: Mapping[str, str] = field(default_factory=dict)
    user: Mapping[str, str] = field(default_factory=dict)
    call: Mapping[str, str] = field(default_factory=dict)
    language: str | None = None
    data: tuple[CallData, ...] = ()


NO_UPDATES = Updates()


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request the webhook widget needs made."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    timeout: float = 3.0


@dataclass(frozen=True)
class HttpResult:
    """What came back: a status and body, or an error kind (``TIMEOUT``, ``CONNECTION_ERROR``,
    ``INVALID_URL``) when no response arrived."""

    status_code: int | None
    body: str
    duration: float
    error: str | None = None


@dataclass(frozen=True)
class HttpResponded:
    """Engine-internal event: the shell made the requested HTTP call."""

    ref: str
    result: HttpResult


@dataclass(frozen=True)
class SendSms:
    """Send one SMS (once per ``key``)."""

    key: str
    from_number: str
    to_number: str
    text: str


@dataclass(frozen=True)
class SaveUserVariables:
    """Persist ``$user.key.*`` values for an account (latest value wins)."""

    key: str
    account_id: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class FetchRecording:
    """Copy a finished recording from the carrier into our bucket at ``object_key``."""

    key: str
    url: str
    object_key: str


MAX_TIMER_SECONDS = 900
"""The longest wake-up a timer gives: the task queue's longest delivery delay (SQS
``DelaySeconds``). Longer waits (a campaign's reschedule) belong to the scheduler."""


@dataclass(frozen=True)
class ScheduleTimer:
    """Wake the call up ``delay_seconds`` from now with ``TimerFired(name, ref)`` (once per
    ``key``): the node waiting on ``ref`` resumes, or the timer registered as ``name`` runs."""

    key: str
    call_id: str
    name: str
    ref: str
    delay_seconds: int

    def __post_init__(self) -> None:
        if not 0 <= self.delay_seconds <= MAX_TIMER_SECONDS:
            raise ValueError(
                f"a timer fires 0 to {MAX_TIMER_SECONDS} seconds later, not {self.delay_seconds}"
            )


@dataclass(frozen=True)
class TimerFired:
    """Engine event: a timer the call asked for (``ScheduleTimer``) is due."""

    name: str
    ref: str
    key: str = ""


class Query(Protocol):
    """A question a product's widget asks its product within the step (rate and reserve, check a
    PIN): a frozen, hashable dataclass the shell hands to the resolver the product registered for
    its type. Asked at most once per event, however often the step is decided again."""

    def __hash__(self) -> int: ...


@dataclass(frozen=True)
class Unanswered:
    """What a widget gets back when the query could not be answered (the resolver failed or the
    webhook's time ran out): ``reason`` for the logs, never for the caller."""

    reason: str


@dataclass(frozen=True)
class Consulted:
    """Engine-internal event: the shell answered the query of the node waiting on ``ref``
    (``answer`` is the resolver's value, or ``Unanswered``)."""

    ref: str
    query: object
    answer: object


class Effect(Protocol):
    """Work the shell runs after a step is saved: a frozen dataclass of JSON values with an
    idempotency ``key`` (the shell runs each key at most once)."""

    @property
    def key(self) -> str: ...


@dataclass(frozen=True)
class Notice:
    """Something the flow got past at ``node`` that operators should see: ``kind`` is a short
    stable name to count by (``pattern_refused``), ``detail`` says what happened."""

    node: str
    kind: str
    detail: str


@dataclass(frozen=True)
class Go:
    """Follow ``output`` now, after queuing ``actions``."""

    output: str = "next"
    actions: tuple[Action, ...] = ()
    effects: tuple[Effect, ...] = ()
    updates: Updates = NO_UPDATES
    notices: tuple[Notice, ...] = ()


@dataclass(frozen=True)
class Await:
    """Queue ``actions`` (the last one waits for the network) and stop until an event comes;
    ``effects`` run once the state is saved (a timer that ends the wait, ...)."""

    actions: tuple[Action, ...]
    updates: Updates = NO_UPDATES
    effects: tuple[Effect, ...] = ()


@dataclass(frozen=True)
class Fetch:
    """Stop until the shell has made ``request``."""

    request: HttpRequest
    updates: Updates = NO_UPDATES


@dataclass(frozen=True)
class Consult:
    """Stop until the shell has answered ``query`` (then the node resumes with ``Consulted``)."""

    query: Query
    updates: Updates = NO_UPDATES
    effects: tuple[Effect, ...] = ()
    """Run once the step is saved, whatever the answer (the agent let go before another is
    asked for)."""
    ref: str | None = None
    """Asked while a node already waits (a timer, a leg's event): the ref it waits on, kept
    while the shell answers, so that what else is tagged with it (a notify, a leg placed
    earlier) still reaches the node; the answer may then ``Stay``. None: a new ref."""


@dataclass(frozen=True)
class Stay:
    """Keep waiting for the same event (the node's ref does not change): a key pressed during a
    bridge was noted, and maybe acted on by ``effects`` (hang up the second leg)."""

    effects: tuple[Effect, ...] = ()
    updates: Updates = NO_UPDATES


@dataclass(frozen=True)
class HangUpLeg:
    """End one leg of the live call over the carrier's REST API (once per ``key``): the second
    leg of a bridge, so the caller's leg goes on to what follows the bridge."""

    key: str
    leg_id: str


@dataclass(frozen=True)
class PlaceLeg:
    """Place one more leg for the live call over the carrier's REST API (once per ``key``):
    ``to`` (E.164 digits, or a SIP URI) rings from ``from_number`` for ``ring_timeout`` seconds
    and, when it answers, joins the named conversation ``room`` (which ends when it leaves); its
    status events come back to the call ``call_id`` tagged ``ref``. How a node rings several
    parties at once (``connect`` with ``ring_all``)."""

    key: str
    call_id: str
    ref: str
    to: str
    from_number: str
    room: str
    ring_timeout: int
    max_duration: int = 7200


@dataclass(frozen=True)
class SayInto:
    """Speak ``text`` into one live leg over the carrier's REST API (once per ``key``), over
    whatever the leg is doing (a bridge too)."""

    key: str
    leg_id: str
    text: str
    language: str


@dataclass(frozen=True)
class End:
    """Queue ``actions`` and hang up."""

    actions: tuple[Action, ...] = ()
    effects: tuple[Effect, ...] = ()
    updates: Updates = NO_UPDATES


Outcome = Union[Go, Await, Fetch, Consult, Stay, End]
