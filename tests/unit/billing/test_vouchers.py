"""The voucher rules, pure: GIVEN codes, lots, expiries and vouchers in each state, THEN codes
are 12 digits shown grouped and accepted with or without dashes or spaces, bad input is a
ValidationError, and a redemption's refusal reason follows the voucher's state, expiry and
currency."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib import errors
from chalicelib.billing.vouchers import (
    CODE_PATTERN,
    EXPIRY_PATTERN,
    Voucher,
    VoucherRefusedError,
    expiry,
    expiry_of,
    format_code,
    lot_id,
    lot_size,
    new_code,
    parse_code,
    refusal,
    voucher_summary,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
VOUCHER = Voucher("012345678901", "spring", Decimal("10.00"), "EUR", NOW + timedelta(days=30))


def test_a_new_code_is_twelve_digits() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(len(code) == 12 and code.isdigit() for code in codes)
    assert len(codes) > 190  # random, not a counter


def test_a_code_is_shown_grouped_and_accepted_with_or_without_separators() -> None:
    assert format_code("012345678901") == "0123-4567-8901"
    assert VOUCHER.shown == "0123-4567-8901"
    for typed in ("012345678901", "0123-4567-8901", "0123 4567 8901", " 0123-4567 8901"):
        assert parse_code(typed) == "012345678901"


def test_every_code_the_documented_pattern_allows_parses() -> None:
    for typed in ("123456789012", "1234-5678-9012", " 1234 5678-9012 ", "12345678 9012"):
        assert re.fullmatch(CODE_PATTERN, typed) and parse_code(typed) == "123456789012"
    assert not re.fullmatch(CODE_PATTERN, "1234-5678-90")


@pytest.mark.parametrize(
    "typed", ["", "12345678901", "1234567890123", "1234-5678-90ab", "١٢٣٤٥٦٧٨٩٠١٢", "1" * 41]
)
def test_a_malformed_code_is_refused(typed: str) -> None:
    with pytest.raises(errors.ValidationError):
        parse_code(typed)


def test_lot_ids_and_sizes_are_checked() -> None:
    assert lot_id("spring-2026.a") == "spring-2026.a"
    assert lot_size(1) == 1 and lot_size(1000) == 1000
    for bad_id in ("", "-lead", "a" * 65, "sp ace", "a/b"):
        with pytest.raises(errors.ValidationError):
            lot_id(bad_id)
    for bad_size in (0, 1001, -1, True):
        with pytest.raises(errors.ValidationError):
            lot_size(bad_size)


def test_an_expiry_is_aware_and_in_the_future() -> None:
    later = NOW + timedelta(hours=1)
    assert expiry(later, NOW) == later
    with pytest.raises(errors.ValidationError):
        expiry(NOW, NOW)
    with pytest.raises(errors.ValidationError):
        expiry(datetime(2030, 1, 1), NOW)  # naive


def test_an_expiry_as_typed_a_date_is_valid_through_that_day() -> None:
    assert expiry_of("2027-12-31") == datetime(2028, 1, 1, tzinfo=UTC)
    assert expiry_of("2027-12-31T18:00:00+01:00") == datetime(2027, 12, 31, 17, tzinfo=UTC)
    for bad in ("2027-12-31T18:00:00", "31/12/2027", "soon", "2" * 41, "9999-12-31", "2027-02-31"):
        with pytest.raises(errors.ValidationError):
            expiry_of(bad)


def test_the_documented_expiry_pattern_allows_dates_and_zoned_times() -> None:
    for typed in ("2027-12-31", "2027-12-31T23:59Z", "2027-12-31T23:59:59.5+01:00"):
        assert re.fullmatch(EXPIRY_PATTERN, typed) and expiry_of(typed).utcoffset() is not None
    for typed in ("2027-13-01", "2027-12-31T23:59", "0000-01-01", "2027-12-31 23:59Z"):
        assert not re.fullmatch(EXPIRY_PATTERN, typed)


def test_a_new_unexpired_voucher_of_the_account_currency_is_redeemable() -> None:
    assert refusal(VOUCHER, "EUR", NOW) is None


@pytest.mark.parametrize(
    ("voucher", "currency", "reason"),
    [
        (None, "EUR", "unknown"),
        (Voucher(**{**VOUCHER.__dict__, "state": "redeemed"}), "EUR", "used"),
        (Voucher(**{**VOUCHER.__dict__, "state": "disabled"}), "EUR", "disabled"),
        (Voucher(**{**VOUCHER.__dict__, "expires_at": NOW}), "EUR", "expired"),
        (VOUCHER, "GBP", "currency"),
        # a used voucher stays "used" once it has expired too
        (Voucher(**{**VOUCHER.__dict__, "state": "redeemed", "expires_at": NOW}), "EUR", "used"),
    ],
)
def test_a_refusal_says_why(voucher: Voucher | None, currency: str, reason: str) -> None:
    assert refusal(voucher, currency, NOW) == reason


def test_a_refused_error_is_a_conflict_with_its_reason() -> None:
    refused = VoucherRefusedError("used", "012345678901")
    assert isinstance(refused, errors.ConflictError)
    assert refused.reason == "used" and "0123-4567-8901" in str(refused)


def test_a_summary_shows_money_as_text() -> None:
    shown = voucher_summary(VOUCHER)
    assert shown["code"] == "0123-4567-8901" and shown["value"] == "10.00"
    assert shown["state"] == "new" and shown["redeemed_by"] is None
