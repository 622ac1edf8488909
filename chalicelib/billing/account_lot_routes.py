"""The billing product's account-lot routes (operator key, problem+json, in ``/openapi.json``),
on the ``billing`` blueprint: ``POST /v1/operator/callback-account-lots`` starts a lot of
callback accounts (202: its accounts are made by queued tasks; the lot shows how many so far),
``GET`` lists the lots, ``GET .../{lot_id}`` reads one, ``GET .../{lot_id}/export`` answers the
lot's account ids and passwords as ``text/csv`` exactly once (a second export is a 409 problem
with ``reason``), ``POST .../{lot_id}/disable`` disables the lot and, by queued tasks, every
account of it. Owns these routes and their views. Imports Chalice, pydantic, ``web.rest``,
``web.openapi``, the wiring and the billing modules; must not import pynamodb or a core route
module.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.billing.account_lots import (
    CSV_COLUMNS,
    LOT_ID_PATTERN,
    MAX_ID_LENGTH,
    MAX_LOT,
    MIN_ID_LENGTH,
    PREFIX_PATTERN,
    AccountLots,
    ExportRefusedError,
    csv_rows,
    lot_summary,
)
from chalicelib.billing.accounts import AMOUNT_PATTERN, CURRENCY_PATTERN
from chalicelib.billing.rest import ACCOUNT_MONEY, billing, no_float_money
from chalicelib.billing.tariffs import TARIFF_ID_PATTERN
from chalicelib.web.openapi import Operation
from chalicelib.web.problems import problem
from chalicelib.web.rest import Refused, body, guarded, json_response, operation, operator_only
from chalicelib.web.rest import raw_body as request_json
from chalicelib.web.schemas import Integer, Language
from chalicelib.wiring import container

LOTS = "/v1/operator/callback-account-lots"
LOT_ID = {"lot_id": {"type": "string", "pattern": LOT_ID_PATTERN}}


class AccountLotRequest(BaseModel):
    """A new lot of callback accounts: random ids (PINs) and passwords, made by queued tasks."""

    model_config = ConfigDict(extra="forbid", strict=True)
    lot_id: str = Field(pattern=LOT_ID_PATTERN)
    count: Integer = Field(ge=1, le=MAX_LOT, description=f"accounts to make: 1 to {MAX_LOT}")
    tariff: str = Field(pattern=TARIFF_ID_PATTERN, description="the id of a loaded tariff")
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 (EUR)")
    language: Language = Field(description="the language of the accounts' prompts")
    balance: str = Field(default="0", pattern=AMOUNT_PATTERN, description=ACCOUNT_MONEY)
    id_length: Integer = Field(
        default=10,
        ge=MIN_ID_LENGTH,
        le=MAX_ID_LENGTH,
        description="digits of each account id (PIN), at least 6 of them random",
    )
    prefix: str = Field(
        default="", pattern=PREFIX_PATTERN, description="digits every id starts with"
    )


class AccountLotView(BaseModel):
    """A lot: its settings and how far its accounts are made (never a password)."""

    lot_id: str
    state: str = Field(description="creating, ready or disabled")
    count: int
    created: int = Field(description="accounts made so far")
    disabled: int = Field(description="accounts disabled so far (after a disable)")
    tariff: str
    currency: str
    language: str
    balance: str = Field(description="each account's opening balance")
    id_length: int
    prefix: str
    exported: bool = Field(description="true: the passwords were exported and are gone")
    created_at: str
    exported_at: str | None
    disabled_at: str | None


class AccountLotsView(BaseModel):
    """Every lot."""

    lots: list[AccountLotView]


def _lots() -> AccountLots:
    lots: AccountLots = container().services("billing").account_lots
    return lots


def _view(lot: object) -> dict[str, object]:
    return AccountLotView.model_validate(lot_summary(lot)).model_dump()  # type: ignore[arg-type]


@operation(
    billing,
    Operation(
        LOTS,
        "post",
        "Operator: start a lot of callback accounts (made by queued tasks)",
        request=AccountLotRequest,
        response=AccountLotView,
        status=202,
        auth="operator",
    ),
)
@guarded
def create_account_lot() -> Response:
    """Write the lot and queue its accounts; 202 with the lot (``creating``)."""
    operator_only()
    no_float_money(request_json())
    request: AccountLotRequest = body(AccountLotRequest)
    lot = _lots().start(
        request.lot_id,
        request.count,
        tariff=request.tariff,
        currency=request.currency,
        language=request.language,
        balance=Decimal(request.balance),
        id_length=request.id_length,
        prefix=request.prefix,
    )
    return json_response(_view(lot), 202)


@operation(
    billing,
    Operation(
        LOTS,
        "get",
        "Operator: every lot of callback accounts",
        response=AccountLotsView,
        auth="operator",
    ),
)
@guarded
def list_account_lots() -> Response:
    """Every lot, by id."""
    operator_only()
    return json_response({"lots": [_view(lot) for lot in _lots().all()]})


@operation(
    billing,
    Operation(
        LOTS + "/{lot_id}",
        "get",
        "Operator: a lot of callback accounts and how far it is made",
        response=AccountLotView,
        auth="operator",
        path_parameters=LOT_ID,
    ),
)
@guarded
def get_account_lot(lot_id: str) -> Response:
    """The lot as stored now."""
    operator_only()
    return json_response(_view(_lots().get(lot_id)))


@operation(
    billing,
    Operation(
        LOTS + "/{lot_id}/export",
        "get",
        "Operator: a lot's account ids and passwords as CSV, exactly once",
        auth="operator",
        path_parameters=LOT_ID,
        media="text/csv",
    ),
)
@guarded
def export_account_lot(lot_id: str) -> Response:
    """The CSV of ids and passwords; 409 with ``reason`` (``exported``, ``creating``,
    ``disabled``) otherwise."""
    operator_only()
    try:
        lot, accounts = _lots().export(lot_id)
    except ExportRefusedError as refused:
        raise Refused(problem(409, str(refused), reason=refused.reason)) from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(lot, accounts))
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/csv",
        "Content-Disposition": f'attachment; filename="{lot_id}.csv"',
        "Cache-Control": "no-store",
    }
    return Response(body=out.getvalue(), status_code=200, headers=headers)


@operation(
    billing,
    Operation(
        LOTS + "/{lot_id}/disable",
        "post",
        "Operator: disable a lot and every account of it",
        response=AccountLotView,
        auth="operator",
        path_parameters=LOT_ID,
    ),
)
@guarded
def disable_account_lot(lot_id: str) -> Response:
    """Disable the lot (idempotent); its accounts are disabled by queued tasks."""
    operator_only()
    return json_response(_view(_lots().disable(lot_id)))
