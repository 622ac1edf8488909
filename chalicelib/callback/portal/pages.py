"""How the callback user's web pages are answered: templates rendered by Jinja2 with autoescape
on (every value a user or the store gave is escaped), the stylesheet and script served from the
package, redirects to the pages' own fixed paths only (never to a URL a request named), and the
security headers of every answer: a Content-Security-Policy that allows no inline script or
style and no framing, ``X-Frame-Options: DENY``, ``nosniff``, a same-origin referrer and
``Cache-Control: no-store`` on every page. Also the words of amounts and durations. Imports
Jinja2, Chalice's ``Response`` and the standard library; must not import the store, pynamodb or
the wiring.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalice.app import Response

if TYPE_CHECKING:
    from jinja2 import Environment

HERE = Path(__file__).resolve().parent
PREFIX = "/my"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC = {"portal.css": "text/css; charset=utf-8", "portal.js": "text/javascript; charset=utf-8"}


def money(value: Decimal, currency: str) -> str:
    """``10.5`` EUR as ``10.50 EUR``: at least two decimals, never fewer than stored."""
    exponent = value.as_tuple().exponent
    short = isinstance(exponent, int) and exponent > -2
    shown = value.quantize(Decimal("0.01")) if short else value
    return f"{shown:f} {currency}"


def duration(seconds: int) -> str:
    """95 seconds as ``1:35``; an hour or more as ``1:01:05``."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@cache
def environment() -> Environment:
    """The templates' environment (autoescaped, undefined names an error); Jinja2 is imported
    on the first page, never on a cold start that serves none."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(HERE / "templates")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = duration
    return env


def headers(extra: dict[str, str] | None = None, *, private: bool = True) -> dict[str, Any]:
    """The security headers, ``no-store`` on a page, and ``extra``."""
    cache_control = "no-store" if private else "public, max-age=3600"
    return {**SECURITY_HEADERS, "Cache-Control": cache_control, **(extra or {})}


def page(
    template: str, context: dict[str, Any], status: int = 200, cookie: str | None = None
) -> Response:
    """A rendered page, with the session cookie to set (if any)."""
    body = environment().get_template(template).render(**context)
    extra = {"Content-Type": "text/html; charset=utf-8"}
    if cookie is not None:
        extra["Set-Cookie"] = cookie
    return Response(body=body, status_code=status, headers=headers(extra))


def redirect(base: str, path: str, cookie: str | None = None) -> Response:
    """303 See Other to one of the pages (``path`` is a constant of this package, never a
    request's value), with the session cookie to set (if any)."""
    extra = {"Location": f"{base}{PREFIX}{path}", "Content-Type": "text/html; charset=utf-8"}
    if cookie is not None:
        extra["Set-Cookie"] = cookie
    return Response(body="", status_code=303, headers=headers(extra))


@cache
def _static(name: str) -> str:
    return (HERE / "static" / name).read_text(encoding="utf-8")


def static(name: str) -> Response:
    """The stylesheet or the script; 404 for any other name."""
    if name not in STATIC:
        return Response(
            body="<p>Not found.</p>",
            status_code=404,
            headers=headers({"Content-Type": "text/html; charset=utf-8"}),
        )
    extra = {"Content-Type": STATIC[name]}
    return Response(body=_static(name), status_code=200, headers=headers(extra, private=False))
