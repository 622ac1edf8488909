"""The click-to-call's statistics over REST on moto: GIVEN a company's requests in the store (and
another company's), WHEN it asks ``/v1/click2call/statistics`` for a period (and another to
compare with), THEN the figures are its own requests' figures, the chart is an SVG image that
parses, and a period that is inverted, too long or not a time (or a campaign id that is not
one) is a 422 problem."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from platformkit import Platform, running_platform

from chalicelib.click2call.model import CallLeg, CallMade, FirstCall, Request, RequestStatus
from chalicelib.store.click2call_requests import RequestRepository

WEEK = datetime(2026, 11, 2, tzinfo=UTC)
BEFORE = WEEK - timedelta(days=7)
STATISTICS = "/v1/click2call/statistics"
SVG = "{http://www.w3.org/2000/svg}"


def _request(n: int, company: str, at: datetime, status: RequestStatus, cost: str) -> Request:
    legs = (
        CallLeg("visitor", "447700900001", "answered", 65, Decimal(cost)),
        CallLeg("company", "447700900501", "answered", 60, Decimal("0.01")),
    )
    return Request(
        request_id=f"{company}-{n}",
        campaign_id="windows",
        company_id=company,
        visitor="447700900001",
        created_at=at,
        status=status,
        calls=(
            CallMade(f"call-{company}-{n}", at + timedelta(seconds=5 * n), FirstCall.VISITOR, legs),
        ),
    )


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        platform.clock.now = WEEK + timedelta(days=7)
        requests = RequestRepository()
        day = timedelta(days=1)
        for n, (at, status, cost) in enumerate(
            [
                (WEEK + timedelta(hours=9), RequestStatus.COMPLETED, "0.1001"),
                (WEEK + timedelta(hours=10), RequestStatus.COMPLETED, "0.2"),
                (WEEK + day, RequestStatus.FAILED_USER, "0.0003"),
                (WEEK + 2 * day, RequestStatus.FAILED_COMPANY, "0.05"),
                (WEEK + 3 * day, RequestStatus.IN_PROGRESS, "0"),
                (BEFORE + day, RequestStatus.COMPLETED, "0.1"),
            ],
            start=1,
        ):
            requests.create(_request(n, "acme", at, status, cost))
        requests.create(_request(1, "other", WEEK + day, RequestStatus.COMPLETED, "9"))
        yield platform


def test_the_company_gets_its_own_figures_of_the_period(platform: Platform) -> None:
    period = {"since": WEEK.isoformat(), "until": (WEEK + timedelta(days=7)).isoformat()}
    response = platform.api("GET", f"{STATISTICS}?{urlencode(period)}")
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    answer = json.loads(response.body)
    shown = answer["summary"]
    assert (shown["requests"], shown["completed"], shown["failed_user"]) == (5, 2, 1)
    assert (shown["failed_company"], shown["pending"]) == (1, 1)
    assert shown["cost"] == "0.4004"  # both legs, the other company's left out
    assert shown["talk_total"] == 120 and shown["talk_average"] == 60.0
    assert (shown["answer_p50"], shown["answer_p90"]) == (15.0, 25.0)
    assert shown["granularity"] == "day" and len(shown["series"]) == 7
    assert shown["series"][0] == {
        "start": WEEK.isoformat(),
        "completed": 2,
        "failed_user": 0,
        "failed_company": 0,
        "other": 0,
    }
    assert "comparison" not in answer


def test_the_default_period_is_the_last_seven_days(platform: Platform) -> None:
    answer = json.loads(platform.api("GET", STATISTICS).body)
    assert answer["summary"]["since"] == WEEK.isoformat()
    assert answer["summary"]["requests"] == 5


def test_a_second_period_is_compared_with_the_first(platform: Platform) -> None:
    query = urlencode({"since": WEEK.isoformat(), "compare_since": BEFORE.isoformat()})
    response = platform.api("GET", f"{STATISTICS}?{query}")
    assert response.status_code == 200, response.body
    answer = json.loads(response.body)
    assert answer["compared"]["requests"] == 1
    assert answer["comparison"]["b"]["since"] == WEEK.isoformat()
    figures = answer["comparison"]["figures"]
    assert figures["requests"] == {"a": 1, "b": 5, "difference": 4, "change": 4.0}
    assert figures["failed_user"] == {"a": 0, "b": 1, "difference": 1, "change": None}
    assert figures["cost"]["difference"] == "0.2904"


def test_the_chart_is_an_svg_image_that_parses(platform: Platform) -> None:
    for kind, bars in (("series", 7), ("comparison", 10)):
        query = urlencode({"since": WEEK.isoformat(), "kind": kind})
        response = platform.api("GET", f"{STATISTICS}/chart?{query}")
        assert response.status_code == 200, response.body
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        root = ET.fromstring(response.body.decode())
        assert root.tag == f"{SVG}svg"
        found = [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]
        assert len(found) == bars


def test_a_campaign_chart_is_titled_with_its_escaped_name(platform: Platform) -> None:
    from chalicelib.click2call.model import Campaign

    service = platform.container.services("click2call").click2call
    service.campaigns.create(
        Campaign("windows", "acme", "Windows <&> Doors", "key-1", ("op-1",), "447700900180")
    )
    query = urlencode({"since": WEEK.isoformat(), "campaign_id": "windows"})
    response = platform.api("GET", f"{STATISTICS}/chart?{query}")
    assert response.status_code == 200, response.body
    root = ET.fromstring(response.body.decode())
    assert (root.findtext(f"{SVG}title") or "").startswith("Windows <&> Doors:")
    assert b"<&>" not in response.body
    other = platform.api("GET", f"{STATISTICS}?{urlencode({'campaign_id': 'doors'})}")
    assert other.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"since": WEEK.isoformat(), "until": BEFORE.isoformat()},
        {"since": WEEK.isoformat(), "until": WEEK.isoformat()},
        {"since": (WEEK - timedelta(days=400)).isoformat()},
        {"compare_since": BEFORE.isoformat(), "compare_until": "2020-01-01T00:00:00+00:00"},
        {"since": "yesterday"},
        {"since": "2026-11-02T00:00:00"},
        {"campaign_id": "Not An Id " * 30},
        {"until": ""},
        {"compare_since": ""},
        {"campaign_id": ""},
    ],
)
def test_a_bad_period_or_campaign_id_is_a_422_problem(
    platform: Platform, query: dict[str, str]
) -> None:
    for path in (STATISTICS, f"{STATISTICS}/chart"):
        response = platform.api("GET", f"{path}?{urlencode(query)}")
        assert response.status_code == 422, response.body
        assert response.headers["Content-Type"] == "application/problem+json"


def test_a_chart_of_no_kind_is_a_422_problem(platform: Platform) -> None:
    response = platform.api("GET", f"{STATISTICS}/chart?kind=pie")
    assert response.status_code == 422, response.body


def test_another_company_sees_only_its_own(platform: Platform) -> None:
    container = platform.container
    _, key = container.admin.create_account("other", "Other")
    answer = json.loads(
        platform.api("GET", f"{STATISTICS}?{urlencode({'since': WEEK.isoformat()})}", key=key).body
    )
    assert (answer["summary"]["requests"], answer["summary"]["cost"]) == (1, "9.01")
