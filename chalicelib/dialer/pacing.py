"""The dialer's pace, as pure rules: how many customers a dialer campaign dials now
(``dial_count``), its abandonment rate measured over a rolling window (``AbandonmentWindow``,
``is_abandoned``), the ratio control that holds that rate under its ceiling (``next_ratio``),
and a seeded discrete-event simulation of a campaign that uses all three (``simulate``).

A dialer campaign calls customers and bridges each one who answers to an agent. The carrier's
rate and the campaign's caps on calls in progress stay with the campaigns' pacer
(``campaigns.pacing``, ``Pacer.free``); the dispatch asks this module how many of the places
they leave it should use now, given the agents.

**How many to dial** (``dial_count``), with ``free`` agents waiting for a call, ``soon`` agents
in wrap-up (free soon), ``in_flight`` customers being dialled or ringing (not yet answered) and
``queued`` customers answered and waiting for an agent::

    progressive:  want = free - in_flight - queued
    power:        want = floor(free + (ratio - 1) * (free + soon)) - in_flight - queued
    both:         dial = max(0, min(want, free_places, cps_budget))    (a cap of None: no cap)

Progressive dials one customer per free agent: every customer in flight or queued has a free
agent kept for them, so a customer never waits for one and no call is abandoned (agents
logging out aside). Power dials the same sure customer per free agent plus a bet of ``ratio -
1`` customers per agent free or soon free (in wrap-up), wagering that not all of them answer
live: ``ratio`` customers per free agent (``floor(ratio * free)`` with no agent in wrap-up),
``ratio - 1`` per agent in wrap-up. The bet costs abandoned calls when more answer than there
are agents, which the ratio control below pays back; at ratio 1 there is no bet and power is
progressive (the fallback the control relies on). With no agent free (nor, in power, soon
free) nothing is dialled.

**What is abandoned** (``is_abandoned``): a customer who answered live (a person, not a
machine or a failed call) and was not connected to an agent within ``CONNECT_LIMIT`` (2 s) of
the answer: the US Telemarketing Sales Rule (connect to a representative within 2 s of the
greeting, else a recorded message) and Ofcom (an information message within 2 s) alike, in
``FACTS-operations.md`` §1.4 and §4. So a customer who hung up while waiting, one who heard the
message or music up to the hold limit and was let go (and rescheduled), and one connected to an
agent later than the limit all count as abandoned. The rate is abandoned / live answered, the
figure both rules cap at **3 %** per campaign (``CEILING``); calls that were not answered live
count in neither.

**The window** (``AbandonmentWindow``): live answers and abandons per campaign, each in the
bucket of its answer's time (``resolution``, 15 minutes by default), over a rolling ``period``.
The default is **24 h**, Ofcom's period, not the TSR's 30 days: it is the stricter of the two,
since a 30-day window's rate is a weighted mean of the rates of the 30 days that tile it, so
holding every 24 h window under 3 % holds the 30-day one under 3 % too; and it forgets a bad
hour in a day, not a month. The window stays bounded (at most ``period / resolution + 1``
buckets: 97 by default).

**The ratio control** (``next_ratio``), called once per live answer's outcome (each new sample
of the rate), with the rate measured over the window, its live answers and ``RatioControl``'s
bands; ``headroom = answers * (ceiling - rate)`` is the abandoned calls the window can still
take before its rate reaches the ceiling::

    rate >= ceiling (3 %)                              -> floor (1.0: progressive)
    rate >= lower_at (2 %) or headroom < reserve (2.5) -> ratio - step_down (0.25), >= floor
    rate < raise_under (1 %) and headroom >= 2 * reserve (5)
                                                       -> ratio + step_up (0.02), <= max_ratio (3)
    otherwise                                          -> unchanged

It falls fast (to 1.0 at the ceiling, a quarter a sample near it) and climbs slowly (a
fiftieth a sample), only while the window could take a burst of abandons (the calls already
in flight when the ratio falls still answer: that lag is what overshoots) and the rate is well
under the ceiling: VICIdial's ``ADAPT_HARD_LIMIT`` behaviour (never dial harder past the cap)
with a margin, as ``FACTS-operations.md`` §4 asks: throttle before the cap. So a campaign
starts progressive (no headroom yet: a power campaign's ratio is its ``max_ratio``, not where
it starts) and goes back to progressive at the ceiling until its rate is under 1 % with
headroom again. It is a control, not a proof: the simulation (decision 0040) measures it. The
direction depends on the rate and headroom alone, never on the ratio, and the bands do not
touch (hold between 1 % and 2 %, and between ``reserve`` and twice it), so under a steady rate
the ratio moves one way until it stops at a bound, or holds: it never oscillates.

Pure (times are passed in, the simulation's randomness is a seeded ``random.Random``):
imports the standard library and ``chalicelib.errors`` only; must not import the store,
pynamodb, boto3, web or the campaigns' pacer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from chalicelib.errors import ValidationError

CEILING = 0.03
"""The most abandoned calls per live-answered call of a campaign (TSR and Ofcom: 3 %)."""
CONNECT_LIMIT = timedelta(seconds=2)
"""A live-answered customer not connected to an agent within this of the answer is abandoned
(TSR: 2 s after the greeting; Ofcom: a message within 2 s)."""
DEFAULT_PERIOD = timedelta(hours=24)
"""The window of the abandonment rate: Ofcom's 24 h (stricter than the TSR's 30 days)."""
DEFAULT_RESOLUTION = timedelta(minutes=15)
"""The buckets of a window: 97 at most over 24 h, a window of 24 h to 24 h 15 min."""
MAX_RATIO = 5.0
"""The most customers per agent a power campaign may be set to dial."""
MAX_BUCKETS = 50_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Ratio = float | int | Fraction | Decimal


class DialMode(StrEnum):
    """How a dialer campaign paces its calls to its agents."""

    PROGRESSIVE = "progressive"
    """One customer per free agent: never abandons."""
    POWER = "power"
    """``ratio`` customers per free agent, ``ratio - 1`` per agent in wrap-up."""


def _count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a whole number >= 0, got {value!r}")
    return value


def _mode(mode: DialMode | str) -> DialMode:
    try:
        return DialMode(mode)
    except ValueError as error:
        raise ValidationError(f"a dial mode is progressive or power, got {mode!r}") from error


def _exact(ratio: Ratio) -> Fraction:
    """``ratio`` as an exact fraction (a float read as the decimal it prints as: 1.1 is 11/10,
    so 1.1 * 10 agents is 11, not 11.000000000000002 floored by luck)."""
    if isinstance(ratio, bool) or not isinstance(ratio, float | int | Fraction | Decimal):
        raise ValidationError(f"a ratio is a number, got {ratio!r}")
    try:
        exact = Fraction(repr(ratio)) if isinstance(ratio, float) else Fraction(ratio)
    except (ValueError, ArithmeticError) as error:
        raise ValidationError(f"a ratio is a finite number, got {ratio!r}") from error
    return exact


@dataclass(frozen=True)
class DialerLoad:
    """A dialer campaign's state at one dispatch: its agents, its customers on the way and the
    room the campaigns' pacer leaves it (``free_places``: the concurrency caps' free places,
    ``Pacer.free``; ``cps_budget``: the calls the carrier's rate lets go now; None: no cap)."""

    free_agents: int
    soon_free_agents: int = 0
    in_flight: int = 0
    queued: int = 0
    free_places: int | None = None
    cps_budget: int | None = None

    def __post_init__(self) -> None:
        _count("free_agents", self.free_agents)
        _count("soon_free_agents", self.soon_free_agents)
        _count("in_flight", self.in_flight)
        _count("queued", self.queued)
        if self.free_places is not None:
            _count("free_places", self.free_places)
        if self.cps_budget is not None:
            _count("cps_budget", self.cps_budget)


