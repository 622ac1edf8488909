"""Guard counters in DynamoDB: the ``guard_counters`` table, one item per counted thing and
window (key ``key``, e.g. ``web:ip:203.0.113.7:29583120``), with ``CounterRepository``.

A counter only ever grows, by an atomic ``ADD`` under a condition that it stays within its
limit, so concurrent requests can never pass a limit together (no read-then-write). A counter
also remembers a first writer's value (``first``: the request id a repeated request is answered
with). Every item carries ``expires``, DynamoDB's TTL attribute: windows clean themselves up;
an item past its time counts as absent even before DynamoDB deletes it, for ``first``, and
counters are keyed by their window, so an old window is never read. The store does not know
what is counted. Items and pynamodb exceptions never leave this module; each method's docstring
gives its DynamoDB requests. Imports pynamodb, the store's base helpers and the standard
library; must not import a product package. Part of ``store``, the only package that may import
pynamodb.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.store.attributes import DecimalAttribute, decimal_text, require_aware
from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem


class CounterItem(StoreItem):
    """A counted thing in one window, or a first writer's value (``guard_counters``)."""

    LOGICAL_NAME: ClassVar[str] = "guard_counters"

    class Meta:
        table_name = "guard_counters"

    key = UnicodeAttribute(hash_key=True)
    total = DecimalAttribute(null=True)
    value = UnicodeAttribute(null=True)
    expires = TTLAttribute(null=True)


class CounterRepository:
    """Counters that never pass their limit, and first writers' values."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def add_within(self, key: str, amount: Decimal, limit: Decimal, expires: datetime) -> bool:
        """Add ``amount`` to ``key``'s total if the total stays at most ``limit``: True if
        added, False (nothing changed) if it would pass the limit. 1 conditional UpdateItem."""
        require_aware(expires, "expires")
        if amount > limit:
            return False
        ceiling = Decimal(decimal_text(limit - amount))
        try:
            CounterItem(key).update(
                actions=[CounterItem.total.add(amount), CounterItem.expires.set(expires)],
                condition=CounterItem.total.does_not_exist() | (CounterItem.total <= ceiling),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def total(self, key: str) -> Decimal:
        """``key``'s total so far (0 if none). 1 consistent GetItem."""
        try:
            item = CounterItem.get(key, consistent_read=True)
        except DoesNotExist:
            return Decimal(0)
        return item.total or Decimal(0)

    @translated
    def forget(self, key: str) -> None:
        """Delete ``key`` (idempotent). 1 DeleteItem."""
        CounterItem(key).delete()

    @translated
    def first(self, key: str, value: str, now: datetime, expires: datetime) -> str:
        """Keep ``value`` under ``key`` until ``expires`` unless a live value is there: the
        value kept (``value`` for the first writer, the earlier one for the others). 1
        conditional PutItem, and 1 consistent GetItem when another was first."""
        now = require_aware(now, "now")
        item = CounterItem(key, value=value, expires=require_aware(expires, "expires"))
        try:
            item.save(condition=CounterItem.key.does_not_exist() | (CounterItem.expires < now))
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            try:
                kept = CounterItem.get(key, consistent_read=True).value
            except DoesNotExist:
                kept = None
            return kept or value
        return value
