"""The billing product's tariff routes (operator key, problem+json, in ``/openapi.json``), on
the ``billing`` blueprint: ``PUT /v1/operator/tariffs/{tariff_id}`` takes the rate deck as
``text/csv`` (201 a new tariff, 200 a new version of one; 422 listing every bad line, nothing
loaded; 413 above the size limit); ``GET /v1/operator/tariffs/{tariff_id}`` its live version;
``GET /v1/operator/tariffs/{tariff_id}/rate?number=`` the rate of the longest prefix of the
number (404 ``no rate for <number> in tariff T``). Owns these routes and their views. Imports
Chalice, pydantic, ``web.rest``, ``web.openapi``, the wiring and the billing modules; must not
import pynamodb or a core route module.
"""

from __future__ import annotations

from datetime import datetime

from chalice.app import Response
from pydantic import BaseModel, Field

from chalicelib.billing.rest import (
    billing,
)
from chalicelib.billing.tariffs import (
    NUMBER_PATTERN,
    TARIFF_ID_PATTERN,
    InvalidNumberError,
    Rate,
    check_deck_size,
)
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    current_request,
    guarded,
    json_response,
    operation,
    operator_only,
)
from chalicelib.wiring import container

TARIFF_ID = {"tariff_id": {"type": "string", "pattern": TARIFF_ID_PATTERN}}
MONEY = "a decimal amount as text, in the currency of the tariff"


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
