"""The click-to-call's statistics (``click2call.stats``) and their charts (``click2call.charts``):
GIVEN hand-made requests of a period, THEN the counts per status, the waits' p50 and p90, the
talk time, the exact cost, the buckets per day (per hour for a short period) and the comparison
of two periods are what the requests say; the charts are standalone SVG with a bar group per
day, their texts escaped, and no script or link."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from chalicelib.click2call.charts import comparison_svg, series_svg
from chalicelib.click2call.model import CallLeg, CallMade, FirstCall, Request, RequestStatus
from chalicelib.click2call.stats import compare, percentile, summary

SVG = "{http://www.w3.org/2000/svg}"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 8, tzinfo=UTC)


def made(
    n: int,
    at: datetime,
    status: RequestStatus,
    wait: int | None = None,
    talk: int = 0,
    costs: tuple[str, str] = ("0", "0"),
    campaign: str = "windows",
) -> Request:
    """A request created ``at``, first called ``wait`` seconds later (never: None)."""
    calls: tuple[CallMade, ...] = ()
    if wait is not None:
        company = "answered" if status is RequestStatus.COMPLETED else "failed"
        legs = (
            CallLeg("visitor", "447700900001", "answered", talk + 5, Decimal(costs[0])),
            CallLeg("company", "447700900501", company, talk, Decimal(costs[1])),
        )
        calls = (CallMade(f"call-{n}", at + timedelta(seconds=wait), FirstCall.VISITOR, legs),)
    return Request(
        request_id=f"r-{n}",
        campaign_id=campaign,
        company_id="acme",
        visitor="447700900001",
        created_at=at,
        status=status,
        calls=calls,
    )


DAY1 = SINCE + timedelta(hours=10)
DAY3 = SINCE + timedelta(days=2, hours=23, minutes=59)
REQUESTS = [
    made(1, DAY1, RequestStatus.COMPLETED, wait=10, talk=60, costs=("0.1001", "0.2002")),
    made(2, DAY1, RequestStatus.COMPLETED, wait=20, talk=120, costs=("0.1", "0.3")),
    made(3, DAY1, RequestStatus.FAILED_USER, wait=30, costs=("0.0001", "0")),
    made(4, DAY3, RequestStatus.FAILED_COMPANY, wait=40, costs=("0.05", "0.0004")),
    made(5, DAY3, RequestStatus.IN_PROGRESS),
    made(6, DAY3, RequestStatus.WAITING),
    made(7, DAY3, RequestStatus.COMPLETED, wait=50, talk=30, campaign="doors"),
    made(8, UNTIL, RequestStatus.COMPLETED, wait=1),  # the end is left out
    made(9, SINCE - timedelta(seconds=1), RequestStatus.COMPLETED, wait=1),
]


def test_the_counts_follow_the_statuses_of_the_periods_requests() -> None:
    got = summary(REQUESTS, SINCE, UNTIL)
    assert (got.requests, got.completed, got.failed_user, got.failed_company, got.pending) == (
        7,
        3,
        1,
        1,
        2,
    )
    assert got.completion_rate == round(3 / 7, 4)


def test_one_campaign_only_when_named() -> None:
    got = summary(REQUESTS, SINCE, UNTIL, campaign_id="doors")
    assert (got.requests, got.completed, got.talk_total) == (1, 1, 30)
    assert got.to_dict()["campaign_id"] == "doors"


def test_the_waits_are_nearest_rank_percentiles_of_the_called_requests() -> None:
    got = summary(REQUESTS, SINCE, UNTIL)
    # waits 10, 20, 30, 40, 50: the uncalled ones are left out
    assert (got.answer_p50, got.answer_p90) == (30.0, 50.0)
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([float(v) for v in range(1, 11)], 0.9) == 9.0


def test_talk_time_is_the_company_legs_of_completed_requests() -> None:
    got = summary(REQUESTS, SINCE, UNTIL)
    assert got.talk_total == 60 + 120 + 30
    assert got.talk_average == 70.0


def test_the_cost_is_the_exact_sum_of_both_legs() -> None:
    got = summary(REQUESTS, SINCE, UNTIL)
    assert got.cost == Decimal("0.7508")
    assert got.to_dict()["cost"] == "0.7508"


def test_the_series_has_a_bucket_per_utc_day_of_the_period() -> None:
    got = summary(REQUESTS, SINCE, UNTIL)
    assert got.granularity == "day"
    assert [b.start.day for b in got.series] == [1, 2, 3, 4, 5, 6, 7]
    first, _, third = got.series[:3]
    assert (first.completed, first.failed_user, first.failed_company, first.other) == (2, 1, 0, 0)
    assert (third.completed, third.failed_user, third.failed_company, third.other) == (1, 0, 1, 2)
    assert sum(b.total for b in got.series) == got.requests


def test_a_period_of_two_days_or_less_is_shown_per_hour() -> None:
    since = SINCE + timedelta(hours=9, minutes=30)
    got = summary(REQUESTS, since, since + timedelta(hours=3))
    assert got.granularity == "hour"
    assert [b.start.hour for b in got.series] == [9, 10, 11, 12]
    assert got.series[1].total == 3


def test_an_empty_period_has_zeros_and_no_rates() -> None:
    got = summary([], SINCE, UNTIL)
    assert (got.requests, got.cost, got.talk_total) == (0, Decimal("0"), 0)
    assert got.completion_rate is got.answer_p50 is got.talk_average is None
    assert len(got.series) == 7


@pytest.mark.parametrize(
    ("since", "until"),
    [(UNTIL, SINCE), (SINCE, SINCE), (SINCE, SINCE + timedelta(days=367))],
)
def test_an_inverted_empty_or_too_long_period_is_refused(since: datetime, until: datetime) -> None:
    with pytest.raises(ValueError, match="period"):
        summary([], since, until)


def test_the_comparison_gives_both_figures_their_difference_and_change() -> None:
    base = summary(REQUESTS, SINCE, UNTIL, campaign_id="doors")
    other = summary(REQUESTS, SINCE, UNTIL)
    comparison = compare(base, other)
    requests = comparison.change("requests")
    assert (requests.a, requests.b, requests.difference, requests.change) == (1, 7, 6, 6.0)
    cost = comparison.change("cost")
    assert cost.difference == Decimal("0.7508") and cost.change is None  # a zero base
    talk = comparison.change("talk_total")
    assert (talk.difference, talk.change) == (180, 6.0)
    failed = comparison.change("failed_user")
    assert (failed.a, failed.b, failed.difference, failed.change) == (0, 1, 1, None)
    shown = comparison.to_dict()
    assert shown["figures"]["cost"] == {
        "a": "0",
        "b": "0.7508",
        "difference": "0.7508",
        "change": None,
    }


def test_a_figure_unknown_in_either_period_has_no_difference() -> None:
    comparison = compare(summary([], SINCE, UNTIL), summary(REQUESTS, SINCE, UNTIL))
    p50 = comparison.change("answer_p50")
    assert (p50.a, p50.b, p50.difference, p50.change) == (None, 30.0, None, None)


def _parsed(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert (root.get("width"), root.get("height"), root.get("version")) == ("640", "240", "1.1")
    assert "<script" not in svg and "href" not in svg and "url(" not in svg
    return root


def _bars(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]


def test_the_series_chart_has_a_titled_bar_group_per_day_and_a_legend() -> None:
    svg = series_svg(summary(REQUESTS, SINCE, UNTIL))
    root = _parsed(svg)
    bars = _bars(root)
    assert len(bars) == 7
    first = bars[0].find(f"{SVG}title")
    assert first is not None and first.text is not None
    assert first.text.startswith("2026-11-01: 2 completed, 1 failed calling to user")
    assert len(bars[0].findall(f"{SVG}rect")) == 2  # completed and failed to user
    assert len(bars[1].findall(f"{SVG}rect")) == 0  # nothing that day
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Failed calling to company" in texts and "day (UTC)" in texts


def test_every_text_is_escaped() -> None:
    name = 'Doors <&> "best" \x01'
    got = summary(REQUESTS, SINCE, UNTIL)
    for svg in (series_svg(got, name), comparison_svg(compare(got, got), name)):
        root = _parsed(svg)
        title = root.find(f"{SVG}title")
        assert title is not None and title.text is not None
        assert title.text.startswith('Doors <&> "best" :')
        assert "<&>" not in svg


def test_the_comparison_chart_has_two_bars_per_figure() -> None:
    base = summary(REQUESTS, SINCE, UNTIL, campaign_id="doors")
    svg = comparison_svg(compare(base, summary(REQUESTS, SINCE, UNTIL)))
    root = _parsed(svg)
    bars = _bars(root)
    assert len(bars) == 10
    titles = [b.findtext(f"{SVG}title") for b in bars]
    assert titles[0] == "Requests, 2026-11-01 00:00 to 2026-11-08 00:00: 1"
    assert titles[1] == "Requests, 2026-11-01 00:00 to 2026-11-08 00:00: 7"


def test_a_year_of_days_still_fits_the_fixed_size() -> None:
    got = summary(REQUESTS, SINCE, SINCE + timedelta(days=366))
    root = _parsed(series_svg(got))
    assert len(_bars(root)) == 366
    for rect in root.iter(f"{SVG}rect"):
        assert 0 <= float(rect.get("x", "0")) <= 640
