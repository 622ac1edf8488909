"""The call list of an outbound campaign, read from an uploaded ``.csv`` or ``.zip`` (an e-mail
attachment, a web upload or a REST body): who to call (``tel1``, alternates ``tel2``..``tel10``),
when (``starttime``, or a common start time in the file name) and with which flow variables
(``$flow.key.<variable>``). Also the template file users download (``template``) and the plain
text summary of a reading (``describe``) that the auto-response e-mail and the CLI show.

The reader is a boundary parser of untrusted bytes (``FACTS-operations.md`` §3.3): a file it
cannot use at all (too large, not CSV, a zip bomb, an unknown column...) raises
``CallListError`` with a short ``code`` and a message for the user, and loads nothing; a row it
cannot use (a number without its country code, a bad start time, a duplicate) is listed in
``CallList.rejected`` with its reason, and the other rows load. Zip entries are inflated through
a counting reader that stops as soon as a limit is passed; the archive's own sizes are never
trusted. Row numbers are those a spreadsheet shows: the header line is row 1 and the first data
row is row 2; blank rows are skipped but counted.

Choices: a file without any header (empty) is refused, a header without rows reads as an empty
list. A number is kept as the E.164 digits written (spaces, dashes, dots, parentheses, a leading
``+`` or ``00`` dropped; ``phonenumbers`` drops a national prefix written after the country code,
as in ``+44 (0)7700 900001``) when ``phonenumbers.is_possible_number`` accepts it, which includes
numbers only possible locally. A local start time that a daylight-saving change skips or repeats
reads with the offset in force before the change. Values are text as written, trimmed: a value
starting with ``=`` is no formula here, and an export must escape it (``FACTS-operations`` §3.3).

Pure: the standard library, ``phonenumbers`` and ``chalicelib.errors`` only; no store, web,
wiring, AWS or other product module. The clock (``now``) and the account's zone are parameters.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumber, ValidationResult

from chalicelib.errors import TooLargeError, ValidationError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""The largest upload, as uploaded (the ``.csv``, or the ``.zip``)."""
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
"""The most a zip may inflate to, in all; also the largest CSV inside a zip."""
MAX_ZIP_ENTRIES = 10
"""Files in a zip, folders and macOS's ``__MACOSX/`` and ``.DS_Store`` aside."""
MAX_RATIO = 100
"""An entry may inflate to at most this many times its compressed size..."""
RATIO_GRACE_BYTES = 100 * 1024
"""... once it has inflated past this many bytes (Apache POI's rule)."""
MAX_LINE_CHARS = 64 * 1024
"""The longest line of the CSV text; a longer one refuses the file."""
MAX_COLUMNS = 64
"""Columns of the header."""
MAX_ROWS = 200_000
"""Data rows (blank rows aside)."""
MAX_RECORDS = 1_000_000
"""Rows in all, blank ones included: a file of empty lines is refused before it is read to
its end."""
MAX_VALUE_CHARS = 1000
"""The longest value of a cell, surrounding whitespace trimmed."""
MAX_TEL_COLUMNS = 10
"""``tel1`` .. ``tel10``."""
MAX_START_AHEAD = timedelta(days=365)
"""A start time may be at most this far after ``now``."""
VARIABLE_PATTERN = r"^[^\x00-\x20\x7f${}]{1,64}$"
"""A flow variable's name, as a column ``$flow.key.<name>`` gives it."""
FLOW_KEY_PREFIX = "$flow.key."
"""The header prefix of a flow variable's column (the seed's spelling)."""
SEPARATORS = (",", ";", "\t")
"""The separators sniffed from the header line, preferred in this order on a tie."""

