"""The money of prepaid callback accounts, as pure values and rules: the account
(``CallbackAccount``: its PIN, a slow salted hash of its service password, currency, language,
tariff, registered caller numbers, associated number and limits), its wallet (``Wallet``:
balance, the total reserved by calls in progress, how many, and what was committed today), and
the rules of a call's money: what a reservation needs (``refusal``), what settling a cost
charges and releases (``settlement``).

Money is ``Decimal``, never ``float``. A password is kept only as its scrypt hash with the
parameters and salt it was made with, and verified in constant time; no repr shows it. The
store spells these rules as DynamoDB conditions (``store/wallets.py``); this module is where
they are stated and tested. Pure: imports the standard library and ``chalicelib.errors`` only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from chalicelib.errors import ConflictError, ValidationError

PIN_PATTERN = re.compile(r"[0-9]{6,16}")
"""An account id is its PIN, keyed on a phone: 6 to 16 digits (short PINs are guessable)."""
CALLER_PATTERN = re.compile(r"[1-9][0-9]{7,14}")
"""A registered caller number: E.164 digits (country code first, 8 to 15 digits, no ``+``)."""
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
DIGEST_BYTES = 32
_SCHEME = "scrypt"


class ReservationRefusedError(ConflictError):
    """A call's money could not be reserved: the account cannot pay for it now."""

    reason = "refused"


class InsufficientFundsError(ReservationRefusedError):
    """The balance not yet reserved by other calls is below what the call needs."""

    reason = "insufficient_funds"


class TooManyCallsError(ReservationRefusedError):
    """The account already has as many calls in progress as its limit allows."""

    reason = "too_many_calls"


class DailyCapError(ReservationRefusedError):
    """The call would take today's spending over the account's daily cap."""

    reason = "daily_cap"


class AccountDisabledError(ReservationRefusedError):
    """The account is disabled: it pays for nothing."""

    reason = "disabled"


def account_id(text: str) -> str:
    """The account id (PIN) ``text`` spells; ``ValidationError`` unless 6 to 16 digits."""
    if not PIN_PATTERN.fullmatch(text):
        raise ValidationError("an account id (PIN) is 6 to 16 digits")
    return text


def caller_number(text: str) -> str:
    """The E.164 digits of a caller number (a leading ``+`` is dropped); ``ValidationError``
    for anything else (a national or garbled number cannot authenticate anyone)."""
    digits = text[1:] if text.startswith("+") else text
    if not CALLER_PATTERN.fullmatch(digits):
        raise ValidationError(f"{text!r} is not an E.164 number")
    return digits


def money(value: Decimal, what: str = "amount") -> Decimal:
    """``value`` if it is a finite, non-negative ``Decimal``; refuses floats and the rest."""
    if not isinstance(value, Decimal):
        raise ValidationError(f"{what} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise ValidationError(f"{what} must be a non-negative amount, got {value}")
    return value


@dataclass(frozen=True)
class PasswordHash:
    """A service password's scrypt hash, with the parameters and salt it was made with.

    ``encoded()`` is the one text the store keeps (``scrypt$n$r$p$salt$digest``)."""

    n: int
    r: int
    p: int
    salt: bytes = field(repr=False)
    digest: bytes = field(repr=False)

    def verify(self, password: str, longest: int = MAX_PASSWORD_LENGTH) -> bool:
        """Whether ``password`` is the one hashed, compared in constant time (one longer than
        ``longest`` never is)."""
        if not MIN_PASSWORD_LENGTH <= len(password) <= longest:
            return False
        candidate = _scrypt(password, self.salt, self.n, self.r, self.p, len(self.digest))
        return hmac.compare_digest(candidate, self.digest)

    def encoded(self) -> str:
        return "$".join(
            (_SCHEME, str(self.n), str(self.r), str(self.p), self.salt.hex(), self.digest.hex())
        )

    @classmethod
    def parse(cls, text: str) -> PasswordHash:
        """The hash ``encoded()`` wrote; ``ValidationError`` for any other text."""
        parts = text.split("$")
        try:
            scheme, n, r, p, salt, digest = parts
            if scheme != _SCHEME:
                raise ValueError(scheme)
            return cls(int(n), int(r), int(p), bytes.fromhex(salt), bytes.fromhex(digest))
        except ValueError as error:
            raise ValidationError("not a stored password hash") from error


def hash_password(
    password: str, salt: bytes | None = None, *, longest: int = MAX_PASSWORD_LENGTH
) -> PasswordHash:
    """The slow salted hash of a new password of ``MIN_PASSWORD_LENGTH`` to ``longest``
    characters (a fresh random salt unless given)."""
    if not MIN_PASSWORD_LENGTH <= len(password) <= longest:
        raise ValidationError(
            f"a service password has {MIN_PASSWORD_LENGTH} to {longest} characters"
        )
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, DIGEST_BYTES)
    return PasswordHash(SCRYPT_N, SCRYPT_R, SCRYPT_P, salt, digest)


