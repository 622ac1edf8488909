"""Live calls in DynamoDB: the ``calls`` table's item (``CallItem``, with the call's legs as
``LegMap`` and what it waits for as ``AwaitingMap``), its mapping to and from
``flows.state.CallState`` and ``Leg``, its index of an account's calls by start
(``CallsByAccountIndex``, projecting only what never changes during a call) and
``CallRepository``, with the account's calls in progress (``calls.model.CallInProgress``).

The whole state of a call is one item: one read and one write per webhook, every write under
the item's version. ``LegMap``, ``leg_map`` and ``leg_from`` are also the spelling of a leg in a
call record (``store.records``). Items and pynamodb exceptions never leave this module; each
method's docstring gives its DynamoDB requests. Imports no other aggregate module of the store.
Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pynamodb.attributes import (
    BooleanAttribute,
    MapAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection

from chalicelib.calls.model import CallInProgress
from chalicelib.flows.calldata import decode_call_data, encode_call_data
from chalicelib.flows.path import decode as decode_path
from chalicelib.flows.path import encode as encode_path
from chalicelib.flows.state import Awaiting, CallState, Leg, LegRole
from chalicelib.settings import Settings
from chalicelib.store.attributes import (
    DecimalAttribute,
    EnumAttribute,
    IntegerAttribute,
    MapOfAttribute,
    StringMapAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import (
    Clock,
    condition_failed,
    get_item,
    save_if_absent,
    translated,
    utc_now,
)
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem
from chalicelib.telephony.events import CallStatus, Direction


class LegMap(MapAttribute[str, Any]):
    """One call leg inside a call state or a call record."""

    leg_id = UnicodeAttribute()
    role = EnumAttribute(LegRole)
    number = UnicodeAttribute(null=True)
    status = EnumAttribute(CallStatus)
    direction = EnumAttribute(Direction)
    started_at = UtcDateTimeAttribute(null=True)
    answered_at = UtcDateTimeAttribute(null=True)
    ended_at = UtcDateTimeAttribute(null=True)
    duration = IntegerAttribute(null=True)
    rate = DecimalAttribute(null=True)
    price = DecimalAttribute(null=True)
    detail = UnicodeAttribute(null=True)


class AwaitingMap(MapAttribute[str, Any]):
    """What a call waits for: an event tagged ``ref`` for ``node``."""

    node = UnicodeAttribute()
    ref = UnicodeAttribute()


STILL_ATTRIBUTES = ("flow_id", "flow_version", "direction", "from_number", "to_number")
"""What ``CallsByAccountIndex`` projects besides its keys: attributes a call's steps never
change, so that a step's PutItem leaves the index unwritten (DynamoDB writes a global secondary
index only when an item's key or projected attributes in it change)."""
MAX_IN_PROGRESS = 100
"""The most calls ``CallRepository.in_progress`` looks at (one BatchGetItem)."""


class CallsByAccountIndex(GlobalSecondaryIndex["CallItem"]):  # type: ignore[no-untyped-call]
    """An account's calls by start time: written when a call starts (and when its item is
    dropped), never by its steps; only the attributes that never change are projected."""

    class Meta:
        index_name = "by_account"
        projection = IncludeProjection(list(STILL_ATTRIBUTES))

    account_id = UnicodeAttribute(hash_key=True)
    started_at = UtcDateTimeAttribute(range_key=True)


