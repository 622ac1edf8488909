"""The dialer's agents and the changes of their states in DynamoDB: the ``dialer_agents`` table
(an account's agents under its id, ordered by agent id; listed per group through the
``by_group`` index; the available ones of a group, longest idle first, through the sparse
``available`` index: ``available_key`` is set only while an agent is available, its range is
``state_since``) and the ``dialer_agent_events`` table (an agent's state changes under
``<account>#<agent>``, ordered by the version each stored, kept ``EVENT_DAYS``), with
``AgentRepository``.

Both tables are here because they are written together: an agent is stored at version 1 (or,
made again after a deletion, after the last version its id had) with its ``created`` event, and
each change of its state or its profile, and its deletion, is one TransactWriteItems that writes
(or deletes) the agent on condition that it is still at the version and in the state it was read
in, and appends the change's event at the next version on condition that no event has that
version: an agent's versions have no gaps, each has its event, and a deleted agent's events are
kept. So two writers never both change
one agent (two customers are never given one agent), and no change is lost, doubled or left
without its event. Items and pynamodb exceptions never leave this module; each method's
docstring gives its DynamoDB requests. Imports pynamodb, the store's base helpers and the
dialer's records; must not import the dialer's services. Part of ``store``, the only package
that may import pynamodb.
"""

from __future__ import annotations

import builtins
from dataclasses import replace
from datetime import timedelta
from typing import ClassVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.store.attributes import EnumAttribute, IntegerAttribute, UtcDateTimeAttribute
from chalicelib.store.base import get_item, lost_races, translated
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.dialer_records import Agent, AgentEvent, AgentState, AgentType, LoginType
from chalicelib.store.errors import AlreadyExistsError, StaleStateError
from chalicelib.store.registry import StoreItem

EVENT_DAYS = 400
"""How long an agent's state changes are kept (DynamoDB's TTL removes them after)."""


def _key(account_id: str, second: str) -> str:
    """``<account>#<id>``: account, agent and group ids hold no ``#``."""
    return f"{account_id}#{second}"


class AgentsByGroupIndex(GlobalSecondaryIndex["DialerAgentItem"]):  # type: ignore[no-untyped-call]
    """A group's agents, by agent id."""

    class Meta:
        index_name = "by_group"
        projection = AllProjection()

    group_key = UnicodeAttribute(hash_key=True)
    agent_id = UnicodeAttribute(range_key=True)


class AvailableAgentsIndex(GlobalSecondaryIndex["DialerAgentItem"]):  # type: ignore[no-untyped-call]
    """A group's available agents, longest idle first (sparse: only available agents are in
    it)."""

    class Meta:
        index_name = "available"
        projection = AllProjection()

    available_key = UnicodeAttribute(hash_key=True)
    state_since = UtcDateTimeAttribute(range_key=True)


class DialerAgentItem(StoreItem):
    """One agent of an account (``dialer_agents``)."""

    LOGICAL_NAME: ClassVar[str] = "dialer_agents"

    class Meta:
        table_name = "dialer_agents"

    account_id = UnicodeAttribute(hash_key=True)
    agent_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    group_id = UnicodeAttribute()
    group_key = UnicodeAttribute()
    """``<account>#<group>``."""
    login_type = EnumAttribute(LoginType)
    number = UnicodeAttribute(null=True)
    sip = UnicodeAttribute(null=True)
    agent_type = EnumAttribute(AgentType)
    state = EnumAttribute(AgentState)
    state_since = UtcDateTimeAttribute()
    available_key = UnicodeAttribute(null=True)
    """``<account>#<group>`` while the agent is available, absent otherwise."""
    call_ref = UnicodeAttribute(null=True)
    version = IntegerAttribute()
    created_at = UtcDateTimeAttribute(null=True)
    by_group = AgentsByGroupIndex()
    available = AvailableAgentsIndex()


class AgentEventItem(StoreItem):
    """One change of an agent's state (``dialer_agent_events``)."""

    LOGICAL_NAME: ClassVar[str] = "dialer_agent_events"

    class Meta:
        table_name = "dialer_agent_events"

    agent_key = UnicodeAttribute(hash_key=True)
    """``<account>#<agent>``."""
    version = IntegerAttribute(range_key=True)
    at = UtcDateTimeAttribute()
    from_state = EnumAttribute(AgentState)
    to_state = EnumAttribute(AgentState)
    reason = UnicodeAttribute(null=True)
    call_ref = UnicodeAttribute(null=True)
    expires = TTLAttribute(null=True)


