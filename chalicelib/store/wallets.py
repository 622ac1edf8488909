"""Prepaid callback accounts' money in DynamoDB: the ``callback_accounts``, ``callback_ledger``
and ``callback_callers`` tables' items, their records (``StoredCallbackAccount``,
``Reservation``) and ``WalletRepository``.

Money moves only by transactions whose every write is conditional: a reservation is created
with the account's counters in one TransactWriteItems (the balance less what is reserved covers
it, fewer calls than the limit are open, the day's room under the cap covers it), a settlement
closes the open reservation and charges in one more, a top-up writes its key's ledger entry with
the credit. A retried reserve, settle or top-up finds its ledger entry and moves nothing. An
account's settings (language, tariff, associated number, enabled, limits, password hash) change
by one conditional UpdateItem that never names a money attribute (a new daily cap moves each
stored day's ``room`` by the difference, on condition that no other writer changed the cap or
added a day meanwhile). A caller number is registered and unregistered with the account's set
of callers in one transaction.
DynamoDB conditions cannot add or subtract, so the account keeps what the rules compare as
attributes of their own: ``available`` (balance less reserved) and, per day, ``room`` (the daily
cap less what was committed that day). The rules themselves are stated in
``billing.wallet``; a product module maps these records to its domain, since the store imports
no product package. Items and pynamodb exceptions never leave this module; each method's
docstring gives its DynamoDB requests. Imports no other aggregate module of the store. Part of
``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import ClassVar

from pynamodb.attributes import Attribute, BooleanAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.constants import MAP
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition, size
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib import errors
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
from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StaleStateError, StoreError
from chalicelib.store.registry import StoreItem

NO_CAP = Decimal("1e20")
"""The daily cap stored for an account without one: above any real spend, and short enough
that the cap less a spend keeps every digit within DynamoDB's 38."""
TRANSACTION_ATTEMPTS = 5
"""Tries of a transaction that met a concurrent one on the same item (no condition lost)."""
_RESERVATION = "reservation#"
_TOP_UP = "topup#"
_OPEN = "open"
_SETTLED = "settled"


class DecimalMapAttribute(Attribute[dict[str, Decimal]]):
    """A map of exact Decimals by free keys (here, days)."""

    attr_type = MAP

    def serialize(self, value: Mapping[str, Decimal]) -> dict[str, dict[str, str]]:
        return {key: {"N": decimal_text(number)} for key, number in value.items()}

    def deserialize(self, value: dict[str, dict[str, str]]) -> dict[str, Decimal]:
        return {key: Decimal(number["N"]) for key, number in value.items()}


class CallbackAccountItem(StoreItem):
    """A prepaid callback account (``callback_accounts``): settings and money counters."""

    LOGICAL_NAME: ClassVar[str] = "callback_accounts"

    class Meta:
        table_name = "callback_accounts"

    account_id = UnicodeAttribute(hash_key=True)
    password_hash = UnicodeAttribute()
    currency = UnicodeAttribute()
    language = UnicodeAttribute()
    tariff = UnicodeAttribute()
    dnis = UnicodeAttribute(null=True)
    enabled = BooleanAttribute()
    callers = UnicodeSetAttribute(null=True)  # E.164 digits; an empty set is absent
    max_concurrent = IntegerAttribute()
    daily_cap = DecimalAttribute()
    balance = DecimalAttribute()
    reserved = DecimalAttribute()
    available = DecimalAttribute()
    open_reservations = IntegerAttribute()
    committed = DecimalMapAttribute()
    room = DecimalMapAttribute()


class CallbackLedgerItem(StoreItem):
    """One money movement of an account (``callback_ledger``), keyed by its idempotency key:
    a call's reservation (open, then settled with its charge) or a top-up."""

    LOGICAL_NAME: ClassVar[str] = "callback_ledger"

    class Meta:
        table_name = "callback_ledger"

    account_id = UnicodeAttribute(hash_key=True)
    entry = UnicodeAttribute(range_key=True)
    amount = DecimalAttribute()
    day = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    charged = DecimalAttribute(null=True)


class CallbackCallerItem(StoreItem):
    """A registered caller number and its account (``callback_callers``): ANI authentication
    is one GetItem."""

    LOGICAL_NAME: ClassVar[str] = "callback_callers"

    class Meta:
        table_name = "callback_callers"

    number = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()


WALLET_MODELS: tuple[type[StoreItem], ...] = (
    CallbackAccountItem,
    CallbackLedgerItem,
    CallbackCallerItem,
)


