"""Prepaid vouchers: the rules of a voucher (its code, lot, value, expiry and why a redemption
is refused) and the ``Vouchers`` service, which generates lots, lists and disables them and
redeems a voucher onto a callback account.

A code is 12 random digits (``secrets``), to be spoken and keyed on a phone keypad; it is shown
grouped ``1234-5678-9012`` and accepted with or without dashes and spaces. A voucher is single
use: it is redeemed once, in one DynamoDB transaction that marks it and credits the account
(``store.vouchers``); a second, concurrent, expired, disabled, unknown or other-currency
redemption is refused with ``VoucherRefusedError(reason)`` and moves nothing. A redemption may
carry an idempotency key (a call's attempt, an SMS's message id): the same input processed again
(a webhook retried after a crash, an SMS delivered twice) finds its own key on the redeemed
voucher and is answered the value credited, not ``used``. A lot is read by a
Query on the table's ``by_lot`` index (no scan).

Owns the voucher rules and the service. Imports ``secrets``, the platform's errors, the account
input rules of ``billing.accounts`` and the store's voucher and wallet repositories; must not
import web, wiring or pynamodb.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from chalicelib import errors
from chalicelib.billing.accounts import CallbackAccountNotFoundError, amount, currency_code
from chalicelib.billing.wallet import account_id as checked_account_id
from chalicelib.store import vouchers as store
from chalicelib.store.wallets import WalletRepository

CODE_DIGITS = 12
MAX_LOT = 1000
"""The most vouchers one ``generate`` makes."""
LOT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
CODE_PATTERN = r"^ ?[0-9]{4}[- ]?[0-9]{4}[- ]?[0-9]{4} ?$"
"""A code as typed: 12 digits, perhaps grouped in fours by dashes or spaces."""
EXPIRY_PATTERN = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
    r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9]))?$"
)
"""An expiry as typed: a date (valid through that day, UTC) or a date and time with its zone.
What the pattern cannot say (the 31st of a short month, a past expiry) is a 422 too."""
STATES = ("new", "redeemed", "disabled")
REASONS = ("unknown", "used", "expired", "disabled", "currency")
_LOT_ID = re.compile(LOT_ID_PATTERN)


class VoucherRefusedError(errors.ConflictError):
    """A redemption was refused for ``reason`` (one of ``REASONS``): nothing moved."""

    def __init__(self, reason: str, code: str = "") -> None:
        shown = f"voucher {format_code(code)}" if len(code) == CODE_DIGITS else "voucher"
        super().__init__(f"{shown} refused: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Voucher:
    """A voucher: ``code`` its 12 digits (``shown`` grouped), single use until ``expires_at``."""

    code: str
    lot_id: str
    value: Decimal
    currency: str
    expires_at: datetime
    state: str = "new"
    redeemed_by: str | None = None
    redeemed_at: datetime | None = None
    redemption_key: str | None = None

    @property
    def shown(self) -> str:
        return format_code(self.code)


def new_code() -> str:
    """12 random digits (a leading zero is kept: the code is text)."""
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def format_code(code: str) -> str:
    """``123456789012`` shown as ``1234-5678-9012``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def parse_code(text: str) -> str:
    """The 12 digits of a code as typed, dashes and spaces dropped; ``ValidationError``
    otherwise."""
    if not isinstance(text, str) or len(text) > 40:
        raise errors.ValidationError("a voucher code is 12 digits")
    digits = text.replace("-", "").replace(" ", "")
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        raise errors.ValidationError("a voucher code is 12 digits (dashes and spaces allowed)")
    return digits


def lot_id(text: str) -> str:
    """A lot id: 1 to 64 letters, digits and ``_.-``, a letter or digit first."""
    if not isinstance(text, str) or not _LOT_ID.fullmatch(text):
        raise errors.ValidationError("a lot id is 1 to 64 letters, digits and _.- (letter first)")
    return text


def lot_size(count: int) -> int:
    """How many vouchers a lot has: 1 to ``MAX_LOT``."""
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_LOT:
        raise errors.ValidationError(f"a lot has 1 to {MAX_LOT} vouchers")
    return count


def expiry(expires_at: datetime, now: datetime) -> datetime:
    """A voucher's expiry: an aware datetime after ``now``."""
    if not isinstance(expires_at, datetime) or expires_at.utcoffset() is None:
        raise errors.ValidationError("expires_at must be a date and time with its time zone")
    if expires_at <= now:
        raise errors.ValidationError("expires_at must be in the future")
    return expires_at


def expiry_of(text: str) -> datetime:
    """An expiry as typed: an ISO 8601 date and time with its zone, or a bare date
    (``2027-12-31``), valid through that day: it expires at the next midnight UTC."""
    if not isinstance(text, str) or len(text) > 40:
        raise errors.ValidationError("expires_at is an ISO 8601 date or date and time")
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(tzinfo=UTC) + timedelta(days=1)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise errors.ValidationError("expires_at is an ISO 8601 date or date and time") from None
    if moment.utcoffset() is None:
        raise errors.ValidationError("expires_at must give its time zone (Z or +01:00)")
    return moment


