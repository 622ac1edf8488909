"""The callback accounts' pure parts: GIVEN amounts, currencies, keys and stored records, WHEN
they are checked and mapped, THEN money is decimal text or a ``Decimal`` (never a float), the
documented patterns accept exactly what the checks accept, a stored record maps to the domain
account without showing its hash, and a failed authentication is a 403 problem, alike for every
reason (the service over a fake repository)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from chalicelib.billing import wallet
from chalicelib.billing.accounts import (
    AMOUNT_PATTERN,
    POSITIVE_AMOUNT_PATTERN,
    AuthenticationFailedError,
    CallbackAccounts,
    amount,
    currency_code,
    idempotency_key,
    summary,
    to_account,
)
from chalicelib.billing.product import register
from chalicelib.errors import ValidationError
from chalicelib.store.errors import NotFoundError
from chalicelib.store.wallets import StoredCallbackAccount
from chalicelib.web.problems import status_for

TODAY = date(2024, 5, 1)
HASH = wallet.hash_password("correct horse", salt=b"1" * 16)
STORED = StoredCallbackAccount(
    account_id="20240501",
    password_hash=HASH.encoded(),
    currency="EUR",
    language="en-GB",
    tariff="retail",
    balance=Decimal("10.50"),
    dnis="447700900100",
    callers=("447700900001",),
    max_concurrent=3,
    daily_cap=Decimal("20"),
    reserved=Decimal("2.25"),
    open_reservations=1,
    committed={"2024-05-01": Decimal("2.25"), "2024-04-30": Decimal("7")},
)


class FakeWallets:
    """The repository's ``get``, over a dict: what ``authenticate`` reads."""

    def __init__(self, *accounts: StoredCallbackAccount) -> None:
        self.accounts = {account.account_id: account for account in accounts}
        self.reads: list[str] = []

    def get(self, account_id: str, consistent: bool = False) -> StoredCallbackAccount:
        self.reads.append(account_id)
        if account_id not in self.accounts:
            raise NotFoundError("callback account", account_id)
        return self.accounts[account_id]


def service(*accounts: StoredCallbackAccount) -> tuple[CallbackAccounts, FakeWallets]:
    fake = FakeWallets(*accounts)
    return CallbackAccounts(fake, {"retail"}.__contains__, lambda: TODAY), fake  # type: ignore[arg-type]


def test_amounts_are_decimal_text_or_decimals_never_floats() -> None:
    assert amount("10.50") == Decimal("10.50")
    assert amount(Decimal("0.000001")) == Decimal("0.000001")
    assert amount("999999999.999999") == Decimal("999999999.999999")
    for bad in ("1e3", "-1", "01", "1.", ".5", "1,5", "1.1234567", "1234567890", " 1", "NaN"):
        with pytest.raises(ValidationError):
            amount(bad)
    for wrong in (Decimal("Infinity"), Decimal("-0.01"), Decimal("1E+9"), Decimal("1E-7")):
        with pytest.raises(ValidationError):
            amount(wrong)
    with pytest.raises(ValidationError, match="never float"):
        amount(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="never bool"):
        amount(True)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="above zero"):
        amount("0.000", positive=True)


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0.0",
        "0.000000",
        "0.000001",
        "0.5",
        "1",
        "10.00",
        "999999999.999999",
        "0.100000",
        "01",
        "1.",
        "1e3",
        "-1",
        "0.1000001",
        "1000000000",
        "00.1",
        "",
    ],
)
def test_the_documented_patterns_accept_what_the_checks_accept(text: str) -> None:
    def accepted(positive: bool) -> bool:
        try:
            amount(text, positive=positive)
        except ValidationError:
            return False
        return True

    assert bool(re.fullmatch(AMOUNT_PATTERN, text)) == accepted(positive=False)
    assert bool(re.fullmatch(POSITIVE_AMOUNT_PATTERN, text)) == accepted(positive=True)


def test_currencies_and_keys() -> None:
    assert currency_code("EUR") == "EUR"
    for bad in ("eur", "EURO", "E1R", ""):
        with pytest.raises(ValidationError):
            currency_code(bad)
    assert idempotency_key("voucher-2024.05:1") == "voucher-2024.05:1"
    for bad in ("", "-leading", "a b", "x" * 129, "ключ"):
        with pytest.raises(ValidationError):
            idempotency_key(bad)


def test_a_stored_record_maps_to_the_domain_account_without_its_hash() -> None:
    account = to_account(STORED, TODAY)
    assert account.password == HASH and account.password.verify("correct horse")
    assert account.wallet == wallet.Wallet(
        balance=Decimal("10.50"),
        reserved=Decimal("2.25"),
        open_reservations=1,
        day=TODAY,
        committed_on_day=Decimal("2.25"),
    )
    assert account.limits == wallet.Limits(max_concurrent=3, daily_cap=Decimal("20"))
    assert HASH.digest.hex() not in repr(account) and HASH.digest.hex() not in repr(STORED)
    shown = summary(account)
    assert shown["available"] == "8.25" and shown["committed_today"] == "2.25"
    assert shown["callers"] == ["447700900001"]
    assert HASH.digest.hex() not in str(shown) and HASH.salt.hex() not in str(shown)


def test_authentication_fails_alike_and_is_a_403() -> None:
    disabled = replace(STORED, account_id="20240502", enabled=False)
    accounts, fake = service(STORED, disabled)
    assert accounts.authenticate("20240501", "correct horse").account_id == "20240501"
    messages = set()
    for pin, password in [
        ("20240501", "wrong horse"),
        ("99999999", "correct horse"),
        ("20240502", "correct horse"),
        ("x; drop", "correct horse"),
    ]:
        with pytest.raises(AuthenticationFailedError) as failed:
            accounts.authenticate(pin, password)
        messages.add(str(failed.value))
    assert messages == {"the account id or the service password is wrong"}
    assert "x; drop" not in fake.reads  # a malformed id is not even looked up
    register()
    assert status_for(AuthenticationFailedError()) == 403
    assert status_for(wallet.InsufficientFundsError("x")) == 409
