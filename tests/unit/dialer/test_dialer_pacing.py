"""The dialer's pace as pure rules: GIVEN a campaign's agents, customers in flight and queued
and the pacer's room, WHEN the dialer is asked how many to dial, THEN progressive keeps an agent
for every customer and power bets ``ratio - 1`` more per agent, within the caps; GIVEN live
answers and abandons over time, THEN the window's rate is abandoned / live answered over its
rolling period; GIVEN a measured rate, THEN the ratio falls to progressive at the ceiling,
steps down near it, climbs slowly well under it and never oscillates under a steady rate;."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import pytest

from chalicelib.dialer.pacing import (
    CEILING,
    CONNECT_LIMIT,
    DEFAULT_PERIOD,
    MAX_RATIO,
    AbandonmentBucket,
    AbandonmentWindow,
    DialerLoad,
    DialMode,
    RatioControl,
    dial_count,
    is_abandoned,
    next_ratio,
)
from chalicelib.errors import ValidationError

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)
MIN = timedelta(minutes=1)
H = timedelta(hours=1)

# -- how many to dial ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "expected"),
    [
        (DialerLoad(free_agents=5), 5),
        (DialerLoad(free_agents=5, in_flight=2), 3),
        (DialerLoad(free_agents=5, in_flight=2, queued=1), 2),
        (DialerLoad(free_agents=5, in_flight=4, queued=3), 0),  # never negative
        (DialerLoad(free_agents=5, soon_free_agents=7), 5),  # wrap-up is not free
        (DialerLoad(free_agents=0, soon_free_agents=7), 0),
        (DialerLoad(free_agents=0), 0),
    ],
)
def test_progressive_dials_one_customer_per_free_agent_less_those_on_the_way(
    load: DialerLoad, expected: int
) -> None:
    # GIVEN a progressive campaign (a ratio is ignored) WHEN asked THEN free - in flight - queued
    assert dial_count(DialMode.PROGRESSIVE, load) == expected
    assert dial_count("progressive", load, ratio=3) == expected


@pytest.mark.parametrize(
    ("ratio", "load", "expected"),
    [
        (2, DialerLoad(free_agents=5), 10),
        (1.5, DialerLoad(free_agents=3), 4),  # floor(4.5)
        (1.1, DialerLoad(free_agents=10), 11),  # exactly 11, not a float's 10.99...
        (2.3, DialerLoad(free_agents=10), 23),
        (2, DialerLoad(free_agents=5, in_flight=4, queued=2), 4),
        (2, DialerLoad(free_agents=5, soon_free_agents=3), 13),  # 5 + 1 * (5 + 3)
        (3, DialerLoad(free_agents=0, soon_free_agents=2), 4),  # 0 + 2 * 2: agents in wrap-up
        (1.2, DialerLoad(free_agents=2, soon_free_agents=2), 2),  # floor(2 + 0.8)
        (Fraction(3, 2), DialerLoad(free_agents=4), 6),
        (Decimal("1.25"), DialerLoad(free_agents=4), 5),
        (3, DialerLoad(free_agents=5, in_flight=20), 0),
        (3, DialerLoad(free_agents=0), 0),  # no agent, none soon free
    ],
)
def test_power_dials_the_sure_customer_plus_the_bet_per_agent(
    ratio: float, load: DialerLoad, expected: int
) -> None:
    # GIVEN power at a ratio WHEN asked THEN floor(free + (ratio - 1) * (free + soon)) less
    # the customers in flight and queued
    assert dial_count(DialMode.POWER, load, ratio) == expected


def test_power_at_ratio_one_is_progressive_whatever_the_load() -> None:
    # GIVEN loads of every shape WHEN power runs at ratio 1 THEN it dials what progressive does
    for free in range(6):
        for soon in range(4):
            for in_flight in range(8):
                for queued in range(3):
                    load = DialerLoad(free, soon, in_flight, queued)
                    assert dial_count("power", load, 1.0) == dial_count("progressive", load)


@pytest.mark.parametrize(
    ("places", "budget", "progressive", "power"),
    [
        (None, None, 10, 20),
        (4, None, 4, 4),
        (None, 3, 3, 3),
        (4, 3, 3, 3),
        (15, None, 10, 15),
        (None, 12, 10, 12),
        (0, 3, 0, 0),
        (12, 0, 0, 0),
    ],
)
def test_both_modes_stay_within_the_free_places_and_the_carriers_budget(
    places: int | None, budget: int | None, progressive: int, power: int
) -> None:
    # GIVEN 10 free agents (power at ratio 2 wants 20) WHEN the concurrency places or the
    # calls-per-second budget are fewer THEN the fewest win (None: no cap)
    load = DialerLoad(free_agents=10, free_places=places, cps_budget=budget)
    assert dial_count(DialMode.PROGRESSIVE, load) == progressive
    assert dial_count(DialMode.POWER, load, 2) == power


@pytest.mark.parametrize("ratio", [0.99, 0, -1, MAX_RATIO + 0.01, math.nan, math.inf, True, "2"])
def test_a_power_ratio_is_one_to_the_maximum(ratio: object) -> None:
    with pytest.raises(ValidationError):
        dial_count(DialMode.POWER, DialerLoad(free_agents=3), ratio)  # type: ignore[arg-type]


def test_a_ratio_of_the_maximum_is_allowed() -> None:
    assert dial_count(DialMode.POWER, DialerLoad(free_agents=2), MAX_RATIO) == 10


@pytest.mark.parametrize(
    "fields",
    [
        {"free_agents": -1},
        {"free_agents": 1, "in_flight": -1},
        {"free_agents": 1, "queued": 1.5},
        {"free_agents": True},
        {"free_agents": 1, "free_places": -2},
        {"free_agents": 1, "cps_budget": -1},
        {"free_agents": 1, "soon_free_agents": -1},
    ],
)
def test_a_load_is_whole_numbers_of_zero_or_more(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DialerLoad(**fields)  # type: ignore[arg-type]


def test_an_unknown_mode_is_refused() -> None:
    with pytest.raises(ValidationError, match="progressive or power"):
        dial_count("predictive", DialerLoad(free_agents=1))


# -- what is abandoned and the window ------------------------------------------------------


@pytest.mark.parametrize(
    ("connected_after", "abandoned"),
    [
        (timedelta(0), False),
        (CONNECT_LIMIT, False),
        (CONNECT_LIMIT + timedelta(milliseconds=1), True),  # served, but late: abandoned
        (timedelta(seconds=30), True),
        (None, True),  # hung up while waiting, or let go at the hold limit
    ],
)
def test_a_live_answer_not_connected_within_two_seconds_is_abandoned(
    connected_after: timedelta | None, abandoned: bool
) -> None:
    connected = None if connected_after is None else T0 + connected_after
    assert is_abandoned(T0, connected) is abandoned


def test_the_connect_limit_may_be_set() -> None:
    assert not is_abandoned(T0, T0 + 9 * S, limit=10 * S)
    assert is_abandoned(T0, T0 + 11 * S, limit=10 * S)


def test_times_must_carry_a_zone() -> None:
    with pytest.raises(ValidationError):
        is_abandoned(datetime(2024, 5, 1, 12), T0)
    with pytest.raises(ValidationError):
        AbandonmentWindow().recorded(datetime(2024, 5, 1, 12), abandoned=False)


def _window(calls: list[tuple[datetime, bool]], **fields: timedelta) -> AbandonmentWindow:
    window = AbandonmentWindow(**fields)
    for at, abandoned in calls:
        window = window.recorded(at, abandoned=abandoned)
    return window


def test_the_rate_is_abandoned_over_live_answered() -> None:
    # GIVEN 40 live answers, 3 of them abandoned, within an hour
    calls = [(T0 + i * MIN, i in {5, 17, 30}) for i in range(40)]
    window = _window(calls)
    # THEN the window counts them and the rate is 3 / 40
    now = T0 + H
    assert (window.live_answered(now), window.abandoned(now)) == (40, 3)
    assert window.rate(now) == pytest.approx(3 / 40)


def test_an_empty_window_has_no_abandons() -> None:
    assert AbandonmentWindow().rate(T0) == 0.0
    assert AbandonmentWindow().live_answered(T0) == 0


def test_a_window_is_immutable_and_recording_returns_a_new_one() -> None:
    empty = AbandonmentWindow()
    one = empty.recorded(T0, abandoned=True)
    assert empty.buckets == ()
    assert one.rate(T0) == 1.0
    with pytest.raises(AttributeError):
        one.period = H  # type: ignore[misc]


def test_the_default_window_is_a_day() -> None:
    assert timedelta(hours=24) == DEFAULT_PERIOD
    assert AbandonmentWindow().period == DEFAULT_PERIOD


def test_calls_leave_the_rolling_window_after_its_period() -> None:
    # GIVEN a bad hour (5 of 10 abandoned) and, 20 h later, a good one (0 of 90)
    bad = [(T0 + i * MIN, i < 5) for i in range(10)]
    good = [(T0 + 20 * H + i * 30 * S, False) for i in range(90)]
    window = _window(bad + good)
    # WHEN the day is not over THEN both count; once the bad hour is a day old THEN it leaves
    assert window.rate(T0 + 21 * H) == pytest.approx(5 / 100)
    assert window.rate(T0 + 25 * H) == 0.0
    assert window.live_answered(T0 + 25 * H) == 90


def test_the_window_spans_its_period_to_a_resolution_more() -> None:
    # GIVEN an abandon at 12:05 (in the 12:00 bucket of 15 minutes)
    window = _window([(T0 + 5 * MIN, True)])
    # THEN it counts until the whole bucket has left the 24 h window, not a moment longer
    assert window.abandoned(T0 + 24 * H + 14 * MIN) == 1
    assert window.abandoned(T0 + 24 * H + 15 * MIN) == 0
    # and not before it happened (its bucket is in the future)
    assert window.abandoned(T0 - MIN) == 0


def test_at_midnight_the_window_holds_that_utc_day() -> None:
    # GIVEN calls just before a day, on it and just after it (Ofcom: midnight to midnight)
    day = datetime(2024, 5, 2, tzinfo=UTC)
    calls = [(day - MIN, True), (day, False), (day + 12 * H, True), (day + 24 * H - MIN, False)]
    window = _window(calls)
    # WHEN the day ends THEN the window is exactly its calls
    assert (window.live_answered(day + 24 * H), window.abandoned(day + 24 * H)) == (3, 1)


def test_a_window_keeps_a_bounded_number_of_buckets() -> None:
    # GIVEN three days of a call every 5 minutes
    window = _window([(T0 + i * 5 * MIN, False) for i in range(3 * 24 * 12)])
    # THEN it holds one day's buckets, not three
    assert len(window.buckets) <= DEFAULT_PERIOD / window.resolution + 1
    trimmed = window.trimmed(T0 + 10 * 24 * H)
    assert trimmed.buckets == ()
    assert trimmed.trimmed(T0 + 10 * 24 * H) is trimmed


def test_a_thirty_day_window_may_be_kept_too() -> None:
    # GIVEN the TSR's 30 days at an hour's resolution
    window = _window(
        [(T0 + i * 24 * H, i == 0) for i in range(30)], period=timedelta(days=30), resolution=H
    )
    assert window.rate(T0 + 29 * 24 * H) == pytest.approx(1 / 30)
    assert window.rate(T0 + 30 * 24 * H + H) == 0.0


def test_times_in_any_zone_fall_in_the_same_buckets() -> None:
    paris = timezone(timedelta(hours=2))
    window = _window([(T0, True), (T0.astimezone(paris) + MIN, False)])
    assert len(window.buckets) == 1
    assert window.rate(T0 + H) == 0.5


@pytest.mark.parametrize(("answered", "abandoned"), [(1, 2), (-1, 0), (3, -1)])
def test_a_bucket_counts_its_abandons_among_its_live_answers(answered: int, abandoned: int) -> None:
    with pytest.raises(ValidationError):
        AbandonmentBucket(T0, answered, abandoned)


@pytest.mark.parametrize(
    "fields",
    [
        {"period": timedelta(milliseconds=10)},
        {"resolution": timedelta(0)},
        {"resolution": timedelta(hours=25)},
        {"period": timedelta(days=365), "resolution": S},
    ],
)
def test_a_window_needs_a_sound_period_and_resolution(fields: dict[str, timedelta]) -> None:
    with pytest.raises(ValidationError):
        AbandonmentWindow(**fields)


# -- the ratio control ---------------------------------------------------------------------

CONTROL = RatioControl()
PLENTY = 10_000  # live answers: headroom to spare


@pytest.mark.parametrize("current", [1.0, 1.6, 2.5, 3.0])
@pytest.mark.parametrize("rate", [CEILING, 0.031, 0.2, 1.0])
def test_at_or_above_the_ceiling_power_falls_back_to_progressive(
    current: float, rate: float
) -> None:
    assert next_ratio(current, rate, CONTROL, answers=PLENTY) == 1.0
    assert next_ratio(current, rate) == 1.0


@pytest.mark.parametrize(("current", "expected"), [(3.0, 2.75), (1.6, 1.35), (1.1, 1.0)])
def test_near_the_ceiling_the_ratio_steps_down_not_below_one(
    current: float, expected: float
) -> None:
    assert next_ratio(current, 0.025, CONTROL, answers=PLENTY) == expected
    assert next_ratio(current, 0.02, CONTROL, answers=PLENTY) == expected


@pytest.mark.parametrize("rate", [0.01, 0.015, 0.0199])
def test_between_the_bands_the_ratio_holds(rate: float) -> None:
    assert next_ratio(1.7, rate, CONTROL, answers=PLENTY) == 1.7


@pytest.mark.parametrize(("current", "expected"), [(1.0, 1.02), (2.5, 2.52), (2.99, 3.0)])
def test_well_under_the_ceiling_the_ratio_climbs_slowly_up_to_its_maximum(
    current: float, expected: float
) -> None:
    assert next_ratio(current, 0.0, CONTROL, answers=PLENTY) == expected
    assert next_ratio(current, 0.009, CONTROL, answers=PLENTY) == expected
    assert next_ratio(3.0, 0.0, CONTROL, answers=PLENTY) == 3.0


def test_it_climbs_only_with_headroom_for_a_burst_of_abandons() -> None:
    # GIVEN no abandon yet: the headroom is 3 % of the live answers
    # WHEN fewer than 167 live answers are measured (headroom under twice the reserve of 2.5)
    # THEN the ratio does not climb; under 84 (headroom under the reserve) it even steps down
    assert next_ratio(1.0, 0.0, CONTROL, answers=0) == 1.0
    assert next_ratio(2.0, 0.0, CONTROL, answers=83) == 1.75
    assert next_ratio(2.0, 0.0, CONTROL, answers=84) == 2.0
    assert next_ratio(2.0, 0.0, CONTROL, answers=166) == 2.0
    assert next_ratio(2.0, 0.0, CONTROL, answers=167) == 2.02
    # AND a rate under 1 % over few answers still has too little headroom
    assert next_ratio(2.0, 0.005, CONTROL, answers=60) == 1.75
    assert next_ratio(2.0, 0.005, CONTROL, answers=120) == 2.0
    assert next_ratio(2.0, 0.005, CONTROL, answers=201) == 2.02


def test_a_ratio_out_of_bounds_is_brought_within_them() -> None:
    assert next_ratio(0.5, 0.015, CONTROL) == 1.0
    assert next_ratio(4.5, 0.015, CONTROL) == 3.0


def test_the_ratio_stays_on_its_decimal_grid() -> None:
    # GIVEN 100 steps up from 1.0 WHEN the rate stays at 0 THEN it reaches exactly 3.0
    ratios = [1.0]
    for _ in range(100):
        ratios.append(next_ratio(ratios[-1], 0.0, CONTROL, answers=PLENTY))
    assert ratios[50] == 2.0
    assert ratios[-1] == 3.0
    assert all(Fraction(repr(r)).denominator <= 50 for r in ratios)


@pytest.mark.parametrize("start", [1.0, 1.37, 2.0, 3.0])
@pytest.mark.parametrize("rate", [0.0, 0.005, 0.01, 0.015, 0.02, 0.025, 0.0299, 0.03, 0.1])
@pytest.mark.parametrize("answers", [None, 0, 50, 100, 150, PLENTY])
def test_a_steady_rate_never_makes_the_ratio_oscillate(
    start: float, rate: float, answers: int | None
) -> None:
    # GIVEN a steady rate (and count of answers) WHEN the control runs 300 times
    ratios = [start]
    for _ in range(300):
        ratios.append(next_ratio(ratios[-1], rate, CONTROL, answers=answers))
    steps = [b - a for a, b in itertools.pairwise(ratios)]
    # THEN the ratio moves one way only, then settles at a fixed point within its bounds
    assert all(s >= 0 for s in steps) or all(s <= 0 for s in steps)
    assert ratios[-1] == ratios[-2] == next_ratio(ratios[-1], rate, CONTROL, answers=answers)
    assert all(CONTROL.floor <= r <= CONTROL.max_ratio for r in ratios[1:])


@pytest.mark.parametrize(
    "fields",
    [
        {"ceiling": 0.01, "lower_at": 0.02},
        {"raise_under": 0.025},
        {"ceiling": 1.5, "lower_at": 1.2, "raise_under": 1.1},
        {"ceiling": math.nan},
        {"floor": 0.5},
        {"max_ratio": 0.9},
        {"max_ratio": MAX_RATIO + 1},
        {"step_up": 0},
        {"step_down": -0.1},
        {"reserve": -1},
    ],
)
def test_a_control_needs_ordered_bands_and_positive_steps(fields: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        RatioControl(**fields)


@pytest.mark.parametrize(("current", "rate"), [(math.nan, 0.0), (2.0, math.nan), (2.0, -0.1)])
def test_a_ratio_and_a_rate_must_be_numbers_in_range(current: float, rate: float) -> None:
    with pytest.raises(ValidationError):
        next_ratio(current, rate)
