"""The company's pages of statistics and invoices over the app's HTTP interface, on the
simulated network: GIVEN a company with a password and a campaign at 0.25 a completed call, one
completed click-to-call on a first day and, on the next, one completed, one the visitor never
answered and one nobody answered for the company, WHEN its people open the statistics, THEN the
figures are those of the calls made, beside those of the period compared with, the charts are
images the pages serve to the session only, and bad days are refused in words; WHEN they issue
that month's invoice on the page, THEN it lists the two completed calls at the campaign's price
with their sum as total, issuing it again shows the same number, its PDF reads back with the
number and the total, and a month not over or malformed is refused in words and issues
nothing. One platform for the module: each test sets the clock it reads the pages at. The days
are ahead of the simulated network's clock (the real one: a redial's pause is counted from its
call's end), in one month."""

from __future__ import annotations

import html
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from platformkit import running_platform
from pypdf import PdfReader
from test_click2call_calls import OPERATORS, C2CWorld
from test_click2call_site import PASSWORD, Browser

from chalicelib.ops import schedules


def _first_day() -> datetime:
    """A morning at least a day after now, whose next day is in the same month."""
    first = datetime.now(UTC).date() + timedelta(days=2)
    if (first + timedelta(days=1)).month != first.month:
        first += timedelta(days=2)
    return datetime.combine(first, time(10), UTC)


FIRST = _first_day()
SECOND = FIRST + timedelta(days=1)
MONTH = f"{FIRST:%Y-%m}"
NEXT_MONTH = (FIRST.replace(day=28) + timedelta(days=4)).replace(day=1, hour=2)
NUMBER = f"acme-{FIRST:%Y}-0001"
PRICE = Decimal("0.25")
SVG = "{http://www.w3.org/2000/svg}"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
VISITORS = {
    "first": "447700900621",
    "completed": "447700900622",
    "failed_user": "447700900623",
    "failed_company": "447700900624",
}


class World:
    """The click-to-call world after the calls, and the ids of their requests by name."""

    def __init__(self, c2c: C2CWorld, requests: dict[str, str]) -> None:
        self.c2c = c2c
        self.requests = requests

    def browser(self, at: datetime) -> Browser:
        """A browser logged in to the company's pages at ``at``."""
        self.c2c.platform.clock.now = at
        browser = Browser(self.c2c)
        assert browser.log_in("acme", PASSWORD).status_code == 303
        return browser


