"""The callback accounts service: prepaid accounts as operators create and manage them and as the
callback engine and its triggers use them (authenticate by PIN and service password, find by a
registered caller number, reserve a call's money, settle or release it).

An account's id is its PIN (6 to 16 digits); its service password is kept only as a slow salted
hash (``billing.wallet.hash_password``), hashed once per create or change and verified in
constant time: a wrong password and an unknown account fail alike (``AuthenticationFailedError``,
after the same scrypt work). Money is ``Decimal`` with at most ``MONEY_DECIMALS`` decimals and
``MONEY_DIGITS`` integer digits, never ``float``. Settings change without touching money; money
moves only by the store's conditional transactions (``top_up``, ``reserve``, ``settle``), each
idempotent per key. The store's refusals become ``billing.wallet``'s typed errors.

Owns the rules of an account's input (currency, language, tariff, amounts, keys) and the mapping
between the store's records and ``billing.wallet``'s values. Imports ``billing.wallet``, the
language table, the platform's errors and the store's wallet repository and records; must not
import web, wiring or pynamodb.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from chalicelib import errors
from chalicelib.billing.tariffs import TARIFF_ID, TariffNotFoundError
from chalicelib.billing.wallet import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    AccountDisabledError,
    CallbackAccount,
    DailyCapError,
    InsufficientFundsError,
    Limits,
    PasswordHash,
    ReservationRefusedError,
    TooManyCallsError,
    Wallet,
    caller_number,
    decoy_hash,
    hash_password,
    settlement,
)
from chalicelib.billing.wallet import (
    account_id as checked_account_id,
)
from chalicelib.flows.languages import is_tts_language, unsupported
from chalicelib.store import wallets as store
from chalicelib.store.wallets import Reservation, SettingsChange, StoredCallbackAccount

MONEY_DECIMALS = 6
MONEY_DIGITS = 9
MAX_CONCURRENT = 1000
"""The most calls one account may run at once (the operator sets a lower limit)."""
AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,8})(\.[0-9]{1,6})?$"
"""A non-negative amount as text: up to 9 digits (no leading zero), a point, up to 6
decimals."""
POSITIVE_AMOUNT_PATTERN = (
    r"^([1-9][0-9]{0,8}(\.[0-9]{1,6})?"
    r"|0\.([1-9][0-9]{0,5}|0[1-9][0-9]{0,4}|00[1-9][0-9]{0,3}|000[1-9][0-9]{0,2}"
    r"|0000[1-9][0-9]?|00000[1-9]))$"
)
"""An amount above zero as text: ``AMOUNT_PATTERN`` without the zeros."""
CURRENCY_PATTERN = r"^[A-Z]{3}$"
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
"""An idempotency key (a voucher, a payment reference): up to 128 characters."""
PIN_PATTERN = r"^[0-9]{6,16}$"
CALLER_PATTERN = r"^\+?[1-9][0-9]{7,14}$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
_CURRENCY = re.compile(CURRENCY_PATTERN)
_KEY = re.compile(KEY_PATTERN)


class AuthenticationFailedError(errors.RingflowError):
    """The account id (PIN) and service password do not match an enabled account. Raised alike
    for an unknown account, a wrong password and a disabled account, so a caller cannot tell
    which: it never learns that a PIN exists."""

    def __init__(self) -> None:
        super().__init__("the account id or the service password is wrong")


class CallbackAccountExistsError(errors.ConflictError):
    """A create named an account id that is taken: nothing changed."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"callback account {account_id} already exists")
        self.account_id = account_id


