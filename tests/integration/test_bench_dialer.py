"""The dialer's bench runs shrunk (20 customers, 3 agents) in both modes through the whole
platform: every customer is concluded with the outcome their number's behaviour leads to, no
agent ever has two calls at once (on the network or in their events), nothing is left busy or
in the live picture, progressive dialling abandons nobody, and the figures are printed beside
the model's. Never asserts a time."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

import pytest

from bench import dialer

CUSTOMERS = 20
AGENTS = 3


@pytest.fixture(autouse=True)
def _service_logger_kept() -> Iterator[None]:
    """The bench runs the platform as deployed (its service logger's level, propagation and
    handlers as on Lambda); the tests after it in this process get the logger they had."""
    logger = logging.getLogger("ringflow")
    kept = (logger.level, logger.propagate, list(logger.handlers))
    yield
    logger.setLevel(kept[0])
    logger.propagate = kept[1]
    logger.handlers[:] = kept[2]


@pytest.mark.parametrize("mode", dialer.MODES)
def test_the_dialer_bench_runs_a_whole_campaign_through_the_platform(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    kinds = Counter(kind for _, kind, _ in dialer.customers(CUSTOMERS))
    assert kinds == Counter({"live": 14, "busy": 3, "no_answer": 2, "machine": 1})
    figures = dialer.measure(mode, CUSTOMERS, AGENTS)
    # THEN every customer is concluded: the people talked, the rest as their phones behaved
    assert figures.unconcluded == 0
    assert sum(figures.outcomes.values()) == CUSTOMERS
    assert figures.outcomes["busy"] == 3 and figures.outcomes["no_answer"] == 2
    assert figures.outcomes["machine"] == 1
    assert figures.outcomes["completed"] == 14
    # busy and unanswered customers are called twice (one retry round), the abandoned again
    assert figures.placed == CUSTOMERS + 5 + figures.abandoned
    # AND no agent ever had two calls at once, and every agent is free again at the end
    assert figures.most_calls_per_agent == 1
    assert figures.events_alternate
    assert figures.agents_not_available == {} and figures.live_calls_left == 0
    assert not figures.task_failures, figures.failure_logs
    # AND the campaign measured every live answer; each connected customer waited for an agent
    assert figures.live_answers == 14 + figures.abandoned
    assert figures.connected == 14 and len(figures.waits) == 14
    assert all(w >= 0 for w in figures.waits) and figures.wait(0.5) <= figures.wait(0.99)
    assert 0 < figures.occupancy < 1 and figures.duration > 0
    if mode == "progressive":
        assert figures.abandoned == 0 and figures.abandon_rate == 0
    assert figures.model.customers == CUSTOMERS and figures.model.max_calls_per_agent == 1
    dialer.print_figures([figures])
    printed = capsys.readouterr().out
    assert "most calls an agent had at once" in printed and "model" in printed
