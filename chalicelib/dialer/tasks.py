"""The dialer's kinds of effect run as tasks (``calls.tasks``): an agent's wrap-up time is over
(queued for the moment it ends; run more than once, it changes the agent once); a call's agent
let go (``ReleaseAgent``: into wrap-up after a talk, paused after a missed ring, available when
the customer left first); a live-answered customer's wait for an agent measured for the
campaign's abandonment rate and ratio (``RecordAnswer``); and the live picture of a dialer call
(``LiveCallChanged``: waiting, ringing an agent, talking, ended). Each is keyed, so a repeated
one changes nothing. Frozen dataclasses of JSON values; imports the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FinishWrapUp:
    """Make an agent available again if it is still in the wrap-up that began at ``since``
    (ISO 8601) and the group's wrap-up time is over."""

    key: str
    agent_id: str
    since: str


@dataclass(frozen=True)
class ReleaseAgent:
    """The call ``call_ref`` is done with its agent: ``how`` is ``talked`` (wrap-up),
    ``missed`` (the agent's leg was not answered: paused) or ``unused`` (the customer left
    before the agent answered: available again)."""

    key: str
    agent_id: str
    call_ref: str
    how: str


@dataclass(frozen=True)
class RecordAnswer:
    """A live-answered customer of a dialer campaign was connected to an agent at
    ``connected_at`` ('' when never: hung up while waiting, or let go at the hold limit);
    ``answered_at`` is the customer's answer (ISO 8601). The campaign's pace settings come with
    it (its agent node's)."""

    key: str
    campaign_id: str
    group_id: str
    call_id: str
    answered_at: str
    waiting_since: str
    """When the customer reached the agent node (the flow's greeting over)."""
    connected_at: str
    mode: str
    max_ratio: float
    ceiling: float
    abandon_after: float = 0.0
    """Seconds after ``waiting_since`` past which even a connected call counts as abandoned
    (0: only a customer never connected does)."""


@dataclass(frozen=True)
class LiveCallChanged:
    """Where a dialer call stands now (``stage``: waiting, ringing, talking, ended) for the live
    picture, since ``since`` (ISO 8601)."""

    key: str
    call_id: str
    group_id: str
    campaign_id: str
    customer: str
    stage: str
    agent_id: str
    since: str


@dataclass(frozen=True)
class CheckClaim:
    """Look, a while after the call ``call_id`` claimed an agent as ``call_ref``, whether the
    call still has that agent: a call that ended, or never noted the claim (its step failed
    after the claim was written), lets the agent go; one still using it is looked at again
    later (``round`` counts the looks)."""

    key: str
    call_id: str
    call_ref: str
    round: int = 1