class CallbackAccountNotFoundError(errors.NotFoundError):
    """No callback account has this id."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"no callback account {account_id}")
        self.account_id = account_id


class CallerTakenError(errors.ConflictError):
    """The caller number is registered for another account: one number authenticates one
    account."""

    def __init__(self, number: str) -> None:
        super().__init__(f"caller {number} is registered for another account")
        self.number = number


class CallerNotRegisteredError(errors.NotFoundError):
    """The caller number is not registered for this account."""

    def __init__(self, account_id: str, number: str) -> None:
        super().__init__(f"caller {number} is not registered for account {account_id}")


class TopUpKeyReusedError(errors.ConflictError):
    """A top-up key was already used for another amount: nothing was credited."""


_REFUSALS: dict[str, type[ReservationRefusedError]] = {
    "disabled": AccountDisabledError,
    "insufficient_funds": InsufficientFundsError,
    "too_many_calls": TooManyCallsError,
    "daily_cap": DailyCapError,
}


def amount(value: Decimal | str, what: str = "amount", *, positive: bool = False) -> Decimal:
    """An amount of money: a ``Decimal`` (or its text), finite, not negative (above zero when
    ``positive``), with at most ``MONEY_DIGITS`` integer digits and ``MONEY_DECIMALS``
    decimals; ``ValidationError`` otherwise (a ``float`` is always refused)."""
    if isinstance(value, str):
        if not _AMOUNT.fullmatch(value):
            raise errors.ValidationError(
                f"{what} {value[:40]!r} is not an amount (digits, a point, up to "
                f"{MONEY_DECIMALS} decimals)"
            )
        value = Decimal(value)
    if isinstance(value, bool) or not isinstance(value, Decimal):
        raise errors.ValidationError(f"{what} must be a Decimal, never {type(value).__name__}")
    try:
        exponent = value.as_tuple().exponent
        fits = (
            value.is_finite()
            and isinstance(exponent, int)
            and -exponent <= MONEY_DECIMALS
            and value < Decimal(10) ** MONEY_DIGITS
        )
    except InvalidOperation:
        fits = False
    if not fits or value < 0:
        raise errors.ValidationError(
            f"{what} must be 0 to {MONEY_DIGITS} digits with up to {MONEY_DECIMALS} decimals"
        )
    if positive and value == 0:
        raise errors.ValidationError(f"{what} must be above zero")
    return value


def currency_code(text: str) -> str:
    """An ISO 4217 currency code: 3 capital letters."""
    if not isinstance(text, str) or not _CURRENCY.fullmatch(text):
        raise errors.ValidationError(f"{str(text)[:20]!r} is not a currency (ISO 4217: EUR)")
    return text


def tts_language(code: str) -> str:
    """A language the carrier speaks prompts in."""
    if not isinstance(code, str) or not is_tts_language(code):
        raise errors.ValidationError(unsupported(code))
    return code


def idempotency_key(text: str) -> str:
    """A top-up's key: 1 to 128 letters, digits and ``_.:-``, a letter or digit first."""
    if not isinstance(text, str) or not _KEY.fullmatch(text):
        raise errors.ValidationError(
            "an idempotency key is 1 to 128 letters, digits and _.:- (a letter or digit first)"
        )
    return text


