"""Prepaid vouchers in DynamoDB: the ``callback_vouchers`` table's item (``VoucherItem``, hash key
the 12-digit code, with its ``by_lot`` index), its record (``StoredVoucher``) and
``VoucherRepository``.

New codes are written by transactions of up to ``MAX_TRANSACTION_ITEMS`` conditional puts (no
item has the code): a code that is taken is reported back and replaced by the caller's next
code, so a lot never overwrites a voucher. A redemption is one TransactWriteItems of three
conditional writes: the voucher becomes ``redeemed`` on condition that it is ``new``, of the
account's currency and not expired; the account (``store.wallets``' item) is credited
(``balance`` and ``available``) on condition that it exists with that currency; a ledger entry
``voucher#<code>`` is put where none is. A second or concurrent redemption loses a condition and
moves nothing. A redemption may carry its caller's idempotency key (``redemption_key``: a call's
attempt, an SMS's message id), kept on the voucher so that the same input processed again can be
told from another redemption. A lot is read by a Query on ``by_lot`` (lot id, code).

Items and pynamodb exceptions never leave this module. Imports the wallet items of
``store.wallets`` (the account and ledger the redemption writes) and no other aggregate module.
Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.store.attributes import DecimalAttribute, decimal_text
from chalicelib.store.base import (
    MAX_TRANSACTION_ITEMS,
    condition_failed,
    get_item,
    if_absent,
    lost_races,
    translated,
)
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import StaleStateError, StoreError
from chalicelib.store.registry import StoreItem
from chalicelib.store.wallets import (
    TRANSACTION_ATTEMPTS,
    CallbackAccountItem,
    CallbackLedgerItem,
)

NEW = "new"
REDEEMED = "redeemed"
DISABLED = "disabled"
_VOUCHER = "voucher#"


class VouchersByLotIndex(GlobalSecondaryIndex["VoucherItem"]):  # type: ignore[no-untyped-call]
    """A lot's vouchers, sorted by code."""

    class Meta:
        index_name = "by_lot"
        projection = AllProjection()

    lot_id = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)


class VoucherItem(StoreItem):
    """A prepaid voucher (``callback_vouchers``): single use, with a value and an expiry."""

    LOGICAL_NAME: ClassVar[str] = "callback_vouchers"

    class Meta:
        table_name = "callback_vouchers"

    code = UnicodeAttribute(hash_key=True)
    lot_id = UnicodeAttribute()
    value = DecimalAttribute()
    currency = UnicodeAttribute()
    expires_at = UTCDateTimeAttribute()
    state = UnicodeAttribute()
    redeemed_by = UnicodeAttribute(null=True)
    redeemed_at = UTCDateTimeAttribute(null=True)
    redemption_key = UnicodeAttribute(null=True)
    by_lot = VouchersByLotIndex()


@dataclass(frozen=True)
class StoredVoucher:
    """A voucher as stored: ``code`` is its 12 digits, ``state`` ``new``, ``redeemed`` or
    ``disabled``; ``redeemed_by`` / ``redeemed_at`` (and the redemption's idempotency key
    ``redemption_key``, when it had one) are set once redeemed."""

    code: str
    lot_id: str
    value: Decimal
    currency: str
    expires_at: datetime
    state: str = NEW
    redeemed_by: str | None = None
    redeemed_at: datetime | None = None
    redemption_key: str | None = None


class RedemptionLostError(StoreError):
    """A redemption's transaction lost a condition (the voucher is no longer new, expired, of
    another currency, or the account is absent or of another currency): nothing moved. The
    caller reads both back to say why."""

    def __init__(self, code: str) -> None:
        super().__init__(f"voucher {code}: redemption refused")
        self.code = code


def voucher_item(voucher: StoredVoucher) -> VoucherItem:
    """The item of a voucher."""
    decimal_text(voucher.value)
    return VoucherItem(
        voucher.code,
        lot_id=voucher.lot_id,
        value=voucher.value,
        currency=voucher.currency,
        expires_at=voucher.expires_at,
        state=voucher.state,
        redeemed_by=voucher.redeemed_by,
        redeemed_at=voucher.redeemed_at,
        redemption_key=voucher.redemption_key,
    )


def voucher_from(item: VoucherItem) -> StoredVoucher:
    """The voucher an item holds."""
    return StoredVoucher(
        code=item.code,
        lot_id=item.lot_id,
        value=item.value,
        currency=item.currency,
        expires_at=item.expires_at,
        state=item.state,
        redeemed_by=item.redeemed_by,
        redeemed_at=item.redeemed_at,
        redemption_key=item.redemption_key,
    )