def _agent_item(agent: Agent) -> DialerAgentItem:
    if agent.state_since is None:
        raise ValueError(f"agent {agent.agent_id}: a stored agent has its state_since")
    available = agent.state is AgentState.AVAILABLE
    return DialerAgentItem(
        agent.account_id,
        agent.agent_id,
        name=agent.name,
        group_id=agent.group_id,
        group_key=_key(agent.account_id, agent.group_id),
        login_type=agent.login_type,
        number=agent.number or None,
        sip=agent.sip or None,
        agent_type=agent.agent_type,
        state=agent.state,
        state_since=agent.state_since,
        available_key=_key(agent.account_id, agent.group_id) if available else None,
        call_ref=agent.call_ref or None,
        version=agent.version,
        created_at=agent.created_at,
    )


def _agent(item: DialerAgentItem) -> Agent:
    return Agent(
        account_id=item.account_id,
        agent_id=item.agent_id,
        name=item.name,
        group_id=item.group_id,
        login_type=item.login_type,
        number=item.number or "",
        sip=item.sip or "",
        agent_type=item.agent_type,
        state=item.state,
        state_since=item.state_since,
        call_ref=item.call_ref or "",
        version=item.version,
        created_at=item.created_at,
    )


def _event_item(event: AgentEvent) -> AgentEventItem:
    item = AgentEventItem(
        _key(event.account_id, event.agent_id),
        event.version,
        at=event.at,
        from_state=event.from_state,
        to_state=event.to_state,
        reason=event.reason or None,
        call_ref=event.call_ref or None,
    )
    item.expires = event.at + timedelta(days=EVENT_DAYS)
    return item


def _claim_key(account_id: str, call_ref: str) -> str:
    """``<account>#call#<call_ref>``: never an agent's events' key (an agent id holds no
    ``#``)."""
    return f"{account_id}#call#{call_ref}"


def _claim_item(agent: Agent, event: AgentEvent) -> AgentEventItem:
    """A call's claim, kept beside the agents' events (version 0, the agent in ``reason``)."""
    item = AgentEventItem(
        _claim_key(agent.account_id, agent.call_ref),
        0,
        at=event.at,
        from_state=event.from_state,
        to_state=event.to_state,
        reason=agent.agent_id,
        call_ref=agent.call_ref,
    )
    item.expires = event.at + timedelta(days=EVENT_DAYS)
    return item


def _event(item: AgentEventItem) -> AgentEvent:
    account_id, _, agent_id = item.agent_key.partition("#")
    return AgentEvent(
        account_id=account_id,
        agent_id=agent_id,
        at=item.at,
        from_state=item.from_state,
        to_state=item.to_state,
        reason=item.reason or "",
        call_ref=item.call_ref or "",
        version=item.version,
    )


def _as_read(agent: Agent) -> Condition:
    """The stored agent is still at the version and in the state ``agent`` was read in."""
    condition: Condition = (DialerAgentItem.version == agent.version) & (
        DialerAgentItem.state == agent.state
    )
    return condition