class ReservationRefusedError(errors.ConflictError, StoreError):
    """A reservation's condition failed: ``reason`` says which rule (``disabled``,
    ``insufficient_funds``, ``too_many_calls``, ``daily_cap``) the account broke."""

    def __init__(self, account_id: str, reason: str) -> None:
        super().__init__(f"callback account {account_id!r}: reservation refused: {reason}")
        self.account_id = account_id
        self.reason = reason


class TopUpKeyReusedError(errors.ConflictError, StoreError):
    """A top-up's key was already used for another amount: nothing is credited."""

    def __init__(self, account_id: str, key: str, amount: Decimal) -> None:
        super().__init__(
            f"callback account {account_id!r}: top-up key {key!r} was used for {amount}"
        )
        self.account_id = account_id
        self.key = key
        self.amount = amount


@dataclass(frozen=True)
class SettingsChange:
    """What an update of an account's settings sets; None leaves a setting as it is, and
    ``remove_dnis`` / ``remove_daily_cap`` take the associated number / the cap away. Holds no
    money: balances move only by reserve, settle and top-up."""

    password_hash: str | None = field(default=None, repr=False)
    language: str | None = None
    tariff: str | None = None
    dnis: str | None = None
    remove_dnis: bool = False
    enabled: bool | None = None
    max_concurrent: int | None = None
    daily_cap: Decimal | None = None
    remove_daily_cap: bool = False

    @property
    def cap_changes(self) -> bool:
        return self.daily_cap is not None or self.remove_daily_cap


@dataclass(frozen=True)
class StoredCallbackAccount:
    """A callback account as stored: ``password_hash`` is ``billing.wallet.PasswordHash``'s
    encoded text; ``daily_cap`` None means no cap; ``committed`` is per day (ISO dates)."""

    account_id: str
    password_hash: str = field(repr=False)
    currency: str
    language: str
    tariff: str
    balance: Decimal
    enabled: bool = True
    dnis: str | None = None
    callers: tuple[str, ...] = ()
    max_concurrent: int = 1
    daily_cap: Decimal | None = None
    reserved: Decimal = Decimal(0)
    open_reservations: int = 0
    committed: Mapping[str, Decimal] = field(default_factory=dict)

    def committed_on(self, day: date) -> Decimal:
        return self.committed.get(day.isoformat(), Decimal(0))


@dataclass(frozen=True)
class Reservation:
    """Money a call holds on its account under ``key`` (its call or leg id) since ``day``;
    ``charged`` is None while it is open, the amount charged once settled."""

    account_id: str
    key: str
    amount: Decimal
    day: date
    charged: Decimal | None = None

    @property
    def settled(self) -> bool:
        return self.charged is not None


def account_item(account: StoredCallbackAccount) -> CallbackAccountItem:
    """The item of a new account: nothing reserved, nothing committed."""
    cap = NO_CAP if account.daily_cap is None else account.daily_cap
    return CallbackAccountItem(
        account.account_id,
        password_hash=account.password_hash,
        currency=account.currency,
        language=account.language,
        tariff=account.tariff,
        dnis=account.dnis,
        enabled=account.enabled,
        max_concurrent=account.max_concurrent,
        daily_cap=cap,
        balance=account.balance,
        reserved=Decimal(0),
        available=account.balance,
        open_reservations=0,
        committed={},
        room={},
    )


def account_from(item: CallbackAccountItem) -> StoredCallbackAccount:
    """The account an item holds."""
    return StoredCallbackAccount(
        account_id=item.account_id,
        password_hash=item.password_hash,
        currency=item.currency,
        language=item.language,
        tariff=item.tariff,
        balance=item.balance,
        enabled=item.enabled,
        dnis=item.dnis,
        callers=tuple(sorted(item.callers or ())),
        max_concurrent=item.max_concurrent,
        daily_cap=None if item.daily_cap == NO_CAP else item.daily_cap,
        reserved=item.reserved,
        open_reservations=item.open_reservations,
        committed=dict(item.committed or {}),
    )


def reservation_from(item: CallbackLedgerItem) -> Reservation:
    """The reservation a ledger entry holds."""
    return Reservation(
        account_id=item.account_id,
        key=item.entry.removeprefix(_RESERVATION),
        amount=item.amount,
        day=date.fromisoformat(item.day or ""),
        charged=item.charged if item.state == _SETTLED else None,
    )


def _number(value: Decimal | int) -> dict[str, str]:
    """A DynamoDB Number for an untyped path (an entry of a map)."""
    return {"N": decimal_text(value)}


