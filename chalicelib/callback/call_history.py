"""A callback account's settled calls as users and operators see them: one view per call (both
legs' numbers, the destination and its name, the talk time, the charge), the days a listing is
bounded by, and the CSV export, whose cells a spreadsheet would run as a formula (starting
``= + - @``, a tab or a carriage return) are quoted with a leading ``'``. The one spelling of the
history's CSV: the operator REST route (``callback.account_routes``) and the user's pages
(``callback.portal``) both export through it. Imports pydantic, the platform's errors and the
standard library; must not import web, wiring, the store or pynamodb.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any, Protocol

from pydantic import BaseModel, Field

from chalicelib.errors import ValidationError
from chalicelib.ops import spreadsheet

CSV_COLUMNS = (
    "ended_at",
    "call_id",
    "user_number",
    "destination",
    "destination_name",
    "seconds",
    "charge",
    "currency",
)


class HistoryView(BaseModel):
    """One settled call of a callback account: both legs' numbers, the talk time, the charge."""

    ended_at: str
    call_id: str
    user_number: str
    destination: str
    destination_name: str
    seconds: int
    charge: str = Field(description="a decimal amount as text")
    currency: str


class History(Protocol):
    """The history store's reading (``store.callback_history.CallbackHistoryRepository``)."""

    def recent(
        self, account_id: str, since: datetime | None, until: datetime | None, limit: int
    ) -> Any: ...


def day(text: str | None, what: str) -> date | None:
    """A day typed as ``YYYY-MM-DD`` (None: not given); ``ValidationError`` otherwise."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{what} {text[:20]!r} is not a date (YYYY-MM-DD)") from None


def calls(
    history: History, account_id: str, first: date | None, last: date | None, limit: int
) -> list[dict[str, Any]]:
    """The views of the calls that ended from ``first`` to ``last`` (whole UTC days), newest
    first, at most ``limit``."""
    since = datetime.combine(first, time.min, UTC) if first else None
    until = datetime.combine(last, time.max, UTC) if last else None
    return [
        HistoryView(
            ended_at=row.ended_at.isoformat(),
            call_id=row.call_id,
            user_number=row.user_number,
            destination=row.destination,
            destination_name=row.destination_name,
            seconds=row.seconds,
            charge=str(row.charge),
            currency=row.currency,
        ).model_dump()
        for row in history.recent(account_id, since, until, limit)
    ]


def to_csv(views: Iterable[dict[str, Any]]) -> str:
    """The calls as CSV (a header row, CRLF line ends), formula cells quoted."""
    return spreadsheet.to_csv(CSV_COLUMNS, ([view[name] for name in CSV_COLUMNS] for view in views))


def csv_headers(account_id: str) -> dict[str, str | list[str]]:
    """The headers of a CSV export download."""
    return {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="calls-{account_id}.csv"',
    }
