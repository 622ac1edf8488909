"""The dialer's agents and groups as a service: groups and agents set and read; an agent's state
changed as asked (``set_state``, on the table of ``agent_rules``); an answered customer given
the group's longest-idle available agent (``claim``: two customers are never given one agent);
a call's end putting its agent in wrap-up (``release``, for that call only); a wrap-up over
making the agent available again (``finish_wrap_up``, what the wrap-up timer runs, idempotent);
an agent deleted unless a call needs it (``delete_agent``); and an agent's state changes listed
(``events``).

Every change of an agent's state is one conditional write of the store's (on the version and
state it was read in, with its event); one that loses its race is read again and redone, so a
change asked for is judged against the state the agent is really in. The store is behind the
``GroupStore`` and ``AgentStore`` protocols and the wrap-up timer behind ``WrapUpTimer``; the
clock is a parameter. Imports the dialer's rules and model and the platform's errors; must not
import pynamodb, the store's modules or the web layer.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from chalicelib.dialer import agent_rules as rules
from chalicelib.dialer.model import (
    ID_PATTERN,
    Agent,
    AgentEvent,
    AgentGroup,
    AgentState,
    AgentType,
    LoginType,
)
from chalicelib.errors import AlreadyExistsError, NotFoundError, StaleStateError

ATTEMPTS = 5
"""Reads and writes of one change before it gives up (``StaleStateError``: retry later)."""
CANDIDATES = 5
"""Available agents one look at a group reads (the longest idle first)."""
CLAIM_ROUNDS = 3
"""Looks at a group one claim makes while others take the agents it found."""
EVENTS_LIMIT = 200
_ID = re.compile(ID_PATTERN)


def known(text: str, kind: str) -> str:
    """``text``, an id an agent or a group may have; ``NotFoundError`` for one none can."""
    if not isinstance(text, str) or not _ID.fullmatch(text):
        raise NotFoundError(f"no {kind} {str(text)[:50]!r}")
    return text


class GroupStore(Protocol):
    """Where groups are kept (``store.dialer_groups``)."""

    def put(self, group: AgentGroup) -> AgentGroup: ...

    def get(self, account_id: str, group_id: str) -> AgentGroup: ...

    def list(self, account_id: str) -> builtins.list[AgentGroup]: ...


class AgentStore(Protocol):
    """Where agents and their state changes are kept (``store.dialer_agents``): ``save`` and
    ``change`` are conditional on the version and state of ``before`` (``StaleStateError``)."""

    def create(self, agent: Agent, event: AgentEvent) -> Agent: ...

    def save(self, agent: Agent, before: Agent, event: AgentEvent) -> Agent: ...

    def delete(self, before: Agent, event: AgentEvent) -> None: ...

    def change(
        self, before: Agent, after: Agent, event: AgentEvent, claim: bool = False
    ) -> Agent: ...

    def claimed(self, account_id: str, call_ref: str) -> str | None: ...

    def get(self, account_id: str, agent_id: str) -> Agent: ...

    def list(self, account_id: str, group_id: str | None = None) -> builtins.list[Agent]: ...

    def longest_idle(self, account_id: str, group_id: str, limit: int) -> builtins.list[Agent]: ...

    def events(self, account_id: str, agent_id: str, limit: int) -> builtins.list[AgentEvent]: ...


WrapUpTimer = Callable[[Agent, datetime], None]
"""(agent in wrap-up, when its wrap-up ends): have ``finish_wrap_up`` run then."""


def _no_timer(agent: Agent, ends: datetime) -> None:
    return None


def _nobody_told(agent: Agent) -> None:
    return None


Deleted = Callable[[Agent], None]
"""(an agent just deleted): what else goes with it (its password)."""


def _nothing_else(agent: Agent) -> None:
    return None


@dataclass
class Agents:
    """The dialer's groups and agents (see the module)."""

    groups: GroupStore
    agents: AgentStore
    wrap_up_timer: WrapUpTimer = _no_timer
    on_available: Callable[[Agent], None] = _nobody_told
    """Told of each agent that became available (the dialer wakes its campaigns' dispatch)."""
    deleted: Deleted = _nothing_else

    # -- groups ----------------------------------------------------------------------------
    def put_group(
        self,
        account_id: str,
        group_id: str,
        name: str = "",
        wrap_up_seconds: int = 30,
        ring_timeout: int = 30,
        max_attempts: int = 2,
        *,
        now: datetime,
    ) -> AgentGroup:
        """Make or change a group (its creation time kept)."""
        made = rules.group(account_id, group_id, name, wrap_up_seconds, ring_timeout, max_attempts)
        try:
            created = self.groups.get(account_id, made.group_id).created_at
        except NotFoundError:
            created = now
        return self.groups.put(replace(made, created_at=created))

    def group(self, account_id: str, group_id: str) -> AgentGroup:
        """One group of the account (``NotFoundError``)."""
        return self.groups.get(account_id, known(group_id, "group"))

    def list_groups(self, account_id: str) -> list[AgentGroup]:
        return self.groups.list(account_id)

    # -- agents ----------------------------------------------------------------------------
    def put_agent(
        self,
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
        """Make an agent (logged out; its event ``created``) or change one (its state, call
        and time kept; its event ``profile changed``) of a group of the account
        (``NotFoundError`` for a group it has not)."""
        made = rules.agent(
            account_id,
            agent_id,
            group_id,
            login_type,
            name=name,
            number=number,
            sip=sip,
            agent_type=agent_type,
            now=now,
        )
        self.groups.get(account_id, made.group_id)
        for _ in range(ATTEMPTS):
            try:
                before = self.agents.get(account_id, made.agent_id)
            except NotFoundError:
                try:
                    return self.agents.create(made, rules.created(made))
                except AlreadyExistsError:
                    continue
            if rules.same_profile(made, before):
                return before
            try:
                changed = replace(made, created_at=before.created_at)
                return self.agents.save(changed, before, rules.profile_changed(before, now))
            except StaleStateError:
                continue
        raise StaleStateError(f"agent {agent_id} kept changing; try again")

    def delete_agent(
        self, account_id: str, agent_id: str, now: datetime, version: int | None = None
    ) -> Agent:
        """Delete an agent (its events kept, its password gone): on condition that it is still
        at the version read (or ``version``, when given: ``VersionMovedError`` otherwise) and
        is not on a call or wrapping one up (``AgentBusyError`` saying why);
        ``NotFoundError`` for an agent the account has not. The agent as it was."""
        known(agent_id, "agent")
        for _ in range(ATTEMPTS):
            agent = self.agents.get(account_id, agent_id)
            event = rules.deleted(agent, now, version)
            try:
                self.agents.delete(agent, event)
            except StaleStateError:
                if version is not None:
                    raise rules.VersionMovedError(
                        self.agents.get(account_id, agent_id), version
                    ) from None
                continue
            self.deleted(agent)
            return agent
        raise StaleStateError(f"agent {agent_id} kept changing; try again")

    def agent(self, account_id: str, agent_id: str) -> Agent:
        """One agent of the account (``NotFoundError``)."""
        return self.agents.get(account_id, known(agent_id, "agent"))

    def list_agents(self, account_id: str, group_id: str | None = None) -> list[Agent]:
        """The account's agents, or one of its groups' (``NotFoundError`` for a group it has
        not)."""
        if group_id is not None:
            self.groups.get(account_id, known(group_id, "group"))
        return self.agents.list(account_id, group_id)

    def events(self, account_id: str, agent_id: str, limit: int = 50) -> list[AgentEvent]:
        """The agent's latest state changes, newest first (``NotFoundError`` for an agent the
        account has not)."""
        self.agents.get(account_id, known(agent_id, "agent"))
        return self.agents.events(account_id, agent_id, max(1, min(limit, EVENTS_LIMIT)))

    # -- states ----------------------------------------------------------------------------
    def set_state(
        self, account_id: str, agent_id: str, to: str | AgentState, now: datetime, reason: str = ""
    ) -> Agent:
        """Change an agent's state as asked (REST, the CLI, the agent's page). Asked for the
        state it is in: nothing changes. A change the table does not allow (from the state the
        agent is really in) is a ``TransitionError`` saying why."""
        target = rules.state_of(to)
        known(agent_id, "agent")
        for _ in range(ATTEMPTS):
            agent = self.agents.get(account_id, agent_id)
            if target is agent.state and target is not AgentState.ON_CALL:
                return agent
            after, event = rules.asked(agent, target, now, reason)
            try:
                stored = self.agents.change(agent, after, event)
            except StaleStateError:
                continue
            self._changed(stored)
            return stored
        raise StaleStateError(f"agent {agent_id} kept changing; try again")

    def claim(
        self, account_id: str, group_id: str, call_ref: str, now: datetime, prefer: str = ""
    ) -> Agent | None:
        """Give the call ``call_ref`` the group's longest-idle available agent: that agent on
        the call since ``now``, or None when no agent of the group is available. Each try is
        conditional: an agent another claim (or change) took first is passed over for the next
        longest idle, so two calls never get one agent. A call already given an agent (a
        claim asked again, as a task delivered twice does) gets that agent back: one call is
        never given two agents. ``prefer`` (a call rescheduled for its agent) is tried first
        when it is an available agent of the group."""
        if not _ID.fullmatch(group_id):
            return None
        given = self._given(account_id, call_ref)
        if given is not None:
            return given
        if prefer and _ID.fullmatch(prefer):
            try:
                taken = self._take(self.agents.get(account_id, prefer), group_id, call_ref, now)
            except NotFoundError:
                taken = None
            if taken is not None:
                return taken
        for _ in range(CLAIM_ROUNDS):
            candidates = self.agents.longest_idle(account_id, group_id, CANDIDATES)
            if not candidates:
                return None
            for candidate in candidates:
                taken = self._take(candidate, group_id, call_ref, now)
                if taken is not None:
                    return taken
        return None

    def _take(self, agent: Agent, group_id: str, call_ref: str, now: datetime) -> Agent | None:
        """``agent`` on the call, if it is (still) an available agent of the group."""
        for _ in range(2):
            if agent.state is not AgentState.AVAILABLE or agent.group_id != group_id:
                return None
            after, event = rules.given_call(agent, call_ref, now)
            try:
                return self.agents.change(agent, after, event, claim=True)
            except StaleStateError:
                given = self._given(agent.account_id, call_ref)
                if given is not None:
                    return given
                agent = self.agents.get(agent.account_id, agent.agent_id)
        return None

    def _given(self, account_id: str, call_ref: str) -> Agent | None:
        """The agent the call was given already, or None."""
        agent_id = self.agents.claimed(account_id, call_ref) if call_ref else None
        return None if agent_id is None else self.agents.get(account_id, agent_id)

    def release(
        self, account_id: str, agent_id: str, call_ref: str, now: datetime, how: str = "talked"
    ) -> Agent:
        """The call ``call_ref`` is done with its agent: after a talk it goes to wrap-up (its
        end timed), after a ring it missed paused, when the customer left first available
        (``agent_rules.RELEASES``). An agent not on that call (a second release, another
        call's) is left as it is and returned."""
        known(agent_id, "agent")
        for _ in range(ATTEMPTS):
            agent = self.agents.get(account_id, agent_id)
            if agent.state is not AgentState.ON_CALL or agent.call_ref != call_ref:
                return agent
            after, event = rules.released(agent, how, now)
            try:
                stored = self.agents.change(agent, after, event)
            except StaleStateError:
                continue
            self._changed(stored)
            return stored
        raise StaleStateError(f"agent {agent_id} kept changing; try again")

    def wrap_up_due(self, agent: Agent, now: datetime) -> bool:
        """Whether the agent's wrap-up is over at ``now`` (by its group's wrap-up time)."""
        return rules.wrap_up_due(agent, self.groups.get(agent.account_id, agent.group_id), now)

    def finish_wrap_up(
        self, account_id: str, agent_id: str, now: datetime, since: datetime | None = None
    ) -> Agent:
        """The wrap-up timer: an agent still in the wrap-up begun at ``since`` (any, if None)
        whose wrap-up time is over becomes available. Anything else changes nothing (run twice,
        late, or after the agent moved on); a wrap-up not over yet (its group's time made
        longer) is timed again."""
        known(agent_id, "agent")
        for _ in range(ATTEMPTS):
            agent = self.agents.get(account_id, agent_id)
            if agent.state is not AgentState.WRAP_UP:
                return agent
            if since is not None and agent.state_since != since:
                return agent
            group = self.groups.get(account_id, agent.group_id)
            if not rules.wrap_up_due(agent, group, now):
                self._wrap_up_later(agent, group)
                return agent
            after, event = rules.changed(agent, AgentState.AVAILABLE, now, "wrap-up time over")
            try:
                stored = self.agents.change(agent, after, event)
            except StaleStateError:
                continue
            self._changed(stored)
            return stored
        raise StaleStateError(f"agent {agent_id} kept changing; try again")

    def _changed(self, agent: Agent) -> None:
        """After a change: time the end of a wrap-up; tell of an agent become available."""
        self._wrap_up_later(agent)
        if agent.state is AgentState.AVAILABLE:
            self.on_available(agent)

    def _wrap_up_later(self, agent: Agent, group: AgentGroup | None = None) -> None:
        """Time the end of an agent's wrap-up (an agent in another state: nothing)."""
        if agent.state is not AgentState.WRAP_UP:
            return
        group = group or self.groups.get(agent.account_id, agent.group_id)
        ends = rules.wrap_up_ends(agent, group)
        if ends is not None:
            self.wrap_up_timer(agent, ends)


def states(agents: Sequence[Agent]) -> dict[str, int]:
    """How many of ``agents`` are in each state (every state named, zeros too)."""
    counts = {state.value: 0 for state in AgentState}
    for agent in agents:
        counts[agent.state.value] += 1
    return counts
