"""An account's do-not-call list, as the REST API, the CLI and the campaigns use it: numbers
refused or listed in one normal form, bulk imports from a text or CSV body, and the hard block a
campaign asks for before it dials (``is_listed``).

The seed's rule is "no outbound to NCPR-registered numbers" (India's registry; the US's
company-specific list and the UK's TPS are the same kind of list): a campaign never calls a
number its account has listed. A number is written in international form, country code first:
digits with an optional '+' or '00' in front, spaces and dashes allowed between them; it is
stored as E.164 digits without '+' (``normal``). A national number (a leading 0), an unknown
country code or anything else is refused with a ``ValidationError`` naming each bad number;
nothing is listed when one is bad. An import (``import_text``: one number per line, or a CSV
with a ``number`` column; ``import_numbers``: a list) lists every good number and reports each
bad line with its reason instead of failing the whole file; it takes at most
``MAX_IMPORT_NUMBERS`` numbers and ``MAX_IMPORT_BYTES`` bytes (``TooLargeError`` before a
byte is parsed). Listing again keeps a number's first entry (``store.do_not_call``).

Owns ``DoNotCall`` and its reports. Imports the standard library, ``phonenumbers``, the account
rules for numbers and ``chalicelib.errors``; the store's records only for typing; must not
import pynamodb, the store at run time, the web layer or the wiring.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from chalicelib.accounts.admin import normal_number, number_problem
from chalicelib.errors import NotFoundError, TooLargeError, ValidationError

if TYPE_CHECKING:
    from chalicelib.store.do_not_call import DoNotCallEntry

MAX_IMPORT_NUMBERS = 100_000
"""Numbers in one import, at most."""
MAX_IMPORT_BYTES = 4 * 1024 * 1024
"""The largest text or CSV an import reads (100,000 numbers with a few columns beside them)."""
MAX_REASON_CHARS = 200
MAX_PAGE = 1000
"""Entries in one page of a list, at most."""
MAX_REPORTED = 1000
"""Rejected lines an import report lists (all of them are counted)."""
MAX_SHOWN_CHARS = 40
"""How much of a rejected line a report quotes."""
SEPARATORS = str.maketrans("", "", " -\u00a0\t")
"""What may stand between a number's digits: spaces (also no-break) and dashes."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DoNotCallStore(Protocol):
    """The lists' storage (``store.do_not_call.DoNotCallRepository``)."""

    def add(
        self,
        account_id: str,
        numbers: Sequence[str],
        at: datetime,
        reason: str | None,
        source: str,
    ) -> int: ...

    def listed(self, account_id: str, numbers: Sequence[str]) -> frozenset[str]: ...

    def entry(self, account_id: str, number: str) -> DoNotCallEntry: ...

    def remove(self, account_id: str, number: str) -> bool: ...

    def page(
        self, account_id: str, limit: int, cursor: str | None = None
    ) -> tuple[list[DoNotCallEntry], str | None]: ...

    def count(self, account_id: str) -> int: ...


def normal(number: str) -> str:
    """``number`` as listed (E.164 digits, no '+'); ``ValidationError`` saying how to write
    it. Takes a '+' or '00' in front and spaces or dashes between the digits."""
    import phonenumbers

    text = number.strip().translate(SEPARATORS) if isinstance(number, str) else ""
    if text.startswith("00") and text[2:].isdigit():
        text = text[2:]
    if not text:
        raise ValidationError(f"{number!r} is not a phone number: it is empty")
    try:
        digits = normal_number(text)
    except ValidationError:
        raise ValidationError(number_problem(number)) from None
    try:
        phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            f"{number!r} does not start with a known country code: write it in international "
            "form, country code first (447700900123)"
        ) from None
    return digits


def normal_numbers(numbers: Sequence[str]) -> list[str]:
    """Every number in normal form, in order, each once; ``ValidationError`` naming every bad
    one when any is bad."""
    good: list[str] = []
    problems: list[str] = []
    for number in numbers:
        try:
            good.append(normal(number))
        except ValidationError as error:
            problems.append(str(error))
    if len(problems) == 1:
        raise ValidationError(problems[0])
    if problems:
        count = len(problems)
        raise ValidationError(f"{count} numbers are not valid", problems=problems)
    return list(dict.fromkeys(good))


