"""The callback's imperative side: it answers its widgets' queries within a step (the balance, a
PIN, the rating and money of a dial) and runs its effects (whom a rung access number calls back,
placing the first leg, settling a dial, locking a caller out).

A rung access number is decided by its kind: ANI calls back the caller id, translated to E.164
by the access number's rules and registered to an account; DNIS calls back the associated
number of the access number's account; PIN calls back the caller id on the access number's
internal account (its restricted tariff must rate the caller's number), and the PIN keyed
later names the paying account. A caller id that is withheld, garbled or untranslatable, an
unknown caller, a locked one, a disabled account: nobody is called, and the refusal is logged
and counted by reason. Imports the billing and callback modules, the store's wallet
accounts (``billing.accounts``; the store's ``Reservation`` record they return), the store's
call history of callback accounts and the outbound calls of ``calls``; never pynamodb or Vonage
modules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Callable, Mapping

from chalicelib.billing.accounts import CallbackAccounts
from chalicelib.billing.bridge import BridgeRates, max_talk
from chalicelib.billing.service import TariffService
from chalicelib.billing.tariffs import PRICE_PLACES
from chalicelib.billing.wallet import CallbackAccount, ReservationRefusedError
from chalicelib.callback import catalogue
from chalicelib.callback.access import translate
from chalicelib.callback.access_service import AccessNumberService
from chalicelib.callback.model import CallbackCall, Trigger
from chalicelib.callback.queries import (
    Balance,
    BalanceQuery,
    CallbackRequested,
    DialQuery,
    DialReady,
    DialRefused,
    LockCaller,
    PinAccount,
    PinQuery,
    PinRefused,
    PlaceCallback,
    SettleDial,
)
from chalicelib.calls.outbound import OutboundCalls
from chalicelib.calls.tasks import encode_task
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.store.callback_history import CallbackHistoryRepository, HistoryRow
from chalicelib.store.wallets import Reservation

PIN_DIGITS = range(6, 17)
DEFAULT_LANGUAGE = "en-US"


class Refused(Exception):
    """Nobody is called back; ``reason`` says why (counted by it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def spoken_language(*codes: str | None) -> str:
    """The last of ``codes`` the catalogue speaks (later ones override earlier ones)."""
    chosen = DEFAULT_LANGUAGE
    for code in codes:
        if code and catalogue.has_language(code):
            chosen = catalogue.prompts(code).code
    return chosen


@dataclass
class CallbackService:
    """The callback's resolvers and runners, on the wallets, tariffs and access numbers."""

    accounts: CallbackAccounts
    tariffs: TariffService
    access: AccessNumberService
    outbound: Callable[[], OutboundCalls]
    enqueue: Callable[[str, int], None]
    clock: Callable[[], datetime]
    history: CallbackHistoryRepository | None = None

    # -- queries (within a step) ----------------------------------------------------------
    def balance(self, query: BalanceQuery) -> Balance:
        """The account's spendable money: 1 consistent GetItem."""
        account = self.accounts.get(query.account_id)
        return Balance(account.wallet.available, account.currency)

    def pin(self, query: PinQuery) -> PinAccount | PinRefused:
        """The enabled account a keyed PIN names: 1 GetItem."""
        if not query.pin.isdigit() or len(query.pin) not in PIN_DIGITS:
            return PinRefused("malformed")
        try:
            account = self.accounts.get(query.pin)
        except (NotFoundError, ValidationError):
            return PinRefused("unknown")
        if not account.enabled:
            return PinRefused("disabled")
        spoken = account.language if catalogue.has_language(account.language) else ""
        return PinAccount(account.account_id, account.tariff, account.currency, spoken)

    def dial(self, query: DialQuery) -> DialReady | DialRefused:
        """Rate the destination (and the user's leg) and hold the money of the longest talk the
        balance pays for: 1 GetItem (the account), 1 BatchGetItem (both legs' rates, with the
        tariff's head cached), 1 TransactWriteItems (the reservation); a reservation that lost
        to a concurrent one is worked out again once from a fresh read. The call's ended dials
        are settled first (1 TransactWriteItems each, nothing moved if their task ran)."""
        for text in query.settle_first:
            self.settle(SettleDial(**json.loads(text)), query.account_id)
        for attempt in (1, 2):
            try:
                account = self.accounts.get(query.account_id)
            except NotFoundError:
                return DialRefused("unknown_account")
            if not account.enabled:
                return DialRefused("disabled")
            numbers = [query.destination]
            if query.bill_user_leg:
                numbers.append(query.user_number)
            rates = self.tariffs.rate_each(account.tariff, numbers)
            destination = rates[query.destination]
            if destination is None:
                return DialRefused("no_rate")
            user = rates.get(query.user_number) if query.bill_user_leg else None
            priced = BridgeRates(destination, user, query.user_leg, query.ring_timeout)
            available = account.wallet.available
            talk = max_talk(priced, available, query.max_talk)
            if talk == 0:
                return DialRefused("insufficient_funds")
            # a free call still holds the smallest amount: its place among the account's calls
            hold = max(priced.reservation(talk), PRICE_PLACES)
            try:
                held = self.accounts.reserve(query.account_id, query.key, hold, query.day)
            except ReservationRefusedError as refusal:
                if refusal.reason == "insufficient_funds" and attempt == 1:
                    continue
                return DialRefused(refusal.reason)
            return DialReady(held.amount, talk, priced, available, account.currency)
        return DialRefused("insufficient_funds")

    # -- effects (after a step) -----------------------------------------------------------
    def requested(self, effect: CallbackRequested, account_id: str) -> Mapping[str, Any]:
        """An access number was rung: decide whom to call back, then queue the first leg."""
        try:
            placing = self._decide(effect)
        except Refused as refused:
            count(MetricName.CALLBACK_REFUSALS, reason=refused.reason)
            logger.warning(
                "callback refused",
                extra={"access_number": effect.access_number, "reason": refused.reason},
            )
            return {"callback": "refused", "reason": refused.reason}
        self.enqueue(encode_task(placing, effect.tenant), placing.delay_seconds)
        return {"callback": "queued", "to": placing.user_number, "delay": placing.delay_seconds}

    def _decide(self, effect: CallbackRequested) -> PlaceCallback:
        access = self.access.find(effect.access_number)
        if access is None or not access.enabled:
            raise Refused("no_access_number")
        account: CallbackAccount | None = None
        internal: CallbackAccount | None = None
        if access.kind == Trigger.DNIS:
            account = self._account(access.account_id)
            if not account.dnis:
                raise Refused("no_associated_number")
            user = account.dnis
        else:
            translation = translate(access, effect.caller_id)
            if translation.number is None:
                reason = translation.reason.value if translation.reason else "untranslatable"
                raise Refused(reason)
            user = translation.number
            if access.kind == Trigger.ANI:
                account = self.accounts.find_by_caller(user)
                if account is None:
                    raise Refused("unknown_caller")
                if not account.enabled:
                    raise Refused("account_disabled")
            else:
                locked = self.access.locked_until(user)
                if locked is not None and locked > self.clock():
                    raise Refused("locked")
                internal = self._account(access.internal_account)
                if self.tariffs.rate_each(internal.tariff, [user])[user] is None:
                    raise Refused("no_rate")
        payer = account or internal
        assert payer is not None
        return PlaceCallback(
            key=f"callback:{effect.call_id}:attempt:1",
            tenant=effect.tenant,
            flow_id=access.flow_id,
            trigger=access.kind,
            access_number=access.number,
            user_number=user,
            language=spoken_language(access.language, account.language if account else None),
            delay_seconds=access.delay_seconds,
            account_id=account.account_id if account else None,
            internal_account=internal.account_id if internal else None,
            tariff=payer.tariff,
            currency=payer.currency,
            lock_minutes=access.lock_minutes,
        )

    def _account(self, account_id: str | None) -> CallbackAccount:
        if not account_id:
            raise Refused("no_account")
        try:
            account = self.accounts.get(account_id)
        except NotFoundError:
            raise Refused("unknown_account") from None
        if not account.enabled:
            raise Refused("account_disabled")
        return account

    def place(self, effect: PlaceCallback, account_id: str) -> Mapping[str, Any]:
        """Place the callback's first leg from the access number, carrying the callback."""
        data = CallbackCall(
            trigger=effect.trigger,
            access_number=effect.access_number,
            user_number=effect.user_number,
            account_id=effect.account_id,
            tariff=effect.tariff,
            currency=effect.currency,
            internal_account=effect.internal_account,
            lock_minutes=effect.lock_minutes,
            attempt=effect.attempt,
            destination=effect.destination,
            quiet=effect.quiet,
            max_talk=effect.max_talk,
        )
        try:
            started = self.outbound().place_for_product(
                effect.tenant,
                effect.flow_id,
                effect.user_number,
                effect.access_number,
                (data,),
                language=effect.language,
            )
        except (NotFoundError, ConflictError, ValidationError) as error:
            # a rule of the platform refused it (the flow's listener is off, the access number
            # is no longer the tenant's): retrying cannot help; say so, do not retry
            count(MetricName.CALLBACK_REFUSALS, reason="not_placed")
            logger.warning(
                "callback not placed",
                extra={"access_number": effect.access_number, "error": str(error)},
            )
            return {"callback": "not_placed", "error": str(error)}
        return {"callback": "placed", "call_id": started.call_id, "attempt": effect.attempt}

    def settle(self, effect: SettleDial, account_id: str) -> Mapping[str, Any]:
        """Charge a dial's cost and release the rest of its money (once: a settled
        reservation moves nothing)."""
        held = Reservation(
            effect.account_id,
            effect.reservation,
            Decimal(effect.amount),
            date.fromisoformat(effect.day),
        )
        settled = self.accounts.settle(held, Decimal(effect.charge))
        if effect.answered and self.history is not None:
            self.history.add(
                HistoryRow(
                    account_id=effect.account_id,
                    key=effect.reservation,
                    ended_at=datetime.fromisoformat(effect.ended_at),
                    call_id=effect.call_id,
                    user_number=effect.user_number,
                    destination=effect.destination,
                    destination_name=effect.destination_name,
                    seconds=effect.seconds,
                    charge=Decimal(effect.charge),
                    currency=effect.currency,
                )
            )
        return {"settled": effect.reservation, "charge": effect.charge, "moved": settled}

    def lock(self, effect: LockCaller, account_id: str) -> Mapping[str, Any]:
        """Refuse callbacks to a caller for a while (too many wrong PINs)."""
        until = self.clock() + timedelta(minutes=effect.minutes)
        self.access.lockouts.lock(effect.number, until)
        count(MetricName.CALLBACK_REFUSALS, reason="pin_lockout")
        return {"locked": effect.number, "until": until.isoformat()}
