"""The company's pages of requests, on the blueprint ``company_site`` (under ``/company``):
``login`` (GET the form, POST the company id and password: ``web.logins``' lockout), ``logout``
(POST); ``requests``: the live list (in progress, or waiting for the opening hours: the page
refreshes itself), the failed list with a "Call back" button each and the reminder sent for it,
and every request of a period, campaign and status, a page at a time; ``export/requests``: those
as CSV with their comments; ``requests/{id}``: one request, its calls' two legs and its
comments, with a form per comment type; ``requests/{id}/call-back`` and ``.../comments``
(POST). ``static/{name}`` serves the stylesheet and the script.

Forms, sessions, CSRF and redirects are ``web.site``'s. Owns these routes and the words they
show. Imports Chalice, ``web.site``, the wiring, the product's model, service errors and its
site module; must not import pynamodb or the store.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib import errors
from chalicelib.click2call.model import Campaign, Request, RequestStatus
from chalicelib.click2call.site.pages import (
    SITE,
    company_site,
    day,
    day_range,
    nav,
    page,
    path_id,
    service,
)
from chalicelib.web.site import FORM, Visit
from chalicelib.wiring import container

PREFIX = SITE.prefix
LIVE = (RequestStatus.IN_PROGRESS, RequestStatus.WAITING)
FAILED = (RequestStatus.FAILED_USER, RequestStatus.FAILED_COMPANY)
LIVE_ROWS = 50
PAGE_ROWS = 50
REFRESH_SECONDS = 10
"""How often the requests page reloads itself (the live list), when nobody is typing."""


SITE.entry_routes(
    company_site, lambda: container().services("click2call").logins, "company_id", "/requests", 63
)


# -- the lists ----------------------------------------------------------------------------------
class Filters:
    """The requests page's filters as typed (kept in the form and the links), and what they
    mean; ``wrong`` says what is wrong with them ("" when right)."""

    def __init__(self, query: dict[str, str], campaigns: list[Campaign]) -> None:
        self.first = query.get("from", "")[:10]
        self.last = query.get("to", "")[:10]
        self.campaign = query.get("campaign", "")[:40]
        self.status = query.get("status", "")[:40]
        self.cursor = query.get("cursor", "")[:200] or None
        self.wrong = ""
        self.since = self.until = None
        try:
            self.since, self.until = day_range(day(self.first), day(self.last))
        except ValueError:
            self.wrong = "Dates are written YYYY-MM-DD (or picked from the calendar)."
        if self.since and self.until and self.since >= self.until:
            self.wrong = "The first day comes after the last one."
        if self.campaign and self.campaign not in {c.campaign_id for c in campaigns}:
            self.wrong = "There is no such campaign."
        statuses = {s.value: s for s in RequestStatus}
        if self.status and self.status not in statuses:
            self.wrong = "There is no such status."
        self.chosen = statuses.get(self.status)

    def query(self, **changes: str) -> str:
        """The filters as a query string (with ``changes``), for links."""
        from urllib.parse import urlencode

        fields = {
            "from": self.first,
            "to": self.last,
            "campaign": self.campaign,
            "status": self.status,
            **changes,
        }
        return urlencode({k: v for k, v in fields.items() if v})


def _of(company_id: str, statuses: tuple[RequestStatus, ...], limit: int) -> list[Request]:
    """The company's newest requests in any of ``statuses``."""
    found: list[Request] = []
    for status in statuses:
        rows, _ = service().requests.list(company_id, status=status, limit=limit)
        found.extend(rows)
    return sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]


def _requests(visit: Visit, status: int = 200, error: str = "") -> Response:
    company_id = visit.session.account_id
    campaigns = service().campaigns.list(company_id)
    filters = Filters(visit.query, campaigns)
    listed: list[Request] = []
    more = None
    if not filters.wrong:
        try:
            listed, more = service().requests.list(
                company_id,
                filters.since,
                filters.until,
                filters.campaign or None,
                filters.chosen,
                PAGE_ROWS,
                filters.cursor,
            )
        except errors.ValidationError:
            filters.wrong = "That page of the list is not there any more: start again."
    return visit.show(
        "requests.html",
        422 if filters.wrong else status,
        error=filters.wrong or error,
        live=_of(company_id, LIVE, LIVE_ROWS),
        failed=_of(company_id, FAILED, LIVE_ROWS),
        listed=listed,
        next_page=filters.query(cursor=more) if more else "",
        filters=filters,
        campaigns={c.campaign_id: c for c in campaigns},
        statuses=list(RequestStatus),
        refresh=REFRESH_SECONDS,
        **nav(visit, "requests"),
    )


