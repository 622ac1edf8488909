"""The billing product's callback-account routes (operator key, problem+json, in
``/openapi.json``), on the ``billing`` blueprint: ``PUT /v1/operator/callback-accounts/{pin}``
creates an account (201; 409 if the PIN is taken; 404 for an unknown tariff), ``GET`` reads it
(balance, reserved, available, callers, limits; never the password or its hash), ``PATCH``
changes its settings (never its money), ``POST .../top-ups`` credits an amount once per
idempotency key (body ``key`` or the ``Idempotency-Key`` header; 201 credited, 200 a replay of
the key, 409 the key used for another amount), ``PUT`` / ``DELETE .../callers/{caller}``
register and unregister a caller number. Owns these routes and their views. Imports Chalice,
pydantic, ``web.rest``, ``web.openapi``, the wiring and the billing modules; must not import
pynamodb or a core route module.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from chalice.app import Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from chalicelib.billing.accounts import (
    AMOUNT_PATTERN,
    CALLER_PATTERN,
    CURRENCY_PATTERN,
    KEEP,
    KEY_PATTERN,
    MAX_CONCURRENT,
    POSITIVE_AMOUNT_PATTERN,
    summary,
)
from chalicelib.billing.rest import (
    ACCOUNT_MONEY,
    PIN,
    accounts,
    billing,
    money,
    no_float_money,
    validated,
    whole_number,
)
from chalicelib.billing.tariffs import (
    TARIFF_ID_PATTERN,
)
from chalicelib.billing.wallet import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, CallbackAccount
from chalicelib.web.openapi import Operation
from chalicelib.web.problems import problem
from chalicelib.web.rest import (
    Refused,
    body,
    current_request,
    guarded,
    json_response,
    operation,
    operator_only,
    raw_body,
)
from chalicelib.web.schemas import Integer, Language

CALLER = {
    "caller": {
        "type": "string",
        "pattern": CALLER_PATTERN,
        "description": "a caller number, E.164 digits, country code first",
    }
}


class CallbackAccountRequest(BaseModel):
    """A new prepaid callback account."""

    model_config = ConfigDict(extra="forbid", strict=True)
    password: str = Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description="the service password (kept only as a slow salted hash)",
    )
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 (EUR)")
    language: Language = Field(description="the language of the account's prompts")
    tariff: str = Field(pattern=TARIFF_ID_PATTERN, description="the id of a loaded tariff")
    balance: str = Field(default="0", pattern=AMOUNT_PATTERN, description=ACCOUNT_MONEY)
    dnis: str | None = Field(
        default=None,
        pattern=CALLER_PATTERN,
        description="the associated number the account is called back on (E.164)",
    )
    enabled: bool = True
    max_concurrent: Integer = Field(
        default=1, ge=1, le=MAX_CONCURRENT, description="callbacks in progress at once"
    )
    daily_cap: str | None = Field(
        default=None,
        pattern=AMOUNT_PATTERN,
        description="the most money committed per day (" + ACCOUNT_MONEY + "); null: no cap",
    )


class CallbackAccountChangeRequest(BaseModel):
    """Settings to change; a field left out is kept, ``null`` removes the associated number
    or the daily cap. Money is changed by top-ups only."""

    model_config = ConfigDict(extra="forbid", strict=True)
    password: str | None = Field(
        default=None, min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH
    )
    language: Language | None = None
    tariff: str | None = Field(default=None, pattern=TARIFF_ID_PATTERN)
    dnis: str | None = Field(default=None, pattern=CALLER_PATTERN)
    enabled: bool | None = None
    max_concurrent: (
        Annotated[int, Field(ge=1, le=MAX_CONCURRENT), BeforeValidator(whole_number)] | None
    ) = None
    daily_cap: str | None = Field(default=None, pattern=AMOUNT_PATTERN, description=ACCOUNT_MONEY)


class TopUpRequest(BaseModel):
    """Credit an account once per key (the ``Idempotency-Key`` header may give the key)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    amount: str = Field(pattern=POSITIVE_AMOUNT_PATTERN, description=ACCOUNT_MONEY)
    key: str = Field(
        pattern=KEY_PATTERN,
        description="the idempotency key (a voucher, a payment): credited once",
    )


class CallbackAccountView(BaseModel):
    """A callback account: settings, money and callers (never its password or hash)."""

    account_id: str
    currency: str
    language: str
    tariff: str
    dnis: str | None
    enabled: bool
    balance: str = Field(description=ACCOUNT_MONEY)
    reserved: str = Field(description="held by callbacks in progress")
    available: str = Field(description="balance less reserved: what a new callback may use")
    calls_in_progress: int
    committed_today: str = Field(description="reserved or charged today (UTC)")
    callers: list[str] = Field(description="registered caller numbers (ANI authentication)")
    max_concurrent: int
    daily_cap: str | None


class TopUpView(BaseModel):
    """A top-up: whether this request credited it, and the account's money after it."""

    account_id: str
    key: str
    amount: str
    credited: bool = Field(description="false: the key was credited before, nothing moved")
    balance: str
    available: str


