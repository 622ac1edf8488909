"""A campaign's contacts in DynamoDB: the ``campaign_contacts`` table, with
``ContactRepository``.

A campaign's contacts are spread over ``SHARDS`` partitions (``<campaign_id>#<shard>``, the
shard a hash of the contact id): a call list of 100,000 rows is never written under one
partition key, whose writes DynamoDB caps at 1,000 per second (FACTS-operations §1.5). A pending
contact (scheduled, rescheduled) is also in the sparse ``due`` index under the same partition,
sorted by when it is due, which is how a dispatch finds the contacts to dial; a contact being
dialled or done leaves the index. Every change of a contact is conditional on its version and
moves its campaign's per-status count in the same transaction (``store.campaigns``). New
contacts are written by conditional puts in transactions that count them on the campaign (a
client identifier already used is refused, not overwritten) or, for a loaded call list whose
rows are new by construction, by BatchWriteItem. Items and pynamodb exceptions never leave this
module; each method's docstring gives its DynamoDB requests. Imports pynamodb, the store's base
helpers, ``store.campaigns`` and
the campaign records. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.errors import ValidationError
from chalicelib.store.attributes import (
    EnumAttribute,
    StringListAttribute,
    StringMapAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import (
    MAX_TRANSACTION_ITEMS,
    condition_failed,
    get_item,
    if_absent,
    lost_races,
    translated,
)
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.campaign_records import Attempt, CallResult, Contact, ContactStatus
from chalicelib.store.campaigns import CAMPAIGN_EXISTS, CampaignItem, campaign_key, count_actions
from chalicelib.store.errors import NotFoundError, StaleStateError
from chalicelib.store.registry import StoreItem

SHARDS = 8
"""Partitions a campaign's contacts are spread over."""


class DueIndex(GlobalSecondaryIndex["ContactItem"]):  # type: ignore[no-untyped-call]
    """Pending contacts by when they are due, per campaign shard (sparse)."""

    class Meta:
        index_name = "due"
        projection = AllProjection()

    due_part = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class ContactItem(StoreItem):
    """One contact of a campaign (``campaign_contacts``)."""

    LOGICAL_NAME: ClassVar[str] = "campaign_contacts"

    class Meta:
        table_name = "campaign_contacts"

    part = UnicodeAttribute(hash_key=True)
    contact_id = UnicodeAttribute(range_key=True)
    numbers = StringListAttribute()
    keys = StringMapAttribute(null=True)
    status = EnumAttribute(ContactStatus)
    due_at = UtcDateTimeAttribute(null=True)
    due_part = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    attempts = UnicodeAttribute(null=True)
    next_number = NumberAttribute(default=0)
    round = NumberAttribute(default=0)
    client_identifier = UnicodeAttribute(null=True)
    row = NumberAttribute(null=True)
    caller_id = UnicodeAttribute(null=True)
    version = NumberAttribute(default=0)
    due = DueIndex()


def shard_of(contact_id: str) -> int:
    """The shard of a contact id (stable across processes)."""
    return zlib.crc32(contact_id.encode()) % SHARDS


def part_of(campaign_id: str, contact_id: str) -> str:
    """The partition key of a campaign's contact."""
    return f"{campaign_id}#{shard_of(contact_id)}"


def _due_key(due_at: datetime, contact_id: str) -> str:
    return f"{require_aware(due_at, 'due_at').strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{contact_id}"


def _encode_attempts(attempts: Sequence[Attempt]) -> str | None:
    if not attempts:
        return None
    return json.dumps(
        [
            {
                "n": a.number,
                "s": a.started_at.isoformat(),
                "c": a.call_id,
                "r": a.result.value if a.result else None,
                "e": a.ended_at.isoformat() if a.ended_at else None,
                "d": a.detail or None,
                "x": a.rescheduled or None,
                "t": a.duration or None,
            }
            for a in attempts
        ],
        separators=(",", ":"),
    )


def _decode_attempts(text: str | None) -> tuple[Attempt, ...]:
    if not text:
        return ()
    return tuple(
        Attempt(
            number=raw["n"],
            started_at=datetime.fromisoformat(raw["s"]),
            call_id=raw.get("c"),
            result=CallResult(raw["r"]) if raw.get("r") else None,
            ended_at=datetime.fromisoformat(raw["e"]) if raw.get("e") else None,
            detail=raw.get("d") or "",
            rescheduled=bool(raw.get("x")),
            duration=int(raw.get("t") or 0),
        )
        for raw in json.loads(text)
    )


