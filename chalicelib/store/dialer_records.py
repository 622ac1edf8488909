"""The dialer's agents as the store keeps them: agent groups (who answers a dialer campaign's
answered customers, with their wrap-up time and how the agent's own leg is rung), agents (a
person of a group, reached on a phone number or a SIP address, logged in one of the seed's four
ways, and the state they are in since when) and agent events (each change of an agent's state,
timestamped). They live in ``store`` because the store may not import a product package;
``dialer.model`` re-exports them. Frozen dataclasses and enums; imports the standard library
only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class LoginType(StrEnum):
    """How an agent logged in, as the seed names it (``$flow.syskey.loginType``)."""

    MOBILE_PHONE = "mobile phone"
    DESK_PHONE = "desk phone"
    LANDLINE = "landline"
    SOFTPHONE = "softphone"

    @property
    def on_sip(self) -> bool:
        """A softphone is reached on a SIP address; the others on a phone number."""
        return self is LoginType.SOFTPHONE


class AgentType(StrEnum):
    """The seed's agent type (``$flow.syskey.agent.type``)."""

    DYNAMIC = "dynamic"
    """Given calls by the dialer, the longest idle first."""
    DIRECT_DIAL = "direct dial"
    """Reached by dialling the agent directly."""


class AgentState(StrEnum):
    """Where an agent is."""

    AVAILABLE = "available"
    """Waiting for a call: the dialer may give them one."""
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    """The call ended: finishing its work, for the group's wrap-up time at most."""
    PAUSED = "paused"
    LOGGED_OUT = "logged_out"


@dataclass(frozen=True)
class AgentGroup:
    """A group of agents: an answered customer of a dialer campaign is given the group's
    longest-idle available agent, whose own leg rings ``ring_timeout`` seconds, at most
    ``max_attempts`` times."""

    account_id: str
    group_id: str
    name: str
    wrap_up_seconds: int = 30
    """How long an agent stays in wrap-up after a call before being available again."""
    ring_timeout: int = 30
    max_attempts: int = 2
    """Calls made to the agent's phone for one customer (the agent leg's attempts)."""
    created_at: datetime | None = None


@dataclass(frozen=True)
class Agent:
    """A person of a group who takes the dialer's calls (see the module)."""

    account_id: str
    agent_id: str
    name: str
    group_id: str
    login_type: LoginType
    number: str = ""
    """E.164 digits (mobile phone, desk phone, landline)."""
    sip: str = ""
    """``sip:user@host`` (softphone)."""
    agent_type: AgentType = AgentType.DYNAMIC
    state: AgentState = AgentState.LOGGED_OUT
    state_since: datetime | None = None
    """When the state began: the longest idle available agent has the earliest."""
    call_ref: str = ""
    """The call the agent is on or wrapping up ("" otherwise)."""
    version: int = 0
    """Stored at 1, each change at the next: every write is conditional on it."""
    created_at: datetime | None = None

    @property
    def address(self) -> str:
        """Where the agent is called: the number, else the SIP address."""
        return self.number or self.sip


@dataclass(frozen=True)
class AgentEvent:
    """One change of an agent's state: when, from what to what, why, on which call."""

    account_id: str
    agent_id: str
    at: datetime
    from_state: AgentState
    to_state: AgentState
    reason: str = ""
    call_ref: str = ""
    version: int = 0
    """The agent's version the change stored (its place among the agent's events)."""


@dataclass(frozen=True)
class DialerCampaignStats:
    """What a dialer campaign measured of its live answers: the abandonment window's buckets
    (``(start, answered, abandoned)``), the power ratio it reached, totals since it began and
    the latest waits for an agent; the pace settings of its agent node come with it."""

    account_id: str
    campaign_id: str
    group_id: str
    mode: str = "progressive"
    max_ratio: float = 3.0
    ceiling: float = 0.03
    ratio: float = 1.0
    buckets: tuple[tuple[datetime, int, int], ...] = ()
    answered: int = 0
    connected: int = 0
    abandoned: int = 0
    waits: tuple[float, ...] = ()
    """Seconds from the answer to the agent's, of the latest connected customers (newest
    last)."""
    version: int = 0
    updated_at: datetime | None = None


@dataclass(frozen=True)
class LiveCall:
    """A dialer call as the live picture shows it: the customer waiting, an agent's phone
    ringing, the two talking (``stage``), since when."""

    account_id: str
    call_id: str
    group_id: str
    campaign_id: str
    customer: str
    stage: str
    agent_id: str
    since: datetime
