"""The pace of outbound calls, as pure rules and on an in-memory store: GIVEN paced keys with
rates as rolling windows (whole and fractional), caps on calls in progress and carrier backoffs,
WHEN calls are granted, released and throttled at given times, THEN no window ever holds more
than its N grants, a cap is never passed, a backoff holds every key and doubles only when 429s
come again, stale calls free their slots, and a grant under several keys is all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from chalicelib.campaigns.pacing import (
    CLAIM_LEAD,
    CONCURRENCY_RETRY,
    SAFETY_MARGIN,
    STALE_AFTER,
    TICK,
    EmptyPace,
    Granted,
    PaceChange,
    PaceLimit,
    Pacer,
    PaceState,
    Plan,
    RateWindow,
    Wait,
    decide,
    decide_backoff,
    next_slot,
    rate_window,
)
from chalicelib.errors import StaleStateError, ValidationError

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
MS = timedelta(milliseconds=1)
S = timedelta(seconds=1)


@dataclass(frozen=True)
class Pace:
    key: str
    grants: tuple[datetime, ...] = ()
    live: Mapping[str, datetime] = field(default_factory=dict)
    backoff_until: datetime | None = None
    backoff: timedelta = timedelta(0)
    version: int = 0


class MemoryPaces:
    """The store's contract in memory: versioned items, all-or-nothing writes; ``interfere``
    runs between a read and the next write (another worker's write)."""

    def __init__(self) -> None:
        self.items: dict[str, Pace] = {}
        self.reads = 0
        self.writes = 0
        self.lost = 0
        self.interfere: list[str] = []

    def read(self, keys: Sequence[str]) -> Mapping[str, PaceState]:
        self.reads += 1
        return {key: self.items[key] for key in keys if key in self.items}

    def write(self, changes: Sequence[PaceChange]) -> bool:
        self.writes += 1
        if self.interfere:
            key = self.interfere.pop(0)
            old = self.items.get(key, Pace(key))
            self.items[key] = replace(old, version=old.version + 1)
        if any(self.items.get(c.key, Pace(c.key)).version != c.version for c in changes):
            self.lost += 1
            return False
        for change in changes:
            old = self.items.get(change.key, Pace(change.key))
            live = {ref: at for ref, at in old.live.items() if ref not in change.dropped}
            if change.granted is not None:
                live[change.granted[0]] = change.granted[1]
            self.items[change.key] = Pace(
                change.key,
                change.grants,
                live,
                change.backoff_until,
                change.backoff,
                change.version + 1,
            )
        return True

    def release(self, keys: Sequence[str], call_ref: str) -> None:
        for key in keys:
            if key in self.items:
                old = self.items[key]
                live = {ref: at for ref, at in old.live.items() if ref != call_ref}
                self.items[key] = replace(old, live=live)  # no version change


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def paces() -> MemoryPaces:
    return MemoryPaces()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pacer(paces: MemoryPaces, clock: Clock) -> Pacer:
    return Pacer(paces, clock, clock.sleep)


def asked(
    pacer: Pacer, clock: Clock, limits: Sequence[PaceLimit], refs: Sequence[str]
) -> list[Granted | Wait]:
    """``try_acquire`` for each call in turn, the clock 1 ms later after each."""
    outcomes = []
    for ref in refs:
        outcomes.append(pacer.try_acquire(limits, ref))
        clock.now += MS
    return outcomes


def most_in_any_window(times: Sequence[datetime], window: timedelta) -> int:
    """The most of ``times`` within any half-open window ``(t - window, t]``."""
    ordered = sorted(times)
    return max(
        (sum(1 for u in ordered if t - window < u <= t) for t in ordered),
        default=0,
    )


# -- rates as windows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "calls", "seconds"),
    [
        (3, 3, 1),
        (Fraction(1, 2), 1, 2),
        (0.5, 1, 2),
        (2.5, 5, 2),
        (Decimal("2.5"), 5, 2),
        (0.1, 1, 10),
        (50, 50, 1),
        (Decimal("0.3"), 3, 10),
    ],
)
def test_a_rate_is_n_calls_per_w_seconds_in_lowest_terms(
    rate: Fraction | Decimal | float, calls: int, seconds: int
) -> None:
    assert rate_window(rate) == RateWindow(calls, Fraction(seconds))