def password_text(password: str) -> str:
    """A service password that can be hashed: ``MIN`` to ``MAX_PASSWORD_LENGTH`` characters
    of text (the message never repeats it)."""
    if not isinstance(password, str) or not (
        MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH
    ):
        raise errors.ValidationError(
            f"a service password has {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.ValidationError("a service password must be text (UTF-8)") from None
    return password


def limits(max_concurrent: int, daily_cap: Decimal | None) -> Limits:
    """The account's limits, checked: 1 to ``MAX_CONCURRENT`` calls at once, an optional cap."""
    if isinstance(max_concurrent, bool) or not isinstance(max_concurrent, int):
        raise errors.ValidationError("max_concurrent must be a whole number")
    if not 1 <= max_concurrent <= MAX_CONCURRENT:
        raise errors.ValidationError(f"max_concurrent must be 1 to {MAX_CONCURRENT}")
    cap = None if daily_cap is None else amount(daily_cap, "daily_cap")
    return Limits(max_concurrent=max_concurrent, daily_cap=cap)


def to_account(stored: StoredCallbackAccount, today: date) -> CallbackAccount:
    """The domain account a stored record holds, its wallet as of ``today``."""
    wallet = Wallet(
        balance=stored.balance,
        reserved=stored.reserved,
        open_reservations=stored.open_reservations,
        day=today,
        committed_on_day=stored.committed_on(today),
    )
    return CallbackAccount(
        account_id=stored.account_id,
        password=PasswordHash.parse(stored.password_hash),
        currency=stored.currency,
        language=stored.language,
        tariff=stored.tariff,
        wallet=wallet,
        callers=stored.callers,
        dnis=stored.dnis,
        enabled=stored.enabled,
        limits=Limits(max_concurrent=stored.max_concurrent, daily_cap=stored.daily_cap),
    )


def summary(account: CallbackAccount) -> dict[str, object]:
    """What an operator is shown of an account (REST and CLI): settings, money as decimal
    text, callers and limits; never the password or its hash."""
    wallet = account.wallet
    cap = account.limits.daily_cap
    return {
        "account_id": account.account_id,
        "currency": account.currency,
        "language": account.language,
        "tariff": account.tariff,
        "dnis": account.dnis,
        "enabled": account.enabled,
        "balance": format(wallet.balance, "f"),
        "reserved": format(wallet.reserved, "f"),
        "available": format(wallet.available, "f"),
        "calls_in_progress": wallet.open_reservations,
        "committed_today": format(wallet.committed_on_day, "f"),
        "callers": list(account.callers),
        "max_concurrent": account.limits.max_concurrent,
        "daily_cap": None if cap is None else format(cap, "f"),
    }


@dataclass(frozen=True)
class _Keep:
    """The default of a setting an update leaves as it is (None means "remove" for those
    that may be absent)."""


KEEP = _Keep()


class CallbackAccounts:
    """Prepaid callback accounts: created and changed by operators, used by the callback
    engine (``authenticate``, ``find_by_caller``, ``reserve``, ``settle``, ``release``)."""

    def __init__(
        self,
        repository: store.WalletRepository,
        tariff_exists: Callable[[str], bool],
        today: Callable[[], date],
    ) -> None:
        self.repository = repository
        self.tariff_exists = tariff_exists
        self.today = today

    def create(
        self,
        account_id: str,
        password: str,
        *,
        currency: str,
        language: str,
        tariff: str,
        balance: Decimal = Decimal(0),
        dnis: str | None = None,
        enabled: bool = True,
        max_concurrent: int = 1,
        daily_cap: Decimal | None = None,
    ) -> CallbackAccount:
        """Create an account with ``balance`` and no callers; every rule is checked (and the
        password hashed, once) before anything is written. ``CallbackAccountExistsError`` if
        the id is taken, ``TariffNotFoundError`` for an unknown tariff. 1 PutItem (+ the
        tariff's check)."""
        checked_account_id(account_id)
        password_text(password)
        currency_code(currency)
        tts_language(language)
        balance = amount(balance, "balance")
        number = None if dnis is None else caller_number(dnis)
        account_limits = limits(max_concurrent, daily_cap)
        if not isinstance(enabled, bool):
            raise errors.ValidationError("enabled must be true or false")
        self._check_tariff(tariff)
        record = StoredCallbackAccount(
            account_id=account_id,
            password_hash=hash_password(password).encoded(),
            currency=currency,
            language=language,
            tariff=tariff,
            balance=balance,
            enabled=enabled,
            dnis=number,
            max_concurrent=account_limits.max_concurrent,
            daily_cap=account_limits.daily_cap,
        )
        try:
            self.repository.create(record)
        except errors.AlreadyExistsError:
            raise CallbackAccountExistsError(account_id) from None
        return to_account(record, self.today())

    def get(self, account_id: str) -> CallbackAccount:
        """The account as stored now (1 consistent GetItem)."""
        checked_account_id(account_id)
        try:
            stored = self.repository.get(account_id, consistent=True)
        except errors.NotFoundError:
            raise CallbackAccountNotFoundError(account_id) from None
        return to_account(stored, self.today())

    def update(
        self,
        account_id: str,
        *,
        password: str | None = None,
        language: str | None = None,
        tariff: str | None = None,
        dnis: str | _Keep | None = KEEP,
        enabled: bool | None = None,
        max_concurrent: int | None = None,
        daily_cap: Decimal | _Keep | None = KEEP,
    ) -> CallbackAccount:
        """Change the settings given (``dnis=None`` removes the associated number,
        ``daily_cap=None`` the cap); money is never touched. Everything is checked before the
        one conditional UpdateItem; nothing given: the account unchanged."""
        checked_account_id(account_id)
        change = SettingsChange(
            password_hash=None if password is None else _new_hash(password),
            language=None if language is None else tts_language(language),
            tariff=tariff,
            dnis=None if isinstance(dnis, _Keep) or dnis is None else caller_number(dnis),
            remove_dnis=dnis is None,
            enabled=_flag(enabled),
            max_concurrent=(
                None if max_concurrent is None else limits(max_concurrent, None).max_concurrent
            ),
            daily_cap=(
                None
                if isinstance(daily_cap, _Keep) or daily_cap is None
                else amount(daily_cap, "daily_cap")
            ),
            remove_daily_cap=daily_cap is None,
        )
        if tariff is not None:
            self._check_tariff(tariff)
        try:
            # a day's room matters to reservations of that day: today's, and yesterday's for
            # a clock a little behind
            since = self.today() - timedelta(days=1)
            stored = self.repository.update_settings(account_id, change, since)
        except errors.NotFoundError:
            raise CallbackAccountNotFoundError(account_id) from None
        return to_account(stored, self.today())

    def top_up(self, account_id: str, value: Decimal, key: str) -> bool:
        """Credit ``value`` (above zero) once per ``key``: True if credited now, False if the
        key was already credited with the same amount. ``TopUpKeyReusedError`` for a key used
        with another amount. 1 TransactWriteItems (+1 GetItem on a replay)."""
        checked_account_id(account_id)
        credit = amount(value, "top-up", positive=True)
        idempotency_key(key)
        try:
            return self.repository.top_up(account_id, credit, key)
        except store.TopUpKeyReusedError as error:
            raise TopUpKeyReusedError(
                f"top-up key {key} was used for another amount ({error.amount})"
            ) from None
        except errors.NotFoundError:
            raise CallbackAccountNotFoundError(account_id) from None

    def register_caller(self, account_id: str, number: str) -> str:
        """Register a caller number (ANI authentication) for the account; its E.164 digits.
        Idempotent; ``CallerTakenError`` if another account holds it."""
        checked_account_id(account_id)
        digits = caller_number(number)
        try:
            self.repository.register_caller(account_id, digits)
        except errors.AlreadyExistsError:
            raise CallerTakenError(digits) from None
        except errors.NotFoundError:
            raise CallbackAccountNotFoundError(account_id) from None
        return digits

    def unregister_caller(self, account_id: str, number: str) -> str:
        """Unregister a caller number of the account; its E.164 digits.
        ``CallerNotRegisteredError`` if it is not this account's (nothing changes)."""
        checked_account_id(account_id)
        digits = caller_number(number)
        try:
            self.repository.unregister_caller(account_id, digits)
        except errors.NotFoundError as error:
            if getattr(error, "kind", "") == "callback account":
                raise CallbackAccountNotFoundError(account_id) from None
            raise CallerNotRegisteredError(account_id, digits) from None
        return digits

    def authenticate(self, account_id: str, password: str) -> CallbackAccount:
        """The enabled account whose id and service password these are. A malformed id, an
        unknown account, a wrong password and a disabled account all raise the same
        ``AuthenticationFailedError`` after the same scrypt work. 1 GetItem."""
        decoy = decoy_hash()  # made before any read, so no outcome pays for making it
        stored: StoredCallbackAccount | None = None
        if isinstance(account_id, str) and re.fullmatch(PIN_PATTERN, account_id):
            try:
                stored = self.repository.get(account_id, consistent=True)
            except errors.NotFoundError:
                stored = None
        text = password if isinstance(password, str) else ""
        hashed = decoy if stored is None else PasswordHash.parse(stored.password_hash)
        try:
            matches = hashed.verify(text)
        except UnicodeEncodeError:
            matches = False
        if stored is None or not matches or not stored.enabled:
            raise AuthenticationFailedError()
        return to_account(stored, self.today())

    def find_by_caller(self, number: str) -> CallbackAccount | None:
        """The account a caller number is registered for, or None (also for a number that is
        not E.164: it cannot authenticate anyone). 2 GetItems."""
        try:
            digits = caller_number(number)
        except errors.ValidationError:
            return None
        account_id = self.repository.find_by_caller(digits)
        if account_id is None:
            return None
        try:
            return to_account(self.repository.get(account_id, consistent=True), self.today())
        except errors.NotFoundError:
            return None

    def reserve(self, account_id: str, key: str, value: Decimal, today: date) -> Reservation:
        """Reserve ``value`` for the call ``key`` on ``today`` (idempotent per key). Refused
        with ``billing.wallet``'s typed errors: ``AccountDisabledError``,
        ``InsufficientFundsError``, ``TooManyCallsError``, ``DailyCapError`` (nothing moved)."""
        checked_account_id(account_id)
        idempotency_key(key)
        hold = amount(value, "reservation", positive=True)
        try:
            return self.repository.reserve(account_id, key, hold, today)
        except store.ReservationRefusedError as refused:
            kind = _REFUSALS.get(refused.reason, ReservationRefusedError)
            raise kind(f"account {account_id}: {refused.reason.replace('_', ' ')}") from None
        except errors.NotFoundError:
            raise CallbackAccountNotFoundError(account_id) from None

    def settle(self, reservation: Reservation, charge: Decimal) -> bool:
        """Charge ``charge`` (at most the reservation) and release the rest; False if it was
        already settled (a retry): nothing moves."""
        charged = settlement(reservation.amount, amount(charge, "charge")).charged
        return self.repository.settle(reservation, charged)

    def release(self, reservation: Reservation) -> bool:
        """Release a reservation whose call cost nothing; False if already settled."""
        return self.repository.release(reservation)

    def _check_tariff(self, tariff: str) -> None:
        if not isinstance(tariff, str) or not TARIFF_ID.fullmatch(tariff):
            raise errors.ValidationError(f"{str(tariff)[:70]!r} is not a tariff id")
        if not self.tariff_exists(tariff):
            raise TariffNotFoundError(tariff)


def _new_hash(password: str) -> str:
    return hash_password(password_text(password)).encoded()


def _flag(value: bool | None) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise errors.ValidationError("enabled must be true or false")
    return value
