"""What the callback's widgets ask within a call's step (``Query`` kinds, answered by
``callback.resolvers``) and what they start after it (effects, run by ``callback.runners``).

Queries: the balance of an account, whether a keyed PIN names an account, and the preparation of
one dial (rate both legs, reserve the money of the longest talk the balance pays for). Effects:
ask for a callback (an access number was rung), place the callback's first leg (now or after a
delay, a retry of an unanswered one too), settle one dial's money, lock a caller out after too
many wrong PINs. Every effect has its idempotency ``key``. Pure data: imports the standard
library and ``billing`` (bridge) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from chalicelib.billing.bridge import BridgeRates, UserLeg

# -- queries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceQuery:
    """How much the account can still spend (its balance less what calls hold)."""

    account_id: str


@dataclass(frozen=True)
class Balance:
    """The account's spendable money."""

    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PinQuery:
    """Does ``pin`` name an enabled account (keyed by the caller ``caller``)?"""

    pin: str
    caller: str


@dataclass(frozen=True)
class PinAccount:
    """The account a PIN named."""

    account_id: str
    tariff: str
    currency: str
    language: str


@dataclass(frozen=True)
class PinRefused:
    """The PIN names no enabled account (``reason``: malformed, unknown, disabled)."""

    reason: str


@dataclass(frozen=True)
class DialQuery:
    """Rate ``destination`` (and the user's leg, when it is billed) in the account's tariff and
    hold the money of the longest talk its balance pays for, under ``key``."""

    account_id: str
    user_number: str
    destination: str
    key: str
    day: date
    user_leg: UserLeg = UserLeg.ANSWERED
    bill_user_leg: bool = True
    ring_timeout: int = 30
    max_talk: int = 7200
    settle_first: tuple[str, ...] = ()
    """The call's ended dials whose settlement may not have run yet (``SettleDial`` JSON)."""


@dataclass(frozen=True)
class DialReady:
    """The dial may go: its money is held, the talk limited to ``talk_limit`` seconds."""

    amount: Decimal
    talk_limit: int
    rates: BridgeRates
    balance: Decimal
    """The account's spendable money before this dial (spoken on request during the call)."""
    currency: str


@dataclass(frozen=True)
class DialRefused:
    """The dial cannot go: ``reason`` is ``no_rate``, ``insufficient_funds``,
    ``too_many_calls``, ``daily_cap``, ``disabled`` or ``unknown_account``."""

    reason: str


# -- effects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackRequested:
    """An access number was rung by ``caller_id``: decide whom to call back, and when."""

    key: str
    tenant: str
    access_number: str
    caller_id: str
    call_id: str


@dataclass(frozen=True)
class PlaceCallback:
    """Place the callback's first leg to ``user_number`` (attempt ``attempt``), held back
    ``delay_seconds`` by the task queue."""

    key: str
    tenant: str
    flow_id: str
    trigger: str
    access_number: str
    user_number: str
    language: str
    delay_seconds: int
    attempt: int = 1
    account_id: str | None = None
    internal_account: str | None = None
    tariff: str | None = None
    currency: str = "EUR"
    lock_minutes: int = 30
    destination: str | None = None
    """A destination the trigger gave (an SMS's D., a web form's second number)."""
    quiet: bool = False
    """Speak nothing about money (hosted web callbacks)."""
    max_talk: int | None = None
    """The longest talk the trigger allows per dial (seconds)."""


@dataclass(frozen=True)
class SettleDial:
    """Settle one dial's held money: charge ``charge`` of ``amount``, release the rest."""

    key: str
    account_id: str
    reservation: str
    amount: str
    day: str
    charge: str
    answered: bool = False
    """The destination answered: the call goes into the account's history."""
    call_id: str = ""
    user_number: str = ""
    destination: str = ""
    destination_name: str = ""
    seconds: int = 0
    ended_at: str = ""
    currency: str = "EUR"


@dataclass(frozen=True)
class LockCaller:
    """Refuse callbacks to ``number`` for ``minutes`` (too many wrong PINs)."""

    key: str
    number: str
    minutes: int
