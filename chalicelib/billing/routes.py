"""The billing product's operator REST routes, as the blueprint ``billing``: load a tariff from a
CSV body, read its head, rate a number against it; create, read and change prepaid callback
accounts, top them up and register their caller numbers.

``PUT /v1/operator/tariffs/{tariff_id}`` takes the rate deck as ``text/csv`` (201 a new tariff,
200 a new version of one; 422 listing every bad line, nothing loaded; 413 above the size limit);
``GET /v1/operator/tariffs/{tariff_id}`` its live version; ``GET
/v1/operator/tariffs/{tariff_id}/rate?number=`` the rate of the longest prefix of the number
(404 ``no rate for <number> in tariff T``).

``PUT /v1/operator/callback-accounts/{pin}`` creates an account (201; 409 if the PIN is taken;
404 for an unknown tariff), ``GET`` reads it (balance, reserved, available, callers, limits;
never the password or its hash), ``PATCH`` changes its settings (never its money), ``POST
.../top-ups`` credits an amount once per idempotency key (body ``key`` or the
``Idempotency-Key`` header; 201 credited, 200 a replay of the key, 409 the key used for another
amount), ``PUT`` / ``DELETE .../callers/{caller}`` register and unregister a caller number.
``POST /v1/operator/voucher-lots`` generates a lot of single-use vouchers (201 with their codes;
``text/csv`` with ``Accept: text/csv``), ``GET /v1/operator/voucher-lots/{lot_id}`` lists a lot,
``POST .../{lot_id}/disable`` disables its unused vouchers, ``POST
/v1/operator/callback-accounts/{pin}/vouchers`` redeems a voucher onto an account (200 with the
new balance; 409 with the refusal's ``reason``).
Amounts are decimal strings: a JSON number is refused with 422 (money is never a float).
Operator key auth and problem+json as every operator route (``web.rest``); documented in
``/openapi.json``.

Owns the routes and their views. Imports Chalice, pydantic, ``web.rest``, ``web.openapi``, the
wiring and the billing modules; must not import pynamodb or a core route module.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic import ValidationError as InvalidModelError

from chalicelib.billing.accounts import (
    AMOUNT_PATTERN,
    CALLER_PATTERN,
    CURRENCY_PATTERN,
    KEEP,
    KEY_PATTERN,
    MAX_CONCURRENT,
    PIN_PATTERN,
    POSITIVE_AMOUNT_PATTERN,
    CallbackAccounts,
    summary,
)
from chalicelib.billing.tariffs import (
    NUMBER_PATTERN,
    TARIFF_ID_PATTERN,
    InvalidNumberError,
    Rate,
    check_deck_size,
)
from chalicelib.billing.vouchers import (
    CODE_PATTERN,
    EXPIRY_PATTERN,
    LOT_ID_PATTERN,
    MAX_LOT,
    VoucherRefusedError,
    Vouchers,
    expiry_of,
    voucher_summary,
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
from chalicelib.web.schemas import Integer, Language, field_errors
from chalicelib.wiring import container

billing = Blueprint(__name__)
TARIFF_ID = {"tariff_id": {"type": "string", "pattern": TARIFF_ID_PATTERN}}
MONEY = "a decimal amount as text, in the currency of the tariff"
ACCOUNT_MONEY = "a decimal amount as text (never a JSON number), in the account's currency"
PIN = {
    "pin": {
        "type": "string",
        "pattern": PIN_PATTERN,
        "description": "the callback account's id: the PIN its callers key in",
    }
}
CALLER = {
    "caller": {
        "type": "string",
        "pattern": CALLER_PATTERN,
        "description": "a caller number, E.164 digits, country code first",
    }
}
MONEY_FIELDS = ("balance", "daily_cap", "amount", "value")


def whole_number(value: Any) -> Any:
    """JSON Schema's integer includes 3.0; pydantic's strict int does not (``web.schemas``'
    ``Integer``, whose bounds pydantic leaves out of the schema inside an optional field)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class TariffView(BaseModel):
    """A tariff's live version."""

    tariff_id: str
    version: int
    rows: int = Field(description="rates in the live version")
    loaded_at: datetime


