"""The company's statistics and invoices in a real browser (headless Debian chromium through
Playwright), the app served over HTTP on moto: GIVEN a company with a password, a campaign at
0.40 a completed call, three requests of today (completed, failed calling to the visitor,
failed calling to the company) and one completed in the last month that can be invoiced, all
put in through the store (nothing is dialled here), WHEN its person logs in and opens the
statistics, THEN the figures are the requests' and both charts load as images under the pages'
Content-Security-Policy; WHEN they issue the month's invoice on the invoices page and download
its PDF, THEN the page lists the call at the campaign's price and the file reads back with the
invoice's number and total."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from portalkit import Site
from pypdf import PdfReader

ACCOUNT = "reports-co"
PASSWORD = "reports pages password"
DID = "447700900585"
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n"
)


@pytest.fixture(scope="module")
def company(site: Site) -> Iterator[str]:
    """The company, its campaign and its requests, put in through a container on the site's
    moto (the store bound back afterwards); the month that can be invoiced, as YYYY-MM."""
    from chalicelib.click2call.invoices import last_issuable
    from chalicelib.click2call.model import CallLeg, CallMade, FirstCall, Request, RequestStatus
    from chalicelib.settings import from_environment
    from chalicelib.store import binding
    from chalicelib.store.click2call_requests import RequestRepository
    from chalicelib.wiring import Container

    before = binding._bound
    container = Container(from_environment(site.env))
    try:
        admin = container.admin
        admin.create_account(ACCOUNT, "Reports Windows", "en-GB")
        admin.provision_number(ACCOUNT, DID)
        container.services("billing").tariffs.load("reports-uk", DECK)
        c2c = container.services("click2call").click2call
        c2c.put_company(ACCOUNT, "Reports Windows", "reports-uk", password=PASSWORD)
        c2c.put_operator(ACCOUNT, "anna", "Anna", number="447700900586")
        fields = {"name": "Spring", "operators": ["anna"], "caller_id": DID, "price": "0.40"}
        c2c.create_campaign(ACCOUNT, {"campaign_id": "spring", **fields})
        now = datetime.now(UTC).replace(microsecond=0)
        month = last_issuable(now)
        requests = RequestRepository()

        def made(n: int, at: datetime, status: RequestStatus, done: datetime | None) -> None:
            legs = (
                CallLeg("visitor", f"44770090060{n}", "answered", 40, Decimal("0.07")),
                CallLeg("company", "447700900586", "answered", 35, Decimal("0.06")),
            )
            call = CallMade(f"call-{n}", at + timedelta(seconds=4 * n), FirstCall.VISITOR, legs)
            requests.create(
                Request(
                    request_id=f"{ACCOUNT}-{n}",
                    campaign_id="spring",
                    company_id=ACCOUNT,
                    visitor=f"44770090060{n}",
                    created_at=at,
                    status=status,
                    calls=(call,),
                    completed_at=done,
                )
            )

        today = now - timedelta(minutes=30)
        made(1, today, RequestStatus.COMPLETED, today + timedelta(minutes=2))
        made(2, today, RequestStatus.FAILED_USER, None)
        made(3, today, RequestStatus.FAILED_COMPANY, None)
        invoiced = month.start + timedelta(days=9, hours=10)
        made(4, invoiced, RequestStatus.COMPLETED, invoiced + timedelta(minutes=3))
        yield month.text
    finally:
        if before is not None:
            binding.bind(before)


def log_in(page: Any, site: Site) -> None:
    page.goto(f"{site.url}/company/login")
    page.fill("#company_id", ACCOUNT)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/company/requests")


def test_statistics_charts_load_and_an_invoice_downloads(
    page: Any, site: Site, company: str
) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    log_in(page, site)
    # WHEN the statistics are opened from the navigation
    page.click("nav >> text=Statistics")
    page.wait_for_url(re.compile(r".*/company/statistics$"))
    assert page.get_attribute("nav a[aria-current=page]", "href") == "/company/statistics"
    # THEN the figures are the three requests of today
    assert page.text_content("tr[data-figure=requests] td.current") == "3"
    assert page.text_content("tr[data-figure=completed] td.current") == "1"
    assert page.text_content("tr[data-figure=failed_company] td.current") == "1"
    # AND both charts are images that loaded (the SVG served by the pages, same origin)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.charts img')].every(i => i.complete)"
    )
    widths = page.eval_on_selector_all(".charts img", "images => images.map(i => i.naturalWidth)")
    assert len(widths) == 2 and all(width > 0 for width in widths)
    alts = page.eval_on_selector_all(".charts img", "images => images.map(i => i.alt)")
    assert "3 requests, 1 completed" in alts[0]
    # WHEN the month is invoiced on the invoices page
    page.click("nav >> text=Invoices")
    page.wait_for_url(re.compile(r".*/company/invoices$"))
    assert page.input_value("#period") == company
    page.fill("#period", company)
    page.click("text=Issue the invoice")
    page.wait_for_url(re.compile(rf".*/company/invoices/{company}$"))
    number = f"{ACCOUNT}-{company[:4]}-0001"
    assert page.text_content("#number") == number
    assert page.text_content("#lines td.price") == "0.40 EUR"
    assert page.text_content("#lines td.total") == "0.40 EUR"
    # AND its PDF is downloaded
    with page.expect_download() as downloading:
        page.click("text=Download PDF")
    download = downloading.value
    assert download.suggested_filename == f"invoice-{number}.pdf"
    reader = PdfReader(download.path())
    text = "\n".join(sheet.extract_text() for sheet in reader.pages)
    assert number in text and "0.40 EUR" in text
    assert not [said for said in refused if "Content Security Policy" in said], refused
