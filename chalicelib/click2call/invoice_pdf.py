"""An invoice of the click-to-call as a PDF: ``render(invoice, company) -> bytes``. The one
module that writes PDF.

A4 pages in PDF 1.4, written here with the standard library (zlib for the page streams): the
title, the company's name and id, the invoice's number, period, issue date and currency, a
table of its lines (completed at, campaign, visitor number, price), page numbers, and the total
with its currency after the last line. Text is set in two of PDF's standard fonts (Helvetica and
Helvetica-Bold, WinAnsi encoding): no font file is embedded or shipped, and a character the
encoding lacks prints as ``?``. The bytes depend on the invoice and the company only (the issue
time is the document's date), so the same invoice renders the same file. Why not a PDF library:
docs/decisions/0037. Pure: imports the product's model and the standard library.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import UTC, datetime

from chalicelib.click2call.model import Company
from chalicelib.store.click2call_records import Invoice

PAGE_WIDTH, PAGE_HEIGHT = 595, 842
"""A4, in points."""
MARGIN = 50
ROW = 15
"""A table row's height, in points."""
FIRST_PAGE_ROWS = 38
OTHER_PAGE_ROWS = 46
CAMPAIGN_CHARS = 34
"""The most characters of a campaign's name a row shows."""
_REGULAR, _BOLD = "F1", "F2"
_COLUMNS = (("#", MARGIN), ("Completed (UTC)", 75), ("Campaign", 180), ("Visitor", 375))
_PRICE_RIGHT = PAGE_WIDTH - MARGIN
# Helvetica's advance widths (1/1000 em) of what right-aligned text holds: digits and
# punctuation are the same in both fonts, capitals differ a little (the bold's are used).
_DIGITS = dict.fromkeys("0123456789", 556) | {".": 278, ",": 278, "-": 333, " ": 278}
_CAPITAL_WIDTHS: tuple[int, ...] = (722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611)
_CAPITAL_WIDTHS += (833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611)
_CAPITALS = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", _CAPITAL_WIDTHS, strict=True))


def _width(text: str, size: float) -> float:
    """The width of ``text`` at ``size`` points (digits, punctuation and capitals exact; other
    characters as a digit)."""
    return sum(_DIGITS.get(c, _CAPITALS.get(c, 556)) for c in text) * size / 1000


def _literal(text: str) -> bytes:
    """``text`` as a PDF string literal in WinAnsi (cp1252), ``?`` for what it lacks."""
    raw = text.encode("cp1252", errors="replace")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    escaped = bytes(c if 32 <= c != 127 else 32 for c in escaped)
    return b"(" + escaped + b")"


class _Page:
    """One page's drawing operators."""

    def __init__(self) -> None:
        self.ops: list[bytes] = []

    def text(self, x: float, y: float, text: str, size: float = 10, bold: bool = False) -> None:
        font = _BOLD if bold else _REGULAR
        self.ops.append(
            b"BT /%s %.1f Tf %.2f %.2f Td %s Tj ET" % (font.encode(), size, x, y, _literal(text))
        )

    def right(self, x: float, y: float, text: str, size: float = 10, bold: bool = False) -> None:
        self.text(x - _width(text, size), y, text, size, bold)

    def rule(self, y: float) -> None:
        self.ops.append(b"0.5 w %d %.2f m %d %.2f l S" % (MARGIN, y, PAGE_WIDTH - MARGIN, y))


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."


def _header(page: _Page, y: float) -> float:
    for title, x in _COLUMNS:
        page.text(x, y, title, 9, bold=True)
    page.right(_PRICE_RIGHT, y, "Price", 9, bold=True)
    page.rule(y - 4)
    return y - ROW


def _pages(invoice: Invoice, company: Company) -> list[_Page]:
    first = _Page()
    y: float = PAGE_HEIGHT - MARGIN - 18
    first.text(MARGIN, y, "Invoice", 20, bold=True)
    first.right(_PRICE_RIGHT, y, invoice.number_text, 12, bold=True)
    y -= 32
    facts = (
        ("Company", f"{company.name} ({company.company_id})"),
        ("Invoice number", invoice.number_text),
        ("Period", f"{invoice.period} (calls completed in the month, UTC)"),
        ("Issued", invoice.issued_at.astimezone(UTC).strftime("%Y-%m-%d")),
        ("Currency", invoice.currency),
        ("For", "each completed click-to-call, at its campaign's price"),
    )
    for label, value in facts:
        first.text(MARGIN, y, label, 10, bold=True)
        first.text(MARGIN + 100, y, value, 10)
        y -= ROW
    y = _header(first, y - 12)
    pages, page, room = [first], first, FIRST_PAGE_ROWS
    for index, line in enumerate(invoice.lines, start=1):
        if room == 0:
            page, room = _Page(), OTHER_PAGE_ROWS
            pages.append(page)
            y = _header(page, PAGE_HEIGHT - MARGIN - 10)
        page.text(MARGIN, y, str(index), 9)
        page.text(75, y, line.completed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), 9)
        page.text(180, y, _short(line.campaign_name, CAMPAIGN_CHARS), 9)
        page.text(375, y, line.visitor, 9)
        page.right(_PRICE_RIGHT, y, str(line.price), 9)
        y -= ROW
        room -= 1
    if room < 2:
        page = _Page()
        pages.append(page)
        y = PAGE_HEIGHT - MARGIN - 10
    page.rule(y + ROW - 4)
    calls = len(invoice.lines)
    label = f"Total ({calls} completed click-to-call{'s' * (calls != 1)})"
    page.text(MARGIN, y - 4, label, 11, bold=True)
    page.right(_PRICE_RIGHT, y - 4, f"{invoice.total} {invoice.currency}", 11, bold=True)
    for number, each in enumerate(pages, start=1):
        each.right(_PRICE_RIGHT, MARGIN - 20, f"Page {number} of {len(pages)}", 8)
        each.text(MARGIN, MARGIN - 20, f"{invoice.number_text}", 8)
    return pages


def _date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("D:%Y%m%d%H%M%SZ")


def _document(objects: Sequence[bytes]) -> bytes:
    """The file: header, numbered objects (1 the catalog), cross-reference table, trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 2 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def render(invoice: Invoice, company: Company) -> bytes:
    """The invoice as a PDF file (see the module)."""
    pages = _pages(invoice, company)
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    info = b"<< /Title %s /Author %s /Creator (Ringflow) /CreationDate %s >>" % (
        _literal(f"Invoice {invoice.number_text}"),
        _literal(company.name),
        _literal(_date(invoice.issued_at)),
    )
    # 1 catalog, 2 info, 3 page tree, 4 and 5 fonts, then each page and its content stream
    first_page = 6
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 3 0 R >>",
        info,
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
        font % b"Helvetica",
        font % b"Helvetica-Bold",
    ]
    for index, page in enumerate(pages):
        content = first_page + 2 * index + 1
        objects.append(
            b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 %d %d] /Resources << /Font"
            b" << /%s 4 0 R /%s 5 0 R >> >> /Contents %d 0 R >>"
            % (PAGE_WIDTH, PAGE_HEIGHT, _REGULAR.encode(), _BOLD.encode(), content)
        )
        stream = zlib.compress(b"\n".join(page.ops), 9)
        objects.append(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream)
        )
    return _document(objects)