class AgentRepository:
    """Agents: made, changed (each change conditional on the version read), their state
    changed with its event, read, listed (per account, per group), the longest idle available
    ones of a group found, and their events listed."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, agent: Agent, event: AgentEvent) -> Agent:
        """Store a new agent with its event (``AlreadyExistsError`` if the account has one of
        its id; nothing written). Its version follows the last event of an agent of its id
        deleted before (1 for the first), so that an agent's versions and events never repeat
        and have no gaps. 1 consistent Query (its last event) + 1 TransactWriteItems (2
        conditional Puts)."""
        last = AgentEventItem.query(
            _key(agent.account_id, agent.agent_id),
            consistent_read=True,
            scan_index_forward=False,
            limit=1,
        )
        version = max((item.version for item in last), default=0) + 1
        created = replace(agent, version=version)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(
                    _agent_item(created), condition=DialerAgentItem.account_id.does_not_exist()
                )
                transaction.save(
                    _event_item(replace(event, version=version)),
                    condition=AgentEventItem.agent_key.does_not_exist(),
                )
        except TransactWriteError as error:
            lost_races(error)  # re-raises what is not a lost condition or a conflict
            raise AlreadyExistsError("agent", agent.agent_id, "already exists") from None
        return created

    @translated
    def save(self, agent: Agent, before: Agent, event: AgentEvent) -> Agent:
        """Write ``agent`` (its name, group, address, login or agent type changed, its state
        as ``before``'s) at the version after ``before``'s with its event, on condition that
        the stored agent is still ``before`` (version and state); ``StaleStateError``
        otherwise (nothing written). 1 TransactWriteItems (2 conditional Puts)."""
        saved = replace(
            agent,
            state=before.state,
            state_since=before.state_since,
            call_ref=before.call_ref,
            version=before.version + 1,
        )
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_agent_item(saved), condition=_as_read(before))
                transaction.save(
                    _event_item(replace(event, version=saved.version)),
                    condition=AgentEventItem.agent_key.does_not_exist(),
                )
        except TransactWriteError as error:
            lost_races(error)
            raise StaleStateError("agent", agent.agent_id) from None
        return saved

    @translated
    def delete(self, before: Agent, event: AgentEvent) -> None:
        """Delete the agent on condition that it is still ``before`` (version and state),
        appending ``event`` at the next version (its earlier events are kept);
        ``StaleStateError`` otherwise (nothing written). 1 TransactWriteItems (a conditional
        Delete and a conditional Put)."""
        version = before.version + 1
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.delete(_agent_item(before), condition=_as_read(before))
                transaction.save(
                    _event_item(replace(event, version=version)),
                    condition=AgentEventItem.agent_key.does_not_exist(),
                )
        except TransactWriteError as error:
            lost_races(error)
            raise StaleStateError("agent", before.agent_id) from None

    @translated
    def change(self, before: Agent, after: Agent, event: AgentEvent, claim: bool = False) -> Agent:
        """Change an agent's state: ``after`` stored at the version after ``before``'s on
        condition that the stored agent is still ``before`` (version and state), and ``event``
        appended at that version on condition that no event has it; with ``claim``, also the
        call's claim (``after.call_ref`` given this agent) on condition that the call has none,
        so a call is never given two agents. ``StaleStateError`` when another change or claim
        came first (nothing written). 1 TransactWriteItems (2 Puts, 3 with ``claim``)."""
        version = before.version + 1
        stored = replace(after, version=version)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(_agent_item(stored), condition=_as_read(before))
                transaction.save(
                    _event_item(replace(event, version=version)),
                    condition=AgentEventItem.agent_key.does_not_exist(),
                )
                if claim:
                    transaction.save(
                        _claim_item(stored, event),
                        condition=AgentEventItem.agent_key.does_not_exist(),
                    )
        except TransactWriteError as error:
            lost_races(error)  # re-raises what is not a lost condition or a conflict
            raise StaleStateError("agent", before.agent_id) from None
        return stored

    @translated
    def claimed(self, account_id: str, call_ref: str) -> str | None:
        """The agent the call ``call_ref`` was given, or None. 1 consistent GetItem."""
        try:
            item = AgentEventItem.get(_claim_key(account_id, call_ref), 0, consistent_read=True)
        except DoesNotExist:
            return None
        return item.reason or None

    @translated
    def get(self, account_id: str, agent_id: str) -> Agent:
        """One agent of the account (``NotFoundError``). 1 consistent GetItem."""
        return _agent(get_item(DialerAgentItem, "agent", account_id, agent_id, consistent=True))

    @translated
    def list(self, account_id: str, group_id: str | None = None) -> builtins.list[Agent]:
        """The account's agents (or one group's), by agent id. The account's: 1 consistent
        Query (paginated); a group's: 1 Query of the ``by_group`` index (paginated, eventually
        consistent)."""
        if group_id is None:
            items = DialerAgentItem.query(account_id, consistent_read=True)
        else:
            items = DialerAgentItem.by_group.query(_key(account_id, group_id))
        return [_agent(item) for item in items]

    @translated
    def longest_idle(self, account_id: str, group_id: str, limit: int) -> builtins.list[Agent]:
        """Up to ``limit`` available agents of the group, the longest idle (earliest
        ``state_since``) first. 1 Query of the sparse ``available`` index (eventually
        consistent: an agent found may have changed since; its change's condition tells)."""
        items = DialerAgentItem.available.query(
            _key(account_id, group_id), scan_index_forward=True, limit=max(limit, 1)
        )
        return [_agent(item) for item in items]

    @translated
    def events(self, account_id: str, agent_id: str, limit: int) -> builtins.list[AgentEvent]:
        """The agent's latest ``limit`` state changes, newest first. 1 consistent Query."""
        items = AgentEventItem.query(
            _key(account_id, agent_id),
            consistent_read=True,
            scan_index_forward=False,
            limit=max(limit, 1),
        )
        return [_event(item) for item in items]
