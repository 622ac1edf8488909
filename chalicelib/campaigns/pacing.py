"""The pace of outbound calls, held across concurrent Lambda invocations: the pure rules of a
grant (``decide``) and of the carrier's rejection (``decide_backoff``), and the ``Pacer``
service that applies them to a ``PaceStore`` (``store.campaign_pacing`` implements it on
DynamoDB).

A paced key (``flow:acme:reminders``, ``account:acme``) has limits (``PaceLimit``): a rate as a
rolling window, ``calls_per_second`` = N calls per W seconds (3 -> 3 per 1 s; 0.5 -> 1 per 2 s;
2.5 -> 5 per 2 s), and optionally a cap on calls in progress. A grant at ``t`` is allowed only
if fewer than N grants lie in ``(t - W - margin, t]`` (``SAFETY_MARGIN`` covers the time
between a grant and its request reaching the carrier, which rejects the excess of its rolling
window with HTTP 429); a key's grants are kept in time order, each after the latest one (a
worker whose clock lags waits for it), so no two share a time. A grant under several keys is
one decision: every key allows it and it is recorded under all of them (its time in ``grants``,
the call in ``live``), or nothing changes. The store writes a decision only if no key's
``version`` moved since it was read; a lost race is read and decided again.

``try_acquire`` grants at the clock's time or not at all. ``acquire`` claims a slot up to
``max_sleep`` ahead (a free one ``CLAIM_LEAD`` ahead, so the write's latency is slept off and
the call goes at the time recorded) and then sleeps until it, so workers waiting for the same
window need not all wake at its start to race for it; a grant it finds too late to place at
its time (a slow write, a stalled process) is not used: the call asks again. A longer wait, a full
concurrency cap or a carrier backoff is a ``Wait`` (the caller re-queues the call with a
delay). ``free`` says how many more calls the caps let in now, so that a dispatcher hands out
no more calls than can go.

A carrier's 429 (``throttled``) backs every key off for 1 s, doubling up to 30 s when 429s
come again once the backoff ended; the level resets at the first grant a full backoff
period after the last one ended. Calls whose end was never reported leave ``live`` after
``stale_after``.

Pure (the clock and sleep are passed in): imports the standard library and
``chalicelib.errors`` only; must not import the store, pynamodb, boto3 or web.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal, Protocol

from chalicelib.errors import StaleStateError, ValidationError

CARRIER_CALLS_PER_SECOND = Fraction(3)
"""Vonage's default: 3 new calls per second per account, in a rolling 1-second window."""
MAX_CALLS_PER_SECOND = Fraction(50)
MAX_WINDOW_CALLS = 100
"""The most grants a window may hold (the grants an item keeps): a rate whose exact fraction
needs more (1.33 = 133 per 100 s) is refused; give it as a simpler fraction."""
SAFETY_MARGIN = timedelta(milliseconds=20)
CLAIM_LEAD = timedelta(milliseconds=100)
"""How far ahead ``acquire`` claims even a free slot: its write's latency is slept off inside the
lead, so the call is placed at the time recorded, not that time plus the write's latency (which
the margin would otherwise have to cover)."""
CONCURRENCY_RETRY = timedelta(seconds=5)
"""How long a call refused for a full concurrency cap waits before it asks again."""
CONTENTION_RETRY = timedelta(milliseconds=200)
"""How long a call waits after losing ``ATTEMPTS`` races in a row."""
FIRST_BACKOFF = timedelta(seconds=1)
MAX_BACKOFF = timedelta(seconds=30)
STALE_AFTER = timedelta(hours=3)
KEEP_IDLE = timedelta(days=1)
"""How long a key's item outlives the calls it holds (its TTL), after ``stale_after``."""
ATTEMPTS = 8
"""Reads and decisions of one grant (or backoff) before giving up under heavy contention."""
ACQUIRE_ROUNDS = 4
MAX_KEYS = 10
MAX_KEY_LENGTH = 200
MAX_CALL_REF_LENGTH = 200
ZERO = timedelta(0)
TICK = timedelta(microseconds=1)
"""The resolution of grant times: a key's grants are at least this far apart."""

Reason = Literal["rate", "concurrency", "backoff"]
Rate = Fraction | Decimal | float | int


