"""Each account's do-not-call list in DynamoDB: the ``do_not_call`` table, one item per account
and listed number (hash key ``account_id``, range key ``number``: E.164 digits without '+'),
with when it was listed (``added_at``), why (``reason``, optional, at most 200 characters) and
how (``source``: ``rest``, ``cli``, ``import`` or ``opt-out``); ``DoNotCallRepository``.

Adding is idempotent and keeps the FIRST listing: a number already listed keeps its
``added_at``, ``reason`` and ``source`` (the date a number was listed is what an audit asks
for, and re-importing a list must not move it). Two adds of the same new number racing each
other may both write it (BatchWriteItem has no conditions); the later one's ``added_at`` then
wins by at most the time between them. Checking a batch of a campaign's numbers is one
BatchGetItem per 100, whatever the size of the list (FACTS-operations: a step's cost must not
grow with the account). Keys that DynamoDB leaves unprocessed (and items it leaves unwritten)
are sent again with a growing pause, a few times, then ``StoreRequestError``. The store does not
know the product's types: entries are ``DoNotCallEntry`` records of plain values; a page's
cursor is the last number of the page (the next page starts after it). Items and pynamodb
exceptions never leave this module; each method's docstring gives its DynamoDB requests.
Imports pynamodb, the store's base helpers, ``chalicelib.errors`` and the standard library;
must not import a product package. Part of ``store``, the only package that may import
pynamodb.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.errors import ValidationError
from chalicelib.store.attributes import UtcDateTimeAttribute, require_aware
from chalicelib.store.base import condition_failed, get_item, translated
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import StoreError, StoreRequestError
from chalicelib.store.registry import StoreItem

SOURCES = frozenset({"rest", "cli", "import", "opt-out"})
"""How a number came onto the list."""
MAX_REASON_CHARS = 200
BATCH_GET_KEYS = 100
"""DynamoDB's limit of keys in one BatchGetItem."""
BATCH_WRITE_ITEMS = 25
"""DynamoDB's limit of requests in one BatchWriteItem."""
ATTEMPTS = 6
"""Sends of one batch, the first included, before unprocessed keys or items give up."""
FIRST_PAUSE_SECONDS = 0.05
"""The pause before the first resend; it doubles with each one (0.05 s to 0.8 s)."""
MAX_CURSOR_CHARS = 64


class InvalidCursorError(ValidationError, StoreError):
    """A page's cursor is not one a page gave."""


class DoNotCallItem(StoreItem):
    """A number an account must never call (``do_not_call``)."""

    LOGICAL_NAME: ClassVar[str] = "do_not_call"

    class Meta:
        table_name = "do_not_call"

    account_id = UnicodeAttribute(hash_key=True)
    number = UnicodeAttribute(range_key=True)
    added_at = UtcDateTimeAttribute()
    reason = UnicodeAttribute(null=True)
    source = UnicodeAttribute()


@dataclass(frozen=True)
class DoNotCallEntry:
    """A listed number: since when, why and how it was listed."""

    number: str
    added_at: datetime
    reason: str | None
    source: str


def _entry(item: DoNotCallItem) -> DoNotCallEntry:
    return DoNotCallEntry(item.number, item.added_at, item.reason, item.source)


def encode_cursor(number: str) -> str:
    """The cursor of a page that ends with ``number``: the number itself (the next page starts
    after it, so any number is a cursor)."""
    return number


def decode_cursor(cursor: str) -> str:
    """The number a cursor names; ``InvalidCursorError`` for anything but 1 to 15 digits."""
    if not (cursor.isascii() and cursor.isdigit() and 1 <= len(cursor) <= 15):
        raise InvalidCursorError(f"cursor {cursor[:MAX_CURSOR_CHARS]!r} is not one a page gave")
    return cursor


