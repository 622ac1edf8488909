"""Lots of callback accounts in DynamoDB: the ``callback_account_lots`` table's item
(``AccountLotItem``: the lot's settings, its state, how many accounts it made and disabled, and
its password secret until the one export), the ``callback_account_lot_members`` table's item
(``AccountLotMemberItem``: hash key the lot, range key an account id, so a lot's accounts are
one consistent Query), their record (``StoredAccountLot``) and ``AccountLotRepository``.

A lot's accounts are made in chunks: one TransactWriteItems puts each new account
(``store.wallets``' item, on condition that no account has its id) with its member item, and
marks the chunk made on the lot (on condition that the lot is still ``creating`` and the chunk
not yet made), so a chunk run twice makes nothing the second time, and an account id that is
taken is reported back and replaced by the caller's next account. The export takes the lot's
secret away by one conditional UpdateItem (on condition that it is still the secret read): a
second export finds none. Items and pynamodb exceptions never leave this module; each method's
docstring gives its DynamoDB requests. Imports the wallet items of ``store.wallets`` (the
accounts a chunk writes) and no other aggregate module. Part of ``store``, the only package that
may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute, UnicodeSetAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.store.attributes import DecimalAttribute, IntegerAttribute, decimal_text
from chalicelib.store.base import (
    condition_failed,
    get_item,
    if_absent,
    lost_races,
    save_if_absent,
    translated,
)
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem
from chalicelib.store.wallets import (
    TRANSACTION_ATTEMPTS,
    CallbackAccountItem,
    StoredCallbackAccount,
    account_item,
)

CREATING = "creating"
READY = "ready"
DISABLED = "disabled"
MAX_CHUNK = 49
"""Accounts one chunk's transaction makes: two items each, and the lot's, within 100."""


class AccountLotItem(StoreItem):
    """A lot of callback accounts (``callback_account_lots``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_account_lots"

    class Meta:
        table_name = "callback_account_lots"

    lot_id = UnicodeAttribute(hash_key=True)
    size = IntegerAttribute()  # accounts the lot makes (``count`` is pynamodb's)
    tariff = UnicodeAttribute()
    currency = UnicodeAttribute()
    language = UnicodeAttribute()
    balance = DecimalAttribute()
    id_length = IntegerAttribute()
    prefix = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    created = IntegerAttribute()
    disabled = IntegerAttribute()
    chunks = UnicodeSetAttribute(null=True)  # the chunks made; an empty set is absent
    disabled_chunks = UnicodeSetAttribute(null=True)
    secret = UnicodeAttribute(null=True)  # hex; removed by the export
    created_at = UTCDateTimeAttribute()
    exported_at = UTCDateTimeAttribute(null=True)
    disabled_at = UTCDateTimeAttribute(null=True)


class AccountLotMemberItem(StoreItem):
    """One account of a lot (``callback_account_lot_members``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_account_lot_members"

    class Meta:
        table_name = "callback_account_lot_members"

    lot_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)


@dataclass(frozen=True)
class StoredAccountLot:
    """A lot as stored: ``secret`` (hex) is None once exported."""

    lot_id: str
    count: int
    tariff: str
    currency: str
    language: str
    balance: Decimal
    id_length: int
    prefix: str
    created_at: datetime
    secret: str | None = field(default=None, repr=False)
    state: str = CREATING
    created: int = 0
    disabled: int = 0
    exported_at: datetime | None = None
    disabled_at: datetime | None = None


def lot_from(item: AccountLotItem) -> StoredAccountLot:
    """The lot an item holds."""
    return StoredAccountLot(
        lot_id=item.lot_id,
        count=item.size,
        tariff=item.tariff,
        currency=item.currency,
        language=item.language,
        balance=item.balance,
        id_length=item.id_length,
        prefix=item.prefix or "",
        created_at=item.created_at,
        secret=item.secret,
        state=item.state,
        created=item.created,
        disabled=item.disabled,
        exported_at=item.exported_at,
        disabled_at=item.disabled_at,
    )


class AccountLotRepository:
    """Lots of callback accounts, their members and their one export."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, lot: StoredAccountLot) -> None:
        """Store a new lot (``creating``, nothing made); ``AlreadyExistsError`` if the id is
        taken. 1 PutItem."""
        decimal_text(lot.balance)
        item = AccountLotItem(
            lot.lot_id,
            size=lot.count,
            tariff=lot.tariff,
            currency=lot.currency,
            language=lot.language,
            balance=lot.balance,
            id_length=lot.id_length,
            prefix=lot.prefix or None,
            state=CREATING,
            created=0,
            disabled=0,
            secret=lot.secret,
            created_at=lot.created_at,
        )
        save_if_absent(item, "account lot", lot.lot_id)

    @translated
    def get(self, lot_id: str) -> StoredAccountLot:
        """The lot; ``NotFoundError`` if absent. 1 consistent GetItem."""
        return lot_from(get_item(AccountLotItem, "account lot", lot_id, consistent=True))

    @translated
    def all(self) -> list[StoredAccountLot]:
        """Every lot, by id: a Scan of the lots table, which holds one small item per lot an
        operator made (never per account). 1 Scan per page."""
        return sorted((lot_from(item) for item in AccountLotItem.scan()), key=lambda x: x.lot_id)

    @translated
    def members(self, lot_id: str) -> list[str]:
        """The ids of the lot's accounts, in order. 1 consistent Query per page."""
        query = AccountLotMemberItem.query(lot_id, consistent_read=True)
        return [item.account_id for item in query]

    @translated
    def create_chunk(
        self,
        lot_id: str,
        chunk: int,
        accounts: list[StoredCallbackAccount],
        replacement: Callable[[], StoredCallbackAccount],
    ) -> list[StoredCallbackAccount] | None:
        """Make the chunk's accounts and mark the chunk made, in one transaction, on condition
        that the lot is ``creating`` and the chunk is not made; an account whose id is taken
        is replaced by ``replacement()`` and the transaction tried again. The accounts made,
        or None if the lot refused (the chunk was made before, or the lot is no longer
        creating: nothing written). Then the lot becomes ``ready`` if every account is made.
        1 TransactWriteItems (+1 per collision) and 1 UpdateItem."""
        if not 0 < len(accounts) <= MAX_CHUNK:
            raise ValueError(f"a chunk makes 1 to {MAX_CHUNK} accounts")
        name = str(chunk)
        lot = AccountLotItem
        marks: list[Action] = [lot.created.add(len(accounts)), lot.chunks.add({name})]
        open_chunk = (lot.state == CREATING) & ~lot.chunks.contains(name)
        for _ in range(TRANSACTION_ATTEMPTS * 4):
            try:
                # pynamodb sends a transaction's puts before its updates, in this order
                with TransactWrite(connection=shared_connection()) as transaction:
                    for account in accounts:
                        transaction.save(
                            account_item(account), condition=if_absent(CallbackAccountItem)
                        )
                        transaction.save(
                            AccountLotMemberItem(lot_id, account.account_id),
                            condition=if_absent(AccountLotMemberItem),
                        )
                    transaction.update(AccountLotItem(lot_id), marks, condition=open_chunk)
            except TransactWriteError as error:
                lost = lost_races(error)
                if lost[-1]:
                    self._ready(lot_id)
                    return None
                taken = lost[0:-1:2]
                accounts = [
                    replacement() if clash else account
                    for account, clash in zip(accounts, taken, strict=True)
                ]
                continue
            self._ready(lot_id)
            return accounts
        raise StaleStateError("account lot", lot_id, "kept meeting other writers")

    @staticmethod
    def _ready(lot_id: str) -> None:
        """The lot becomes ``ready`` if it is creating and every account is made."""
        lot = AccountLotItem
        try:
            AccountLotItem(lot_id).update(
                actions=[lot.state.set(READY)],
                condition=(lot.state == CREATING) & (lot.created == lot.size),
            )
        except PynamoDBException as error:
            if not condition_failed(error):
                raise

    @translated
    def take_secret(self, lot_id: str, secret: str, now: datetime) -> bool:
        """Remove the lot's secret (the export): True if this call removed ``secret``, False
        if the lot is not ``ready`` or its secret is gone (exported before). 1 UpdateItem."""
        lot = AccountLotItem
        try:
            AccountLotItem(lot_id).update(
                actions=[lot.secret.remove(), lot.exported_at.set(now)],
                condition=(lot.state == READY) & (lot.secret == secret),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def mark_disabled(self, lot_id: str, now: datetime) -> bool:
        """The lot becomes ``disabled`` (no chunk makes accounts after it): True if this call
        disabled it, False if it was already. ``NotFoundError`` if absent. 1 UpdateItem
        (+1 GetItem when it was already disabled or is absent)."""
        lot = AccountLotItem
        try:
            AccountLotItem(lot_id).update(
                actions=[lot.state.set(DISABLED), lot.disabled_at.set(now)],
                condition=lot.lot_id.exists() & (lot.state != DISABLED),
            )
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            self.get(lot_id)  # NotFoundError if absent
            return False
        return True

    @translated
    def disable_accounts(self, lot_id: str, chunk: int, account_ids: list[str]) -> int:
        """Disable each account (one conditional UpdateItem each: an account deleted meanwhile
        is skipped), then count them on the lot once per chunk. How many were counted now (0
        for a chunk counted before). 1 UpdateItem per account, +1."""
        account = CallbackAccountItem
        for account_id in account_ids:
            try:
                CallbackAccountItem(account_id).update(
                    actions=[account.enabled.set(False)], condition=account.account_id.exists()
                )
            except PynamoDBException as error:
                if not condition_failed(error):
                    raise
        lot, name = AccountLotItem, str(chunk)
        try:
            AccountLotItem(lot_id).update(
                actions=[lot.disabled.add(len(account_ids)), lot.disabled_chunks.add({name})],
                condition=lot.lot_id.exists() & ~lot.disabled_chunks.contains(name),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return 0
            raise
        return len(account_ids)
