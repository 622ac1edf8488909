"""The user's web pages over the app's HTTP interface (Chalice's test client, moto in-process):
GIVEN a callback account, WHEN a browser's requests come with a valid, tampered or expired
session, a form that is too large or not a form, or on a stage without a session key, THEN a
private page needs a valid, unexpired session, a bad form changes nothing, and each refusal is
a page in plain words, never problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import pytest
from callbackkit import ACCOUNT_PIN, platform_with_an_account
from platformkit import Platform

from chalicelib.web import session as sessions

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with platform_with_an_account(monkeypatch) as (running, _):
        yield running


def cookie_of(response: Any) -> str:
    return str(response.headers["Set-Cookie"]).split(";")[0]


def csrf_of(response: Any) -> str:
    return str(response.body.decode().split('name="csrf" value="')[1].split('"')[0])


def logged_in(platform: Platform) -> tuple[str, str]:
    """A logged-in session's cookie and CSRF token."""
    form = platform.client.http.get("/my/login")
    body = urlencode(
        {"account_id": ACCOUNT_PIN, "password": "correct horse", "csrf": csrf_of(form)}
    )
    done = platform.client.http.post(
        "/my/login", headers={**FORM, "Cookie": cookie_of(form)}, body=body
    )
    assert done.status_code == 303 and done.headers["Location"] == "/my/home"
    home = platform.client.http.get("/my/home", headers={"Cookie": cookie_of(done)})
    assert home.status_code == 200
    return cookie_of(done), csrf_of(home)


def test_a_private_page_needs_a_valid_unexpired_session(platform: Platform) -> None:
    cookie, _ = logged_in(platform)
    http = platform.client.http
    # WHEN the cookie is tampered with THEN it is no session: to the login
    name, value = cookie.split("=", 1)
    forged = f"{name}={value[:-3]}AAA"
    assert http.get("/my/home", headers={"Cookie": forged}).headers["Location"] == "/my/login"
    # WHEN the session's hour is over THEN likewise
    platform.clock.advance(sessions.LIFETIME.total_seconds())
    assert http.get("/my/home", headers={"Cookie": cookie}).headers["Location"] == "/my/login"


def test_the_cookie_is_secure_when_the_pages_are_served_over_https(platform: Platform) -> None:
    answer = platform.client.http.get("/my/login")
    assert answer.status_code == 200
    flags = answer.headers["Set-Cookie"]
    assert "; Secure" in flags and "HttpOnly" in flags and "SameSite=Lax" in flags


def test_a_bad_form_changes_nothing_and_is_told_in_words(platform: Platform) -> None:
    cookie, token = logged_in(platform)
    http = platform.client.http
    headers = {**FORM, "Cookie": cookie}
    # WHEN a form is too large THEN it is refused as a page
    huge = urlencode({"number": "4" * 5000, "csrf": token})
    refused = http.post("/my/numbers", headers=headers, body=huge)
    assert refused.status_code == 413 and "too long" in refused.body.decode()
    assert refused.headers["Content-Type"].startswith("text/html")
    # WHEN the body is not a form THEN Chalice refuses its media type
    json_body = http.post(
        "/my/numbers", headers={"Content-Type": "application/json", "Cookie": cookie}, body="{}"
    )
    assert json_body.status_code == 415
    # THEN nothing was registered
    accounts = platform.container.services("billing").accounts
    assert accounts.get(ACCOUNT_PIN).callers == ()


def test_a_deployed_stage_without_a_session_key_serves_no_page(platform: Platform) -> None:
    settings = platform.container.settings
    platform.container.settings = replace(settings, stage="prod", portal_secret=None)
    answer = platform.client.http.get("/my/login")
    assert answer.status_code == 503
    assert "not available" in answer.body.decode()
    assert "Set-Cookie" not in answer.headers