ERROR_CODES = frozenset(
    {
        "too_large",  # the upload is over MAX_UPLOAD_BYTES
        "file_type",  # the name is neither .csv nor .zip
        "excel",  # a workbook (.xlsx, .xls, .ods), by name or content: save it as CSV
        "not_csv",  # named .csv but binary (a zip, a PDF, NUL bytes)
        "not_zip",  # named .zip but not a zip
        "bad_zip",  # a damaged zip (bad CRC, truncated), or an unusual compression method
        "too_many_entries",  # more than MAX_ZIP_ENTRIES files in the zip
        "nested_zip",  # an archive inside the zip
        "encrypted",  # a password-protected entry
        "csv_count",  # not exactly one .csv in the zip
        "zip_bomb",  # inflates past MAX_UNZIPPED_BYTES or MAX_RATIO
        "encoding",  # text that cannot be decoded
        "line_too_long",  # a line over MAX_LINE_CHARS
        "bad_csv",  # the csv module gave up (a field over its limit)
        "too_many_columns",  # more than MAX_COLUMNS in the header
        "too_many_rows",  # more than MAX_ROWS data rows (or MAX_RECORDS rows in all)
        "no_rows",  # no header at all: an empty file
        "no_tel1",  # a header without tel1 (or data where the header should be)
        "unknown_column",  # a header that is none of the known ones
        "bad_variable",  # a $flow.key.<name> whose name is not a variable name
        "unknown_variable",  # a $flow.key.<name> the flow does not declare
        "duplicate_column",  # the same column twice
        "bad_start_name",  # an upload_<digits> name that is not a valid start time
    }
)
"""Every ``CallListError.code``."""

_VARIABLE = re.compile(VARIABLE_PATTERN)
_TEL = re.compile(r"tel([1-9][0-9]?)")
_START_NAME = re.compile(r"upload_([0-9]{8,})", re.IGNORECASE)
_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:[.,]([0-9]{1,9}))?)?"
    r"(?:([Zz])|([+-])([0-9]{2})(?::?([0-9]{2}))?)?"
)
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?[eE][+-]?[0-9]+")
_DECIMAL = re.compile(r"[0-9]+[.,]0+")
_NUMBER_PUNCTUATION = re.compile(r"[\s().\-]+")
_NUMBER = re.compile(r"\+?[0-9]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CHUNK = 64 * 1024

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,  # zipfile's answer to a compression method it cannot read
    RuntimeError,
    KeyError,
    IndexError,
    OverflowError,
)
"""What ``zipfile`` raises on a corrupt or crafted archive (a bad CRC is a ``BadZipFile``, a
corrupt deflate stream a ``zlib.error``)."""
_ARCHIVES = (".zip", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".jar")
_IGNORED_ENTRIES = ("__MACOSX",)
_IGNORED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")
_SPREADSHEET_NAMES = (".xlsx", ".xlsm", ".xls", ".ods", ".numbers")
_SAVE_AS_CSV = "save it as CSV (File > Save As > CSV UTF-8) and upload that"
_HEADER_HELP = (
    "the first line must be the header (tel1, optionally tel2..tel10, starttime and "
    "$flow.key.<variable> columns)"
)


class CallListError(ValidationError):
    """A call list that cannot be used at all: nothing of it is loaded. ``code`` is a short
    machine string (``too_large``, ``not_csv``, ``zip_bomb``, ``no_tel1`` ...); the message is
    for the user."""

    def __init__(self, code: str, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message, problems)
        self.code = code


class CallListTooLargeError(CallListError, TooLargeError):
    """The upload is larger than ``MAX_UPLOAD_BYTES`` (code ``too_large``)."""


@dataclass(frozen=True)
class Row:
    """One call to place: ``numbers`` are E.164 digits without ``+`` (``tel1`` first, then the
    filled alternates, each once); ``keys`` maps bare variable names to their text;
    ``start_at`` is aware UTC, or None for as soon as possible."""

    row: int
    numbers: tuple[str, ...]
    keys: Mapping[str, str]
    start_at: datetime | None


@dataclass(frozen=True)
class RejectedRow:
    """A data row that was not loaded, and why (every problem of the row, ``; ``-separated)."""

    row: int
    reason: str


@dataclass(frozen=True)
class CallList:
    """What a call list file holds. ``common_start`` is the file name's start time (UTC);
    ``columns`` the header's cells as written (trimmed); ``encoding`` the text encoding read
    (``utf-8``, ``utf-8-sig``, ``utf-16-le``, ``utf-16-be`` or ``windows-1252``); ``separator``
    the one sniffed; ``source_name`` the CSV's name (the file's, or the entry's inside a zip)."""

    rows: tuple[Row, ...]
    rejected: tuple[RejectedRow, ...]
    common_start: datetime | None
    columns: tuple[str, ...]
    encoding: str
    separator: str
    source_name: str


@dataclass(frozen=True)
class _Columns:
    """The header's meaning: column indexes of the numbers, the start time and the variables."""

    tels: tuple[tuple[int, str], ...]
    start: int | None
    variables: tuple[tuple[int, str, str], ...]
    width: int


