"""The click-to-call's REST routes, on the blueprint ``click2call``.

- The platform's operator (operator key): ``PUT /v1/operator/click2call/companies/{id}`` allows
  an account to run click-to-call campaigns (its tariff, currency, e-mail), ``PUT
  .../companies/{id}/operators/{operator_id}`` sets one of its operators (a number or a SIP
  address).
- The company (its account's API key): ``POST``/``GET /v1/click2call/campaigns``, ``GET``/``PATCH
  /v1/click2call/campaigns/{id}``; ``GET /v1/click2call/requests`` (by campaign, status and
  period) and ``GET /v1/click2call/export/requests`` (CSV, with their comments); ``GET
  /v1/click2call/requests/{id}``, ``POST .../call-back``, ``POST .../comments``; ``PUT
  /v1/click2call/comment-types/{id}`` and ``GET /v1/click2call/comment-types``.
- The banner (public): ``POST /c2c/{public_key}/requests`` with ``phone`` and ``agree`` (JSON or
  an HTML form): 202 with the request id, or a problem whose ``code`` says why
  (``invalid_number``, ``destination_not_supported``, ``outside_hours``, ``rate_limited``,
  ``daily_limit``, ``consent_required``, ``site_not_allowed``, ``unknown_campaign``,
  ``campaign_stopped``); a browser may post it from the campaign's sites only (CORS, with its
  preflight).

Imports Chalice, pydantic, the web helpers, the wiring and the product's service and model;
never the store.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.click2call.model import Campaign, RequestStatus
from chalicelib.click2call.service import BannerRefusedError, Click2Call
from chalicelib.click2call.views import BANNER_PATH, campaign_view, embed_snippets, request_view
from chalicelib.errors import NotFoundError, RateLimitedError, ValidationError
from chalicelib.web.forms import client_ip, form_fields
from chalicelib.web.openapi import Operation
from chalicelib.web.problems import problem
from chalicelib.web.rest import (
    body,
    calling_account,
    current_request,
    guarded,
    json_response,
    operation,
    operator_only,
    preflight_route,
)
from chalicelib.wiring import container

click2call = Blueprint(__name__)
MAX_BANNER_BODY = 2048
PREFLIGHT_SECONDS = 600
_ID: dict[str, Any] = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"}


FILTERS = {
    "campaign_id": _ID,
    "status": {"type": "string", "enum": [status.value for status in RequestStatus]},
    "since": {"type": "string", "format": "date-time"},
    "until": {"type": "string", "format": "date-time"},
}


def _service() -> Click2Call:
    return container().services("click2call").click2call  # type: ignore[no-any-return]


# -- the platform's operator ----------------------------------------------------------------
class CompanyBody(BaseModel):
    """A company allowed to run click-to-call campaigns."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100)]
    tariff: Annotated[str, Field(min_length=1, max_length=64)]
    currency: Annotated[str, Field(pattern="^[A-Z]{3}$")] = "EUR"
    email: Annotated[str, Field(max_length=254)] = ""
    allowed: bool = True
    password: Annotated[str | None, Field(min_length=8, max_length=128)] = None
    """The password of the company's pages (left out: the one set stays)."""


class OperatorBody(BaseModel):
    """An operator: a phone number with its country code, or a SIP address."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(max_length=100)] = ""
    number: Annotated[str, Field(max_length=40)] = ""
    sip: Annotated[str, Field(max_length=260)] = ""


@operation(
    click2call,
    Operation(
        "/v1/operator/click2call/companies/{company_id}",
        "put",
        "Operator: allow an account to run click-to-call campaigns",
        request=CompanyBody,
        auth="operator",
        path_parameters={"company_id": {"type": "string", "maxLength": 64}},
    ),
)
@guarded
def put_company(company_id: str) -> Response:
    """Allow (or stop) the account's click-to-call campaigns, rated by its tariff."""
    operator_only()
    fields = body(CompanyBody).model_dump()
    company = _service().put_company(company_id, **fields)
    return json_response(
        {
            "company_id": company.company_id,
            "name": company.name,
            "tariff": company.tariff,
            "currency": company.currency,
            "email": company.email,
            "allowed": company.allowed,
            "pages_login": bool(company.password_hash),
        }
    )


