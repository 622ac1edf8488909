"""Callback accounts bought by card, in DynamoDB: the ``callback_card_purchases`` table's item
(``CardPurchaseItem``, hash key the payment provider's checkout session id), its record
(``StoredPurchase``) and ``CardPurchaseRepository``.

A purchase is made once per checkout session: one TransactWriteItems puts the purchase (on
condition that the session has none), the new account (``store.wallets``' item, on condition
that no account has its id) with its opening balance, and the ledger entry of that money
(``topup#<key>``, where none is), so a replayed or concurrent webhook of the same session makes
nothing, and a taken account id is reported so the caller draws another. The buyer's one look
at the new account's password is claimed by one conditional UpdateItem (``shown_at`` absent).
Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports the wallet items of ``store.wallets`` and no other aggregate module.
Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import condition_failed, get_item, if_absent, lost_races, translated
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import AlreadyExistsError, StaleStateError
from chalicelib.store.registry import StoreItem
from chalicelib.store.wallets import (
    TRANSACTION_ATTEMPTS,
    CallbackAccountItem,
    CallbackLedgerItem,
    StoredCallbackAccount,
    account_item,
)

_TOP_UP = "topup#"


class CardPurchaseItem(StoreItem):
    """A callback account bought by card (``callback_card_purchases``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_card_purchases"

    class Meta:
        table_name = "callback_card_purchases"

    session_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    shown_at = UTCDateTimeAttribute(null=True)


@dataclass(frozen=True)
class StoredPurchase:
    """A purchase: the checkout session that paid, the account it made, when its password was
    shown (None: not yet)."""

    session_id: str
    account_id: str
    created_at: datetime
    shown_at: datetime | None = None


def purchase_from(item: CardPurchaseItem) -> StoredPurchase:
    """The purchase an item holds."""
    return StoredPurchase(item.session_id, item.account_id, item.created_at, item.shown_at)


class AccountIdTakenError(AlreadyExistsError):
    """The new account's id is another account's: nothing was written; draw another."""


class CardPurchaseRepository:
    """Accounts bought by card and the one look at their passwords."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(
        self, session_id: str, account: StoredCallbackAccount, key: str, now: datetime
    ) -> bool:
        """Make the account the session paid for, with its opening balance and the ledger
        entry ``topup#<key>``, in one transaction: True if made now, False if the session made
        one before (a replay: nothing written). ``AccountIdTakenError`` if the account id is
        taken (nothing written). 1 TransactWriteItems."""
        purchase = CardPurchaseItem(session_id, account_id=account.account_id, created_at=now)
        entry = CallbackLedgerItem(account.account_id, _TOP_UP + key, amount=account.balance)
        for _ in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.save(purchase, condition=if_absent(CardPurchaseItem))
                    transaction.save(
                        account_item(account), condition=if_absent(CallbackAccountItem)
                    )
                    transaction.save(entry, condition=if_absent(CallbackLedgerItem))
                return True
            except TransactWriteError as error:
                purchase_lost, account_lost, entry_lost = lost_races(error)
                if purchase_lost:
                    return False
                if account_lost or entry_lost:
                    raise AccountIdTakenError(
                        "callback account", account.account_id, "is taken"
                    ) from error
        raise StaleStateError("card purchase", session_id, "kept meeting other writers")

    @translated
    def get(self, session_id: str) -> StoredPurchase:
        """The purchase; ``NotFoundError`` if the session made none (yet). 1 consistent
        GetItem."""
        item = get_item(CardPurchaseItem, "card purchase", session_id, consistent=True)
        return purchase_from(item)

    @translated
    def mark_shown(self, session_id: str, now: datetime) -> bool:
        """Claim the one look at the password: True if this call claimed it. 1 UpdateItem."""
        purchase = CardPurchaseItem
        try:
            CardPurchaseItem(session_id).update(
                actions=[purchase.shown_at.set(now)],
                condition=purchase.session_id.exists() & purchase.shown_at.does_not_exist(),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True