@dataclass(frozen=True)
class RateWindow:
    """A rate as the rolling window that holds it: at most ``calls`` in any ``seconds``."""

    calls: int
    seconds: Fraction

    @property
    def length(self) -> timedelta:
        return timedelta(microseconds=math.ceil(self.seconds * 1_000_000))


def rate_window(calls_per_second: Rate) -> RateWindow:
    """``calls_per_second`` as N calls per W seconds, N/W its exact fraction in lowest terms
    (a float is read as the decimal it prints as: 0.1 is 1/10). ``ValidationError`` unless
    0 < rate <= 50 and N <= ``MAX_WINDOW_CALLS``."""
    if isinstance(calls_per_second, bool):
        raise ValidationError("calls_per_second must be a number, not a boolean")
    try:
        if isinstance(calls_per_second, float):
            if not math.isfinite(calls_per_second):
                raise ValueError(calls_per_second)
            rate = Fraction(repr(calls_per_second))
        elif isinstance(calls_per_second, Fraction | Decimal | int):
            rate = Fraction(calls_per_second)
        else:
            raise TypeError(type(calls_per_second).__name__)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise ValidationError(f"calls_per_second {calls_per_second!r} is not a number") from error
    if not 0 < rate <= MAX_CALLS_PER_SECOND:
        raise ValidationError(
            f"calls_per_second must be above 0 and at most {MAX_CALLS_PER_SECOND}, got {rate}"
        )
    if rate.numerator > MAX_WINDOW_CALLS:
        raise ValidationError(
            f"calls_per_second {rate} is {rate.numerator} calls per {rate.denominator} s: at "
            f"most {MAX_WINDOW_CALLS} calls per window; give a simpler fraction"
        )
    return RateWindow(rate.numerator, Fraction(rate.denominator))


@dataclass(frozen=True)
class PaceLimit:
    """One paced key's limits: a rate (default the carrier's) and an optional cap on calls in
    progress (None: no cap). ``window`` is the rate as a rolling window."""

    key: str
    calls_per_second: Rate = CARRIER_CALLS_PER_SECOND
    max_concurrent: int | None = None
    window: RateWindow = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key or len(self.key) > MAX_KEY_LENGTH:
            raise ValidationError(f"a paced key is 1 to {MAX_KEY_LENGTH} characters")
        cap = self.max_concurrent
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
            raise ValidationError(f"{self.key}: max_concurrent must be a whole number >= 1")
        object.__setattr__(self, "window", rate_window(self.calls_per_second))


@dataclass(frozen=True)
class Granted:
    """The call may be placed now; it is counted live under every key until released."""

    at: datetime


@dataclass(frozen=True)
class Wait:
    """Not before ``until``; nothing changed. ``reason``: "rate" | "concurrency" | "backoff"."""

    until: datetime
    reason: Reason


class PaceState(Protocol):
    """What the pacer reads of one key (version 0: the key has no item yet)."""

    @property
    def key(self) -> str: ...
    @property
    def grants(self) -> Sequence[datetime]: ...
    @property
    def live(self) -> Mapping[str, datetime]: ...
    @property
    def backoff_until(self) -> datetime | None: ...
    @property
    def backoff(self) -> timedelta: ...
    @property
    def version(self) -> int: ...


@dataclass(frozen=True)
class EmptyPace:
    """A key never written."""

    key: str
    grants: tuple[datetime, ...] = ()
    live: Mapping[str, datetime] = field(default_factory=dict)
    backoff_until: datetime | None = None
    backoff: timedelta = ZERO
    version: int = 0


@dataclass(frozen=True)
class PaceChange:
    """One key's write: holds only if the key's version is still ``version`` (0: no item), and
    then sets ``grants``, the backoff, ``expires`` and ``version + 1``, adds ``granted`` (call
    ref, time) to ``live`` and removes ``dropped`` from it."""

    key: str
    version: int
    grants: tuple[datetime, ...]
    granted: tuple[str, datetime] | None
    dropped: frozenset[str]
    backoff: timedelta
    backoff_until: datetime | None
    expires: datetime


@dataclass(frozen=True)
class Plan:
    """A grant decided at ``at``: the changes that record it under every key."""

    at: datetime
    changes: tuple[PaceChange, ...]