def read_call_list(
    data: bytes, filename: str, *, declared: frozenset[str] | None, zone: str, now: datetime
) -> CallList:
    """Read an uploaded call list (``.csv`` or ``.zip``, told by name and by content).

    ``declared``: the bare names of the flow's variables (None accepts any ``$flow.key.<v>``);
    ``zone``: the IANA zone of start times written without an offset (a bad zone is the
    caller's error: ``ZoneInfoNotFoundError``); ``now``: aware. Raises ``CallListError`` when
    the file cannot be used at all. Row numbers are a spreadsheet's: the header is row 1 (or
    the first non-blank row), the first data row row 2; blank rows are skipped, still counted.
    An empty file (no header at all) is refused (``no_rows``); a header without rows, or rows
    that are all rejected, read as a ``CallList`` without rows.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    tz = ZoneInfo(zone)
    name = _base_name(filename)
    if len(data) > MAX_UPLOAD_BYTES:
        raise CallListTooLargeError(
            "too_large",
            f"the file is {_size(len(data))}: the largest call list is {_size(MAX_UPLOAD_BYTES)}"
            " (zip it, or split it in several files)",
        )
    lower = name.lower()
    if lower.endswith(".csv"):
        _refuse_binary(data, "the file")
        csv_bytes, csv_name, start_name = data, name, name
    elif lower.endswith(".zip"):
        csv_bytes, csv_name = _unzip(data)
        entry = _base_name(csv_name)
        start_name = entry if _START_NAME.match(entry) else name
    elif lower.endswith(_SPREADSHEET_NAMES):
        raise CallListError("excel", f"{_quote(name)} is a spreadsheet: {_SAVE_AS_CSV}")
    else:
        raise CallListError(
            "file_type", f"{_quote(name)}: a call list is a .csv file, or a .zip of one"
        )
    common_start = _common_start(start_name, tz, now)
    text, encoding = _decode(csv_bytes)
    separator = _sniff(text)
    return _read_rows(
        text,
        separator,
        declared=declared,
        tz=tz,
        now=now,
        common_start=common_start,
        encoding=encoding,
        source_name=csv_name,
    )


def template(variables: Sequence[str]) -> str:
    """The template call list users download: the header (``tel1,tel2,tel3,starttime`` then
    ``$flow.key.<v>`` for each variable, each once) and one example row, CRLF line ends.
    Raises ``ValueError`` on a variable name a call list could not carry."""
    names: list[str] = []
    for variable in variables:
        if not _VARIABLE.match(variable):
            raise ValueError(f"not a variable name: {variable!r}")
        if variable not in names:
            names.append(variable)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["tel1", "tel2", "tel3", "starttime", *(FLOW_KEY_PREFIX + v for v in names)])
    writer.writerow(
        ["447700900001", "447700900002", "", "2026-12-24T09:30:00+00:00"]
        + [f"example {v}" for v in names]
    )
    return out.getvalue()


def describe(result: CallList, limit: int = 50) -> str:
    """A plain-text summary of a reading: rows loaded and rejected, the common start time, then
    up to ``limit`` rejected rows (``row 7: tel1: ...``) and ``... and N more``."""
    loaded, rejected = len(result.rows), len(result.rejected)
    lines = [
        f"{_clean(result.source_name)}: {_count(loaded, 'row')} loaded, {rejected:,} rejected.",
    ]
    if result.common_start is not None:
        lines.append(
            f"Common start time (from the file name): {result.common_start:%Y-%m-%d %H:%M:%S} UTC."
        )
    if loaded == 0 and rejected == 0:
        lines.append("The file has a header but no rows: nothing to call.")
    if rejected:
        lines.append("Rejected rows:")
        lines.extend(f"row {r.row}: {r.reason}" for r in result.rejected[: max(limit, 0)])
        if rejected > limit:
            lines.append(f"... and {rejected - max(limit, 0)} more")
    return "\n".join(lines) + "\n"


# --- the container: size, type, zip ------------------------------------------------------------


def _base_name(filename: str) -> str:
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip()


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.2f} MB ({n:,} bytes)"
    return f"{n:,} bytes"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _binary_kind(data: bytes) -> tuple[str, str] | None:
    """``(code, what the bytes are)`` for bytes that are not CSV text; None for text."""
    if data.startswith(_ZIP_MAGIC):
        kind = _zip_kind(data)
        if kind == "excel":
            return "excel", "an Excel workbook"
        if kind == "opendocument":
            return "excel", "an OpenDocument spreadsheet"
        return "zip", "a zip archive"
    if data.startswith(b"%PDF-"):
        return "not_csv", "a PDF document"
    if data.startswith(_OLE2_MAGIC):
        return "excel", "an old Excel workbook (.xls)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text, whose bytes hold NULs
    if b"\x00" in data:
        return "not_csv", "a binary file (it has NUL bytes)"
    return None


def _zip_kind(data: bytes) -> str:
    """``excel``, ``opendocument`` or ``zip``: what an archive's entry names say it is."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except _ZIP_ERRORS:
        return "zip"
    return _kind_of_names(names)


