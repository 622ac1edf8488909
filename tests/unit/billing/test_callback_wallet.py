"""Callback accounts' money rules: GIVEN an account and its wallet, WHEN a call reserves and
settles, THEN the pure rules refuse what the account cannot pay and never charge above the
reservation; service passwords are kept only as slow salted hashes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from chalicelib.billing import wallet
from chalicelib.errors import ValidationError

TODAY = date(2024, 5, 1)
HASH = wallet.hash_password("correct horse", salt=b"0" * 16)


def account(balance: str = "10", **changes: object) -> wallet.CallbackAccount:
    base = wallet.CallbackAccount(
        account_id="20240501",
        password=HASH,
        currency="EUR",
        language="cs-CZ",
        tariff="retail",
        wallet=wallet.Wallet(balance=Decimal(balance)),
        limits=wallet.Limits(max_concurrent=2, daily_cap=Decimal("8")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_password_verifies_only_itself_and_never_shows() -> None:
    assert HASH.verify("correct horse") and not HASH.verify("correct horsE")
    assert wallet.PasswordHash.parse(HASH.encoded()) == HASH
    assert "correct" not in repr(account()) and HASH.digest.hex() not in repr(account())
    assert wallet.hash_password("correct horse").salt != HASH.salt  # a fresh salt each time
    with pytest.raises(ValidationError):
        wallet.hash_password("short")
    with pytest.raises(ValidationError):
        wallet.PasswordHash.parse("md5$abc")


@pytest.mark.parametrize("pin", ["20240501", "123456", "1234567890123456"])
def test_pins_are_six_to_sixteen_digits(pin: str) -> None:
    assert wallet.account_id(pin) == pin


@pytest.mark.parametrize("pin", ["12345", "12345678901234567", "12a456", ""])
def test_bad_pins_are_refused(pin: str) -> None:
    with pytest.raises(ValidationError):
        wallet.account_id(pin)


def test_caller_numbers_are_e164_digits() -> None:
    assert wallet.caller_number("+420777000111") == "420777000111"
    for bad in ("02345464", "+0420777000111", "4207770001112345", "42077700a111"):
        with pytest.raises(ValidationError):
            wallet.caller_number(bad)


def test_a_covered_reservation_is_allowed() -> None:
    assert wallet.refusal(account(), Decimal("8"), TODAY) is None


def test_each_rule_refuses_with_its_own_error() -> None:
    busy = wallet.Wallet(Decimal("10"), Decimal("2"), open_reservations=2)
    spent = wallet.Wallet(Decimal("10"), day=TODAY, committed_on_day=Decimal("6"))
    cases = {
        wallet.AccountDisabledError: (account(enabled=False), "1"),
        wallet.InsufficientFundsError: (account("3"), "3.01"),
        wallet.TooManyCallsError: (account(wallet=busy), "1"),
        wallet.DailyCapError: (account(wallet=spent), "2.01"),
    }
    for error, (subject, amount) in cases.items():
        assert isinstance(wallet.refusal(subject, Decimal(amount), TODAY), error)
    # yesterday's spending does not count today
    assert wallet.refusal(account(wallet=spent), Decimal("2.01"), date(2024, 5, 2)) is None


def test_settling_charges_the_cost_and_releases_the_rest() -> None:
    assert wallet.settlement(Decimal("3"), Decimal("1.25")) == wallet.Settlement(
        charged=Decimal("1.25"), released=Decimal("1.75"), capped=False
    )


def test_a_cost_above_the_reservation_is_capped_at_it() -> None:
    assert wallet.settlement(Decimal("3"), Decimal("3.5")) == wallet.Settlement(
        charged=Decimal("3"), released=Decimal("0"), capped=True
    )


def test_money_is_never_a_float_nor_negative() -> None:
    for bad in (1.5, Decimal("-1"), Decimal("NaN")):
        with pytest.raises(ValidationError):
            wallet.money(bad)  # type: ignore[arg-type]
