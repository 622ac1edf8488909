"""The billing product's card-payment routes, on the ``billing`` blueprint. Stripe's webhook,
``POST /payments/stripe/webhook`` (public, not in ``/openapi.json``: Stripe calls it, signed),
answers 400 problem for a signature that does not verify, 422 problem with ``reason`` for a paid
session that does not match what it bought (Stripe retries it; nothing moves), and 200 for the
rest (credited, a replay, an event it ignores). The buyer's pages (public, in the document):
``GET /payments/checkouts/{session_id}`` says whether a purchase made its account,
``POST .../credentials`` shows the new account's id and password once (409 after),
``GET /payments/paid`` and ``GET /payments/cancelled`` answer a payer back from a top-up. The
operator's (operator key): ``POST /v1/operator/card-checkouts/top-up`` and ``.../new-account``
start a checkout and answer its URL. Owns these routes and their views. Imports Chalice,
pydantic, ``web.rest``, ``web.openapi``, ``web.problems``, the wiring and the billing modules;
must not import pynamodb, stripe or a core route module.
"""

from __future__ import annotations

from decimal import Decimal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.billing.accounts import CURRENCY_PATTERN, PIN_PATTERN, POSITIVE_AMOUNT_PATTERN
from chalicelib.billing.card import (
    SESSION_ID_PATTERN,
    CardPayments,
    Checkout,
    CredentialsShownError,
    PaymentMismatchError,
    PaymentSignatureError,
)
from chalicelib.billing.rest import ACCOUNT_MONEY, billing, no_float_money
from chalicelib.billing.tariffs import TARIFF_ID_PATTERN
from chalicelib.ops.deadline import deadline
from chalicelib.ops.observability import logger
from chalicelib.web.openapi import Operation
from chalicelib.web.problems import SERVER_ERROR_DETAIL, error_problem, problem
from chalicelib.web.rest import Refused, body, guarded, json_response, operation, operator_only
from chalicelib.web.rest import raw_body as request_json
from chalicelib.web.schemas import Language
from chalicelib.wiring import container

WEBHOOK_PATH = "/payments/stripe/webhook"
URL_PATTERN = r"^https?://[^\s]{1,2000}$"
SESSION = {"session_id": {"type": "string", "pattern": SESSION_ID_PATTERN}}
_URL_HELP = "where the payer is sent after paying; {CHECKOUT_SESSION_ID} is replaced by Stripe"


class TopUpCheckoutRequest(BaseModel):
    """A card top-up of a callback account, in the account's currency."""

    model_config = ConfigDict(extra="forbid", strict=True)
    account_id: str = Field(pattern=PIN_PATTERN, description="the callback account (its PIN)")
    amount: str = Field(pattern=POSITIVE_AMOUNT_PATTERN, description=ACCOUNT_MONEY)
    success_url: str | None = Field(default=None, pattern=URL_PATTERN, description=_URL_HELP)
    cancel_url: str | None = Field(default=None, pattern=URL_PATTERN)


class AccountCheckoutRequest(BaseModel):
    """The purchase of a new callback account by card: its opening balance is what is paid."""

    model_config = ConfigDict(extra="forbid", strict=True)
    tariff: str = Field(pattern=TARIFF_ID_PATTERN, description="the id of a loaded tariff")
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 (EUR)")
    language: Language = Field(description="the language of the account's prompts")
    amount: str = Field(pattern=POSITIVE_AMOUNT_PATTERN, description=ACCOUNT_MONEY)
    success_url: str | None = Field(default=None, pattern=URL_PATTERN, description=_URL_HELP)
    cancel_url: str | None = Field(default=None, pattern=URL_PATTERN)


class CheckoutView(BaseModel):
    """A checkout session: send the payer to ``url``."""

    session_id: str
    url: str
    amount: str
    currency: str
    purpose: str = Field(description="top_up or new_account")
    account_id: str | None


class PurchaseView(BaseModel):
    """Whether a purchase made its account (``pending`` until the payment is confirmed)."""

    session_id: str
    state: str = Field(description="pending, created or shown")
    account_id: str | None


class CredentialsView(BaseModel):
    """A purchased account's id and password: shown once."""

    account_id: str
    password: str
    currency: str
    balance: str


class PaymentPageView(BaseModel):
    """Where a payer lands after a top-up: ``paid`` (the balance is credited when Stripe
    confirms the payment, in seconds) or ``cancelled`` (nothing was paid)."""

    state: str


def _payments() -> CardPayments:
    payments: CardPayments = container().services("billing").card_payments
    return payments


def _checkout_view(checkout: Checkout) -> dict[str, object]:
    return CheckoutView(
        session_id=checkout.session_id,
        url=checkout.url,
        amount=format(checkout.amount, "f"),
        currency=checkout.currency,
        purpose=checkout.purpose,
        account_id=checkout.account_id,
    ).model_dump()


