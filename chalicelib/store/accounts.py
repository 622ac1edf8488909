"""Accounts (tenants) in DynamoDB: the ``accounts`` table's item (``AccountItem``), its mapping
to and from ``accounts.model.Account``, and ``AccountRepository``.

The balance changes only by conditional updates. Items and pynamodb exceptions never leave this
module: conditions that lose become ``AlreadyExistsError``, ``StaleStateError`` or
``InsufficientBalanceError``, other failures ``StoreRequestError``; each method's docstring gives
its DynamoDB requests. Imports no other aggregate module of the store. Part of ``store``, the
only package that may import pynamodb.
"""

from __future__ import annotations

import builtins
from decimal import Decimal, Inexact, localcontext
from typing import Any, ClassVar

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.accounts.model import Account
from chalicelib.store.attributes import (
    DecimalAttribute,
    StringListAttribute,
    UtcDateTimeAttribute,
    decimal_text,
)
from chalicelib.store.base import (
    condition_failed,
    get_item,
    save_if_absent,
    translated,
    update_item,
)
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import InsufficientBalanceError, StaleStateError
from chalicelib.store.registry import StoreItem


class AccountItem(StoreItem):
    """A tenant (``accounts``). ``balance`` changes only by conditional updates."""

    LOGICAL_NAME: ClassVar[str] = "accounts"

    class Meta:
        table_name = "accounts"

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    language = UnicodeAttribute()
    api_key_hashes = StringListAttribute(default=list)
    balance = DecimalAttribute()
    currency = UnicodeAttribute()
    enabled = BooleanAttribute()
    created_at = UtcDateTimeAttribute(null=True)
    timezone = UnicodeAttribute(null=True)  # absent: UTC (accounts made before it)
    # Reserved for the prepaid products (callback, calling cards): written by billing only.
    credit_limit = DecimalAttribute(null=True)
    rate_plan = UnicodeAttribute(null=True)


def account_item(account: Account) -> AccountItem:
    """The item of a new account."""
    return AccountItem(
        account.account_id,
        name=account.name,
        language=account.language,
        api_key_hashes=list(account.api_key_hashes),
        balance=account.balance,
        currency=account.currency,
        enabled=account.enabled,
        created_at=account.created_at,
        timezone=account.timezone,
    )


def account_from(item: AccountItem) -> Account:
    """The account an item holds."""
    return Account(
        account_id=item.account_id,
        name=item.name,
        language=item.language,
        api_key_hashes=tuple(item.api_key_hashes or ()),
        balance=item.balance,
        currency=item.currency,
        enabled=item.enabled,
        created_at=item.created_at,
        timezone=item.timezone or "UTC",
    )


class AccountRepository:
    """Accounts (tenants). The balance changes only through ``adjust_balance``."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, account: Account) -> Account:
        """Store a new account; ``AlreadyExistsError`` if the id is taken. 1 PutItem."""
        save_if_absent(account_item(account), "account", account.account_id)
        return account

    @translated
    def get(self, account_id: str, consistent: bool = False) -> Account:
        """The account; ``NotFoundError`` if absent. 1 GetItem."""
        item: AccountItem = get_item(AccountItem, "account", account_id, consistent=consistent)
        return account_from(item)

    @translated
    def list(self) -> builtins.list[Account]:
        """Every account (operators' listing, never on a call path). 1 Scan per MB of accounts."""
        return [account_from(item) for item in AccountItem.scan()]

    @translated
    def set_timezone(self, account_id: str, zone: str) -> Account:
        """Set the account's time zone; ``NotFoundError`` if absent. 1 UpdateItem."""
        item = AccountItem(account_id)
        exists = AccountItem.account_id.exists()
        update_item(item, exists, "account", account_id, [AccountItem.timezone.set(zone)])
        return account_from(item)

    @translated
    def add_api_key_hash(self, account_id: str, key_hash: str) -> Account:
        """Append an API key hash (idempotent: a known hash is not added twice).

        1 UpdateItem; +1 GetItem only when the hash was already there or the account is absent.
        """
        item = AccountItem(account_id)
        hashes = AccountItem.api_key_hashes
        try:
            item.update(
                actions=[hashes.set((hashes | []).append([key_hash]))],
                condition=AccountItem.account_id.exists() & ~hashes.contains(key_hash),
            )
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            return self.get(account_id, consistent=True)
        return account_from(item)

    @translated
    def remove_api_key_hash(self, account_id: str, key_hash: str, attempts: int = 3) -> Account:
        """Remove an API key hash (idempotent: an unknown hash changes nothing).

        1 GetItem, +1 UpdateItem when the hash is there (again per concurrent key change).
        """
        for _ in range(attempts):
            current: AccountItem = get_item(AccountItem, "account", account_id, consistent=True)
            hashes = list(current.api_key_hashes or ())
            if key_hash not in hashes:
                return account_from(current)
            index = hashes.index(key_hash)
            path = AccountItem.api_key_hashes[index]
            item = AccountItem(account_id)
            try:
                item.update(actions=[path.remove()], condition=path == key_hash)
            except PynamoDBException as error:
                if not condition_failed(error):
                    raise
                continue
            return account_from(item)
        raise StaleStateError("account", account_id, "kept changing its API keys")

    @translated
    def set_language(self, account_id: str, language: str) -> Account:
        """Set the default language. 1 UpdateItem."""
        return self._set(account_id, AccountItem.language.set(language))

    @translated
    def set_enabled(self, account_id: str, enabled: bool) -> Account:
        """Enable or disable the account. 1 UpdateItem."""
        return self._set(account_id, AccountItem.enabled.set(enabled))

    @staticmethod
    def _set(account_id: str, action: Any) -> Account:
        item = AccountItem(account_id)
        update_item(item, AccountItem.account_id.exists(), "account", account_id, [action])
        return account_from(item)

    @translated
    def adjust_balance(
        self, account_id: str, delta: Decimal, expected_min: Decimal = Decimal("0")
    ) -> Account:
        """Add ``delta`` (negative to debit) to the balance unless it would end below
        ``expected_min``; returns the account with its new balance.

        Atomic: one conditional UpdateItem (``balance >= expected_min - delta``), so concurrent
        debits can never overdraw. Refused: ``InsufficientBalanceError`` (balance unchanged),
        ``NotFoundError`` if there is no such account. 1 UpdateItem; +1 GetItem only when
        refused, to say why.
        """
        decimal_text(delta)
        decimal_text(expected_min)
        with localcontext() as context:
            context.prec = 38  # DynamoDB's precision; anything longer would be rounded
            context.traps[Inexact] = True
            threshold = Decimal(expected_min) - Decimal(delta)
        item = AccountItem(account_id)
        try:
            item.update(
                actions=[AccountItem.balance.add(Decimal(delta))],
                condition=AccountItem.account_id.exists() & (AccountItem.balance >= threshold),
            )
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            current = self.get(account_id, consistent=True)
            raise InsufficientBalanceError(
                account_id, current.balance, Decimal(delta), Decimal(expected_min)
            ) from error
        return account_from(item)