def _account_view(account: CallbackAccount) -> dict[str, object]:
    return CallbackAccountView.model_validate(summary(account)).model_dump()


@operation(
    billing,
    Operation(
        "/v1/operator/callback-accounts/{pin}",
        "put",
        "Operator: create a prepaid callback account",
        request=CallbackAccountRequest,
        response=CallbackAccountView,
        status=201,
        auth="operator",
        path_parameters=PIN,
    ),
)
@guarded
def create_callback_account(pin: str) -> Response:
    """Create the account with its balance; 409 if the PIN is taken, nothing is changed."""
    operator_only()
    no_float_money(raw_body())
    request: CallbackAccountRequest = body(CallbackAccountRequest)
    account = accounts().create(
        pin,
        request.password,
        currency=request.currency,
        language=request.language,
        tariff=request.tariff,
        balance=Decimal(request.balance),
        dnis=request.dnis,
        enabled=request.enabled,
        max_concurrent=request.max_concurrent,
        daily_cap=money(request.daily_cap),
    )
    return json_response(_account_view(account), 201)


@operation(
    billing,
    Operation(
        "/v1/operator/callback-accounts/{pin}",
        "get",
        "Operator: a callback account, its money and callers",
        response=CallbackAccountView,
        auth="operator",
        path_parameters=PIN,
    ),
)
@guarded
def get_callback_account(pin: str) -> Response:
    """The account as stored now."""
    operator_only()
    return json_response(_account_view(accounts().get(pin)))


@operation(
    billing,
    Operation(
        "/v1/operator/callback-accounts/{pin}",
        "patch",
        "Operator: change a callback account's settings (never its money)",
        request=CallbackAccountChangeRequest,
        response=CallbackAccountView,
        auth="operator",
        path_parameters=PIN,
    ),
)
@guarded
def change_callback_account(pin: str) -> Response:
    """Change the settings sent; a field left out is kept, null removes dnis or daily_cap."""
    operator_only()
    no_float_money(raw_body())
    request: CallbackAccountChangeRequest = body(CallbackAccountChangeRequest)
    sent = request.model_fields_set
    account = accounts().update(
        pin,
        password=request.password,
        language=request.language,
        tariff=request.tariff,
        dnis=request.dnis if "dnis" in sent else KEEP,
        enabled=request.enabled,
        max_concurrent=request.max_concurrent,
        daily_cap=money(request.daily_cap) if "daily_cap" in sent else KEEP,
    )
    return json_response(_account_view(account))


@operation(
    billing,
    Operation(
        "/v1/operator/callback-accounts/{pin}/top-ups",
        "post",
        "Operator: credit a callback account once per idempotency key",
        request=TopUpRequest,
        response=TopUpView,
        status=201,
        auth="operator",
        path_parameters=PIN,
        also={200: "A replay of a key already credited: nothing moved"},
    ),
)
@guarded
def top_up_callback_account(pin: str) -> Response:
    """Credit the amount under the key (body ``key`` or ``Idempotency-Key`` header); 201 when
    credited now, 200 for a replay of the key, 409 for the key used with another amount."""
    operator_only()
    raw = raw_body()
    no_float_money(raw)
    header = current_request().headers.get("idempotency-key")
    if header is not None and isinstance(raw, dict):
        if "key" not in raw:
            raw = {**raw, "key": header}
        elif raw["key"] != header:
            raise Refused(problem(422, "the Idempotency-Key header and the body's key differ"))
    request: TopUpRequest = validated(TopUpRequest, raw)
    service = accounts()
    credited = service.top_up(pin, Decimal(request.amount), request.key)
    wallet = service.get(pin).wallet
    view = TopUpView(
        account_id=pin,
        key=request.key,
        amount=request.amount,
        credited=credited,
        balance=format(wallet.balance, "f"),
        available=format(wallet.available, "f"),
    )
    return json_response(view.model_dump(), 201 if credited else 200)


@operation(
    billing,
    Operation(
        "/v1/operator/callback-accounts/{pin}/callers/{caller}",
        "put",
        "Operator: register a caller number of a callback account (ANI authentication)",
        response=CallbackAccountView,
        auth="operator",
        path_parameters={**PIN, **CALLER},
    ),
)
@guarded
def register_caller(pin: str, caller: str) -> Response:
    """Register the number for the account (idempotent); 409 if another account holds it."""
    operator_only()
    service = accounts()
    service.register_caller(pin, caller)
    return json_response(_account_view(service.get(pin)))


@operation(
    billing,
    Operation(
        "/v1/operator/callback-accounts/{pin}/callers/{caller}",
        "delete",
        "Operator: unregister a caller number of a callback account",
        status=204,
        auth="operator",
        path_parameters={**PIN, **CALLER},
    ),
)
@guarded
def unregister_caller(pin: str, caller: str) -> Response:
    """Unregister the number; 404 if it is not registered for this account."""
    operator_only()
    accounts().unregister_caller(pin, caller)
    return Response(body="", status_code=204)