def _item(contact: Contact) -> ContactItem:
    part = part_of(contact.campaign_id, contact.contact_id)
    pending = contact.status.is_pending and contact.due_at is not None
    return ContactItem(
        part,
        contact.contact_id,
        numbers=list(contact.numbers),
        keys=dict(contact.keys) or None,
        status=contact.status,
        due_at=contact.due_at,
        due_part=part if pending else None,
        due_key=_due_key(contact.due_at, contact.contact_id)
        if pending and contact.due_at
        else None,
        attempts=_encode_attempts(contact.attempts),
        next_number=contact.next_number,
        round=contact.round,
        client_identifier=contact.client_identifier or None,
        row=contact.row,
        caller_id=contact.caller_id or None,
        version=contact.version,
    )


def _contact(item: ContactItem) -> Contact:
    return Contact(
        campaign_id=item.part.rsplit("#", 1)[0],
        contact_id=item.contact_id,
        numbers=tuple(item.numbers or ()),
        keys=dict(item.keys or {}),
        status=item.status,
        due_at=item.due_at,
        attempts=_decode_attempts(item.attempts),
        next_number=int(item.next_number or 0),
        round=int(item.round or 0),
        client_identifier=item.client_identifier or "",
        row=int(item.row) if item.row is not None else None,
        caller_id=item.caller_id or "",
        version=int(item.version or 0),
    )