@company_site.route(PREFIX + "/requests", methods=["GET"])
@page()
def company_requests(visit: Visit) -> Response:
    """The live and failed lists, and the requests of a period, campaign and status."""
    return _requests(visit)


@company_site.route(PREFIX + "/export/requests", methods=["GET"])
@page()
def company_export(visit: Visit) -> Response:
    """The requests of the filters (oldest first) with their comments, as a CSV download."""
    company_id = visit.session.account_id
    filters = Filters(visit.query, service().campaigns.list(company_id))
    if filters.wrong:
        return _requests(visit)
    text = service().requests_csv(
        company_id, filters.since, filters.until, filters.campaign or None, filters.chosen
    )
    headers: dict[str, Any] = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": 'attachment; filename="click2call-requests.csv"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(body=text, status_code=200, headers=headers)


# -- one request --------------------------------------------------------------------------------
def _request(
    visit: Visit, request_id: str, status: int = 200, error: str = "", typed: Any = None
) -> Response:
    company_id = visit.session.account_id
    try:
        request = service().request(company_id, request_id[:64])
    except errors.NotFoundError:
        return visit.show(
            "refused.html", 404, message="There is no such request.", **nav(visit, "requests")
        )
    try:
        campaign: Campaign | None = service().campaign(company_id, request.campaign_id)
    except errors.NotFoundError:
        campaign = None
    return visit.show(
        "request.html",
        status,
        error=error,
        request=request,
        campaign=campaign,
        comment_types=service().comment_types.list(company_id),
        typed={"type": "", "text": "", "values": {}, **(typed or {})},
        **nav(visit, "requests"),
    )


@company_site.route(PREFIX + "/requests/{request_id}", methods=["GET"])
@page()
def company_request(visit: Visit, request_id: str) -> Response:
    """One request: its status, its calls' two legs, its comments."""
    return _request(visit, request_id)


@company_site.route(
    PREFIX + "/requests/{request_id}/call-back", methods=["POST"], content_types=FORM
)
@page(post=True)
def company_call_back(visit: Visit, request_id: str) -> Response:
    """Call a failed request back: an operator first, then the visitor."""
    try:
        request = service().call_back(visit.session.account_id, request_id[:64])
    except errors.NotFoundError:
        return _requests(visit, 404, "There is no such request.")
    except errors.RingflowError as refused:
        words = str(refused)
        return _requests(visit, 409, words[:1].upper() + words[1:] + ".")
    notice = f"Calling back +{request.visitor}: your operator's phone rings first."
    return visit.done(f"/requests/{path_id(request.request_id)}", notice)


@company_site.route(
    PREFIX + "/requests/{request_id}/comments", methods=["POST"], content_types=FORM
)
@page(post=True)
def company_comment(visit: Visit, request_id: str) -> Response:
    """Comment on a request: a type, a text and the type's fields (``v_<field>``)."""
    form = visit.form
    type_id = form.get("type", "note")[:40]
    values = {k[2:]: v for k, v in form.items() if k.startswith("v_") and v.strip()}
    try:
        request = service().comment(
            visit.session.account_id, request_id[:64], type_id, form.get("text", ""), values
        )
    except errors.NotFoundError:
        return _requests(visit, 404, "There is no such request.")
    except errors.RingflowError as refused:
        words = str(refused)
        typed = {"type": type_id, "text": form.get("text", "")[:2000], "values": values}
        return _request(visit, request_id, 422, words[:1].upper() + words[1:] + ".", typed)
    return visit.done(f"/requests/{path_id(request.request_id)}", "Your comment is saved.")