def _click(c2c: C2CWorld, visitor: str) -> str:
    answer = c2c.click(visitor)
    assert answer.status_code == 202, answer.body
    c2c.run()
    return str(json.loads(answer.body)["request_id"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
        with running_platform(monkeypatch) as platform:
            platform.clock.now = FIRST
            c2c = C2CWorld(platform, tmp_path_factory.mktemp("reports"))
            try:
                c2c.c2c.put_company("acme", "Acme Windows", "c2c-uk", password=PASSWORD)
                c2c.c2c.update_campaign("acme", "windows", {"price": str(PRICE)})
                net = c2c.network
                for number in OPERATORS.values():
                    net.set_number(number, {"behaviour": "answers", "talk_seconds": 20})
                for name in ("first", "completed", "failed_company"):
                    net.set_number(VISITORS[name], {"behaviour": "answers", "talk_seconds": 20})
                net.set_number(VISITORS["failed_user"], {"behaviour": "busy"})
                made = {"first": _click(c2c, VISITORS["first"])}
                platform.clock.now = SECOND
                for name in ("completed", "failed_user"):
                    made[name] = _click(c2c, VISITORS[name])
                for number in OPERATORS.values():
                    net.set_number(number, {"behaviour": "no_answer"})
                made["failed_company"] = _click(c2c, VISITORS["failed_company"])
                statuses = {name: c2c.request(made[name])["status"] for name in made}
                assert statuses == {
                    "first": "completed",
                    "completed": "completed",
                    "failed_user": "failed_calling_to_user",
                    "failed_company": "failed_calling_to_company",
                }
                yield World(c2c, made)
            finally:
                c2c.close()


def figures(page: str) -> dict[str, tuple[str, ...]]:
    """The statistics' table: each figure's (period, compared period, change) as shown."""
    found = {}
    for name, row in re.findall(r'<tr data-figure="([a-z0-9_]+)">(.*?)</tr>', page, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found[name] = tuple(html.unescape(cell.strip()) for cell in cells)
    return found


def images(page: str) -> list[tuple[str, str]]:
    """The charts' (src, alt), as a browser reads them."""
    found = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', page)
    return [(html.unescape(src), html.unescape(alt)) for src, alt in found]


def nearest_rank(values: list[float], rank: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(rank * len(ordered))) - 1]


def day(at: datetime, days: int = 0) -> str:
    return (at.date() + timedelta(days=days)).isoformat()


def test_the_statistics_show_the_calls_made_beside_the_period_before(world: World) -> None:
    browser = world.browser(SECOND + timedelta(hours=8))
    # WHEN the company opens the statistics (by default: the last 7 days, and the 7 before)
    answer = browser.get("/company/statistics")
    assert answer.status_code == 200, answer.body
    page = answer.body.decode()
    assert 'href="/company/statistics" aria-current="page"' in page
    as_of = SECOND + timedelta(hours=8)
    assert f'as of <time datetime="{as_of.isoformat()}">{as_of:%Y-%m-%d %H:%M} UTC' in page
    assert f'id="from" name="from" type="date" value="{day(SECOND, -6)}"' in page
    assert f'id="compare_to" name="compare_to" type="date" value="{day(SECOND, -7)}"' in page
    # THEN the figures are the four requests', the seven days before had none
    shown = figures(page)
    assert shown["requests"] == ("4", "0", "+4")
    assert shown["completed"] == ("2", "0", "+2")
    assert shown["failed_user"] == ("1", "0", "+1")
    assert shown["failed_company"] == ("1", "0", "+1")
    assert shown["pending"] == ("0", "0", "+0")
    assert shown["completion_rate"][0] == "50.0%"
    waits = []
    for request_id in world.requests.values():
        request = world.c2c.request(request_id)
        created = datetime.fromisoformat(request["created_at"])
        first = min(datetime.fromisoformat(call["started_at"]) for call in request["calls"])
        waits.append((first - created).total_seconds())
    assert shown["answer_p50"][0] == f"{nearest_rank(waits, 0.5):g} s"
    assert shown["answer_p90"][0] == f"{nearest_rank(waits, 0.9):g} s"
    assert shown["answer_p50"][1] == "n/a"
    # AND the charts are images of the pages, each described in words
    [(series, series_alt), (compared, compared_alt)] = images(page)
    assert series.startswith("/company/statistics/chart?") and "kind=series" in series
    assert "4 requests, 2 completed, 1 failed calling to user, 1 failed calling to company" in (
        series_alt
    )
    assert "requests 0 then 4; completed 0 then 2" in compared_alt
    for src, bars in ((series, 7), (compared, 10)):
        chart = browser.get(src)
        assert chart.status_code == 200, chart.body
        assert chart.headers["Content-Type"].startswith("image/svg+xml")
        root = ET.fromstring(chart.body.decode())
        assert root.tag == f"{SVG}svg"
        assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]) == bars
    # AND without a session the chart is not given: the login is
    stranger = world.c2c.platform.client.http.get(series)
    assert stranger.status_code == 303 and stranger.headers["Location"] == "/company/login"
    # WHEN the second day is compared with the first, of the campaign
    query = f"from={day(SECOND)}&to={day(SECOND)}&compare_from={day(FIRST)}&campaign=windows"
    page = browser.get(f"/company/statistics?{query}").body.decode()
    shown = figures(page)
    # THEN both days' figures are shown with the change
    assert f'number">{day(SECOND)}</th><th scope="col" class="number">{day(FIRST)}</th>' in page
    assert shown["requests"] == ("3", "1", "+2 (+200%)")
    assert shown["completed"] == ("1", "1", "+0 (+0%)")
    assert shown["failed_user"] == ("1", "0", "+1")
    [(series, _), (compared, compared_alt)] = images(page)
    assert f"{day(FIRST)} then {day(SECOND)}: requests 1 then 3" in compared_alt
    hours = ET.fromstring(browser.get(series).body.decode())
    assert len([g for g in hours.iter(f"{SVG}g") if g.get("class") == "bar"]) == 24


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("from=2026-11-31", "Days are written YYYY-MM-DD"),
        ("from=10/11/2026", "Days are written YYYY-MM-DD"),
        ("from=2026-11-10&to=2026-11-09", "The first day comes after the last one."),
        ("from=2024-01-01&to=2026-11-10", "A period is at most 366 days."),
        ("from=0001-01-01", "out of the calendar"),
        ("campaign=nope", "There is no such campaign."),
    ],
)
def test_bad_days_are_refused_in_words(world: World, query: str, words: str) -> None:
    browser = world.browser(SECOND + timedelta(hours=8))
    answer = browser.get(f"/company/statistics?{query}")
    assert answer.status_code == 422, answer.body
    assert words in html.unescape(answer.body.decode())
    assert "<img" not in answer.body.decode()
    chart = browser.get(f"/company/statistics/chart?{query}&kind=series")
    assert chart.status_code == 422
    assert chart.headers["Content-Type"].startswith("text/html")
    assert words in html.unescape(chart.body.decode())
    assert browser.get("/company/statistics/chart?kind=pie").status_code == 422


