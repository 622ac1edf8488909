"""Finished calls in DynamoDB: the ``call_records`` table's item (``CallRecordItem``, sorted per
account by start time, with the ``by_call`` index), its mapping to and from
``calls.model.CallRecord``, and ``CallRecordRepository``.

A record is written once (a conditional put keyed by its start time and call id), so a repeated
put of the same call writes nothing; a record whose start time a retry cannot repeat (a call
refused at its answer) is put with a claim on its call id in one transaction. Items and pynamodb
exceptions never leave this module; each method's docstring gives its DynamoDB requests. Of the
other aggregate modules it imports only ``store.calls``, for the one spelling of a leg
(``LegMap``), and ``store.markers``, for the one spelling of a claim. Part of ``store``, the
only package that may import pynamodb.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import ClassVar

from pynamodb.attributes import ListAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.flows.path import decode as decode_path
from chalicelib.flows.path import encode as encode_path
from chalicelib.store.attributes import (
    DecimalAttribute,
    EnumAttribute,
    IntegerAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import if_absent, lost_races, save_if_absent, translated
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.calls import LegMap, leg_from, leg_map
from chalicelib.store.errors import NotFoundError
from chalicelib.store.markers import claim_item
from chalicelib.store.registry import StoreItem
from chalicelib.telephony.events import Direction

RECORDS_LIMIT_MAX = 1000
"""The most records one listing returns."""


class CallRecordsByCallIndex(GlobalSecondaryIndex["CallRecordItem"]):  # type: ignore[no-untyped-call]
    """A call record by its call id (check the account after reading)."""

    class Meta:
        index_name = "by_call"
        projection = AllProjection()

    call_id = UnicodeAttribute(hash_key=True)


class CallRecordItem(StoreItem):
    """A finished call (``call_records``), sorted per account by ``started_key``:
    ``<started_at as 2024-05-01T12:00:00.000000Z>#<call_id>``."""

    LOGICAL_NAME: ClassVar[str] = "call_records"

    class Meta:
        table_name = "call_records"

    account_id = UnicodeAttribute(hash_key=True)
    started_key = UnicodeAttribute(range_key=True)
    call_id = UnicodeAttribute()
    started_at = UtcDateTimeAttribute()
    flow_id = UnicodeAttribute()
    direction = EnumAttribute(Direction)
    from_number = UnicodeAttribute()
    to_number = UnicodeAttribute()
    outcome = EnumAttribute(CallOutcome)
    ended_at = UtcDateTimeAttribute(null=True)
    answered_at = UtcDateTimeAttribute(null=True)
    duration = IntegerAttribute()
    legs = ListAttribute[LegMap](of=LegMap, null=True)
    cost = DecimalAttribute()
    currency = UnicodeAttribute()
    recording_uri = UnicodeAttribute(null=True)
    path = UnicodeAttribute(null=True)  # compact JSON (flows.path)
    price = DecimalAttribute(null=True)
    price_currency = UnicodeAttribute(null=True)
    facts = UnicodeAttribute(null=True)  # compact JSON object of text
    by_call = CallRecordsByCallIndex()


def record_sort_key(started_at: datetime, call_id: str = "") -> str:
    """The sort key of a call record: fixed-width UTC ISO 8601, ``#``, the call id.

    Without ``call_id`` it is the bound used by time-range queries: it sorts before every key
    of a record that started at ``started_at`` and after every key of one that started earlier.
    """
    utc = require_aware(started_at, "started_at").astimezone(UTC).replace(tzinfo=None)
    stamp = utc.isoformat(timespec="microseconds") + "Z"
    return f"{stamp}#{call_id}" if call_id else stamp


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
        path=encode_path(record.path),
        price=record.price,
        price_currency=record.price_currency,
        facts=json.dumps(dict(record.facts), separators=(",", ":")) if record.facts else None,
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
        path=decode_path(item.path),
        price=item.price,
        price_currency=item.price_currency,
        facts=json.loads(item.facts) if item.facts else {},
    )


class CallRecordRepository:
    """Finished calls, per account, newest first."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, record: CallRecord) -> bool:
        """Store a record once: the key is made of its start time and call id, and the put is
        conditional, so a repeated put of the same call writes nothing. True if this call
        wrote it. 1 PutItem."""
        return save_if_absent(call_record_item(record))

    @translated
    def put_once_per_call(self, record: CallRecord, claim_seconds: int) -> bool:
        """Store a record unless one was put this way for its call id in the last
        ``claim_seconds`` (a retried webhook, whose record would carry another start time): the
        record and a claim on its call id are put in one transaction, both conditional. True
        if this call wrote it. 1 TransactWriteItems (two puts)."""
        claim, condition = claim_item(
            f"call-record:{record.call_id}", record.started_at, claim_seconds
        )
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(claim, condition=condition)
                transaction.save(call_record_item(record), condition=if_absent(CallRecordItem))
        except TransactWriteError as error:
            lost_races(error)  # re-raises anything but a lost condition or a conflict
            return False
        return True

    @translated
    def list_by_account(
        self,
        account_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
    ) -> list[CallRecord]:
        """The account's records that started in ``[since, until)``, newest first, at most
        ``limit`` (1..1000). 1 Query."""
        if not 1 <= limit <= RECORDS_LIMIT_MAX:
            raise ValueError(f"limit must be 1..{RECORDS_LIMIT_MAX}, got {limit}")
        key = CallRecordItem.started_key
        condition: Condition | None = None
        if since is not None and until is not None:
            if since >= until:
                return []
            condition = key.between(record_sort_key(since), record_sort_key(until))
        elif since is not None:
            condition = key >= record_sort_key(since)
        elif until is not None:
            condition = key < record_sort_key(until)
        items = CallRecordItem.query(
            account_id, range_key_condition=condition, scan_index_forward=False, limit=limit
        )
        return [call_record_from(item) for item in items]

    @translated
    def get(self, account_id: str, call_id: str) -> CallRecord:
        """One record by call id; ``NotFoundError`` if the account has none for it. 1 Query
        (index ``by_call``, eventually consistent: a record put a moment ago may be missing)."""
        items = CallRecordItem.by_call.query(
            call_id, filter_condition=CallRecordItem.account_id == account_id
        )
        for item in items:
            return call_record_from(item)
        raise NotFoundError("call record", f"{account_id}/{call_id}")
