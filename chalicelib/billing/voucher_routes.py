"""The billing product's voucher routes (operator key, problem+json, in ``/openapi.json``), on
the ``billing`` blueprint: ``POST /v1/operator/voucher-lots`` generates a lot of single-use
vouchers (201 with their codes; ``text/csv`` with ``Accept: text/csv``), ``GET
/v1/operator/voucher-lots/{lot_id}`` lists a lot, ``POST .../{lot_id}/disable`` disables its
unused vouchers, ``POST /v1/operator/callback-accounts/{pin}/vouchers`` redeems a voucher onto an
account (200 with the new balance; 409 with the refusal's ``reason``). Owns these routes and
their views. Imports Chalice, pydantic, ``web.rest``, ``web.openapi``, the wiring and the
billing modules; must not import pynamodb or a core route module.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.billing.accounts import (
    CURRENCY_PATTERN,
    POSITIVE_AMOUNT_PATTERN,
)
from chalicelib.billing.rest import (
    ACCOUNT_MONEY,
    PIN,
    accounts,
    billing,
    no_float_money,
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
from chalicelib.web.schemas import Integer
from chalicelib.wiring import container

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
    no_float_money(raw_body())
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
    wallet = accounts().get(pin).wallet
    view = RedemptionView(
        account_id=pin,
        code=request.code,
        credited=format(credited, "f"),
        balance=format(wallet.balance, "f"),
        available=format(wallet.available, "f"),
    )
    return json_response(view.model_dump())
