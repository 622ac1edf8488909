"""Who may log in to a site of pages (``web.site``): a password checked by the product that owns
the accounts, and a lockout per account id after repeated failures (``MAX_FAILURES`` within
``WINDOW`` lock the id for ``LOCK``). An unknown account id, a wrong password and a disabled
account fail with the same words; a locked id is refused before its password is checked (no
password hashing work for an attacker). Failures are counted by the store's conditional counter
(passed in), so attempts at once cannot slip past the limit; each site counts under its own
``scope`` so that one site's failures never lock another's. Imports the error hierarchy and the
standard library; must not import the store, pynamodb or a product package.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from chalicelib import errors

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


class FailureCounter(Protocol):
    """The store's failed-login counter (``store.portal_logins``)."""

    def count(self, account_id: str, now: datetime, window_ends: datetime) -> int: ...
    def lock(self, account_id: str, until: datetime) -> None: ...
    def locked_until(self, account_id: str, now: datetime) -> datetime | None: ...
    def clear(self, account_id: str) -> None: ...


class Logins:
    """Logins to one site, with their lockout. ``normal(account_id)`` is the id as stored, or
    ``ValidationError`` for one that cannot be an account's (never counted: no item per garbage
    id); ``authenticate(account_id, password)`` is whether the password opens the account."""

    def __init__(
        self,
        normal: Callable[[str], str],
        authenticate: Callable[[str, str], bool],
        failures: FailureCounter,
        clock: Callable[[], datetime],
        scope: str = "",
    ) -> None:
        self.normal = normal
        self.authenticate = authenticate
        self.failures = failures
        self.clock = clock
        self.scope = scope

    def log_in(self, account_id: str, password: str) -> str:
        """The account id, if the password opens it and the id is not locked;
        ``LoginLockedError`` or ``LoginRefusedError`` otherwise. 1 GetItem (the lock), the
        account's check, then 1 DeleteItem on success, or the counter's UpdateItem (+1
        UpdateItem when this failure locks the id)."""
        try:
            account_id = self.normal(account_id.strip())
        except errors.ValidationError:
            raise LoginRefusedError(WRONG) from None
        counted = self.scope + account_id
        now = self.clock()
        locked = self.failures.locked_until(counted, now)
        if locked is not None:
            raise LoginLockedError(locked, now)
        if not self.authenticate(account_id, password):
            count = self.failures.count(counted, now, now + WINDOW)
            if count >= MAX_FAILURES:
                self.failures.lock(counted, now + LOCK)
                raise LoginLockedError(now + LOCK, now) from None
            raise LoginRefusedError(WRONG) from None
        self.failures.clear(counted)
        return account_id
