"""How the dialer's groups, agents, agents' state changes and dispositions are shown, as JSON
values: the one spelling the REST routes and the CLI share, with the response models that
document it in OpenAPI. Imports pydantic, the dialer's model and its dispositions' record; must
not import the store or the web layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from chalicelib.dialer.dispositions import Disposition
from chalicelib.dialer.model import Agent, AgentEvent, AgentGroup

StateName = Literal["available", "on_call", "wrap_up", "paused", "logged_out"]


class DialerGroupView(BaseModel):
    """An agent group."""

    group_id: str
    name: str
    wrap_up_seconds: int
    ring_timeout: int
    max_attempts: int
    created_at: str | None


class DialerAgentView(BaseModel):
    """An agent: how it is reached and the state it is in since when."""

    agent_id: str
    name: str
    group_id: str
    login_type: Literal["mobile phone", "desk phone", "landline", "softphone"]
    agent_type: Literal["dynamic", "direct dial"]
    number: str
    sip: str
    address: str
    state: StateName
    state_since: str | None
    call_ref: str
    version: int


class DialerEventView(BaseModel):
    """One change of an agent's state."""

    at: str
    from_state: StateName
    to_state: StateName
    reason: str
    call_ref: str
    version: int


class DialerGroupList(BaseModel):
    """An account's groups."""

    groups: list[DialerGroupView]


class DialerAgentList(BaseModel):
    """Agents, by agent id."""

    agents: list[DialerAgentView]


class DialerEventList(BaseModel):
    """An agent's state changes, newest first."""

    agent_id: str
    events: list[DialerEventView]


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def group_view(group: AgentGroup) -> dict[str, Any]:
    """A group as JSON (``DialerGroupView``)."""
    return {
        "group_id": group.group_id,
        "name": group.name,
        "wrap_up_seconds": group.wrap_up_seconds,
        "ring_timeout": group.ring_timeout,
        "max_attempts": group.max_attempts,
        "created_at": _time(group.created_at),
    }


def agent_view(agent: Agent) -> dict[str, Any]:
    """An agent as JSON (``DialerAgentView``)."""
    return {
        "agent_id": agent.agent_id,
        "name": agent.name,
        "group_id": agent.group_id,
        "login_type": agent.login_type.value,
        "agent_type": agent.agent_type.value,
        "number": agent.number,
        "sip": agent.sip,
        "address": agent.address,
        "state": agent.state.value,
        "state_since": _time(agent.state_since),
        "call_ref": agent.call_ref,
        "version": agent.version,
    }


def event_view(event: AgentEvent) -> dict[str, Any]:
    """A state change as JSON (``DialerEventView``)."""
    return {
        "at": event.at.isoformat(),
        "from_state": event.from_state.value,
        "to_state": event.to_state.value,
        "reason": event.reason,
        "call_ref": event.call_ref,
        "version": event.version,
    }


OutcomeName = Literal["sale", "callback", "not interested", "wrong number", "no decision", "other"]


class DialerDispositionView(BaseModel):
    """An agent's disposition of a call."""

    call_id: str
    agent_id: str
    disposition: OutcomeName
    notes: str
    saved_at: str
    call_ref: str
    customer: str
    campaign_id: str
    contact_id: str


class DialerDispositionList(BaseModel):
    """Dispositions: a call's by agent id, an agent's newest first."""

    dispositions: list[DialerDispositionView]


def disposition_view(disposition: Disposition) -> dict[str, Any]:
    """A disposition as JSON (``DialerDispositionView``)."""
    return {
        "call_id": disposition.call_id,
        "agent_id": disposition.agent_id,
        "disposition": disposition.outcome.value,
        "notes": disposition.notes,
        "saved_at": disposition.saved_at.isoformat(),
        "call_ref": disposition.call_ref,
        "customer": disposition.customer,
        "campaign_id": disposition.campaign_id,
        "contact_id": disposition.contact_id,
    }
