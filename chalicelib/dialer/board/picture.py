"""The supervisors' live picture of the dialer, pure: the totals of a ``Board`` (calls by stage,
agents by state, the campaigns' answers and abandonment), a customer's number masked to its last
four digits, the graph's deterministic layout (campaigns and queues as hubs on the left, each
call in progress in the middle linked to its hub and to its agent, agents on the right, each
node coloured by its stage or state) and the view the supervisors' page draws (times in state
counted from the board's own moment, never the page's clock).

Imports the dialer's board and records and the standard library; no I/O, no clock, must not
import the store, the web layer or the wiring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from chalicelib.dialer.calls import Board
from chalicelib.dialer.measures import Figures
from chalicelib.dialer.model import Agent, AgentState
from chalicelib.store.dialer_records import LiveCall

STAGES = ("waiting", "ringing", "talking")
"""A call's stages in the picture, in the order a call goes through them."""
STATES = tuple(state.value for state in AgentState)
SHOWN_DIGITS = 4
MASK = "•••"
WIDTH = 960
ROW = 44
"""Vertical room of one node."""
TOP = 36
HUB_X, CALL_X, AGENT_X = 140, 480, 820


def masked(customer: str) -> str:
    """A customer's number as the supervisors see it: its last four digits only
    (``•••0123``); a number of four digits or fewer shows none; "" for none."""
    digits = "".join(c for c in customer if c.isdigit())
    if not digits:
        return ""
    if len(digits) <= SHOWN_DIGITS:
        return MASK
    return MASK + digits[-SHOWN_DIGITS:]


def over_ceiling(figures: Figures) -> bool:
    """Whether the campaign's abandonment rate is above its ceiling."""
    return figures.abandon_rate > figures.ceiling


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def totals(board: Board) -> dict[str, Any]:
    """Calls by stage, agents by state and the campaigns' answers, summed: answered and
    connected since they began (the connect rate), live answers and abandoned calls within
    their windows (the abandonment rate), and the campaigns above their ceiling."""
    stages = dict.fromkeys(STAGES, 0)
    for call in board.calls:
        stages[call.stage] = stages.get(call.stage, 0) + 1
    states = dict.fromkeys(STATES, 0)
    for agent in board.agents:
        states[agent.state.value] += 1
    answered = sum(f.answered_total for f in board.campaigns)
    connected = sum(f.connected_total for f in board.campaigns)
    live = sum(f.live_answered for f in board.campaigns)
    abandoned = sum(f.abandoned for f in board.campaigns)
    return {
        "calls": {**stages, "all": len(board.calls)},
        "agents": {**states, "all": len(board.agents)},
        "answers": {
            "answered_total": answered,
            "connected_total": connected,
            "connect_rate": _share(connected, answered),
            "live_answered": live,
            "abandoned": abandoned,
            "abandon_rate": _share(abandoned, live),
            "over_ceiling": sorted(f.campaign_id for f in board.campaigns if over_ceiling(f)),
        },
    }


# -- the graph -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """One node of the graph: ``kind`` hub, call or agent; ``tone`` its stage, state or, for a
    hub, ``over`` when its campaign abandons above its ceiling."""

    node_id: str
    kind: str
    label: str
    tone: str
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    """A call's link to its hub (``queue``) or to its agent (``agent``)."""

    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class Picture:
    """The graph laid out: its size and its nodes and edges."""

    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "nodes": [asdict(n) for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
        }


def hub_of(call: LiveCall) -> str:
    """The hub a call hangs from: its campaign's, or its group's queue when it has none."""
    return f"campaign:{call.campaign_id}" if call.campaign_id else f"queue:{call.group_id}"


def _stage_order(stage: str) -> int:
    return STAGES.index(stage) if stage in STAGES else len(STAGES)


