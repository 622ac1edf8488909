"""The dialer's ``agent`` node: its settings (``AgentConfig``), and its notes on the call (call
variables under ``_agent.``: the visit, the ref the customer waits on, the attempt, the agent
given and its leg, when it connected) with the effects they give (an agent let go, a customer's
wait measured, the live picture told). Shared by the widget (``dialer.widget``) and the leg
watcher (``dialer.watcher``). Pure: imports flows, telephony types and the dialer's model,
queries and tasks; never the store, web or any I/O.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.dialer.model import ID_PATTERN
from chalicelib.dialer.queries import ClaimAgent, GivenAgent
from chalicelib.dialer.tasks import LiveCallChanged, RecordAnswer, ReleaseAgent
from chalicelib.flows.outcomes import Effect, HangUpLeg, Updates
from chalicelib.flows.state import CallState
from chalicelib.flows.variables import number_parts
from chalicelib.flows.widgets.base import Ctx, SpokenConfig
from chalicelib.telephony.events import Direction

PREFIX = "_agent."
RESCHEDULE_CUSTOMER = "syskey.reschedule_customer_call"
RESCHEDULE_AGENT = "syskey.reschedule_agent_call"
AGENT_ID = "syskey.agentID"
E164 = re.compile(r"^[1-9]\d{6,14}$")


class AgentConfig(SpokenConfig):
    """Connect the customer to an agent of ``group``; ``no_agent`` when none is reached by the
    hold limit."""

    widget: Literal["agent"]
    group: str = Field(pattern=ID_PATTERN, description="The agent group whose agents answer.")
    caller_id: str | None = Field(
        default=None,
        description="The number the agent's phone shows (variables filled in); default: the "
        "call's own number (the campaign's DID on a dialer call).",
    )
    prompt: str | None = Field(
        default=None, description="Said to the customer before waiting for the agent."
    )
    hold_message: str | None = Field(
        default=None, description="Said when no agent is free, before the hold music."
    )
    hold_music_url: str | None = Field(
        default=None, description="Audio the customer hears while waiting for the agent."
    )
    hold_limit: int = Field(
        default=30,
        ge=5,
        le=600,
        description="Seconds a customer waits for an agent before `no_agent` (an abandoned call).",
    )
    record: bool = Field(
        default=False,
        description="Record the customer's talk with the agent (`$call.agent.recordingUri`).",
    )
    max_duration: int = Field(
        default=7200, ge=60, le=7200, description="The longest a talk with an agent lasts."
    )
    mode: Literal["progressive", "power"] = Field(
        default="progressive",
        description="How a campaign of this flow dials: one customer per free agent "
        "(`progressive`), or a ratio of customers per free agent held under the abandon "
        "ceiling (`power`).",
    )
    max_ratio: float = Field(
        default=3.0, ge=1, le=5, description="The highest power ratio the campaign may reach."
    )
    abandon_ceiling: float = Field(
        default=0.03,
        gt=0,
        le=0.1,
        description="The abandoned share of live answers the campaign is held under.",
    )

    abandon_after: float | None = Field(
        default=None,
        gt=0,
        le=600,
        description="Seconds from reaching this node within which an agent must answer for "
        "the call not to count as abandoned (2 is the TSR's and Ofcom's rule, which agents "
        "reached by ringing their phone rarely meet); default: only a customer never "
        "connected counts.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "no_agent", "failed"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "The talk with the agent ended (and any output not wired).",
        "no_agent": "No agent was reached by the hold limit, or every agent leg went "
        "unanswered: an abandoned call, rescheduled unless the flow clears "
        "`$flow.syskey.reschedule_customer_call`.",
        "failed": "The group does not exist, the dialer did not answer, or the caller id is "
        "not a number.",
    }
    WAITS: ClassVar[bool] = True


def get(state: CallState, name: str) -> str:
    """The node's note ``name`` on the call ('' when none)."""
    return state.call_vars.get(PREFIX + name, "")


def note(**values: str) -> dict[str, str]:
    """Notes as ``Updates.call`` keys."""
    return {PREFIX + name: value for name, value in values.items()}


def ids(text: str) -> list[str]:
    """The ids of a comma-separated note."""
    return [item for item in text.split(",") if item]


def as_int(text: str, default: int = 0) -> int:
    """A number note (``default`` when it is none)."""
    try:
        return int(text)
    except ValueError:
        return default


