"""A dialer campaign's measures and pace, pure: GIVEN a campaign's stats, WHEN live answers are
recorded, THEN the window counts them in their buckets, a customer never connected (or, with a
limit, connected too late) is abandoned, waits are measured from the agent node and kept to the
latest ``MAX_WAITS``, power mode moves the ratio by the control (progressive stays at 1), and the
figures give the window's rate and the waits' p50/p99. The dispatch's budget is the pace's
``dial_count`` on the group's agents, the calls in progress and the measured ratio."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from unit.flows.flowkit import flow_of

from chalicelib.campaigns.model import Campaign, Trigger
from chalicelib.dialer import measures, widget
from chalicelib.dialer.agents import Agents
from chalicelib.dialer.calls import DialerCalls, agent_node, occupancy
from chalicelib.dialer.model import Agent, AgentGroup, AgentState, LoginType
from chalicelib.errors import NotFoundError
from chalicelib.flows.widgets import register_widget
from chalicelib.store.dialer_records import DialerCampaignStats

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
S = timedelta(seconds=1)


def stats(**changes: Any) -> DialerCampaignStats:
    return replace(DialerCampaignStats("acme", "api-sales", "sales"), **changes)


def test_a_customer_never_connected_is_abandoned_and_a_wait_is_from_the_node() -> None:
    first = measures.recorded(stats(), NOW, NOW + 7 * S, NOW + 8 * S, NOW + 5 * S)
    assert (first.answered, first.connected, first.abandoned) == (1, 1, 0)
    assert first.waits == (2.0,)
    second = measures.recorded(first, NOW, None, NOW + 20 * S, NOW + 5 * S)
    assert (second.answered, second.connected, second.abandoned) == (2, 1, 1)
    # with the regulators' 2 s, a customer connected 3 s after reaching the node is abandoned
    strict = measures.recorded(stats(), NOW, NOW + 8 * S, NOW + 9 * S, NOW + 5 * S, 2 * S)
    assert (strict.connected, strict.abandoned) == (1, 1)
    figures = measures.figures(second, NOW + 30 * S)
    assert (figures.live_answered, figures.abandoned, figures.abandon_rate) == (2, 1, 0.5)


def test_waits_are_kept_to_the_latest_and_give_their_percentiles() -> None:
    kept = stats()
    for n in range(measures.MAX_WAITS + 10):
        kept = measures.recorded(kept, NOW, NOW + n * S, NOW + n * S)
    assert len(kept.waits) == measures.MAX_WAITS and kept.waits[-1] == measures.MAX_WAITS + 9
    assert measures.percentile([3.0, 1.0, 2.0, 4.0], 0.5) == 2.0
    assert measures.percentile([3.0, 1.0, 2.0, 4.0], 0.99) == 4.0
    assert measures.percentile([], 0.5) == 0.0


def test_power_raises_its_ratio_with_headroom_and_drops_it_on_abandons() -> None:
    power = stats(mode="power", ratio=1.0, max_ratio=3.0)
    for n in range(400):
        power = measures.recorded(power, NOW + n * S, NOW + n * S, NOW + n * S)
    assert power.ratio > 1.0
    for n in range(20):
        power = measures.recorded(power, NOW + (500 + n) * S, None, NOW + (500 + n) * S)
    assert power.ratio == 1.0
    progressive = measures.recorded(stats(ratio=2.0), NOW, NOW, NOW)
    assert progressive.ratio == 1.0


class Group:
    def get(self, account_id: str, group_id: str) -> AgentGroup:
        if group_id != "sales":
            raise NotFoundError("no group")
        return AgentGroup(account_id, group_id, "Sales")


class Staff:
    def __init__(self, states: list[AgentState]) -> None:
        self.agents = [
            Agent("acme", f"a-{n}", "A", "sales", LoginType.LANDLINE, state=state)
            for n, state in enumerate(states)
        ]

    def list(self, account_id: str, group_id: str | None = None) -> list[Agent]:
        return self.agents


class Stats:
    def __init__(self, kept: DialerCampaignStats | None) -> None:
        self.kept = kept

    def get(self, campaign_id: str) -> DialerCampaignStats | None:
        return self.kept

    def save(self, stats: DialerCampaignStats) -> DialerCampaignStats:
        self.kept = replace(stats, version=stats.version + 1)
        return self.kept


def calls(states: list[AgentState], mode: str, kept: DialerCampaignStats | None = None) -> Any:
    register_widget(widget.WIDGET)
    flow = flow_of(
        {
            "agent": {"widget": "agent", "group": "sales", "mode": mode, "next": "bye"},
            "bye": {"widget": "hangup"},
        }
    )
    agents = Agents(Group(), Staff(states))  # type: ignore[arg-type]
    return DialerCalls(agents, Stats(kept), None, lambda flow_id: flow, lambda: NOW)  # type: ignore[arg-type]


CAMPAIGN = Campaign("api-sales", "acme", "sales", Trigger.REST, NOW)
A, W, C, P = AgentState.AVAILABLE, AgentState.WRAP_UP, AgentState.ON_CALL, AgentState.PAUSED


def test_the_budget_is_the_pace_s_count_on_the_group_s_agents() -> None:
    # progressive: one per free agent, less the customers on the way (in progress less talking)
    assert calls([A, A, C, P], "progressive").budget(CAMPAIGN, lambda: 2) == 1
    assert calls([A, A, C], "progressive").budget(CAMPAIGN, lambda: 1) == 2
    assert calls([C, P, W], "progressive").budget(CAMPAIGN, lambda: 1) == 0
    # power: the measured ratio bets on agents free and in wrap-up
    measured = stats(mode="power", ratio=2.0)
    assert calls([A, A, W, C], "power", measured).budget(CAMPAIGN, lambda: 1) == 5
    assert calls([A, A, W, C], "power", None).budget(CAMPAIGN, lambda: 1) == 2


def test_a_flow_without_an_agent_node_is_not_paced_by_the_dialer() -> None:
    flow = flow_of({"bye": {"widget": "hangup"}})
    assert agent_node(flow) is None
    made = calls([A], "progressive")
    made.flow_of = lambda flow_id: flow
    assert made.budget(CAMPAIGN, lambda: 0) is None


def test_occupancy_is_the_working_agents_share_on_calls() -> None:
    agents = [
        Agent("acme", f"a-{n}", "A", "sales", LoginType.LANDLINE, state=s)
        for n, s in enumerate([A, C, W, P, AgentState.LOGGED_OUT])
    ]
    assert occupancy(agents) == round(2 / 3, 4)
    assert occupancy(agents[3:]) is None