class PaceStore(Protocol):
    """Where paces are kept (``store.campaign_pacing.CampaignPacingRepository``)."""

    def read(self, keys: Sequence[str]) -> Mapping[str, PaceState]:
        """The keys' current states, consistently read; a key without an item may be absent
        from the answer or have version 0."""
        ...

    def write(self, changes: Sequence[PaceChange]) -> bool:
        """Apply every change or none: False (nothing written) if a key's version moved."""
        ...

    def release(self, keys: Sequence[str], call_ref: str) -> None:
        """Remove ``call_ref`` from every key's live calls (idempotent; no version change)."""
        ...


def next_slot(
    grants: Sequence[datetime], window: RateWindow, now: datetime, margin: timedelta
) -> datetime:
    """The earliest time at or after ``now`` a grant is allowed under one key: fewer than N of
    its grants in ``(t - W - margin, t]``, and after its latest grant (a key's grant times are
    distinct, so a grant is known by its time)."""
    ordered = sorted(grants)
    slot = now
    if ordered:
        slot = max(slot, ordered[-1] + TICK)
    if len(ordered) >= window.calls:
        slot = max(slot, ordered[-window.calls] + window.length + margin)
    return slot


def _without(grants: Sequence[datetime], replaced: datetime | None) -> list[datetime]:
    """``grants`` in time order, less one occurrence of ``replaced``."""
    ordered = sorted(grants)
    if replaced in ordered:
        ordered.remove(replaced)
    return ordered


def _backoff_end(state: PaceState, now: datetime) -> datetime | None:
    """When ``state``'s backoff ends, if it is in one at ``now``."""
    until = state.backoff_until
    return until if until is not None and now < until else None


def free_slots(
    limits: Sequence[PaceLimit],
    states: Mapping[str, PaceState],
    now: datetime,
    stale_after: timedelta = STALE_AFTER,
) -> int | None:
    """How many more calls the keys' concurrency caps let in now: the fewest free places of
    any capped key (never below 0), counting the live calls granted within ``stale_after``;
    None when no key has a cap."""
    oldest = now - stale_after
    free: int | None = None
    for limit in limits:
        if limit.max_concurrent is None:
            continue
        state = states.get(limit.key) or EmptyPace(limit.key)
        live = sum(1 for at in state.live.values() if at > oldest)
        left = max(0, limit.max_concurrent - live)
        free = left if free is None else min(free, left)
    return free


def decide(
    limits: Sequence[PaceLimit],
    states: Mapping[str, PaceState],
    call_ref: str,
    now: datetime,
    *,
    horizon: timedelta = ZERO,
    lead: timedelta = ZERO,
    replacing: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
    margin: timedelta = SAFETY_MARGIN,
) -> Plan | Wait:
    """Whether ``call_ref`` may be granted at ``now`` (or, with ``horizon``, at a slot no later
    than ``now + horizon``; with ``lead``, no earlier than ``now + lead``) under every key of
    ``limits``, and the writes that record it. ``replacing`` is the time of this call's earlier
    grant that was never placed (found too late): it leaves every key's grants in this write,
    since the carrier never saw it.

    A key in backoff makes it wait for the backoff's end; a key whose live calls (less those
    granted more than ``stale_after`` ago, and ``call_ref`` itself) reach its cap makes it wait
    ``CONCURRENCY_RETRY``; else the grant goes at the latest of the keys' next slots, or waits
    for it if that is beyond the horizon. Every key's write keeps its last N grants (those
    still within the window), adds the call to ``live``, drops the stale live calls and resets
    the backoff level once a full backoff period has passed since the backoff ended.
    """
    read = {limit.key: states.get(limit.key) or EmptyPace(limit.key) for limit in limits}
    ends = [end for end in (_backoff_end(s, now) for s in read.values()) if end is not None]
    if ends:
        return Wait(max(ends), "backoff")
    oldest = now - stale_after
    stale: dict[str, frozenset[str]] = {}
    for limit in limits:
        state = read[limit.key]
        stale[limit.key] = frozenset(
            ref for ref, at in state.live.items() if at <= oldest and ref != call_ref
        )
        live = sum(1 for ref, at in state.live.items() if at > oldest and ref != call_ref)
        if limit.max_concurrent is not None and live >= limit.max_concurrent:
            return Wait(now + CONCURRENCY_RETRY, "concurrency")
    grants = {key: _without(state.grants, replacing) for key, state in read.items()}
    at = max(next_slot(grants[x.key], x.window, now + lead, margin) for x in limits)
    if at - now > horizon:
        return Wait(at, "rate")
    changes = []
    for limit in limits:
        state = read[limit.key]
        since = at - limit.window.length - margin
        within = [g for g in grants[limit.key] if g > since]
        kept = within[max(0, len(within) - (limit.window.calls - 1)) :]
        backoff, until = state.backoff, state.backoff_until
        if until is not None and at >= until + backoff:
            backoff, until = ZERO, None
        changes.append(
            PaceChange(
                key=limit.key,
                version=state.version,
                grants=(*kept, at),
                granted=(call_ref, at),
                dropped=stale[limit.key],
                backoff=backoff,
                backoff_until=until,
                expires=at + stale_after + KEEP_IDLE,
            )
        )
    return Plan(at, tuple(changes))


