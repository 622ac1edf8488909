"""The campaigns product's tenant REST routes (account key), on the ``campaigns`` blueprint.

An outbound flow's campaign settings (the seed's configurator tab): ``GET`` and ``PATCH
/v1/outbound/flows/{flow_id}`` (pace, calling window, retries, machine handling), ``POST
.../activate`` (the listener on with the DIDs attached now; the security id is shown the first
time only), ``POST .../security-id`` (a new one, shown once). The account's: ``GET`` and ``PUT
/v1/outbound/settings`` (IP whitelist, allowed e-mail senders, the account's pace). Campaigns:
``GET /v1/campaigns``, ``GET /v1/campaigns/{campaign_id}`` (progress per status), ``POST
.../pause|resume|cancel`` and ``GET .../contacts`` (a page of contacts with their attempts, or
``?format=csv``: the whole report, formula cells escaped). problem+json for every refusal.
Imports Chalice, pydantic, the web helpers, the wiring and the campaigns' service and report;
never the store.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.campaigns import report
from chalicelib.campaigns.model import FlowSettings
from chalicelib.campaigns.report import account_view, campaign_view, contact_view, report_csv
from chalicelib.campaigns.routes import campaigns
from chalicelib.campaigns.service import Campaigns
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    body,
    calling_account,
    current_request,
    guarded,
    json_response,
    operation,
    page_limit,
)
from chalicelib.wiring import container

SENDER_PATTERN = r"^[!-?A-~]{0,64}@[!-?A-~]{1,190}$"
"""An allowed sender: an address, or ``@domain`` for a whole domain."""
FLOW_PATH = "/v1/outbound/flows/{flow_id}"
CAMPAIGN_PATH = "/v1/campaigns/{campaign_id}"
CAMPAIGN_PARAMETER = {"campaign_id": {"type": "string", "pattern": r"^[A-Za-z0-9_.:-]{1,100}$"}}


class CampaignView(BaseModel):
    """A campaign and its progress per status."""

    campaign_id: str
    flow_id: str
    trigger: str
    name: str
    created_at: str
    state: str
    paused_reason: str | None
    contacts: int
    rejected: int
    finished: bool
    progress: dict[str, int]


class FlowChanges(BaseModel):
    """Campaign settings of an outbound flow to change (the others stay)."""

    model_config = ConfigDict(extra="forbid")
    calls_per_second: Annotated[float, Field(ge=0.1, le=50)] | None = None
    max_concurrent: Annotated[int, Field(ge=1, le=1000)] | None = None
    window: Annotated[str, Field(max_length=100)] | None = None
    max_retries: Annotated[int, Field(ge=0, le=10)] | None = None
    retry_delay: Annotated[int, Field(ge=60, le=7 * 24 * 3600)] | None = None
    ringing_timeout: Annotated[int, Field(ge=15, le=120)] | None = None
    machine: Literal["off", "continue", "hangup", "retry"] | None = None


class AccountChanges(BaseModel):
    """An account's campaign settings to change (the others stay)."""

    model_config = ConfigDict(extra="forbid")
    ip_whitelist: (
        Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=100)] | None
    ) = None
    allowed_senders: (
        Annotated[list[Annotated[str, Field(pattern=SENDER_PATTERN)]], Field(max_length=100)] | None
    ) = None
    calls_per_second: Annotated[float, Field(ge=0.1, le=50)] | None = None
    max_concurrent: Annotated[int, Field(ge=1, le=5000)] | None = None


def _exact(changes: dict[str, Any]) -> dict[str, Any]:
    """A pace as sent (``2.5``) as an exact decimal."""
    if "calls_per_second" in changes:
        changes["calls_per_second"] = Decimal(str(changes["calls_per_second"]))
    return changes


def _campaigns() -> Campaigns:
    return container().services("campaigns").campaigns  # type: ignore[no-any-return]


def flow_view(settings: FlowSettings, security_id: str | None = None) -> dict[str, Any]:
    """A flow's settings as shown, its upload address on this deployment's mail domain."""
    return report.flow_view(settings, container().settings.mail_domain, security_id)


@operation(campaigns, Operation(FLOW_PATH, "get", "An outbound flow's campaign settings"))
@guarded
def show_flow(flow_id: str) -> Response:
    """The flow's campaign settings."""
    account = calling_account()
    return json_response(flow_view(_campaigns().flow_settings(account.account_id, flow_id)))


@operation(
    campaigns,
    Operation(
        FLOW_PATH, "patch", "Change an outbound flow's campaign settings", request=FlowChanges
    ),
)
@guarded
def change_flow(flow_id: str) -> Response:
    """Change the flow's campaign settings; the others stay."""
    account = calling_account()
    changes = _exact(body(FlowChanges).model_dump(exclude_none=True))
    return json_response(flow_view(_campaigns().configure(account.account_id, flow_id, changes)))