class ContactRepository:
    """A campaign's contacts."""

    def __init__(self, attempts: int = 3) -> None:
        bound_settings()
        self._attempts = attempts

    @translated
    def add_counted(self, campaign_id: str, contacts: Sequence[Contact]) -> list[bool]:
        """Store each contact unless one has its id, and count those stored on their campaign
        in the same write (a request cut short, or sent again, never leaves a contact stored
        and not counted). Per contact, whether it was stored. 1 TransactWriteItems per 99
        contacts, again without the ones whose id was taken."""
        stored = [False] * len(contacts)
        step = MAX_TRANSACTION_ITEMS - 1
        for start in range(0, len(contacts), step):
            todo = list(range(start, min(start + step, len(contacts))))
            for _ in range(self._attempts + len(todo)):
                if not todo:
                    break
                try:
                    with TransactWrite(connection=shared_connection()) as transaction:
                        for index in todo:
                            item = _item(replace(contacts[index], version=1))
                            transaction.save(item, condition=if_absent(ContactItem))
                        transaction.update(
                            campaign_key(campaign_id),
                            actions=[CampaignItem.total.add(len(todo))],
                            condition=CAMPAIGN_EXISTS,
                        )
                except TransactWriteError as error:
                    taken = lost_races(error)
                    if taken[len(todo)]:
                        raise NotFoundError("campaign", campaign_id) from None
                    todo = [i for i, lost in zip(todo, taken[: len(todo)], strict=True) if not lost]
                    continue
                for index in todo:
                    stored[index] = True
                break
            else:
                raise StaleStateError("campaign", campaign_id, "kept changing")
        return stored

    @translated
    def load(self, contacts: Sequence[Contact]) -> None:
        """Store contacts known to be new (a call list's rows: their ids are the campaign's
        row numbers), unconditionally (``stored`` tells which exist when that is not known).
        BatchWriteItem of 25 at a time (pynamodb retries the unprocessed ones)."""
        with ContactItem.batch_write() as batch:
            for contact in contacts:
                batch.save(_item(replace(contact, version=1)))

    @translated
    def stored(self, campaign_id: str, contact_ids: Sequence[str]) -> frozenset[str]:
        """Which of ``contact_ids`` the campaign holds. Consistent BatchGetItem of 100 keys at a
        time (pynamodb asks again for the unprocessed ones)."""
        keys = [(part_of(campaign_id, c), c) for c in dict.fromkeys(contact_ids)]
        found = ContactItem.batch_get(keys, consistent_read=True, attributes_to_get=["contact_id"])
        return frozenset(str(item.contact_id) for item in found)

    @translated
    def get(self, campaign_id: str, contact_id: str) -> Contact:
        """One contact (``NotFoundError``). 1 consistent GetItem."""
        item = get_item(
            ContactItem,
            "contact",
            part_of(campaign_id, contact_id),
            contact_id,
            consistent=True,
        )
        return _contact(item)

    @translated
    def save(self, contact: Contact, old_status: ContactStatus) -> Contact:
        """Write a contact changed from version ``contact.version`` (and move its campaign's
        count from ``old_status``): the new version, or ``StaleStateError`` when another
        change came first. 1 TransactWriteItems (the contact on its version, the campaign)
        when the status changes, else 1 conditional PutItem."""
        expected = contact.version
        saved = replace(contact, version=expected + 1)
        item = _item(saved)
        condition = ContactItem.version == expected
        actions = count_actions(old_status.value, saved.status.value)
        try:
            if not actions:
                item.save(condition=condition)
                return saved
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(item, condition=condition)
                transaction.update(
                    campaign_key(contact.campaign_id), actions=actions, condition=CAMPAIGN_EXISTS
                )
        except TransactWriteError as error:
            if any(lost_races(error)):
                raise StaleStateError("contact", contact.contact_id) from None
            raise
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError("contact", contact.contact_id) from None
            raise
        return saved

    @translated
    def due(self, campaign_id: str, until: datetime, limit: int) -> list[Contact]:
        """Pending contacts due by ``until``, earliest first, at most ``limit``. 1 Query per
        shard (eventually consistent: the dial re-reads the contact)."""
        bound = _due_key(until, "\uffff")
        found: list[Contact] = []
        for shard in range(SHARDS):
            part = f"{campaign_id}#{shard}"
            for item in ContactItem.due.query(part, ContactItem.due_key <= bound, limit=limit):
                found.append(_contact(item))
        found.sort(key=lambda c: (c.due_at or until, c.contact_id))
        return found[:limit]

    @translated
    def next_due(self, campaign_id: str) -> datetime | None:
        """When the campaign's earliest pending contact is due. 1 Query per shard."""
        earliest: datetime | None = None
        for shard in range(SHARDS):
            for item in ContactItem.due.query(f"{campaign_id}#{shard}", limit=1):
                if item.due_at and (earliest is None or item.due_at < earliest):
                    earliest = item.due_at
        return earliest

    @translated
    def count(self, campaign_id: str) -> int:
        """How many contacts the campaign holds. 1 Query (counting) per shard."""
        return sum(ContactItem.count(f"{campaign_id}#{shard}") for shard in range(SHARDS))

    @translated
    def every(self, campaign_id: str, status: ContactStatus | None = None) -> Iterator[Contact]:
        """Every contact of the campaign, shard by shard in id order (optionally of one
        status). Queries, paginated."""
        for shard in range(SHARDS):
            condition = ContactItem.status == status.value if status else None
            for item in ContactItem.query(f"{campaign_id}#{shard}", filter_condition=condition):
                yield _contact(item)

    @translated
    def page(
        self, campaign_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Contact], str | None]:
        """Up to ``limit`` contacts from ``cursor`` (None: the first), and the next cursor.
        1+ Queries."""
        shard, after = 0, None
        if cursor:
            head, _, tail = cursor.partition(":")
            if not (head.isdigit() and len(head) == 1 and int(head) < SHARDS and len(tail) <= 128):
                raise ValidationError(f"cursor {cursor[:40]!r} is not one a page gave")
            shard, after = int(head), tail or None
        found: list[Contact] = []
        while shard < SHARDS and len(found) < limit:
            start: dict[str, Any] | None = None
            if after is not None:
                part = f"{campaign_id}#{shard}"
                start = {"part": {"S": part}, "contact_id": {"S": after}}
            items = ContactItem.query(
                f"{campaign_id}#{shard}", limit=limit - len(found), last_evaluated_key=start
            )
            for item in items:
                found.append(_contact(item))
            last = items.last_evaluated_key
            if last is not None and len(found) >= limit:
                return found, f"{shard}:{last['contact_id']['S']}"
            shard, after = shard + 1, None
        return found, (f"{shard}:" if shard < SHARDS and len(found) >= limit else None)