class RateView(BaseModel):
    """The rate a number is called at: its longest priced prefix."""

    tariff_id: str
    number: str
    prefix: str
    destination: str
    price_per_minute: str = Field(description=MONEY)
    connection_fee: str = Field(description=MONEY)
    first_increment: int = Field(description="seconds billed first")
    next_increment: int = Field(description="seconds of each following step")


def _tariff_view(head: object) -> dict[str, object]:
    return TariffView.model_validate(head, from_attributes=True).model_dump(mode="json")


def _rate_view(tariff_id: str, number: str, rate: Rate) -> dict[str, object]:
    return RateView(
        tariff_id=tariff_id,
        number=number,
        prefix=rate.prefix,
        destination=rate.destination,
        price_per_minute=str(rate.price_per_minute),
        connection_fee=str(rate.connection_fee),
        first_increment=rate.first_increment,
        next_increment=rate.next_increment,
    ).model_dump()


@operation(
    billing,
    Operation(
        "/v1/operator/tariffs/{tariff_id}",
        "put",
        "Operator: load a tariff (rate deck) from CSV as its live version",
        response=TariffView,
        status=201,
        auth="operator",
        request_media="text/csv",
        path_parameters=TARIFF_ID,
        also={200: "A new version of an existing tariff"},
    ),
)
@guarded
def load_tariff(tariff_id: str) -> Response:
    """Parse the CSV body and make it the tariff's live version; nothing is loaded if a line is
    bad (422 lists them)."""
    operator_only()
    raw = current_request().raw_body or b""
    check_deck_size(len(raw))
    head, new = container().services("billing").tariffs.load(tariff_id, raw)
    return json_response(_tariff_view(head), 201 if new else 200)


@operation(
    billing,
    Operation(
        "/v1/operator/tariffs/{tariff_id}",
        "get",
        "Operator: a tariff's live version",
        response=TariffView,
        auth="operator",
        path_parameters=TARIFF_ID,
    ),
)
@guarded
def get_tariff(tariff_id: str) -> Response:
    """The tariff's head: version, rows, when it was loaded."""
    operator_only()
    head = container().services("billing").tariffs.head(tariff_id)
    return json_response(_tariff_view(head))


@operation(
    billing,
    Operation(
        "/v1/operator/tariffs/{tariff_id}/rate",
        "get",
        "Operator: the rate a number is called at (its longest priced prefix)",
        response=RateView,
        auth="operator",
        path_parameters=TARIFF_ID,
        query={"number": {"type": "string", "pattern": NUMBER_PATTERN}},
        required_query=("number",),
    ),
)
@guarded
def rate_number(tariff_id: str) -> Response:
    """The matched prefix, destination and prices; 404 when no prefix of the number is priced."""
    operator_only()
    query: dict[str, str] = dict(current_request().query_params or {})
    number = query.get("number")
    if not number:
        raise InvalidNumberError("the query parameter 'number' is required")
    rate = container().services("billing").tariffs.rate(tariff_id, number)
    return json_response(_rate_view(tariff_id, number, rate))


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


def _accounts() -> CallbackAccounts:
    accounts: CallbackAccounts = container().services("billing").accounts
    return accounts