class VoucherRepository:
    """Vouchers, their lots and their redemption onto callback accounts."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create_all(
        self, vouchers: Iterable[StoredVoucher], next_code: Callable[[], str]
    ) -> list[StoredVoucher]:
        """Write new vouchers, none over an existing code: each transaction of up to
        ``MAX_TRANSACTION_ITEMS`` conditional puts is retried with ``next_code()`` in place of
        each code that was taken. The vouchers as written, in order. 1 TransactWriteItems per
        100 vouchers (+1 per collision)."""
        pending = list(vouchers)
        written: list[StoredVoucher] = []
        for start in range(0, len(pending), MAX_TRANSACTION_ITEMS):
            written.extend(
                self._create_chunk(pending[start : start + MAX_TRANSACTION_ITEMS], next_code)
            )
        return written

    @staticmethod
    def _create_chunk(
        chunk: list[StoredVoucher], next_code: Callable[[], str]
    ) -> list[StoredVoucher]:
        for _ in range(TRANSACTION_ATTEMPTS * 4):
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    for voucher in chunk:
                        transaction.save(voucher_item(voucher), condition=if_absent(VoucherItem))
                return chunk
            except TransactWriteError as error:
                lost = lost_races(error)
                chunk = [
                    _with_code(voucher, next_code()) if taken else voucher
                    for voucher, taken in zip(chunk, lost, strict=True)
                ]
        raise StaleStateError("voucher lot", chunk[0].lot_id, "kept meeting other writers")

    @translated
    def get(self, code: str, consistent: bool = True) -> StoredVoucher:
        """The voucher; ``NotFoundError`` if absent. 1 GetItem."""
        return voucher_from(get_item(VoucherItem, "voucher", code, consistent=consistent))

    @translated
    def lot(self, lot_id: str) -> list[StoredVoucher]:
        """A lot's vouchers by code (eventually consistent: the index). 1 Query per page."""
        return [voucher_from(item) for item in VoucherItem.by_lot.query(lot_id)]

    @translated
    def disable(self, code: str) -> bool:
        """Disable a voucher that is still new: True if this call disabled it. 1 UpdateItem."""
        item = VoucherItem(code)
        try:
            item.update(
                actions=[VoucherItem.state.set(DISABLED)], condition=VoucherItem.state == NEW
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def redeem(
        self, voucher: StoredVoucher, account_id: str, now: datetime, key: str | None = None
    ) -> None:
        """Mark the voucher redeemed by the account (under the caller's idempotency ``key``,
        when given) and credit its value, with the ledger entry ``voucher#<code>``, in one
        transaction conditional on the voucher being new, unexpired at ``now`` and of the
        account's currency. ``RedemptionLostError`` if a condition lost (nothing moved).
        1 TransactWriteItems (retried if it only met another)."""
        value = voucher.value
        entry = CallbackLedgerItem(account_id, _VOUCHER + voucher.code, amount=value)
        redeemable = (
            (VoucherItem.state == NEW)
            & (VoucherItem.currency == voucher.currency)
            & (VoucherItem.value == value)
            & (VoucherItem.expires_at > now)
        )
        marks: list[Action] = [
            VoucherItem.state.set(REDEEMED),
            VoucherItem.redeemed_by.set(account_id),
            VoucherItem.redeemed_at.set(now),
        ]
        if key is not None:
            marks.append(VoucherItem.redemption_key.set(key))
        account = CallbackAccountItem
        credit: list[Action] = [account.balance.add(value), account.available.add(value)]
        same_currency = account.account_id.exists() & (account.currency == voucher.currency)
        for _ in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.update(VoucherItem(voucher.code), marks, condition=redeemable)
                    transaction.update(
                        CallbackAccountItem(account_id), credit, condition=same_currency
                    )
                    transaction.save(entry, condition=if_absent(CallbackLedgerItem))
                return
            except TransactWriteError as error:
                if any(lost_races(error)):
                    raise RedemptionLostError(voucher.code) from error
        raise StaleStateError("voucher", voucher.code, "kept meeting other writers")


def _with_code(voucher: StoredVoucher, code: str) -> StoredVoucher:
    return StoredVoucher(
        code=code,
        lot_id=voucher.lot_id,
        value=voucher.value,
        currency=voucher.currency,
        expires_at=voucher.expires_at,
        state=voucher.state,
    )
