"""Logins to a site of pages with the account id and one of the account's API keys (the
supervisors' board, the console): the id as typed at the login, whether a key opens the
account (checked as the tenant REST checks a key) and the ``web.logins`` logins with their
lockout under the site's own scope.

Imports the account keys' rules, the account id's pattern, the neutral errors and
``web.logins``; must not import pynamodb, the store, the wiring or a product package.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Protocol

from chalicelib.accounts.admin import ACCOUNT_ID_PATTERN
from chalicelib.accounts.keys import ApiKeyError, account_of, matches
from chalicelib.accounts.model import Account
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.web.logins import FailureCounter, Logins

_ACCOUNT_ID = re.compile(ACCOUNT_ID_PATTERN)


class AccountStore(Protocol):
    """The accounts (``container.accounts``)."""

    def get(self, account_id: str, consistent: bool = False) -> Account: ...


def login_id(text: str) -> str:
    """An account id as typed at the login; ``ValidationError`` for one no account can have."""
    if not _ACCOUNT_ID.fullmatch(text):
        raise ValidationError("not an account id")
    return text


def key_opens(accounts: AccountStore, account_id: str, key: str) -> bool:
    """Whether ``key`` is one of the enabled account's API keys (``accounts.keys``, as the
    tenant REST checks a key: the key names the account, and its hash is one of the account's).
    1 GetItem when the key names the account."""
    try:
        if account_of(key) != account_id:
            return False
        account = accounts.get(account_id)
    except (ApiKeyError, NotFoundError):
        return False
    return account.enabled and matches(key, account.api_key_hashes)


def key_logins(
    accounts: AccountStore, failures: FailureCounter, clock: Callable[[], datetime], scope: str
) -> Logins:
    """Logins with an account's API key, their failures counted under ``scope``."""
    return Logins(login_id, partial(key_opens, accounts), failures, clock, scope)
