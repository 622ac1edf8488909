"""Callback access numbers and PIN lockouts in DynamoDB: the ``callback_access_numbers`` table
(one item per access number, key ``number``) and the ``callback_mail_addresses`` table (one item
per access number's e-mail address, key ``address`` lower-cased: which number it is, so that an
address is unique and a mail finds its access number by two GetItems) with
``AccessNumberRepository``, and the ``callback_lockouts`` table (one item per locked caller
number, key ``number``) with ``LockoutRepository``.

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
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.store.attributes import (
    IntegerAttribute,
    StringListAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import (
    Clock,
    condition_failed,
    get_item,
    if_absent,
    lost_races,
    translated,
    utc_now,
)
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import AlreadyExistsError, StaleStateError
from chalicelib.store.registry import StoreItem

MAX_PAGE = 100
"""The most access numbers one list request returns."""
WRITE_ATTEMPTS = 5
"""Tries of a put or delete that lost a race with another writer of the same access number."""


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
    mail_address = UnicodeAttribute(null=True)


class MailAddressItem(StoreItem):
    """An access number's e-mail address, lower-cased, and its number
    (``callback_mail_addresses``): an address belongs to one access number at most."""

    LOGICAL_NAME: ClassVar[str] = "callback_mail_addresses"

    class Meta:
        table_name = "callback_mail_addresses"

    address = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute()


class LockoutItem(StoreItem):
    """A caller number locked after too many wrong PINs (``callback_lockouts``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_lockouts"

    class Meta:
        table_name = "callback_lockouts"

    number = UnicodeAttribute(hash_key=True)
    locked_until = UtcDateTimeAttribute()
    expires = TTLAttribute()


ACCESS_MODELS: tuple[type[StoreItem], ...] = (AccessNumberItem, MailAddressItem, LockoutItem)


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
    mail_address: str | None = None
    """Lower-cased; e-mail to it is a callback command for this access number."""


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
        mail_address=access.mail_address,
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
        mail_address=item.mail_address,
    )


def _same_address(address: str | None) -> Condition:
    """The stored access number's address is ``address`` (None: it has none)."""
    if address is None:
        return AccessNumberItem.mail_address.does_not_exist()
    return AccessNumberItem.mail_address == address


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
        """Create or replace the access number; True if it was new. ``AlreadyExistsError`` if
        its ``mail_address`` is another access number's (nothing written). Without an address,
        replacing none: 1 PutItem on condition that the stored one has no address (its old
        image returned tells whether one was replaced). Else 1 consistent GetItem (the old
        image) + 1 TransactWriteItems: the access number on condition that its address is
        still the old one, its address's item (if absent or this number's), the old address's
        item deleted (if the address changed); retried when another writer came in between."""
        number, address = access.number, access.mail_address
        if address is None:
            item = _item(access)
            args, kwargs = item._get_save_args(condition=_same_address(None))
            kwargs["return_values"] = ALL_OLD
            try:
                old = item._get_connection().put_item(*args, **kwargs)
                return not old.get(ATTRIBUTES)
            except PynamoDBException as error:
                if not condition_failed(error):
                    raise  # else it had an address: free it in a transaction
        for _ in range(WRITE_ATTEMPTS):
            found = self._consistent(number)
            old_address = None if found is None else found.mail_address
            exists = (
                AccessNumberItem.number.does_not_exist()
                if found is None
                else AccessNumberItem.number.exists()
            )
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.save(_item(access), condition=exists & _same_address(old_address))
                    if address is not None and address != old_address:
                        transaction.save(
                            MailAddressItem(address, number=number),
                            condition=if_absent(MailAddressItem, MailAddressItem.number == number),
                        )
                    if old_address is not None and old_address != address:
                        transaction.delete(
                            MailAddressItem(old_address),
                            condition=if_absent(MailAddressItem, MailAddressItem.number == number),
                        )
            except TransactWriteError as error:
                lost = lost_races(error)
                if address is not None and address != old_address and lost[1]:
                    raise AlreadyExistsError(
                        "mail address", address, "is another access number's"
                    ) from error
                continue
            return found is None
        raise StaleStateError("access number", number)

    def _consistent(self, number: str) -> StoredAccessNumber | None:
        try:
            return _stored(AccessNumberItem.get(number, consistent_read=True))
        except DoesNotExist:
            return None

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
    def find_by_mail(self, address: str) -> StoredAccessNumber | None:
        """The access number whose e-mail address is ``address`` (any case), or None (a
        mail's lookup). 1 GetItem (the address) + 1 GetItem (its access number)."""
        try:
            owner = MailAddressItem.get(address.lower())
        except DoesNotExist:
            return None
        found = self.find(owner.number)
        return found if found is not None and found.mail_address == owner.address else None

    @translated
    def delete(self, number: str) -> bool:
        """Delete the access number; True if there was one. 1 DeleteItem on condition that it
        exists without an address; when it has one, + 1 consistent GetItem + 1
        TransactWriteItems that deletes it (its address unchanged) and its address's item
        (retried when another writer came in between)."""
        try:
            AccessNumberItem(number).delete(
                condition=AccessNumberItem.number.exists() & _same_address(None)
            )
            return True
        except PynamoDBException as error:
            if not condition_failed(error):
                raise  # else absent, or it has an address
        for _ in range(WRITE_ATTEMPTS):
            old = self._consistent(number)
            if old is None:
                return False
            address = old.mail_address
            condition = AccessNumberItem.number.exists() & _same_address(address)
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.delete(AccessNumberItem(number), condition=condition)
                    if address is not None:
                        transaction.delete(
                            MailAddressItem(address),
                            condition=if_absent(MailAddressItem, MailAddressItem.number == number),
                        )
            except TransactWriteError as error:
                lost_races(error)
                continue
            return True
        raise StaleStateError("access number", number)

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
