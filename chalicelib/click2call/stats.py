"""The click-to-call's statistics of a period: how many requests a company's visitors made, how
they ended (completed, failed calling to the visitor, failed calling to the company, still on
the way), how long a visitor waited for the first call, how long completed ones talked, what
their legs cost, a series per UTC day (per hour when the period is at most two days), and the
comparison of two periods figure by figure. Pure: takes the requests (or the reader they are
read through, ``period_summary``) and the period, reads no clock; imports the product's model
and the standard library only (never the store, the service or the web).

The figures:

- ``requests``: requests created in [``since``, ``until``) (of one campaign when given);
  ``completed``, ``failed_user``, ``failed_company`` by their status, ``pending`` the rest (in
  progress, or waiting for the opening hours); ``completion_rate`` = completed / requests.
- ``answer_p50`` / ``answer_p90``: seconds from a request's creation to its first call's start,
  over the requests called at least once (nearest rank: a value some request had).
- ``talk_total`` / ``talk_average``: the seconds of the company's answered legs of completed
  requests, summed, and per completed request.
- ``cost``: the exact sum of every leg's cost (both sides) of the period's requests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from chalicelib.click2call.model import Request, RequestStatus

HOURLY_UP_TO = timedelta(days=2)
"""A period this long or shorter is shown per hour; a longer one per UTC day."""
MAX_PERIOD = timedelta(days=366)
"""The longest period a summary is made for (``check_period``)."""
COUNTS = ("requests", "completed", "failed_user", "failed_company", "pending")
FIGURES = (
    *COUNTS,
    "completion_rate",
    "answer_p50",
    "answer_p90",
    "talk_total",
    "talk_average",
    "cost",
)
"""The figures a comparison compares, in order."""

Figure = int | float | Decimal | None
Granularity = Literal["day", "hour"]


@dataclass(frozen=True)
class Bucket:
    """The requests created in one day (or hour) of the period, by how they ended."""

    start: datetime
    completed: int = 0
    failed_user: int = 0
    failed_company: int = 0
    other: int = 0

    @property
    def total(self) -> int:
        return self.completed + self.failed_user + self.failed_company + self.other

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "completed": self.completed,
            "failed_user": self.failed_user,
            "failed_company": self.failed_company,
            "other": self.other,
        }


@dataclass(frozen=True)
class Summary:
    """The figures of one period (see the module for their definitions)."""

    since: datetime
    until: datetime
    campaign_id: str | None
    requests: int
    completed: int
    failed_user: int
    failed_company: int
    pending: int
    completion_rate: float | None
    answer_p50: float | None
    answer_p90: float | None
    talk_total: int
    talk_average: float | None
    cost: Decimal
    granularity: Granularity
    series: tuple[Bucket, ...]

    def figure(self, name: str) -> Figure:
        """One of ``FIGURES`` by name."""
        if name not in FIGURES:
            raise KeyError(name)
        value: Figure = getattr(self, name)
        return value

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: instants as ISO text, the cost as exact decimal text."""
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "campaign_id": self.campaign_id,
            **{name: _json(self.figure(name)) for name in FIGURES},
            "granularity": self.granularity,
            "series": [bucket.to_dict() for bucket in self.series],
        }


@dataclass(frozen=True)
class Change:
    """One figure of two periods: ``b - a``, and relative to ``a`` when ``a`` is not zero."""

    name: str
    a: Figure
    b: Figure
    difference: Figure
    change: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": _json(self.a),
            "b": _json(self.b),
            "difference": _json(self.difference),
            "change": self.change,
        }


@dataclass(frozen=True)
class Comparison:
    """Two periods' summaries, ``a`` the base, and each figure's change from ``a`` to ``b``."""

    a: Summary
    b: Summary
    changes: tuple[Change, ...]

    def change(self, name: str) -> Change:
        for change in self.changes:
            if change.name == name:
                return change
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": {"since": self.a.since.isoformat(), "until": self.a.until.isoformat()},
            "b": {"since": self.b.since.isoformat(), "until": self.b.until.isoformat()},
            "figures": {change.name: change.to_dict() for change in self.changes},
        }


def _json(value: Figure) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def check_period(since: datetime, until: datetime) -> None:
    """``ValueError`` unless ``since`` < ``until``, both aware, at most ``MAX_PERIOD`` apart."""
    if since.tzinfo is None or until.tzinfo is None:
        raise ValueError("period: since and until need their offset")
    if since >= until:
        raise ValueError("period: since must come before until")
    if until - since > MAX_PERIOD:
        raise ValueError(f"period: at most {MAX_PERIOD.days} days")


