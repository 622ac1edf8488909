"""The dialer's live picture through REST, on the blueprint ``dialer`` with the account's API key:
``GET /v1/dialer/board`` answers the account's agents with their states and since when, its
calls in progress with their stage, its campaigns' figures and the occupancy
(``DialerCalls.board``), with the totals (calls by stage, agents by state, the campaigns'
answers and abandonment: ``dialer.board.picture.totals``). The response models document it in
OpenAPI.

Imports Chalice, pydantic, the web helpers, the wiring and the dialer's board and picture; never
the store.
"""

from __future__ import annotations

from chalice.app import Response
from pydantic import BaseModel

from chalicelib.dialer.board.picture import totals
from chalicelib.dialer.calls import DialerCalls
from chalicelib.dialer.routes import dialer
from chalicelib.dialer.views import StateName
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import calling_account, guarded, json_response, operation
from chalicelib.wiring import container

BOARD = "/v1/dialer/board"


class DialerBoardAgent(BaseModel):
    """An agent in the picture: its state since when, and the call it is on or wrapping up."""

    agent_id: str
    name: str
    group_id: str
    state: StateName
    since: str | None
    call_id: str | None


class DialerBoardCall(BaseModel):
    """A call in progress: the customer waiting for an agent, an agent's phone ringing, or the
    two talking (``stage``), since when."""

    call_id: str
    group_id: str
    campaign_id: str | None
    customer: str
    stage: str
    agent_id: str | None
    since: str


class DialerBoardCampaign(BaseModel):
    """A dialer campaign's figures: its mode and ratio, live answers and abandoned calls within
    its window and their rate against its ceiling, answered and connected since it began, and
    the customers' waits for an agent (seconds, p50 and p99)."""

    campaign_id: str
    group_id: str
    mode: str
    ratio: float
    live_answered: int
    abandoned: int
    abandon_rate: float
    ceiling: float
    answered_total: int
    connected_total: int
    wait_p50: float
    wait_p99: float


class DialerBoardCalls(BaseModel):
    """Calls in progress by stage."""

    waiting: int
    ringing: int
    talking: int
    all: int


class DialerBoardAgents(BaseModel):
    """Agents by state."""

    available: int
    on_call: int
    wrap_up: int
    paused: int
    logged_out: int
    all: int


class DialerBoardAnswers(BaseModel):
    """The campaigns' answers summed: answered and connected since they began (and the share
    connected), live answers and abandoned calls within their windows (and the share
    abandoned), and the campaigns whose abandonment rate is above their ceiling."""

    answered_total: int
    connected_total: int
    connect_rate: float | None
    live_answered: int
    abandoned: int
    abandon_rate: float | None
    over_ceiling: list[str]


class DialerBoardTotals(BaseModel):
    """The picture summed up."""

    calls: DialerBoardCalls
    agents: DialerBoardAgents
    answers: DialerBoardAnswers


class DialerBoardView(BaseModel):
    """The account's dialer now."""

    at: str
    agents: list[DialerBoardAgent]
    calls: list[DialerBoardCall]
    campaigns: list[DialerBoardCampaign]
    occupancy: float | None
    totals: DialerBoardTotals


def _calls() -> DialerCalls:
    return container().services("dialer").calls  # type: ignore[no-any-return]


@operation(
    dialer,
    Operation(
        BOARD,
        "get",
        "The dialer's live picture: agents, calls in progress, campaigns' figures and totals",
        response=DialerBoardView,
    ),
)
@guarded
def show_board() -> Response:
    """The account's dialer now."""
    account = calling_account()
    board = _calls().board(account.account_id)
    return json_response({**board.as_json(), "totals": totals(board)})
