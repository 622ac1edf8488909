"""The click-to-call product's requests in DynamoDB: the ``c2c_requests`` table (one item per
visitor's click, with the calls made for it) and its ``by_company`` index (a company's requests
ordered by time: ``created_key`` is the creation instant's fixed-width UTC text, ``#``, the
request id), with ``RequestRepository``.

A request is written with a version: created at 1, each save conditional on the version it was
read at, so the call engine and an operator's "call back" never overwrite each other. The calls
made (each with its legs, exact Decimal costs as text, instants as ISO text) are one JSON text
attribute, and so are the request's facts. A listing is paged newest first with an opaque
cursor (the last request returned, as base64url text); a cursor a page did not give is a
``ValidationError``. Items and pynamodb exceptions never leave this module; each method's
docstring gives its DynamoDB requests. Imports pynamodb, the store's base helpers and the
click-to-call records; must not import the click-to-call services. Part of ``store``, the only
package that may import pynamodb.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.errors import ValidationError
from chalicelib.store.attributes import (
    EnumAttribute,
    IntegerAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import condition_failed, get_item, save_if_absent, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.click2call import money, money_text
from chalicelib.store.click2call_records import (
    CallLeg,
    CallMade,
    Comment,
    FirstCall,
    Request,
    RequestStatus,
)
from chalicelib.store.errors import StaleStateError, StoreRequestError
from chalicelib.store.registry import StoreItem

MAX_PAGE = 1000
"""The most requests one page of a listing holds."""
FILTERED_PAGE = 100
"""Items read per Query page when a listing filters by campaign or status."""
_INSTANT = "%Y-%m-%dT%H:%M:%S.%fZ"
_CREATED_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[^\x00-\x1f]{1,256}")
_MAX_CURSOR = 512


class RequestsByCompanyIndex(GlobalSecondaryIndex["RequestItem"]):  # type: ignore[no-untyped-call]
    """A company's requests, oldest first by creation (newest first read backwards)."""

    class Meta:
        index_name = "by_company"
        projection = AllProjection()

    company_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class RequestItem(StoreItem):
    """One click-to-call request (``c2c_requests``)."""

    LOGICAL_NAME: ClassVar[str] = "c2c_requests"

    class Meta:
        table_name = "c2c_requests"

    request_id = UnicodeAttribute(hash_key=True)
    company_id = UnicodeAttribute()
    created_key = UnicodeAttribute()
    campaign_id = UnicodeAttribute()
    visitor = UnicodeAttribute()
    created_at = UtcDateTimeAttribute()
    status = EnumAttribute(RequestStatus)
    client_ip = UnicodeAttribute(null=True)
    due_at = UtcDateTimeAttribute(null=True)
    calls = UnicodeAttribute(null=True)
    """The calls made, as JSON (``_encode_calls``)."""
    completed_at = UtcDateTimeAttribute(null=True)
    failed_at = UtcDateTimeAttribute(null=True)
    called_back = IntegerAttribute()
    reminded_at = UtcDateTimeAttribute(null=True)
    direction = UnicodeAttribute(null=True)
    facts = UnicodeAttribute(null=True)
    """The request's facts, as a JSON object of strings."""
    comments = UnicodeAttribute(null=True)
    """The comments on the request, as JSON (``_encode_comments``)."""
    version = IntegerAttribute()
    by_company = RequestsByCompanyIndex()


def _instant(at: datetime, what: str) -> str:
    """The fixed-width UTC text of ``at``: sorts like the instants it names."""
    return require_aware(at, what).astimezone(UTC).strftime(_INSTANT)


def created_key(request: Request) -> str:
    """The sort key of a request in its company's index."""
    return f"{_instant(request.created_at, 'created_at')}#{request.request_id}"


def _iso(at: datetime | None, what: str) -> str | None:
    return None if at is None else require_aware(at, what).astimezone(UTC).isoformat()


