"""The dialer's side of its calls: the ``agent`` widget's question answered within the step
(``claim``: the group's longest-idle available agent given to the call), its effects run
(``release`` an agent, ``record_answer`` a customer's wait into the campaign's measures,
``show`` a call's stage in the live picture), how many customers a dialer campaign may dial now
(``budget``, the campaigns' dial-budget hook: ``pacing.dial_count`` on the group's agents, the
calls in progress and the ratio the campaign measured) and the live picture itself (``board``).

The stores are behind protocols and the flows behind a function; the clock is a parameter.
Imports the dialer's modules, the campaigns' model and the platform's errors; must not import
pynamodb, the store's modules or the web layer.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.campaigns.model import Campaign
from chalicelib.dialer import measures
from chalicelib.dialer.agent_node import AgentConfig
from chalicelib.dialer.agents import Agents
from chalicelib.dialer.model import Agent, AgentState
from chalicelib.dialer.pacing import DialerLoad, dial_count
from chalicelib.dialer.queries import ClaimAgent, GivenAgent, NoAgentFree, NoSuchGroup
from chalicelib.dialer.tasks import CheckClaim, LiveCallChanged, RecordAnswer, ReleaseAgent
from chalicelib.errors import NotFoundError, StaleStateError
from chalicelib.flows.model import Flow
from chalicelib.flows.state import CallState
from chalicelib.store.dialer_records import DialerCampaignStats, LiveCall

ATTEMPTS = 5
"""Reads and writes of a campaign's measures before a change gives up (the task retries)."""
CHECK_AFTER_RING = 30
"""Seconds after an agent leg's ring time a claim is first looked at again."""
CHECK_AGAIN_SECONDS = 300
"""How often a claim still in use (a long talk) is looked at again."""
NODE_SECONDS = timedelta(seconds=5)
"""How long a flow's agent node (or its having none) is kept per process: a new version of the
flow paces its campaigns within this."""
NODES_KEPT = 256
RECENT = timedelta(days=1)
"""A campaign changed within this is woken when one of its group's agents is free."""


class StatsStore(Protocol):
    """Dialer campaigns' measures (``store.dialer_campaigns``)."""

    def get(self, campaign_id: str) -> DialerCampaignStats | None: ...

    def save(self, stats: DialerCampaignStats) -> DialerCampaignStats: ...

    def list(self, account_id: str) -> builtins.list[DialerCampaignStats]: ...

    def recent(
        self, account_id: str, group_id: str, since: datetime
    ) -> builtins.list[DialerCampaignStats]: ...


class LiveStore(Protocol):
    """Dialer calls in progress (``store.dialer_live``)."""

    def put(self, call: LiveCall) -> bool: ...

    def list(self, account_id: str) -> builtins.list[LiveCall]: ...


FlowOf = Callable[[str], Flow]
"""The latest version of a flow, by id (``NotFoundError``)."""


def agent_node(flow: Flow) -> AgentConfig | None:
    """The flow's (first) agent node, by node id: what paces its campaigns; None when it has
    none (not a dialer flow)."""
    for node_id in sorted(flow.nodes):
        node = flow.nodes[node_id]
        if isinstance(node, AgentConfig):
            return node
    return None


@dataclass(frozen=True)
class Board:
    """The live picture of an account's dialer at one moment."""

    at: datetime
    agents: tuple[Agent, ...]
    calls: tuple[LiveCall, ...]
    campaigns: tuple[measures.Figures, ...]

    def as_json(self) -> dict[str, Any]:
        """The picture as JSON values."""
        return {
            "at": self.at.isoformat(),
            "agents": [
                {
                    "agent_id": a.agent_id,
                    "name": a.name,
                    "group_id": a.group_id,
                    "state": a.state.value,
                    "since": a.state_since.isoformat() if a.state_since else None,
                    "call_id": a.call_ref.split(":", 1)[0] if a.call_ref else None,
                }
                for a in self.agents
            ],
            "calls": [
                {
                    "call_id": c.call_id,
                    "group_id": c.group_id,
                    "campaign_id": c.campaign_id or None,
                    "customer": c.customer,
                    "stage": c.stage,
                    "agent_id": c.agent_id or None,
                    "since": c.since.isoformat(),
                }
                for c in self.calls
            ],
            "campaigns": [vars(f) for f in self.campaigns],
            "occupancy": occupancy(self.agents),
        }