@pytest.mark.parametrize(
    "rate", [0, -1, 50.5, Fraction(101, 2), float("nan"), float("inf"), True, "3", Decimal("1.33")]
)
def test_a_rate_outside_its_bounds_or_not_a_number_is_refused(rate: object) -> None:
    with pytest.raises(ValidationError):
        PaceLimit("flow:a:f", rate)  # type: ignore[arg-type]


def test_a_limit_defaults_to_the_carriers_3_per_second_and_no_cap() -> None:
    limit = PaceLimit("account:acme")
    assert limit.window == RateWindow(3, Fraction(1)) and limit.max_concurrent is None
    for cap in (0, -1, 2.5, True):
        with pytest.raises(ValidationError):
            PaceLimit("account:acme", 3, cap)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        PaceLimit("")


# -- the rolling window -------------------------------------------------------------------


def test_the_next_slot_is_the_oldest_of_the_last_n_plus_the_window_and_margin() -> None:
    window = RateWindow(3, Fraction(1))
    grants = [T0, T0 + 100 * MS, T0 + 400 * MS]
    # GIVEN 3 grants in the last second / THEN the 4th waits for the oldest + 1 s + margin
    assert next_slot(grants, window, T0 + 500 * MS, SAFETY_MARGIN) == T0 + S + SAFETY_MARGIN
    # AND with 2 in the window it goes now
    assert next_slot(grants[1:], window, T0 + 500 * MS, SAFETY_MARGIN) == T0 + 500 * MS
    # AND never before the latest grant (a worker whose clock lags)
    assert next_slot(grants[2:], window, T0 + 300 * MS, SAFETY_MARGIN) == T0 + 400 * MS + TICK


def test_three_per_second_grants_three_then_waits_for_the_window_to_roll(
    pacer: Pacer, clock: Clock
) -> None:
    limits = [PaceLimit("account:acme")]
    granted = asked(pacer, clock, limits, ["c0", "c1", "c2"])
    assert granted == [Granted(T0), Granted(T0 + MS), Granted(T0 + 2 * MS)]
    # WHEN a 4th asks at once / THEN it waits until the first grant + 1 s + margin
    assert pacer.try_acquire(limits, "c3") == Wait(T0 + S + SAFETY_MARGIN, "rate")
    clock.now = T0 + S  # exactly one window later: still inside the margin
    assert isinstance(pacer.try_acquire(limits, "c3"), Wait)
    clock.now = T0 + S + SAFETY_MARGIN
    assert pacer.try_acquire(limits, "c3") == Granted(clock.now)


@pytest.mark.parametrize(("rate", "calls", "seconds"), [(0.5, 1, 2), (2.5, 5, 2), (3, 3, 1)])
def test_no_rolling_window_ever_holds_more_than_n_grants(
    paces: MemoryPaces, clock: Clock, rate: float, calls: int, seconds: int
) -> None:
    # GIVEN a worker asking every 37 ms for 30 s
    pacer = Pacer(paces, clock, clock.sleep)
    limits = [PaceLimit("flow:acme:f", rate)]
    grants = []
    for i in range(int(30 / 0.037)):
        outcome = pacer.try_acquire(limits, f"c{i}")
        if isinstance(outcome, Granted):
            grants.append(outcome.at)
        clock.now += 37 * MS
    # THEN no window of W seconds holds more than N grants, and the rate is nearly met
    assert most_in_any_window(grants, timedelta(seconds=seconds)) == calls
    assert len(grants) >= 0.85 * 30 * float(rate)


def test_a_fraction_of_a_call_per_second_spaces_single_calls(pacer: Pacer, clock: Clock) -> None:
    limits = [PaceLimit("flow:acme:slow", Fraction(1, 2))]
    assert pacer.try_acquire(limits, "a") == Granted(T0)
    assert pacer.try_acquire(limits, "b") == Wait(T0 + 2 * S + SAFETY_MARGIN, "rate")


