"""Card payments through Stripe: a top-up of a callback account, or the purchase of a new one, is
a Stripe Checkout Session made with Stripe's official library (``stripe.StripeClient``, its API
base configurable: Stripe itself in production, a loopback stand-in locally and in tests), and
is paid for when Stripe's signed ``checkout.session.completed`` webhook (or
``checkout.session.async_payment_succeeded``) says ``paid``. The webhook is verified with the
library (``stripe.Webhook.construct_event``, its default 300 s tolerance): a bad or stale
signature is ``PaymentSignatureError`` and changes nothing.

Money moves once per checkout session: a top-up is the accounts' idempotent ``top_up`` keyed
``stripe:<session id>``, so a replayed or concurrent duplicate webhook credits nothing more; a
purchase makes its account in one transaction with the session's purchase record
(``store.card_purchases``). The session's metadata names what was bought (``purpose``,
``account_id`` or ``tariff`` and ``language``, ``amount`` and ``currency``), and the paid session
must match it: its currency, its total in the currency's minor units, and for a top-up the
account's currency; a mismatch (or an unknown account, a tariff gone) is
``PaymentMismatchError(reason)``, logged, and nothing moves. The new account's password is never
stored: it is derived from the session id under the platform's key (as a lot's are, see
``billing.account_lots``), and shown once, when the buyer claims it
(docs/decisions/0025).

Owns the checkout and webhook rules and ``CardPayments``. Imports ``stripe`` lazily (on the
first checkout or webhook, not on a Lambda cold start), the platform's errors, the billing
account rules and the store's purchase repository; must not import web, wiring or pynamodb.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalicelib import errors
from chalicelib.billing.account_lots import derived_password, new_account_id
from chalicelib.billing.accounts import (
    CallbackAccountNotFoundError,
    CallbackAccounts,
    amount,
    currency_code,
    tts_language,
)
from chalicelib.billing.tariffs import TARIFF_ID, TariffNotFoundError
from chalicelib.billing.wallet import account_id as checked_account_id
from chalicelib.billing.wallet import hash_password
from chalicelib.ops.observability import logger
from chalicelib.store import card_purchases as store
from chalicelib.store.wallets import StoredCallbackAccount

PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
TOP_UP = "top_up"
NEW_ACCOUNT = "new_account"
SESSION_ID_PATTERN = r"^cs_[A-Za-z0-9_]{1,250}$"
NEW_ACCOUNT_ID_LENGTH = 10
MAX_MINOR_UNITS = 99_999_999
"""The largest amount Stripe takes in one payment, in minor units."""
ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905
)
"""Stripe's zero-decimal currencies: their amounts are sent in whole units."""
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])
KEY_PREFIX = "stripe:"
_SESSION_ID = re.compile(SESSION_ID_PATTERN)
_ID_ATTEMPTS = 8


class PaymentSignatureError(errors.ValidationError):
    """A webhook whose ``Stripe-Signature`` does not verify (wrong, missing, or older than the
    tolerance): nothing changed."""


class PaymentMismatchError(errors.ValidationError):
    """A paid session that does not match what it says was bought (``reason``: ``currency``,
    ``amount``, ``unknown_account``, ``tariff``, ``metadata``): nothing moved."""

    def __init__(self, session_id: str, reason: str) -> None:
        super().__init__(f"checkout session {session_id[:80]}: refused: {reason}")
        self.reason = reason


class CredentialsShownError(errors.ConflictError):
    """The new account's password was shown before: it is not shown again."""

    def __init__(self, account_id: str) -> None:
        super().__init__(f"the password of account {account_id} was shown already")
        self.account_id = account_id