@billing.route(WEBHOOK_PATH, methods=["POST"], content_types=["application/json"])
def stripe_webhook() -> Response:
    """Stripe's signed webhook: verified, then acted on once per checkout session."""
    request = billing.current_request
    raw = request.raw_body
    payload = raw.encode() if isinstance(raw, str) else bytes(raw)
    try:
        with deadline(container().settings.rest_deadline_seconds):
            outcome = _payments().webhook(payload, request.headers.get("stripe-signature"))
    except PaymentSignatureError as error:
        return problem(400, str(error))
    except PaymentMismatchError as refused:
        return problem(422, str(refused), reason=refused.reason)
    except Exception as error:
        mapped = error_problem(error)
        if mapped is not None:
            logger.warning("Stripe webhook failed", extra={"error": repr(error)})
            return mapped
        logger.exception("Stripe webhook failed")
        return problem(500, SERVER_ERROR_DETAIL)
    logger.info(
        "Stripe webhook",
        extra={"action": outcome.action, "session": outcome.session_id, "detail": outcome.detail},
    )
    return json_response({"received": True, "action": outcome.action})


@operation(
    billing,
    Operation(
        "/v1/operator/card-checkouts/top-up",
        "post",
        "Operator: start a card top-up of a callback account (answers the checkout URL)",
        request=TopUpCheckoutRequest,
        response=CheckoutView,
        status=201,
        auth="operator",
    ),
)
@guarded
def start_top_up_checkout() -> Response:
    """A Stripe checkout that credits the account once paid; 201 with its URL."""
    operator_only()
    no_float_money(request_json())
    request: TopUpCheckoutRequest = body(TopUpCheckoutRequest)
    checkout = _payments().top_up_checkout(
        request.account_id,
        Decimal(request.amount),
        success_url=request.success_url,
        cancel_url=request.cancel_url,
    )
    return json_response(_checkout_view(checkout), 201)


@operation(
    billing,
    Operation(
        "/v1/operator/card-checkouts/new-account",
        "post",
        "Operator: start a card purchase of a new callback account (answers the checkout URL)",
        request=AccountCheckoutRequest,
        response=CheckoutView,
        status=201,
        auth="operator",
    ),
)
@guarded
def start_account_checkout() -> Response:
    """A Stripe checkout that makes a new account once paid; 201 with its URL."""
    operator_only()
    no_float_money(request_json())
    request: AccountCheckoutRequest = body(AccountCheckoutRequest)
    checkout = _payments().purchase_checkout(
        tariff=request.tariff,
        currency=request.currency,
        language=request.language,
        value=Decimal(request.amount),
        success_url=request.success_url,
        cancel_url=request.cancel_url,
    )
    return json_response(_checkout_view(checkout), 201)


@operation(
    billing,
    Operation(
        "/payments/checkouts/{session_id}",
        "get",
        "A card purchase: whether its account is made (never its password)",
        response=PurchaseView,
        auth="none",
        path_parameters=SESSION,
    ),
)
@guarded
def purchase_state(session_id: str) -> Response:
    """``pending`` until the payment is confirmed, then ``created``, then ``shown``."""
    return json_response(
        PurchaseView.model_validate(_payments().purchase_state(session_id)).model_dump()
    )


@operation(
    billing,
    Operation(
        "/payments/checkouts/{session_id}/credentials",
        "post",
        "A card purchase: the new account's id and password, shown once",
        response=CredentialsView,
        auth="none",
        path_parameters=SESSION,
    ),
)
@guarded
def purchase_credentials(session_id: str) -> Response:
    """The id and password once; 409 (``reason: shown``) after, 404 while pending."""
    try:
        shown = _payments().claim_credentials(session_id)
    except CredentialsShownError as error:
        raise Refused(problem(409, str(error), reason="shown")) from None
    view = CredentialsView(
        account_id=shown.account_id,
        password=shown.password,
        currency=shown.currency,
        balance=format(shown.balance, "f"),
    )
    response = json_response(view.model_dump())
    response.headers["Cache-Control"] = "no-store"
    return response


@operation(
    billing,
    Operation(
        "/payments/paid",
        "get",
        "A card top-up the payer paid (credited when Stripe confirms it)",
        response=PaymentPageView,
        auth="none",
    ),
)
@guarded
def checkout_paid() -> Response:
    """The payer paid; the webhook credits the account."""
    return json_response({"state": "paid"})


@operation(
    billing,
    Operation(
        "/payments/cancelled",
        "get",
        "A card checkout the payer cancelled",
        response=PaymentPageView,
        auth="none",
    ),
)
@guarded
def checkout_cancelled() -> Response:
    """Nothing was paid."""
    return json_response({"state": "cancelled"})
