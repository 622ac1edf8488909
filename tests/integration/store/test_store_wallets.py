"""Callback accounts' money: GIVEN the wallet tables on moto, WHEN calls reserve, settle and
release money and accounts are topped up (also retried, also 50 at once), THEN money moves once
per key, never below zero, in one DynamoDB request per reserve and per settle; settings change
without touching money, and callers are registered and unregistered in one transaction.

The wallet tables are the billing product's: ``create_tables`` (the ``store`` fixture) makes
them with every installed product's tables."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
from motokit import serialize_dynamodb
from storekit import RequestLog

from chalicelib.errors import AlreadyExistsError, ConflictError, NotFoundError
from chalicelib.settings import Settings

TODAY = date(2024, 5, 1)


@pytest.fixture
def wallets(store: Settings) -> ModuleType:
    """GIVEN the wallet tables created and bound with the installed products' tables."""
    import chalicelib.store.wallets as module

    return module


@pytest.fixture
def repo(wallets: ModuleType) -> Any:
    return wallets.WalletRepository()


def open_account(wallets: ModuleType, repo: Any, balance: str, **changes: Any) -> Any:
    fields: dict[str, Any] = {
        "account_id": "20240501",
        "password_hash": "scrypt$16384$8$1$00$00",
        "currency": "EUR",
        "language": "cs-CZ",
        "tariff": "retail",
        "balance": Decimal(balance),
        "dnis": "420212345678",
        "max_concurrent": 100,
    }
    fields.update(changes)
    return repo.create(wallets.StoredCallbackAccount(**fields))


def test_create_then_get_round_trips(wallets: ModuleType, repo: Any) -> None:
    created = open_account(wallets, repo, "12.3456", daily_cap=Decimal("25"))
    assert repo.get("20240501") == created
    with pytest.raises(AlreadyExistsError):
        open_account(wallets, repo, "1")


def test_reserve_then_settle_charges_the_cost_and_releases_the_rest(
    wallets: ModuleType, repo: Any, sent: RequestLog
) -> None:
    # GIVEN an account with 10.00
    open_account(wallets, repo, "10.00")
    # WHEN a call reserves 3.00, then settles a cost of 1.25
    sent.clear()
    reservation = repo.reserve("20240501", "call-1", Decimal("3.00"), TODAY)
    assert sent.operations == ["TransactWriteItems"]
    held = repo.get("20240501", consistent=True)
    assert (held.balance, held.reserved, held.open_reservations) == (Decimal("10.00"), 3, 1)
    sent.clear()
    assert repo.settle(reservation, Decimal("1.25")) is True
    assert sent.operations == ["TransactWriteItems"]
    # THEN 1.25 is charged, nothing stays reserved, the day committed 1.25
    after = repo.get("20240501", consistent=True)
    assert after.balance == Decimal("8.75")
    assert (after.reserved, after.open_reservations) == (0, 0)
    assert after.committed_on(TODAY) == Decimal("1.25")
    assert repo.get_reservation("20240501", "call-1").charged == Decimal("1.25")


def test_retried_reserve_settle_and_top_up_move_money_once(wallets: ModuleType, repo: Any) -> None:
    open_account(wallets, repo, "10")
    first = repo.reserve("20240501", "call-1", Decimal("4"), TODAY)
    again = repo.reserve("20240501", "call-1", Decimal("4"), TODAY)
    assert again == first
    assert repo.get("20240501", consistent=True).reserved == Decimal("4")
    assert repo.settle(first, Decimal("2")) is True
    assert repo.settle(first, Decimal("2")) is False
    assert repo.release(first) is False
    assert repo.top_up("20240501", Decimal("5"), "voucher-9") is True
    assert repo.top_up("20240501", Decimal("5"), "voucher-9") is False
    after = repo.get("20240501", consistent=True)
    assert (after.balance, after.reserved, after.open_reservations) == (Decimal("13"), 0, 0)


def test_release_returns_the_whole_reservation(wallets: ModuleType, repo: Any) -> None:
    open_account(wallets, repo, "5")
    reservation = repo.reserve("20240501", "call-1", Decimal("5"), TODAY)
    assert repo.release(reservation) is True
    after = repo.get("20240501", consistent=True)
    assert (after.balance, after.reserved, after.committed_on(TODAY)) == (5, 0, 0)


def test_reservations_are_refused_by_each_rule_and_change_nothing(
    wallets: ModuleType, repo: Any
) -> None:
    open_account(wallets, repo, "10", max_concurrent=2, daily_cap=Decimal("7"))
    repo.reserve("20240501", "a", Decimal("4"), TODAY)
    with pytest.raises(ConflictError) as cap:
        repo.reserve("20240501", "b", Decimal("4"), TODAY)  # 8 > daily cap 7
    assert cap.value.reason == "daily_cap"  # type: ignore[attr-defined]
    repo.reserve("20240501", "c", Decimal("3"), TODAY)
    with pytest.raises(ConflictError) as busy:
        repo.reserve("20240501", "d", Decimal("1"), TODAY)
    assert busy.value.reason == "too_many_calls"  # type: ignore[attr-defined]
    # a new day has room again, but the money is still reserved
    with pytest.raises(ConflictError) as funds:
        repo.reserve("20240501", "e", Decimal("4"), date(2024, 5, 2))
    assert funds.value.reason == "insufficient_funds"  # type: ignore[attr-defined]
    after = repo.get("20240501", consistent=True)
    assert (after.reserved, after.open_reservations) == (Decimal("7"), 2)


