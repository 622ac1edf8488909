"""The rules of the dialer's agents, pure: what a group and an agent may be set to (each
refusal a ``ValidationError`` saying what is wrong), the table of the state changes an agent
may make (h11's way: a change the table does not hold is a ``TransitionError`` in words), the
change itself (the agent in its new state since ``now`` and the change's event), and when an
agent's wrap-up is over. No I/O; the clock is a parameter. Imports the dialer's model and the
platform's errors only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.dialer.model import (
    ID_PATTERN,
    SIP_PATTERN,
    Agent,
    AgentEvent,
    AgentGroup,
    AgentState,
    AgentType,
    LoginType,
)
from chalicelib.errors import ConflictError, ValidationError

AVAILABLE, ON_CALL, WRAP_UP, PAUSED, LOGGED_OUT = (
    AgentState.AVAILABLE,
    AgentState.ON_CALL,
    AgentState.WRAP_UP,
    AgentState.PAUSED,
    AgentState.LOGGED_OUT,
)
TRANSITIONS: Mapping[AgentState, frozenset[AgentState]] = {
    LOGGED_OUT: frozenset({AVAILABLE, PAUSED}),
    AVAILABLE: frozenset({ON_CALL, PAUSED, LOGGED_OUT}),
    ON_CALL: frozenset({WRAP_UP}),
    WRAP_UP: frozenset({AVAILABLE, PAUSED, LOGGED_OUT}),
    PAUSED: frozenset({AVAILABLE, LOGGED_OUT}),
}
"""The state changes an agent may make. ``on_call`` is entered only when the dialer gives the
agent a call (``given_call``), never asked for; it is left for ``wrap_up`` when the call ends."""
WRAP_UP_SECONDS = (0, 3600)
RING_TIMEOUT = (5, 120)
MAX_ATTEMPTS = (1, 10)
NAME_LENGTH = 100
REASON_LENGTH = 200
CALL_REF_LENGTH = 200
_ID = re.compile(ID_PATTERN)
_SIP = re.compile(SIP_PATTERN)
_DIGITS = re.compile(r"^[1-9][0-9]{6,14}$")
_SEPARATORS = re.compile(r"[\s().-]")


class TransitionError(ConflictError):
    """An agent was asked for a state it cannot go to from the one it is in."""

    def __init__(self, agent: Agent, to: AgentState) -> None:
        if to is ON_CALL:
            why = "an agent is on a call only when the dialer gives them one"
        else:
            allowed = sorted(s.value for s in TRANSITIONS[agent.state] if s is not ON_CALL)
            why = f"from {agent.state.value} an agent may become {' or '.join(allowed)}"
        super().__init__(
            f"agent {agent.agent_id} is {agent.state.value}: it cannot become {to.value} ({why})"
        )
        self.agent_id = agent.agent_id
        self.from_state = agent.state
        self.to_state = to


def state_of(text: str | AgentState) -> AgentState:
    """The state named ``text`` (``ValidationError`` naming the states otherwise)."""
    try:
        return AgentState(text)
    except ValueError:
        names = ", ".join(s.value for s in AgentState)
        raise ValidationError(f"{str(text)[:40]!r} is not a state ({names})") from None


def allowed(from_state: AgentState, to: AgentState) -> bool:
    """Whether an agent in ``from_state`` may be asked to become ``to`` (never ``on_call``)."""
    return to is not ON_CALL and to in TRANSITIONS[from_state]


def changed(
    agent: Agent, to: AgentState, now: datetime, reason: str = "", call_ref: str | None = None
) -> tuple[Agent, AgentEvent]:
    """The agent in state ``to`` since ``now`` and the change's event; ``TransitionError`` when
    the table does not allow it. ``call_ref`` is kept into ``wrap_up`` (the call being wrapped
    up) and dropped in any other state but ``on_call``."""
    if to not in TRANSITIONS[agent.state]:
        raise TransitionError(agent, to)
    ref = agent.call_ref if call_ref is None else call_ref
    if to not in (ON_CALL, WRAP_UP):
        ref = ""
    after = replace(agent, state=to, state_since=now, call_ref=ref)
    event = AgentEvent(
        account_id=agent.account_id,
        agent_id=agent.agent_id,
        at=now,
        from_state=agent.state,
        to_state=to,
        reason=reason.strip()[:REASON_LENGTH],
        call_ref=ref or agent.call_ref,
    )
    return after, event


def asked(
    agent: Agent, to: AgentState, now: datetime, reason: str = ""
) -> tuple[Agent, AgentEvent]:
    """A change asked for (by REST, the CLI or the agent's page): ``changed``, refusing
    ``on_call`` (``TransitionError``)."""
    if to is ON_CALL:
        raise TransitionError(agent, to)
    return changed(agent, to, now, reason)


def given_call(agent: Agent, call_ref: str, now: datetime) -> tuple[Agent, AgentEvent]:
    """An available agent given the call ``call_ref``: on that call since ``now``."""
    if not call_ref or len(call_ref) > CALL_REF_LENGTH:
        raise ValidationError(f"a call reference is 1 to {CALL_REF_LENGTH} characters")
    return changed(agent, ON_CALL, now, "given a call", call_ref)


RELEASES: Mapping[str, tuple[AgentState, str]] = {
    "talked": (WRAP_UP, "call ended"),
    "missed": (PAUSED, "missed a call (did not answer)"),
    "unused": (AVAILABLE, "the customer left before the agent answered"),
}
"""How a call lets its agent go: after a talk, into wrap-up; after a ring the agent did not
answer, paused (so the next customer is not rung on an absent agent's phone); when the customer
left first, available again."""


def released(agent: Agent, how: str, now: datetime) -> tuple[Agent, AgentEvent]:
    """The agent on a call let go by it (``RELEASES``): the only way out of ``on_call``, which
    the agent's own asking never is. ``ValidationError`` for an unknown ``how``; an agent not
    on a call: ``TransitionError``."""
    if how not in RELEASES:
        raise ValidationError(f"{how[:20]!r} is not a way to let an agent go ({sorted(RELEASES)})")
    to, reason = RELEASES[how]
    if agent.state is not ON_CALL:
        raise TransitionError(agent, to)
    after = replace(
        agent, state=to, state_since=now, call_ref=agent.call_ref if to is WRAP_UP else ""
    )
    event = AgentEvent(
        account_id=agent.account_id,
        agent_id=agent.agent_id,
        at=now,
        from_state=ON_CALL,
        to_state=to,
        reason=reason,
        call_ref=agent.call_ref,
    )
    return after, event


def wrap_up_ends(agent: Agent, group: AgentGroup) -> datetime | None:
    """When the agent's wrap-up is over (None: the agent is not wrapping up)."""
    if agent.state is not WRAP_UP or agent.state_since is None:
        return None
    return agent.state_since + timedelta(seconds=group.wrap_up_seconds)


def wrap_up_due(agent: Agent, group: AgentGroup, now: datetime) -> bool:
    """Whether the agent is wrapping up and the group's wrap-up time is over at ``now``."""
    ends = wrap_up_ends(agent, group)
    return ends is not None and ends <= now


def _id(text: str, what: str) -> str:
    if not isinstance(text, str) or not _ID.fullmatch(text):
        raise ValidationError(f"{what} is 1 to 40 of letters, digits, _ and -, not {text!r:.50}")
    return text


def _within(value: int, bounds: tuple[int, int], what: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{what} is a whole number of {low} to {high}, not {value!r:.20}")
    return value


def _name(text: str, default: str) -> str:
    if not isinstance(text, str) or len(text) > NAME_LENGTH:
        raise ValidationError(f"a name is at most {NAME_LENGTH} characters")
    return text.strip() or default


def group(
    account_id: str,
    group_id: str,
    name: str = "",
    wrap_up_seconds: int = 30,
    ring_timeout: int = 30,
    max_attempts: int = 2,
    created_at: datetime | None = None,
) -> AgentGroup:
    """A group as given, checked (``ValidationError`` saying what is wrong)."""
    return AgentGroup(
        account_id=account_id,
        group_id=_id(group_id, "a group id"),
        name=_name(name, group_id),
        wrap_up_seconds=_within(wrap_up_seconds, WRAP_UP_SECONDS, "wrap_up_seconds"),
        ring_timeout=_within(ring_timeout, RING_TIMEOUT, "ring_timeout"),
        max_attempts=_within(max_attempts, MAX_ATTEMPTS, "max_attempts"),
        created_at=created_at,
    )


def phone_digits(text: str) -> str:
    """The E.164 digits of a number written with its country code (``+44 7700 900123``)."""
    if not isinstance(text, str) or len(text) > 40:
        raise ValidationError("number: give a phone number with its country code")
    digits = _SEPARATORS.sub("", text.strip())
    digits = digits[2:] if digits.startswith("00") else digits.removeprefix("+")
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(
            f"number: {text.strip()[:40]!r} is not a phone number with its country code"
            " (+44 7700 900123)"
        )
    return digits


def agent(
    account_id: str,
    agent_id: str,
    group_id: str,
    login_type: str | LoginType,
    *,
    name: str = "",
    number: str = "",
    sip: str = "",
    agent_type: str | AgentType = AgentType.DYNAMIC,
    now: datetime,
) -> Agent:
    """A new agent as given, checked, logged out since ``now``: a softphone is reached on a
    SIP address, a mobile phone, desk phone or landline on a number (``ValidationError``
    saying what is wrong)."""
    try:
        login = LoginType(login_type)
    except ValueError:
        names = ", ".join(t.value for t in LoginType)
        raise ValidationError(
            f"login_type {str(login_type)[:40]!r} is not one of {names}"
        ) from None
    try:
        kind = AgentType(agent_type)
    except ValueError:
        names = " or ".join(t.value for t in AgentType)
        raise ValidationError(f"agent_type {str(agent_type)[:40]!r} is not {names}") from None
    if login.on_sip:
        if number or not sip:
            raise ValidationError("a softphone agent is reached on a SIP address (sip), no number")
        if not isinstance(sip, str) or not _SIP.fullmatch(sip):
            raise ValidationError(f"sip: {str(sip)[:80]!r} is not a SIP address (sip:user@host)")
    elif sip or not number:
        raise ValidationError(f"a {login.value} agent is reached on a phone number, no SIP address")
    return Agent(
        account_id=account_id,
        agent_id=_id(agent_id, "an agent id"),
        name=_name(name, agent_id),
        group_id=_id(group_id, "a group id"),
        login_type=login,
        number="" if login.on_sip else phone_digits(number),
        sip=sip if login.on_sip else "",
        agent_type=kind,
        state=LOGGED_OUT,
        state_since=now,
        created_at=now,
    )


def same_profile(one: Agent, other: Agent) -> bool:
    """Whether two agents differ in nothing but their state, its time, their call, version
    and creation."""
    fields = ("name", "group_id", "login_type", "number", "sip", "agent_type")
    return all(getattr(one, f) == getattr(other, f) for f in fields)


# -- an agent's life: made, changed, deleted; its password --------------------------------------
PASSWORD_LENGTH = (8, 200)
"""An agent's password: 8 to 200 characters."""
BUSY = frozenset({ON_CALL, WRAP_UP})
"""The states an agent cannot be deleted in: a call (or its wrap-up) still needs it."""


class AgentBusyError(ConflictError):
    """An agent on a call, or wrapping one up, was to be deleted."""

    def __init__(self, agent: Agent) -> None:
        doing = "on a call" if agent.state is ON_CALL else "wrapping up a call"
        super().__init__(
            f"agent {agent.agent_id} is {agent.state.value}: an agent {doing} cannot be deleted"
            " (delete it once it is available, paused or logged_out)"
        )
        self.agent_id = agent.agent_id
        self.state = agent.state


class VersionMovedError(ConflictError):
    """An agent was to be deleted at a version it is no longer at."""

    def __init__(self, agent: Agent, version: int) -> None:
        super().__init__(
            f"agent {agent.agent_id} is at version {agent.version}, not {version}: read it"
            " again and decide again"
        )
        self.agent_id = agent.agent_id


def created(agent: Agent) -> AgentEvent:
    """The event of an agent made (at its creation): in its state as it was, reason
    ``created``."""
    at = agent.created_at or agent.state_since
    if at is None:
        raise ValueError(f"agent {agent.agent_id}: a made agent has its creation time")
    return AgentEvent(
        account_id=agent.account_id,
        agent_id=agent.agent_id,
        at=at,
        from_state=agent.state,
        to_state=agent.state,
        reason="created",
    )


def profile_changed(before: Agent, now: datetime) -> AgentEvent:
    """The event of an agent's profile (name, group, address, login or agent type) changed:
    its state as it was, reason ``profile changed``."""
    return AgentEvent(
        account_id=before.account_id,
        agent_id=before.agent_id,
        at=now,
        from_state=before.state,
        to_state=before.state,
        reason="profile changed",
        call_ref=before.call_ref,
    )


def deleted(agent: Agent, now: datetime, version: int | None = None) -> AgentEvent:
    """The event of deleting ``agent`` (logged out, reason ``deleted``): ``AgentBusyError``
    while it is on a call or wrapping one up, ``VersionMovedError`` when ``version`` is given
    and the agent is at another."""
    if version is not None and version != agent.version:
        raise VersionMovedError(agent, version)
    if agent.state in BUSY:
        raise AgentBusyError(agent)
    return AgentEvent(
        account_id=agent.account_id,
        agent_id=agent.agent_id,
        at=now,
        from_state=agent.state,
        to_state=LOGGED_OUT,
        reason="deleted",
    )


def password(text: str) -> str:
    """An agent's new password, ``PASSWORD_LENGTH`` characters (``ValidationError``)."""
    low, high = PASSWORD_LENGTH
    if not isinstance(text, str) or not low <= len(text) <= high:
        raise ValidationError(f"a password has {low} to {high} characters")
    return text