def test_grants_kept_are_the_last_n_within_the_window(
    paces: MemoryPaces, pacer: Pacer, clock: Clock
) -> None:
    limits = [PaceLimit("k", 2.5)]
    asked(pacer, clock, limits, [f"c{i}" for i in range(5)])
    assert paces.items["k"].grants == tuple(T0 + i * MS for i in range(5))
    # AND a grant at the same instant as the latest waits a tick: a key's grant times differ
    clock.now = T0 + 4 * MS
    assert pacer.try_acquire([PaceLimit("k", 50)], "c5") == Wait(T0 + 4 * MS + TICK, "rate")
    assert len(paces.items["k"].live) == 5


# -- acquire ------------------------------------------------------------------------------


def test_acquire_claims_a_slot_within_max_sleep_then_sleeps_until_it(
    paces: MemoryPaces, clock: Clock
) -> None:
    pacer = Pacer(paces, clock, clock.sleep, max_sleep=1.5)
    limits = [PaceLimit("k", 3)]
    asked(pacer, clock, limits, ["c0", "c1", "c2"])
    # WHEN a 4th call acquires / THEN its slot (T0 + 1.02 s) is recorded before it sleeps
    assert pacer.acquire(limits, "c3") == Granted(T0 + S + SAFETY_MARGIN)
    assert len(clock.slept) == 1 and clock.now == T0 + S + SAFETY_MARGIN
    assert paces.items["k"].grants[-1] == T0 + S + SAFETY_MARGIN
    assert paces.writes == 4


def test_acquire_returns_a_rate_wait_longer_than_max_sleep(
    paces: MemoryPaces, clock: Clock
) -> None:
    pacer = Pacer(paces, clock, clock.sleep, max_sleep=1.0)
    limits = [PaceLimit("k", 0.5)]
    # a free slot is claimed CLAIM_LEAD ahead: the write's latency is slept off before placing
    assert pacer.acquire(limits, "a") == Granted(T0 + CLAIM_LEAD)
    assert clock.now == T0 + CLAIM_LEAD
    assert pacer.acquire(limits, "b") == Wait(T0 + CLAIM_LEAD + 2 * S + SAFETY_MARGIN, "rate")
    assert clock.slept == [CLAIM_LEAD.total_seconds()] and len(paces.items["k"].live) == 1


def test_acquire_without_sleeping_grants_at_once(paces: MemoryPaces, clock: Clock) -> None:
    pacer = Pacer(paces, clock, clock.sleep, max_sleep=0)
    assert pacer.acquire([PaceLimit("k", 0.5)], "a") == Granted(T0)
    assert pacer.acquire([PaceLimit("k", 0.5)], "b") == Wait(T0 + 2 * S + SAFETY_MARGIN, "rate")
    assert clock.slept == []


class SlowPaces(MemoryPaces):
    """A store whose first successful write takes ``delay`` on ``clock``, after which ``then``
    (another worker) may write."""

    def __init__(
        self, clock: Clock, delay: timedelta, then: Callable[[MemoryPaces], None] | None = None
    ) -> None:
        super().__init__()
        self.clock, self.delay, self.then = clock, delay, then

    def write(self, changes: Sequence[PaceChange]) -> bool:
        written = super().write(changes)
        if written and self.delay:
            self.clock.now += self.delay
            self.delay = timedelta(0)
            if self.then is not None:
                self.then(self)
        return written


def test_a_grant_written_too_late_to_place_is_replaced_by_the_next(clock: Clock) -> None:
    paces = SlowPaces(clock, 300 * MS)
    pacer = Pacer(paces, clock, clock.sleep)
    # GIVEN the grant's write ends 200 ms past the slot it claimed / THEN it asks again, and
    # the grant it never placed leaves the window in the next one's write
    assert pacer.acquire([PaceLimit("k", 0.5)], "a") == Granted(T0 + 400 * MS)
    assert paces.items["k"].grants == (T0 + 400 * MS,)
    assert dict(paces.items["k"].live) == {"a": T0 + 400 * MS}


