"""The click-to-call's invoices: a company is invoiced per calendar month (``period``,
``YYYY-MM``, in UTC) for each COMPLETED click-to-call of that month, at its campaign's price.

``invoice_lines`` is pure: from a company's requests and campaigns it keeps the COMPLETED
requests whose ``completed_at`` falls in [the month's first day 00:00 UTC, the next month's),
one line each at its campaign's price (the price the campaign has when the invoice is issued:
a request keeps no price of its own), ordered by completion; the total is the exact Decimal sum
of the lines' prices. An invoice has one currency: lines of campaigns in several currencies are
refused (``ValidationError``, naming them) rather than summed or split.

``Invoices`` issues them: a period is invoiced once it is over and ``SETTLE`` has passed (a
call's end reaches its request through a queued task, a little after the call), never before,
never in the future; issuing it again returns the invoice issued first (its number, its lines),
even if more calls were completed since. Numbers run from 1 per company with no gap
(``store.click2call_invoices``); shown as ``<company>-<YYYY>-<NNNN>``. A month with no
completed call gets an invoice too (no lines, total 0). The requests are read from the
company's index by creation: from ``LOOKBACK`` before the month to its end (a request completed
after the month began was made before its end; one made more than ``LOOKBACK`` before the month
is not looked at). ``Invoices.pdf`` renders one with ``click2call.invoice_pdf``, imported on the
first PDF asked for; ``pdf_name`` is the file it is downloaded as. Imports the product's model
and the neutral errors; never the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from chalicelib.click2call.model import Campaign, Company, Request, RequestStatus
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.store.click2call_records import Invoice, InvoiceLine

SETTLE = timedelta(hours=1)
"""How long after a month ends its invoice may be issued."""
LOOKBACK = timedelta(days=92)
"""How long before a month a request completed in it may have been made."""
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A calendar month in UTC: [``start``, ``end``)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        """The month of ``YYYY-MM`` text (``ValidationError`` for anything else)."""
        found = _PERIOD.match(text or "")
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 2000:
            raise ValidationError(f"a period is a month as YYYY-MM (2026-11), not {text[:20]!r}")
        return cls(int(found[1]), int(found[2]))

    @property
    def text(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The next month's start."""
        if self.month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=UTC)
        return datetime(self.year, self.month + 1, 1, tzinfo=UTC)


def last_issuable(now: datetime) -> Period:
    """The latest month whose invoice may be issued at ``now`` (over, and ``SETTLE`` passed)."""
    at = (now - SETTLE).astimezone(UTC)
    return Period(at.year, at.month - 1) if at.month > 1 else Period(at.year - 1, 12)


def pdf_name(invoice: Invoice) -> str:
    """The file name an invoice's PDF is downloaded as."""
    return f"invoice-{invoice.number_text}.pdf"


@dataclass(frozen=True)
class InvoiceLines:
    """What a period comes to: its lines, their exact total and their currency (None: no
    lines)."""

    lines: tuple[InvoiceLine, ...]
    total: Decimal
    currency: str | None


def invoice_lines(
    requests: Iterable[Request], campaigns: Iterable[Campaign], period: Period
) -> InvoiceLines:
    """The lines of ``period``: each COMPLETED request completed in it, at its campaign's
    price, by completion time (then request id); their exact sum. ``ValidationError`` when the
    lines' campaigns have different currencies; ``ConflictError`` when a completed request's
    campaign is not among ``campaigns``."""
    by_id = {campaign.campaign_id: campaign for campaign in campaigns}
    start, end = period.start, period.end
    lines: list[InvoiceLine] = []
    currencies: set[str] = set()
    for request in requests:
        done = request.completed_at
        if request.status is not RequestStatus.COMPLETED or done is None:
            continue
        if not start <= done < end:
            continue
        campaign = by_id.get(request.campaign_id)
        if campaign is None:
            raise ConflictError(
                f"request {request.request_id!r} is of campaign {request.campaign_id!r},"
                " which the company does not have"
            )
        currencies.add(campaign.currency)
        lines.append(
            InvoiceLine(
                request_id=request.request_id,
                campaign_id=campaign.campaign_id,
                campaign_name=campaign.name,
                visitor=request.visitor,
                completed_at=done.astimezone(UTC),
                price=campaign.price,
            )
        )
    if len(currencies) > 1:
        raise ValidationError(
            f"the calls of {period.text} are priced in {', '.join(sorted(currencies))}:"
            " an invoice has one currency; give the campaigns one currency"
        )
    lines.sort(key=lambda line: (line.completed_at, line.request_id))
    total = sum((line.price for line in lines), Decimal(0))
    return InvoiceLines(tuple(lines), total, currencies.pop() if currencies else None)


class RequestReader(Protocol):
    """A company's requests by creation (``store.click2call_requests``)."""

    def every(
        self, company_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Request]: ...


class CampaignLister(Protocol):
    """A company's campaigns (``store.click2call``)."""

    def list(self, company_id: str) -> list[Campaign]: ...


class CompanyReader(Protocol):
    """Companies (``store.click2call``)."""

    def get(self, company_id: str) -> Company: ...


class InvoiceStore(Protocol):
    """Invoices (``store.click2call_invoices``)."""

    def issue(self, invoice: Invoice) -> tuple[Invoice, bool]: ...
    def get(self, company_id: str, period: str) -> Invoice: ...
    def list(self, company_id: str) -> list[Invoice]: ...


@dataclass(frozen=True)
class Invoices:
    """A company's invoices: issued once per period, read, listed."""

    requests: RequestReader
    campaigns: CampaignLister
    store: InvoiceStore
    clock: Callable[[], datetime]
    companies: CompanyReader

    def issue(self, company_id: str, period_text: str) -> tuple[Invoice, bool]:
        """The company's invoice of ``period_text`` and whether it was issued now (False: it
        was issued before, and is returned as it was). ``ValidationError`` for a malformed
        period, one not over (with ``SETTLE``) or in the future, or lines in several
        currencies; ``NotFoundError`` for a company that is not a click-to-call one."""
        period = Period.parse(period_text)
        now = self.clock()
        if now < period.start:
            raise ValidationError(f"{period.text} is in the future")
        if now < period.end + SETTLE:
            raise ValidationError(
                f"{period.text} is not over: its invoice can be issued from"
                f" {(period.end + SETTLE).isoformat()}"
            )
        company = self.companies.get(company_id)
        try:
            return self.store.get(company_id, period.text), False
        except NotFoundError:
            pass
        computed = invoice_lines(
            self.requests.every(company_id, period.start - LOOKBACK, period.end),
            self.campaigns.list(company_id),
            period,
        )
        invoice = Invoice(
            company_id=company_id,
            period=period.text,
            number=0,
            issued_at=now,
            currency=computed.currency or company.currency,
            lines=computed.lines,
            total=computed.total,
        )
        return self.store.issue(invoice)

    def get(self, company_id: str, period_text: str) -> Invoice:
        """The company's invoice of the period (``NotFoundError``: not issued)."""
        return self.store.get(company_id, Period.parse(period_text).text)

    def list(self, company_id: str) -> list[Invoice]:
        """The company's invoices, oldest period first."""
        return self.store.list(company_id)

    def pdf(self, company_id: str, period_text: str) -> tuple[Invoice, bytes]:
        """The company's invoice of the period and its PDF (``NotFoundError``: not issued)."""
        from chalicelib.click2call.invoice_pdf import render

        invoice = self.get(company_id, period_text)
        return invoice, render(invoice, self.companies.get(company_id))