class CallItem(StoreItem):
    """The whole state of one live call (``calls``): one item, one read, one write.

    ``version`` guards every write; ``expires_at`` lets DynamoDB drop states of calls long over.
    """

    LOGICAL_NAME: ClassVar[str] = "calls"

    class Meta:
        table_name = "calls"

    call_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    flow_id = UnicodeAttribute()
    flow_version = IntegerAttribute()
    direction = EnumAttribute(Direction)
    from_number = UnicodeAttribute()
    to_number = UnicodeAttribute()
    started_at = UtcDateTimeAttribute()
    language = UnicodeAttribute()
    conversation_id = UnicodeAttribute(null=True)
    node = UnicodeAttribute(null=True)
    awaiting = AwaitingMap(null=True)  # type: ignore[no-untyped-call]
    seq = IntegerAttribute()
    flow_vars = StringMapAttribute()
    call_vars = StringMapAttribute()
    user_vars = StringMapAttribute()
    legs = MapOfAttribute(LegMap)
    answered_at = UtcDateTimeAttribute(null=True)
    ended_at = UtcDateTimeAttribute(null=True)
    finished = BooleanAttribute()
    attempt = IntegerAttribute()
    last_event_key = UnicodeAttribute(null=True)
    last_answer = UnicodeAttribute(null=True)
    last_effects = UnicodeAttribute(null=True)
    data = UnicodeAttribute(null=True)  # each product's typed data, JSON (flows.calldata)
    path = UnicodeAttribute(null=True)  # the nodes it went through, compact JSON (flows.path)
    version = VersionAttribute()
    expires_at = TTLAttribute()

    by_account = CallsByAccountIndex()


def leg_map(leg: Leg) -> LegMap:
    """The sub-document of a leg."""
    return LegMap(  # type: ignore[no-untyped-call]
        leg_id=leg.leg_id,
        role=leg.role,
        number=leg.number,
        status=leg.status,
        direction=leg.direction,
        started_at=leg.started_at,
        answered_at=leg.answered_at,
        ended_at=leg.ended_at,
        duration=leg.duration,
        rate=leg.rate,
        price=leg.price,
        detail=leg.detail,
    )


def leg_from(doc: LegMap) -> Leg:
    """The leg a sub-document holds."""
    return Leg(
        leg_id=doc.leg_id,
        role=doc.role,
        number=doc.number,
        status=doc.status,
        direction=doc.direction,
        started_at=doc.started_at,
        answered_at=doc.answered_at,
        ended_at=doc.ended_at,
        duration=doc.duration,
        rate=doc.rate,
        price=doc.price,
        detail=doc.detail,
    )


def _legs_map(legs: Mapping[str, Leg]) -> dict[str, LegMap]:
    return {key: leg_map(leg) for key, leg in legs.items()}


def call_item(state: CallState, expires_at: datetime) -> CallItem:
    """The item of a call state. ``state.version`` 0 means never stored (no item version)."""
    awaiting = (
        None
        if state.awaiting is None
        else AwaitingMap(node=state.awaiting.node, ref=state.awaiting.ref)  # type: ignore[no-untyped-call]
    )
    item = CallItem(
        state.call_id,
        account_id=state.account_id,
        flow_id=state.flow_id,
        flow_version=state.flow_version,
        direction=state.direction,
        from_number=state.from_number,
        to_number=state.to_number,
        started_at=state.started_at,
        language=state.language,
        conversation_id=state.conversation_id,
        node=state.node,
        awaiting=awaiting,
        seq=state.seq,
        flow_vars=dict(state.flow_vars),
        call_vars=dict(state.call_vars),
        user_vars=dict(state.user_vars),
        legs=_legs_map(state.legs),
        answered_at=state.answered_at,
        ended_at=state.ended_at,
        finished=state.finished,
        attempt=state.attempt,
        last_event_key=state.last_event_key,
        last_answer=state.last_answer,
        last_effects=state.last_effects,
        data=encode_call_data(state.data),
        path=encode_path(state.path),
        expires_at=require_aware(expires_at, "expires_at"),
    )
    if state.version:
        item.version = state.version
    return item