def test_a_grant_too_late_whose_call_must_then_wait_leaves_no_live_call(clock: Clock) -> None:
    def another_worker(paces: MemoryPaces) -> None:
        old = paces.items["k"]
        paces.items["k"] = replace(
            old,
            grants=(*old.grants, clock.now),
            live={**old.live, "b": clock.now},
            version=old.version + 1,
        )

    paces = SlowPaces(clock, 300 * MS, another_worker)
    pacer = Pacer(paces, clock, clock.sleep)
    outcome = pacer.acquire([PaceLimit("k", 0.5)], "a")
    # THEN it waits for the other worker's grant's window; the unplaced grant stays counted
    assert outcome == Wait(T0 + 300 * MS + 2 * S + SAFETY_MARGIN, "rate")
    assert dict(paces.items["k"].live) == {"b": T0 + 300 * MS}
    assert paces.items["k"].grants == (T0 + CLAIM_LEAD, T0 + 300 * MS)


def test_acquire_retries_a_lost_race_and_never_writes_over_it(
    paces: MemoryPaces, clock: Clock, pacer: Pacer
) -> None:
    limits = [PaceLimit("k")]
    # GIVEN another worker writes the key between this one's read and write, twice
    paces.interfere = ["k", "k"]
    assert pacer.acquire(limits, "a") == Granted(T0 + CLAIM_LEAD)
    assert paces.lost == 2 and paces.reads == 3 and paces.items["k"].version == 3


def test_a_grant_that_keeps_losing_races_waits_briefly_and_changes_nothing(
    paces: MemoryPaces, pacer: Pacer
) -> None:
    paces.interfere = ["k"] * 8
    outcome = pacer.try_acquire([PaceLimit("k")], "a")
    assert isinstance(outcome, Wait) and outcome.reason == "rate"
    assert outcome.until - T0 < S and paces.items["k"].grants == ()


# -- concurrency --------------------------------------------------------------------------


def test_a_full_cap_waits_until_a_call_is_released(pacer: Pacer, clock: Clock) -> None:
    limits = [PaceLimit("flow:acme:f", 50, max_concurrent=2)]
    assert all(isinstance(o, Granted) for o in asked(pacer, clock, limits, ["a", "b"]))
    retry = clock.now + CONCURRENCY_RETRY
    assert pacer.try_acquire(limits, "c") == Wait(retry, "concurrency")
    assert pacer.acquire(limits, "c") == Wait(retry, "concurrency")
    # WHEN a call ends (reported twice) / THEN its slot is free once
    pacer.release(["flow:acme:f"], "a")
    pacer.release(["flow:acme:f"], "a")
    assert asked(pacer, clock, limits, ["c", "d"]) == [
        Granted(retry - CONCURRENCY_RETRY),
        Wait(retry + MS, "concurrency"),
    ]


def test_a_call_asking_again_is_not_counted_against_itself(pacer: Pacer, clock: Clock) -> None:
    limits = [PaceLimit("k", 50, max_concurrent=1)]
    # a retried request for the same call (a redelivered message) is not a second call
    first, again, other = asked(pacer, clock, limits, ["a", "a", "b"])
    assert isinstance(first, Granted) and isinstance(again, Granted)
    assert isinstance(other, Wait) and other.reason == "concurrency"


def test_stale_live_calls_free_their_slots_and_leave_in_the_same_write(
    paces: MemoryPaces, clock: Clock
) -> None:
    pacer = Pacer(paces, clock, clock.sleep, stale_after=timedelta(hours=3))
    limits = [PaceLimit("k", 3, max_concurrent=1)]
    pacer.try_acquire(limits, "lost-call")  # its end is never reported
    clock.now = T0 + timedelta(hours=3) - MS
    assert isinstance(pacer.try_acquire(limits, "b"), Wait)
    clock.now = T0 + timedelta(hours=3)
    assert pacer.try_acquire(limits, "b") == Granted(clock.now)
    assert dict(paces.items["k"].live) == {"b": clock.now}


