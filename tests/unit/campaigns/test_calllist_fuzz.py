"""Fuzzing the call-list reader: GIVEN random bytes, random CSV text or random (and damaged)
zips, WHEN read, THEN the result is a ``CallList`` whose rows keep the reader's promises, or a
``CallListError`` — never another exception."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.campaigns.calllist import ERROR_CODES, CallList, CallListError, read_call_list

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FUZZ = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])

HEADERS = [
    "tel1",
    "TEL1",
    " tel2 ",
    "tel3",
    "tel10",
    "tel11",
    "starttime",
    "$flow.key.name",
    "$flow.key.amount",
    "$flow.key.",
    "$flow.key.a b",
    "name",
    "amount",
    "",
    '"tel1"',
    "\ufefftel1",
]
CELLS = [
    "447700900001",
    "+44 7700 900001",
    "0044 (0)7700-900.001",
    "0207 946 0000",
    "4.47700900001E+11",
    "447700900001.0",
    "+1 202 555 0123",
    "5491123456789",
    "12345",
    "",
    "  ",
    "2026-12-24T09:30:00Z",
    "2026-12-24 09:30",
    "2026-12-24",
    "2027-03-28T02:30",
    "9999-12-31T23:59-05:00",
    "0001-01-01T00:00+09:00",
    "tomorrow",
    '"quoted, with; separators\nand a newline"',
    '"unterminated',
    'a"b',
    "x" * 1001,
    "=1+1",
    "Zoë Straße €",
    "\x00",
    "\r",
]
NAMES = [
    "calls.csv",
    "calls.zip",
    "upload_08022020211200.csv",
    "upload_31022020211200.csv",
    "upload_99999999999999.zip",
    "upload_0802.csv",
    "x.xlsx",
    "x.txt",
    "",
]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1252", "latin-1"]


def check(data: bytes, filename: str, declared: frozenset[str] | None = None) -> None:
    """Read; only the reader's own refusal may escape, and a result keeps its promises."""
    try:
        result = read_call_list(data, filename, declared=declared, zone="Europe/Paris", now=NOW)
    except CallListError as error:
        assert error.code in ERROR_CODES and str(error)
        return
    assert isinstance(result, CallList)
    numbers = [r.row for r in result.rows] + [r.row for r in result.rejected]
    assert len(numbers) == len(set(numbers)) and all(n >= 2 for n in numbers)
    assert [r.row for r in result.rows] == sorted(r.row for r in result.rows)
    first = [r.numbers[0] for r in result.rows]
    assert len(first) == len(set(first))
    for row in result.rows:
        assert row.numbers and len(set(row.numbers)) == len(row.numbers)
        for number in row.numbers:
            assert number.isascii() and number.isdigit() and 7 <= len(number) <= 15
            assert not number.startswith("0")
        if row.start_at is not None:
            assert row.start_at.utcoffset() == timedelta(0)
            assert row.start_at <= NOW + timedelta(days=365)
        assert all(len(v) <= 1000 for v in row.keys.values())
    assert all(r.reason for r in result.rejected)


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from(NAMES))
def test_random_bytes(data: bytes, name: str) -> None:
    check(data, name)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_that_start_like_a_zip(data: bytes) -> None:
    check(b"PK\x03\x04" + data, "calls.zip")
    check(b"PK\x05\x06" + data, "calls.csv")


def csv_text() -> st.SearchStrategy[tuple[str, str]]:
    cell = st.one_of(st.sampled_from(CELLS), st.text(max_size=20))
    header = st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=10)), max_size=8)
    rows = st.lists(st.lists(cell, max_size=9), max_size=12)
    separators = st.sampled_from([",", ";", "\t", "|"])
    line_ends = st.sampled_from(["\n", "\r\n", "\r"])

    def join(parts: tuple[list[str], list[list[str]], str, str]) -> str:
        head, body, separator, end = parts
        return end.join(separator.join(r) for r in [head, *body])

    return st.tuples(
        st.tuples(header, rows, separators, line_ends).map(join), st.sampled_from(ENCODINGS)
    )


@FUZZ
@given(csv_text(), st.sampled_from(NAMES[:6]))
def test_random_csv_text(text_and_encoding: tuple[str, str], name: str) -> None:
    text, encoding = text_and_encoding
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    check(data, name if name.endswith(".csv") else "calls.csv")
    check(data, "calls.csv", declared=frozenset({"name", "amount"}))


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "calls.csv",
                    "more.CSV",
                    "upload_08022020211200.csv",
                    "dir/",
                    "__MACOSX/._calls.csv",
                    ".DS_Store",
                    "inner.zip",
                    "[Content_Types].xml",
                    "xl/workbook.xml",
                    "notes.txt",
                ]
            ),
            st.one_of(st.binary(max_size=300), csv_text().map(lambda t: t[0].encode())),
            st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]),
        ),
        max_size=12,
        unique_by=lambda entry: entry[0],
    ),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=4),
    st.sampled_from(["calls.zip", "upload_08022020211200.zip", "calls.csv"]),
)
def test_random_zips_whole_or_damaged(
    entries: list[tuple[str, bytes, int]], damage: list[tuple[int, int]], name: str
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry, content, method in entries:
            archive.writestr(zipfile.ZipInfo(entry), content, compress_type=method)
    data = bytearray(out.getvalue())
    for at, value in damage:
        if data:
            data[at % len(data)] = value
    check(bytes(data), name)
