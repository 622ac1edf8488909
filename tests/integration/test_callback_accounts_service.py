"""The callback accounts service: GIVEN the wallet tables on moto in-process and a known tariff,
WHEN operators create, change, top up and register callers of accounts and the callback engine
authenticates, finds by caller and reserves, THEN every rule refuses bad input before anything is
written, money changes only by top-ups and settlements (once per key), an unknown account and a
wrong password fail alike, and the store's refusals arrive as ``billing.wallet``'s typed errors."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from chalicelib.billing import wallet
from chalicelib.billing.accounts import (
    KEEP,
    AuthenticationFailedError,
    CallbackAccountExistsError,
    CallbackAccountNotFoundError,
    CallbackAccounts,
    CallerNotRegisteredError,
    CallerTakenError,
    TopUpKeyReusedError,
    summary,
)
from chalicelib.billing.tariffs import TariffNotFoundError
from chalicelib.errors import ValidationError
from chalicelib.settings import Settings
from chalicelib.store.binding import bind
from chalicelib.store.tables import create_tables
from chalicelib.store.wallets import WalletRepository

TODAY = date(2024, 5, 1)
PIN = "20240501"
OTHER = "20240502"
PASSWORD = "correct horse"
TARIFFS = {"retail", "wholesale"}


@pytest.fixture
def accounts(monkeypatch: pytest.MonkeyPatch) -> Iterator[CallbackAccounts]:
    """GIVEN every table on moto in-process and the service over the wallet repository."""
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(stage="test", region="eu-west-1", table_prefix="ringflow-unit-")
    with mock_aws():
        bind(settings)
        create_tables(settings)
        yield CallbackAccounts(WalletRepository(), TARIFFS.__contains__, lambda: TODAY)


def open_account(accounts: CallbackAccounts, pin: str = PIN, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "currency": "EUR",
        "language": "cs-CZ",
        "tariff": "retail",
        "balance": Decimal("10.00"),
        "max_concurrent": 2,
    }
    fields.update(changes)
    return accounts.create(pin, PASSWORD, **fields)


def test_an_account_is_created_and_read_back_without_its_password(
    accounts: CallbackAccounts,
) -> None:
    # WHEN an account is created with every setting
    created = open_account(accounts, dnis="+420212345678", daily_cap=Decimal("25.5"), enabled=True)
    # THEN it reads back the same, its wallet holds the opening balance
    read = accounts.get(PIN)
    assert read == created
    assert (read.currency, read.language, read.tariff, read.dnis) == (
        "EUR",
        "cs-CZ",
        "retail",
        "420212345678",
    )
    assert read.wallet.balance == Decimal("10.00") and read.wallet.available == Decimal("10.00")
    assert read.limits == wallet.Limits(max_concurrent=2, daily_cap=Decimal("25.5"))
    # AND the password is kept only as its hash, which neither repr nor the summary shows
    assert read.password.verify(PASSWORD)
    assert PASSWORD not in repr(read) and read.password.digest.hex() not in repr(read)
    shown = summary(read)
    assert "password" not in str(shown) and read.password.digest.hex() not in str(shown)
    assert shown["balance"] == "10.00" and shown["daily_cap"] == "25.5"


@pytest.mark.parametrize(
    ("pin", "changes", "complaint"),
    [
        ("12345", {}, "6 to 16 digits"),
        ("12345678901234567", {}, "6 to 16 digits"),
        (PIN, {"currency": "eur"}, "not a currency"),
        (PIN, {"currency": "EURO"}, "not a currency"),
        (PIN, {"language": "xx-XX"}, "xx-XX"),
        (PIN, {"balance": 10.0}, "never float"),
        (PIN, {"balance": Decimal("-1")}, "0 to 9 digits"),
        (PIN, {"balance": Decimal("1.0000001")}, "up to 6 decimals"),
        (PIN, {"balance": Decimal("NaN")}, "0 to 9 digits"),
        (PIN, {"dnis": "0212345678"}, "not an E.164 number"),
        (PIN, {"max_concurrent": 0}, "max_concurrent must be 1 to"),
        (PIN, {"daily_cap": Decimal("-5")}, "daily_cap"),
        (PIN, {"daily_cap": 5.5}, "never float"),
        (PIN, {"tariff": "no such/tariff"}, "is not a tariff id"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(
    accounts: CallbackAccounts, pin: str, changes: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        open_account(accounts, pin, **changes)
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.get(PIN)


def test_a_short_password_and_an_unknown_tariff_are_refused(accounts: CallbackAccounts) -> None:
    with pytest.raises(ValidationError, match="8 to 128 characters"):
        accounts.create(PIN, "short", currency="EUR", language="cs-CZ", tariff="retail")
    with pytest.raises(TariffNotFoundError, match="no tariff premium"):
        open_account(accounts, tariff="premium")
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.get(PIN)


def test_a_taken_pin_is_a_conflict_that_changes_nothing(accounts: CallbackAccounts) -> None:
    open_account(accounts)
    with pytest.raises(CallbackAccountExistsError, match=f"callback account {PIN} already"):
        open_account(accounts, balance=Decimal("999"), currency="USD")
    kept = accounts.get(PIN)
    assert (kept.wallet.balance, kept.currency) == (Decimal("10.00"), "EUR")


def test_settings_change_without_touching_money(accounts: CallbackAccounts) -> None:
    # GIVEN an account with money reserved by a call in progress
    open_account(accounts, dnis="420212345678")
    accounts.reserve(PIN, "call-1", Decimal("3"), TODAY)
    # WHEN every setting changes, the password too
    changed = accounts.update(
        PIN,
        password="battery staple",
        language="en-GB",
        tariff="wholesale",
        dnis=None,
        enabled=False,
        max_concurrent=5,
        daily_cap=Decimal("50"),
    )
    # THEN the settings are the new ones and the money is as it was
    assert (changed.language, changed.tariff, changed.dnis, changed.enabled) == (
        "en-GB",
        "wholesale",
        None,
        False,
    )
    assert changed.limits == wallet.Limits(max_concurrent=5, daily_cap=Decimal("50"))
    assert (changed.wallet.balance, changed.wallet.reserved) == (Decimal("10.00"), Decimal("3"))
    assert changed.password.verify("battery staple") and not changed.password.verify(PASSWORD)
    # AND an update of nothing, or keeping the nullable settings, changes nothing
    assert accounts.update(PIN) == changed
    assert accounts.update(PIN, dnis=KEEP, daily_cap=KEEP) == changed


def test_a_bad_update_changes_nothing(accounts: CallbackAccounts) -> None:
    before = open_account(accounts)
    with pytest.raises(TariffNotFoundError):
        accounts.update(PIN, language="en-GB", tariff="premium")
    with pytest.raises(ValidationError):
        accounts.update(PIN, language="en-GB", password="short")
    with pytest.raises(ValidationError):
        accounts.update(PIN, language="en-GB", max_concurrent=0)
    with pytest.raises(ValidationError):
        accounts.update(PIN, language="en-GB", daily_cap=Decimal("-1"))
    assert accounts.get(PIN) == before
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.update(OTHER, language="en-GB")
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.update(OTHER, daily_cap=Decimal("1"))


def test_a_new_daily_cap_applies_to_what_today_already_committed(
    accounts: CallbackAccounts,
) -> None:
    # GIVEN 4 committed today under a cap of 7
    open_account(accounts, balance=Decimal("100"), max_concurrent=10, daily_cap=Decimal("7"))
    accounts.reserve(PIN, "a", Decimal("4"), TODAY)
    with pytest.raises(wallet.DailyCapError):
        accounts.reserve(PIN, "b", Decimal("5"), TODAY)
    # WHEN the cap is raised to 10 / THEN 5 more fit today, 2 more do not
    accounts.update(PIN, daily_cap=Decimal("10"))
    accounts.reserve(PIN, "b", Decimal("5"), TODAY)
    with pytest.raises(wallet.DailyCapError):
        accounts.reserve(PIN, "c", Decimal("2"), TODAY)
    # WHEN the cap is lowered below what is committed / THEN nothing more fits today
    accounts.update(PIN, daily_cap=Decimal("8"))
    with pytest.raises(wallet.DailyCapError):
        accounts.reserve(PIN, "c", Decimal("0.01"), TODAY)
    # WHEN the cap is removed / THEN the balance is the only limit
    account = accounts.update(PIN, daily_cap=None)
    assert account.limits.daily_cap is None
    accounts.reserve(PIN, "c", Decimal("50"), TODAY)
    assert accounts.get(PIN).wallet.committed_on_day == Decimal("59")


def test_authentication_fails_alike_for_every_reason(accounts: CallbackAccounts) -> None:
    open_account(accounts)
    open_account(accounts, OTHER, enabled=False)
    assert accounts.authenticate(PIN, PASSWORD).account_id == PIN
    failures = []
    for pin, password in [
        (PIN, "correct horsE"),  # wrong password
        ("99999999", PASSWORD),  # unknown account
        (OTHER, PASSWORD),  # disabled account
        ("not-a-pin", PASSWORD),  # malformed id
        (PIN, "x"),  # a password that cannot be one
        (PIN, "\ud800" * 8),  # not text
    ]:
        with pytest.raises(AuthenticationFailedError) as failed:
            accounts.authenticate(pin, password)
        failures.append(str(failed.value))
    assert set(failures) == {"the account id or the service password is wrong"}


def test_top_ups_credit_once_per_key(accounts: CallbackAccounts) -> None:
    open_account(accounts)
    assert accounts.top_up(PIN, Decimal("5.25"), "voucher-1") is True
    assert accounts.top_up(PIN, Decimal("5.25"), "voucher-1") is False  # a replay
    with pytest.raises(TopUpKeyReusedError, match="was used for another amount"):
        accounts.top_up(PIN, Decimal("6"), "voucher-1")
    assert accounts.get(PIN).wallet.balance == Decimal("15.25")
    # bad amounts, bad keys and unknown accounts are refused and credit nothing
    for bad in (Decimal(0), Decimal("-1"), 5.0, Decimal("1e10"), Decimal("0.0000001")):
        with pytest.raises(ValidationError):
            accounts.top_up(PIN, bad, "voucher-2")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="idempotency key"):
        accounts.top_up(PIN, Decimal("1"), "has space")
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.top_up(OTHER, Decimal("1"), "voucher-2")
    assert accounts.get(PIN).wallet.balance == Decimal("15.25")


def test_callers_are_registered_found_and_unregistered(accounts: CallbackAccounts) -> None:
    open_account(accounts)
    open_account(accounts, OTHER)
    assert accounts.register_caller(PIN, "+420777000111") == "420777000111"
    assert accounts.register_caller(PIN, "420777000111") == "420777000111"  # idempotent
    with pytest.raises(CallerTakenError):
        accounts.register_caller(OTHER, "420777000111")
    found = accounts.find_by_caller("+420777000111")
    assert found is not None and found.account_id == PIN
    assert found.callers == ("420777000111",)
    assert accounts.find_by_caller("420777000999") is None
    assert accounts.find_by_caller("0777") is None  # not E.164: authenticates no one
    # another account cannot unregister it, and nothing changes when it tries
    with pytest.raises(CallerNotRegisteredError):
        accounts.unregister_caller(OTHER, "420777000111")
    assert accounts.find_by_caller("420777000111") == accounts.get(PIN)
    # WHEN its account unregisters it / THEN it is gone from both the index and the account
    accounts.unregister_caller(PIN, "420777000111")
    assert accounts.find_by_caller("420777000111") is None
    assert accounts.get(PIN).callers == ()
    with pytest.raises(CallerNotRegisteredError):
        accounts.unregister_caller(PIN, "420777000111")
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.register_caller("99999999", "420777000111")
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.unregister_caller("99999999", "420777000111")


def test_refusals_of_reservations_arrive_as_typed_errors(accounts: CallbackAccounts) -> None:
    open_account(accounts, balance=Decimal("10"), max_concurrent=2, daily_cap=Decimal("7"))
    first = accounts.reserve(PIN, "a", Decimal("4"), TODAY)
    assert accounts.reserve(PIN, "a", Decimal("4"), TODAY) == first  # a retry
    with pytest.raises(wallet.DailyCapError):
        accounts.reserve(PIN, "b", Decimal("4"), TODAY)
    accounts.reserve(PIN, "c", Decimal("3"), TODAY)
    with pytest.raises(wallet.TooManyCallsError):
        accounts.reserve(PIN, "d", Decimal("1"), TODAY)
    with pytest.raises(wallet.InsufficientFundsError):
        accounts.reserve(PIN, "e", Decimal("4"), date(2024, 5, 2))
    accounts.update(PIN, enabled=False)
    with pytest.raises(wallet.AccountDisabledError):
        accounts.reserve(PIN, "f", Decimal("1"), TODAY)
    with pytest.raises(CallbackAccountNotFoundError):
        accounts.reserve(OTHER, "g", Decimal("1"), TODAY)
    # settle charges at most the reservation; release and retries move nothing more
    assert accounts.settle(first, Decimal("9")) is True
    assert accounts.settle(first, Decimal("1")) is False
    after = accounts.get(PIN).wallet
    assert (after.balance, after.reserved, after.open_reservations) == (
        Decimal("6"),
        Decimal("3"),
        1,
    )


def test_release_returns_the_reservation(accounts: CallbackAccounts) -> None:
    open_account(accounts)
    held = accounts.reserve(PIN, "a", Decimal("4"), TODAY)
    assert accounts.release(held) is True and accounts.release(held) is False
    assert accounts.get(PIN).wallet.available == Decimal("10.00")


@pytest.fixture
def serializable(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto in-process applies a request as Python code that threads may interleave; each
    request runs under one lock, so threads race as requests do on DynamoDB."""
    lock = threading.RLock()

    def atomic(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)

        return wrapper

    for name in ("transact_write_items", "update_item", "put_item", "get_item", "delete_item"):
        monkeypatch.setattr(DynamoDBBackend, name, atomic(getattr(DynamoDBBackend, name)))


@pytest.mark.usefixtures("serializable")
def test_concurrent_top_ups_credit_every_key_once(accounts: CallbackAccounts) -> None:
    # GIVEN an account of 10.00
    open_account(accounts)
    # WHEN 30 distinct keys are credited at once, each sent twice
    keys = [f"payment-{n}" for n in range(30)] * 2
    with ThreadPoolExecutor(max_workers=12) as pool:
        credited = list(pool.map(lambda key: accounts.top_up(PIN, Decimal("0.10"), key), keys))
    # THEN each key is credited exactly once
    assert credited.count(True) == 30 and credited.count(False) == 30
    assert accounts.get(PIN).wallet.balance == Decimal("13.00")