def download(world: World, browser: Browser, path: str) -> Any:
    """A link followed as a browser does (it accepts any type: the PDF is a binary one)."""
    headers = {"Cookie": browser.cookie, "Accept": BROWSER_ACCEPT}
    return world.c2c.platform.client.http.get(path, headers=headers)


def test_an_invoice_issued_on_the_page_lists_the_completed_calls_once(world: World) -> None:
    browser = world.browser(NEXT_MONTH)
    listed = browser.get("/company/invoices").body.decode()
    assert f'name="period" type="month" value="{MONTH}"' in listed
    assert "No invoice has been issued yet." in listed
    # WHEN a month not over, or not a month, is asked for: refused in words, nothing issued
    not_over = f"{NEXT_MONTH:%Y-%m}"
    for period, words in ((not_over, f"{not_over} is not over"), ("2026-13", "YYYY-MM")):
        refused = browser.post("/company/invoices", {"period": period})
        assert refused.status_code == 422 and words in refused.body.decode()
        assert "No invoice has been issued yet." in refused.body.decode()
    # WHEN the month of the calls is issued
    issued = browser.post("/company/invoices", {"period": MONTH})
    assert issued.status_code == 303 and issued.headers["Location"] == f"/company/invoices/{MONTH}"
    page = browser.get(issued.headers["Location"]).body.decode()
    # THEN it lists the two completed calls at the campaign's price, their sum the total
    assert f"Invoice {NUMBER} is issued: 2 completed, 0.50 EUR." in page
    lines = re.findall(r'<tr data-request="([^"]+)">(.*?)</tr>', page, re.S)
    assert [request_id for request_id, _ in lines] == [
        world.requests["first"],
        world.requests["completed"],
    ]
    prices = [
        Decimal(re.findall(r'class="number price">([0-9.]+) EUR', row)[0]) for _, row in lines
    ]
    assert prices == [PRICE, PRICE]
    assert "+" + VISITORS["first"] in page and "+" + VISITORS["failed_user"] not in page
    assert f'class="number total">{sum(prices):.2f} EUR<' in page
    # WHEN it is issued again, later: the same invoice, the same number
    browser = world.browser(NEXT_MONTH + timedelta(days=2))
    again = browser.post("/company/invoices", {"period": MONTH})
    assert again.status_code == 303
    page = browser.get(again.headers["Location"]).body.decode()
    assert f"was issued on {NEXT_MONTH:%Y-%m-%d %H:%M} UTC: it is unchanged." in page
    assert f"Invoice {NUMBER}" in page
    listed = browser.get("/company/invoices").body.decode()
    assert listed.count(f'<tr data-period="{MONTH}">') == 1 and NUMBER in listed
    # AND its PDF downloads with the number and the total
    pdf = download(world, browser, f"/company/invoices/{MONTH}/pdf")
    assert pdf.status_code == 200, pdf.body
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"] == f'attachment; filename="invoice-{NUMBER}.pdf"'
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages)
    assert NUMBER in text and "0.50 EUR" in text
    # AND a month without an invoice, or not a month, is said in words
    assert browser.get("/company/invoices/2000-01").status_code == 404
    missing = download(world, browser, "/company/invoices/2000-01/pdf")
    assert missing.status_code == 404 and "no invoice of that month" in missing.body.decode()
    malformed = browser.get("/company/invoices/november")
    assert malformed.status_code == 422 and "YYYY-MM" in malformed.body.decode()


def test_the_pages_are_the_sessions_only(world: World) -> None:
    http = world.c2c.platform.client.http
    for path in ("/company/statistics", "/company/invoices", f"/company/invoices/{MONTH}/pdf"):
        answer: Any = http.get(path, headers={"Accept": BROWSER_ACCEPT})
        assert answer.status_code == 303 and answer.headers["Location"] == "/company/login"