def decide_backoff(
    keys: Sequence[str],
    states: Mapping[str, PaceState],
    now: datetime,
    *,
    stale_after: timedelta = STALE_AFTER,
) -> tuple[timedelta, tuple[PaceChange, ...]]:
    """What the carrier's 429 at ``now`` does to ``keys``: the backoff then in force (the time
    to the latest backoff's end) and the changes. A key already in backoff is left as it is
    (the 429 answered a call placed before its backoff began); any other starts a backoff of
    1 s, or double its last one (at most 30 s) if that one has not been reset by a grant."""
    changes = []
    ends = []
    for key in keys:
        state = states.get(key) or EmptyPace(key)
        end = _backoff_end(state, now)
        if end is not None:
            ends.append(end)
            continue
        level = FIRST_BACKOFF if state.backoff <= ZERO else min(2 * state.backoff, MAX_BACKOFF)
        ends.append(now + level)
        changes.append(
            PaceChange(
                key=key,
                version=state.version,
                grants=tuple(sorted(state.grants)),
                granted=None,
                dropped=frozenset(),
                backoff=level,
                backoff_until=now + level,
                expires=now + stale_after + KEEP_IDLE,
            )
        )
    return max(ZERO, max(ends) - now), tuple(changes)


def _keys(limits: Sequence[PaceLimit]) -> list[str]:
    keys = [limit.key for limit in limits]
    if not keys or len(keys) > MAX_KEYS:
        raise ValidationError(f"a call is paced under 1 to {MAX_KEYS} keys, got {len(keys)}")
    if len(set(keys)) != len(keys):
        raise ValidationError(f"a call's paced keys must differ: {keys}")
    return keys


def _checked_keys(keys: Collection[str]) -> list[str]:
    return _keys([PaceLimit(key) for key in keys])


def _checked_ref(call_ref: str) -> str:
    if (
        not isinstance(call_ref, str)
        or not call_ref
        or len(call_ref) > MAX_CALL_REF_LENGTH
        or not call_ref.isprintable()
    ):
        raise ValidationError(f"a call ref is 1 to {MAX_CALL_REF_LENGTH} printable characters")
    return call_ref