@operation(
    click2call,
    Operation(
        "/v1/operator/click2call/companies/{company_id}/operators/{operator_id}",
        "put",
        "Operator: set an operator of a company (who answers its click-to-calls)",
        request=OperatorBody,
        auth="operator",
        path_parameters={
            "company_id": {"type": "string", "maxLength": 64},
            "operator_id": _ID,
        },
    ),
)
@guarded
def put_operator(company_id: str, operator_id: str) -> Response:
    """The operator, reached on its number or SIP address."""
    operator_only()
    fields = body(OperatorBody).model_dump()
    operator = _service().put_operator(company_id, operator_id, **fields)
    return json_response(
        {
            "operator_id": operator.operator_id,
            "name": operator.name,
            "number": operator.number,
            "sip": operator.sip,
        }
    )


# -- the company ------------------------------------------------------------------------------
OperatorId = Annotated[str, Field(max_length=40)]


class CampaignBody(BaseModel):
    """A click-to-call campaign's settings (on a change, only those given)."""

    model_config = ConfigDict(extra="forbid")
    campaign_id: Annotated[str, Field(pattern="^[a-z0-9][a-z0-9-]{0,39}$")] | None = None
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    operators: Annotated[list[OperatorId], Field(max_length=10)] | None = None
    caller_id: Annotated[str, Field(max_length=40)] | None = None
    company_caller_id: (
        Annotated[
            str,
            Field(
                max_length=40,
                description="The number the operators see the calls come from (one of the "
                "company's; empty: caller_id, the number the visitor sees).",
            ),
        ]
        | None
    ) = None
    first: Literal["visitor", "company"] | None = None
    message_text: Annotated[str, Field(max_length=1000)] | None = None
    message_url: Annotated[str, Field(max_length=500)] | None = None
    language: Annotated[str, Field(max_length=20)] | None = None
    redials: Annotated[int, Field(ge=0, le=10)] | None = None
    redial_pause: Annotated[int, Field(ge=10, le=86_400)] | None = None
    ring_timeout: Annotated[int, Field(ge=5, le=120)] | None = None
    ring: (
        Annotated[
            Literal["order", "all"],
            Field(
                description="How the operators are rung once the visitor answers: one after "
                "the other (order), or all at once, the first to answer taking the call (all)."
            ),
        ]
        | None
    ) = None
    reminder_minutes: Annotated[int, Field(ge=1, le=43_200)] | None = None
    price: (
        Annotated[
            str,
            Field(
                pattern=r"^\d{1,5}(\.\d{1,4})?$",
                description="What a completed click-to-call costs the company, as text: 0.50",
            ),
        ]
        | None
    ) = None
    hours: Annotated[str, Field(max_length=100)] | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    outside_hours: Literal["queue", "refuse"] | None = None
    sites: Annotated[list[Annotated[str, Field(max_length=220)]], Field(max_length=20)] | None = (
        None
    )
    daily_requests: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    enabled: bool | None = None


def _shown(campaign: Campaign) -> dict[str, Any]:
    """A campaign with what its sites paste to show its banner."""
    base = container().settings.public_base_url
    return {**campaign_view(campaign), "embed": embed_snippets(base, campaign.public_key)}


CAMPAIGNS = "/v1/click2call/campaigns"
CAMPAIGN_ID = {"campaign_id": _ID}


@operation(
    click2call,
    Operation(CAMPAIGNS, "post", "Make a click-to-call campaign", request=CampaignBody, status=201),
)
@guarded
def create_campaign() -> Response:
    """A new campaign (its outbound flow loaded, its listener on); its banner's key."""
    account = calling_account()
    fields = body(CampaignBody).model_dump(exclude_none=True)
    campaign = _service().create_campaign(account.account_id, fields)
    return json_response(_shown(campaign), 201)


@operation(click2call, Operation(CAMPAIGNS, "get", "The account's click-to-call campaigns"))
@guarded
def list_campaigns() -> Response:
    """Every campaign of the account."""
    account = calling_account()
    found = _service().campaigns.list(account.account_id)
    return json_response({"campaigns": [_shown(c) for c in found]})


@operation(
    click2call,
    Operation(
        CAMPAIGNS + "/{campaign_id}",
        "get",
        "One click-to-call campaign",
        path_parameters=CAMPAIGN_ID,
    ),
)
@guarded
def show_campaign(campaign_id: str) -> Response:
    """The campaign's settings and its banner's key."""
    account = calling_account()
    return json_response(_shown(_service().campaign(account.account_id, campaign_id)))


@operation(
    click2call,
    Operation(
        CAMPAIGNS + "/{campaign_id}",
        "patch",
        "Change a click-to-call campaign",
        request=CampaignBody,
        path_parameters=CAMPAIGN_ID,
    ),
)
@guarded
def change_campaign(campaign_id: str) -> Response:
    """Change the settings given; the campaign's flow follows."""
    account = calling_account()
    fields = body(CampaignBody).model_dump(exclude_none=True)
    fields.pop("campaign_id", None)
    changed = _service().update_campaign(account.account_id, campaign_id, fields)
    return json_response(_shown(changed))


