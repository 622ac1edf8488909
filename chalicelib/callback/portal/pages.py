"""The callback user's web pages as a ``web.site.Site``: served under ``/my``, their templates
and stylesheet and script in this package, their own session cookie. Imports ``web.site`` and
``web.session`` only; must not import the store, pynamodb or the wiring.
"""

from __future__ import annotations

from pathlib import Path

from chalicelib.web.session import COOKIE, PORTAL_PURPOSE
from chalicelib.web.site import Site

PREFIX = "/my"
SITE = Site(
    prefix=PREFIX,
    folder=Path(__file__).resolve().parent,
    static_types={
        "portal.js": "text/javascript; charset=utf-8",
    },
    cookie=COOKIE,
    purpose=PORTAL_PURPOSE,
)
