"""The campaigns product's tenant routes for the account's do-not-call list, on the ``campaigns``
blueprint (registered when this module is imported; ``campaigns.product`` imports it before the
app registers the blueprint).

``PUT /v1/do-not-call/{number}`` lists a number (body optional: ``{"reason": ...}``): 201 with
its entry, or 200 with the entry it already had (listing again keeps the first one). ``DELETE
/v1/do-not-call/{number}`` takes it off (204; 404 when it was not listed). ``GET
/v1/do-not-call/{number}`` is its entry (404 when not listed). ``GET
/v1/do-not-call?limit=&cursor=`` pages through the list in number order (``next_cursor`` asks
for the next page). ``POST /v1/do-not-call`` imports many: a JSON ``{"numbers": [...],
"reason": ...}`` or a ``text/csv`` (or ``text/plain``) body, one number per line or a
``number`` column; it answers 200 with the counts and each rejected line with its reason (the
good numbers are listed, the bad ones not). Its body is refused with 413 beyond
``MAX_BULK_BODY_BYTES`` before it is parsed; a body that is not JSON is a 400, a JSON body of
the wrong shape a 422. An import runs within the REST deadline: when it is cut short (503) part
of it may be listed, and sending it again lists the rest (numbers listed already are skipped).
A number in a path is written in international form (E.164 digits, '+' optional); a bad one is
a 422. Account key auth and problem+json as every tenant route (``web.rest``); documented in
``/openapi.json``.

The campaigns product's services (``container().services("campaigns")``) give the list as
``do_not_call`` (a ``campaigns.dnc.DoNotCall``). Owns these routes and their request and view
models. Imports Chalice, pydantic, ``web.rest``, ``web.openapi``, the wiring and
``campaigns.dnc``; must not import pynamodb, the store or a core route module.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.campaigns.dnc import (
    MAX_IMPORT_NUMBERS,
    MAX_PAGE,
    MAX_REASON_CHARS,
    DoNotCall,
    ImportReport,
)
from chalicelib.campaigns.routes import campaigns
from chalicelib.errors import NotFoundError, TooLargeError
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

if TYPE_CHECKING:
    from chalicelib.store.do_not_call import DoNotCallEntry

LIST_PATH = "/v1/do-not-call"
NUMBER_PATH = "/v1/do-not-call/{number}"
MAX_BODY_BYTES = 4096
"""The largest body ``PUT /v1/do-not-call/{number}`` reads (a reason)."""
MAX_BULK_BODY_BYTES = 1024 * 1024
"""The largest body ``POST /v1/do-not-call`` reads (some 60,000 numbers): what one request
lists within the REST deadline; larger lists go in several requests, or ``ringflow dnc
import``."""
CSV_MEDIA = ("text/csv", "text/plain")
CURSOR_PATTERN = r"^[0-9]{1,15}$"
PAGE_QUERY: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "description": "default: 1000"},
    "cursor": {
        "type": "string",
        "pattern": CURSOR_PATTERN,
        "description": "the next_cursor of the page before",
    },
}


def _list() -> DoNotCall:
    service: DoNotCall = container().services("campaigns").do_not_call
    return service


class ListRequest(BaseModel):
    """Why a number is listed (optional)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)