def _reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    text = reason.strip()
    if len(text) > MAX_REASON_CHARS:
        raise ValidationError(f"a reason is at most {MAX_REASON_CHARS} characters")
    return text or None


@dataclass(frozen=True)
class Added:
    """Numbers listed by one request: each in normal form; ``added`` of them were new."""

    numbers: tuple[str, ...]
    added: int

    @property
    def already_listed(self) -> int:
        return len(self.numbers) - self.added


@dataclass(frozen=True)
class Rejected:
    """A line of an import that holds no valid number (``line``: from 1; for a list, its
    position from 1)."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class ImportReport:
    """What an import did: lines read (empty ones not counted), distinct valid numbers, how
    many of them were new and how many already listed, and the rejected lines (at most
    ``MAX_REPORTED`` listed, all counted)."""

    lines: int
    numbers: int
    added: int
    already_listed: int
    rejected: int
    problems: tuple[Rejected, ...]


@dataclass(frozen=True)
class Page:
    """Entries of a list in number order, and the cursor of the next page (None: the last)."""

    entries: tuple[DoNotCallEntry, ...]
    next_cursor: str | None


def check_import_size(size: int) -> None:
    """``TooLargeError`` when an import of ``size`` bytes is beyond what is read."""
    if size > MAX_IMPORT_BYTES:
        raise TooLargeError(
            f"the list is {size} bytes; at most {MAX_IMPORT_BYTES} are read in one import"
        )


def _decoded(body: bytes) -> str:
    if b"\x00" in body:
        raise ValidationError("the list holds NUL bytes: it is not text")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(f"the list is not UTF-8 text ({error.reason})") from None


def _shown(text: str) -> str:
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"


def lines_of(body: bytes) -> list[tuple[int, str]]:
    """The numbers' texts of an import body with their line numbers: every non-empty line,
    or, when the first non-empty line is a CSV header with a ``number`` column (commas,
    semicolons or tabs), that column of every row after it. ``TooLargeError`` beyond
    ``MAX_IMPORT_BYTES`` (before anything is parsed) or ``MAX_IMPORT_NUMBERS`` lines;
    ``ValidationError`` for what is not text."""
    check_import_size(len(body))
    text = _decoded(body)
    rows = [(index, line.strip()) for index, line in enumerate(text.splitlines(), 1)]
    rows = [(index, line) for index, line in rows if line]
    if not rows:
        raise ValidationError("the list holds no numbers")
    header_index, header = rows[0]
    delimiter = next((mark for mark in (",", ";", "\t") if mark in header), None)
    column: int | None = None
    if delimiter is not None:
        cells = next(csv.reader(io.StringIO(header), delimiter=delimiter), [])
        names = [name.strip().lower() for name in cells]
        column = names.index("number") if "number" in names else None
        if column is None:
            raise ValidationError(
                f"line {header_index}: a CSV list needs a 'number' column (its header is "
                f"{_shown(header)!r}); or give one number per line"
            )
    found: list[tuple[int, str]] = []
    if column is None or delimiter is None:
        found = rows
    else:
        for index, line in rows[1:]:
            cells = next(csv.reader(io.StringIO(line), delimiter=delimiter), [])
            found.append((index, cells[column].strip() if column < len(cells) else ""))
    if len(found) > MAX_IMPORT_NUMBERS:
        raise TooLargeError(
            f"the list has {len(found)} numbers; at most {MAX_IMPORT_NUMBERS} in one import"
        )
    return found


class DoNotCall:
    """The accounts' do-not-call lists."""

    def __init__(self, store: DoNotCallStore, clock: Callable[[], datetime] = _utc_now) -> None:
        self._store = store
        self._clock = clock

    def add(
        self,
        account_id: str,
        numbers: Sequence[str],
        reason: str | None = None,
        source: str = "rest",
    ) -> Added:
        """List ``numbers`` (any of the accepted forms); nothing is listed when one is bad
        (``ValidationError`` naming each)."""
        good = normal_numbers(numbers)
        if not good:
            raise ValidationError("no number to list")
        if len(good) > MAX_IMPORT_NUMBERS:
            raise TooLargeError(f"at most {MAX_IMPORT_NUMBERS} numbers are listed at once")
        added = self._store.add(account_id, good, self._clock(), _reason(reason), source)
        return Added(tuple(good), added)

    def remove(self, account_id: str, number: str) -> bool:
        """Take a number off the list: True if it was listed (a number no list could hold,
        such as one of no known country, was never listed)."""
        try:
            listed = normal(number)
        except ValidationError:
            return False
        return self._store.remove(account_id, listed)

    def entry(self, account_id: str, number: str) -> DoNotCallEntry:
        """The entry of a listed number; ``NotFoundError`` when it is not listed (also for a
        number no list could hold)."""
        try:
            listed = normal(number)
        except ValidationError:
            raise NotFoundError(f"{number[:20]} is not on the do-not-call list") from None
        return self._store.entry(account_id, listed)

    def page(self, account_id: str, limit: int = MAX_PAGE, cursor: str | None = None) -> Page:
        """A page of the list, in number order."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"a page holds 1 to {MAX_PAGE} numbers")
        entries, next_cursor = self._store.page(account_id, limit, cursor)
        return Page(tuple(entries), next_cursor)

    def count(self, account_id: str) -> int:
        """How many numbers the account has listed."""
        return self._store.count(account_id)

    def is_listed(self, account_id: str, numbers: Sequence[str]) -> frozenset[str]:
        """Which of ``numbers`` are on the account's list, in normal form (the hard block a
        campaign asks for before it dials); ``ValidationError`` for a bad number."""
        good = normal_numbers(numbers)
        return self._store.listed(account_id, good) if good else frozenset()

    def import_text(
        self,
        account_id: str,
        body: bytes,
        reason: str | None = None,
        source: str = "import",
    ) -> ImportReport:
        """List every valid number of a text or CSV body (``lines_of``); each bad line is
        reported, not listed. A body none of whose lines is a number is refused whole
        (``ValidationError``): it is not a list of numbers."""
        report = self._import(account_id, lines_of(body), reason, source)
        if report.lines and not report.numbers:
            first = report.problems[0] if report.problems else None
            shown = f": line {first.line}: {first.reason}" if first else ""
            raise ValidationError(f"the list holds no numbers{shown}")
        return report

    def import_numbers(
        self,
        account_id: str,
        numbers: Sequence[str],
        reason: str | None = None,
        source: str = "import",
    ) -> ImportReport:
        """List every valid number of ``numbers``; each bad one is reported (its position from
        1), not listed."""
        if not numbers:
            raise ValidationError("the list holds no numbers")
        if len(numbers) > MAX_IMPORT_NUMBERS:
            raise TooLargeError(
                f"the list has {len(numbers)} numbers; at most {MAX_IMPORT_NUMBERS} in one import"
            )
        return self._import(account_id, list(enumerate(numbers, 1)), reason, source)

    def _import(
        self,
        account_id: str,
        lines: list[tuple[int, str]],
        reason: str | None,
        source: str,
    ) -> ImportReport:
        why = _reason(reason)
        good: dict[str, None] = {}
        problems: list[Rejected] = []
        rejected = 0
        for index, text in lines:
            try:
                good[normal(text)] = None
            except ValidationError as error:
                rejected += 1
                if len(problems) < MAX_REPORTED:
                    problems.append(Rejected(index, _shown(text), _reason_of(error, text)))
        numbers = list(good)
        added = self._store.add(account_id, numbers, self._clock(), why, source) if numbers else 0
        return ImportReport(
            lines=len(lines),
            numbers=len(numbers),
            added=added,
            already_listed=len(numbers) - added,
            rejected=rejected,
            problems=tuple(problems),
        )


def _reason_of(error: ValidationError, text: str) -> str:
    """The refusal's words without the quoted number (the report quotes the line itself)."""
    message = str(error)
    quoted = repr(text)
    return message[len(quoted) :].lstrip(" :") if message.startswith(quoted) else message