def _parsed(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _encode_calls(calls: tuple[CallMade, ...]) -> str | None:
    if not calls:
        return None
    return json.dumps(
        [
            {
                "id": call.call_id,
                "s": _iso(call.started_at, "started_at"),
                "f": FirstCall(call.first).value,
                "e": _iso(call.ended_at, "ended_at"),
                "l": [
                    {
                        "side": leg.side,
                        "n": leg.number,
                        "st": leg.status,
                        "d": leg.duration,
                        "c": money_text(leg.cost, "cost"),
                        "op": leg.operator_id,
                    }
                    for leg in call.legs
                ],
            }
            for call in calls
        ],
        separators=(",", ":"),
    )


def _decode_calls(text: str | None) -> tuple[CallMade, ...]:
    if not text:
        return ()
    return tuple(
        CallMade(
            call_id=raw["id"],
            started_at=datetime.fromisoformat(raw["s"]),
            first=FirstCall(raw["f"]),
            legs=tuple(
                CallLeg(
                    side=leg["side"],
                    number=leg["n"],
                    status=leg["st"],
                    duration=int(leg["d"]),
                    cost=money(leg["c"]),
                    operator_id=leg["op"],
                )
                for leg in raw["l"]
            ),
            ended_at=_parsed(raw["e"]),
        )
        for raw in json.loads(text)
    )


def _encode_facts(facts: dict[str, str]) -> str | None:
    for key, value in facts.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"facts: {key!r} -> {value!r} is not str -> str")
    return json.dumps(facts, separators=(",", ":"), sort_keys=True) if facts else None


def _encode_comments(comments: tuple[Comment, ...]) -> str | None:
    if not comments:
        return None
    return json.dumps(
        [
            {
                "at": _instant(c.at, "a comment's time"),
                "type": c.type_id,
                "text": c.text,
                "values": [list(pair) for pair in c.values],
            }
            for c in comments
        ],
        separators=(",", ":"),
    )


def _decode_comments(text: str | None) -> tuple[Comment, ...]:
    if not text:
        return ()
    return tuple(
        Comment(
            at=datetime.strptime(raw["at"], _INSTANT).replace(tzinfo=UTC),
            type_id=raw["type"],
            text=raw.get("text", ""),
            values=tuple((str(k), str(v)) for k, v in raw.get("values", [])),
        )
        for raw in json.loads(text)
    )


def _item(request: Request) -> RequestItem:
    return RequestItem(
        request.request_id,
        company_id=request.company_id,
        created_key=created_key(request),
        campaign_id=request.campaign_id,
        visitor=request.visitor,
        created_at=request.created_at,
        status=request.status,
        client_ip=request.client_ip or None,
        due_at=request.due_at,
        calls=_encode_calls(request.calls),
        completed_at=request.completed_at,
        failed_at=request.failed_at,
        called_back=request.called_back,
        reminded_at=request.reminded_at,
        direction=request.direction or None,
        facts=_encode_facts(request.facts),
        comments=_encode_comments(request.comments),
        version=request.version,
    )


def _request(item: RequestItem) -> Request:
    return Request(
        request_id=item.request_id,
        campaign_id=item.campaign_id,
        company_id=item.company_id,
        visitor=item.visitor,
        created_at=item.created_at,
        status=item.status,
        client_ip=item.client_ip or "",
        due_at=item.due_at,
        calls=_decode_calls(item.calls),
        completed_at=item.completed_at,
        failed_at=item.failed_at,
        called_back=item.called_back,
        reminded_at=item.reminded_at,
        direction=item.direction or "",
        facts=dict(json.loads(item.facts)) if item.facts else {},
        comments=_decode_comments(item.comments),
        version=item.version,
    )


def encode_cursor(key: str) -> str:
    """The opaque cursor of a listing that goes on after the request of sort key ``key``."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The sort key a cursor of ``encode_cursor`` names; ``ValidationError`` for any other text."""
    refused = ValidationError(f"cursor {cursor[:40]!r} is not one a page gave")
    if not cursor or len(cursor) > _MAX_CURSOR or not re.fullmatch(r"[A-Za-z0-9_-]+", cursor):
        raise refused
    try:
        key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise refused from None
    if not _CREATED_KEY.fullmatch(key) or encode_cursor(key) != cursor:
        raise refused
    return key