class BulkRequest(BaseModel):
    """Numbers to list, and why (optional)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    numbers: list[Annotated[str, Field(max_length=64)]] = Field(
        min_length=1,
        max_length=MAX_IMPORT_NUMBERS,
        description="numbers in international form, country code first ('+', '00', spaces and "
        "dashes allowed); each bad one is reported, not listed",
    )
    reason: str | None = Field(default=None, max_length=MAX_REASON_CHARS)


class ListedView(BaseModel):
    """A listed number: since when, why and how it was listed."""

    number: str = Field(description="E.164 digits, country code first")
    added_at: datetime
    reason: str | None
    source: str = Field(description="rest, cli, import or opt-out")


class ListedPage(BaseModel):
    """A page of the list in number order."""

    numbers: list[ListedView]
    next_cursor: str | None = Field(description="ask for the next page with it; null: the last")


class RejectedView(BaseModel):
    """A line of an import holding no valid number."""

    line: int = Field(description="its line (or its position in numbers), from 1")
    text: str
    reason: str


class ImportView(BaseModel):
    """What an import did."""

    lines: int = Field(description="lines (or entries) read, empty lines left out")
    numbers: int = Field(description="distinct valid numbers")
    added: int = Field(description="numbers listed by this import")
    already_listed: int
    rejected: int = Field(description="lines holding no valid number")
    problems: list[RejectedView] = Field(description="the rejected lines (the first 1000)")


def _view(entry: DoNotCallEntry) -> dict[str, Any]:
    return ListedView(
        number=entry.number, added_at=entry.added_at, reason=entry.reason, source=entry.source
    ).model_dump(mode="json")


def _report(report: ImportReport) -> dict[str, Any]:
    return ImportView(
        lines=report.lines,
        numbers=report.numbers,
        added=report.added,
        already_listed=report.already_listed,
        rejected=report.rejected,
        problems=[
            RejectedView(line=item.line, text=item.text, reason=item.reason)
            for item in report.problems
        ],
    ).model_dump(mode="json")


def _check_size(limit: int) -> bytes:
    raw = current_request().raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > limit:
        raise TooLargeError(f"the body is {len(raw)} bytes; at most {limit} are read")
    return raw


@operation(
    campaigns,
    Operation(
        NUMBER_PATH,
        "put",
        "List a number on the account's do-not-call list",
        request=ListRequest,
        request_required=False,
        response=ListedView,
        status=201,
        also={200: "the number was listed already: its first entry is kept"},
    ),
)
@guarded
def put_listed(number: str) -> Response:
    """List the number (the body, optional, gives a reason)."""
    account = calling_account()
    raw = _check_size(MAX_BODY_BYTES)
    request = body(ListRequest) if raw.strip() else ListRequest()
    service = _list()
    added = service.add(account.account_id, [number], request.reason, source="rest")
    entry = service.entry(account.account_id, added.numbers[0])
    return json_response(_view(entry), 201 if added.added else 200)


@operation(
    campaigns,
    Operation(
        NUMBER_PATH,
        "get",
        "A number's entry on the account's do-not-call list",
        response=ListedView,
    ),
)
@guarded
def get_listed(number: str) -> Response:
    """The entry; 404 when the number is not listed."""
    account = calling_account()
    return json_response(_view(_list().entry(account.account_id, number)))


@operation(
    campaigns,
    Operation(
        NUMBER_PATH,
        "delete",
        "Take a number off the account's do-not-call list",
        status=204,
    ),
)
@guarded
def delete_listed(number: str) -> Response:
    """Take the number off; 404 when it was not listed."""
    account = calling_account()
    if not _list().remove(account.account_id, number):
        raise NotFoundError(f"{number} is not on the do-not-call list")
    return Response(body="", status_code=204)


@operation(
    campaigns,
    Operation(
        LIST_PATH,
        "get",
        "The account's do-not-call list, a page at a time",
        response=ListedPage,
        query=PAGE_QUERY,
    ),
)
@guarded
def list_listed() -> Response:
    """A page of the list in number order, and the cursor of the next."""
    account = calling_account()
    query: dict[str, str] = dict(current_request().query_params or {})
    limit = page_limit(query.get("limit"), MAX_PAGE)
    page = _list().page(account.account_id, limit, query.get("cursor"))
    view = {"numbers": [_view(entry) for entry in page.entries], "next_cursor": page.next_cursor}
    return json_response(ListedPage.model_validate(view).model_dump(mode="json"))


@operation(
    campaigns,
    Operation(
        LIST_PATH,
        "post",
        "Import numbers to the account's do-not-call list (JSON, or text/csv)",
        request=BulkRequest,
        response=ImportView,
        text_media=CSV_MEDIA,
    ),
)
@guarded
def import_listed() -> Response:
    """List every valid number of the body and report each bad one. Its size is checked
    first, as received: a body too large is never parsed."""
    account = calling_account()
    raw = _check_size(MAX_BULK_BODY_BYTES)
    media = (current_request().headers.get("content-type") or "").split(";")[0].strip().lower()
    service = _list()
    if media in CSV_MEDIA:
        report = service.import_text(account.account_id, raw)
    else:
        request: BulkRequest = body(BulkRequest)
        report = service.import_numbers(account.account_id, request.numbers, request.reason)
    return json_response(_report(report))