def test_unknown_account_is_not_found(wallets: ModuleType, repo: Any) -> None:
    with pytest.raises(NotFoundError):
        repo.top_up("nobody", Decimal("1"), "k")
    with pytest.raises(NotFoundError):
        repo.register_caller("nobody", "420777000111")


def test_callers_authenticate_by_one_get(wallets: ModuleType, repo: Any, sent: RequestLog) -> None:
    open_account(wallets, repo, "1")
    open_account(wallets, repo, "1", account_id="20240502")
    repo.register_caller("20240501", "420777000111")
    repo.register_caller("20240501", "420777000111")  # idempotent
    with pytest.raises(AlreadyExistsError):
        repo.register_caller("20240502", "420777000111")
    sent.clear()
    assert repo.find_by_caller("420777000111") == "20240501"
    assert sent.operations == ["GetItem"]
    assert repo.find_by_caller("420777000999") is None
    assert repo.get("20240501").callers == ("420777000111",)


@pytest.fixture
def serializable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads race as requests do on DynamoDB (``motokit``)."""
    serialize_dynamodb(monkeypatch)


@pytest.mark.usefixtures("serializable")
def test_fifty_concurrent_completions_retried_three_times_never_double_charge(
    wallets: ModuleType, repo: Any
) -> None:
    # GIVEN an account of 100.00 that 50 calls reserve 3.00 each from, at once
    open_account(wallets, repo, "100.00")
    keys = [f"call-{n}" for n in range(50)]
    costs = {key: Decimal(n % 7) / 4 for n, key in enumerate(keys)}  # 0.00 .. 1.50
    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(lambda k: _try_reserve(repo, k, Decimal("3.00")), keys))
    held = [r for r in outcomes if r is not None]
    # THEN only what the balance covers is reserved (33 of 50), the rest refused
    assert len(held) == 33 and outcomes.count(None) == 17
    mid = repo.get("20240501", consistent=True)
    assert mid.reserved == Decimal("99.00") and mid.balance - mid.reserved >= 0
    # WHEN every completion is delivered three times, concurrently
    events = [r for r in held for _ in range(3)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        settled = list(pool.map(lambda r: repo.settle(r, costs[r.key]), events))
    # THEN each settles once, the balance lost exactly the distinct costs, nothing is reserved
    assert settled.count(True) == 33 and settled.count(False) == 66
    after = repo.get("20240501", consistent=True)
    charged = sum((costs[r.key] for r in held), Decimal(0))
    assert after.balance == Decimal("100.00") - charged >= 0
    assert (after.reserved, after.open_reservations) == (0, 0)
    assert after.committed_on(TODAY) == charged


def _try_reserve(repo: Any, key: str, amount: Decimal) -> Any:
    try:
        reservation = repo.reserve("20240501", key, amount, TODAY)
    except ConflictError:
        return None
    account = repo.get("20240501", consistent=True)
    assert account.balance - account.reserved >= 0 and account.balance >= 0
    return reservation


def test_settings_change_in_one_update_and_callers_leave_in_one_transaction(
    wallets: ModuleType, repo: Any, sent: RequestLog
) -> None:
    # GIVEN an account with a caller and money reserved today
    open_account(wallets, repo, "10", daily_cap=Decimal("7"))
    repo.register_caller("20240501", "420777000111")
    repo.reserve("20240501", "call-1", Decimal("4"), TODAY)
    # WHEN settings change without the cap / THEN one UpdateItem, and the money is untouched
    sent.clear()
    change = wallets.SettingsChange(language="en-GB", remove_dnis=True, max_concurrent=3)
    changed = repo.update_settings("20240501", change)
    assert sent.operations == ["UpdateItem"]
    assert (changed.language, changed.dnis, changed.max_concurrent) == ("en-GB", None, 3)
    assert (changed.balance, changed.reserved) == (Decimal("10"), Decimal("4"))
    # WHEN the cap changes / THEN a read and one UpdateItem; today's room follows the new cap
    sent.clear()
    raised = repo.update_settings("20240501", wallets.SettingsChange(daily_cap=Decimal("9")))
    assert sent.operations == ["GetItem", "UpdateItem"] and raised.daily_cap == Decimal("9")
    repo.reserve("20240501", "call-2", Decimal("5"), TODAY)  # 4 + 5 = 9: fits the new cap
    # WHEN the caller is unregistered / THEN one transaction removes it from index and account
    sent.clear()
    repo.unregister_caller("20240501", "420777000111")
    assert sent.operations == ["TransactWriteItems"]
    assert repo.find_by_caller("420777000111") is None
    assert repo.get("20240501").callers == ()
    with pytest.raises(NotFoundError):
        repo.unregister_caller("20240501", "420777000111")
    with pytest.raises(NotFoundError):
        repo.update_settings("nobody", wallets.SettingsChange(enabled=False))