def dial_count(mode: DialMode | str, load: DialerLoad, ratio: Ratio = 1) -> int:
    """How many customers to dial now (see the module for the formulae): progressive, one per
    free agent less the customers in flight and queued; power, ``floor(free + (ratio - 1) *
    (free + soon free agents))`` less those; either way within the free places and the
    calls-per-second budget, never below 0, and 0 when no agent is free (nor, in power, soon
    free). ``ratio`` (power only) is 1 to ``MAX_RATIO``; ``ValidationError`` otherwise."""
    mode = _mode(mode)
    if mode is DialMode.PROGRESSIVE:
        agents = load.free_agents
        want = agents
    else:
        exact = _exact(ratio)
        if not 1 <= exact <= Fraction(repr(MAX_RATIO)):
            raise ValidationError(f"a power ratio is 1 to {MAX_RATIO}, got {ratio!r}")
        agents = load.free_agents + load.soon_free_agents
        want = math.floor(load.free_agents + (exact - 1) * agents)
    if agents == 0:
        return 0
    want -= load.in_flight + load.queued
    for cap in (load.free_places, load.cps_budget):
        if cap is not None:
            want = min(want, cap)
    return max(0, want)


# -- the abandonment rate ---------------------------------------------------------------


def _aware(at: datetime) -> datetime:
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        raise ValidationError(f"a time must be a timezone-aware datetime, got {at!r}")
    return at


