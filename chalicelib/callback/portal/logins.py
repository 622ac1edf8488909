"""Who may log in to the callback user's web pages: the service password checked by the callback
accounts, and a lockout per account id after repeated failures (``MAX_FAILURES`` within
``WINDOW`` lock the id for ``LOCK``). An unknown account id, a wrong password and a disabled
account fail with the same words; a locked id is refused before its password is checked (no
scrypt work for an attacker). Failures are counted by the store's conditional counter, so
attempts at once cannot slip past the limit. Imports the billing accounts, the wallet's account
id rule and the store's login-failures repository; never pynamodb.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib import errors
from chalicelib.billing.accounts import AuthenticationFailedError, CallbackAccounts
from chalicelib.billing.wallet import account_id as checked_account_id
from chalicelib.store.portal_logins import LoginFailuresRepository

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)
WRONG = "The account id or the password is wrong."


class LoginRefusedError(errors.RingflowError):
    """A login was refused; the message is what the user is told."""


class LoginLockedError(LoginRefusedError):
    """Too many failed logins for this account id: refused until ``until``."""

    def __init__(self, until: datetime, now: datetime) -> None:
        minutes = max(1, (int((until - now).total_seconds()) + 59) // 60)
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        super().__init__(f"Too many failed logins for this account id. Try again in {wait}.")
        self.until = until


class Logins:
    """Logins to the pages, with their lockout."""

    def __init__(
        self,
        accounts: CallbackAccounts,
        failures: LoginFailuresRepository,
        clock: Callable[[], datetime],
    ) -> None:
        self.accounts = accounts
        self.failures = failures
        self.clock = clock

    def log_in(self, account_id: str, password: str) -> str:
        """The account id, if the password is its service password and the id is not locked;
        ``LoginLockedError`` or ``LoginRefusedError`` otherwise. 1 GetItem (the lock), then
        1 GetItem (the account) and 1 DeleteItem on success, or the counter's UpdateItem
        (+1 UpdateItem when this failure locks the id)."""
        try:
            account_id = checked_account_id(account_id.strip())
        except errors.ValidationError:
            raise LoginRefusedError(WRONG) from None  # never counted: no item per garbage id
        now = self.clock()
        locked = self.failures.locked_until(account_id, now)
        if locked is not None:
            raise LoginLockedError(locked, now)
        try:
            self.accounts.authenticate(account_id, password)
        except AuthenticationFailedError:
            count = self.failures.count(account_id, now, now + WINDOW)
            if count >= MAX_FAILURES:
                self.failures.lock(account_id, now + LOCK)
                raise LoginLockedError(now + LOCK, now) from None
            raise LoginRefusedError(WRONG) from None
        self.failures.clear(account_id)
        return account_id
