"""The call-list upload page of the campaigns product, on the ``campaigns`` blueprint: ``GET
/pages/outbound-upload`` (static HTML) and its script and stylesheet under
``/pages/static/``. The page holds no secret and renders nothing from the store: it asks for
the account's API key and talks to the REST routes of the same origin (``upload_routes``).
Served with a Content-Security-Policy that allows no inline script or style and no framing.
Imports Chalice, the web's static files and the standard library only.
"""

from __future__ import annotations

from pathlib import Path

from chalice.app import Response

from chalicelib.campaigns.routes import campaigns
from chalicelib.web.static import static_file

HERE = Path(__file__).resolve().parent / "page"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; "
        "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STATIC = {"upload.js": "text/javascript; charset=utf-8", "upload.css": "text/css; charset=utf-8"}


@campaigns.route("/pages/outbound-upload", methods=["GET"])
def upload_page() -> Response:
    """The page itself."""
    return Response(
        body=(HERE / "upload.html").read_text(encoding="utf-8"),
        status_code=200,
        headers={
            **SECURITY_HEADERS,
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
        },
    )


@campaigns.route("/pages/static/{name}", methods=["GET"])
def upload_static(name: str) -> Response:
    """The page's script and stylesheet (nothing else is served from here)."""
    return static_file(HERE, name, STATIC, SECURITY_HEADERS)
