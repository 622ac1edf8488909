"""The call-list reader of outbound campaigns: GIVEN an uploaded ``.csv`` or ``.zip``, WHEN it
is read, THEN the rows load with normalised numbers, variables and start times, bad rows are
listed with their reasons, and a file that cannot be used is refused with a code and a clear
message (size, type, zip bombs, encodings, separators, headers)."""

from __future__ import annotations

import functools
import io
import random
import re
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.campaigns import calllist
from chalicelib.campaigns.calllist import (
    MAX_UPLOAD_BYTES,
    CallList,
    CallListError,
    describe,
    read_call_list,
    template,
)
from chalicelib.errors import TooLargeError, ValidationError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def read(
    data: bytes | str,
    filename: str = "calls.csv",
    *,
    declared: frozenset[str] | None = None,
    zone: str = "Europe/London",
    now: datetime = NOW,
) -> CallList:
    raw = data.encode() if isinstance(data, str) else data
    return read_call_list(raw, filename, declared=declared, zone=zone, now=now)


def refused(data: bytes | str, filename: str = "calls.csv", **kwargs: object) -> CallListError:
    with pytest.raises(CallListError) as caught:
        read(data, filename, **kwargs)  # type: ignore[arg-type]
    return caught.value


def zipped(entries: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def reasons(result: CallList) -> dict[int, str]:
    return {r.row: r.reason for r in result.rejected}


XLSX = {
    "[Content_Types].xml": "<Types/>",
    "_rels/.rels": "<Relationships/>",
    "xl/workbook.xml": "<workbook/>",
    "xl/worksheets/sheet1.xml": "<worksheet/>",
}

# --- the happy path and the shape of the result ------------------------------------------------


def test_a_plain_csv_loads_numbers_variables_and_start_times() -> None:
    result = read(
        "tel1,tel2,starttime,$flow.key.name,$flow.key.amount\r\n"
        "447700900001,+1 202 555 0123,2026-12-24T09:30:00Z,Ann,12.50\r\n"
    )
    (row,) = result.rows
    assert row.row == 2
    assert row.numbers == ("447700900001", "12025550123")
    assert dict(row.keys) == {"name": "Ann", "amount": "12.50"}
    assert row.start_at == datetime(2026, 12, 24, 9, 30, tzinfo=UTC)
    assert result.rejected == ()
    assert result.columns == ("tel1", "tel2", "starttime", "$flow.key.name", "$flow.key.amount")
    assert (result.encoding, result.separator, result.source_name) == ("utf-8", ",", "calls.csv")
    assert result.common_start is None


def test_errors_are_validation_errors_with_a_code() -> None:
    error = refused("phone\n447700900001\n")
    assert isinstance(error, ValidationError)
    assert error.code == "no_tel1"


def test_every_code_raised_is_documented() -> None:
    source = Path(calllist.__file__).read_text()
    raised = set(re.findall(r'(?:CallListError|CallListTooLargeError)\(\s*"(\w+)"', source))
    raised |= {"zip_bomb"} if "def _bomb(" in source else set()
    assert raised == set(calllist.ERROR_CODES)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        read("tel1\n", now=datetime(2026, 12, 1))


# --- size --------------------------------------------------------------------------------------


def test_a_csv_of_exactly_the_limit_reads_and_one_byte_more_is_refused() -> None:
    head = b"tel1\r\n447700900001\r\n"
    padding = (b" " * 60_000 + b"\n") * (MAX_UPLOAD_BYTES // 60_001)
    data = head + padding
    data += b" " * (MAX_UPLOAD_BYTES - len(data))
    assert len(data) == MAX_UPLOAD_BYTES
    assert len(read(data).rows) == 1
    error = refused(data + b" ")
    assert error.code == "too_large"
    assert isinstance(error, TooLargeError)
    assert "5,242,881 bytes" in str(error) and "5.00 MB" in str(error)


def test_a_zip_over_the_limit_is_refused_before_it_is_opened() -> None:
    error = refused(b"PK\x03\x04" + b"\x00" * MAX_UPLOAD_BYTES, "calls.zip")
    assert error.code == "too_large"


# --- file type by name and by content ----------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["CALLS.CSV", "Calls.Csv", "dir/sub/calls.csv", "C:\\x\\calls.csv"]
)
def test_the_type_comes_from_the_name_case_insensitively(name: str) -> None:
    assert len(read("tel1\n447700900001\n", name).rows) == 1


def test_a_zip_name_is_case_insensitive_too() -> None:
    assert len(read(zipped({"a.csv": "tel1\n447700900001\n"}), "CALLS.ZIP").rows) == 1


@pytest.mark.parametrize("name", ["calls.txt", "calls", "calls.csv.exe", ""])
def test_other_names_are_refused(name: str) -> None:
    assert refused("tel1\n447700900001\n", name).code == "file_type"


@pytest.mark.parametrize("name", ["calls.xlsx", "calls.XLS", "calls.ods"])
def test_a_spreadsheet_name_is_told_to_save_as_csv(name: str) -> None:
    error = refused(zipped(XLSX), name)
    assert error.code == "excel"
    assert "save it as CSV" in str(error)


def test_a_zip_named_csv_is_refused_naming_what_it_is() -> None:
    error = refused(zipped({"a.csv": "tel1\n"}), "calls.csv")
    assert error.code == "not_csv"
    assert "zip file named .csv" in str(error)


@pytest.mark.parametrize("name", ["calls.csv", "calls.zip"])
def test_an_excel_workbook_is_recognised_by_its_entries(name: str) -> None:
    error = refused(zipped(XLSX), name)
    assert error.code == "excel"
    assert "Excel workbook" in str(error) and "save it as CSV" in str(error)


def test_an_opendocument_spreadsheet_is_recognised() -> None:
    data = zipped({"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": ""})
    assert refused(data, "calls.csv").code == "excel"


def test_an_old_xls_workbook_is_recognised() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    for name in ("calls.csv", "calls.zip"):
        error = refused(data, name)
        assert error.code == "excel" and ".xls" in str(error)


def test_a_pdf_named_csv_is_refused() -> None:
    error = refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "calls.csv")
    assert error.code == "not_csv" and "PDF" in str(error)