def refusal(voucher: Voucher | None, currency: str, now: datetime) -> str | None:
    """Why ``voucher`` cannot be redeemed at ``now`` onto an account in ``currency``, or None.
    A redeemed voucher is ``used`` before anything else: it stays used after it expires."""
    if voucher is None:
        return "unknown"
    if voucher.state == "redeemed":
        return "used"
    if voucher.state == "disabled":
        return "disabled"
    if voucher.expires_at <= now:
        return "expired"
    if voucher.currency != currency:
        return "currency"
    return None


def to_voucher(stored: store.StoredVoucher) -> Voucher:
    """The voucher a stored record holds."""
    return Voucher(
        code=stored.code,
        lot_id=stored.lot_id,
        value=stored.value,
        currency=stored.currency,
        expires_at=stored.expires_at,
        state=stored.state,
        redeemed_by=stored.redeemed_by,
        redeemed_at=stored.redeemed_at,
        redemption_key=stored.redemption_key,
    )


def voucher_summary(voucher: Voucher) -> dict[str, object]:
    """What an operator is shown of a voucher (REST and CLI): money as decimal text."""
    return {
        "code": voucher.shown,
        "lot_id": voucher.lot_id,
        "value": format(voucher.value, "f"),
        "currency": voucher.currency,
        "expires_at": voucher.expires_at.isoformat(),
        "state": voucher.state,
        "redeemed_by": voucher.redeemed_by,
        "redeemed_at": None if voucher.redeemed_at is None else voucher.redeemed_at.isoformat(),
    }


def _redeemed_under(voucher: Voucher, account_id: str, key: str | None) -> bool:
    """The voucher was redeemed by this account under this idempotency key (the same input,
    processed again)."""
    return (
        key is not None
        and voucher.state == "redeemed"
        and voucher.redeemed_by == account_id
        and voucher.redemption_key == key
    )


class Vouchers:
    """Voucher lots for operators, and redemption onto callback accounts (web, SMS, voice)."""

    def __init__(
        self,
        repository: store.VoucherRepository,
        wallets: WalletRepository,
        clock: Callable[[], datetime],
        codes: Callable[[], str] = new_code,
    ) -> None:
        self.repository = repository
        self.wallets = wallets
        self.clock = clock
        self.codes = codes

    def generate(
        self, lot: str, count: int, value: Decimal, currency: str, expires_at: datetime
    ) -> list[Voucher]:
        """Make ``count`` (1..``MAX_LOT``) new vouchers of ``value`` in ``currency`` until
        ``expires_at``, each with a code no voucher had; everything is checked first."""
        lot_id(lot)
        lot_size(count)
        credit = amount(value, "value", positive=True)
        currency_code(currency)
        expiry(expires_at, self.clock())
        fresh = [
            store.StoredVoucher(self.codes(), lot, credit, currency, expires_at)
            for _ in range(count)
        ]
        return [to_voucher(v) for v in self.repository.create_all(fresh, self.codes)]

    def get(self, code: str) -> Voucher:
        """The voucher; ``VoucherRefusedError("unknown")`` if none has the code."""
        digits = parse_code(code)
        try:
            return to_voucher(self.repository.get(digits))
        except errors.NotFoundError:
            raise VoucherRefusedError("unknown", digits) from None

    def lot(self, lot: str) -> list[Voucher]:
        """A lot's vouchers, by code (a Query on the ``by_lot`` index)."""
        return [to_voucher(v) for v in self.repository.lot(lot_id(lot))]

    def disable_lot(self, lot: str) -> int:
        """Disable every voucher of the lot still new (redeemed ones stay so); how many were
        disabled now. ``NotFoundError`` for a lot with no voucher."""
        vouchers = self.repository.lot(lot_id(lot))
        if not vouchers:
            raise errors.NotFoundError(f"no voucher lot {lot}")
        return sum(1 for v in vouchers if v.state == "new" and self.repository.disable(v.code))

    def redeem(
        self, code: str, account_id: str, now: datetime | None = None, key: str | None = None
    ) -> Decimal:
        """Redeem the voucher onto the account: the value credited. Under an idempotency
        ``key``, a voucher this account already redeemed under the same key answers its value
        again (nothing moves). Refused with ``VoucherRefusedError`` (``unknown``, ``used``,
        ``expired``, ``disabled``, ``currency``) and ``CallbackAccountNotFoundError``: nothing
        moves. 2 GetItems and 1 TransactWriteItems (+2 GetItems when the transaction loses)."""
        digits = parse_code(code)
        checked_account_id(account_id)
        at = self.clock() if now is None else now
        voucher = self.get(digits)
        if _redeemed_under(voucher, account_id, key):
            return voucher.value
        currency = self._currency(account_id)
        reason = refusal(voucher, currency, at)
        if reason is not None:
            raise VoucherRefusedError(reason, digits)
        try:
            stored = store.StoredVoucher(
                voucher.code, voucher.lot_id, voucher.value, voucher.currency, voucher.expires_at
            )
            self.repository.redeem(stored, account_id, at, key)
        except store.RedemptionLostError:
            again = self.get(digits)
            if _redeemed_under(again, account_id, key):
                return again.value
            why = refusal(again, self._currency(account_id), at)
            raise VoucherRefusedError(why or "used", digits) from None
        return voucher.value

    def _currency(self, account_id: str) -> str:
        try:
            return self.wallets.get(account_id, consistent=True).currency
        except errors.NotFoundError:
            raise CallbackAccountNotFoundError(account_id) from None
