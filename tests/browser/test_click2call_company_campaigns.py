"""The company's campaign pages in a real browser (headless Debian chromium through Playwright):
GIVEN a company with a password, an operator and a number of its own, WHEN its person logs in,
makes a campaign through the form and presses the Copy button of the script snippet on the
campaign's page, THEN the button says Copied and the clipboard holds the script tag with the
campaign's key. The app is served over HTTP on moto; nothing is dialled here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portalkit import Site

ACCOUNT = "pages-co"
DID = "447700900597"
PASSWORD = "pages company password"
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n"
)


@pytest.fixture(scope="module")
def company(site: Site) -> Iterator[Any]:
    """A company with a password, an operator and a free number, through a container on the
    site's moto (the store bound back afterwards); the product's service."""
    from chalicelib.settings import from_environment
    from chalicelib.store import binding
    from chalicelib.wiring import Container

    before = binding._bound
    container = Container(from_environment(site.env))
    try:
        container.admin.create_account(ACCOUNT, "Pages Windows", "en-GB")
        container.admin.provision_number(ACCOUNT, DID)
        container.services("billing").tariffs.load("pages-uk", DECK)
        c2c = container.services("click2call").click2call
        c2c.put_company(ACCOUNT, "Pages Windows", "pages-uk", password=PASSWORD)
        c2c.put_operator(ACCOUNT, "bea", "Bea", number="447700900598")
        yield c2c
    finally:
        if before is not None:
            binding.bind(before)


def test_a_campaign_made_in_the_form_gives_its_snippet_to_copy(
    page: Any, site: Site, company: Any
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.url)
    page.goto(f"{site.url}/company/login")
    page.fill("#company_id", ACCOUNT)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/company/requests")
    page.click("nav >> text=Campaigns")
    page.wait_for_url(f"{site.url}/company/campaigns")
    # WHEN the new campaign's form is filled in (the defaults kept) and sent
    page.fill("#campaign_id", "spring")
    page.fill("#name", "Spring offer")
    page.select_option("#operator_1", "bea")
    page.select_option("#caller_id", DID)
    page.fill("#redials", "3")
    page.click("text=Make the campaign")
    page.wait_for_url(f"{site.url}/company/campaigns/spring")
    assert "Campaign Spring offer is made" in (page.text_content("p.notice") or "")
    made = company.campaign(ACCOUNT, "spring")
    assert made.redials == 3 and made.operators == ("bea",) and made.caller_id == DID
    # THEN the script snippet holds the campaign's key, and Copy puts it on the clipboard
    snippet = page.input_value("#snippet-script")
    assert f"/pages/c2c/{made.public_key}/embed.js" in snippet
    copy = page.locator("button[data-copy='snippet-script']")
    copy.click()
    page.wait_for_function(
        "document.querySelector(\"button[data-copy='snippet-script']\").textContent === 'Copied'"
    )
    assert page.evaluate("navigator.clipboard.readText()") == snippet
    # AND the campaign is listed with its link
    page.click("text=All campaigns")
    assert page.locator("#campaigns a", has_text="Spring offer").count() == 1