def _kind_of_names(names: Sequence[str]) -> str:
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "excel"
    if "mimetype" in names and "content.xml" in names:
        return "opendocument"
    return "zip"


def _refuse_binary(data: bytes, what: str) -> None:
    """Refuses bytes that are not CSV text, saying what they look like."""
    kind = _binary_kind(data)
    if kind is None:
        return
    code, looks = kind
    if code == "zip":
        raise CallListError("not_csv", f"{what} is a zip file named .csv: name it .zip")
    if code == "excel":
        raise CallListError("excel", f"{what} looks like {looks}: {_SAVE_AS_CSV}")
    raise CallListError(code, f"{what} is {looks}, not CSV text")


def _unzip(data: bytes) -> tuple[bytes, str]:
    """The one CSV of a zip, inflated through a counting reader, and its entry name."""
    if not data.startswith(_ZIP_MAGIC):
        kind = _binary_kind(data)
        if kind is not None and kind[0] == "excel":
            raise CallListError("excel", f"the file looks like {kind[1]}: {_SAVE_AS_CSV}")
        looks = kind[1] if kind else ("empty" if not data else "text (a CSV file? name it .csv)")
        raise CallListError("not_zip", f"the file is named .zip but it is {looks}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            named = _kind_of_names([i.filename for i in infos])
            if named != "zip":
                what = "an Excel workbook" if named == "excel" else "an OpenDocument spreadsheet"
                raise CallListError("excel", f"the file looks like {what}: {_SAVE_AS_CSV}")
            info = _the_csv_entry(infos)
            return _inflate(archive, info, len(data)), info.filename
    except CallListError:
        raise  # a ValueError too: not a damaged archive
    except _ZIP_ERRORS as error:
        raise CallListError(
            "bad_zip", f"the zip archive is damaged and cannot be read ({_clean(str(error))})"
        ) from None


def _the_csv_entry(infos: Sequence[zipfile.ZipInfo]) -> zipfile.ZipInfo:
    entries = [i for i in infos if not _ignored(i)]
    names = _names([i.filename for i in entries]) or "none"
    if len(entries) > MAX_ZIP_ENTRIES:
        raise CallListError(
            "too_many_entries",
            f"the zip holds {len(entries)} files: at most {MAX_ZIP_ENTRIES}, of which one .csv",
        )
    nested = [i.filename for i in entries if i.filename.lower().endswith(_ARCHIVES)]
    if nested:
        raise CallListError(
            "nested_zip",
            f"the zip holds another archive ({_names(nested)}): zip the .csv file itself",
        )
    encrypted = [i.filename for i in entries if i.flag_bits & 0x1]
    if encrypted:
        raise CallListError(
            "encrypted",
            f"the zip is password-protected ({_names(encrypted)}): zip it without a password",
        )
    csvs = [i for i in entries if i.filename.lower().endswith(".csv")]
    if len(csvs) != 1:
        how_many = "no .csv file" if not csvs else f"{len(csvs)} .csv files"
        raise CallListError(
            "csv_count", f"the zip must hold exactly one .csv file; it holds {how_many}: {names}"
        )
    declared = sum(i.file_size for i in entries)
    if declared > MAX_UNZIPPED_BYTES:
        raise _bomb(f"its files would unzip to {_size(declared)}")
    info = csvs[0]
    if info.compress_type not in {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}:
        raise CallListError(
            "bad_zip",
            f"{_quote(info.filename)} is compressed with a method that is not accepted: "
            "use the usual zip (deflate) compression",
        )
    return info


def _ignored(info: zipfile.ZipInfo) -> bool:
    name = info.filename.replace("\\", "/")
    parts = name.split("/")
    base = parts[-1]
    return (
        info.is_dir()
        or not base
        or any(p in _IGNORED_ENTRIES for p in parts)
        or base in _IGNORED_NAMES
        or base.startswith("._")
    )


def _bomb(why: str) -> CallListError:
    return CallListError(
        "zip_bomb",
        f"the zip is refused: {why} (at most {_size(MAX_UNZIPPED_BYTES)} unzipped, and at most "
        f"{MAX_RATIO} times its compressed size)",
    )


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, upload_size: int) -> bytes:
    """The entry's bytes, read in chunks and counted: stops as soon as the total passes
    ``MAX_UNZIPPED_BYTES`` or the ratio passes ``MAX_RATIO`` (after ``RATIO_GRACE_BYTES``). The
    compressed size is the header's, but never more than the upload's."""
    compressed = max(1, min(info.compress_size, upload_size))
    out = bytearray()
    with archive.open(info) as stream:
        while chunk := stream.read(_CHUNK):
            out += chunk
            if len(out) > MAX_UNZIPPED_BYTES:
                raise _bomb(
                    f"{_quote(info.filename)} unzips to more than {_size(MAX_UNZIPPED_BYTES)}"
                )
            if len(out) > RATIO_GRACE_BYTES and len(out) > MAX_RATIO * compressed:
                raise _bomb(f"{_quote(info.filename)} unzips to over {MAX_RATIO} times its size")
    inflated = bytes(out)
    if inflated.startswith(_ZIP_MAGIC) and _zip_kind(inflated) == "zip":
        raise CallListError(
            "nested_zip",
            f"{_quote(info.filename)} in the zip is itself a zip: zip the .csv file itself",
        )
    _refuse_binary(inflated, _quote(info.filename))
    return inflated