@operation(
    click2call,
    Operation(
        "/v1/click2call/requests/{request_id}",
        "get",
        "One click-to-call request: its status and the legs of its calls",
        path_parameters={"request_id": {"type": "string", "maxLength": 64}},
    ),
)
@guarded
def show_request(request_id: str) -> Response:
    """The request, if it is the account's."""
    account = calling_account()
    return json_response(request_view(_service().request(account.account_id, request_id)))


@operation(
    click2call,
    Operation(
        "/v1/click2call/requests",
        "get",
        "The account's click-to-call requests, newest first (by campaign, status, period)",
        query={
            **FILTERS,
            "limit": {"type": "integer", "minimum": 1, "maximum": 200},
            "cursor": {"type": "string", "maxLength": 400},
        },
    ),
)
@guarded
def list_requests() -> Response:
    """A page of requests and the cursor of the next (none: the last page)."""
    account = calling_account()
    query, since, until, status = _filters()
    given = query.get("limit", "50")
    if not given.isascii() or not given.isdigit():
        raise ValidationError("limit is a number, 1 to 200")
    limit = int(given)
    if not 1 <= limit <= 200:
        raise ValidationError("limit is 1 to 200")
    found, cursor = _service().requests.list(
        account.account_id,
        since=since,
        until=until,
        campaign_id=query.get("campaign_id") or None,
        status=status,
        limit=limit,
        cursor=query.get("cursor") or None,
    )
    return json_response({"requests": [request_view(r) for r in found], "cursor": cursor})


def _instant(text: str | None) -> datetime | None:
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(text)
    return moment


def _filters() -> tuple[dict[str, str], datetime | None, datetime | None, RequestStatus | None]:
    """The query, its period and its status (``ValidationError`` saying what is wrong)."""
    query: dict[str, str] = dict(current_request().query_params or {})
    campaign = query.get("campaign_id")
    if campaign is not None and not re.fullmatch(_ID["pattern"], campaign):
        raise ValidationError("campaign_id is 1 to 40 of a-z, 0-9 and -")
    try:
        since = _instant(query.get("since"))
        until = _instant(query.get("until"))
        status = RequestStatus(query["status"]) if "status" in query else None
    except ValueError:
        raise ValidationError(
            "since and until are ISO 8601 times with their offset, status one of"
            f" {[s.value for s in RequestStatus]}"
        ) from None
    return query, since, until, status


@operation(
    click2call,
    Operation(
        "/v1/click2call/export/requests",
        "get",
        "The account's click-to-call requests of a period with their comments, as CSV",
        query=FILTERS,
        media="text/csv",
    ),
)
@guarded
def export_requests() -> Response:
    """Every request of the period (oldest first), both legs and the comments, as CSV."""
    account = calling_account()
    query, since, until, status = _filters()
    text = _service().requests_csv(
        account.account_id, since, until, query.get("campaign_id") or None, status
    )
    return Response(
        body=text,
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": 'attachment; filename="click2call-requests.csv"',
        },
    )


@operation(
    click2call,
    Operation(
        "/v1/click2call/requests/{request_id}/call-back",
        "post",
        "Call a failed click-to-call request back (an operator first, then the visitor)",
        status=202,
        path_parameters={"request_id": {"type": "string", "maxLength": 64}},
    ),
)
@guarded
def call_back(request_id: str) -> Response:
    """The request, in progress again: an operator is called, then the visitor."""
    account = calling_account()
    return json_response(request_view(_service().call_back(account.account_id, request_id)), 202)


# -- the banner -------------------------------------------------------------------------------
class BannerRequest(BaseModel):
    """A visitor's click: their number (with its country code) and their consent."""

    model_config = ConfigDict(extra="ignore")
    phone: Annotated[str, Field(max_length=40)]
    agree: bool


class BannerAccepted(BaseModel):
    """The request was taken: the visitor's phone rings (or at ``call_at``)."""

    request_id: str
    status: Literal["accepted"]
    call_at: str | None = None
    repeated: bool = False


def _single(form: dict[str, Any]) -> dict[str, Any]:
    return {k: (v[0] if isinstance(v, list) and v else v) for k, v in form.items()}


def _origin() -> str:
    """The browser page's origin; '' for none, or for the app's own pages (its banner)."""
    headers = current_request().headers
    origin = str(headers.get("origin") or "")
    proto = (headers.get("x-forwarded-proto") or "http").split(",")[0].strip()
    return "" if origin == f"{proto}://{headers.get('host', '')}" else origin