class Pacer:
    """Grants calls under their keys' limits, across processes, through a ``PaceStore``."""

    def __init__(
        self,
        store: PaceStore,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None],
        max_sleep: float = 1.0,
        stale_after: timedelta = STALE_AFTER,
    ) -> None:
        if max_sleep < 0 or stale_after <= ZERO:
            raise ValidationError("max_sleep must be >= 0 and stale_after positive")
        self._store = store
        self._clock = clock
        self._sleep = sleep
        self._max_sleep = timedelta(seconds=max_sleep)
        self._stale_after = stale_after

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("the pacer's clock must give timezone-aware datetimes")
        return now

    def _attempt(
        self,
        limits: Sequence[PaceLimit],
        call_ref: str,
        horizon: timedelta = ZERO,
        lead: timedelta = ZERO,
        replacing: datetime | None = None,
    ) -> Plan | Wait:
        keys = _keys(limits)
        _checked_ref(call_ref)
        for _ in range(ATTEMPTS):
            states = self._store.read(keys)
            outcome = decide(
                limits,
                states,
                call_ref,
                self._now(),
                horizon=horizon,
                lead=lead,
                replacing=replacing,
                stale_after=self._stale_after,
            )
            if isinstance(outcome, Wait) or self._store.write(outcome.changes):
                return outcome
        return Wait(self._now() + CONTENTION_RETRY, "rate")

    def try_acquire(self, limits: Sequence[PaceLimit], call_ref: str) -> Granted | Wait:
        """One grant at the clock's time, or a ``Wait`` (nothing changed). Reads every key in
        one request and writes the grant in one transaction; a lost race is read and decided
        again (at most ``ATTEMPTS`` times, then a short rate ``Wait``)."""
        outcome = self._attempt(limits, call_ref)
        return outcome if isinstance(outcome, Wait) else Granted(outcome.at)

    def acquire(self, limits: Sequence[PaceLimit], call_ref: str) -> Granted | Wait:
        """A grant, sleeping in-process for a rate wait of at most ``max_sleep``: the slot is
        claimed first (at least ``CLAIM_LEAD`` ahead), then slept until (``Granted.at`` is then
        now). A longer rate wait, a full cap or a backoff is returned as a ``Wait`` for the
        caller to re-queue the call.

        A grant found more than ``SAFETY_MARGIN`` past its time once written and slept for (a
        slow write, a stalled process) is not used: placed that late, the call could break the
        carrier's window. The call asks again, and the grant it never placed leaves the keys'
        grants in the write of its next one; if it has to wait instead, that grant stays
        (counted, never placed) and its live entry is released."""
        voided: datetime | None = None
        outcome: Plan | Wait = Wait(self._now(), "rate")
        for _ in range(ACQUIRE_ROUNDS):
            outcome = self._attempt(
                limits, call_ref, self._max_sleep, min(CLAIM_LEAD, self._max_sleep), voided
            )
            if isinstance(outcome, Plan):
                ahead = (outcome.at - self._now()).total_seconds()
                if ahead > 0:
                    self._sleep(ahead)
                if self._now() - outcome.at <= SAFETY_MARGIN:
                    return Granted(outcome.at)
                voided = outcome.at
                continue
            ahead = (outcome.until - self._now()).total_seconds()
            if outcome.reason != "rate" or ahead > self._max_sleep.total_seconds():
                break
            self._sleep(max(0.0, ahead))
        if voided is not None:
            self._store.release(_keys(limits), call_ref)
        if isinstance(outcome, Plan):
            return Wait(self._now() + CONTENTION_RETRY, "rate")
        return outcome

    def free(self, limits: Sequence[PaceLimit]) -> int | None:
        """How many more calls the keys' concurrency caps let in now (None: no cap); one
        consistent read of every key (``free_slots``)."""
        states = self._store.read(_keys(limits))
        return free_slots(limits, states, self._now(), self._stale_after)

    def in_progress(self, key: str) -> int:
        """The calls granted under ``key`` within ``stale_after`` whose end was not told yet.
        One consistent read."""
        state = self._store.read([key]).get(key)
        oldest = self._now() - self._stale_after
        return 0 if state is None else sum(1 for at in state.live.values() if at > oldest)

    def release(self, keys: Sequence[str], call_ref: str) -> None:
        """The call ended: it no longer counts live under ``keys``. Idempotent."""
        self._store.release(_checked_keys(keys), _checked_ref(call_ref))

    def throttled(self, keys: Sequence[str]) -> timedelta:
        """The carrier rejected a call (HTTP 429): back every key off (see ``decide_backoff``)
        and return the backoff in force. One read and one transaction, again on a lost race;
        ``StaleStateError`` after ``ATTEMPTS`` lost races (nothing recorded)."""
        checked = _checked_keys(keys)
        for _ in range(ATTEMPTS):
            states = self._store.read(checked)
            backoff, changes = decide_backoff(
                checked, states, self._now(), stale_after=self._stale_after
            )
            if not changes or self._store.write(changes):
                return backoff
        raise StaleStateError(f"the backoff of {checked} lost {ATTEMPTS} races in a row")
