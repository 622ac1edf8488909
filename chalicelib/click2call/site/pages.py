"""The click-to-call company's web pages as a ``web.site.Site``: served under ``/company``, with
their own session cookie and key (a callback user's cookie never opens them), the blueprint
``company_site`` their route modules register on, and what those modules share: the service, the
company of a visit, ids and days as a form gives them. Imports Chalice, ``web.site``, the wiring,
the product's model and service; must not import pynamodb or the store.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

from chalice.app import Blueprint

from chalicelib.click2call.model import Company
from chalicelib.click2call.service import Click2Call
from chalicelib.web.site import Site, Visit, money
from chalicelib.wiring import container

PREFIX = "/company"
COOKIE = "ringflow_company"
PURPOSE = b"ringflow click2call company session v1"


def when(value: datetime | None) -> str:
    """A time as the pages show it: ``2026-12-01 09:05 UTC`` ("" for none)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


SITE = Site(
    prefix=PREFIX,
    folder=Path(__file__).resolve().parent,
    static_types={
        "company.css": "text/css; charset=utf-8",
        "company.js": "text/javascript; charset=utf-8",
    },
    cookie=COOKIE,
    purpose=PURPOSE,
    filters={"when": when, "money": money},
    max_form_bytes=16_384,
)
"""A campaign's form holds a message of up to 1,000 characters and 20 sites, percent-encoded."""
company_site = Blueprint(__name__)
page = partial(SITE.handler, company_site)
"""``@page(private=True, post=False)``: a page handler of the company's site."""

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def company_id(text: str) -> str:
    """A company id as typed at the login (an account id); ``ValueError`` for any other text."""
    if not _ID.match(text):
        raise ValueError("not an account id")
    return text


def service() -> Click2Call:
    """The product's service."""
    found: Click2Call = container().services("click2call").click2call
    return found


def company(visit: Visit) -> Company:
    """The company logged in."""
    return service().company(visit.session.account_id)


def path_id(text: str) -> str:
    """An id as it goes into a redirect's path (quoted: never a request's URL)."""
    return quote(text, safe="")


def day(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` day from a form, None when empty; ``ValueError`` for any other text."""
    if not text:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(text)
    return date.fromisoformat(text)


def day_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """The instants [start of ``first``, end of ``last``) in UTC."""
    since = datetime.combine(first, time(), UTC) if first else None
    until = datetime.combine(last, time(), UTC) + timedelta(days=1) if last else None
    return since, until


def nav(visit: Visit, active: str, **values: Any) -> dict[str, Any]:
    """The values every private page's template gets: the company and the active tab."""
    return {"company": company(visit), "active": active, **values}
