"""Conversions between the store's pynamodb items and the domain objects.

Every field of every domain object is mapped here, once, in both directions; repositories call
these functions and never touch attribute lists themselves. Part of ``store``, the only package
that may import pynamodb; items built here never leave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from chalicelib.accounts.model import Account, PhoneNumber
from chalicelib.calls.model import CallRecord
from chalicelib.flows.records import FlowHead, FlowRevision
from chalicelib.flows.state import Awaiting, CallState, Leg
from chalicelib.store.attributes import require_aware
from chalicelib.store.models import (
    HEAD_VERSION,
    AccountItem,
    AwaitingMap,
    CallItem,
    CallRecordItem,
    FlowItem,
    LegMap,
    NumberItem,
)


def record_sort_key(started_at: datetime, call_id: str = "") -> str:
    """The sort key of a call record: fixed-width UTC ISO 8601, ``#``, the call id.

    Without ``call_id`` it is the bound used by time-range queries: it sorts before every key
    of a record that started at ``started_at`` and after every key of one that started earlier.
    """
    utc = require_aware(started_at, "started_at").astimezone(UTC).replace(tzinfo=None)
    stamp = utc.isoformat(timespec="microseconds") + "Z"
    return f"{stamp}#{call_id}" if call_id else stamp


# accounts ------------------------------------------------------------------------------------


def account_item(account: Account) -> AccountItem:
    """The item of a new account."""
    return AccountItem(
        account.account_id,
        name=account.name,
        language=account.language,
        api_key_hashes=list(account.api_key_hashes),
        balance=account.balance,
        currency=account.currency,
        enabled=account.enabled,
        created_at=account.created_at,
    )


def account_from(item: AccountItem) -> Account:
    """The account an item holds."""
    return Account(
        account_id=item.account_id,
        name=item.name,
        language=item.language,
        api_key_hashes=tuple(item.api_key_hashes or ()),
        balance=item.balance,
        currency=item.currency,
        enabled=item.enabled,
        created_at=item.created_at,
    )


# numbers -------------------------------------------------------------------------------------


def number_item(number: PhoneNumber) -> NumberItem:
    """The item of a number."""
    return NumberItem(
        number.number,
        account_id=number.account_id,
        flow_id=number.flow_id,
        language=number.language,
        enabled=number.enabled,
        flow_version=number.flow_version,
        flow_enabled=number.flow_enabled if number.flow_version is not None else None,
        flow_generation=number.flow_generation if number.flow_version is not None else None,
    )


def number_from(item: NumberItem) -> PhoneNumber:
    """The number an item holds."""
    return PhoneNumber(
        number=item.number,
        account_id=item.account_id,
        flow_id=item.flow_id,
        language=item.language,
        enabled=item.enabled,
        flow_version=item.flow_version,
        flow_enabled=bool(item.flow_enabled),
        flow_generation=item.flow_generation or 0,
    )


# flows ---------------------------------------------------------------------------------------


def flow_head_from(item: FlowItem) -> FlowHead:
    """The head a version-0 item holds."""
    if item.version != HEAD_VERSION or item.name is None or item.latest_version is None:
        raise ValueError(f"flow item {item.flow_id}/{item.version} is not a head")
    return FlowHead(
        flow_id=item.flow_id,
        account_id=item.account_id,
        name=item.name,
        latest_version=item.latest_version,
        enabled=bool(item.enabled),
        generation=item.generation or 0,
    )


def flow_revision_item(revision: FlowRevision) -> FlowItem:
    """The item of a revision."""
    return FlowItem(
        revision.flow_id,
        revision.version,
        account_id=revision.account_id,
        document=revision.document,
        created_at=revision.created_at,
    )


def flow_revision_from(item: FlowItem) -> FlowRevision:
    """The revision an item of version >= 1 holds."""
    if item.version == HEAD_VERSION or item.document is None or item.created_at is None:
        raise ValueError(f"flow item {item.flow_id}/{item.version} is not a revision")
    return FlowRevision(
        flow_id=item.flow_id,
        version=item.version,
        account_id=item.account_id,
        document=item.document,
        created_at=item.created_at,
    )


# legs and calls ------------------------------------------------------------------------------


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
        version=item.version or 0,
    )


# call records --------------------------------------------------------------------------------


def call_record_item(record: CallRecord) -> CallRecordItem:
    """The item of a call record."""
    return CallRecordItem(
        record.account_id,
        record_sort_key(record.started_at, record.call_id),
        call_id=record.call_id,
        started_at=record.started_at,
        flow_id=record.flow_id,
        direction=record.direction,
        from_number=record.from_number,
        to_number=record.to_number,
        outcome=record.outcome,
        ended_at=record.ended_at,
        answered_at=record.answered_at,
        duration=record.duration,
        legs=[leg_map(leg) for leg in record.legs],
        cost=record.cost,
        currency=record.currency,
        recording_uri=record.recording_uri,
    )


def call_record_from(item: CallRecordItem) -> CallRecord:
    """The call record an item holds."""
    return CallRecord(
        account_id=item.account_id,
        call_id=item.call_id,
        started_at=item.started_at,
        flow_id=item.flow_id,
        direction=item.direction,
        from_number=item.from_number,
        to_number=item.to_number,
        outcome=item.outcome,
        ended_at=item.ended_at,
        answered_at=item.answered_at,
        duration=item.duration,
        legs=tuple(leg_from(doc) for doc in item.legs or ()),
        cost=item.cost,
        currency=item.currency,
        recording_uri=item.recording_uri,
    )
