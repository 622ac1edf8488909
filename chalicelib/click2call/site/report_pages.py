"""The company's pages of statistics and invoices, on the blueprint ``company_site`` (under
``/company``): ``statistics`` (GET: the figures of a period of days, of one campaign or all,
beside those of the period compared with and the change, counted from the requests at each
load, and two charts), ``statistics/chart`` (GET: a chart as an SVG image, for the session's
company only; a bad period is a 422 page that says so); ``invoices`` (GET the list and the form
to issue a finished month's invoice, POST to issue it: once, a repeat shows the same invoice),
``invoices/{period}`` (one invoice's lines and total) and ``invoices/{period}/pdf`` (the PDF as
an attachment).

A period is typed as days (``YYYY-MM-DD``, both included, in UTC): by default the last 7 days
up to today, compared with the 7 days before; a compared period with one end typed is as long
as the first. The figures are ``click2call.stats``', the charts ``click2call.charts``', the
invoices and their PDF ``click2call.invoices``'. Forms, sessions, CSRF and redirects are
``web.site``'s. Owns these routes and the words they show. Imports Chalice, ``web.site``, the
wiring, the product's statistics, charts, invoices, errors and its site module; must not import
pynamodb or the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from chalice.app import Response

from chalicelib import errors
from chalicelib.click2call.charts import comparison_svg, series_svg
from chalicelib.click2call.invoices import Invoices, last_issuable, pdf_name
from chalicelib.click2call.model import Campaign
from chalicelib.click2call.site.pages import (
    SITE,
    company_site,
    day,
    day_range,
    nav,
    page,
    path_id,
    service,
)
from chalicelib.click2call.stats import (
    FIGURES,
    MAX_PERIOD,
    Change,
    Figure,
    Summary,
    compare,
    period_summary,
)
from chalicelib.web.site import FORM, Visit, duration, headers, money
from chalicelib.wiring import container

PREFIX = SITE.prefix
DEFAULT_DAYS = 7
SVG_MEDIA = "image/svg+xml; charset=utf-8"
PDF_MEDIA = "application/pdf"
CHARTS = ("series", "comparison")
LABELS = {
    "requests": "Requests",
    "completed": "Completed",
    "failed_user": "Failed calling to user",
    "failed_company": "Failed calling to company",
    "pending": "In progress or waiting",
    "completion_rate": "Completion rate",
    "answer_p50": "Time to the first call, median (p50)",
    "answer_p90": "Time to the first call, 90th percentile (p90)",
    "talk_total": "Talk time, total",
    "talk_average": "Talk time per completed request",
    "cost": "Cost of the calls",
}
"""Each figure of ``stats.FIGURES`` as the page names it."""
SECONDS = ("answer_p50", "answer_p90", "talk_average")
NONE = "n/a"
Days = tuple[date, date]


# -- the period asked for -----------------------------------------------------------------------
class Choice:
    """The statistics' form as typed (kept in the form and the charts' links) and what it
    means: the period and the one compared with (days, both included), the campaign; ``wrong``
    says what is wrong with it ("" when right). Missing days are filled in with the defaults
    (see the module), so the form shows the days the figures are of."""

    default_days = DEFAULT_DAYS

    def __init__(self, query: dict[str, str], campaigns: list[Campaign], today: date) -> None:
        self.first = query.get("from", "")[:10]
        self.last = query.get("to", "")[:10]
        self.compare_first = query.get("compare_from", "")[:10]
        self.compare_last = query.get("compare_to", "")[:10]
        self.campaign = query.get("campaign", "")[:40]
        self.wrong = ""
        self.days: Days = (today, today)
        self.compared: Days = (today, today)
        try:
            self.days = _days(day(self.first), day(self.last), today, DEFAULT_DAYS)
            length = (self.days[1] - self.days[0]).days + 1
            before = self.days[0] - timedelta(days=1)
            self.compared = _days(day(self.compare_first), day(self.compare_last), before, length)
        except _Refused as refused:
            self.wrong = str(refused)
        except ValueError:
            self.wrong = "Days are written YYYY-MM-DD (or picked from the calendar)."
        except OverflowError:
            self.wrong = "A day is out of the calendar."
        if not self.wrong:
            self.first, self.last = (d.isoformat() for d in self.days)
            self.compare_first, self.compare_last = (d.isoformat() for d in self.compared)
        if self.campaign and self.campaign not in {c.campaign_id for c in campaigns}:
            self.wrong = self.wrong or "There is no such campaign."

    @property
    def period(self) -> tuple[datetime, datetime]:
        """The instants of the days: [the first's start, the day after the last) in UTC."""
        return _instants(self.days)

    @property
    def compared_period(self) -> tuple[datetime, datetime]:
        return _instants(self.compared)

    def query(self, **changes: str) -> str:
        """The choice as a query string (with ``changes``), for the charts' links."""
        fields = {
            "from": self.first,
            "to": self.last,
            "compare_from": self.compare_first,
            "compare_to": self.compare_last,
            "campaign": self.campaign,
            **changes,
        }
        return urlencode({name: value for name, value in fields.items() if value})


class _Refused(ValueError):
    """Days that are dates but make no period (said in words)."""


def _days(first: date | None, last: date | None, default_last: date, length: int) -> Days:
    """The days [first, last] with a missing end ``length`` days from the other (both missing:
    the ``length`` days up to ``default_last``)."""
    if first is None and last is None:
        last = default_last
    if first is None and last is not None:
        first = last - timedelta(days=length - 1)
    if last is None and first is not None:
        last = first + timedelta(days=length - 1)
    assert first is not None and last is not None
    if first > last:
        raise _Refused("The first day comes after the last one.")
    if (last - first).days + 1 > MAX_PERIOD.days:
        raise _Refused(f"A period is at most {MAX_PERIOD.days} days.")
    _instants((first, last))  # out of the calendar: OverflowError
    return first, last


def _instants(days: Days) -> tuple[datetime, datetime]:
    since, until = day_range(*days)
    assert since is not None and until is not None
    return since, until


def _span(days: Days) -> str:
    first, last = days
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def _choice(visit: Visit) -> tuple[Choice, dict[str, Campaign]]:
    campaigns = service().campaigns.list(visit.session.account_id)
    today = container().clock().astimezone(UTC).date()
    return Choice(visit.query, campaigns, today), {c.campaign_id: c for c in campaigns}


def _summaries(visit: Visit, choice: Choice) -> tuple[Summary, Summary]:
    """The period's summary and the compared period's, read now."""
    company_id = visit.session.account_id
    campaign = choice.campaign or None
    reader = service().requests
    current = period_summary(reader, company_id, *choice.period, campaign)
    base = period_summary(reader, company_id, *choice.compared_period, campaign)
    return current, base


# -- the words of the figures -------------------------------------------------------------------
def shown(name: str, value: Figure, currency: str) -> str:
    """A figure as the page writes it."""
    if value is None:
        return NONE
    if name == "completion_rate":
        return f"{float(value) * 100:.1f}%"
    if name in SECONDS:
        return f"{float(value):g} s"
    if name == "talk_total":
        return duration(int(value))
    if name == "cost":
        return money(Decimal(value), currency)
    return str(value)


def change_shown(change: Change, currency: str) -> str:
    """A figure's change from the compared period to the period, and relative to it."""
    difference = change.difference
    if difference is None:
        return NONE
    if change.name == "completion_rate":
        words = f"{float(difference) * 100:+.1f} points"
    elif change.name == "cost":
        amount = Decimal(difference)
        words = ("-" if amount < 0 else "+") + money(abs(amount), currency)
    elif change.name in SECONDS:
        words = f"{float(difference):+g} s"
    elif change.name == "talk_total":
        words = ("-" if int(difference) < 0 else "+") + duration(abs(int(difference)))
    else:
        words = f"{int(difference):+d}"
    if change.change is not None and change.name != "completion_rate":
        words += f" ({change.change * 100:+.0f}%)"
    return words


@dataclass(frozen=True)
class Row:
    """One figure of the table: the period's, the compared period's, the change."""

    name: str
    label: str
    current: str
    compared: str
    change: str


def rows(current: Summary, base: Summary, currency: str) -> list[Row]:
    """The table of the figures, in ``stats.FIGURES``' order."""
    comparison = compare(base, current)
    return [
        Row(
            name,
            LABELS[name],
            shown(name, current.figure(name), currency),
            shown(name, base.figure(name), currency),
            change_shown(comparison.change(name), currency),
        )
        for name in FIGURES
    ]


def series_alt(current: Summary, days: Days) -> str:
    """What the chart per day (or hour) shows, in words (its image's ``alt``)."""
    per = "hour" if current.granularity == "hour" else "day"
    busiest = max(current.series, key=lambda bucket: bucket.total, default=None)
    words = (
        f"Requests per {per}, {_span(days)}: {current.requests} requests, "
        f"{current.completed} completed, {current.failed_user} failed calling to user, "
        f"{current.failed_company} failed calling to company, {current.pending} in progress "
        "or waiting."
    )
    if busiest is not None and busiest.total:
        at = busiest.start.strftime("%Y-%m-%d %H:00" if per == "hour" else "%Y-%m-%d")
        words += f" The busiest {per}: {at}, {busiest.total} requests."
    return words


def comparison_alt(current: Summary, base: Summary, choice: Choice) -> str:
    """What the chart of the two periods shows, in words (its image's ``alt``)."""
    pairs = "; ".join(
        f"{LABELS[name].lower()} {base.figure(name)} then {current.figure(name)}"
        for name in ("requests", "completed", "failed_user", "failed_company", "pending")
    )
    return f"The two periods, {_span(choice.compared)} then {_span(choice.days)}: {pairs}."


# -- statistics ---------------------------------------------------------------------------------
@company_site.route(PREFIX + "/statistics", methods=["GET"])
@page()
def company_statistics(visit: Visit) -> Response:
    """The figures of a period beside those of the period compared with, and the charts."""
    common = nav(visit, "statistics")
    choice, campaigns = _choice(visit)
    if choice.wrong:
        return visit.show(
            "statistics.html",
            422,
            error=choice.wrong,
            choice=choice,
            campaigns=campaigns,
            figures=[],
            **common,
        )
    current, base = _summaries(visit, choice)
    currency = common["company"].currency
    return visit.show(
        "statistics.html",
        choice=choice,
        campaigns=campaigns,
        as_of=container().clock(),
        figures=rows(current, base, currency),
        period=_span(choice.days),
        compared=_span(choice.compared),
        charts=[
            (choice.query(kind="series"), series_alt(current, choice.days)),
            (choice.query(kind="comparison"), comparison_alt(current, base, choice)),
        ],
        **common,
    )


def _svg(image: str, status: int = 200) -> Response:
    return Response(body=image, status_code=status, headers=headers({"Content-Type": SVG_MEDIA}))


@company_site.route(PREFIX + "/statistics/chart", methods=["GET"])
@page()
def company_statistics_chart(visit: Visit) -> Response:
    """A chart of the statistics' choice as an SVG image: ``kind`` ``series`` (the bars per
    day, or hour) or ``comparison`` (the two periods side by side)."""
    choice, campaigns = _choice(visit)
    kind = visit.query.get("kind", "series")
    wrong = choice.wrong or ("" if kind in CHARTS else "A chart is of kind series or comparison.")
    if wrong:
        return visit.show("refused.html", 422, message=wrong, **nav(visit, "statistics"))
    current, base = _summaries(visit, choice)
    title = campaigns[choice.campaign].name if choice.campaign else ""
    if kind == "series":
        return _svg(series_svg(current, title))
    return _svg(comparison_svg(compare(base, current), title))


# -- invoices -----------------------------------------------------------------------------------
def _invoices() -> Invoices:
    found: Invoices = container().services("click2call").invoices
    return found


def _words(refused: Exception) -> str:
    said = str(refused)
    return said[:1].upper() + said[1:] + ("" if said.endswith(".") else ".")


def _list(visit: Visit, status: int = 200, error: str = "", typed: str = "") -> Response:
    listed = _invoices().list(visit.session.account_id)
    default = last_issuable(container().clock()).text
    return visit.show(
        "invoices.html",
        status,
        error=error,
        invoices=list(reversed(listed)),
        period=typed or default,
        **nav(visit, "invoices"),
    )


@company_site.route(PREFIX + "/invoices", methods=["GET"])
@page()
def company_invoices(visit: Visit) -> Response:
    """The company's invoices, newest period first, and the form to issue one."""
    return _list(visit)


@company_site.route(PREFIX + "/invoices", methods=["POST"], content_types=FORM)
@page(post=True)
def company_issue_invoice(visit: Visit) -> Response:
    """Issue a finished month's invoice (again: the one issued first), and show it."""
    typed = visit.form.get("period", "").strip()[:20]
    try:
        invoice, created = _invoices().issue(visit.session.account_id, typed)
    except errors.NotFoundError:
        return _list(visit, 404, "This company cannot be invoiced: ask the platform's operator.")
    except errors.ConflictError as refused:
        return _list(visit, 409, _words(refused), typed)
    except errors.RingflowError as refused:
        return _list(visit, 422, _words(refused), typed)
    calls = len(invoice.lines)
    total = money(invoice.total, invoice.currency)
    if created:
        notice = f"Invoice {invoice.number_text} is issued: {calls} completed, {total}."
    else:
        issued = invoice.issued_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        notice = f"The invoice of {invoice.period} was issued on {issued}: it is unchanged."
    return visit.done(f"/invoices/{path_id(invoice.period)}", notice)


def _refused(visit: Visit, status: int, message: str) -> Response:
    return visit.show("refused.html", status, message=message, **nav(visit, "invoices"))


@company_site.route(PREFIX + "/invoices/{period}", methods=["GET"])
@page()
def company_invoice(visit: Visit, period: str) -> Response:
    """One invoice: its completed click-to-calls, each at its price, and their total."""
    try:
        invoice = _invoices().get(visit.session.account_id, period[:20])
    except errors.NotFoundError:
        return _refused(visit, 404, "There is no invoice of that month: issue it first.")
    except errors.ValidationError as refused:
        return _refused(visit, 422, _words(refused))
    return visit.show("invoice.html", invoice=invoice, **nav(visit, "invoices"))


@company_site.route(PREFIX + "/invoices/{period}/pdf", methods=["GET"])
@page()
def company_invoice_pdf(visit: Visit, period: str) -> Response:
    """One invoice as a PDF file to download."""
    try:
        invoice, document = _invoices().pdf(visit.session.account_id, period[:20])
    except errors.NotFoundError:
        return _refused(visit, 404, "There is no invoice of that month: issue it first.")
    except errors.ValidationError as refused:
        return _refused(visit, 422, _words(refused))
    extra = {
        "Content-Type": PDF_MEDIA,
        "Content-Disposition": f'attachment; filename="{pdf_name(invoice)}"',
    }
    return Response(body=document, status_code=200, headers=headers(extra))