class PurchasePendingError(errors.NotFoundError):
    """No account was made for this checkout session (yet: the payment is not confirmed)."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"no account for checkout session {session_id[:80]} (yet)")


@dataclass(frozen=True)
class Checkout:
    """A checkout session: where to send the payer, and what it is for."""

    session_id: str
    url: str
    amount: Decimal
    currency: str
    purpose: str
    account_id: str | None = None


@dataclass(frozen=True)
class WebhookOutcome:
    """What a webhook did: ``action`` is ``ignored``, ``credited``, ``replayed`` (the session
    was credited or made its account before) or ``created``."""

    action: str
    session_id: str | None = None
    account_id: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Credentials:
    """A purchased account's id and (this once) its password."""

    account_id: str
    password: str
    currency: str
    balance: Decimal


def minor_units(value: Decimal, currency: str) -> int:
    """``value`` in the currency's smallest unit, as Stripe takes it; ``ValidationError`` for
    an amount with more decimals than the currency has, or above Stripe's limit."""
    digits = 0 if currency in ZERO_DECIMAL else 3 if currency in THREE_DECIMAL else 2
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise errors.ValidationError(f"an amount in {currency} has at most {digits} decimals")
    units = int(scaled)
    if not 0 < units <= MAX_MINOR_UNITS:
        raise errors.ValidationError(
            f"a card payment is above 0 and at most {MAX_MINOR_UNITS} units"
        )
    return units


def session_id(text: str) -> str:
    """A checkout session id (``cs_...``)."""
    if not isinstance(text, str) or not _SESSION_ID.fullmatch(text):
        raise errors.ValidationError("a checkout session id is cs_ and letters, digits or _")
    return text