def layout(
    agents: Sequence[Agent], calls: Sequence[LiveCall], campaigns: Sequence[Figures]
) -> Picture:
    """The graph in three columns: hubs (campaigns by id, then the queues of calls with no
    campaign), each at the middle of its block of calls (a block of one row when it has none);
    calls by hub, stage, since and id; agents with a call beside their call, then the others
    by group and id. The same board always gives the same picture."""
    over = {f"campaign:{f.campaign_id}" for f in campaigns if over_ceiling(f)}
    hubs = sorted({f"campaign:{f.campaign_id}" for f in campaigns} | {hub_of(c) for c in calls})
    hubs.sort(key=lambda hub: (hub.startswith("queue:"), hub))
    ordered = sorted(calls, key=lambda c: (_stage_order(c.stage), c.since, c.call_id))
    nodes: list[Node] = []
    edges: list[Edge] = []
    call_y: dict[str, int] = {}
    row = 0.0
    for hub in hubs:
        mine = [c for c in ordered if hub_of(c) == hub]
        rows = max(1, len(mine))
        middle = TOP + round((row + (rows - 1) / 2) * ROW)
        kind, name = hub.split(":", 1)
        label = name if kind == "campaign" else f"queue {name}"
        nodes.append(Node(hub, "hub", label, "over" if hub in over else kind, HUB_X, middle))
        for i, call in enumerate(mine):
            y = TOP + round((row + i) * ROW)
            call_y[call.call_id] = y
            node_id = f"call:{call.call_id}"
            nodes.append(Node(node_id, "call", masked(call.customer), call.stage, CALL_X, y))
            edges.append(Edge(node_id, hub, "queue"))
        row += rows + 0.5
    known = {a.agent_id for a in agents}
    on_calls = {c.agent_id: call_y[c.call_id] for c in calls if c.agent_id in known}
    placed = sorted(
        agents,
        key=lambda a: (
            a.agent_id not in on_calls,
            on_calls.get(a.agent_id, 0),
            a.group_id,
            a.agent_id,
        ),
    )
    for i, agent in enumerate(placed):
        y = TOP + i * ROW
        label = agent.name or agent.agent_id
        nodes.append(Node(f"agent:{agent.agent_id}", "agent", label, agent.state.value, AGENT_X, y))
    for call in ordered:
        if call.agent_id in known:
            edges.append(Edge(f"call:{call.call_id}", f"agent:{call.agent_id}", "agent"))
    rows_used = max(row - 0.5, float(len(placed)), 1.0)
    height = TOP * 2 + round((rows_used - 1) * ROW)
    return Picture(WIDTH, height, tuple(nodes), tuple(edges))


# -- the page's view -----------------------------------------------------------------------------
def _seconds(at: datetime, since: datetime | None) -> int | None:
    return None if since is None else max(0, int((at - since).total_seconds()))


def page_view(board: Board) -> dict[str, Any]:
    """What the supervisors' page draws of ``board``: the totals, the occupancy, the graph,
    agents with their time in state, calls with the customer masked, their agent's name and
    their time in stage (and waiting time while waiting), campaigns' figures with whether
    each is above its ceiling. No customer's whole number is in it."""
    at = board.at
    names = {a.agent_id: a.name or a.agent_id for a in board.agents}
    shown = board.as_json()
    return {
        "at": at.isoformat(),
        "totals": totals(board),
        "occupancy": shown["occupancy"],
        "picture": layout(board.agents, board.calls, board.campaigns).as_json(),
        "agents": [
            {**a, "seconds": _seconds(at, agent.state_since)}
            for a, agent in zip(shown["agents"], board.agents, strict=True)
        ],
        "calls": [
            {
                "call_id": call.call_id,
                "group_id": call.group_id,
                "campaign_id": call.campaign_id or None,
                "customer": masked(call.customer),
                "stage": call.stage,
                "agent_id": call.agent_id or None,
                "agent": names.get(call.agent_id, call.agent_id) if call.agent_id else None,
                "seconds": _seconds(at, call.since),
                "waiting": _seconds(at, call.since) if call.stage == "waiting" else None,
            }
            for call in sorted(board.calls, key=lambda c: (c.since, c.call_id))
        ],
        "campaigns": [
            {**asdict(f), "over": over_ceiling(f)}
            for f in sorted(board.campaigns, key=lambda f: f.campaign_id)
        ],
    }