def occupancy(agents: Sequence[Agent]) -> float | None:
    """The share of logged-in, unpaused agents on a call or wrapping one up now (None when no
    agent is working)."""
    working = [
        a
        for a in agents
        if a.state in (AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.WRAP_UP)
    ]
    if not working:
        return None
    busy = sum(1 for a in working if a.state is not AgentState.AVAILABLE)
    return round(busy / len(working), 4)


@dataclass
class DialerCalls:
    """The dialer's side of its calls (see the module)."""

    agents: Agents
    stats: StatsStore
    live: LiveStore
    flow_of: FlowOf
    clock: Callable[[], datetime]
    check_later: Callable[[CheckClaim, str, int], None] = lambda check, account, delay: None
    """(check, account id, seconds): have ``check_claim`` run that much later."""
    call_of: Callable[[str], CallState | None] = lambda call_id: None
    """A call's state by id (None: no such call)."""
    _nodes: dict[str, tuple[datetime, AgentConfig | None]] = field(default_factory=dict)

    # -- within a call's step ------------------------------------------------------------------
    def claim(self, query: ClaimAgent) -> GivenAgent | NoAgentFree | NoSuchGroup:
        """The agent given to the call (the same one when asked again for the call), or why
        none was. A claim made (or one that failed half way) is looked at again later
        (``check_claim``), so that an agent is never left on a call that does not have it."""
        try:
            group = self.agents.group(query.account_id, query.group_id)
        except NotFoundError:
            return NoSuchGroup(query.group_id)
        agent: Agent | None = None
        try:
            agent = self.agents.claim(
                query.account_id, group.group_id, query.call_ref, self.clock(), query.prefer
            )
        finally:
            if agent is not None or sys.exc_info()[0] is not None:
                call_id = query.call_ref.split(":", 1)[0]
                first = group.ring_timeout + CHECK_AFTER_RING
                self.check_later(
                    CheckClaim(f"dialer-check:{query.call_ref}:1", call_id, query.call_ref),
                    query.account_id,
                    first,
                )
        if agent is None:
            return NoAgentFree(group.ring_timeout, group.max_attempts)
        return GivenAgent(
            agent_id=agent.agent_id,
            name=agent.name,
            address=agent.address,
            login_type=agent.login_type.value,
            agent_type=agent.agent_type.value,
            ring_timeout=group.ring_timeout,
            max_attempts=group.max_attempts,
        )

    # -- effects --------------------------------------------------------------------------------
    def release(self, effect: ReleaseAgent, account_id: str) -> Agent:
        """Let the call's agent go as the effect says."""
        return self.agents.release(
            account_id, effect.agent_id, effect.call_ref, self.clock(), effect.how
        )

    def record_answer(self, effect: RecordAnswer, account_id: str) -> DialerCampaignStats:
        """Take one customer's wait into the campaign's measures (the node's settings win)."""
        answered = datetime.fromisoformat(effect.answered_at)
        connected = datetime.fromisoformat(effect.connected_at) if effect.connected_at else None
        waiting_since = datetime.fromisoformat(effect.waiting_since)
        after = effect.abandon_after
        abandon_after = timedelta(seconds=after) if after > 0 else None
        for _ in range(ATTEMPTS):
            stats = self.stats.get(effect.campaign_id) or DialerCampaignStats(
                account_id, effect.campaign_id, effect.group_id
            )
            stats = replace(
                stats,
                group_id=effect.group_id,
                mode=effect.mode,
                max_ratio=effect.max_ratio,
                ceiling=effect.ceiling,
            )
            changed = measures.recorded(
                stats, answered, connected, self.clock(), waiting_since, abandon_after
            )
            try:
                return self.stats.save(changed)
            except StaleStateError:
                continue
        raise StaleStateError(f"dialer campaign {effect.campaign_id} kept changing")

    def check_claim(self, effect: CheckClaim, account_id: str) -> str:
        """Let the claim's agent go unless its call still has it (see ``CheckClaim``): after a
        talk into wrap-up, else available. What it found: ``released``, ``in_use`` (looked at
        again later), or ``done`` (the agent already moved on, or nobody was claimed)."""
        agent_id = self.agents.agents.claimed(account_id, effect.call_ref)
        if agent_id is None:
            return "done"
        agent = self.agents.agents.get(account_id, agent_id)
        if agent.state is not AgentState.ON_CALL or agent.call_ref != effect.call_ref:
            return "done"
        state = self.call_of(effect.call_id)
        notes = state.call_vars if state is not None else {}
        if (
            state is not None
            and not state.finished
            and notes.get("_agent.claim") == effect.call_ref
        ):
            again = replace(
                effect,
                key=f"dialer-check:{effect.call_ref}:{effect.round + 1}",
                round=effect.round + 1,
            )
            self.check_later(again, account_id, CHECK_AGAIN_SECONDS)
            return "in_use"
        talked = (
            bool(notes.get("_agent.connected")) and notes.get("_agent.claim") == effect.call_ref
        )
        self.agents.release(
            account_id, agent_id, effect.call_ref, self.clock(), "talked" if talked else "unused"
        )
        return "released"

    def show(self, effect: LiveCallChanged, account_id: str) -> bool:
        """The call's stage in the live picture (an older stage told late changes nothing)."""
        return self.live.put(
            LiveCall(
                account_id=account_id,
                call_id=effect.call_id,
                group_id=effect.group_id,
                campaign_id=effect.campaign_id,
                customer=effect.customer,
                stage=effect.stage,
                agent_id=effect.agent_id,
                since=datetime.fromisoformat(effect.since),
            )
        )

    # -- the pace -------------------------------------------------------------------------------
    def budget(self, campaign: Campaign, in_progress: Callable[[], int]) -> int | None:
        """How many of a dialer campaign's customers may be dialled now (None: its flow has no
        agent node). The customers on the way or waiting are the flow's calls in progress less
        the group's agents on a call; the ratio is the one the campaign measured (power)."""
        node = self._node(campaign.flow_id)
        if node is None:
            return None
        try:
            agents = self.agents.list_agents(campaign.account_id, node.group)
        except NotFoundError:  # no such group yet: nobody is called until it has agents
            return 0
        counts = {state: 0 for state in AgentState}
        for agent in agents:
            counts[agent.state] += 1
        stats = self.stats.get(campaign.campaign_id) or self._begun(campaign, node)
        ratio = stats.ratio if node.mode == "power" else 1.0
        on_the_way = max(0, in_progress() - counts[AgentState.ON_CALL])
        load = DialerLoad(
            free_agents=counts[AgentState.AVAILABLE],
            soon_free_agents=counts[AgentState.WRAP_UP],
            in_flight=on_the_way,
        )
        return dial_count(node.mode, load, ratio)

    def _node(self, flow_id: str) -> AgentConfig | None:
        """The flow's agent node (None: not a dialer flow), its latest version read at most once
        per ``NODE_SECONDS`` per flow and process (every campaign's dispatch and dial ask)."""
        now = self.clock()
        kept = self._nodes.get(flow_id)
        if kept is not None and kept[0] > now:
            return kept[1]
        try:
            node = agent_node(self.flow_of(flow_id))
        except NotFoundError:
            node = None
        if len(self._nodes) >= NODES_KEPT:
            self._nodes.clear()
        self._nodes[flow_id] = (now + NODE_SECONDS, node)
        return node

    def _begun(self, campaign: Campaign, node: AgentConfig) -> DialerCampaignStats:
        """A dialer campaign's measures, stored at its first dispatch (so that its group's
        agents becoming available wake it: ``wake``)."""
        stats = DialerCampaignStats(
            campaign.account_id,
            campaign.campaign_id,
            node.group,
            mode=node.mode,
            max_ratio=node.max_ratio,
            ceiling=node.abandon_ceiling,
            updated_at=self.clock(),
        )
        try:
            return self.stats.save(stats)
        except StaleStateError:  # stored meanwhile
            return self.stats.get(campaign.campaign_id) or stats

    def campaigns_of(self, agent: Agent) -> list[str]:
        """The dialer campaigns the agent's group answered lately (within ``RECENT``): their
        dispatch is woken when one of its agents becomes available. An older one still looks
        again by itself."""
        since = self.clock() - RECENT
        return [s.campaign_id for s in self.stats.recent(agent.account_id, agent.group_id, since)]

    # -- the live picture -----------------------------------------------------------------------
    def board(self, account_id: str) -> Board:
        """Agents and their states, calls in progress and campaigns' figures, now."""
        now = self.clock()
        campaigns = tuple(measures.figures(s, now) for s in self.stats.list(account_id))
        return Board(
            at=now,
            agents=tuple(self.agents.list_agents(account_id)),
            calls=tuple(self.live.list(account_id)),
            campaigns=campaigns,
        )
