"""A seeded discrete-event simulation of a dialer campaign (``simulate``): customers dialled by
``dialer.pacing``'s ``dial_count``, answers live or not, agents talking and wrapping up, the
abandonment window and the ratio control at work; what it gives (``SimResult``) is what decision
0040 measured and what the bench of a campaign will print. Pure: its randomness is a seeded
``random.Random``; imports the standard library, ``chalicelib.errors`` and ``dialer.pacing``
only; must not import the store, pynamodb, boto3, web or the campaigns' pacer.
"""

from __future__ import annotations

import bisect
import heapq
import math
import random
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from chalicelib.dialer.pacing import (
    CONNECT_LIMIT,
    AbandonmentWindow,
    DialerLoad,
    DialMode,
    RatioControl,
    _count,
    _mode,
    dial_count,
    is_abandoned,
    next_ratio,
)
from chalicelib.errors import ValidationError


def _percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (0.0 of nothing)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _most_at_once(intervals: Iterable[tuple[float, float]]) -> int:
    """The most half-open intervals ``[start, end)`` that overlap at any instant."""
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    most = now = 0
    for _, step in edges:  # an end sorts before a start at the same time (-1 < 1)
        now += step
        most = max(most, now)
    return most


@dataclass(frozen=True)
class SimResult:
    """What a simulated campaign did. ``abandon_rate`` = abandoned / live_answered;
    ``released``: abandoned customers never connected (the service reschedules them);
    ``occupancy``: the agents' talk and wrap-up time over their time logged in (the whole
    run); ``wait_p50``/``wait_p99`` (s): each live-answered customer's wait for an agent (a
    customer never connected counts with the time they waited); ``max_calls_per_agent``: the
    most calls any agent held at once (1 when no agent ever got two); ``max_dials_per_second``:
    the most dials in any rolling second; ``max_in_progress``: the most calls in progress at
    once (ringing, waiting or talking)."""

    customers: int
    dialled: int
    live_answered: int
    connected: int
    abandoned: int
    released: int
    abandon_rate: float
    occupancy: float
    wait_p50: float
    wait_p99: float
    max_calls_per_agent: int
    max_dials_per_second: int
    max_in_progress: int
    duration: float
    lowest_ratio: float
    highest_ratio: float
    final_ratio: float
    ratios: tuple[float, ...] = field(default=(), repr=False)


@dataclass
class _Customer:
    answered: float | None = None
    connected: float | None = None
    left: float | None = None
    recorded: bool = False


@dataclass
class _Run:
    """The simulation's mutable state (private to ``simulate``)."""

    rng: random.Random
    start: datetime
    window: AbandonmentWindow
    ratio: float
    idle: deque[int]
    waiting: deque[int] = field(default_factory=deque)
    people: list[_Customer] = field(default_factory=list)
    events: list[tuple[float, int, str, int]] = field(default_factory=list)
    wrapping: int = 0
    talking: int = 0
    in_flight: int = 0
    dials: list[float] = field(default_factory=list)
    calls: dict[int, list[tuple[float, float]]] = field(default_factory=dict)
    ratios: list[float] = field(default_factory=list)
    busy: float = 0.0
    seq: int = 0
    end: float = 0.0
    most_live: int = 0

    def at(self, when: float, kind: str, who: int) -> None:
        self.seq += 1
        heapq.heappush(self.events, (when, self.seq, kind, who))

    def time(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)


