"""Logins to the user's web pages: GIVEN a callback account on moto, WHEN its service password is
given right or wrong, THEN a wrong one and an unknown account id are refused in the same words,
the fifth failure within 15 minutes locks the id (the right password too) until the lock runs
out, a malformed id is refused without being counted, and a login that works forgets the
failures before it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from moto import mock_aws

from chalicelib.billing.accounts import CallbackAccounts
from chalicelib.callback.portal.logins import (
    LOCK,
    MAX_FAILURES,
    WRONG,
    LoginLockedError,
    LoginRefusedError,
    Logins,
)
from chalicelib.settings import Settings
from chalicelib.store.binding import bind
from chalicelib.store.portal_logins import LoginFailuresRepository
from chalicelib.store.tables import create_tables
from chalicelib.store.wallets import WalletRepository

ACCOUNT = "30000001"
PASSWORD = "right password"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def logins(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Logins, Clock]]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    settings = Settings(stage="test", region="eu-west-1", table_prefix="ringflow-test-")
    with mock_aws():
        bind(settings)
        create_tables(settings)
        clock = Clock()
        accounts = CallbackAccounts(WalletRepository(), lambda tariff: True, lambda: clock().date())
        accounts.create(
            ACCOUNT, PASSWORD, currency="EUR", language="en-GB", tariff="t", balance=Decimal(1)
        )
        yield Logins(accounts, LoginFailuresRepository(), clock), clock


def refused(logins: Logins, account_id: str, password: str) -> LoginRefusedError:
    with pytest.raises(LoginRefusedError) as caught:
        logins.log_in(account_id, password)
    return caught.value


def test_wrong_password_and_unknown_account_read_alike(logins: tuple[Logins, Clock]) -> None:
    service, _ = logins
    assert str(refused(service, ACCOUNT, "wrong password")) == WRONG
    assert str(refused(service, "30000009", PASSWORD)) == WRONG
    assert str(refused(service, "not-an-id", PASSWORD)) == WRONG
    assert service.log_in(f" {ACCOUNT} ", PASSWORD) == ACCOUNT


def test_the_fifth_failure_locks_the_id_until_the_lock_runs_out(
    logins: tuple[Logins, Clock],
) -> None:
    service, clock = logins
    for _ in range(MAX_FAILURES - 1):
        assert type(refused(service, ACCOUNT, "wrong password")) is LoginRefusedError
        clock.now += timedelta(minutes=1)
    locked = refused(service, ACCOUNT, "wrong password")
    assert isinstance(locked, LoginLockedError)
    assert str(locked) == ("Too many failed logins for this account id. Try again in 15 minutes.")
    # WHEN the right password comes during the lock THEN it is refused too
    clock.now += LOCK - timedelta(minutes=1)
    assert "Try again in 1 minute." in str(refused(service, ACCOUNT, PASSWORD))
    # WHEN the lock ran out THEN it works
    clock.now += timedelta(minutes=1)
    assert service.log_in(ACCOUNT, PASSWORD) == ACCOUNT


def test_a_login_that_works_forgets_the_failures_before_it(logins: tuple[Logins, Clock]) -> None:
    service, _ = logins
    for _ in range(MAX_FAILURES - 1):
        refused(service, ACCOUNT, "wrong password")
    assert service.log_in(ACCOUNT, PASSWORD) == ACCOUNT
    for _ in range(MAX_FAILURES - 1):
        assert type(refused(service, ACCOUNT, "wrong password")) is LoginRefusedError
