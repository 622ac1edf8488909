"""The callback user's web pages in a real browser (headless chromium through Playwright) over
real HTTP, the app on Chalice's local server against moto: GIVEN seeded callback accounts,
WHEN a user logs in and uses each page, THEN they see their balance and calls, filter and export
the history (formula cells quoted), manage their numbers and directory, redeem a voucher once,
log out; repeated wrong passwords lock the account id; a form without its CSRF token changes
nothing; and on a phone-sized screen no page scrolls sideways."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect
from portalkit import PASSWORD, TAKEN_NUMBER, Site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "images" / "portal-home-phone.png"
WRONG = "The account id or the password is wrong."


def log_in(page: Any, site: Site, account: str, password: str = PASSWORD) -> None:
    page.goto(site.page("/login"))
    page.fill("#account_id", site.accounts.get(account, account))
    page.fill("#password", password)
    page.click("button[type=submit]:has-text('Log in')")


def test_a_wrong_password_is_refused_then_the_right_one_shows_balance_and_calls(
    page: Any, site: Site
) -> None:
    # GIVEN the login page / WHEN the password is wrong
    log_in(page, site, "home", "not-the-password")
    # THEN it says so and the user is still at the login
    expect(page.locator(".error")).to_have_text(WRONG)
    expect(page).to_have_url(site.page("/login"))
    # WHEN an unknown account id is tried THEN the words are the same
    log_in(page, site, "39999999")
    expect(page.locator(".error")).to_have_text(WRONG)
    # WHEN the right password is given
    log_in(page, site, "home")
    # THEN home shows the balance and the recent calls, newest first, escaped
    expect(page).to_have_url(site.page("/home"))
    expect(page.locator("#balance")).to_have_text("10.00 EUR")
    rows = page.locator("table.calls tbody tr")
    expect(rows).to_have_count(2)
    assert "=HYPERLINK(evil)" in rows.nth(0).inner_text()
    assert "2026-11-01 10:00 UTC" in rows.nth(1).inner_text()
    assert "1:35" in rows.nth(1).inner_text() and "0.32 EUR" in rows.nth(1).inner_text()


def test_five_wrong_passwords_lock_the_account_id_even_for_the_right_one(
    page: Any, site: Site
) -> None:
    # GIVEN four wrong passwords, each refused as wrong
    for _ in range(4):
        log_in(page, site, "lockout", "wrong-password")
        expect(page.locator(".error")).to_have_text(WRONG)
    # WHEN the fifth is wrong too
    log_in(page, site, "lockout", "wrong-password")
    # THEN the account id is locked
    expect(page.locator(".error")).to_contain_text("Too many failed logins")
    # AND the right password is refused while the lock runs
    log_in(page, site, "lockout")
    expect(page.locator(".error")).to_contain_text("Too many failed logins")
    expect(page).to_have_url(site.page("/login"))


def test_history_is_filtered_by_day_and_exported_with_formula_cells_quoted(
    page: Any, site: Site
) -> None:
    # GIVEN a logged-in user on the history page
    log_in(page, site, "history")
    page.click("nav >> text=Calls")
    expect(page.locator("table.calls tbody tr")).to_have_count(2)
    # WHEN filtered to the 2nd of November
    page.fill("#from", "2026-11-02")
    page.fill("#to", "2026-11-02")
    page.click("button:has-text('Show')")
    # THEN only that day's call is shown
    expect(page).to_have_url(re.compile(r"from=2026-11-02"))
    rows = page.locator("table.calls tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("2026-11-02")
    # WHEN exported
    with page.expect_download() as download:
        page.click("#export")
    text = Path(download.value.path()).read_text(encoding="utf-8")
    # THEN the CSV holds that day's call, its formula cell quoted
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["ended_at", "call_id", "user_number", "destination"]
    assert len(table) == 2
    assert table[1][1] == "call-history-b"
    assert table[1][4] == "'=HYPERLINK(evil)"
    # WHEN the days are the wrong way round THEN the page says so
    page.goto(site.page("/history?from=2026-11-03&to=2026-11-01"))
    expect(page.locator(".error")).to_contain_text("comes after")


def test_a_number_is_registered_and_removed(page: Any, site: Site) -> None:
    # GIVEN a logged-in user with no registered number
    log_in(page, site, "numbers")
    page.click("nav >> text=Numbers")
    expect(page.locator("main")).to_contain_text("No number is registered")
    # WHEN a number is added
    page.fill("#number", "+44 7700 900 123")
    page.click("button:has-text('Add')")
    # THEN it is listed
    expect(page.locator(".notice")).to_have_text("+447700900123 is registered.")
    expect(page.locator(".rows .number")).to_have_text(["+447700900123"])
    # WHEN a number of another account, or no number, is added THEN the page says why
    page.fill("#number", TAKEN_NUMBER)
    page.click("button:has-text('Add')")
    expect(page.locator(".error")).to_contain_text("registered to another account")
    page.fill("#number", "07700")
    page.click("button:has-text('Add')")
    expect(page.locator(".error")).to_contain_text("country code")
    # WHEN the number is removed (the confirm is accepted)
    page.click("button:has-text('Remove')")
    # THEN it is gone
    expect(page.locator(".notice")).to_have_text("+447700900123 is no longer registered.")
    expect(page.locator(".rows .number")).to_have_count(0)


def add_entry(page: Any, name: str, number: str) -> None:
    page.fill("#name", name)
    page.fill("#entry-number", number)
    page.click("form.card button:has-text('Add')")


def test_directory_entries_are_added_changed_reordered_and_removed(page: Any, site: Site) -> None:
    # GIVEN a logged-in user's empty directory
    log_in(page, site, "directory")
    page.click("nav >> text=Directory")
    # WHEN three entries are added
    for name, number in (("office", "+441632960001"), ("home", "+441632960002")):
        add_entry(page, name, number)
    add_entry(page, "Mum", "+33 1 23 45 67 89")
    # THEN they are listed in order, the name as kept (lower case)
    expect(page.locator(".rows .name")).to_have_text(["office", "home", "mum"])
    expect(page.locator(".notice")).to_have_text("mum calls +33123456789.")
    # WHEN a name is not allowed THEN the page says why
    add_entry(page, "two words", "+441632960003")
    expect(page.locator(".error")).to_contain_text("1 to 32 letters")
    # WHEN mum moves up, then office moves down
    page.click("button[aria-label='Move mum up']")
    expect(page.locator(".rows .name")).to_have_text(["office", "mum", "home"])
    page.click("button[aria-label='Move office down']")
    expect(page.locator(".rows .name")).to_have_text(["mum", "office", "home"])
    # WHEN home's number is changed THEN it keeps its place
    page.fill("input[aria-label='Number of home']", "+441632960009")
    page.click("#entry-home button:has-text('Save')")
    expect(page.locator(".rows .name")).to_have_text(["mum", "office", "home"])
    expect(page.locator("input[aria-label='Number of home']")).to_have_value("+441632960009")
    # WHEN office is removed (the confirm is accepted)
    page.click("button[aria-label='Remove office']")
    # THEN the others keep their order
    expect(page.locator(".rows .name")).to_have_text(["mum", "home"])
    expect(page.locator(".rows .place")).to_have_text(["N1", "N2"])


def test_a_voucher_is_credited_once(page: Any, site: Site) -> None:
    # GIVEN a logged-in user with 10.00 EUR
    log_in(page, site, "voucher")
    page.click("nav >> text=Voucher")
    code = site.vouchers[0]
    # WHEN a voucher of 5 EUR is redeemed (typed with dashes)
    page.fill("#code", f"{code[:4]}-{code[4:8]}-{code[8:]}")
    page.click("button:has-text('Redeem')")
    # THEN the page shows what was credited and the new balance
    notice = "Voucher redeemed: 5.00 EUR credited. Your balance is now 15.00 EUR."
    expect(page.locator(".notice")).to_have_text(notice)
    expect(page.locator("#balance")).to_have_text("15.00 EUR")
    # WHEN the same voucher is redeemed again THEN it is refused and nothing moves
    page.fill("#code", code)
    page.click("button:has-text('Redeem')")
    expect(page.locator(".error")).to_have_text("This voucher has already been redeemed.")
    expect(page.locator("#balance")).to_have_text("15.00 EUR")
    # WHEN a code is not 12 digits THEN the page says so
    page.fill("#code", "12345")
    page.click("button:has-text('Redeem')")
    expect(page.locator(".error")).to_contain_text("12 digits")


def test_a_callback_is_started_from_the_call_page(page: Any, site: Site) -> None:
    # GIVEN a logged-in user with a registered number
    log_in(page, site, "call")
    page.click("nav >> text=Call now")
    expect(page.locator("#phone")).to_have_value("+447700900551")
    # WHEN a number that is no number is asked for THEN the page says why, and keeps the entry
    page.fill("#destination", "12")
    page.click("button:has-text('Call me')")
    expect(page.locator(".error")).to_contain_text("Destination: start with +")
    expect(page.locator("#destination")).to_have_value("12")
    # WHEN the number to reach is typed as people write it
    page.fill("#destination", "+44 7700 900300")
    page.click("button:has-text('Call me')")
    # THEN the callback is on its way to the user's number
    expect(page.locator(".notice")).to_have_text("We are calling you on +447700900551 now.")


def test_logging_out_ends_the_session(page: Any, site: Site) -> None:
    # GIVEN a logged-in user
    log_in(page, site, "home")
    expect(page).to_have_url(site.page("/home"))
    # WHEN they log out
    page.click("button:has-text('Log out')")
    # THEN they are at the login, and a private page sends them back there
    expect(page.locator(".notice")).to_have_text("You are logged out.")
    page.goto(site.page("/home"))
    expect(page).to_have_url(site.page("/login"))


def test_a_form_without_its_csrf_token_changes_nothing(site: Site) -> None:
    # GIVEN a session of a logged-in user (HTTP, as a forged form would post)
    http = requests.Session()
    form = http.get(site.page("/login"), timeout=10)
    cookie = form.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/my" in cookie
    token = form.text.split('name="csrf" value="')[1].split('"')[0]
    account = site.accounts["csrf"]
    # WHEN the login is posted without the token THEN it is refused (403)
    refused = http.post(
        site.page("/login"), data={"account_id": account, "password": PASSWORD}, timeout=10
    )
    assert refused.status_code == 403 and "expired" in refused.text
    # WHEN posted with it THEN the user is logged in
    done = http.post(
        site.page("/login"),
        data={"account_id": account, "password": PASSWORD, "csrf": token},
        timeout=10,
        allow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["Location"] == "/my/home"
    home = http.get(site.page("/home"), timeout=10)
    assert home.status_code == 200
    # WHEN a number is posted with the old token, or none THEN nothing is registered
    for data in ({"number": "+447700900444", "csrf": token}, {"number": "+447700900444"}):
        assert http.post(site.page("/numbers"), data=data, timeout=10).status_code == 403
    assert "447700900444" not in http.get(site.page("/numbers"), timeout=10).text
    # AND every page says it may not be framed, run inline scripts, or be stored
    headers = home.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert "<script>" not in home.text


def no_sideways_scroll(page: Any) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def test_on_a_phone_sized_screen_no_page_scrolls_sideways(browser: Any, site: Site) -> None:
    # GIVEN a phone-sized screen (375 x 740)
    context = browser.new_context(viewport={"width": 375, "height": 740}, device_scale_factor=2)
    page = context.new_page()
    try:
        # WHEN each page is shown
        page.goto(site.page("/login"))
        assert no_sideways_scroll(page)
        log_in(page, site, "phone")
        expect(page.locator("#balance")).to_have_text("10.00 EUR")
        # THEN none is wider than the screen
        assert no_sideways_scroll(page)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        for path in ("/history", "/numbers", "/directory", "/voucher"):
            page.goto(site.page(path))
            assert no_sideways_scroll(page), path
        # AND the calls are shown one under the other, not as a wide table
        page.goto(site.page("/history"))
        assert page.locator("table.calls thead").is_hidden()
    finally:
        context.close()
