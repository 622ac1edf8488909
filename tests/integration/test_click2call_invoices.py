"""Click-to-call invoices on moto, through the store and REST: GIVEN a company allowed to run
click-to-call, a campaign at 0.10 a call and requests completed in November (and others),
WHEN November is invoiced, THEN the invoice lists the completed calls of November at the
campaign's price with their exact total, is issued once (a repeat returns the same number),
numbers run 1, 2, 3 per company whatever races; over REST a POST is 201 then 200, the list and
the invoice read back, the PDF (read back with pypdf) holds the number, every line's visitor and
price and the total; a malformed period, one not over and one in the future are 422."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from platformkit import ACCOUNT, Platform, running_platform
from pypdf import PdfReader

from chalicelib.click2call.model import Campaign, Request, RequestStatus
from chalicelib.store import click2call_invoices
from chalicelib.store.click2call import C2CCampaignRepository
from chalicelib.store.click2call_invoices import InvoiceRepository
from chalicelib.store.click2call_records import Invoice, InvoiceLine
from chalicelib.store.click2call_requests import RequestRepository

DECK = "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
DECK += "44,United Kingdom,0.10,0,60,60\n"
NOW = datetime(2026, 12, 15, 9, 30, tzinfo=UTC)
VISITORS = ("447700900601", "447700900602", "447700900603")


def november(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def request(request_id: str, visitor: str, completed: datetime | None, **changes: Any) -> Request:
    made = (completed or november(20)) - timedelta(minutes=3)
    fields: dict[str, Any] = {
        "request_id": request_id,
        "campaign_id": "windows",
        "company_id": ACCOUNT,
        "visitor": visitor,
        "created_at": made,
        "status": RequestStatus.COMPLETED,
        "completed_at": completed,
    }
    fields.update(changes)
    return Request(**fields)


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    """GIVEN the account allowed to run click-to-call, a campaign at 0.10, three calls
    completed in November, one in October, one on December's first second, and a failed one."""
    with running_platform(monkeypatch) as running:
        running.clock.now = NOW
        container = running.container
        container.services("billing").tariffs.load("c2c-uk", DECK)
        c2c = container.services("click2call").click2call
        c2c.put_company(ACCOUNT, "Acme Windows", "c2c-uk")
        C2CCampaignRepository().create(
            Campaign(
                campaign_id="windows",
                company_id=ACCOUNT,
                name="Windows (spring)",
                public_key="pk-windows",
                operators=("op-1",),
                caller_id="447700900180",
                price=Decimal("0.10"),
            )
        )
        requests = RequestRepository()
        for index, visitor in enumerate(VISITORS):
            requests.create(request(f"nov-{index}", visitor, november(index + 3)))
        requests.create(request("oct", "447700900604", datetime(2026, 10, 31, 23, tzinfo=UTC)))
        requests.create(request("dec", "447700900605", datetime(2026, 12, 1, tzinfo=UTC)))
        requests.create(
            request(
                "failed", "447700900606", None, status=RequestStatus.FAILED_COMPANY, failed_at=NOW
            )
        )
        yield running


def body(answer: Any) -> Any:
    return json.loads(answer.body)


def test_november_lists_its_completed_calls_at_the_campaigns_price_once(
    platform: Platform,
) -> None:
    invoices = platform.container.services("click2call").invoices
    invoice, created = invoices.issue(ACCOUNT, "2026-11")
    assert created and invoice.number == 1 and invoice.number_text == "acme-2026-0001"
    assert [line.request_id for line in invoice.lines] == ["nov-0", "nov-1", "nov-2"]
    assert [line.visitor for line in invoice.lines] == list(VISITORS)
    assert all(line.price == Decimal("0.10") for line in invoice.lines)
    assert invoice.total == Decimal("0.30") and str(invoice.total) == "0.30"
    assert invoice.currency == "EUR" and invoice.issued_at == NOW
    # WHEN it is issued again, later
    platform.clock.now = NOW + timedelta(days=3)
    again, created = invoices.issue(ACCOUNT, "2026-11")
    # THEN it is the same invoice, as stored
    assert not created and again == invoice
    assert invoices.get(ACCOUNT, "2026-11") == invoice
    assert invoices.list(ACCOUNT) == [invoice]


def test_numbers_run_from_one_per_company(platform: Platform) -> None:
    invoices = platform.container.services("click2call").invoices
    platform.clock.now = datetime(2027, 3, 10, tzinfo=UTC)
    numbers = [invoices.issue(ACCOUNT, period)[0].number for period in ("2026-12", "2026-11")]
    numbers.append(invoices.issue(ACCOUNT, "2027-01")[0].number)
    numbers.append(invoices.issue(ACCOUNT, "2026-12")[0].number)
    assert numbers == [1, 2, 3, 1]
    assert [i.period for i in invoices.list(ACCOUNT)] == ["2026-11", "2026-12", "2027-01"]
    # AND another company's numbers start at 1
    store = InvoiceRepository()
    other, created = store.issue(_invoice("other-co", "2026-11"))
    assert created and other.number == 1
    assert [i.number for i in store.list(ACCOUNT)] == [2, 1, 3]