def simulate(
    customers: int,
    agents: int,
    *,
    answer_probability: float,
    talk_seconds: float,
    wrap_up_seconds: float,
    hold_limit_seconds: float,
    mode: DialMode | str,
    ratio: float = 1.0,
    control: RatioControl | None = None,
    connect_limit_seconds: float = CONNECT_LIMIT.total_seconds(),
    ring_seconds: tuple[float, float] = (3.0, 15.0),
    no_answer_seconds: float = 26.0,
    patience_seconds: float | None = None,
    calls_per_second: int = 3,
    max_concurrent: int | None = None,
    tick_seconds: float = 1.0,
    count_wrap_up: bool = True,
    seed: int = 0,
) -> SimResult:
    """A dialer campaign of ``customers`` and ``agents``, as discrete events with a seeded RNG.

    Every ``tick_seconds`` the dialer is asked ``dial_count`` (the agents idle and, when
    ``count_wrap_up``, in wrap-up; the calls in flight and queued; the places a
    ``max_concurrent`` cap on calls in progress leaves; ``calls_per_second`` less the dials of
    the last second). A dialled customer answers live with ``answer_probability``, after a
    uniform ``ring_seconds``; the others fail after a uniform time up to ``no_answer_seconds``
    (no answer, busy, a machine). A live customer goes to the agent idle longest, or waits in
    order; one still waiting at ``hold_limit_seconds`` is let go, and with
    ``patience_seconds`` (the mean of an exponential wait) may hang up first. A call lasts
    ``talk_seconds`` * uniform(0.5, 1.5), then ``wrap_up_seconds`` of wrap-up. Each live answer
    is recorded in an ``AbandonmentWindow`` once its outcome is known (``is_abandoned`` with
    ``connect_limit_seconds``), and then, with a ``control``, the ratio takes ``next_ratio``
    (starting from ``ratio``: 1, as a campaign starts); without one it stays ``ratio``. Nobody
    is called twice (the service would reschedule the ``released``)."""
    mode = _mode(mode)
    _count("customers", customers)
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValidationError("a simulation needs at least 1 agent")
    if not 0 <= answer_probability <= 1:
        raise ValidationError("answer_probability is in [0, 1]")
    if min(talk_seconds, wrap_up_seconds, hold_limit_seconds, connect_limit_seconds) < 0:
        raise ValidationError("durations are >= 0")
    if not 0 < ring_seconds[0] <= ring_seconds[1] <= no_answer_seconds:
        raise ValidationError("0 < ring_seconds[0] <= ring_seconds[1] <= no_answer_seconds")
    if tick_seconds <= 0 or calls_per_second < 1:
        raise ValidationError("tick_seconds above 0 and calls_per_second at least 1")
    if max_concurrent is not None and max_concurrent < 1:
        raise ValidationError("max_concurrent is at least 1")
    limit = timedelta(seconds=connect_limit_seconds)
    run = _Run(
        rng=random.Random(seed),
        start=datetime(2024, 1, 1, 9, tzinfo=UTC),
        window=AbandonmentWindow(),
        ratio=ratio if mode is DialMode.POWER else 1.0,
        idle=deque(range(agents)),
        people=[_Customer() for _ in range(customers)],
    )
    run.ratios.append(run.ratio)
    undialled = deque(range(customers))

    def record(who: int, now: float) -> None:
        person = run.people[who]
        if person.recorded or person.answered is None:
            return
        person.recorded = True
        connected = None if person.connected is None else run.time(person.connected)
        gone = is_abandoned(run.time(person.answered), connected, limit)
        run.window = run.window.recorded(run.time(person.answered), abandoned=gone)
        if control is not None and mode is DialMode.POWER:
            at = run.time(now)
            run.ratio = next_ratio(
                run.ratio, run.window.rate(at), control, answers=run.window.live_answered(at)
            )
            run.ratios.append(run.ratio)

    def connect(who: int, agent: int, now: float) -> None:
        person = run.people[who]
        person.connected = now
        talk = talk_seconds * run.rng.uniform(0.5, 1.5)
        run.calls.setdefault(agent, []).append((now, now + talk + wrap_up_seconds))
        run.busy += talk + wrap_up_seconds
        run.talking += 1
        run.at(now + talk, "talked", agent)
        run.at(now + talk + wrap_up_seconds, "free", agent)
        record(who, now)  # in time, or already recorded abandoned at the limit

    def tick(now: float) -> None:
        recent = len(run.dials) - bisect.bisect_right(run.dials, now - 1.0)
        talking_or_waiting = run.talking + len(run.waiting)
        places = None
        if max_concurrent is not None:
            places = max(0, max_concurrent - run.in_flight - talking_or_waiting)
        load = DialerLoad(
            free_agents=len(run.idle),
            soon_free_agents=run.wrapping if count_wrap_up else 0,
            in_flight=run.in_flight,
            queued=len(run.waiting),
            free_places=places,
            cps_budget=max(0, calls_per_second - recent),
        )
        for _ in range(min(dial_count(mode, load, run.ratio), len(undialled))):
            who = undialled.popleft()
            run.dials.append(now)
            run.in_flight += 1
            if run.rng.random() < answer_probability:
                run.at(now + run.rng.uniform(*ring_seconds), "answered", who)
            else:
                run.at(now + run.rng.uniform(ring_seconds[0], no_answer_seconds), "failed", who)
        if undialled:
            run.at(now + tick_seconds, "tick", -1)

    def leave(who: int, now: float) -> None:
        person = run.people[who]
        if person.connected is None and person.left is None:
            person.left = now
            run.waiting.remove(who)
            record(who, now)

    run.at(0.0, "tick", -1)
    while run.events:
        now, _, kind, who = heapq.heappop(run.events)
        run.end = max(run.end, now)
        if kind == "tick":
            tick(now)
            in_progress = run.in_flight + len(run.waiting) + run.talking
            run.most_live = max(run.most_live, in_progress)
        elif kind == "failed":
            run.in_flight -= 1
        elif kind == "answered":
            run.in_flight -= 1
            run.people[who].answered = now
            if run.idle:
                connect(who, run.idle.popleft(), now)
                continue
            run.waiting.append(who)
            run.at(now + connect_limit_seconds, "limit", who)
            run.at(now + hold_limit_seconds, "hold_limit", who)
            if patience_seconds is not None:
                run.at(now + run.rng.expovariate(1 / patience_seconds), "hung_up", who)
        elif kind == "limit":  # not connected in time: abandoned, whatever follows
            if run.people[who].connected is None:
                record(who, now)
        elif kind in {"hold_limit", "hung_up"}:
            leave(who, now)
        elif kind == "talked":
            run.talking -= 1
            run.wrapping += 1
        elif kind == "free":
            run.wrapping -= 1
            if run.waiting:
                connect(run.waiting.popleft(), who, now)
            else:
                run.idle.append(who)

    live = [(p.answered, p) for p in run.people if p.answered is not None]
    abandoned = sum(
        1
        for answered, p in live
        if is_abandoned(
            run.time(answered), None if p.connected is None else run.time(p.connected), limit
        )
    )
    waits = [
        (p.connected if p.connected is not None else p.left or answered) - answered
        for answered, p in live
    ]
    most_dials = first = 0
    for last, dialled_at in enumerate(run.dials):  # dialled in time order
        while run.dials[first] <= dialled_at - 1.0:
            first += 1
        most_dials = max(most_dials, last - first + 1)
    return SimResult(
        customers=customers,
        dialled=len(run.dials),
        live_answered=len(live),
        connected=sum(1 for _, p in live if p.connected is not None),
        abandoned=abandoned,
        released=sum(1 for _, p in live if p.connected is None),
        abandon_rate=abandoned / len(live) if live else 0.0,
        occupancy=run.busy / (agents * run.end) if run.end else 0.0,
        wait_p50=_percentile(waits, 0.50),
        wait_p99=_percentile(waits, 0.99),
        max_calls_per_agent=max(
            (_most_at_once(intervals) for intervals in run.calls.values()), default=0
        ),
        max_dials_per_second=most_dials,
        max_in_progress=run.most_live,
        duration=run.end,
        lowest_ratio=min(run.ratios),
        highest_ratio=max(run.ratios),
        final_ratio=run.ratio,
        ratios=tuple(run.ratios),
    )
