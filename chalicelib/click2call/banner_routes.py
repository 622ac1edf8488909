"""The click-to-call banner a marketing site embeds, on the ``click2call`` blueprint: ``GET
/pages/c2c/{public_key}/banner`` (the banner itself: the visitor's number, their consent, a
button; its script posts to the campaign's request route of this origin), ``GET
/pages/c2c/{public_key}/embed.js`` (the script tag a site pastes: it puts the banner in an
iframe where the tag is), ``GET /pages/c2c/{public_key}/try`` (a page showing the banner as a
site would) and the banner's script and stylesheet under ``/pages/c2c-static/``.
The banner renders only the campaign's and the company's names (escaped) and may be framed by
the campaign's sites only (``frame-ancestors``); no inline script or style. Imports Chalice, the
wiring, the product's service and the standard library.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template

from chalice.app import Response

from chalicelib.click2call.routes import click2call
from chalicelib.click2call.service import BannerRefusedError, Click2Call
from chalicelib.click2call.views import BANNER_PATH, embed_snippets
from chalicelib.web.static import static_file
from chalicelib.wiring import container

HERE = Path(__file__).resolve().parent / "banner"
STATIC = {"banner.js": "text/javascript; charset=utf-8", "banner.css": "text/css; charset=utf-8"}
BASE_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "img-src 'self'; form-action 'self'; base-uri 'none'"
)
NOSNIFF = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin"}


def _service() -> Click2Call:
    return container().services("click2call").click2call  # type: ignore[no-any-return]


def _not_found() -> Response:
    return Response(
        body="<!doctype html><title>No such banner</title><p>This banner does not exist.</p>",
        status_code=404,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": BASE_POLICY + "; frame-ancestors 'none'",
            **NOSNIFF,
        },
    )


@click2call.route("/pages/c2c/{public_key}/banner", methods=["GET"])
def banner_page(public_key: str) -> Response:
    """The banner of an enabled campaign of an allowed company; 404 otherwise."""
    try:
        campaign = _service().by_key(public_key)
    except BannerRefusedError:
        return _not_found()
    company = _service().company(campaign.company_id)
    page = Template((HERE / "banner.html").read_text(encoding="utf-8")).substitute(
        title=html.escape(campaign.name),
        company=html.escape(company.name),
        action=html.escape(BANNER_PATH.format(public_key=campaign.public_key)),
    )
    ancestors = " ".join(["'self'", *campaign.sites])
    return Response(
        body=page,
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": f"{BASE_POLICY}; frame-ancestors {ancestors}",
            "Cache-Control": "no-store",
            **NOSNIFF,
        },
    )


@click2call.route("/pages/c2c/{public_key}/try", methods=["GET"])
def try_page(public_key: str) -> Response:
    """A page that shows the campaign's banner as a marketing site would (its script tag)."""
    try:
        campaign = _service().by_key(public_key)
    except BannerRefusedError:
        return _not_found()
    snippet = embed_snippets(container().settings.public_base_url, campaign.public_key)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(campaign.name)}: try the banner</title>"
        '<link rel="stylesheet" href="/pages/c2c-static/banner.css"></head><body>'
        f"<h1>{html.escape(campaign.name)}</h1><p>This is how a site shows the banner; a site"
        f" pastes:</p><pre>{html.escape(snippet['script'])}</pre>{snippet['script']}"
        "</body></html>"
    )
    base = container().settings.public_base_url.rstrip("/")
    return Response(
        body=page,
        status_code=200,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": (
                f"default-src 'none'; style-src 'self'; script-src 'self' {base};"
                f" frame-src 'self' {base}; base-uri 'none'; frame-ancestors 'none'"
            ),
            "Cache-Control": "no-store",
            **NOSNIFF,
        },
    )


@click2call.route("/pages/c2c/{public_key}/embed.js", methods=["GET"])
def embed_script(public_key: str) -> Response:
    """The script a site pastes: the banner in an iframe right after the tag."""
    try:
        campaign = _service().by_key(public_key)
    except BannerRefusedError:
        return Response(
            body="/* no such banner */",
            status_code=404,
            headers={"Content-Type": "text/javascript; charset=utf-8", **NOSNIFF},
        )
    base = container().settings.public_base_url.rstrip("/")
    source = json.dumps(f"{base}/pages/c2c/{campaign.public_key}/banner")
    script = (
        "(function () {\n"
        "  var tag = document.currentScript;\n"
        '  var frame = document.createElement("iframe");\n'
        f"  frame.src = {source};\n"
        '  frame.title = "Call me back";\n'
        '  frame.width = "340";\n'
        '  frame.height = "300";\n'
        '  frame.style.border = "0";\n'
        "  tag.parentNode.insertBefore(frame, tag.nextSibling);\n"
        "})();\n"
    )
    return Response(
        body=script,
        status_code=200,
        headers={
            "Content-Type": "text/javascript; charset=utf-8",
            "Cache-Control": "public, max-age=300",
            **NOSNIFF,
        },
    )


@click2call.route("/pages/c2c-static/{name}", methods=["GET"])
def banner_static(name: str) -> Response:
    """The banner's script and stylesheet (nothing else is served from here)."""
    return static_file(HERE, name, STATIC, NOSNIFF)
