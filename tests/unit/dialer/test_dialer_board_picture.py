"""The supervisors' live picture, pure: GIVEN a board of agents in several states, calls at each
stage (one with no campaign) and campaigns' figures (one above its ceiling), THEN a customer
shows only its last four digits, the totals count calls by stage and agents by state and sum the
answers, the graph links each call to its hub and to its agent, places hubs by their calls and
agents beside their calls, always the same way, and the page's view never holds a whole
number."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from chalicelib.dialer.board.picture import (
    AGENT_X,
    CALL_X,
    HUB_X,
    MASK,
    layout,
    masked,
    page_view,
    totals,
)
from chalicelib.dialer.calls import Board
from chalicelib.dialer.measures import Figures
from chalicelib.dialer.model import Agent, AgentState, LoginType
from chalicelib.store.dialer_records import LiveCall

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ACCOUNT = "acme"


def agent(agent_id: str, state: AgentState, seconds: int, call: str = "") -> Agent:
    return Agent(
        account_id=ACCOUNT,
        agent_id=agent_id,
        name=f"Agent {agent_id}",
        group_id="sales",
        login_type=LoginType.MOBILE_PHONE,
        number="447700900100",
        state=state,
        state_since=AT - timedelta(seconds=seconds),
        call_ref=f"{call}:leg" if call else "",
    )


def call(
    call_id: str, stage: str, seconds: int, agent_id: str = "", campaign: str = "spring"
) -> LiveCall:
    return LiveCall(
        account_id=ACCOUNT,
        call_id=call_id,
        group_id="sales",
        campaign_id=campaign,
        customer="+44 7700 900" + call_id[-3:],
        stage=stage,
        agent_id=agent_id,
        since=AT - timedelta(seconds=seconds),
    )


def figures(campaign_id: str, rate: float, ceiling: float = 0.03) -> Figures:
    return Figures(
        campaign_id=campaign_id,
        group_id="sales",
        mode="power",
        ratio=1.5,
        live_answered=20,
        abandoned=round(rate * 20),
        abandon_rate=rate,
        ceiling=ceiling,
        answered_total=40,
        connected_total=36,
        wait_p50=2.0,
        wait_p99=9.5,
    )


def board() -> Board:
    return Board(
        at=AT,
        agents=(
            agent("a-3", AgentState.PAUSED, 300),
            agent("a-1", AgentState.ON_CALL, 40, "c-102"),
            agent("a-2", AgentState.AVAILABLE, 10),
            agent("a-4", AgentState.WRAP_UP, 5),
        ),
        calls=(
            call("c-102", "talking", 40, "a-1"),
            call("c-101", "waiting", 12),
            call("c-103", "ringing", 3, "a-4", campaign=""),
        ),
        campaigns=(figures("spring", 0.01), figures("winter", 0.10)),
    )


def test_a_customer_shows_only_its_last_four_digits() -> None:
    assert masked("+44 7700 900123") == MASK + "0123"
    assert masked("447700900123") == MASK + "0123"
    # a number of four digits or fewer shows none of them; no number shows nothing
    assert masked("1234") == MASK
    assert masked("") == ""
    assert masked("sip:anonymous@example.com") == ""


def test_the_totals_count_stages_states_and_answers() -> None:
    summed = totals(board())
    assert summed["calls"] == {"waiting": 1, "ringing": 1, "talking": 1, "all": 3}
    assert summed["agents"] == {
        "available": 1,
        "on_call": 1,
        "wrap_up": 1,
        "paused": 1,
        "logged_out": 0,
        "all": 4,
    }
    answers = summed["answers"]
    assert (answers["answered_total"], answers["connected_total"]) == (80, 72)
    assert answers["connect_rate"] == 0.9
    assert (answers["live_answered"], answers["abandoned"]) == (40, 2)
    assert answers["abandon_rate"] == 0.05
    assert answers["over_ceiling"] == ["winter"]


def test_totals_of_an_empty_board_have_no_rates() -> None:
    summed = totals(Board(AT, (), (), ()))
    assert summed["calls"]["all"] == 0 and summed["agents"]["all"] == 0
    assert summed["answers"]["connect_rate"] is None
    assert summed["answers"]["abandon_rate"] is None


def test_each_call_links_to_its_hub_and_its_agent() -> None:
    picture = layout(*_parts())
    nodes = {n.node_id: n for n in picture.nodes}
    edges = {(e.source, e.target, e.kind) for e in picture.edges}
    # THEN every hub, call and agent is a node, coloured by its stage or state
    assert {n for n in nodes if n.startswith("call:")} == {"call:c-101", "call:c-102", "call:c-103"}
    assert nodes["call:c-102"].tone == "talking" and nodes["call:c-101"].tone == "waiting"
    assert nodes["agent:a-3"].tone == "paused" and nodes["agent:a-1"].tone == "on_call"
    # AND a call with no campaign hangs from its group's queue; a campaign above its ceiling is
    # marked, one without calls still shows
    assert nodes["queue:sales"].label == "queue sales" and nodes["queue:sales"].tone == "queue"
    assert nodes["campaign:winter"].tone == "over"
    assert nodes["campaign:spring"].tone == "campaign"
    assert {
        ("call:c-101", "campaign:spring", "queue"),
        ("call:c-102", "campaign:spring", "queue"),
        ("call:c-103", "queue:sales", "queue"),
        ("call:c-102", "agent:a-1", "agent"),
        ("call:c-103", "agent:a-4", "agent"),
    } == edges
    # AND the customer's label is masked
    assert nodes["call:c-101"].label == MASK + "0101"


def test_the_layout_is_in_columns_hubs_by_their_calls_agents_beside_theirs() -> None:
    picture = layout(*_parts())
    nodes = {n.node_id: n for n in picture.nodes}
    kinds: dict[str, set[int]] = {}
    for node in picture.nodes:
        kinds.setdefault(node.kind, set()).add(node.x)
    assert kinds == {"hub": {HUB_X}, "call": {CALL_X}, "agent": {AGENT_X}}
    # THEN calls of a hub are by stage (waiting first) and the hub is in their middle
    spring = [nodes["call:c-101"].y, nodes["call:c-102"].y]
    assert spring[0] < spring[1]
    assert nodes["campaign:spring"].y == sum(spring) // 2
    # AND agents on a call come first, beside their call; the others by group and id
    agents = sorted((n for n in picture.nodes if n.kind == "agent"), key=lambda n: n.y)
    assert [n.node_id for n in agents] == ["agent:a-1", "agent:a-4", "agent:a-2", "agent:a-3"]
    # AND no two nodes of a column share a place; everything fits in the picture
    for x in (HUB_X, CALL_X, AGENT_X):
        ys = [n.y for n in picture.nodes if n.x == x]
        assert len(ys) == len(set(ys))
    assert all(0 < n.y < picture.height and 0 < n.x < picture.width for n in picture.nodes)


def test_the_same_board_gives_the_same_picture_in_any_order() -> None:
    agents, calls, campaigns = _parts()
    first = layout(agents, calls, campaigns)
    again = layout(agents[::-1], calls[::-1], campaigns[::-1])
    assert first == again


def test_an_empty_board_is_an_empty_picture_of_some_height() -> None:
    picture = layout((), (), ())
    assert picture.nodes == () and picture.edges == () and picture.height > 0


def test_the_pages_view_holds_times_and_no_whole_number() -> None:
    view = page_view(board())
    text = json.dumps(view)
    assert "7700" not in text and "447700900100" not in text
    calls = {c["call_id"]: c for c in view["calls"]}
    assert calls["c-101"]["waiting"] == 12 and calls["c-101"]["seconds"] == 12
    assert calls["c-102"]["waiting"] is None and calls["c-102"]["agent"] == "Agent a-1"
    agents = {a["agent_id"]: a for a in view["agents"]}
    assert agents["a-3"]["seconds"] == 300 and agents["a-1"]["call_id"] == "c-102"
    over = {c["campaign_id"]: c["over"] for c in view["campaigns"]}
    assert over == {"spring": False, "winter": True}
    assert view["occupancy"] == round(2 / 3, 4)
    assert view["picture"]["nodes"] and view["picture"]["edges"]


def _parts() -> tuple[tuple[Agent, ...], tuple[LiveCall, ...], tuple[Figures, ...]]:
    shown = board()
    return shown.agents, shown.calls, shown.campaigns
