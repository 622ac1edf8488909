"""A simulated dialer campaign (``dialer.simulation``): GIVEN 300 customers and 10 agents, THEN
progressive never abandons, a fixed high ratio abandons far more than 3 %, the control holds the
rate under 3 %, a concurrency cap holds, the same seed gives the same run, and no agent ever holds
two calls."""

from __future__ import annotations

import pytest

from chalicelib.dialer.pacing import CEILING, RatioControl
from chalicelib.dialer.simulation import SimResult, _most_at_once, simulate
from chalicelib.errors import ValidationError

# -- the simulation: 300 customers, 10 agents ----------------------------------------------

CAMPAIGN = {
    "customers": 300,
    "agents": 10,
    "talk_seconds": 60.0,
    "wrap_up_seconds": 10.0,
    "hold_limit_seconds": 15.0,
}


def _no_agent_ever_held_two_calls(result: SimResult) -> None:
    assert result.max_calls_per_agent == 1
    assert result.dialled == result.customers
    assert result.max_dials_per_second <= 3  # the carrier's rate in any rolling second


@pytest.mark.parametrize("answer_probability", [0.3, 0.7, 1.0])
def test_progressive_never_abandons(answer_probability: float) -> None:
    # GIVEN a progressive campaign WHEN it calls all 300 customers
    result = simulate(**CAMPAIGN, answer_probability=answer_probability, mode="progressive")
    # THEN every live answer found an agent at once
    assert result.abandoned == result.released == 0
    assert result.abandon_rate == 0.0
    assert result.connected == result.live_answered > 0
    assert result.wait_p50 == result.wait_p99 == 0.0
    assert result.final_ratio == 1.0
    _no_agent_ever_held_two_calls(result)


def test_power_at_a_high_fixed_ratio_abandons_far_more_than_three_percent() -> None:
    # GIVEN power at a fixed ratio of 3 (no control) WHEN 70 % answer live
    result = simulate(**CAMPAIGN, answer_probability=0.7, mode="power", ratio=3.0)
    # THEN the agents are busier, customers wait and many are abandoned
    assert result.abandon_rate > 10 * CEILING
    assert result.released > 0
    assert 0 < result.wait_p50 <= result.wait_p99 <= CAMPAIGN["hold_limit_seconds"]
    assert result.lowest_ratio == result.highest_ratio == 3.0
    progressive = simulate(**CAMPAIGN, answer_probability=0.7, mode="progressive")
    assert result.occupancy > progressive.occupancy
    assert result.duration < progressive.duration
    _no_agent_ever_held_two_calls(result)


@pytest.mark.parametrize("seed", range(5))
def test_with_the_control_power_stays_under_the_ceiling(seed: int) -> None:
    # GIVEN the same campaign in power with the ratio control (starting at 1, up to 3)
    result = simulate(
        **CAMPAIGN, answer_probability=0.7, mode="power", control=RatioControl(), seed=seed
    )
    # THEN the ratio climbed above progressive, fell back, and the rate stayed under 3 %
    assert result.highest_ratio > 1.5
    assert result.lowest_ratio == 1.0
    assert result.abandon_rate <= CEILING
    assert result.live_answered > 150
    _no_agent_ever_held_two_calls(result)


def test_the_control_works_with_impatient_customers_and_agents_in_wrap_up_left_out() -> None:
    result = simulate(
        **CAMPAIGN,
        answer_probability=0.7,
        mode="power",
        control=RatioControl(),
        patience_seconds=5.0,
        count_wrap_up=False,
    )
    assert result.abandon_rate <= CEILING
    _no_agent_ever_held_two_calls(result)


def test_a_concurrency_cap_holds_the_calls_in_progress() -> None:
    # GIVEN a cap of 8 calls in progress WHEN power at 3 runs THEN never more than 8 at once
    result = simulate(**CAMPAIGN, answer_probability=0.7, mode="power", ratio=3.0, max_concurrent=8)
    assert result.max_in_progress <= 8
    _no_agent_ever_held_two_calls(result)
    uncapped = simulate(**CAMPAIGN, answer_probability=0.7, mode="power", ratio=3.0)
    assert uncapped.max_in_progress > 8


def test_a_simulation_is_the_same_for_the_same_seed() -> None:
    fields = {**CAMPAIGN, "answer_probability": 0.5, "mode": "power", "control": RatioControl()}
    assert simulate(**fields, seed=7) == simulate(**fields, seed=7)  # type: ignore[arg-type]
    assert simulate(**fields, seed=7) != simulate(**fields, seed=8)  # type: ignore[arg-type]


def test_no_customer_answers_no_one_is_abandoned() -> None:
    result = simulate(**CAMPAIGN, answer_probability=0.0, mode="power", ratio=2.0)
    assert (result.live_answered, result.abandon_rate, result.wait_p99) == (0, 0.0, 0.0)
    assert result.max_calls_per_agent == 0
    assert result.occupancy == 0.0


def test_the_measure_of_two_calls_at_once_sees_an_overlap() -> None:
    # the figure the simulation reports would catch an agent given two calls
    assert _most_at_once([(0.0, 10.0), (10.0, 20.0)]) == 1  # back to back
    assert _most_at_once([(0.0, 10.0), (9.0, 20.0)]) == 2
    assert _most_at_once([]) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"agents": 0},
        {"customers": -1},
        {"answer_probability": 1.5},
        {"talk_seconds": -1.0},
        {"ring_seconds": (0.0, 5.0)},
        {"ring_seconds": (5.0, 40.0)},
        {"calls_per_second": 0},
        {"tick_seconds": 0.0},
        {"max_concurrent": 0},
        {"mode": "predictive"},
    ],
)
def test_a_simulation_refuses_unsound_settings(fields: dict[str, object]) -> None:
    settings: dict[str, object] = {**CAMPAIGN, "answer_probability": 0.5, "mode": "progressive"}
    with pytest.raises(ValidationError):
        simulate(**{**settings, **fields})  # type: ignore[arg-type]