# --- text: encoding, lines, separator ----------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: a BOM's (UTF-8, UTF-16 LE/BE), else UTF-8, else
    Windows-1252. Refuses undecodable bytes and NUL characters."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body = "utf-8-sig", data[3:]
        codec = "utf-8"
    elif data.startswith(b"\xff\xfe"):
        encoding, codec, body = "utf-16-le", "utf-16-le", data[2:]
    elif data.startswith(b"\xfe\xff"):
        encoding, codec, body = "utf-16-be", "utf-16-be", data[2:]
    else:
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding, codec, body = "windows-1252", "cp1252", data
        else:
            return _no_nul(text), encoding
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as error:
        raise CallListError(
            "encoding",
            f"the file's text cannot be read as {encoding} (byte {error.start + 1}): "
            "save it as CSV UTF-8",
        ) from None
    return _no_nul(text), encoding


def _no_nul(text: str) -> str:
    if "\x00" in text:
        raise CallListError("not_csv", "the file has NUL characters: it is not CSV text")
    return text


def _sniff(text: str) -> str:
    """The separator of the header line (the first line with more than separators and
    spaces): the most frequent of ``SEPARATORS`` outside quotes; ``,`` when there is none."""
    for line in io.StringIO(text[: MAX_LINE_CHARS * 4], newline=""):
        if not line.strip().strip(",;\t").strip():
            continue
        counts = dict.fromkeys(SEPARATORS, 0)
        quoted = False
        for char in line:
            if char == '"':
                quoted = not quoted
            elif not quoted and char in counts:
                counts[char] += 1
        best = max(SEPARATORS, key=lambda s: counts[s])
        return best if counts[best] else ","
    return ","


