"""CSV that a spreadsheet opens safely: a text cell starting with ``=``, ``+``, ``-``, ``@``, a
tab, a carriage return or NUL would be run as a formula, so it is prefixed with a quote (OWASP
"CSV injection"; FACTS-operations §3.3); RFC 4180 quoting, CRLF line ends. Every export of the
platform (call history, campaign reports) writes through here. Imports the standard library.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


def cell(value: object) -> str:
    """``value`` as a cell a spreadsheet shows as text."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in _FORMULA_STARTS else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A header row and the rows, every cell through ``cell``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()