def call_state_from(item: CallItem) -> CallState:
    """The call state an item holds, with the item's version."""
    awaiting = None if item.awaiting is None else Awaiting(item.awaiting.node, item.awaiting.ref)
    return CallState(
        call_id=item.call_id,
        account_id=item.account_id,
        flow_id=item.flow_id,
        flow_version=item.flow_version,
        direction=item.direction,
        from_number=item.from_number,
        to_number=item.to_number,
        started_at=item.started_at,
        language=item.language,
        conversation_id=item.conversation_id,
        node=item.node,
        awaiting=awaiting,
        seq=item.seq,
        flow_vars=dict(item.flow_vars or {}),
        call_vars=dict(item.call_vars or {}),
        user_vars=dict(item.user_vars or {}),
        legs={key: leg_from(doc) for key, doc in (item.legs or {}).items()},
        answered_at=item.answered_at,
        ended_at=item.ended_at,
        finished=item.finished,
        attempt=item.attempt,
        last_event_key=item.last_event_key,
        last_answer=item.last_answer,
        last_effects=item.last_effects,
        data=decode_call_data(item.data),
        path=decode_path(item.path),
        version=item.version or 0,
    )


class CallRepository:
    """Live call states: one item per call, written only under a version condition."""

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None) -> None:
        bound = bound_settings()
        self._ttl = timedelta(seconds=(settings or bound).call_ttl_seconds)
        self._clock = clock or utc_now

    def _expires_at(self) -> datetime:
        return require_aware(self._clock(), "clock()") + self._ttl

    @translated
    def create(self, state: CallState) -> CallState:
        """Store a new call; ``AlreadyExistsError`` if the call id is there (a retried answer
        webhook). Returns the state as stored (version 1). 1 PutItem."""
        item = call_item(replace(state, version=0), self._expires_at())
        save_if_absent(item, "call", state.call_id)
        return replace(state, version=1)

    @translated
    def get(self, call_id: str, consistent: bool = True) -> CallState:
        """The call's state with its version; ``NotFoundError`` if absent. 1 GetItem
        (strongly consistent by default: a stale read would only lose the next save)."""
        item: CallItem = get_item(CallItem, "call", call_id, consistent=consistent)
        return call_state_from(item)

    @translated
    def save(self, state: CallState) -> CallState:
        """Replace the stored state if it still has ``state.version`` (0: if there is none);
        returns the state with its new version. ``StaleStateError`` if someone else wrote
        first (the stored item is unchanged). 1 PutItem."""
        item = call_item(state, self._expires_at())
        try:
            item.save()
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError(
                    "call", state.call_id, f"is no longer at version {state.version}"
                ) from error
            raise
        return replace(state, version=state.version + 1)

    @translated
    def delete(self, call_id: str) -> None:
        """Remove a call's state (idempotent). 1 DeleteItem."""
        CallItem(call_id).delete(add_version_condition=False)

    @translated
    def in_progress(
        self, account_id: str, since: datetime, limit: int = MAX_IN_PROGRESS
    ) -> list[CallInProgress]:
        """The account's calls started at or after ``since`` that have not finished, newest
        first, among the ``limit`` (1..100) newest started since then. 1 Query of the index
        ``by_account`` (its items hold only what never changes during a call, so the calls'
        steps never write it), then, when it found calls, 1 BatchGetItem (strongly
        consistent, ``node``, ``path`` and ``finished`` only; keys it leaves unprocessed are
        sent again): 2 requests for any number of live calls up to ``limit``."""
        if not 1 <= limit <= MAX_IN_PROGRESS:
            raise ValueError(f"limit is 1 to {MAX_IN_PROGRESS}, not {limit}")
        started = list(
            CallItem.by_account.query(
                account_id,
                CallItem.started_at >= require_aware(since, "since"),
                scan_index_forward=False,
                limit=limit,
            )
        )
        if not started:
            return []
        now = {
            item.call_id: item
            for item in CallItem.batch_get(
                [item.call_id for item in started],
                consistent_read=True,
                attributes_to_get=["call_id", "node", "path", "finished"],
            )
        }
        calls = []
        for item in started:
            live = now.get(item.call_id)
            if live is None or live.finished:
                continue
            calls.append(
                CallInProgress(
                    call_id=item.call_id,
                    flow_id=item.flow_id,
                    flow_version=item.flow_version,
                    direction=item.direction,
                    from_number=item.from_number,
                    to_number=item.to_number,
                    started_at=item.started_at,
                    node=live.node,
                    path=decode_path(live.path),
                )
            )
        return calls