@cache
def decoy_hash() -> PasswordHash:
    """A hash no password is checked against for real: verified when the account is unknown,
    so an unknown account costs the same scrypt work as a wrong password."""
    return hash_password("x" * MIN_PASSWORD_LENGTH)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=length
    )


@dataclass(frozen=True)
class Limits:
    """How much an account may run at once: calls in progress, and money committed per day
    (``None``: no cap)."""

    max_concurrent: int = 1
    daily_cap: Decimal | None = None

    def __post_init__(self) -> None:
        if self.max_concurrent < 1:
            raise ValidationError("an account runs at least one call at a time")
        if self.daily_cap is not None:
            money(self.daily_cap, "daily cap")


@dataclass(frozen=True)
class Wallet:
    """An account's money now: the balance, what calls in progress reserved of it (and how
    many there are), and what was committed on ``day`` (reserved or charged that day)."""

    balance: Decimal
    reserved: Decimal = Decimal(0)
    open_reservations: int = 0
    day: date | None = None
    committed_on_day: Decimal = Decimal(0)

    @property
    def available(self) -> Decimal:
        """What a new call may still reserve: the balance less what is reserved."""
        return self.balance - self.reserved

    def committed_on(self, today: date) -> Decimal:
        """What was committed on ``today`` (nothing if the wallet's day is another)."""
        return self.committed_on_day if self.day == today else Decimal(0)


@dataclass(frozen=True)
class CallbackAccount:
    """A prepaid callback account: its id is the PIN callers key in."""

    account_id: str
    password: PasswordHash
    currency: str
    language: str
    tariff: str
    wallet: Wallet
    callers: tuple[str, ...] = ()
    dnis: str | None = None
    enabled: bool = True
    limits: Limits = Limits()


def refusal(
    account: CallbackAccount, amount: Decimal, today: date
) -> ReservationRefusedError | None:
    """Why a reservation of ``amount`` on ``today`` is refused, or None if it may be made: the
    account is enabled, the balance less what is reserved covers it, fewer calls than the
    limit are in progress, and today's committed money plus it stays within the daily cap."""
    money(amount)
    wallet, limits = account.wallet, account.limits
    if not account.enabled:
        return AccountDisabledError(f"account {account.account_id} is disabled")
    if wallet.available < amount:
        return InsufficientFundsError(f"account {account.account_id} cannot cover {amount}")
    if wallet.open_reservations >= limits.max_concurrent:
        return TooManyCallsError(f"account {account.account_id} has calls in progress")
    cap = limits.daily_cap
    if cap is not None and wallet.committed_on(today) + amount > cap:
        return DailyCapError(f"account {account.account_id} reached its daily cap")
    return None


@dataclass(frozen=True)
class Settlement:
    """What settling a reservation does: charge the cost, release the rest."""

    charged: Decimal
    released: Decimal
    capped: bool
    """The cost was above the reservation and was charged only up to it."""


def settlement(reserved: Decimal, cost: Decimal) -> Settlement:
    """Settle a cost against its reservation. A cost above the reservation is capped at it:
    the reservation paid for the call's maximum duration and the bridge is limited to that
    duration, so a higher cost is a rating error (rounding, a late tariff change), never a
    call the account did not pay for; charging it would overdraw a concurrent call's money."""
    money(reserved, "reservation")
    money(cost, "cost")
    charged = min(cost, reserved)
    return Settlement(charged=charged, released=reserved - charged, capped=cost > reserved)