def _lines(text: str) -> Iterator[str]:
    """The text's physical lines (``\\n``, ``\\r\\n`` or ``\\r``), each checked for length."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS + 2:
            raise CallListError(
                "line_too_long",
                f"line {number} has {len(line):,} characters: at most {MAX_LINE_CHARS:,}",
            )
        yield line


# --- the header --------------------------------------------------------------------------------


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _columns(header: Sequence[str], declared: frozenset[str] | None) -> _Columns:
    """What each header cell means; refuses the file on a header it cannot use."""
    if len(header) > MAX_COLUMNS:
        raise CallListError(
            "too_many_columns", f"the header has {len(header)} columns: at most {MAX_COLUMNS}"
        )
    cells = [c.strip().lstrip("\ufeff").strip() for c in header]
    if "tel1" not in {c.lower() for c in cells}:
        shown = ", ".join(_quote(c) for c in cells)
        raise CallListError("no_tel1", f"the header has no tel1 column ({shown}): {_HEADER_HELP}")
    tels: list[tuple[int, str]] = []
    start: int | None = None
    variables: list[tuple[int, str, str]] = []
    unknown: list[str] = []
    undeclared: list[str] = []
    bad_names: list[str] = []
    seen: dict[str, int] = {}
    duplicates: list[str] = []
    for index, cell in enumerate(cells):
        where = f"column {_column_letter(index)}"
        lower = cell.lower()
        target: str
        tel = _TEL.fullmatch(lower)
        if tel and int(tel.group(1)) <= MAX_TEL_COLUMNS:
            target = lower
            tels.append((index, lower))
        elif lower == "starttime":
            target, start = lower, index
        elif lower.startswith(FLOW_KEY_PREFIX) or (declared is not None and cell in declared):
            variable = cell[len(FLOW_KEY_PREFIX) :] if lower.startswith(FLOW_KEY_PREFIX) else cell
            if not _VARIABLE.match(variable):
                bad_names.append(f"{_quote(cell)} ({where})")
                continue
            if declared is not None and variable not in declared:
                undeclared.append(f"{_quote(cell)} ({where})")
                continue
            target = FLOW_KEY_PREFIX + variable
            variables.append((index, variable, cell))
        else:
            shown = "an empty header" if not cell else _quote(cell)
            unknown.append(f"{shown} ({where})")
            continue
        if target in seen:
            duplicates.append(
                f"{_quote(cell)} (columns {_column_letter(seen[target])} and "
                f"{_column_letter(index)})"
            )
        else:
            seen[target] = index
    if unknown:
        hint = "" if declared is None else f"; the flow's variables: {_declared_list(declared)}"
        raise CallListError(
            "unknown_column",
            f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
            f"A column is tel1..tel10, starttime or $flow.key.<variable>{hint}",
            unknown,
        )
    if bad_names:
        raise CallListError(
            "bad_variable",
            f"not a variable name: {', '.join(bad_names)} (1 to 64 characters, no spaces, "
            "'$', '{' or '}')",
            bad_names,
        )
    if undeclared:
        raise CallListError(
            "unknown_variable",
            f"the flow has no such variable: {', '.join(undeclared)}; its variables: "
            f"{_declared_list(declared or frozenset())}",
            undeclared,
        )
    if duplicates:
        raise CallListError(
            "duplicate_column", f"a column appears twice: {', '.join(duplicates)}", duplicates
        )
    tels.sort(key=lambda t: int(t[1][3:]))
    return _Columns(tuple(tels), start, tuple(variables), len(cells))


def _declared_list(declared: frozenset[str]) -> str:
    return ", ".join(sorted(declared)) if declared else "none (the flow declares no variables)"


# --- the rows ----------------------------------------------------------------------------------


def _read_rows(
    text: str,
    separator: str,
    *,
    declared: frozenset[str] | None,
    tz: ZoneInfo,
    now: datetime,
    common_start: datetime | None,
    encoding: str,
    source_name: str,
) -> CallList:
    reader = csv.reader(
        _lines(text),
        delimiter=separator,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        quoting=csv.QUOTE_MINIMAL,
        strict=False,
    )
    columns: _Columns | None = None
    header: tuple[str, ...] = ()
    rows: list[Row] = []
    rejected: list[RejectedRow] = []
    first_of: dict[str, int] = {}
    data_rows = 0
    latest = now + MAX_START_AHEAD
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if number > MAX_RECORDS:
                raise CallListError("too_many_rows", f"the file has more than {MAX_RECORDS:,} rows")
            if not "".join(record).strip():
                continue
            if columns is None:
                columns = _columns(record, declared)
                header = tuple(c.strip().lstrip("\ufeff").strip() for c in record)
                continue
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise CallListError(
                    "too_many_rows", f"the file has more than {MAX_ROWS:,} rows: split it"
                )
            row, reasons = _row(number, record, columns, tz, latest, common_start)
            if row is not None:
                earlier = first_of.get(row.numbers[0])
                if earlier is not None:
                    reasons.append(f"tel1 {row.numbers[0]} is a duplicate of row {earlier}")
                else:
                    first_of[row.numbers[0]] = number
                    rows.append(row)
                    continue
            rejected.append(RejectedRow(number, "; ".join(reasons)))
    except csv.Error as error:
        raise CallListError(
            "bad_csv", f"the file is not valid CSV at row {number + 1}: {error}"
        ) from None
    if columns is None:
        raise CallListError("no_rows", f"the file is empty: {_HEADER_HELP}, then one row per call")
    return CallList(
        rows=tuple(rows),
        rejected=tuple(rejected),
        common_start=common_start,
        columns=header,
        encoding=encoding,
        separator=separator,
        source_name=source_name,
    )


def _row(
    number: int,
    record: Sequence[str],
    columns: _Columns,
    tz: ZoneInfo,
    latest: datetime,
    common_start: datetime | None,
) -> tuple[Row | None, list[str]]:
    """The row, or None and every reason it is rejected."""
    reasons: list[str] = []
    width = columns.width
    if len(record) > width and "".join(record[width:]).strip():
        reasons.append(f"the row has {len(record)} cells but the header only {width}")
    cells = [c.strip() for c in record[:width]]
    for index, cell in enumerate(cells if max(map(len, cells)) > MAX_VALUE_CHARS else ()):
        if len(cell) > MAX_VALUE_CHARS:
            reasons.append(
                f"column {_column_letter(index)}: the value has {len(cell):,} characters "
                f"(at most {MAX_VALUE_CHARS})"
            )
    cells.extend([""] * (width - len(cells)))
    numbers: list[str] = []
    for index, label in columns.tels:
        cell = cells[index]
        if not cell:
            if label == "tel1":
                reasons.append("tel1 is empty")
            continue
        digits, problem = phone_number(cell)
        if problem:
            reasons.append(f"{label}: {_quote(cell)} {problem}")
        elif digits not in numbers:
            numbers.append(digits)
    start_at = common_start
    if columns.start is not None and cells[columns.start]:
        start_at, problem = _start_time(cells[columns.start], tz, latest)
        if problem:
            reasons.append(f"starttime: {_quote(cells[columns.start])} {problem}")
    if reasons:
        return None, reasons
    keys = {variable: cells[index] for index, variable, _ in columns.variables}
    return Row(number, tuple(numbers), MappingProxyType(keys), start_at), reasons


def _quote(value: str, limit: int = 40) -> str:
    """A user's value in a message: quoted, control characters escaped, long values cut."""
    shown = _clean(value)
    if len(shown) > limit:
        shown = shown[: limit - 3] + "..."
    return f"'{shown}'"


