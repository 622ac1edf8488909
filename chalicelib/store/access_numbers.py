"""Callback access numbers and PIN lockouts in DynamoDB: the ``callback_access_numbers`` table
(one item per access number, key ``number``) with ``AccessNumberRepository``, and the
``callback_lockouts`` table (one item per locked caller number, key ``number``) with
``LockoutRepository``.

A lockout holds ``locked_until`` and ``expires``, DynamoDB's TTL attribute (the same instant),
so that DynamoDB deletes it some time after it ran out; until then a lock whose time is past
reads as no lock. Locking only ever extends a lock (one conditional PutItem).

The store does not know the callback product's types: access numbers are written and read as
``StoredAccessNumber`` records of plain values (rules as ``PREFIX=REPLACE`` texts); the product
maps them to its domain. Items and pynamodb exceptions never leave this module; each method's
docstring gives its DynamoDB requests. Imports pynamodb, the store's base helpers and the
standard library; must not import a product package. Part of ``store``, the only package that
may import pynamodb.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import ALL_OLD, ATTRIBUTES
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.store.attributes import (
    IntegerAttribute,
    StringListAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import Clock, condition_failed, get_item, translated, utc_now
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem

MAX_PAGE = 100
"""The most access numbers one list request returns."""


class AccessNumberItem(StoreItem):
    """An access number's configuration (``callback_access_numbers``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_access_numbers"

    class Meta:
        table_name = "callback_access_numbers"

    number = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    tenant = UnicodeAttribute()
    language = UnicodeAttribute()
    rules = StringListAttribute()
    account_id = UnicodeAttribute(null=True)
    internal_account = UnicodeAttribute(null=True)
    delay_seconds = IntegerAttribute()
    flow_id = UnicodeAttribute()
    country = UnicodeAttribute(null=True)
    lock_minutes = IntegerAttribute()
    enabled = BooleanAttribute()


class LockoutItem(StoreItem):
    """A caller number locked after too many wrong PINs (``callback_lockouts``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_lockouts"

    class Meta:
        table_name = "callback_lockouts"

    number = UnicodeAttribute(hash_key=True)
    locked_until = UtcDateTimeAttribute()
    expires = TTLAttribute()


ACCESS_MODELS: tuple[type[StoreItem], ...] = (AccessNumberItem, LockoutItem)


@dataclass(frozen=True)
class StoredAccessNumber:
    """An access number as stored; ``rules`` are ``PREFIX=REPLACE`` texts in their order."""

    number: str
    kind: str
    tenant: str
    language: str
    rules: tuple[str, ...] = ()
    account_id: str | None = None
    internal_account: str | None = None
    delay_seconds: int = 5
    flow_id: str = "callback"
    country: str | None = None
    lock_minutes: int = 30
    enabled: bool = True


def _item(access: StoredAccessNumber) -> AccessNumberItem:
    return AccessNumberItem(
        access.number,
        kind=access.kind,
        tenant=access.tenant,
        language=access.language,
        rules=list(access.rules),
        account_id=access.account_id,
        internal_account=access.internal_account,
        delay_seconds=access.delay_seconds,
        flow_id=access.flow_id,
        country=access.country,
        lock_minutes=access.lock_minutes,
        enabled=access.enabled,
    )


def _stored(item: AccessNumberItem) -> StoredAccessNumber:
    return StoredAccessNumber(
        number=item.number,
        kind=item.kind,
        tenant=item.tenant,
        language=item.language,
        rules=tuple(item.rules or ()),
        account_id=item.account_id,
        internal_account=item.internal_account,
        delay_seconds=item.delay_seconds,
        flow_id=item.flow_id,
        country=item.country,
        lock_minutes=item.lock_minutes,
        enabled=item.enabled,
    )


@dataclass(frozen=True)
class AccessNumberPage:
    """One page of access numbers (sorted by number) and where the next starts (None: last)."""

    items: tuple[StoredAccessNumber, ...]
    next: str | None


class AccessNumberRepository:
    """Access numbers' configurations."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, access: StoredAccessNumber) -> bool:
        """Create or replace the access number; True if it was new. 1 PutItem (its old image
        returned tells whether one was replaced)."""
        item = _item(access)
        args, kwargs = item._get_save_args()
        kwargs["return_values"] = ALL_OLD
        old = item._get_connection().put_item(*args, **kwargs)
        return not old.get(ATTRIBUTES)

    @translated
    def get(self, number: str) -> StoredAccessNumber:
        """The access number; ``NotFoundError`` if absent. 1 GetItem."""
        return _stored(get_item(AccessNumberItem, "access number", number))

    @translated
    def find(self, number: str) -> StoredAccessNumber | None:
        """The access number, or None (a call's lookup). 1 GetItem."""
        try:
            return _stored(AccessNumberItem.get(number))
        except DoesNotExist:
            return None

    @translated
    def delete(self, number: str) -> bool:
        """Delete the access number; True if there was one. 1 DeleteItem."""
        try:
            AccessNumberItem(number).delete(condition=AccessNumberItem.number.exists())
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def list(self, limit: int = MAX_PAGE, after: str | None = None) -> AccessNumberPage:
        """Up to ``limit`` (at most ``MAX_PAGE``) access numbers after the number ``after``
        (the previous page's ``next``), in the table's order: 1 Scan page (an operator's
        listing, not a call's path)."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be 1 to {MAX_PAGE}, got {limit}")
        start = None if after is None else {"number": {"S": after}}
        found = AccessNumberItem.scan(limit=limit, last_evaluated_key=start)
        items = sorted((_stored(item) for item in found), key=lambda access: access.number)
        last = found.last_evaluated_key
        return AccessNumberPage(tuple(items), None if not last else str(last["number"]["S"]))


class LockoutRepository:
    """Caller numbers locked out of PIN callbacks until a time."""

    def __init__(self, clock: Clock = utc_now) -> None:
        bound_settings()
        self._clock = clock

    @translated
    def lock(self, number: str, until: datetime) -> bool:
        """Lock ``number`` until ``until``, unless it is locked until then or later already
        (a lock is only extended); True if written. 1 conditional PutItem."""
        until = require_aware(until, "until")
        item = LockoutItem(number, locked_until=until, expires=until)
        condition = LockoutItem.number.does_not_exist() | (LockoutItem.locked_until < until)
        try:
            item.save(condition=condition)
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def locked_until(self, number: str) -> datetime | None:
        """Until when ``number`` is locked, or None if it is not (a lock that ran out reads as
        none, deleted by TTL or not yet). 1 GetItem."""
        try:
            item = LockoutItem.get(number)
        except DoesNotExist:
            return None
        until: datetime = item.locked_until
        return until if self._clock() < until else None

    @translated
    def unlock(self, number: str) -> bool:
        """Lift the lock of ``number``; True if there was one (run out or not). 1 DeleteItem."""
        try:
            LockoutItem(number).delete(condition=LockoutItem.number.exists())
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True