def is_abandoned(
    answered_at: datetime, connected_at: datetime | None, limit: timedelta = CONNECT_LIMIT
) -> bool:
    """Whether a live-answered call is abandoned: its customer was never connected to an agent
    (hung up while waiting, or let go at the hold limit) or was connected later than ``limit``
    after the answer (the module says why)."""
    if connected_at is None:
        return True
    return _aware(connected_at) - _aware(answered_at) > limit


@dataclass(frozen=True)
class AbandonmentBucket:
    """The live answers of one bucket of time, from ``start``, and how many were abandoned."""

    start: datetime
    answered: int
    abandoned: int

    def __post_init__(self) -> None:
        _aware(self.start)
        if not 0 <= _count("abandoned", self.abandoned) <= _count("answered", self.answered):
            raise ValidationError("a bucket's abandoned calls are among its live answers")


@dataclass(frozen=True)
class AbandonmentWindow:
    """A campaign's live answers and abandons over a rolling ``period`` (24 h by default; the
    module says why), counted in buckets of ``resolution`` aligned on the Unix epoch (so a
    resolution dividing a day gives UTC midnight-to-midnight days). Immutable: ``recorded``
    returns a new window.

    A call counts in the bucket of its answer; a bucket counts at ``now`` while any of it lies
    within ``(now - period, now]``, so the window spans ``period`` to ``period + resolution``.
    """

    period: timedelta = DEFAULT_PERIOD
    resolution: timedelta = DEFAULT_RESOLUTION
    buckets: tuple[AbandonmentBucket, ...] = ()

    def __post_init__(self) -> None:
        if not timedelta(seconds=1) <= self.period:
            raise ValidationError("an abandonment window's period is at least 1 s")
        if not timedelta(0) < self.resolution <= self.period:
            raise ValidationError("a window's resolution is above 0 and at most its period")
        if self.period / self.resolution > MAX_BUCKETS:
            raise ValidationError(
                f"a window holds at most {MAX_BUCKETS} buckets: use a coarser resolution"
            )

    def _start(self, at: datetime) -> datetime:
        return EPOCH + ((_aware(at) - EPOCH) // self.resolution) * self.resolution

    def _counted(self, now: datetime) -> list[AbandonmentBucket]:
        since = _aware(now) - self.period
        return [b for b in self.buckets if b.start + self.resolution > since and b.start <= now]

    def recorded(self, answered_at: datetime, *, abandoned: bool) -> AbandonmentWindow:
        """This window with one more live answer at ``answered_at``, abandoned or not (record a
        call once, when its outcome is known: within ``CONNECT_LIMIT`` of the answer), less
        the buckets that have left the window as of ``answered_at``."""
        start = self._start(answered_at)
        since = answered_at - self.period
        kept: list[AbandonmentBucket] = []
        added = False
        for bucket in self.buckets:
            counted = bucket
            if bucket.start == start:
                counted = replace(
                    bucket,
                    answered=bucket.answered + 1,
                    abandoned=bucket.abandoned + int(abandoned),
                )
                added = True
            if counted.start + self.resolution > since:
                kept.append(counted)
        if not added:
            kept.append(AbandonmentBucket(start, 1, int(abandoned)))
        kept.sort(key=lambda b: b.start)
        return replace(self, buckets=tuple(kept))

    def trimmed(self, now: datetime) -> AbandonmentWindow:
        """This window without the buckets that have left it as of ``now``."""
        since = _aware(now) - self.period
        kept = tuple(b for b in self.buckets if b.start + self.resolution > since)
        return self if len(kept) == len(self.buckets) else replace(self, buckets=kept)

    def live_answered(self, now: datetime) -> int:
        return sum(b.answered for b in self._counted(now))

    def abandoned(self, now: datetime) -> int:
        return sum(b.abandoned for b in self._counted(now))

    def rate(self, now: datetime) -> float:
        """Abandoned / live answered within the window at ``now`` (0.0 before any answer)."""
        counted = self._counted(now)
        answered = sum(b.answered for b in counted)
        return sum(b.abandoned for b in counted) / answered if answered else 0.0


# -- the ratio control ------------------------------------------------------------------


@dataclass(frozen=True)
class RatioControl:
    """The bands and steps of ``next_ratio`` (the module's table): a rate at or above
    ``ceiling`` drops the ratio to ``floor``; one from ``lower_at``, or a headroom under
    ``reserve`` abandoned calls, lowers it by ``step_down``; one under ``raise_under`` with a
    headroom of twice ``reserve`` raises it by ``step_up`` up to ``max_ratio``; anything else
    leaves it. The defaults held 300 customers on 10 agents under 3 % in the simulation for
    answer rates from 30 % to 90 % and calls of 30 s to 3 min (see the decision record)."""

    ceiling: float = CEILING
    lower_at: float = 0.02
    raise_under: float = 0.01
    floor: float = 1.0
    max_ratio: float = 3.0
    step_up: float = 0.02
    step_down: float = 0.25
    reserve: float = 2.5

    def __post_init__(self) -> None:
        bands = (self.raise_under, self.lower_at, self.ceiling)
        if not all(isinstance(x, float | int) and math.isfinite(x) for x in bands):
            raise ValidationError("a ratio control's rates are finite numbers")
        if not 0 <= self.raise_under <= self.lower_at <= self.ceiling <= 1:
            raise ValidationError("0 <= raise_under <= lower_at <= ceiling <= 1")
        if not 1 <= self.floor <= self.max_ratio <= MAX_RATIO:
            raise ValidationError(f"1 <= floor <= max_ratio <= {MAX_RATIO}")
        if not (0 < self.step_up <= MAX_RATIO and 0 < self.step_down <= MAX_RATIO):
            raise ValidationError("a ratio control's steps are above 0")
        if not (isinstance(self.reserve, float | int) and 0 <= self.reserve <= 1000):
            raise ValidationError("a ratio control's reserve is 0 to 1000 abandoned calls")


DEFAULT_CONTROL = RatioControl()


def _grid(ratio: float) -> float:
    """A ratio rounded to 4 decimals, so steps of 0.02 stay the decimals they print as."""
    return round(ratio, 4)


def next_ratio(
    current: float,
    rate: float,
    control: RatioControl = DEFAULT_CONTROL,
    *,
    answers: int | None = None,
) -> float:
    """The power ratio after one more sample of the abandonment ``rate`` measured over
    ``answers`` live answers (see the module's table): the floor at or above the ceiling, a
    step down near it or with little headroom, a step up well under it with headroom to spare,
    else unchanged; always within ``[floor, max_ratio]``, on a grid of 4 decimals. ``answers``
    None: the headroom is not checked (the rate alone decides)."""
    if not math.isfinite(current) or not math.isfinite(rate) or not 0 <= rate <= 1:
        raise ValidationError(f"a ratio and a rate in [0, 1], got {current!r}, {rate!r}")
    ratio = min(max(current, control.floor), control.max_ratio)
    headroom = math.inf if answers is None else answers * (control.ceiling - rate)
    if rate >= control.ceiling:
        ratio = control.floor
    elif rate >= control.lower_at or headroom < control.reserve:
        ratio = max(control.floor, ratio - control.step_down)
    elif rate < control.raise_under and headroom >= 2 * control.reserve:
        ratio = min(control.max_ratio, ratio + control.step_up)
    return _grid(ratio)
