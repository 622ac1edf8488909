"""Accounts: GIVEN the accounts table, WHEN accounts are created, read and changed, THEN every
field round-trips, conflicts are refused, and the balance never goes below its minimum."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from storekit import RequestLog, account

from chalicelib.settings import Settings
from chalicelib.store.accounts import AccountRepository
from chalicelib.store.errors import AlreadyExistsError, InsufficientBalanceError, NotFoundError


@pytest.fixture
def accounts(store: Settings) -> AccountRepository:
    return AccountRepository()


def test_create_then_get_round_trips_every_field(accounts: AccountRepository) -> None:
    # GIVEN an account with every field away from its default
    original = account()
    # WHEN it is created and read back
    accounts.create(original)
    loaded = accounts.get(original.account_id)
    # THEN it is the same account, the balance an exact Decimal
    assert loaded == original
    assert isinstance(loaded.balance, Decimal)
    assert loaded.created_at is not None and loaded.created_at.utcoffset() is not None


def test_get_of_an_unknown_account_is_not_found(accounts: AccountRepository) -> None:
    # GIVEN no accounts / WHEN one is read / THEN NotFoundError
    with pytest.raises(NotFoundError):
        accounts.get("nobody")


def test_create_twice_is_refused_and_keeps_the_first(accounts: AccountRepository) -> None:
    # GIVEN an account
    accounts.create(account(name="First"))
    # WHEN another account with the same id is created
    with pytest.raises(AlreadyExistsError):
        accounts.create(account(name="Second", balance=Decimal("1000")))
    # THEN the first one is untouched
    assert accounts.get("acc-1").name == "First"
    assert accounts.get("acc-1").balance == Decimal("12.3456")


def test_list_returns_every_account(accounts: AccountRepository) -> None:
    # GIVEN two accounts
    accounts.create(account("acc-1"))
    accounts.create(account("acc-2"))
    # WHEN listed / THEN both are there
    assert sorted(a.account_id for a in accounts.list()) == ["acc-1", "acc-2"]


def test_api_key_hashes_are_appended_once_in_order(accounts: AccountRepository) -> None:
    # GIVEN an account without keys
    accounts.create(account(api_key_hashes=()))
    # WHEN two hashes are added, the first one twice
    accounts.add_api_key_hash("acc-1", "h1")
    accounts.add_api_key_hash("acc-1", "h2")
    again = accounts.add_api_key_hash("acc-1", "h1")
    # THEN each is stored once, in the order added
    assert again.api_key_hashes == ("h1", "h2")
    assert accounts.get("acc-1").api_key_hashes == ("h1", "h2")


def test_api_key_hash_of_an_unknown_account_is_not_found(accounts: AccountRepository) -> None:
    with pytest.raises(NotFoundError):
        accounts.add_api_key_hash("nobody", "h1")


def test_remove_api_key_hash_keeps_the_others(accounts: AccountRepository) -> None:
    # GIVEN an account with three keys
    accounts.create(account(api_key_hashes=("h1", "h2", "h3")))
    # WHEN the middle one is removed, and then removed again
    accounts.remove_api_key_hash("acc-1", "h2")
    unchanged = accounts.remove_api_key_hash("acc-1", "h2")
    # THEN the others remain, in order
    assert unchanged.api_key_hashes == ("h1", "h3")
    assert accounts.get("acc-1").api_key_hashes == ("h1", "h3")


def test_language_and_enabled_are_updated_in_place(accounts: AccountRepository) -> None:
    # GIVEN an account
    accounts.create(account())
    # WHEN its language and switch change
    accounts.set_language("acc-1", "es-ES")
    updated = accounts.set_enabled("acc-1", True)
    # THEN only those fields changed
    assert updated == replace(account(), language="es-ES", enabled=True)
    assert accounts.get("acc-1") == updated


def test_updates_of_an_unknown_account_are_not_found(accounts: AccountRepository) -> None:
    # GIVEN no account / WHEN it is updated / THEN NotFoundError, and nothing is created
    with pytest.raises(NotFoundError):
        accounts.set_language("nobody", "es-ES")
    with pytest.raises(NotFoundError):
        accounts.set_enabled("nobody", True)
    with pytest.raises(NotFoundError):
        accounts.get("nobody")


def test_adjust_balance_adds_exact_decimals(accounts: AccountRepository) -> None:
    # GIVEN an empty balance
    accounts.create(account(balance=Decimal("0")))
    # WHEN 0.1 and 0.2 are credited (a float would make 0.30000000000000004)
    accounts.adjust_balance("acc-1", Decimal("0.1"))
    result = accounts.adjust_balance("acc-1", Decimal("0.2"))
    # THEN the balance is exactly 0.3
    assert result.balance == Decimal("0.3")
    assert accounts.get("acc-1").balance == Decimal("0.3")


def test_adjust_balance_refuses_to_go_below_the_minimum(accounts: AccountRepository) -> None:
    # GIVEN a balance of 10.00
    accounts.create(account(balance=Decimal("10.00")))
    # WHEN 10.01 is debited
    with pytest.raises(InsufficientBalanceError) as refused:
        accounts.adjust_balance("acc-1", Decimal("-10.01"))
    # THEN it is refused with the facts, and the balance is unchanged
    assert refused.value.balance == Decimal("10.00")
    assert refused.value.delta == Decimal("-10.01")
    assert refused.value.minimum == Decimal("0")
    assert accounts.get("acc-1").balance == Decimal("10.00")
    # AND debiting exactly down to the minimum is allowed
    assert accounts.adjust_balance("acc-1", Decimal("-10.00")).balance == Decimal("0")


def test_adjust_balance_honours_a_credit_limit(accounts: AccountRepository) -> None:
    # GIVEN a balance of 1 and a minimum of -5 (credit)
    accounts.create(account(balance=Decimal("1")))
    # WHEN 6 is debited THEN the balance is -5
    assert accounts.adjust_balance("acc-1", Decimal("-6"), Decimal("-5")).balance == Decimal("-5")
    # WHEN one cent more is debited THEN it is refused
    with pytest.raises(InsufficientBalanceError):
        accounts.adjust_balance("acc-1", Decimal("-0.01"), Decimal("-5"))


def test_adjust_balance_refuses_floats_before_any_request(
    accounts: AccountRepository, sent: RequestLog
) -> None:
    # GIVEN an account
    accounts.create(account())
    sent.clear()
    # WHEN a float is passed
    with pytest.raises(TypeError):
        accounts.adjust_balance("acc-1", 0.1)  # type: ignore[arg-type]
    # THEN nothing was sent and the balance is unchanged
    assert sent.operations == []
    assert accounts.get("acc-1").balance == Decimal("12.3456")


def test_adjust_balance_of_an_unknown_account_is_not_found(accounts: AccountRepository) -> None:
    with pytest.raises(NotFoundError):
        accounts.adjust_balance("nobody", Decimal("1"))