@operation(
    campaigns,
    Operation(
        f"{FLOW_PATH}/activate",
        "post",
        "Activate an outbound flow's listener with the DIDs attached to it now",
    ),
)
@guarded
def activate_flow(flow_id: str) -> Response:
    """The listener on with the DIDs attached now (the security id shown the first time)."""
    account = calling_account()
    settings, secret = _campaigns().activate(account.account_id, flow_id)
    return json_response(flow_view(settings, secret))


@operation(
    campaigns,
    Operation(f"{FLOW_PATH}/security-id", "post", "A new security id for the flow (shown once)"),
)
@guarded
def rotate_security_id(flow_id: str) -> Response:
    """A new security id; the old one stops working at once."""
    account = calling_account()
    secret = _campaigns().rotate_security_id(account.account_id, flow_id)
    return json_response({"flow_id": flow_id, "security_id": secret})


@operation(campaigns, Operation("/v1/outbound/settings", "get", "The account's campaign settings"))
@guarded
def show_account_settings() -> Response:
    """The account's whitelist, allowed senders and pace."""
    account = calling_account()
    return json_response(account_view(_campaigns().account_settings(account.account_id)))


@operation(
    campaigns,
    Operation(
        "/v1/outbound/settings",
        "put",
        "Change the account's IP whitelist, allowed senders or pace",
        request=AccountChanges,
    ),
)
@guarded
def change_account_settings() -> Response:
    """Change the account's whitelist, allowed senders or pace."""
    account = calling_account()
    changes = _exact(body(AccountChanges).model_dump(exclude_none=True))
    for name in ("ip_whitelist", "allowed_senders"):
        if name in changes:
            changes[name] = tuple(str(v).strip() for v in changes[name])
    settings = _campaigns().configure_account(account.account_id, changes)
    return json_response(account_view(settings))


@operation(
    campaigns,
    Operation(
        "/v1/campaigns", "get", "The account's latest campaigns", response=CampaignView, many=True
    ),
)
@guarded
def list_campaigns() -> Response:
    """The account's latest campaigns, newest first."""
    account = calling_account()
    found = _campaigns().campaigns.list(account.account_id)
    return json_response([campaign_view(c) for c in found])


@operation(
    campaigns,
    Operation(
        CAMPAIGN_PATH,
        "get",
        "A campaign and its progress",
        response=CampaignView,
        path_parameters=CAMPAIGN_PARAMETER,
    ),
)
@guarded
def show_campaign(campaign_id: str) -> Response:
    """One campaign and its progress per status."""
    account = calling_account()
    return json_response(campaign_view(_campaigns().campaign(account.account_id, campaign_id)))


def _control(action: str, summary: str) -> None:
    @operation(
        campaigns,
        Operation(f"{CAMPAIGN_PATH}/{action}", "post", summary, path_parameters=CAMPAIGN_PARAMETER),
    )
    @guarded
    def control(campaign_id: str) -> Response:
        account = calling_account()
        changed = getattr(_campaigns(), action)(account.account_id, campaign_id)
        return json_response(campaign_view(changed))

    control.__name__ = f"{action}_campaign"


_control("pause", "Pause a campaign (calls going on end as they end)")
_control("resume", "Resume a paused campaign")
_control("cancel", "Cancel a campaign: nobody else is called")


@operation(
    campaigns,
    Operation(
        f"{CAMPAIGN_PATH}/contacts",
        "get",
        "A campaign's contacts with their status and attempts (or the CSV report)",
        path_parameters=CAMPAIGN_PARAMETER,
        query={
            "format": {"type": "string", "enum": ["json", "csv"]},
            "limit": {"type": "integer", "minimum": 1, "maximum": 500},
            "cursor": {
                "type": "string",
                "pattern": r"^[0-7]:[\x21-\x7e]{0,128}$",
                "description": "the cursor of the page before",
            },
        },
    ),
)
@guarded
def list_contacts(campaign_id: str) -> Response:
    """A page of the campaign's contacts, or (``format=csv``) the whole report."""
    account = calling_account()
    service = _campaigns()
    campaign = service.campaign(account.account_id, campaign_id)
    query: Any = current_request().query_params or {}
    if query.get("format") == "csv":
        text = report_csv(service.contacts.every(campaign.campaign_id))
        return Response(
            body=text,
            status_code=200,
            headers={
                "Content-Type": "text/csv; charset=utf-8",
                "Content-Disposition": f'attachment; filename="{campaign.campaign_id}.csv"',
            },
        )
    limit = page_limit(query.get("limit"), 500)
    found, cursor = service.contacts.page(campaign.campaign_id, limit, query.get("cursor"))
    return json_response({"contacts": [contact_view(c) for c in found], "cursor": cursor})