def test_a_binary_file_with_nul_bytes_is_refused() -> None:
    error = refused(b"tel1\n4477\x00009\n", "calls.csv")
    assert error.code == "not_csv" and "NUL" in str(error)


def test_text_named_zip_is_refused() -> None:
    error = refused("tel1\n447700900001\n", "calls.zip")
    assert error.code == "not_zip" and "name it .csv" in str(error)
    assert refused(b"", "calls.zip").code == "not_zip"
    assert refused(b"%PDF-1.4", "calls.zip").code == "not_zip"


# --- zips --------------------------------------------------------------------------------------


def test_a_zip_of_one_csv_reads_and_ignores_folders_and_macos_litter() -> None:
    data = zipped(
        {
            "export/": b"",
            "export/calls.csv": "tel1,$flow.key.name\n447700900001,Ann\n",
            "__MACOSX/export/._calls.csv": b"\x00\x05\x16\x07",
            "export/.DS_Store": b"\x00\x00\x00\x01Bud1",
            "export/readme.txt": "hello",
        }
    )
    result = read(data, "upload.zip")
    assert [r.numbers for r in result.rows] == [("447700900001",)]
    assert result.source_name == "export/calls.csv"


def test_a_stored_entry_reads_too() -> None:
    data = zipped({"calls.csv": "tel1\n447700900001\n"}, zipfile.ZIP_STORED)
    assert len(read(data, "a.zip").rows) == 1


def test_ten_entries_are_allowed_and_eleven_refused() -> None:
    entries: dict[str, bytes | str] = {"calls.csv": "tel1\n447700900001\n"}
    entries.update({f"note{i}.txt": "x" for i in range(9)})
    assert len(read(zipped(entries), "a.zip").rows) == 1
    entries["note9.txt"] = "x"
    error = refused(zipped(entries), "a.zip")
    assert error.code == "too_many_entries" and "11" in str(error)


def test_a_nested_zip_is_refused() -> None:
    inner = zipped({"calls.csv": "tel1\n447700900001\n"})
    error = refused(zipped({"inner.zip": inner, "calls.csv": "tel1\n"}), "a.zip")
    assert error.code == "nested_zip" and "inner.zip" in str(error)


def test_a_zip_disguised_as_the_csv_entry_is_refused() -> None:
    inner = zipped({"calls.csv": "tel1\n447700900001\n"})
    assert refused(zipped({"calls.csv": inner}), "a.zip").code == "nested_zip"


def test_two_csvs_are_refused_naming_the_entries() -> None:
    error = refused(zipped({"a.csv": "tel1\n", "b.CSV": "tel1\n"}), "x.zip")
    assert error.code == "csv_count"
    assert "a.csv" in str(error) and "b.CSV" in str(error)


def test_a_zip_without_csv_is_refused_naming_the_entries() -> None:
    error = refused(zipped({"calls.txt": "tel1\n", "notes.pdf": "%PDF"}), "x.zip")
    assert error.code == "csv_count"
    assert "calls.txt" in str(error) and "notes.pdf" in str(error)


def test_an_empty_zip_is_refused() -> None:
    assert refused(zipped({}), "x.zip").code == "csv_count"


def test_an_encrypted_entry_is_refused() -> None:
    data = bytearray(zipped({"calls.csv": "tel1\n447700900001\n"}))
    local, central = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    error = refused(bytes(data), "x.zip")
    assert error.code == "encrypted" and "password" in str(error)


