"""The operator's configuration of web callback services, on the ``callback`` blueprint:
``PUT``/``GET``/``DELETE /v1/operator/web-callbacks/{service}`` and ``GET
/v1/operator/web-callbacks`` (a page at a time). Operator key auth and problem+json as every
operator route (``web.rest``); documented in ``/openapi.json``. Imports Chalice, pydantic,
``web.rest``, ``web.openapi``, ``web.schemas``, the wiring and the callback modules; must not
import pynamodb, the store or a core route module.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.billing.accounts import CURRENCY_PATTERN
from chalicelib.callback.access import (
    ACCESS_NUMBER_PATTERN,
    CALLBACK_ACCOUNT_PATTERN,
    TENANT_PATTERN,
)
from chalicelib.callback.routes import callback
from chalicelib.callback.web import (
    MAX_FIELD,
    MAX_ORIGINS,
    MAX_PREFIXES,
    ORIGIN_PATTERN,
    PREFIX_PATTERN,
    SERVICE_ID_PATTERN,
    WebCallbacks,
    WebMode,
    WebService,
)
from chalicelib.errors import ValidationError
from chalicelib.guards.limits import Velocity
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    body,
    current_request,
    guarded,
    json_response,
    operation,
    operator_only,
    page_limit,
)
from chalicelib.web.schemas import Integer
from chalicelib.wiring import container

ADMIN_PATH = "/v1/operator/web-callbacks/{service}"
SERVICE_PARAMETER = {"service": {"type": "string", "pattern": SERVICE_ID_PATTERN}}
MAX_SERVICES_PAGE = 100


def _web() -> WebCallbacks:
    service: WebCallbacks = container().services("callback").web
    return service


class VelocityBody(BaseModel):
    """At most ``limit`` requests per ``seconds``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    limit: Integer = Field(ge=1, le=10_000)
    seconds: Integer = Field(ge=1, le=86_400)


class WebServiceBody(BaseModel):
    """A web callback service's configuration."""

    model_config = ConfigDict(extra="forbid", strict=True)
    tenant: str = Field(pattern=TENANT_PATTERN)
    access_number: str = Field(
        pattern=ACCESS_NUMBER_PATTERN,
        description="the access number whose flow and caller id the callbacks use",
    )
    modes: list[Literal["simple", "extended", "hosted"]] = Field(min_length=1, max_length=3)
    destination: str | None = Field(
        default=None,
        pattern=r"^[1-9][0-9]{6,14}$",
        description="E.164 digits: the number simple and hosted callbacks connect to",
    )
    internal_account: str | None = Field(
        default=None, pattern=CALLBACK_ACCOUNT_PATTERN, description="hosted: who pays"
    )
    allow: list[Annotated[str, Field(pattern=PREFIX_PATTERN)]] = Field(
        default_factory=list,
        max_length=MAX_PREFIXES,
        description="number prefixes every dialled number must start with (hosted needs one)",
    )
    origins: list[Annotated[str, Field(pattern=ORIGIN_PATTERN)]] = Field(
        default_factory=list,
        max_length=MAX_ORIGINS,
        description="web origins allowed to post from a browser (https://shop.example)",
    )
    per_ip: VelocityBody = Field(default_factory=lambda: VelocityBody(limit=10, seconds=3600))
    per_number: VelocityBody = Field(default_factory=lambda: VelocityBody(limit=3, seconds=600))
    daily_cap: str | None = Field(
        default=None,
        pattern=r"^[0-9]{1,9}(\.[0-9]{1,4})?$",
        description="the most the service may commit per day (worst case of each callback)",
    )
    cap_currency: str | None = Field(default=None, pattern=CURRENCY_PATTERN)
    max_minutes: Integer = Field(default=10, ge=1, le=240)
    enabled: bool = True


class WebServiceView(WebServiceBody):
    """A web callback service as stored."""

    service_id: str


class WebServicePageView(BaseModel):
    """A page of web callback services (``next``: the next page's ``after``)."""

    items: list[WebServiceView]
    next: str | None