def _clean(text: str, limit: int = 200) -> str:
    """Text from the file (a name, an archive's error) with control characters escaped."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _names(names: Sequence[str]) -> str:
    """Entry names for a message: quoted, at most ``MAX_ZIP_ENTRIES`` of them."""
    shown = ", ".join(_quote(n) for n in names[:MAX_ZIP_ENTRIES])
    return shown + (
        f" and {len(names) - MAX_ZIP_ENTRIES} more" if len(names) > MAX_ZIP_ENTRIES else ""
    )


# --- numbers -----------------------------------------------------------------------------------


def phone_number(cell: str) -> tuple[str, str | None]:
    """E.164 digits of a number written with its country code (a tel cell, a REST call's
    contact number), or a problem (the rest of a sentence about the value)."""
    if cell.isascii() and cell.isdigit():
        digits = cell
    else:
        if _SCIENTIFIC.fullmatch(cell):
            return "", (
                "was turned into scientific notation by the spreadsheet: format the column as "
                "text and type the number again"
            )
        if _DECIMAL.fullmatch(cell):
            return "", (
                "was turned into a decimal number by the spreadsheet: format the column as text"
            )
        compact = _NUMBER_PUNCTUATION.sub("", cell.removeprefix("'"))
        if not _NUMBER.fullmatch(compact):
            return "", "is not a phone number (digits, with an optional leading +)"
        digits = compact.removeprefix("+")
    if digits.startswith("0"):
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits or digits.startswith("0"):
            return "", "has no country code (write it as in 447700900001 or +44 7700 900001)"
    length = len(digits)
    if length < 7:
        return "", "is too short: a number with its country code has at least 7 digits"
    if length > 15:
        return "", "is too long: a number with its country code has at most 15 digits"
    return _possible(digits)


def _possible(digits: str) -> tuple[str, str | None]:
    """The E.164 digits of ``phonenumbers.parse("+" + digits)`` when it is a possible number,
    else a problem. The common case (no national prefix after the country code) is answered,
    as ``is_possible_number`` answers it, from the country code and the length alone (cached
    per first three digits and length), and keeps the digits; any other number goes through
    ``phonenumbers.parse``, which drops a national prefix written after the country code
    (``+44 (0)7700 900001`` is 447700900001)."""
    cc_length, prefix, verdict = _length_rule(digits[:3], len(digits))
    if not cc_length or prefix is None or not prefix.match(digits[cc_length:]):
        return (digits, None) if verdict is None else ("", verdict)
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return "", "is not a phone number of its country code"
    verdict = _reason(parsed.country_code or 0, phonenumbers.is_possible_number_with_reason(parsed))
    if verdict is not None:
        return "", verdict
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:], None


@lru_cache(maxsize=8192)
def _length_rule(head: str, length: int) -> tuple[int, re.Pattern[str] | None, str | None]:
    """For numbers starting with ``head`` (three digits) and of ``length`` digits: the length
    of their country code (0: none), the pattern of a national prefix that ``parse`` would
    strip after it, and ``is_possible_number``'s verdict on them when none is stripped."""
    for size in (1, 2, 3):
        cc = int(head[:size])
        if cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return 0, None, "has no valid country code"
    region = phonenumbers.region_code_for_country_code(cc)
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
    pattern = None if metadata is None else metadata.national_prefix_for_parsing
    probe = PhoneNumber(country_code=cc, national_number=int("1" * (length - size)))
    verdict = _reason(cc, phonenumbers.is_possible_number_with_reason(probe))
    return size, re.compile(pattern) if pattern else None, verdict


