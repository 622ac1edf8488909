"""The web pages' rendering: GIVEN the templates, WHEN a page is rendered with values a user or
the store gave, THEN they are escaped; every answer carries the security headers; redirects go
to the pages' own paths; a page that only says what went wrong renders without a session; and
amounts and durations read as a person writes them."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.callback.portal.pages import SITE
from chalicelib.web import site


def test_values_are_escaped_and_headers_set() -> None:
    context = {"base": "/my", "csrf": '"><script>', "notice": "<b>hi</b>", "error": ""}
    answer = SITE.page("login.html", {**context, "account_id": "<img src=x>"})
    assert "<img src=x>" not in answer.body and "&lt;img src=x&gt;" in answer.body
    assert "<script>" not in answer.body and "<b>hi</b>" not in answer.body
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in answer.headers["Content-Security-Policy"]


def test_a_bare_message_page_renders_without_a_session() -> None:
    answer = SITE.bare("Something went wrong.", 500)
    assert answer.status_code == 500 and "Something went wrong." in answer.body


def test_redirects_go_to_the_pages_own_paths() -> None:
    answer = SITE.redirect("/api", "/home", "cookie=1")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/api/my/home"
    assert answer.headers["Set-Cookie"] == "cookie=1"


def test_only_the_stylesheet_and_the_script_are_served() -> None:
    assert SITE.static("site.css").headers["Content-Type"].startswith("text/css")
    assert SITE.static("portal.js").status_code == 200
    assert SITE.static("../templates/base.html").status_code == 404


def test_amounts_and_durations_in_words() -> None:
    assert site.money(Decimal("10"), "EUR") == "10.00 EUR"
    assert site.money(Decimal("0.5"), "EUR") == "0.50 EUR"
    assert site.money(Decimal("0.123456"), "EUR") == "0.123456 EUR"
    assert site.duration(95) == "1:35"
    assert site.duration(3665) == "1:01:05"