def _range(lower: str | None, upper: str | None) -> Condition | None:
    """The key condition on ``created_key`` from ``lower`` to ``upper``, both included: an
    instant's text (``since``, ``until``) sorts before every key of that instant, so ``since``
    is included and ``until`` left out; a cursor's own key is skipped by the caller."""
    key = RequestItem.created_key
    if lower is not None and upper is not None:
        return key.between(lower, upper)
    if lower is not None:
        return key >= lower
    if upper is not None:
        return key <= upper
    return None


class RequestRepository:
    """Click-to-call requests: made, changed (on their version), read and listed per company."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, request: Request) -> Request:
        """Store a new request at version 1 (``AlreadyExistsError`` if its id is taken).
        1 conditional PutItem."""
        created = replace(request, version=1)
        save_if_absent(_item(created), "request", request.request_id)
        return created

    @translated
    def save(self, request: Request) -> Request:
        """Write a request changed from version ``request.version``: stored (and returned) at
        the next version, or ``StaleStateError`` when another change came first or the request
        is gone. 1 conditional PutItem."""
        saved = replace(request, version=request.version + 1)
        try:
            _item(saved).save(condition=RequestItem.version == request.version)
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError("request", request.request_id) from None
            raise
        return saved

    @translated
    def get(self, request_id: str) -> Request:
        """One request (``NotFoundError``). 1 consistent GetItem."""
        return _request(get_item(RequestItem, "request", request_id, consistent=True))

    @translated
    def list(
        self,
        company_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        campaign_id: str | None = None,
        status: RequestStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[builtins.list[Request], str | None]:
        """One page of the company's requests created in [``since``, ``until``), newest first,
        of one campaign and one status when given: up to ``limit`` of them and the cursor of the
        next page (None: this page is the last). ``cursor`` is one a previous page of the same
        listing gave (``ValidationError`` for any other text). Queries of the ``by_company``
        index, paginated until ``limit`` + 1 matching requests are read or the range ends (the
        campaign and status are filters: a page of a rare status may read many)."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationError(f"limit must be 1 to {MAX_PAGE}, not {limit}")
        after = decode_cursor(cursor) if cursor is not None else None
        lower = _instant(since, "since") if since is not None else None
        upper = _instant(until, "until") if until is not None else None
        if after is not None and (upper is None or after < upper):
            upper = after
        if lower is not None and upper is not None and lower > upper:
            return [], None
        filters: Condition | None = None
        if campaign_id is not None:
            filters = RequestItem.campaign_id == campaign_id
        if status is not None:
            by_status = RequestItem.status == RequestStatus(status).value
            filters = by_status if filters is None else filters & by_status
        # one more than asked tells whether a next page exists; the cursor's own is skipped
        wanted = limit + 1 + int(after is not None and upper == after)
        items = RequestItem.by_company.query(
            company_id,
            _range(lower, upper),
            filter_condition=filters,
            scan_index_forward=False,
            limit=wanted,
            page_size=wanted if filters is None else max(wanted, FILTERED_PAGE),
        )
        found = [_request(item) for item in items if item.created_key != upper]
        if len(found) <= limit:
            return found, None
        return found[:limit], encode_cursor(created_key(found[limit - 1]))

    @translated
    def every(
        self, company_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Request]:
        """Every request of the company created in [``since``, ``until``), oldest first (for
        statistics, exports and invoices). Queries of the ``by_company`` index, paginated."""
        lower = _instant(since, "since") if since is not None else None
        upper = _instant(until, "until") if until is not None else None
        if lower is not None and upper is not None and lower > upper:
            return iter(())
        return _each(RequestItem.by_company.query(company_id, _range(lower, upper)))


def _each(items: Iterator[RequestItem]) -> Iterator[Request]:
    """The requests of ``items`` as they are read; a failed page is a ``StoreRequestError``
    (raised while iterating, after the method that made the query returned)."""
    try:
        for item in items:
            yield _request(item)
    except PynamoDBException as error:
        raise StoreRequestError(f"RequestRepository.every failed: {error}") from error
