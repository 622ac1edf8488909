"""The click-to-call's invoices over REST, on the ``click2call`` blueprint, for the company
(its account's API key):

- ``POST /v1/click2call/invoices`` with ``{"period": "2026-11"}``: 201 with the invoice issued
  now, or 200 with the one issued before for that period (``click2call.invoices``); a period
  malformed, not over or in the future is a 422 (the last two are refusals by the clock: the
  document allows any month).
- ``GET /v1/click2call/invoices``: the company's invoices, oldest period first, without lines.
- ``GET /v1/click2call/invoices/{period}``: one invoice with its lines (404: not issued).
- ``GET /v1/click2call/invoices/{period}/pdf``: the same as a PDF (``application/pdf``; the
  client's ``Accept`` must allow it, Chalice answers 400 otherwise), rendered by
  ``click2call.invoice_pdf``, imported on the first PDF asked for.

Amounts are exact decimal text. Imports Chalice, pydantic, the web helpers, the wiring and the
product's invoices; never the store.
"""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.click2call.invoices import Invoices, pdf_name
from chalicelib.click2call.routes import click2call
from chalicelib.store.click2call_records import Invoice
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import body, calling_account, guarded, json_response, operation
from chalicelib.wiring import container

INVOICES = "/v1/click2call/invoices"
PDF_MEDIA = "application/pdf"
PERIOD_PATTERN = "^[2-9][0-9]{3}-(0[1-9]|1[0-2])$"
"""A month from 2000 on, as YYYY-MM (what ``click2call.invoices.Period`` reads)."""
_PERIOD = {"period": {"type": "string", "pattern": PERIOD_PATTERN}}


def _invoices() -> Invoices:
    return container().services("click2call").invoices  # type: ignore[no-any-return]


class InvoiceBody(BaseModel):
    """The month to invoice (UTC), as YYYY-MM."""

    model_config = ConfigDict(extra="forbid")
    period: Annotated[str, Field(pattern=PERIOD_PATTERN, examples=["2026-11"])]


def invoice_view(invoice: Invoice, lines: bool = True) -> dict[str, Any]:
    """An invoice as its company sees it (with its lines, or their count only)."""
    shown: dict[str, Any] = {
        "number": invoice.number_text,
        "sequence": invoice.number,
        "period": invoice.period,
        "issued_at": invoice.issued_at.isoformat(),
        "currency": invoice.currency,
        "calls": len(invoice.lines),
        "total": str(invoice.total),
        "pdf_path": f"{INVOICES}/{invoice.period}/pdf",
    }
    if lines:
        shown["lines"] = [
            {
                "request_id": line.request_id,
                "campaign_id": line.campaign_id,
                "campaign_name": line.campaign_name,
                "visitor": line.visitor,
                "completed_at": line.completed_at.isoformat(),
                "price": str(line.price),
            }
            for line in invoice.lines
        ]
    return shown


@operation(
    click2call,
    Operation(
        INVOICES,
        "post",
        "Issue the account's click-to-call invoice of a month (once: again, the same invoice)",
        request=InvoiceBody,
        status=201,
        also={200: "Issued before: the same invoice"},
    ),
)
@guarded
def issue_invoice() -> Response:
    """The month's invoice: 201 issued now, 200 issued before."""
    account = calling_account()
    period = body(InvoiceBody).period
    invoice, created = _invoices().issue(account.account_id, period)
    return json_response(invoice_view(invoice), 201 if created else 200)


@operation(click2call, Operation(INVOICES, "get", "The account's click-to-call invoices"))
@guarded
def list_invoices() -> Response:
    """Every invoice of the account, oldest period first, without their lines."""
    account = calling_account()
    found = _invoices().list(account.account_id)
    return json_response({"invoices": [invoice_view(i, lines=False) for i in found]})


@operation(
    click2call,
    Operation(
        INVOICES + "/{period}",
        "get",
        "One click-to-call invoice with its lines",
        path_parameters=_PERIOD,
    ),
)
@guarded
def show_invoice(period: str) -> Response:
    """The invoice of the month, if issued."""
    account = calling_account()
    return json_response(invoice_view(_invoices().get(account.account_id, period)))


@operation(
    click2call,
    Operation(
        INVOICES + "/{period}/pdf",
        "get",
        "One click-to-call invoice as a PDF",
        media=PDF_MEDIA,
        path_parameters=_PERIOD,
    ),
)
@guarded
def invoice_pdf(period: str) -> Response:
    """The invoice of the month as a PDF file, if issued."""
    account = calling_account()
    invoice, document = _invoices().pdf(account.account_id, period)
    return Response(
        body=document,
        status_code=200,
        headers={
            "Content-Type": PDF_MEDIA,
            "Content-Disposition": f'attachment; filename="{pdf_name(invoice)}"',
        },
    )