# -- backoff ------------------------------------------------------------------------------


def test_a_429_backs_every_key_off_and_holds_their_grants(pacer: Pacer, clock: Clock) -> None:
    limits = [PaceLimit("flow:acme:f"), PaceLimit("account:acme")]
    pacer.try_acquire(limits, "a")
    assert pacer.throttled(["flow:acme:f", "account:acme"]) == S
    assert pacer.try_acquire(limits, "b") == Wait(T0 + S, "backoff")
    # the other flow of the account is held by the account's key
    other = [PaceLimit("flow:acme:g"), PaceLimit("account:acme")]
    assert pacer.acquire(other, "c") == Wait(T0 + S, "backoff")
    clock.now = T0 + S
    assert pacer.try_acquire(limits, "b") == Granted(T0 + S)


def test_429s_of_one_burst_count_once_and_later_ones_double_up_to_30_s(
    paces: MemoryPaces, pacer: Pacer, clock: Clock
) -> None:
    keys = ["account:acme"]
    # GIVEN three calls of one burst rejected / THEN one backoff of 1 s
    assert [pacer.throttled(keys) for _ in range(3)] == [S, S, S]
    # WHEN calls placed after it are rejected again, each time / THEN 2, 4, 8, 16, 30, 30 s
    levels = []
    for _ in range(6):
        clock.now = paces.items["account:acme"].backoff_until or clock.now
        assert isinstance(pacer.try_acquire([PaceLimit("account:acme")], "x"), Granted)
        pacer.release(keys, "x")
        levels.append(pacer.throttled(keys))
    assert levels == [2 * S, 4 * S, 8 * S, 16 * S, 30 * S, 30 * S]


def test_the_backoff_resets_at_a_grant_a_full_backoff_after_it_ended(
    paces: MemoryPaces, pacer: Pacer, clock: Clock
) -> None:
    limits = [PaceLimit("k")]
    pacer.throttled(["k"])  # 1 s, until T0 + 1 s
    clock.now = T0 + 1500 * MS
    pacer.try_acquire(limits, "a")  # within a backoff of its end: the level stays
    assert paces.items["k"].backoff == S
    clock.now = T0 + 2 * S
    pacer.try_acquire(limits, "b")
    assert paces.items["k"].backoff == timedelta(0) and paces.items["k"].backoff_until is None
    assert pacer.throttled(["k"]) == S


def test_decide_backoff_leaves_a_key_in_backoff_as_it_is() -> None:
    states = {"a": EmptyPace("a", backoff_until=T0 + 2 * S, backoff=4 * S, version=3)}
    backoff, changes = decide_backoff(["a", "b"], states, T0)
    assert backoff == 2 * S
    assert [(c.key, c.version, c.backoff, c.backoff_until) for c in changes] == [
        ("b", 0, S, T0 + S)
    ]


# -- several keys -------------------------------------------------------------------------


def test_a_grant_under_several_keys_is_all_or_nothing(
    paces: MemoryPaces, pacer: Pacer, clock: Clock
) -> None:
    flow = PaceLimit("flow:acme:f", 50, max_concurrent=1)
    account = PaceLimit("account:acme", 3)
    assert isinstance(pacer.try_acquire([flow, account], "a"), Granted)
    before = dict(paces.items)
    # WHEN the flow's cap refuses / THEN the account's key is not touched either
    assert isinstance(pacer.try_acquire([flow, account], "b"), Wait)
    assert paces.items == before
    # AND a call of another flow of the account is counted under the account alone
    other = PaceLimit("flow:acme:g", 50)
    clock.now += MS
    assert isinstance(pacer.try_acquire([other, account], "c"), Granted)
    clock.now += MS
    assert set(paces.items["account:acme"].live) == {"a", "c"}
    assert set(paces.items["flow:acme:f"].live) == {"a"}
    # AND the account's rate holds across its flows
    d, e = asked(pacer, clock, [other, account], ["d", "e"])
    assert isinstance(d, Granted) and e == Wait(T0 + S + SAFETY_MARGIN, "rate")


