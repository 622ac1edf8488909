"""What the dialer's ``agent`` widget asks the dialer within a call's step, and the answers: give
the call an agent of a group (``ClaimAgent``), answered by the agent given (``GivenAgent``) or by
none being free (``NoAgentFree``). Frozen, hashable dataclasses (the shell asks each query at
most once per event). Imports the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClaimAgent:
    """Give the call ``call_ref`` the longest-idle available agent of ``group_id`` (the agent
    ``prefer`` first, when it is one of them and available). Asked again for the same
    ``call_ref``, the same agent."""

    account_id: str
    group_id: str
    call_ref: str
    prefer: str = ""


@dataclass(frozen=True)
class GivenAgent:
    """The agent now on the call, and how the group rings an agent's leg."""

    agent_id: str
    name: str
    address: str
    """E.164 digits, or a SIP URI (a softphone)."""
    login_type: str
    agent_type: str
    ring_timeout: int
    max_attempts: int


@dataclass(frozen=True)
class NoAgentFree:
    """No agent of the group is available now (the group's settings, for the next try)."""

    ring_timeout: int
    max_attempts: int


@dataclass(frozen=True)
class NoSuchGroup:
    """The group named does not exist in the account."""

    group_id: str