def _cors(response: Response, public_key: str) -> Response:
    """The CORS header for a post from one of the campaign's sites."""
    origin = _origin()
    if origin:
        try:
            campaign = _service().campaigns.by_key(public_key[:64])
        except NotFoundError:
            return response
        if origin in campaign.sites:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
    return response


@operation(
    click2call,
    Operation(
        BANNER_PATH,
        "post",
        "Public: a visitor asks the campaign to call them (the banner's post)",
        request=BannerRequest,
        response=BannerAccepted,
        status=202,
        auth="none",
        form_too=True,
        path_parameters={"public_key": {"type": "string", "maxLength": 64}},
    ),
)
def banner_request(public_key: str) -> Response:
    """Accepted with the request id, or a problem whose ``code`` says why not."""

    def answer() -> Response:
        try:
            form = _single(form_fields(MAX_BANNER_BODY))
            accepted = _service().ask(public_key, form, _origin(), client_ip())
        except BannerRefusedError as refused:
            return problem(refused.status, str(refused), code=refused.code)
        except RateLimitedError as limited:
            return problem(
                429,
                str(limited),
                code="rate_limited",
                headers={"Retry-After": str(limited.retry_after)},
            )
        return json_response(accepted, 202)

    return _cors(guarded(answer)(), public_key)


def _preflight(public_key: str) -> Response:
    """A browser's preflight: allowed for the campaign's sites only."""
    origin = _origin()
    try:
        campaign = _service().campaigns.by_key(public_key[:64])
    except NotFoundError:
        campaign = None
    if campaign is None or origin not in campaign.sites:
        return problem(403, "this site may not post to this campaign")
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": str(PREFLIGHT_SECONDS),
            "Vary": "Origin",
        },
    )


preflight_route(click2call, BANNER_PATH)(_preflight)


# -- comments -------------------------------------------------------------------------------
class CommentFieldBody(BaseModel):
    """A field of a comment type."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(pattern="^[a-z][a-z0-9_]{0,39}$")]
    kind: Literal["text", "number", "money", "choice"] = "text"
    choices: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=20)] = []
    required: bool = False


class CommentTypeBody(BaseModel):
    """A kind of comment the company writes on its requests, with its fields."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=100)]
    fields: Annotated[list[CommentFieldBody], Field(max_length=10)] = []


class CommentBody(BaseModel):
    """A comment on a request: its type (``note``: text only), text and field values."""

    model_config = ConfigDict(extra="forbid")
    type: Annotated[str, Field(pattern="^[a-z][a-z0-9_]{0,39}$")] = "note"
    text: Annotated[str, Field(max_length=2000)] = ""
    values: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=200)]] = {}


def _type_view(kind: Any) -> dict[str, Any]:
    return {
        "type_id": kind.type_id,
        "name": kind.name,
        "fields": [
            {
                "name": f.name,
                "kind": f.kind.value,
                "choices": list(f.choices),
                "required": f.required,
            }
            for f in kind.fields
        ],
    }


@operation(
    click2call,
    Operation(
        "/v1/click2call/comment-types/{type_id}",
        "put",
        "Define a comment type (its fields) for the account's click-to-call requests",
        request=CommentTypeBody,
        path_parameters={"type_id": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"}},
    ),
)
@guarded
def put_comment_type(type_id: str) -> Response:
    """The comment type as defined."""
    account = calling_account()
    given = body(CommentTypeBody)
    fields = [f.model_dump() for f in given.fields]
    kind = _service().put_comment_type(account.account_id, type_id, given.name, fields)
    return json_response(_type_view(kind))


@operation(
    click2call,
    Operation("/v1/click2call/comment-types", "get", "The account's comment types"),
)
@guarded
def list_comment_types() -> Response:
    """Every comment type of the account."""
    account = calling_account()
    kinds = _service().comment_types.list(account.account_id)
    return json_response({"comment_types": [_type_view(k) for k in kinds]})


@operation(
    click2call,
    Operation(
        "/v1/click2call/requests/{request_id}/comments",
        "post",
        "Comment on a click-to-call request",
        request=CommentBody,
        status=201,
        path_parameters={"request_id": {"type": "string", "maxLength": 64}},
    ),
)
@guarded
def add_comment(request_id: str) -> Response:
    """The request with its comments."""
    account = calling_account()
    given = body(CommentBody)
    commented = _service().comment(
        account.account_id, request_id, given.type, given.text, given.values
    )
    return json_response(request_view(commented), 201)