def test_decide_waits_for_the_latest_slot_of_all_keys_and_writes_each_version() -> None:
    slow = PaceLimit("flow:acme:f", Fraction(1, 2))
    fast = PaceLimit("account:acme", 3)
    states: dict[str, PaceState] = {
        "flow:acme:f": EmptyPace("flow:acme:f", grants=(T0,), version=4),
        "account:acme": EmptyPace("account:acme", grants=(T0, T0, T0), version=9),
    }
    assert decide([slow, fast], states, "c", T0) == Wait(T0 + 2 * S + SAFETY_MARGIN, "rate")
    plan = decide([slow, fast], states, "c", T0, horizon=3 * S)
    assert isinstance(plan, Plan) and plan.at == T0 + 2 * S + SAFETY_MARGIN
    assert [(c.key, c.version, c.grants, c.granted) for c in plan.changes] == [
        ("flow:acme:f", 4, (plan.at,), ("c", plan.at)),
        ("account:acme", 9, (plan.at,), ("c", plan.at)),
    ]


def test_decide_takes_an_unplaced_grant_out_of_the_window_and_only_it() -> None:
    limit = PaceLimit("k", 3)
    states = {"k": EmptyPace("k", grants=(T0, T0 + MS, T0 + 2 * MS), version=5)}
    now = T0 + 3 * MS
    assert decide([limit], states, "c", now) == Wait(T0 + S + SAFETY_MARGIN, "rate")
    plan = decide([limit], states, "c", now, replacing=T0 + MS)
    assert isinstance(plan, Plan) and plan.at == now
    assert plan.changes[0].grants == (T0, T0 + 2 * MS, now)
    # a time no longer among the grants (a key's grant times differ) takes nothing out
    assert decide([limit], states, "c", now, replacing=T0 - S) == Wait(
        T0 + S + SAFETY_MARGIN, "rate"
    )


def test_keys_and_call_refs_are_checked(pacer: Pacer) -> None:
    with pytest.raises(ValidationError):
        pacer.try_acquire([], "a")
    with pytest.raises(ValidationError):
        pacer.try_acquire([PaceLimit("k"), PaceLimit("k")], "a")
    for ref in ("", "x" * 201, "a\nb"):
        with pytest.raises(ValidationError):
            pacer.try_acquire([PaceLimit("k")], ref)
    with pytest.raises(ValidationError):
        pacer.release([], "a")


def test_a_backoff_that_keeps_losing_races_is_an_error(paces: MemoryPaces, pacer: Pacer) -> None:
    paces.interfere = ["k"] * 8
    with pytest.raises(StaleStateError):
        pacer.throttled(["k"])


def test_a_naive_clock_is_refused(paces: MemoryPaces) -> None:
    pacer = Pacer(paces, lambda: datetime(2024, 5, 1), lambda s: None)
    with pytest.raises(ValueError, match="timezone-aware"):
        pacer.try_acquire([PaceLimit("k")], "a")


def test_the_free_places_are_the_fewest_any_capped_key_has_left(pacer: Pacer, clock: Clock) -> None:
    flow = PaceLimit("flow:acme:f", 50, max_concurrent=3)
    account = PaceLimit("account:acme", 50, max_concurrent=2)
    uncapped = PaceLimit("flow:acme:g", 50)
    assert pacer.free([uncapped]) is None
    assert pacer.free([flow, account]) == 2
    assert isinstance(pacer.acquire([flow, account], "a"), Granted)
    assert pacer.free([flow, account]) == 1 and pacer.free([flow]) == 2
    assert isinstance(pacer.acquire([account], "b"), Granted)
    assert pacer.free([flow, account]) == 0  # never below none
    pacer.release(["flow:acme:f", "account:acme"], "a")
    assert pacer.free([flow, account]) == 1
    # a call whose end never came stops counting after STALE_AFTER
    clock.now += STALE_AFTER + S
    assert pacer.free([flow, account]) == 2
