"""Who may log in to the callback user's web pages: the service password checked by the callback
accounts (an unknown account id, a wrong password and a disabled account fail alike, after the
same scrypt work), with ``web.logins``' lockout per account id. Imports the billing accounts, the
wallet's account id rule and ``web.logins``; never pynamodb or the store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from chalicelib.billing.accounts import AuthenticationFailedError, CallbackAccounts
from chalicelib.billing.wallet import account_id as checked_account_id
from chalicelib.web import logins as site_logins
from chalicelib.web.logins import (
    LOCK,
    MAX_FAILURES,
    WINDOW,
    WRONG,
    FailureCounter,
    LoginLockedError,
    LoginRefusedError,
)

__all__ = [
    "LOCK",
    "MAX_FAILURES",
    "WINDOW",
    "WRONG",
    "LoginLockedError",
    "LoginRefusedError",
    "Logins",
]


class Logins(site_logins.Logins):
    """Logins to the callback user's pages, with their lockout."""

    def __init__(
        self,
        accounts: CallbackAccounts,
        failures: FailureCounter,
        clock: Callable[[], datetime],
    ) -> None:
        def authenticate(account_id: str, password: str) -> bool:
            try:
                accounts.authenticate(account_id, password)
            except AuthenticationFailedError:
                return False
            return True

        super().__init__(checked_account_id, authenticate, failures, clock)
        self.accounts = accounts