def _no_float_money(raw: Any) -> None:
    """Refuse amounts sent as JSON numbers (422): money is decimal text, never a float."""
    if not isinstance(raw, dict):
        return
    wrong = [
        {"field": name, "message": f'{name} is a decimal string such as "10.00", never a number'}
        for name in MONEY_FIELDS
        if isinstance(raw.get(name), int | float) and not isinstance(raw.get(name), bool)
    ]
    if wrong:
        raise Refused(problem(422, "amounts are decimal strings, never numbers", errors=wrong))


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


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
    _no_float_money(raw_body())
    request: CallbackAccountRequest = body(CallbackAccountRequest)
    account = _accounts().create(
        pin,
        request.password,
        currency=request.currency,
        language=request.language,
        tariff=request.tariff,
        balance=Decimal(request.balance),
        dnis=request.dnis,
        enabled=request.enabled,
        max_concurrent=request.max_concurrent,
        daily_cap=_money(request.daily_cap),
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
    return json_response(_account_view(_accounts().get(pin)))


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
    _no_float_money(raw_body())
    request: CallbackAccountChangeRequest = body(CallbackAccountChangeRequest)
    sent = request.model_fields_set
    account = _accounts().update(
        pin,
        password=request.password,
        language=request.language,
        tariff=request.tariff,
        dnis=request.dnis if "dnis" in sent else KEEP,
        enabled=request.enabled,
        max_concurrent=request.max_concurrent,
        daily_cap=_money(request.daily_cap) if "daily_cap" in sent else KEEP,
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
    _no_float_money(raw)
    header = current_request().headers.get("idempotency-key")
    if header is not None and isinstance(raw, dict):
        if "key" not in raw:
            raw = {**raw, "key": header}
        elif raw["key"] != header:
            raise Refused(problem(422, "the Idempotency-Key header and the body's key differ"))
    request: TopUpRequest = _validated(TopUpRequest, raw)
    accounts = _accounts()
    credited = accounts.top_up(pin, Decimal(request.amount), request.key)
    wallet = accounts.get(pin).wallet
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
    accounts = _accounts()
    accounts.register_caller(pin, caller)
    return json_response(_account_view(accounts.get(pin)))


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
    _accounts().unregister_caller(pin, caller)
    return Response(body="", status_code=204)


def _validated(model: type[BaseModel], raw: Any) -> Any:
    """``raw`` validated by ``model``, refused 422 with every field's error (as ``body``)."""
    try:
        return model.model_validate(raw)
    except InvalidModelError as error:
        errors = field_errors(error, model)
        raise Refused(problem(422, "the request is not valid", errors=errors)) from None


LOT_ID = {"lot_id": {"type": "string", "pattern": LOT_ID_PATTERN}}
CSV_COLUMNS = ("code", "value", "currency", "expires_at")


MAX_LOT_PER_REQUEST = 100
"""Vouchers one REST request makes: one DynamoDB transaction, well inside the REST deadline."""


class VoucherLotRequest(BaseModel):
    """A new lot of single-use vouchers."""

    model_config = ConfigDict(extra="forbid", strict=True)
    lot_id: str = Field(pattern=LOT_ID_PATTERN)
    count: Integer = Field(
        ge=1,
        le=MAX_LOT_PER_REQUEST,
        description=f"vouchers to make: at most {MAX_LOT_PER_REQUEST} per request (one"
        " transaction); a larger lot is several requests with its id (the CLI makes up to"
        f" {MAX_LOT} at once)",
    )
    value: str = Field(pattern=POSITIVE_AMOUNT_PATTERN, description=ACCOUNT_MONEY)
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 (EUR)")
    expires_at: str = Field(
        pattern=EXPIRY_PATTERN,
        description="ISO 8601 date and time with its zone (a date: its midnight UTC)",
    )


class VoucherView(BaseModel):
    """A voucher: its code grouped ``1234-5678-9012``, value as decimal text, state."""

    code: str
    lot_id: str
    value: str = Field(description=ACCOUNT_MONEY)
    currency: str
    expires_at: str
    state: str = Field(description="new, redeemed or disabled")
    redeemed_by: str | None
    redeemed_at: str | None


class VoucherLotView(BaseModel):
    """A lot's vouchers."""

    lot_id: str
    vouchers: list[VoucherView]


class DisabledLotView(BaseModel):
    """How many of a lot's vouchers a disable turned off."""

    lot_id: str
    disabled: int


class RedeemRequest(BaseModel):
    """A voucher code, with or without dashes or spaces."""

    model_config = ConfigDict(extra="forbid", strict=True)
    code: str = Field(pattern=CODE_PATTERN)


class RedemptionView(BaseModel):
    """A redemption: the value credited and the account's money after it."""

    account_id: str
    code: str
    credited: str
    balance: str
    available: str


def _vouchers() -> Vouchers:
    vouchers: Vouchers = container().services("billing").vouchers
    return vouchers


def expiry_time(text: str) -> datetime:
    """An ISO 8601 expiry: a date and time with its zone, or a bare date (``2027-12-31``:
    valid through that day, UTC; see ``billing.vouchers.expiry_of``)."""
    return expiry_of(text)


@operation(
    billing,
    Operation(
        "/v1/operator/voucher-lots",
        "post",
        "Operator: generate a lot of single-use vouchers (CSV with Accept: text/csv)",
        request=VoucherLotRequest,
        response=VoucherLotView,
        status=201,
        auth="operator",
    ),
)
@guarded
def generate_voucher_lot() -> Response:
    """Make the lot's vouchers; 201 with their codes (JSON, or CSV on ``Accept: text/csv``)."""
    operator_only()
    _no_float_money(raw_body())
    request: VoucherLotRequest = body(VoucherLotRequest)
    made = _vouchers().generate(
        request.lot_id,
        request.count,
        Decimal(request.value),
        request.currency,
        expiry_time(request.expires_at),
    )
    if "text/csv" in (current_request().headers.get("accept") or ""):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for voucher in made:
            shown = voucher_summary(voucher)
            writer.writerow([shown[column] for column in CSV_COLUMNS])
        return Response(body=out.getvalue(), status_code=201, headers={"Content-Type": "text/csv"})
    return json_response(_lot_view(request.lot_id, made), 201)


def _lot_view(lot: str, vouchers: list[Any]) -> dict[str, object]:
    views = [VoucherView.model_validate(voucher_summary(v)) for v in vouchers]
    return VoucherLotView(lot_id=lot, vouchers=views).model_dump()


@operation(
    billing,
    Operation(
        "/v1/operator/voucher-lots/{lot_id}",
        "get",
        "Operator: a lot's vouchers and their states",
        response=VoucherLotView,
        auth="operator",
        path_parameters=LOT_ID,
    ),
)
@guarded
def get_voucher_lot(lot_id: str) -> Response:
    """The lot's vouchers, by code; 404 for a lot with none."""
    operator_only()
    vouchers = _vouchers().lot(lot_id)
    if not vouchers:
        raise Refused(problem(404, f"no voucher lot {lot_id}"))
    return json_response(_lot_view(lot_id, vouchers))


@operation(
    billing,
    Operation(
        "/v1/operator/voucher-lots/{lot_id}/disable",
        "post",
        "Operator: disable a lot's unused vouchers",
        response=DisabledLotView,
        auth="operator",
        path_parameters=LOT_ID,
    ),
)
@guarded
def disable_voucher_lot(lot_id: str) -> Response:
    """Disable every voucher of the lot still new; 404 for a lot with none."""
    operator_only()
    disabled = _vouchers().disable_lot(lot_id)
    return json_response(DisabledLotView(lot_id=lot_id, disabled=disabled).model_dump())


@operation(
    billing,
    Operation(
        "/v1/operator/callback-accounts/{pin}/vouchers",
        "post",
        "Operator: redeem a voucher onto a callback account",
        request=RedeemRequest,
        response=RedemptionView,
        auth="operator",
        path_parameters=PIN,
    ),
)
@guarded
def redeem_voucher(pin: str) -> Response:
    """Credit the voucher's value once; 409 with ``reason`` when refused (nothing moved)."""
    operator_only()
    request: RedeemRequest = body(RedeemRequest)
    try:
        credited = _vouchers().redeem(request.code, pin)
    except VoucherRefusedError as refused:
        raise Refused(problem(409, str(refused), reason=refused.reason)) from None
    wallet = _accounts().get(pin).wallet
    view = RedemptionView(
        account_id=pin,
        code=request.code,
        credited=format(credited, "f"),
        balance=format(wallet.balance, "f"),
        available=format(wallet.available, "f"),
    )
    return json_response(view.model_dump())
