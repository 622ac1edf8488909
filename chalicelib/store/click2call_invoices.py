"""The click-to-call product's invoices in DynamoDB: the ``c2c_invoices`` table, keyed by the
company (``company_id``) and the period (``YYYY-MM``), with ``InvoiceRepository``. Besides its
invoices, a company has one more item in the table, its counter (period ``#number``: sorts
before every period), holding the last number it gave.

An invoice is issued once per company and period, numbered from 1 per company with no gap and
no number given twice: one TransactWriteItems sets the counter to the number read plus one (on
condition it still holds the number read) and puts the invoice (on condition none is there for
its period). Both writes happen or neither does, so a crash between them cannot leave a number
used without its invoice or an invoice without its number. Two issues of different periods at
once: one loses the counter's condition and tries again with the next number; of the same
period: the second finds the first's invoice and returns it.

An invoice's lines are one attribute, their JSON (request id, campaign id and name, visitor
number, completed-at ISO text, price as exact text) compressed with zlib, so that a month of
some ten thousand calls fits DynamoDB's 400 KB item; prices and the total are exact decimal
text. Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports pynamodb, the store's base helpers and the click-to-call records;
must not import the click-to-call services. Part of ``store``, the only package that may import
pynamodb.
"""

from __future__ import annotations

import builtins
import json
import zlib
from dataclasses import replace
from datetime import datetime
from typing import ClassVar

from pynamodb.attributes import BinaryAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.errors import TooLargeError
from chalicelib.store.attributes import IntegerAttribute, UtcDateTimeAttribute, require_aware
from chalicelib.store.base import get_item, lost_races, translated
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.click2call import money, money_text
from chalicelib.store.click2call_records import Invoice, InvoiceLine
from chalicelib.store.errors import NotFoundError, StaleStateError
from chalicelib.store.registry import StoreItem

COUNTER = "#number"
"""The period key of a company's counter item (``#`` sorts before the digits of a period)."""
ISSUE_ATTEMPTS = 10
"""Tries of an issue that lost the counter to concurrent issues of other periods."""
MAX_LINES_BYTES = 350_000
"""The most bytes an invoice's compressed lines take (DynamoDB's item limit is 400 KB)."""


class InvoiceItem(StoreItem):
    """One invoice of a company, or (period ``#number``) its counter (``c2c_invoices``)."""

    LOGICAL_NAME: ClassVar[str] = "c2c_invoices"

    class Meta:
        table_name = "c2c_invoices"

    company_id = UnicodeAttribute(hash_key=True)
    period = UnicodeAttribute(range_key=True)
    number = IntegerAttribute()
    """An invoice's number; the counter's last number given."""
    issued_at = UtcDateTimeAttribute(null=True)
    currency = UnicodeAttribute(null=True)
    lines = BinaryAttribute(null=True, legacy_encoding=False)
    """The lines' JSON, zlib-compressed (``_encode_lines``)."""
    total = UnicodeAttribute(null=True)
    """The exact decimal text (``money_text``)."""


def _encode_lines(lines: tuple[InvoiceLine, ...]) -> bytes:
    text = json.dumps(
        [
            {
                "request_id": line.request_id,
                "campaign_id": line.campaign_id,
                "campaign_name": line.campaign_name,
                "visitor": line.visitor,
                "completed_at": require_aware(line.completed_at, "completed_at").isoformat(),
                "price": money_text(line.price, "price"),
            }
            for line in lines
        ],
        separators=(",", ":"),
    )
    return zlib.compress(text.encode(), 9)


def _decode_lines(data: bytes | None) -> tuple[InvoiceLine, ...]:
    if not data:
        return ()
    return tuple(
        InvoiceLine(
            request_id=raw["request_id"],
            campaign_id=raw["campaign_id"],
            campaign_name=raw["campaign_name"],
            visitor=raw["visitor"],
            completed_at=datetime.fromisoformat(raw["completed_at"]),
            price=money(raw["price"]),
        )
        for raw in json.loads(zlib.decompress(data))
    )


def _item(invoice: Invoice, lines: bytes) -> InvoiceItem:
    return InvoiceItem(
        invoice.company_id,
        invoice.period,
        number=invoice.number,
        issued_at=require_aware(invoice.issued_at, "issued_at"),
        currency=invoice.currency,
        lines=lines,
        total=money_text(invoice.total, "total"),
    )


def _invoice(item: InvoiceItem) -> Invoice:
    return Invoice(
        company_id=item.company_id,
        period=item.period,
        number=item.number,
        issued_at=item.issued_at,  # every invoice item has one
        currency=item.currency or "",
        lines=_decode_lines(item.lines),
        total=money(item.total),
    )


class InvoiceRepository:
    """Click-to-call invoices: issued once per company and period, numbered per company."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def issue(self, invoice: Invoice) -> tuple[Invoice, bool]:
        """Store ``invoice`` (its ``number`` ignored) under the company's next number: the
        invoice stored and True; or the one already issued for its period and False (nothing
        written). ``TooLargeError`` when its lines pass the item's size. 1 consistent GetItem
        (the period), 1 consistent GetItem (the counter) and 1 TransactWriteItems (the counter
        from that number to the next, the invoice if absent), again when another period's
        issue took the number first."""
        lines = _encode_lines(invoice.lines)
        if len(lines) > MAX_LINES_BYTES:
            raise TooLargeError(
                f"invoice {invoice.company_id}/{invoice.period} has too many lines"
                f" ({len(invoice.lines)}) for one invoice"
            )
        for _ in range(ISSUE_ATTEMPTS):
            found = self._find(invoice.company_id, invoice.period)
            if found is not None:
                return found, False
            last = self._last_number(invoice.company_id)
            numbered = replace(invoice, number=last + 1)
            counter = InvoiceItem(invoice.company_id, COUNTER)
            held = InvoiceItem.number.does_not_exist() if last == 0 else InvoiceItem.number == last
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.update(
                        counter, actions=[InvoiceItem.number.set(last + 1)], condition=held
                    )
                    transaction.save(
                        _item(numbered, lines), condition=InvoiceItem.period.does_not_exist()
                    )
            except TransactWriteError as error:
                lost_races(error)  # re-raised unless a condition or a concurrent write lost
                continue
            return numbered, True
        raise StaleStateError("invoice counter", invoice.company_id)

    @translated
    def get(self, company_id: str, period: str) -> Invoice:
        """The company's invoice of ``period`` (``NotFoundError``). 1 consistent GetItem."""
        if period == COUNTER:
            raise NotFoundError("invoice", f"{company_id}/{period}")
        item = get_item(InvoiceItem, "invoice", company_id, period, consistent=True)
        return _invoice(item)

    @translated
    def list(self, company_id: str) -> builtins.list[Invoice]:
        """The company's invoices, oldest period first. 1 consistent Query (paginated)."""
        items = InvoiceItem.query(company_id, InvoiceItem.period >= "0", consistent_read=True)
        return [_invoice(item) for item in items]

    def _find(self, company_id: str, period: str) -> Invoice | None:
        try:
            return _invoice(InvoiceItem.get(company_id, period, consistent_read=True))
        except DoesNotExist:
            return None

    def _last_number(self, company_id: str) -> int:
        try:
            return InvoiceItem.get(company_id, COUNTER, consistent_read=True).number
        except DoesNotExist:
            return 0
