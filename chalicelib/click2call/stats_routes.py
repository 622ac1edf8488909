"""The click-to-call's statistics over REST, on the blueprint ``click2call`` (the company, with
its account's API key):

- ``GET /v1/click2call/statistics?since=&until=&campaign_id=&compare_since=&compare_until=``:
  the figures of the company's requests created in [``since``, ``until``) (``click2call.stats``),
  of one campaign when given, and when a second period is given (``compare_since`` and/or
  ``compare_until``; one alone makes a period as long as the first) their comparison, the
  second period the base. Read from the store on each call (real time: never cached).
- ``GET /v1/click2call/statistics/chart?...&kind=series|comparison``: the same as an SVG image
  (``click2call.charts``): the bars per day (or hour), or the two periods side by side (the
  period just before the first when no second is given).

``since`` and ``until`` are ISO 8601 times with their offset; by default the 7 days up to now.
A period that is inverted, empty, longer than 366 days or out of the calendar is a 422 whose
detail starts with ``period:``; a campaign that is not the company's is a 404. Imports Chalice,
the web helpers, the wiring and the product's statistics, charts and routes' blueprint; never
the store.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from chalice.app import Response

from chalicelib.click2call.charts import comparison_svg, series_svg
from chalicelib.click2call.routes import click2call
from chalicelib.click2call.service import Click2Call
from chalicelib.click2call.stats import Summary, check_period, compare, period_summary
from chalicelib.errors import ValidationError
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    calling_account,
    current_request,
    guarded,
    json_response,
    operation,
)
from chalicelib.wiring import container

DEFAULT_PERIOD = timedelta(days=7)
SVG_MEDIA = "image/svg+xml"
_INSTANT = {"type": "string", "format": "date-time"}
QUERY: dict[str, dict[str, Any]] = {
    "since": {**_INSTANT, "description": "from (included); default: until less 7 days"},
    "until": {**_INSTANT, "description": "to (excluded); default: now"},
    "campaign_id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,39}$"},
    "compare_since": {**_INSTANT, "description": "the period compared with (its start)"},
    "compare_until": {**_INSTANT, "description": "the period compared with (its end)"},
}
Period = tuple[datetime, datetime]
_CAMPAIGN_ID = re.compile(QUERY["campaign_id"]["pattern"])


def _service() -> Click2Call:
    return container().services("click2call").click2call  # type: ignore[no-any-return]


def _instant(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise ValidationError(f"{name} is an ISO 8601 time with its offset") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{name} is an ISO 8601 time with its offset")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(f"period: {name} is out of the calendar") from None


def _period(since: datetime | None, until: datetime | None, length: timedelta) -> Period:
    """[since, until) with a missing end ``length`` away from the other; a 422 for a period
    ``stats.check_period`` refuses."""
    try:
        if until is None and since is not None:
            until = since + length
        if since is None and until is not None:
            since = until - length
    except OverflowError:
        raise ValidationError("period: out of the calendar") from None
    if since is None or until is None:
        raise ValidationError("period: since or until is needed")
    try:
        check_period(since, until)
    except ValueError as refused:
        raise ValidationError(str(refused)) from None
    return since, until


def _periods() -> tuple[Period, Period | None, str | None]:
    """The period, the one it is compared with (if any), the campaign."""
    query: dict[str, str] = dict(current_request().query_params or {})
    since = _instant("since", query.get("since"))
    until = _instant("until", query.get("until"))
    first = _period(since, until or container().clock(), DEFAULT_PERIOD)
    other_since = _instant("compare_since", query.get("compare_since"))
    other_until = _instant("compare_until", query.get("compare_until"))
    second = None
    if other_since is not None or other_until is not None:
        second = _period(other_since, other_until, first[1] - first[0])
    campaign_id = query.get("campaign_id")
    if campaign_id is not None and not _CAMPAIGN_ID.fullmatch(campaign_id):
        raise ValidationError("campaign_id is a campaign's id: a-z, 0-9 and -, up to 40")
    return first, second, campaign_id


def _summary(account_id: str, period: Period, campaign_id: str | None) -> Summary:
    since, until = period
    return period_summary(_service().requests, account_id, since, until, campaign_id)


def _title(account_id: str, campaign_id: str | None) -> str:
    """The campaign's name (a 404 when it is not the company's), or none."""
    if campaign_id is None:
        return ""
    return _service().campaign(account_id, campaign_id).name


@operation(
    click2call,
    Operation(
        "/v1/click2call/statistics",
        "get",
        "The click-to-call's figures of a period (and their comparison with another)",
        query=QUERY,
    ),
)
@guarded
def statistics() -> Response:
    """The summary of the period, and the comparison when a second period is given."""
    account = calling_account()
    first, second, campaign_id = _periods()
    _title(account.account_id, campaign_id)
    current = _summary(account.account_id, first, campaign_id)
    answer: dict[str, Any] = {
        "generated_at": container().clock().astimezone(UTC).isoformat(),
        "summary": current.to_dict(),
    }
    if second is not None:
        base = _summary(account.account_id, second, campaign_id)
        answer["compared"] = base.to_dict()
        answer["comparison"] = compare(base, current).to_dict()
    response = json_response(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@operation(
    click2call,
    Operation(
        "/v1/click2call/statistics/chart",
        "get",
        "The click-to-call's figures as an SVG chart: per day, or two periods side by side",
        query={**QUERY, "kind": {"type": "string", "enum": ["series", "comparison"]}},
        media=SVG_MEDIA,
    ),
)
@guarded
def statistics_chart() -> Response:
    """The chart of ``kind`` (``series`` by default)."""
    account = calling_account()
    first, second, campaign_id = _periods()
    query: dict[str, str] = dict(current_request().query_params or {})
    kind = query.get("kind", "series")
    if kind not in ("series", "comparison"):
        raise ValidationError("kind is series or comparison")
    title = _title(account.account_id, campaign_id)
    current = _summary(account.account_id, first, campaign_id)
    if kind == "series":
        image = series_svg(current, title)
    else:
        if second is None:
            second = _period(None, first[0], first[1] - first[0])
        base = _summary(account.account_id, second, campaign_id)
        image = comparison_svg(compare(base, current), title)
    return Response(
        body=image,
        status_code=200,
        headers={"Content-Type": f"{SVG_MEDIA}; charset=utf-8", "Cache-Control": "no-store"},
    )