def moment(text: str) -> datetime | None:
    """A time note (None when it is none)."""
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def dialled_from(config: AgentConfig, ctx: Ctx) -> str:
    """The number the agent's phone shows: the node's ``caller_id``, else the call's own
    number (the DID it was placed from, or the one it came in on), digits only."""
    if config.caller_id is not None:
        return re.sub(r"[^\d]", "", ctx.text(config.caller_id))
    state = ctx.state
    own = state.from_number if state.direction is Direction.OUTBOUND else state.to_number
    return re.sub(r"[^\d]", "", own)


def campaign_of(state: CallState) -> tuple[str, str]:
    """The call's campaign and customer (its contact's number), when a campaign placed it."""
    data = state.data.get("campaign")
    campaign_id = str(getattr(data, "campaign_id", "") or "")
    customer = state.to_number if state.direction is Direction.OUTBOUND else state.from_number
    return campaign_id, customer


def call_ref(state: CallState, attempt: int) -> str:
    """The claim of the node's ``attempt``-th agent leg: ``<call>:<visit>:<attempt>``."""
    return f"{state.call_id}:{get(state, 'visit')}:{attempt}"


def claim(config: AgentConfig, state: CallState, attempt: int) -> ClaimAgent:
    """The question for the ``attempt``-th agent (the call's agent first, when it has one)."""
    prefer = state.flow_vars.get(AGENT_ID, "")
    return ClaimAgent(state.account_id, config.group, call_ref(state, attempt), prefer)


def live(
    state: CallState, config: AgentConfig, stage: str, now: datetime, agent_id: str = ""
) -> LiveCallChanged:
    """The call's stage for the live picture (once per visit, stage and attempt)."""
    campaign_id, customer = campaign_of(state)
    step = f"{get(state, 'visit')}:{stage}:{get(state, 'attempt')}"
    return LiveCallChanged(
        key=f"{state.call_id}:dialer-live:{step}",
        call_id=state.call_id,
        group_id=config.group,
        campaign_id=campaign_id,
        customer=customer,
        stage=stage,
        agent_id=agent_id,
        since=now.isoformat(),
    )


def answer(state: CallState, config: AgentConfig, connected: datetime | None) -> tuple[Effect, ...]:
    """The customer's wait, for the campaign's abandonment rate (once per visit)."""
    campaign_id, _ = campaign_of(state)
    if not campaign_id or state.answered_at is None or get(state, "reported"):
        return ()
    return (
        RecordAnswer(
            key=f"{state.call_id}:dialer-answer:{get(state, 'visit')}",
            campaign_id=campaign_id,
            group_id=config.group,
            call_id=state.call_id,
            answered_at=state.answered_at.isoformat(),
            waiting_since=get(state, "since") or state.answered_at.isoformat(),
            connected_at=connected.isoformat() if connected else "",
            mode=config.mode,
            max_ratio=config.max_ratio,
            ceiling=config.abandon_ceiling,
            abandon_after=float(config.abandon_after or 0),
        ),
    )


def release(state: CallState, how: str) -> tuple[Effect, ...]:
    """Let the node's current agent go (once per claim)."""
    agent_id, claim = get(state, "agent"), get(state, "claim")
    if not agent_id or not claim:
        return ()
    return (ReleaseAgent(f"dialer-release:{claim}", agent_id, claim, how),)


def hang_up(state: CallState, legs: list[str]) -> tuple[Effect, ...]:
    """One hang-up per leg still live, keyed by the leg."""
    return tuple(
        HangUpLeg(f"{state.call_id}:dialer-leg:{leg}:end", leg)
        for leg in legs
        if leg in state.legs and not state.legs[leg].status.is_final
    )


def agent_vars(given: GivenAgent, caller_id: str, attempt: int) -> Updates:
    """The seed's agent variables for the agent given."""
    dnis = number_parts(given.address) if given.address.isdigit() else {}
    cli = number_parts(caller_id)
    flow = {
        AGENT_ID: given.agent_id,
        "syskey.agent.type": given.agent_type,
        "syskey.loginType": given.login_type,
        "syskey.agent.attempt_number": str(attempt),
    }
    call = {
        "agent.connect": "false",
        "agent.dnis": given.address,
        "agent.dnis.number": dnis.get("number", ""),
        "agent.dnis.countrycode": dnis.get("countrycode", ""),
        "agent.cli": caller_id,
        "agent.cli.countrycode": cli["countrycode"],
        "agent.cli.number": cli["number"],
        "agent.cli.numberWithoutArea": cli["numberWithoutArea"],
        "agent.cli.areaCode": cli["areacode"],
        "agent.cdr": "",
    }
    return Updates(flow=flow, call=call)


def noted(state: CallState, notes: Mapping[str, str]) -> CallState:
    """``state`` with ``notes`` among its call variables (what a decision is about to save)."""
    return replace(state, call_vars={**state.call_vars, **notes})
