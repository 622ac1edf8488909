"""Failed logins to the callback user's web pages in DynamoDB: the ``callback_portal_logins``
table, one item per account id that failed to log in lately (key ``account_id``), holding the
failures counted in the current window, the window's end, the lock's end once too many failed,
and ``expires`` (DynamoDB's TTL attribute), so that DynamoDB deletes an item some time after
its window ran out. Until then a window or lock that ran out reads as none.

Counting is one conditional UpdateItem (``ADD``) while the window runs, else one conditional
PutItem that starts a new window: two failures at once never count as one. The store does not
know the portal's rules (how many failures, how long a lock): the caller passes the times.
Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports pynamodb, the store's base helpers and the standard library; must not
import a product package. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.store.attributes import IntegerAttribute, UtcDateTimeAttribute, require_aware
from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem

ATTEMPTS = 3


class LoginFailuresItem(StoreItem):
    """An account id's recent failed logins (``callback_portal_logins``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_portal_logins"

    class Meta:
        table_name = "callback_portal_logins"

    account_id = UnicodeAttribute(hash_key=True)
    failures = IntegerAttribute()
    window_ends = UtcDateTimeAttribute()
    locked_until = UtcDateTimeAttribute(null=True)
    expires = TTLAttribute()


class LoginFailuresRepository:
    """Failed logins per account id, counted in windows, and the locks they lead to."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def count(self, account_id: str, now: datetime, window_ends: datetime) -> int:
        """Count one failure at ``now``: added to the running window, or the first of a new
        window ending at ``window_ends``; the failures of the window so far. 1 conditional
        UpdateItem, +1 conditional PutItem when no window runs (again on a race)."""
        now, window_ends = require_aware(now, "now"), require_aware(window_ends, "window_ends")
        for _ in range(ATTEMPTS):
            item = LoginFailuresItem(account_id)
            try:
                item.update(
                    actions=[LoginFailuresItem.failures.add(1)],
                    condition=LoginFailuresItem.window_ends > now,
                )
                return int(item.failures)
            except PynamoDBException as error:
                if not condition_failed(error):
                    raise
            first = LoginFailuresItem(
                account_id, failures=1, window_ends=window_ends, expires=window_ends
            )
            try:
                first.save(
                    condition=LoginFailuresItem.account_id.does_not_exist()
                    | (LoginFailuresItem.window_ends <= now)
                )
                return 1
            except PynamoDBException as error:
                if not condition_failed(error):
                    raise
        raise StaleStateError("login failures", account_id)

    @translated
    def lock(self, account_id: str, until: datetime) -> None:
        """Lock the account id's logins until ``until`` (its window and the item's life run
        as long). 1 UpdateItem."""
        until = require_aware(until, "until")
        LoginFailuresItem(account_id).update(
            actions=[
                LoginFailuresItem.locked_until.set(until),
                LoginFailuresItem.window_ends.set(until),
                LoginFailuresItem.expires.set(until),
            ]
        )

    @translated
    def locked_until(self, account_id: str, now: datetime) -> datetime | None:
        """Until when the account id's logins are locked, or None (a lock that ran out reads as
        none, deleted by TTL or not yet). 1 consistent GetItem."""
        try:
            item = LoginFailuresItem.get(account_id, consistent_read=True)
        except DoesNotExist:
            return None
        until: datetime | None = item.locked_until
        return until if until is not None and now < until else None

    @translated
    def clear(self, account_id: str) -> None:
        """Forget the account id's failures (after a login that succeeded). 1 DeleteItem."""
        LoginFailuresItem(account_id).delete()