def _positive(amount: Decimal, what: str) -> Decimal:
    decimal_text(amount)
    if amount <= 0:
        raise ValueError(f"{what} must be positive, got {amount}")
    return amount


class WalletRepository:
    """Callback accounts, their callers and the money of their calls."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, account: StoredCallbackAccount) -> StoredCallbackAccount:
        """Store a new account with nothing reserved; ``AlreadyExistsError`` if the id is
        taken. Its callers are registered separately (``register_caller``). 1 PutItem."""
        decimal_text(account.balance)
        if account.balance < 0 or account.callers:
            raise ValueError("a new account has a non-negative balance and no callers yet")
        save_if_absent(account_item(account), "callback account", account.account_id)
        return account

    @translated
    def get(self, account_id: str, consistent: bool = False) -> StoredCallbackAccount:
        """The account; ``NotFoundError`` if absent. 1 GetItem."""
        item = get_item(CallbackAccountItem, "callback account", account_id, consistent=consistent)
        return account_from(item)

    @translated
    def get_reservation(self, account_id: str, key: str) -> Reservation:
        """The reservation made under ``key``; ``NotFoundError`` if none. 1 consistent GetItem."""
        item = get_item(
            CallbackLedgerItem, "reservation", account_id, _RESERVATION + key, consistent=True
        )
        return reservation_from(item)

    @translated
    def register_caller(self, account_id: str, number: str) -> None:
        """Register a caller number (E.164 digits) for ANI authentication. Idempotent for the
        same account; ``AlreadyExistsError`` if another account holds it, ``NotFoundError``
        if the account is absent. 1 TransactWriteItems."""
        caller = CallbackCallerItem(number, account_id=account_id)
        mine = CallbackCallerItem.account_id == account_id
        actions: list[Action] = [CallbackAccountItem.callers.add({number})]
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.save(caller, condition=if_absent(CallbackCallerItem, mine))
                    transaction.update(
                        CallbackAccountItem(account_id),
                        actions,
                        condition=CallbackAccountItem.account_id.exists(),
                    )
                return
            except TransactWriteError as error:
                caller_lost, account_lost = lost_races(error)
                if account_lost:
                    raise NotFoundError("callback account", account_id) from error
                if caller_lost:
                    raise AlreadyExistsError("caller", number, "is another account's") from error
                if attempt + 1 == TRANSACTION_ATTEMPTS:
                    raise StaleStateError("callback account", account_id) from error

    @translated
    def unregister_caller(self, account_id: str, number: str) -> None:
        """Unregister a caller number of the account: its caller item is deleted (on condition
        that it is this account's) and the number removed from the account's set, in one
        transaction. ``NotFoundError`` if the account is absent or the number is not
        registered for it (nothing changes). 1 TransactWriteItems."""
        mine = CallbackCallerItem.account_id == account_id
        actions: list[Action] = [CallbackAccountItem.callers.delete({number})]
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.delete(CallbackCallerItem(number), condition=mine)
                    transaction.update(
                        CallbackAccountItem(account_id),
                        actions,
                        condition=CallbackAccountItem.account_id.exists(),
                    )
                return
            except TransactWriteError as error:
                caller_lost, account_lost = lost_races(error)
                if account_lost:
                    raise NotFoundError("callback account", account_id) from error
                if caller_lost:
                    raise NotFoundError("caller of this account", number) from error
                if attempt + 1 == TRANSACTION_ATTEMPTS:
                    raise StaleStateError("callback account", account_id) from error

    @translated
    def update_settings(
        self, account_id: str, change: SettingsChange, since: date | None = None
    ) -> StoredCallbackAccount:
        """Change the account's settings by one conditional UpdateItem that names no money
        attribute; the account as it now is. A new daily cap moves the room under the cap of
        each stored day from ``since`` on (every day when None; an earlier day's room is used
        by no new reservation) by the difference: read first, then written on condition that
        the cap and the number of days are still those read (retried if another writer came
        between), so the update stays small however many days the account has.
        ``NotFoundError`` if the account is absent. 1 UpdateItem; +1 consistent GetItem per
        try when the cap changes."""
        account = CallbackAccountItem
        actions: list[Action] = []
        if change.password_hash is not None:
            actions.append(account.password_hash.set(change.password_hash))
        if change.language is not None:
            actions.append(account.language.set(change.language))
        if change.tariff is not None:
            actions.append(account.tariff.set(change.tariff))
        if change.remove_dnis:
            actions.append(account.dnis.remove())
        elif change.dnis is not None:
            actions.append(account.dnis.set(change.dnis))
        if change.enabled is not None:
            actions.append(account.enabled.set(change.enabled))
        if change.max_concurrent is not None:
            if change.max_concurrent < 1:
                raise ValueError("an account runs at least one call at a time")
            actions.append(account.max_concurrent.set(change.max_concurrent))
        if not change.cap_changes:
            if not actions:
                return self.get(account_id, consistent=True)
            item = CallbackAccountItem(account_id)
            self._update(item, actions, account.account_id.exists())
            return account_from(item)
        new_cap = NO_CAP if change.daily_cap is None else change.daily_cap
        decimal_text(new_cap)
        if new_cap < 0:
            raise ValueError(f"a daily cap must not be negative, got {new_cap}")
        for _ in range(TRANSACTION_ATTEMPTS):
            stored = get_item(CallbackAccountItem, "callback account", account_id, consistent=True)
            old_cap: Decimal = stored.daily_cap
            days = sorted((stored.room or {}).keys())
            delta = new_cap - old_cap
            moves: list[Action] = [account.daily_cap.set(new_cap)]
            first = "" if since is None else since.isoformat()
            for day in days:
                if day < first:
                    continue
                room = Path(["room", day])
                moves.append(room.set(room + _number(delta)))
            same_days = size(account.room) == len(days)  # type: ignore[no-untyped-call]
            if not days:
                same_days = account.room.does_not_exist() | same_days
            condition = account.account_id.exists() & (account.daily_cap == old_cap) & same_days
            item = CallbackAccountItem(account_id)
            try:
                self._update(item, actions + moves, condition)
            except StaleStateError:
                continue  # the account changed between the read and the write: read again
            return account_from(item)
        raise StaleStateError("callback account", account_id, "kept meeting other writers")

    @staticmethod
    def _update(item: CallbackAccountItem, actions: list[Action], condition: Condition) -> None:
        """One UpdateItem refreshing ``item`` from its new image; ``NotFoundError`` if the
        account is absent, ``StaleStateError`` if it is there but the condition lost."""
        try:
            item.update(actions=actions, condition=condition)
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            try:
                CallbackAccountItem.get(item.account_id, consistent_read=True)
            except DoesNotExist:
                raise NotFoundError("callback account", item.account_id) from error
            raise StaleStateError("callback account", item.account_id) from error

    @translated
    def find_by_caller(self, number: str) -> str | None:
        """The id of the account ``number`` is registered for, or None. 1 GetItem."""
        try:
            return str(CallbackCallerItem.get(number).account_id)
        except DoesNotExist:
            return None

    @translated
    def reserve(self, account_id: str, key: str, amount: Decimal, today: date) -> Reservation:
        """Reserve ``amount`` for the call ``key`` on ``today``: the reservation is created
        and the account's counters moved in one transaction, on condition that the account is
        enabled, its available money covers the amount, fewer calls than its limit are open
        and today's room under its cap covers it. A retry with the same key returns the
        reservation already made and moves nothing. Refused: ``ReservationRefusedError``
        (nothing changed), ``NotFoundError`` if the account is absent.
        1 TransactWriteItems; +1 GetItem when the key was already used or the account refused.
        """
        amount = _positive(amount, "a reservation")
        day = today.isoformat()
        entry = CallbackLedgerItem(
            account_id, _RESERVATION + key, amount=amount, day=day, state=_OPEN
        )
        account = CallbackAccountItem
        room, committed = Path(["room", day]), Path(["committed", day])
        actions: list[Action] = [
            account.available.add(-amount),
            account.reserved.add(amount),
            account.open_reservations.add(1),
            committed.set((committed | _number(0)) + _number(amount)),
            room.set((room | Path(["daily_cap"])) - _number(amount)),
        ]
        fresh_day = room.does_not_exist() & (account.daily_cap >= amount)
        condition = (
            account.account_id.exists()
            & (account.enabled == True)  # noqa: E712 - a DynamoDB condition, not a comparison
            & (account.available >= amount)
            & (account.open_reservations < account.max_concurrent)
            & (fresh_day | (room >= _number(amount)))
        )
        lost = self._transact(
            account_id, entry, CallbackAccountItem(account_id), actions, condition
        )
        if lost is None:
            return reservation_from(entry)
        if lost[0]:  # the key was used: a retry
            return self.get_reservation(account_id, key)
        raise self._refusal(account_id, amount, today)

    @translated
    def settle(self, reservation: Reservation, charge: Decimal) -> bool:
        """Close an open reservation: charge ``charge`` (at most its amount: see
        ``billing.wallet.settlement``) and release the rest, in one transaction conditional
        on the reservation still being open. True if this call settled it; False if it was
        already settled (a retried or duplicated event) or never made: nothing moves.
        1 TransactWriteItems."""
        decimal_text(charge)
        if not 0 <= charge <= reservation.amount:
            raise ValueError(
                f"a charge of {charge} does not fit a reservation of {reservation.amount}"
            )
        released = reservation.amount - charge
        day = reservation.day.isoformat()
        ledger = CallbackLedgerItem
        entry = ledger(reservation.account_id, _RESERVATION + reservation.key)
        entry_actions: list[Action] = [ledger.state.set(_SETTLED), ledger.charged.set(charge)]
        is_open = (ledger.state == _OPEN) & (ledger.amount == reservation.amount)
        account = CallbackAccountItem
        room, committed = Path(["room", day]), Path(["committed", day])
        actions: list[Action] = [
            account.balance.add(-charge),
            account.reserved.add(-reservation.amount),
            account.available.add(released),
            account.open_reservations.add(-1),
            room.set(room + _number(released)),
            committed.set(committed - _number(released)),
        ]
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.update(entry, entry_actions, condition=is_open)
                    transaction.update(
                        CallbackAccountItem(reservation.account_id),
                        actions,
                        condition=account.account_id.exists(),
                    )
                return True
            except TransactWriteError as error:
                if any(lost_races(error)):
                    return False
                if attempt + 1 == TRANSACTION_ATTEMPTS:
                    raise StaleStateError("callback account", reservation.account_id) from error
        return False

    def release(self, reservation: Reservation) -> bool:
        """Release a reservation whose call cost nothing (it never connected): a settle of
        zero. 1 TransactWriteItems."""
        return self.settle(reservation, Decimal(0))

    @translated
    def top_up(self, account_id: str, amount: Decimal, key: str) -> bool:
        """Credit ``amount`` once per ``key`` (a voucher, a payment): the ledger entry and the
        credit in one transaction. True if this call credited it, False for a retry of the
        key with the same amount; ``TopUpKeyReusedError`` if the key was used for another
        amount, ``NotFoundError`` if the account is absent (nothing moves either way).
        1 TransactWriteItems; +1 consistent GetItem for a retry."""
        amount = _positive(amount, "a top-up")
        entry = CallbackLedgerItem(account_id, _TOP_UP + key, amount=amount)
        account = CallbackAccountItem
        actions: list[Action] = [account.balance.add(amount), account.available.add(amount)]
        exists = account.account_id.exists()
        lost = self._transact(account_id, entry, CallbackAccountItem(account_id), actions, exists)
        if lost is None:
            return True
        if lost[0]:  # the key was used: a retry, unless for another amount
            used = get_item(CallbackLedgerItem, "top-up", account_id, entry.entry, consistent=True)
            if used.amount != amount:
                raise TopUpKeyReusedError(account_id, key, used.amount)
            return False
        raise NotFoundError("callback account", account_id)

    @staticmethod
    def _transact(
        account_id: str,
        entry: CallbackLedgerItem,
        account: CallbackAccountItem,
        actions: list[Action],
        condition: Condition,
    ) -> tuple[bool, bool] | None:
        """Put a new ledger entry and update its account in one transaction: None if done,
        else which of the two conditions lost. Retries a transaction that only met another."""
        for _ in range(TRANSACTION_ATTEMPTS):
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    transaction.save(entry, condition=if_absent(CallbackLedgerItem))
                    transaction.update(account, actions, condition=condition)
                return None
            except TransactWriteError as error:
                entry_lost, account_lost = lost_races(error)
                if entry_lost or account_lost:
                    return entry_lost, account_lost
        raise StaleStateError("callback account", account_id, "kept meeting other writers")

    def _refusal(self, account_id: str, amount: Decimal, today: date) -> errors.RingflowError:
        """Why the account refused a reservation, read back (1 consistent GetItem)."""
        account = self.get(account_id, consistent=True)
        if not account.enabled:
            return ReservationRefusedError(account_id, "disabled")
        if account.balance - account.reserved < amount:
            return ReservationRefusedError(account_id, "insufficient_funds")
        if account.open_reservations >= account.max_concurrent:
            return ReservationRefusedError(account_id, "too_many_calls")
        return ReservationRefusedError(account_id, "daily_cap")