def percentile(values: list[float], rank: float) -> float | None:
    """The nearest-rank percentile (``rank`` in (0, 1]) of ``values``; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(rank * len(ordered))) - 1]


def granularity_of(since: datetime, until: datetime) -> Granularity:
    """Per hour for a period of at most ``HOURLY_UP_TO``, else per UTC day."""
    return "hour" if until - since <= HOURLY_UP_TO else "day"


def _floor(at: datetime, granularity: Granularity) -> datetime:
    at = at.astimezone(UTC)
    if granularity == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    return at.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_starts(since: datetime, until: datetime, granularity: Granularity) -> list[datetime]:
    """The UTC day (or hour) starts that meet [``since``, ``until``)."""
    step = timedelta(hours=1) if granularity == "hour" else timedelta(days=1)
    starts = []
    at = _floor(since, granularity)
    while at < until:
        starts.append(at)
        at += step
    return starts


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def summary(
    requests: Iterable[Request],
    since: datetime,
    until: datetime,
    campaign_id: str | None = None,
) -> Summary:
    """The figures of the requests created in [``since``, ``until``) (of ``campaign_id`` when
    given); requests outside are left out. ``ValueError`` for a period ``check_period`` refuses."""
    check_period(since, until)
    granularity = granularity_of(since, until)
    starts = bucket_starts(since, until, granularity)
    tallies: dict[datetime, dict[str, int]] = {start: {} for start in starts}
    counts = dict.fromkeys(COUNTS, 0)
    waits: list[float] = []
    talk = 0
    cost = Decimal("0")
    for request in requests:
        if not since <= request.created_at < until:
            continue
        if campaign_id is not None and request.campaign_id != campaign_id:
            continue
        counts["requests"] += 1
        kind = _kind(request.status)
        counts["pending" if kind == "other" else kind] += 1
        tally = tallies[_floor(request.created_at, granularity)]
        tally[kind] = tally.get(kind, 0) + 1
        if request.calls:
            first = min(call.started_at for call in request.calls)
            waits.append((first - request.created_at).total_seconds())
        for call in request.calls:
            for leg in call.legs:
                cost += leg.cost
                if (
                    request.status is RequestStatus.COMPLETED
                    and leg.side == "company"
                    and leg.status == "answered"
                ):
                    talk += leg.duration
    total, completed = counts["requests"], counts["completed"]
    return Summary(
        since=since,
        until=until,
        campaign_id=campaign_id,
        requests=total,
        completed=completed,
        failed_user=counts["failed_user"],
        failed_company=counts["failed_company"],
        pending=counts["pending"],
        completion_rate=_round(completed / total if total else None, 4),
        answer_p50=percentile(waits, 0.5),
        answer_p90=percentile(waits, 0.9),
        talk_total=talk,
        talk_average=_round(talk / completed if completed else None, 1),
        cost=cost,
        granularity=granularity,
        series=tuple(Bucket(start, **tallies[start]) for start in starts),
    )


class RequestReader(Protocol):
    """A company's requests by creation (the service's ``requests``)."""

    def every(
        self, company_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterable[Request]: ...


def period_summary(
    reader: RequestReader,
    company_id: str,
    since: datetime,
    until: datetime,
    campaign_id: str | None = None,
) -> Summary:
    """The summary of the company's requests created in [``since``, ``until``), read through
    ``reader`` at each call (never cached); ``ValueError`` for a period ``check_period``
    refuses, before anything is read."""
    check_period(since, until)
    return summary(reader.every(company_id, since, until), since, until, campaign_id)


def _kind(status: RequestStatus) -> str:
    return {
        RequestStatus.COMPLETED: "completed",
        RequestStatus.FAILED_USER: "failed_user",
        RequestStatus.FAILED_COMPANY: "failed_company",
    }.get(status, "other")


def _difference(a: Figure, b: Figure) -> Figure:
    if a is None or b is None:
        return None
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(b) - Decimal(a)
    if isinstance(a, int) and isinstance(b, int):
        return b - a
    return round(b - a, 4)


def compare(a: Summary, b: Summary) -> Comparison:
    """Each figure of ``a`` (the base) and ``b``, ``b - a``, and ``(b - a) / a`` where ``a`` is
    neither zero nor unknown."""
    changes = []
    for name in FIGURES:
        first, second = a.figure(name), b.figure(name)
        difference = _difference(first, second)
        relative = None
        if difference is not None and first:
            relative = round(float(difference) / float(first), 4)
        changes.append(Change(name, first, second, difference, relative))
    return Comparison(a, b, tuple(changes))