def _invoice(company_id: str, period: str) -> Invoice:
    line = InvoiceLine("r1", "c1", "C", "447700900601", november(2), Decimal("1.5"))
    return Invoice(company_id, period, 0, NOW, "GBP", (line,), Decimal("1.5"))


def test_an_issue_that_read_a_number_another_period_took_takes_the_next(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = InvoiceRepository()
    assert store.issue(_invoice("co-race", "2026-09"))[0].number == 1
    # GIVEN an issue of October that read the counter before September's issue wrote it
    stale = iter([0])
    real = InvoiceRepository._last_number

    def last_number(self: InvoiceRepository, company_id: str) -> int:
        return next(stale, None) or real(self, company_id)

    monkeypatch.setattr(InvoiceRepository, "_last_number", last_number)
    october, created = store.issue(_invoice("co-race", "2026-10"))
    # THEN its transaction lost the counter's condition, and the retry took number 2
    assert created and october.number == 2
    assert [(i.period, i.number) for i in store.list("co-race")] == [("2026-09", 1), ("2026-10", 2)]


def test_an_issue_racing_the_same_period_returns_the_first_and_uses_no_number(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = InvoiceRepository()
    first, _ = store.issue(_invoice("co-twice", "2026-09"))
    # GIVEN a second issue of the same period that did not see the first's invoice
    missed = iter([None])
    real = InvoiceRepository._find

    def find(self: InvoiceRepository, company_id: str, period: str) -> Invoice | None:
        return next(missed, real(self, company_id, period))

    monkeypatch.setattr(InvoiceRepository, "_find", find)
    again, created = store.issue(_invoice("co-twice", "2026-09"))
    assert not created and again == first
    # AND the counter did not move: the next period is number 2
    monkeypatch.undo()
    assert store.issue(_invoice("co-twice", "2026-10"))[0].number == 2


def test_an_invoice_too_large_for_an_item_is_refused(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.errors import TooLargeError

    monkeypatch.setattr(click2call_invoices, "MAX_LINES_BYTES", 50)
    with pytest.raises(TooLargeError):
        InvoiceRepository().issue(_invoice("co-big", "2026-09"))
    assert InvoiceRepository().list("co-big") == []


def test_the_rest_routes_issue_list_show_and_export_the_invoice(platform: Platform) -> None:
    # WHEN November is issued twice
    made = platform.api("POST", "/v1/click2call/invoices", {"period": "2026-11"})
    assert made.status_code == 201, made.body
    again = platform.api("POST", "/v1/click2call/invoices", {"period": "2026-11"})
    assert again.status_code == 200, again.body
    assert body(again) == body(made)
    shown = body(made)
    assert shown["number"] == "acme-2026-0001" and shown["total"] == "0.30"
    assert shown["currency"] == "EUR" and shown["calls"] == 3
    assert [(line["visitor"], line["price"]) for line in shown["lines"]] == [
        (visitor, "0.10") for visitor in VISITORS
    ]
    # THEN it is listed (without its lines) and read back with them
    listed = platform.api("GET", "/v1/click2call/invoices")
    assert listed.status_code == 200, listed.body
    [entry] = body(listed)["invoices"]
    assert entry["number"] == "acme-2026-0001" and "lines" not in entry
    one = platform.api("GET", "/v1/click2call/invoices/2026-11")
    assert one.status_code == 200 and body(one) == shown
    assert platform.api("GET", "/v1/click2call/invoices/2026-10").status_code == 404
    # AND its PDF holds the number, every line's visitor and price, and the total
    pdf = platform.client.http.get(
        shown["pdf_path"],
        headers={"Authorization": f"Bearer {platform.api_key}", "Accept": "application/pdf"},
    )
    assert pdf.status_code == 200, pdf.body
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages)
    assert "acme-2026-0001" in text and "Acme Windows" in text
    for visitor in VISITORS:
        assert f"{visitor} 0.10" in text
    assert "0.30 EUR" in text
    missing = platform.client.http.get(
        "/v1/click2call/invoices/2026-10/pdf",
        headers={"Authorization": f"Bearer {platform.api_key}", "Accept": "application/pdf"},
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("period", "why"),
    [
        ("2026-13", "expected form"),
        ("2026-12", "not over"),
        ("2027-02", "future"),
        ("2026-1", "expected form"),
    ],
)
def test_a_bad_period_is_refused_with_422(platform: Platform, period: str, why: str) -> None:
    answer = platform.api("POST", "/v1/click2call/invoices", {"period": period})
    assert answer.status_code == 422, answer.body
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert why in answer.body.decode()
    assert body(platform.api("GET", "/v1/click2call/invoices")) == {"invoices": []}