def _to_service(service_id: str, request: WebServiceBody) -> WebService:
    return WebService(
        service_id=service_id,
        tenant=request.tenant,
        access_number=request.access_number,
        modes=tuple(WebMode(mode) for mode in dict.fromkeys(request.modes)),
        destination=request.destination,
        internal_account=request.internal_account,
        allow=tuple(request.allow),
        origins=tuple(request.origins),
        per_ip=Velocity(request.per_ip.limit, request.per_ip.seconds),
        per_number=Velocity(request.per_number.limit, request.per_number.seconds),
        daily_cap=None if request.daily_cap is None else Decimal(request.daily_cap),
        cap_currency=request.cap_currency,
        max_minutes=request.max_minutes,
        enabled=request.enabled,
    )


def _service_view(service: WebService) -> dict[str, Any]:
    return WebServiceView(
        service_id=service.service_id,
        tenant=service.tenant,
        access_number=service.access_number,
        modes=[mode.value for mode in service.modes],
        destination=service.destination,
        internal_account=service.internal_account,
        allow=list(service.allow),
        origins=list(service.origins),
        per_ip=VelocityBody(limit=service.per_ip.limit, seconds=service.per_ip.seconds),
        per_number=VelocityBody(limit=service.per_number.limit, seconds=service.per_number.seconds),
        daily_cap=None if service.daily_cap is None else str(service.daily_cap),
        cap_currency=service.cap_currency,
        max_minutes=service.max_minutes,
        enabled=service.enabled,
    ).model_dump(mode="json")


@operation(
    callback,
    Operation(
        ADMIN_PATH,
        "put",
        "Operator: create or replace a web callback service",
        request=WebServiceBody,
        response=WebServiceView,
        status=201,
        auth="operator",
        also={200: "An existing service replaced"},
        path_parameters=SERVICE_PARAMETER,
    ),
)
@guarded
def put_web_callback_service(service: str) -> Response:
    """Store the service (checking its access number and internal account)."""
    operator_only()
    configured = _to_service(service, body(WebServiceBody))
    new = _web().put(configured)
    return json_response(_service_view(configured), 201 if new else 200)


@operation(
    callback,
    Operation(
        ADMIN_PATH,
        "get",
        "Operator: a web callback service",
        response=WebServiceView,
        auth="operator",
        path_parameters=SERVICE_PARAMETER,
    ),
)
@guarded
def get_web_callback_service(service: str) -> Response:
    """The service's configuration; 404 if there is none."""
    operator_only()
    return json_response(_service_view(_web().get(service)))


@operation(
    callback,
    Operation(
        ADMIN_PATH,
        "delete",
        "Operator: delete a web callback service",
        status=204,
        auth="operator",
        path_parameters=SERVICE_PARAMETER,
    ),
)
@guarded
def delete_web_callback_service(service: str) -> Response:
    """204 when deleted; 404 when there is no such service."""
    operator_only()
    _web().delete(service)
    return Response(body="", status_code=204)


@operation(
    callback,
    Operation(
        "/v1/operator/web-callbacks",
        "get",
        "Operator: the web callback services, a page at a time",
        response=WebServicePageView,
        auth="operator",
        query={
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_SERVICES_PAGE},
            "after": {"type": "string", "pattern": SERVICE_ID_PATTERN},
        },
    ),
)
@guarded
def list_web_callback_services() -> Response:
    """Up to ``limit`` services after ``after`` (the previous page's ``next``)."""
    operator_only()
    query: dict[str, str] = dict(current_request().query_params or {})
    limit = page_limit(query.get("limit"), MAX_SERVICES_PAGE)
    after = query.get("after")
    if after is not None and not re.fullmatch(SERVICE_ID_PATTERN, after):
        raise ValidationError(f"after {after[:MAX_FIELD]!r} is no service id")
    items, after = _web().list(limit, after)
    return json_response({"items": [_service_view(item) for item in items], "next": after})