def _reason(cc: int, result: int) -> str | None:
    if result in {ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY}:
        return None
    where = f"+{cc} ({phonenumbers.region_code_for_country_code(cc)})"
    if result == ValidationResult.INVALID_COUNTRY_CODE:
        return "has no valid country code"
    if result == ValidationResult.TOO_SHORT:
        return f"is too short for {where}"
    if result == ValidationResult.TOO_LONG:
        return f"is too long for {where}"
    return f"does not have a possible length for {where}"


# --- start times -------------------------------------------------------------------------------


def _start_time(cell: str, tz: ZoneInfo, latest: datetime) -> tuple[datetime | None, str | None]:
    """An ISO 8601 date and time as aware UTC (read in ``tz`` without an offset), or a problem."""
    start, problem = _iso_time(cell, tz)
    if start is not None and start > latest:
        return None, f"is more than {MAX_START_AHEAD.days} days ahead"
    return start, problem


@lru_cache(maxsize=1024)
def _iso_time(cell: str, tz: ZoneInfo) -> tuple[datetime | None, str | None]:
    """``_start_time`` without the horizon, cached: a file's rows often share a start time."""
    match = _ISO.fullmatch(cell)
    if match is None:
        if _DATE_ONLY.fullmatch(cell):
            return None, "has no time of day (e.g. 2026-12-24T09:30:00)"
        return None, "is not an ISO 8601 date and time (e.g. 2026-12-24T09:30:00+01:00)"
    year, month, day, hour, minute, second, fraction, zulu, sign, oh, om = match.groups()
    try:
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
        )
        if zulu:
            aware = local.replace(tzinfo=UTC)
        elif sign:
            offset = timedelta(hours=int(oh), minutes=int(om or 0))
            aware = local.replace(tzinfo=timezone(-offset if sign == "-" else offset))
        else:
            aware = local.replace(tzinfo=tz)
        start = aware.astimezone(UTC)
    except (ValueError, OverflowError):
        return None, "is not a valid date and time"
    return start, None


def _common_start(name: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The start time an ``upload_<ddMMyyyyHHmmss>`` name gives (read in ``tz``), None for
    other names; refuses an ``upload_`` name whose digits are not such a time."""
    match = _START_NAME.match(name)
    if match is None:
        return None
    digits = match.group(1)
    example = "e.g. upload_08022020211200.csv for 8 Feb 2020 21:12:00"
    if len(digits) != 14:
        raise CallListError(
            "bad_start_name",
            f"the file name {_quote(name)} must give the common start time as 14 digits "
            f"ddMMyyyyHHmmss ({example}); rename it",
        )
    try:
        local = datetime(
            int(digits[4:8]),
            int(digits[2:4]),
            int(digits[0:2]),
            int(digits[8:10]),
            int(digits[10:12]),
            int(digits[12:14]),
            tzinfo=tz,
        )
        start = local.astimezone(UTC)
    except (ValueError, OverflowError):
        raise CallListError(
            "bad_start_name",
            f"the file name {_quote(name)} does not give a valid date and time as "
            f"ddMMyyyyHHmmss ({example})",
        ) from None
    if start > now + MAX_START_AHEAD:
        raise CallListError(
            "bad_start_name",
            f"the file name's start time {start:%Y-%m-%d %H:%M} UTC is more than "
            f"{MAX_START_AHEAD.days} days ahead",
        )
    return start