class CardPayments:
    """Checkouts by card for callback accounts, and Stripe's webhooks that pay for them."""

    def __init__(
        self,
        accounts: CallbackAccounts,
        purchases: store.CardPurchaseRepository,
        client: Callable[[], Any],
        webhook_secret: str,
        key: bytes,
        public_base_url: str,
        clock: Callable[[], datetime],
        ids: Callable[[int, str], str] = new_account_id,
    ) -> None:
        self.accounts = accounts
        self.purchases = purchases
        self.client = client
        self.webhook_secret = webhook_secret
        self.key = key
        self.public_base_url = public_base_url
        self.clock = clock
        self.ids = ids

    # -- checkouts ------------------------------------------------------------------------
    def top_up_checkout(
        self,
        account_id: str,
        value: Decimal,
        *,
        success_url: str | None = None,
        cancel_url: str | None = None,
    ) -> Checkout:
        """A checkout that credits ``value`` (in the account's currency) to the account once it
        is paid. ``CallbackAccountNotFoundError`` for an unknown account. 1 GetItem and one
        request to Stripe."""
        checked_account_id(account_id)
        credit = amount(value, "amount", positive=True)
        currency = self.accounts.get(account_id).currency
        units = minor_units(credit, currency)
        metadata = {
            "purpose": TOP_UP,
            "account_id": account_id,
            "amount": format(credit, "f"),
            "currency": currency,
        }
        name = f"Top-up of callback account {account_id}"
        made = self._create(name, units, currency, metadata, success_url, cancel_url, account_id)
        return Checkout(made["id"], made["url"], credit, currency, TOP_UP, account_id)

    def purchase_checkout(
        self,
        *,
        tariff: str,
        currency: str,
        language: str,
        value: Decimal,
        success_url: str | None = None,
        cancel_url: str | None = None,
    ) -> Checkout:
        """A checkout that makes a new callback account with ``value`` as its opening balance
        once it is paid. One request to Stripe."""
        currency_code(currency)
        tts_language(language)
        credit = amount(value, "amount", positive=True)
        if not isinstance(tariff, str) or not TARIFF_ID.fullmatch(tariff):
            raise errors.ValidationError(f"{str(tariff)[:70]!r} is not a tariff id")
        if not self.accounts.tariff_exists(tariff):
            raise TariffNotFoundError(tariff)
        units = minor_units(credit, currency)
        metadata = {
            "purpose": NEW_ACCOUNT,
            "tariff": tariff,
            "language": language,
            "amount": format(credit, "f"),
            "currency": currency,
        }
        made = self._create(
            "Prepaid callback account", units, currency, metadata, success_url, cancel_url, None
        )
        return Checkout(made["id"], made["url"], credit, currency, NEW_ACCOUNT)

    def _create(
        self,
        name: str,
        units: int,
        currency: str,
        metadata: Mapping[str, str],
        success_url: str | None,
        cancel_url: str | None,
        reference: str | None,
    ) -> dict[str, Any]:
        import stripe

        params: dict[str, Any] = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": units,
                        "product_data": {"name": name},
                    },
                }
            ],
            "metadata": dict(metadata),
            "payment_intent_data": {"metadata": dict(metadata)},
            "success_url": success_url or self._success_url(metadata["purpose"]),
            "cancel_url": cancel_url or f"{self.public_base_url}/payments/cancelled",
        }
        if reference is not None:
            params["client_reference_id"] = reference
        try:
            session = self.client().v1.checkout.sessions.create(params=params)
        except stripe.APIConnectionError as error:
            raise errors.UnavailableError(
                f"the card payment service is unreachable: {error.user_message or error}"
            ) from None
        except stripe.StripeError as error:
            raise errors.UpstreamError(
                f"the card payment service refused the checkout: {error.user_message or error}"
            ) from None
        made: dict[str, Any] = session.to_dict()
        if not isinstance(made.get("id"), str) or not isinstance(made.get("url"), str):
            raise errors.UpstreamError("the card payment service answered no session id and URL")
        return made

    def _success_url(self, purpose: str) -> str:
        """Where Stripe sends the payer by default: a purchase's page (its account, once made),
        or the page that thanks for a top-up."""
        if purpose == NEW_ACCOUNT:
            return f"{self.public_base_url}/payments/checkouts/{{CHECKOUT_SESSION_ID}}"
        return f"{self.public_base_url}/payments/paid"

    # -- the webhook ----------------------------------------------------------------------
    def webhook(self, payload: bytes, signature: str | None) -> WebhookOutcome:
        """Verify and act on one webhook: a paid checkout session credits its account or makes
        its new account, once per session; any other event is ignored.
        ``PaymentSignatureError`` for a signature that does not verify,
        ``PaymentMismatchError`` for a session that does not match its metadata."""
        import stripe

        if not self.webhook_secret:  # an empty key would verify a signature anyone can make
            raise errors.UnavailableError("the stage has no Stripe webhook secret set")
        try:
            event = stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise PaymentSignatureError(
                f"the Stripe-Signature does not verify: {error.user_message or error}"
            ) from None
        except ValueError:
            raise PaymentSignatureError("the webhook's body is not a Stripe event") from None
        data = event.to_dict()
        kind = data.get("type")
        session = (data.get("data") or {}).get("object") or {}
        if kind not in PAID_EVENTS or not isinstance(session, dict):
            return WebhookOutcome("ignored", detail=f"event {str(kind)[:60]}")
        paid_id = str(session.get("id", ""))
        if session.get("payment_status") != "paid":
            return WebhookOutcome("ignored", paid_id, detail="not paid yet")
        metadata = session.get("metadata") or {}
        purpose = metadata.get("purpose")
        if purpose not in (TOP_UP, NEW_ACCOUNT):
            return WebhookOutcome("ignored", paid_id, detail="not a Ringflow checkout")
        try:
            session_id(paid_id)
            paid = self._paid_amount(paid_id, session, metadata)
            if purpose == TOP_UP:
                return self._credit(paid_id, metadata, paid)
            return self._make_account(paid_id, metadata, paid)
        except PaymentMismatchError as refused:
            logger.error(
                "card payment not applied",
                extra={"session": paid_id, "reason": refused.reason, "event": data.get("id")},
            )
            raise

    def _paid_amount(
        self, paid_id: str, session: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> Decimal:
        """The amount the session paid, as its metadata says, checked against its currency and
        total."""
        try:
            currency = currency_code(str(metadata.get("currency", "")))
            value = amount(str(metadata.get("amount", "")), "amount", positive=True)
            units = minor_units(value, currency)
        except errors.ValidationError:
            raise PaymentMismatchError(paid_id, "metadata") from None
        if str(session.get("currency", "")).upper() != currency:
            raise PaymentMismatchError(paid_id, "currency")
        total = session.get("amount_total")
        if isinstance(total, bool) or total != units:
            raise PaymentMismatchError(paid_id, "amount")
        return value

    def _credit(self, paid_id: str, metadata: Mapping[str, Any], paid: Decimal) -> WebhookOutcome:
        account_id = str(metadata.get("account_id", ""))
        try:
            checked_account_id(account_id)
            account = self.accounts.get(account_id)
        except (errors.ValidationError, CallbackAccountNotFoundError):
            raise PaymentMismatchError(paid_id, "unknown_account") from None
        if account.currency != str(metadata.get("currency")):
            raise PaymentMismatchError(paid_id, "currency")
        credited = self.accounts.top_up(account_id, paid, KEY_PREFIX + paid_id)
        return WebhookOutcome("credited" if credited else "replayed", paid_id, account_id)

    def _make_account(
        self, paid_id: str, metadata: Mapping[str, Any], paid: Decimal
    ) -> WebhookOutcome:
        try:
            tariff = str(metadata.get("tariff", ""))
            language = tts_language(str(metadata.get("language", "")))
        except errors.ValidationError:
            raise PaymentMismatchError(paid_id, "metadata") from None
        if not TARIFF_ID.fullmatch(tariff) or not self.accounts.tariff_exists(tariff):
            raise PaymentMismatchError(paid_id, "tariff")
        try:
            known = self.purchases.get(paid_id)
            return WebhookOutcome("replayed", paid_id, known.account_id)
        except errors.NotFoundError:
            pass
        for _ in range(_ID_ATTEMPTS):
            account_id = self.ids(NEW_ACCOUNT_ID_LENGTH, "")
            password = derived_password(self.key, paid_id.encode(), account_id)
            record = StoredCallbackAccount(
                account_id=account_id,
                password_hash=hash_password(password).encoded(),
                currency=str(metadata["currency"]),
                language=language,
                tariff=tariff,
                balance=paid,
            )
            try:
                made = self.purchases.create(paid_id, record, KEY_PREFIX + paid_id, self.clock())
            except store.AccountIdTakenError:
                continue
            if made:
                return WebhookOutcome("created", paid_id, account_id)
            return WebhookOutcome("replayed", paid_id, self.purchases.get(paid_id).account_id)
        raise errors.StaleStateError(f"checkout session {paid_id}: no free account id drawn")

    # -- the buyer's one look -------------------------------------------------------------
    def purchase_state(self, paid_id: str) -> dict[str, object]:
        """Whether the session made its account yet, and whether its password was shown (no
        password). 1 GetItem."""
        session_id(paid_id)
        try:
            purchase = self.purchases.get(paid_id)
        except errors.NotFoundError:
            return {"session_id": paid_id, "state": "pending", "account_id": None}
        state = "created" if purchase.shown_at is None else "shown"
        return {"session_id": paid_id, "state": state, "account_id": purchase.account_id}

    def claim_credentials(self, paid_id: str) -> Credentials:
        """The purchased account's id and password, once: the claim is one conditional write,
        so a second (or concurrent) claim is ``CredentialsShownError``.
        ``PurchasePendingError`` while the payment is not confirmed. 2 GetItems, 1 UpdateItem."""
        session_id(paid_id)
        try:
            purchase = self.purchases.get(paid_id)
        except errors.NotFoundError:
            raise PurchasePendingError(paid_id) from None
        if not self.purchases.mark_shown(paid_id, self.clock()):
            raise CredentialsShownError(purchase.account_id)
        account = self.accounts.get(purchase.account_id)
        password = derived_password(self.key, paid_id.encode(), purchase.account_id)
        return Credentials(purchase.account_id, password, account.currency, account.wallet.balance)