class DoNotCallRepository:
    """Per account, the numbers it must never call."""

    def __init__(self, pause: Callable[[float], None] = time.sleep) -> None:
        bound_settings()
        self._pause = pause

    @staticmethod
    def _check(numbers: Sequence[str]) -> None:
        for number in numbers:
            if not (number.isascii() and number.isdigit()):
                raise ValueError(f"a listed number is E.164 digits without '+', got {number!r}")

    def _resent(self, attempt: int, what: str) -> None:
        """Pause before resending what DynamoDB left unprocessed, or give up."""
        if attempt + 1 >= ATTEMPTS:
            raise StoreRequestError(f"do_not_call: {what} left unprocessed after {ATTEMPTS} sends")
        self._pause(FIRST_PAUSE_SECONDS * 2**attempt)

    @translated
    def add(
        self,
        account_id: str,
        numbers: Sequence[str],
        at: datetime,
        reason: str | None,
        source: str,
    ) -> int:
        """List ``numbers`` for the account as of ``at``; returns how many were not listed
        before (a number already listed keeps its first entry). One number: 1 conditional
        PutItem. More: 1 consistent BatchGetItem per 100 numbers (which are listed already),
        then 1 BatchWriteItem per 25 new ones (each sent again for what DynamoDB left
        unprocessed)."""
        require_aware(at, "added_at")
        if source not in SOURCES:
            raise ValueError(f"source {source!r} is not one of {sorted(SOURCES)}")
        if reason is not None and len(reason) > MAX_REASON_CHARS:
            raise ValueError(f"a reason is at most {MAX_REASON_CHARS} characters")
        wanted = list(dict.fromkeys(numbers))
        self._check(wanted)
        if not wanted:
            return 0
        if len(wanted) == 1:
            item = DoNotCallItem(account_id, wanted[0], added_at=at, reason=reason, source=source)
            try:
                item.save(condition=DoNotCallItem.number.does_not_exist())
            except PynamoDBException as error:
                if condition_failed(error):
                    return 0
                raise
            return 1
        listed = self.listed(account_id, wanted)
        new = [number for number in wanted if number not in listed]
        for start in range(0, len(new), BATCH_WRITE_ITEMS):
            chunk = new[start : start + BATCH_WRITE_ITEMS]
            items = [
                DoNotCallItem(account_id, number, added_at=at, reason=reason, source=source)
                for number in chunk
            ]
            self._write([item.serialize() for item in items])
        return len(new)

    def _write(self, puts: list[dict[str, Any]]) -> None:
        """One BatchWriteItem of ``puts``, again for what is left unprocessed."""
        table = DoNotCallItem.Meta.table_name
        pending = puts
        for attempt in range(ATTEMPTS):
            answer = shared_connection().batch_write_item(table, put_items=pending)
            left = (answer.get("UnprocessedItems") or {}).get(table) or []
            pending = [request["PutRequest"]["Item"] for request in left]
            if not pending:
                return
            self._resent(attempt, f"{len(pending)} items")

    @translated
    def listed(self, account_id: str, numbers: Sequence[str]) -> frozenset[str]:
        """Which of ``numbers`` the account has listed. No request for no numbers; else 1
        consistent BatchGetItem per 100 numbers (each sent again for the keys DynamoDB left
        unprocessed)."""
        wanted = list(dict.fromkeys(numbers))
        self._check(wanted)
        table = DoNotCallItem.Meta.table_name
        found: set[str] = set()
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            keys: list[Any] = [
                {"account_id": {"S": account_id}, "number": {"S": number}}
                for number in wanted[start : start + BATCH_GET_KEYS]
            ]
            for attempt in range(ATTEMPTS):
                answer = shared_connection().batch_get_item(
                    table, keys, consistent_read=True, attributes_to_get=["number"]
                )
                for raw in (answer.get("Responses") or {}).get(table, []):
                    found.add(str(raw["number"]["S"]))
                keys = ((answer.get("UnprocessedKeys") or {}).get(table) or {}).get("Keys") or []
                if not keys:
                    break
                self._resent(attempt, f"{len(keys)} keys")
        return frozenset(found)

    @translated
    def entry(self, account_id: str, number: str) -> DoNotCallEntry:
        """The account's entry for ``number``; ``NotFoundError`` when it is not listed. 1
        consistent GetItem."""
        item = get_item(DoNotCallItem, "listed number", account_id, number, consistent=True)
        return _entry(item)

    @translated
    def remove(self, account_id: str, number: str) -> bool:
        """Take ``number`` off the account's list: True if it was listed. 1 conditional
        DeleteItem."""
        try:
            DoNotCallItem(account_id, number).delete(condition=DoNotCallItem.number.exists())
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def page(
        self, account_id: str, limit: int, cursor: str | None = None
    ) -> tuple[list[DoNotCallEntry], str | None]:
        """Up to ``limit`` of the account's entries in number order, after the page that
        ``cursor`` ended (None: from the first), and the cursor of the next page (None when
        this is the last). ``InvalidCursorError`` for a cursor no page gave. 1 consistent
        Query (of ``limit`` + 1 items, to know whether more follow)."""
        if limit < 1:
            raise ValueError("a page holds at least one entry")
        after = None if cursor is None else decode_cursor(cursor)
        condition = None if after is None else DoNotCallItem.number > after
        items = list(
            DoNotCallItem.query(
                account_id,
                range_key_condition=condition,
                limit=limit + 1,
                page_size=limit + 1,
                consistent_read=True,
            )
        )
        entries = [_entry(item) for item in items[:limit]]
        more = len(items) > limit
        return entries, encode_cursor(entries[-1].number) if more else None

    @translated
    def count(self, account_id: str) -> int:
        """How many numbers the account has listed. 1 consistent Query (``Select COUNT``) per
        MB of entries."""
        return int(DoNotCallItem.count(account_id, consistent_read=True))
