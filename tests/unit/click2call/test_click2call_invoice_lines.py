"""A click-to-call invoice's lines and total (``click2call.invoices``), its issuing rules with
in-memory stores, and its PDF read back: GIVEN a company's requests and campaigns, THEN only
the COMPLETED requests completed within the month (UTC) are lines, each at its campaign's
price, and the total is their exact Decimal sum; a period is issued once it is over, never
before or in the future; the PDF holds the number, each line's visitor and price, the total."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from chalicelib.click2call.invoice_pdf import render
from chalicelib.click2call.invoices import SETTLE, Invoices, Period, invoice_lines
from chalicelib.click2call.model import Campaign, Company, Request, RequestStatus
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.store.click2call_records import Invoice, InvoiceLine

NOVEMBER = Period(2026, 11)
CAMPAIGN = Campaign("windows", "acme", "Windows", "k", ("op-1",), "447700900180")
DOORS = replace(CAMPAIGN, campaign_id="doors", name="Doors (and frames)", price=Decimal("1.25"))
PRICED = replace(CAMPAIGN, price=Decimal("0.10"))
COMPANY = Company("acme", "Acme Windows", "c2c-uk")


def completed(request_id: str, at: datetime, campaign: str = "windows") -> Request:
    return Request(
        request_id=request_id,
        campaign_id=campaign,
        company_id="acme",
        visitor=f"4477009006{len(request_id):02d}",
        created_at=at - timedelta(minutes=2),
        status=RequestStatus.COMPLETED,
        completed_at=at,
    )


def at(day: int, hour: int = 12, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_three_calls_at_ten_cents_come_to_exactly_thirty_cents() -> None:
    requests = [completed(f"r{i}", at(i + 1)) for i in range(3)]
    result = invoice_lines(requests, [PRICED], NOVEMBER)
    assert [line.request_id for line in result.lines] == ["r0", "r1", "r2"]
    assert all(line.price == Decimal("0.10") for line in result.lines)
    assert result.total == Decimal("0.30") and str(result.total) == "0.30"
    assert result.currency == "EUR"


def test_only_completed_requests_completed_within_the_month_are_lines() -> None:
    inside = completed("in", at(15))
    first_instant = completed("first", datetime(2026, 11, 1, tzinfo=UTC))
    last_instant = completed("last", datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC))
    requests = [
        inside,
        first_instant,
        last_instant,
        completed("october", datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)),
        completed("december", datetime(2026, 12, 1, tzinfo=UTC)),
        replace(inside, request_id="failed-user", status=RequestStatus.FAILED_USER),
        replace(inside, request_id="failed-company", status=RequestStatus.FAILED_COMPANY),
        replace(inside, request_id="in-progress", status=RequestStatus.IN_PROGRESS),
        replace(inside, request_id="waiting", status=RequestStatus.WAITING),
        replace(inside, request_id="no-time", completed_at=None),
    ]
    result = invoice_lines(requests, [PRICED], NOVEMBER)
    assert [line.request_id for line in result.lines] == ["first", "in", "last"]
    assert result.total == Decimal("0.30")


def test_each_line_has_its_campaigns_price_and_the_total_their_exact_sum() -> None:
    requests = [
        completed("a", at(3), "doors"),
        completed("b", at(2)),
        completed("c", at(4), "doors"),
        completed("d", at(5)),
    ]
    result = invoice_lines(requests, [PRICED, DOORS], NOVEMBER)
    assert [(line.request_id, line.price) for line in result.lines] == [
        ("b", Decimal("0.10")),
        ("a", Decimal("1.25")),
        ("c", Decimal("1.25")),
        ("d", Decimal("0.10")),
    ]
    assert result.lines[1].campaign_name == "Doors (and frames)"
    assert result.total == sum((line.price for line in result.lines), Decimal(0))
    assert result.total == Decimal("2.70")


def test_many_small_prices_sum_without_a_float_error() -> None:
    tenth = replace(CAMPAIGN, price=Decimal("0.1"))
    requests = [completed(f"r{i:04d}", at(1) + timedelta(seconds=i)) for i in range(1000)]
    assert invoice_lines(requests, [tenth], NOVEMBER).total == Decimal("100.0")


def test_a_month_without_completed_calls_has_no_lines_and_a_zero_total() -> None:
    result = invoice_lines([completed("old", at(2, month=10))], [PRICED], NOVEMBER)
    assert result.lines == () and result.total == Decimal(0) and result.currency is None


def test_lines_in_two_currencies_are_refused() -> None:
    dollars = replace(DOORS, currency="USD")
    requests = [completed("a", at(3), "doors"), completed("b", at(2))]
    with pytest.raises(ValidationError, match="EUR, USD"):
        invoice_lines(requests, [PRICED, dollars], NOVEMBER)


def test_a_completed_request_of_an_unknown_campaign_is_a_conflict() -> None:
    with pytest.raises(ConflictError, match="gone-campaign"):
        invoice_lines([completed("a", at(3), "gone-campaign")], [PRICED], NOVEMBER)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "", "x"])
def test_a_malformed_period_is_refused(text: str) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM"):
        Period.parse(text)


def test_a_period_runs_from_its_first_day_to_the_next_months() -> None:
    december = Period.parse("2026-12")
    assert december.start == datetime(2026, 12, 1, tzinfo=UTC)
    assert december.end == datetime(2027, 1, 1, tzinfo=UTC)
    assert december.text == "2026-12"


# -- issuing, with in-memory stores -----------------------------------------------------------
@dataclass
class FakeStores:
    requests: list[Request] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    invoices: dict[tuple[str, str], Invoice] = field(default_factory=dict)
    reads: list[tuple[datetime | None, datetime | None]] = field(default_factory=list)

    def every(
        self, company_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Request]:
        self.reads.append((since, until))
        return iter(
            r
            for r in self.requests
            if r.company_id == company_id
            and (since is None or r.created_at >= since)
            and (until is None or r.created_at < until)
        )

    def list(self, company_id: str) -> list[Campaign]:
        return [c for c in self.campaigns if c.company_id == company_id]

    def get(self, company_id: str) -> Company:
        if company_id != "acme":
            raise NotFoundError("no company")
        return COMPANY


@dataclass
class FakeInvoiceStore:
    invoices: dict[tuple[str, str], Invoice] = field(default_factory=dict)

    def issue(self, invoice: Invoice) -> tuple[Invoice, bool]:
        key = (invoice.company_id, invoice.period)
        if key in self.invoices:
            return self.invoices[key], False
        numbered = replace(
            invoice, number=1 + sum(k[0] == invoice.company_id for k in self.invoices)
        )
        self.invoices[key] = numbered
        return numbered, True

    def get(self, company_id: str, period: str) -> Invoice:
        try:
            return self.invoices[(company_id, period)]
        except KeyError:
            raise NotFoundError("no invoice") from None

    def list(self, company_id: str) -> list[Invoice]:
        return sorted(
            (i for k, i in self.invoices.items() if k[0] == company_id), key=lambda i: i.period
        )


def service(now: datetime, stores: FakeStores) -> Invoices:
    return Invoices(stores, stores, FakeInvoiceStore(), lambda: now, stores)


def test_a_month_is_issued_once_it_is_over_and_again_returns_the_first() -> None:
    stores = FakeStores([completed("a", at(3)), completed("b", at(4))], [PRICED])
    invoices = service(datetime(2026, 12, 1, tzinfo=UTC) + SETTLE, stores)
    first, created = invoices.issue("acme", "2026-11")
    assert created and first.number == 1 and first.number_text == "acme-2026-0001"
    assert first.total == Decimal("0.20") and len(first.lines) == 2
    # WHEN a call of November is recorded late and the month issued again
    stores.requests.append(completed("late", at(29)))
    again, created = invoices.issue("acme", "2026-11")
    assert not created and again == first
    # AND the requests were read from before the month up to its end
    since, until = stores.reads[0]
    assert since is not None and since < NOVEMBER.start and until == NOVEMBER.end


@pytest.mark.parametrize(
    ("now", "why"),
    [
        (datetime(2026, 11, 20, tzinfo=UTC), "not over"),
        (datetime(2026, 12, 1, tzinfo=UTC), "not over"),
        (datetime(2026, 12, 1, tzinfo=UTC) + SETTLE - timedelta(seconds=1), "not over"),
        (datetime(2026, 10, 31, tzinfo=UTC), "future"),
    ],
)
def test_a_month_not_over_or_in_the_future_is_refused(now: datetime, why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        service(now, FakeStores()).issue("acme", "2026-11")


def test_an_account_that_is_no_click2call_company_has_no_invoice() -> None:
    with pytest.raises(NotFoundError):
        service(datetime(2027, 1, 1, tzinfo=UTC), FakeStores()).issue("other", "2026-11")


# -- the PDF ----------------------------------------------------------------------------------
def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def invoice_of(count: int, name: str = "Windows") -> Invoice:
    lines = tuple(
        InvoiceLine(
            f"r{i}",
            "windows",
            name,
            f"4477009{i:05d}",
            at(1) + timedelta(minutes=i),
            Decimal("0.10"),
        )
        for i in range(count)
    )
    total = sum((line.price for line in lines), Decimal(0))
    return Invoice("acme", "2026-11", 7, at(1, month=12), "EUR", lines, total)


def test_the_pdf_holds_the_number_each_lines_visitor_and_price_and_the_total() -> None:
    invoice = invoice_of(3)
    data = render(invoice, COMPANY)
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    assert "acme-2026-0007" in text and "Acme Windows" in text and "2026-11" in text
    assert "2026-12-01" in text
    for line in invoice.lines:
        assert f"{line.visitor} 0.10" in text
    assert "0.30 EUR" in text


def test_a_long_invoice_runs_over_pages_and_keeps_every_line() -> None:
    invoice = invoice_of(120)
    reader = PdfReader(io.BytesIO(render(invoice, COMPANY)))
    assert len(reader.pages) == 3
    text = pdf_text(render(invoice, COMPANY))
    assert all(line.visitor in text for line in invoice.lines)
    assert "12.00 EUR" in text and "Page 3 of 3" in text


def test_names_with_pdf_syntax_or_outside_winansi_are_printed_safely() -> None:
    data = render(invoice_of(1, "Sale (50%) \\ Ünïcode ✓ ) ("), replace(COMPANY, name="Äcme ☎"))
    text = pdf_text(data)
    assert "Sale (50%) \\ Ünïcode ? ) (" in text and "Äcme ?" in text


def test_the_same_invoice_renders_the_same_bytes() -> None:
    assert render(invoice_of(5), COMPANY) == render(invoice_of(5), COMPANY)