def test_a_truncated_zip_is_refused_as_damaged() -> None:
    data = zipped({"calls.csv": "tel1\n447700900001\n" * 50})
    error = refused(data[: len(data) // 2], "x.zip")
    assert error.code == "bad_zip" and "damaged" in str(error)


def test_a_crc_error_is_refused_as_damaged() -> None:
    data = bytearray(zipped({"calls.csv": "tel1\n447700900001\n"}, zipfile.ZIP_STORED))
    at = data.index(b"447700900001")
    data[at] = ord("5")
    error = refused(bytes(data), "x.zip")
    assert error.code == "bad_zip" and "CRC" in str(error)


def test_a_corrupt_deflate_stream_is_refused_as_damaged() -> None:
    data = bytearray(zipped({"calls.csv": "tel1\n447700900001\n" * 20}))
    data[30 + len("calls.csv")] = 0xFF  # the first deflate block: a reserved block type
    error = refused(bytes(data), "x.zip")
    assert error.code == "bad_zip" and "damaged" in str(error)


def test_an_unusual_compression_method_is_refused() -> None:
    data = zipped({"calls.csv": "tel1\n447700900001\n"}, zipfile.ZIP_BZIP2)
    error = refused(data, "x.zip")
    assert error.code == "bad_zip" and "deflate" in str(error)


class CountingReads:
    """Counts the bytes every zip entry stream hands out."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.total = 0
        original = zipfile.ZipExtFile.read

        def counted(stream: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
            assert n is not None and n > 0, "an entry is never read without a bound"
            chunk = original(stream, n)
            self.total += len(chunk)
            return chunk

        monkeypatch.setattr(zipfile.ZipExtFile, "read", counted)


@functools.cache
def bomb(size: int) -> bytes:
    """A zip of one .csv entry of ``size`` bytes: a header line and then zeros' worth of
    spaces, compressed about 1000 to 1."""
    content = b"tel1\n" + b" " * size
    return zipped({"calls.csv": content})


def test_a_zip_bomb_is_refused_after_inflating_a_bounded_part(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = bomb(40 * 1024 * 1024)
    assert len(data) < 100 * 1024
    reads = CountingReads(monkeypatch)
    error = refused(data, "x.zip")
    assert error.code == "zip_bomb"
    assert reads.total < 10 * 1024 * 1024  # stopped long before the 40 MB


def test_a_zip_declaring_more_than_the_total_is_refused_without_inflating(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = bomb(60 * 1024 * 1024)
    reads = CountingReads(monkeypatch)
    error = refused(data, "x.zip")
    assert error.code == "zip_bomb" and "50.00 MB" in str(error)
    assert reads.total == 0


def test_a_header_that_understates_the_size_is_not_believed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = bytearray(bomb(60 * 1024 * 1024))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.index(signature) + offset
        data[at : at + 4] = (1000).to_bytes(4, "little")
    reads = CountingReads(monkeypatch)
    error = refused(bytes(data), "x.zip")
    assert error.code in {"bad_zip", "zip_bomb"}
    assert reads.total <= 1000


def test_the_counting_reader_stops_at_the_total_whatever_the_ratio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = random.Random(7).randbytes(512_000)  # bytes that do not compress
    data = zipped({"calls.csv": content})
    monkeypatch.setattr(calllist, "MAX_UNZIPPED_BYTES", 300_000)
    reads = CountingReads(monkeypatch)
    with zipfile.ZipFile(io.BytesIO(data)) as archive, pytest.raises(CallListError) as caught:
        calllist._inflate(archive, archive.infolist()[0], len(data))
    assert caught.value.code == "zip_bomb"
    assert reads.total < 300_000 + 2 * 64 * 1024


def test_a_small_very_compressible_csv_is_within_the_grace() -> None:
    rows = "".join(f"447700{i:06d},same value\n" for i in range(3000))
    data = zipped({"calls.csv": "tel1,$flow.key.v\n" + rows})
    assert len(read(data, "x.zip").rows) == 3000


def test_a_realistic_large_csv_zipped_reads() -> None:
    rows = "".join(f"4477{i:08d},name {i},2026-12-24T09:30:00Z\n" for i in range(20_000))
    data = zipped({"calls.csv": "tel1,$flow.key.name,starttime\n" + rows})
    assert len(read(data, "x.zip").rows) == 20_000


# --- encodings ---------------------------------------------------------------------------------

NAMES = "tel1,$flow.key.name\r\n447700900001,Zoë Straße\r\n447700900002,Café Müller €\r\n"


def names_of(result: CallList) -> list[str]:
    return [r.keys["name"] for r in result.rows]


def test_utf8_without_bom() -> None:
    result = read(NAMES.encode("utf-8"))
    assert result.encoding == "utf-8"
    assert names_of(result) == ["Zoë Straße", "Café Müller €"]


def test_utf8_with_bom_the_header_is_still_tel1() -> None:
    result = read(b"\xef\xbb\xbf" + NAMES.encode("utf-8"))
    assert result.encoding == "utf-8-sig"
    assert result.columns[0] == "tel1"
    assert names_of(result) == ["Zoë Straße", "Café Müller €"]


@pytest.mark.parametrize(
    ("codec", "label"), [("utf-16-le", "utf-16-le"), ("utf-16-be", "utf-16-be")]
)
def test_utf16_with_bom_as_excel_writes_unicode_text(codec: str, label: str) -> None:
    text = "\ufeff" + NAMES.replace(",", "\t")
    result = read(text.encode(codec))
    assert (result.encoding, result.separator) == (label, "\t")
    assert names_of(result) == ["Zoë Straße", "Café Müller €"]


def test_windows_1252_is_the_fallback() -> None:
    result = read(NAMES.encode("cp1252"))
    assert result.encoding == "windows-1252"
    assert names_of(result) == ["Zoë Straße", "Café Müller €"]


def test_undecodable_bytes_are_refused() -> None:
    error = refused(b"tel1,$flow.key.n\n447700900001,\x81\x8d\n")  # undefined in cp1252
    assert error.code == "encoding"


def test_a_utf8_bom_with_bad_utf8_is_refused() -> None:
    assert refused(b"\xef\xbb\xbftel1\n\xff\xfe\xfd\n").code == "encoding"


def test_utf16_with_a_lone_surrogate_is_refused() -> None:
    assert refused(b"\xff\xfe" + "tel1\n".encode("utf-16-le") + b"\x00\xd8").code == "encoding"


def test_a_nul_character_in_utf16_text_is_refused() -> None:
    data = "\ufefftel1\n4477\x00\n".encode("utf-16-le")
    assert refused(data).code == "not_csv"


# --- separators, quoting, lines ----------------------------------------------------------------


def test_semicolons_as_european_excel_writes_them() -> None:
    result = read("tel1;$flow.key.amount\r\n447700900001;12,50\r\n")
    assert result.separator == ";"
    assert dict(result.rows[0].keys) == {"amount": "12,50"}


def test_tabs() -> None:
    result = read("tel1\t$flow.key.a\n447700900001\tx, y; z\n")
    assert result.separator == "\t"
    assert result.rows[0].keys["a"] == "x, y; z"


def test_quoted_fields_hold_separators_quotes_and_newlines() -> None:
    result = read(
        'tel1,$flow.key.note\r\n447700900001,"a, b ""c""\r\nsecond line"\r\n447700900002,plain\r\n'
    )
    assert [r.row for r in result.rows] == [2, 3]
    assert result.rows[0].keys["note"] == 'a, b "c"\r\nsecond line'


def test_separators_inside_quoted_header_cells_do_not_count() -> None:
    result = read('"tel1";"$flow.key.a,b,c"\n447700900001;1\n')
    assert result.separator == ";"
    assert dict(result.rows[0].keys) == {"a,b,c": "1"}


def test_a_header_of_one_column_defaults_to_commas() -> None:
    assert read("tel1\n447700900001\n").separator == ","


def test_old_mac_line_ends() -> None:
    result = read("tel1,$flow.key.a\r447700900001,x\r447700900002,y\r")
    assert [r.row for r in result.rows] == [2, 3]


def test_no_final_line_end() -> None:
    assert len(read("tel1\n447700900001").rows) == 1


def test_a_line_over_the_cap_refuses_the_file() -> None:
    error = refused("tel1,$flow.key.a\n447700900001," + "x" * (64 * 1024 + 1) + "\n")
    assert error.code == "line_too_long" and "line 2" in str(error)


def test_a_field_over_the_csv_limit_refuses_the_file() -> None:
    huge = "\n".join(["y" * 60_000] * 3)
    error = refused(f'tel1,$flow.key.a\n447700900001,"{huge}"\n')
    assert error.code == "bad_csv"


def test_more_than_64_columns_refuse_the_file() -> None:
    header = ",".join(["tel1"] + [f"$flow.key.v{i}" for i in range(64)])
    error = refused(header + "\n447700900001\n")
    assert error.code == "too_many_columns" and "65" in str(error)


def test_too_many_rows_refuse_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calllist, "MAX_ROWS", 10)
    ten = "".join(f"4477009000{i:02d}\n" for i in range(10))
    assert len(read("tel1\n" + ten).rows) == 10
    error = refused("tel1\n" + ten + "447700900099\n")
    assert error.code == "too_many_rows"


def test_blank_rows_do_not_count_as_rows_but_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calllist, "MAX_ROWS", 2)
    assert len(read("tel1\n447700900001\n\n\n,\n447700900002\n").rows) == 2
    monkeypatch.setattr(calllist, "MAX_RECORDS", 50)
    assert refused("tel1\n" + "\n" * 60).code == "too_many_rows"


def test_the_default_row_cap_is_200_000() -> None:
    assert calllist.MAX_ROWS == 200_000


def test_a_hundred_thousand_rows_read() -> None:
    body = "".join(
        f"4477{i:08d},1202555{i % 10_000:04d},n{i},2026-12-24 09:30\n" for i in range(100_000)
    )
    result = read("tel1,tel2,$flow.key.name,starttime\n" + body)
    assert len(result.rows) == 100_000 and result.rejected == ()
    assert result.rows[-1].row == 100_001
    assert result.rows[-1].numbers == ("447700099999", "12025559999")


# --- rows: numbering, blanks, widths -----------------------------------------------------------


def test_blank_rows_are_skipped_but_counted() -> None:
    result = read("tel1,$flow.key.a\n447700900001,x\n\n,\n  ,  \n447700900002,y\n")
    assert [r.row for r in result.rows] == [2, 6]


def test_leading_blank_rows_move_the_header_down() -> None:
    result = read("\n\ntel1\n447700900001\n")
    assert [r.row for r in result.rows] == [4]


def test_short_rows_are_padded_and_extra_empty_cells_ignored() -> None:
    result = read("tel1,tel2,$flow.key.a\n447700900001\n447700900002,,x,,,\n")
    assert [dict(r.keys) for r in result.rows] == [{"a": ""}, {"a": "x"}]


def test_extra_filled_cells_reject_the_row() -> None:
    result = read("tel1,$flow.key.a\n447700900001,x,surprise\n")
    assert reasons(result) == {2: "the row has 3 cells but the header only 2"}


# --- headers -----------------------------------------------------------------------------------


def test_headers_are_trimmed_and_case_insensitive_for_tel_and_starttime() -> None:
    result = read(" TEL1 , Tel2 ,StartTime, $flow.key.Name \n447700900001,447700900002,,Ann\n")
    assert result.rows[0].numbers == ("447700900001", "447700900002")
    assert dict(result.rows[0].keys) == {"Name": "Ann"}


def test_no_tel1_is_refused_showing_the_header() -> None:
    error = refused("phone,name\n447700900001,Ann\n")
    assert error.code == "no_tel1"
    assert "'phone'" in str(error) and "header" in str(error)


def test_a_file_without_a_header_is_refused_as_no_tel1() -> None:
    assert refused("447700900001,Ann\n").code == "no_tel1"


def test_alternates_follow_tel1_in_number_order_whatever_the_column_order() -> None:
    result = read("tel10,tel2,tel1\n447700900010,447700900002,447700900001\n")
    assert result.rows[0].numbers == ("447700900001", "447700900002", "447700900010")


def test_a_bare_declared_name_is_a_variable() -> None:
    result = read("tel1,name\n447700900001,Ann\n", declared=frozenset({"name", "amount"}))
    assert dict(result.rows[0].keys) == {"name": "Ann"}


def test_a_bare_name_is_unknown_when_nothing_is_declared() -> None:
    error = refused("tel1,name\n447700900001,Ann\n")
    assert error.code == "unknown_column" and "'name' (column B)" in str(error)


def test_an_undeclared_flow_key_is_refused_listing_the_declared_ones() -> None:
    error = refused(
        "tel1,$flow.key.nmae\n447700900001,Ann\n", declared=frozenset({"name", "amount"})
    )
    assert error.code == "unknown_variable"
    assert "'$flow.key.nmae' (column B)" in str(error) and "amount, name" in str(error)


def test_any_flow_key_is_accepted_when_declared_is_none() -> None:
    assert dict(read("tel1,$flow.key.x\n447700900001,1\n").rows[0].keys) == {"x": "1"}


def test_every_unknown_column_is_named() -> None:
    error = refused("tel1,tel11,name,,tel0\n447700900001\n", declared=frozenset({"amount"}))
    assert error.code == "unknown_column"
    text = str(error)
    for part in ("'tel11' (column B)", "'name' (column C)", "empty header (column D)", "'tel0'"):
        assert part in text
    assert len(error.problems) == 4


@pytest.mark.parametrize(
    "header",
    ["tel1,tel1", "tel1,TEL1", "tel1,starttime,StartTime", "tel1,$flow.key.name,name"],
)
def test_a_column_given_twice_is_refused(header: str) -> None:
    error = refused(header + "\n447700900001\n", declared=frozenset({"name"}))
    assert error.code == "duplicate_column"


@pytest.mark.parametrize(
    "column",
    [
        "$flow.key.",
        "$flow.key.first name",
        "$flow.key.a$b",
        "$flow.key.{x}",
        "$flow.key." + "v" * 65,
    ],
)
def test_a_bad_variable_name_is_refused(column: str) -> None:
    assert refused(f"tel1,{column}\n447700900001,x\n").code == "bad_variable"


def test_a_variable_name_of_64_characters_is_fine() -> None:
    name = "v" * 64
    assert read(f"tel1,$flow.key.{name}\n447700900001,x\n").rows[0].keys[name] == "x"


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "digits"),
    [
        ("447700900001", "447700900001"),
        ("+44 7700 900001", "447700900001"),
        ("0044 7700 900001", "447700900001"),
        ("(+44) 7700-900.001", "447700900001"),
        ("+44 (0)7700 900001", "447700900001"),
        ("+1 (202) 555-0123", "12025550123"),
        ("  +49 30 1234567  ", "49301234567"),
        ("'447700900001", "447700900001"),
        ("+44\u00a07700\u00a0900001", "447700900001"),
    ],
)
def test_numbers_are_normalised_to_e164_digits(cell: str, digits: str) -> None:
    result = read(f'tel1\n"{cell}"\n')
    assert result.rejected == ()
    assert result.rows[0].numbers == (digits,)


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("0207 946 0000", "tel1: '0207 946 0000' has no country code"),
        ("+0207 946 0000", "has no country code"),
        ("4.47700900001E+11", "scientific notation"),
        ("4,47700900001E+11", "scientific notation"),
        ("447700900001.0", "decimal number"),
        ("call me", "is not a phone number"),
        ("44 7700 ext 1", "is not a phone number"),
        ("12345", "too short"),
        ("1234567890123456", "too long"),
        ("2812345678", "no valid country code"),
        ("1202555012", "too short for +1 (US)"),
        ("3312345678", "too short for +33 (FR)"),
        ("44770090000123", "too long for +44 (GB)"),
        ("402222222", "possible length for +40 (RO)"),
        ("٤٤٧٧٠٠٩٠٠٠٠١", "is not a phone number"),
    ],
)
def test_a_bad_tel1_rejects_the_row(cell: str, reason: str) -> None:
    result = read(f'tel1\n"{cell}"\n447700900001\n')
    assert [r.row for r in result.rows] == [3]
    assert reason in reasons(result)[2]
    assert reasons(result)[2].startswith("tel1: ")


def test_scientific_notation_says_to_format_the_column_as_text() -> None:
    reason = reasons(read("tel1\n4.47700900001E+11\n"))[2]
    assert "spreadsheet" in reason and "format the column as text" in reason


def test_an_empty_tel1_rejects_the_row() -> None:
    result = read("tel1,tel2\n,447700900002\n")
    assert reasons(result) == {2: "tel1 is empty"}


def test_a_bad_alternate_rejects_the_row_naming_its_column() -> None:
    result = read("tel1,tel2,tel3\n447700900001,,0207 946 0000\n")
    assert reasons(result)[2].startswith("tel3: '0207 946 0000' has no country code")


def test_numbers_repeated_within_a_row_are_kept_once_in_order() -> None:
    result = read("tel1,tel2,tel3\n447700900001,+1 202 555 0123,+44 7700 900001\n")
    assert result.rows[0].numbers == ("447700900001", "12025550123")


def test_a_repeated_tel1_is_a_duplicate_of_the_earlier_row() -> None:
    result = read("tel1\n447700900001\n447700900002\n+44 7700 900001\n")
    assert [r.row for r in result.rows] == [2, 3]
    assert reasons(result) == {4: "tel1 447700900001 is a duplicate of row 2"}


def test_a_rejected_row_does_not_make_a_later_one_a_duplicate() -> None:
    result = read("tel1,starttime\n447700900001,tomorrow\n447700900001,\n")
    assert [r.row for r in result.rows] == [3]


def test_every_problem_of_a_row_is_told() -> None:
    result = read("tel1,tel2,starttime\n0207,abc,someday\n")
    reason = reasons(result)[2]
    assert reason.count("; ") == 2
    assert "tel1:" in reason and "tel2:" in reason and "starttime:" in reason


def possible_by_parsing(digits: str) -> str | None:
    """The reference: ``phonenumbers.parse`` and ``is_possible_number`` on every number."""
    try:
        parsed = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


@settings(deadline=None, max_examples=300)
@given(
    st.one_of(
        st.from_regex(r"[1-9][0-9]{6,14}", fullmatch=True),
        st.sampled_from(["1", "44", "54", "39", "55", "86", "91", "7", "800", "882"]).flatmap(
            lambda cc: st.from_regex(r"[0-9]{4,12}", fullmatch=True).map(lambda n: cc + n)
        ),
    )
)
def test_the_shortcut_agrees_with_phonenumbers(digits: str) -> None:
    got, problem = calllist.phone_number(digits)
    expected = possible_by_parsing(digits) if 7 <= len(digits) <= 15 else None
    assert (got if problem is None else None) == expected


# --- values ------------------------------------------------------------------------------------


def test_values_are_trimmed_text_kept_as_written() -> None:
    result = read('tel1,$flow.key.a,$flow.key.b,$flow.key.c\n447700900001,  007 ,=1+1,""\n')
    assert dict(result.rows[0].keys) == {"a": "007", "b": "=1+1", "c": ""}


def test_a_value_of_1000_characters_is_fine_and_1001_rejects_the_row() -> None:
    ok = read(f"tel1,$flow.key.a\n447700900001,{'x' * 1000}\n")
    assert len(ok.rows[0].keys["a"]) == 1000
    bad = read(f"tel1,$flow.key.a\n447700900001,{'x' * 1001}\n")
    assert reasons(bad)[2].startswith("column B: the value has 1,001 characters")


# --- start times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "utc"),
    [
        ("2026-12-24T09:30:00Z", datetime(2026, 12, 24, 9, 30, tzinfo=UTC)),
        ("2026-12-24T09:30:00+01:00", datetime(2026, 12, 24, 8, 30, tzinfo=UTC)),
        ("2026-12-24T09:30:00-0500", datetime(2026, 12, 24, 14, 30, tzinfo=UTC)),
        ("2026-12-24T09:30:00+05", datetime(2026, 12, 24, 4, 30, tzinfo=UTC)),
        ("2026-12-24T09:30:00", datetime(2026, 12, 24, 8, 30, tzinfo=UTC)),  # Paris, winter
        ("2026-12-24 09:30", datetime(2026, 12, 24, 8, 30, tzinfo=UTC)),
        ("2026-12-24T09:30:00.5Z", datetime(2026, 12, 24, 9, 30, 0, 500_000, tzinfo=UTC)),
        ("2026-12-24T09:30:00,123456789Z", datetime(2026, 12, 24, 9, 30, 0, 123_456, tzinfo=UTC)),
        ("2027-07-01T09:30", datetime(2027, 7, 1, 7, 30, tzinfo=UTC)),  # Paris, summer
    ],
)
def test_start_times_in_iso_8601(cell: str, utc: datetime) -> None:
    result = read(f'tel1,starttime\n447700900001,"{cell}"\n', zone="Europe/Paris")
    assert result.rejected == ()
    assert result.rows[0].start_at == utc
    assert result.rows[0].start_at is not None and result.rows[0].start_at.utcoffset() == timedelta(
        0
    )


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("tomorrow", "starttime: 'tomorrow' is not an ISO 8601 date and time"),
        ("2026-12-24", "starttime: '2026-12-24' has no time of day"),
        ("24/12/2026 09:30", "is not an ISO 8601 date and time"),
        ("2026-02-30T10:00", "is not a valid date and time"),
        ("2026-12-24T25:00", "is not a valid date and time"),
        ("2026-12-24T09:30+24:00", "is not a valid date and time"),
        ("20261224T093000", "is not an ISO 8601 date and time"),
        ("2027-12-02T12:00:01Z", "more than 365 days ahead"),
        ("0001-01-01T00:00+09:00", "is not a valid date and time"),
    ],
)
def test_a_bad_start_time_rejects_the_row(cell: str, reason: str) -> None:
    result = read(f"tel1,starttime\n447700900001,{cell}\n")
    assert reason in reasons(result)[2]


def test_exactly_365_days_ahead_is_fine_and_the_past_is_kept() -> None:
    result = read(
        "tel1,starttime\n447700900001,2027-12-01T12:00:00Z\n447700900002,2020-01-01T00:00Z\n"
    )
    assert [r.start_at for r in result.rows] == [
        datetime(2027, 12, 1, 12, tzinfo=UTC),
        datetime(2020, 1, 1, tzinfo=UTC),
    ]


def test_a_local_time_skipped_by_daylight_saving_reads_with_the_earlier_offset() -> None:
    result = read("tel1,starttime\n447700900001,2027-03-28T02:30\n", zone="Europe/Paris")
    assert result.rows[0].start_at == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)


def test_no_start_time_means_as_soon_as_possible() -> None:
    result = read("tel1,starttime\n447700900001,\n447700900002\n")
    assert [r.start_at for r in result.rows] == [None, None]


# --- the common start time in the file name ----------------------------------------------------


def test_the_seeds_example_name_gives_the_common_start_in_the_zone() -> None:
    result = read(
        "tel1,starttime\n447700900001,\n447700900002,2026-12-24T09:30Z\n",
        "upload_08022020211200.csv",
    )
    assert result.common_start == datetime(2020, 2, 8, 21, 12, tzinfo=UTC)
    assert [r.start_at for r in result.rows] == [
        datetime(2020, 2, 8, 21, 12, tzinfo=UTC),
        datetime(2026, 12, 24, 9, 30, tzinfo=UTC),
    ]
    kolkata = read("tel1\n447700900001\n", "upload_08022020211200.csv", zone="Asia/Kolkata")
    assert kolkata.common_start == datetime(2020, 2, 8, 15, 42, tzinfo=UTC)


def test_the_name_in_any_case_and_with_a_copy_suffix() -> None:
    result = read("tel1\n447700900001\n", "UPLOAD_08022020211200 (1).CSV")
    assert result.common_start == datetime(2020, 2, 8, 21, 12, tzinfo=UTC)


@pytest.mark.parametrize("name", ["upload_31022020211200.csv", "upload_08022020251200.csv"])
def test_fourteen_digits_that_are_not_a_date_refuse_the_file(name: str) -> None:
    error = refused("tel1\n447700900001\n", name)
    assert error.code == "bad_start_name" and "ddMMyyyyHHmmss" in str(error)


def test_a_date_and_time_of_the_wrong_length_refuses_the_file() -> None:
    assert refused("tel1\n447700900001\n", "upload_0802202021.csv").code == "bad_start_name"


def test_a_common_start_more_than_a_year_ahead_refuses_the_file() -> None:
    error = refused("tel1\n447700900001\n", "upload_01012030000000.csv")
    assert error.code == "bad_start_name" and "365 days" in str(error)


@pytest.mark.parametrize(
    "name", ["calls.csv", "upload_list.csv", "upload_2024.csv", "my_upload_08022020211200.csv"]
)
def test_other_names_give_no_common_start(name: str) -> None:
    assert read("tel1\n447700900001\n", name).common_start is None


def test_in_a_zip_the_csv_entrys_name_counts_first() -> None:
    data = zipped({"upload_08022020211200.csv": "tel1\n447700900001\n"})
    assert read(data, "upload_09022020211200.zip").common_start == datetime(
        2020, 2, 8, 21, 12, tzinfo=UTC
    )


def test_in_a_zip_the_zips_name_counts_when_the_entry_has_none() -> None:
    data = zipped({"calls.csv": "tel1\n447700900001\n"})
    assert read(data, "upload_08022020211200.zip").common_start == datetime(
        2020, 2, 8, 21, 12, tzinfo=UTC
    )


# --- empty files -------------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["", "\r\n\r\n", ",,,\n;;\n", "   \n"])
def test_a_file_without_any_header_is_refused(data: str) -> None:
    assert refused(data).code in {"no_rows", "no_tel1"}
    assert refused("").code == "no_rows"


def test_a_header_only_is_an_empty_call_list() -> None:
    result = read("tel1,$flow.key.a\r\n")
    assert (result.rows, result.rejected) == ((), ())


def test_every_row_rejected_is_an_empty_call_list_with_its_reasons() -> None:
    result = read("tel1\n0207\nabc\n")
    assert result.rows == () and sorted(reasons(result)) == [2, 3]


# --- template and describe ---------------------------------------------------------------------


def test_the_template_has_the_header_and_an_example_row_with_crlf() -> None:
    text = template(["name", "amount", "name"])
    assert text == (
        "tel1,tel2,tel3,starttime,$flow.key.name,$flow.key.amount\r\n"
        "447700900001,447700900002,,2026-12-24T09:30:00+00:00,example name,example amount\r\n"
    )


def test_the_template_reads_back() -> None:
    result = read(template(["name"]), declared=frozenset({"name"}))
    (row,) = result.rows
    assert row.numbers == ("447700900001", "447700900002")
    assert dict(row.keys) == {"name": "example name"}


def test_the_template_without_variables() -> None:
    assert template([]).startswith("tel1,tel2,tel3,starttime\r\n")


def test_the_template_refuses_a_name_a_call_list_cannot_carry() -> None:
    with pytest.raises(ValueError, match="variable"):
        template(["first name"])


def test_describe_counts_and_lists_rejected_rows_up_to_the_limit() -> None:
    bad = "".join("0207\n" for _ in range(5))
    result = read("tel1\n447700900001\n" + bad, "upload_08022020211200.csv")
    text = describe(result, limit=3)
    lines = text.splitlines()
    assert lines[0] == "upload_08022020211200.csv: 1 row loaded, 5 rejected."
    assert "2020-02-08 21:12:00 UTC" in lines[1]
    assert lines[3].startswith("row 3: tel1: '0207' has no country code")
    assert lines[-1] == "... and 2 more"
    assert len([x for x in lines if x.startswith("row ")]) == 3


def test_describe_without_rejections_and_without_rows() -> None:
    assert describe(read("tel1\n447700900001\n447700900002\n")).splitlines() == [
        "calls.csv: 2 rows loaded, 0 rejected."
    ]
    assert "no rows" in describe(read("tel1\n"))


def test_describe_escapes_control_characters_of_values() -> None:
    result = read('tel1\n"bad\r\nnumber"\n')
    text = describe(result)
    assert "'bad\\x0d\\x0anumber'" in text
    assert len(text.splitlines()) == 3


def test_long_values_are_shortened_in_reasons() -> None:
    reason = reasons(read(f"tel1\n{'x' * 500}\n"))[2]
    assert "..." in reason and len(reason) < 120


def test_zlib_is_what_the_bomb_tests_assume() -> None:
    # the bomb tests rely on deflate compressing spaces about 1000 to 1
    assert len(zlib.compress(b" " * 1_000_000)) < 2_000
