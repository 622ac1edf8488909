"""The calls of each callback account in DynamoDB: the ``callback_history`` table, one item per
settled dial (key: the account id, then the end time and the dial's key, so an account's calls
read newest first in one Query), written once per dial whatever is retried. The store does not
know the product's types: rows are ``HistoryRow`` records of plain values. Items and pynamodb
exceptions never leave this module. Imports pynamodb, the store's base helpers and the standard
library; must not import a product package. Part of ``store``, the only package that may import
pynamodb.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.store.attributes import (
    DecimalAttribute,
    IntegerAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem

MAX_ROWS = 1000
"""The most rows one read returns (an export pages through them by date)."""


class HistoryItem(StoreItem):
    """One settled call of a callback account (``callback_history``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_history"

    class Meta:
        table_name = "callback_history"

    account_id = UnicodeAttribute(hash_key=True)
    sort = UnicodeAttribute(range_key=True)  # end time (ISO, UTC) then the dial's key
    ended_at = UtcDateTimeAttribute()
    call_id = UnicodeAttribute()
    user_number = UnicodeAttribute()
    destination = UnicodeAttribute()
    destination_name = UnicodeAttribute()
    seconds = IntegerAttribute()
    charge = DecimalAttribute()
    currency = UnicodeAttribute()


@dataclass(frozen=True)
class HistoryRow:
    """A settled call: both legs' numbers, the destination's name, the talk time, the charge."""

    account_id: str
    key: str
    ended_at: datetime
    call_id: str
    user_number: str
    destination: str
    destination_name: str
    seconds: int
    charge: Decimal
    currency: str


def _sort(row: HistoryRow) -> str:
    return f"{row.ended_at.strftime('%Y-%m-%dT%H:%M:%S.%f')}#{row.key}"


class CallbackHistoryRepository:
    """The calls of callback accounts, newest first."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def add(self, row: HistoryRow) -> bool:
        """Store a settled call once (its key is the dial's); False for a retry.
        1 conditional PutItem."""
        require_aware(row.ended_at, "ended_at")
        item = HistoryItem(
            row.account_id,
            _sort(row),
            ended_at=row.ended_at,
            call_id=row.call_id,
            user_number=row.user_number,
            destination=row.destination,
            destination_name=row.destination_name,
            seconds=row.seconds,
            charge=row.charge,
            currency=row.currency,
        )
        try:
            item.save(condition=HistoryItem.sort.does_not_exist())
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def recent(
        self,
        account_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[HistoryRow]:
        """The account's calls that ended from ``since`` to ``until`` (either open), newest
        first, at most ``limit`` (capped at ``MAX_ROWS``). 1 Query (a page per 1 MB)."""
        low = since.strftime("%Y-%m-%dT%H:%M:%S.%f") if since else "0"
        high = until.strftime("%Y-%m-%dT%H:%M:%S.%f") if until else "~"
        rows = HistoryItem.query(
            account_id,
            HistoryItem.sort.between(low, high),
            scan_index_forward=False,
            limit=min(limit, MAX_ROWS),
        )
        return [
            HistoryRow(
                account_id=item.account_id,
                key=item.sort.split("#", 1)[1],
                ended_at=item.ended_at,
                call_id=item.call_id,
                user_number=item.user_number,
                destination=item.destination,
                destination_name=item.destination_name,
                seconds=item.seconds,
                charge=item.charge,
                currency=item.currency,
            )
            for item in rows
        ]
