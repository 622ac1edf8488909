"""The click-to-call banner in a real browser (headless Debian chromium through Playwright): a
marketing site on another origin pastes the campaign's script tag, the banner appears in an
iframe, and a visitor's number with their consent becomes a request (a double click one
request); a number the company's tariff cannot call is refused in the banner; a site that is
not the campaign's cannot frame it. The app is served over HTTP on moto; nothing is dialled
here (the calls of a request are the functional tests')."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from portalkit import Site

from infra.local.moto import free_port

ACCOUNT = "banner-co"
DID = "447700900595"
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n"
)


class Marketing:
    """A marketing site on loopback: one page holding the banner's script tag."""

    def __init__(self, script: str) -> None:
        page = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Windows sale</title></head><body><h1>Windows, half price</h1>"
            f"{script}</body></html>"
        ).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                return None

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def campaign(site: Site) -> Iterator[tuple[dict[str, Any], Any, Marketing, Marketing]]:
    """A company with a campaign whose site is the marketing site (and another site that is
    not its), and a container on the site's moto (the store bound back afterwards)."""
    from chalicelib.click2call.views import embed_snippets
    from chalicelib.settings import from_environment
    from chalicelib.store import binding
    from chalicelib.wiring import Container

    before = binding._bound
    container = Container(from_environment(site.env))
    admin = container.admin
    admin.create_account(ACCOUNT, "Banner Windows", "en-GB")
    admin.provision_number(ACCOUNT, DID)
    container.services("billing").tariffs.load("banner-uk", DECK)
    c2c = container.services("click2call").click2call
    c2c.put_company(ACCOUNT, "Banner Windows", "banner-uk")
    c2c.put_operator(ACCOUNT, "anna", "Anna", number="447700900596")
    ours = Marketing("")
    theirs = Marketing("")
    made = c2c.create_campaign(
        ACCOUNT,
        {
            "campaign_id": "sale",
            "name": "Windows sale",
            "operators": ["anna"],
            "caller_id": DID,
            "sites": [ours.origin],
        },
    )
    tag = embed_snippets(site.url, made.public_key)["script"]
    ours.stop()
    theirs.stop()
    ours, theirs = Marketing(tag), Marketing(tag)
    c2c.update_campaign(ACCOUNT, "sale", {"sites": [ours.origin]})
    try:
        yield {"key": made.public_key}, c2c, ours, theirs
    finally:
        ours.stop()
        theirs.stop()
        if before is not None:
            binding.bind(before)


def requests_of(c2c: Any, visitor: str) -> list[Any]:
    found, _ = c2c.requests.list(ACCOUNT, limit=100)
    return [r for r in found if r.visitor == visitor]


def test_the_banner_on_the_campaigns_site_takes_a_request_once(
    page: Any, campaign: tuple[dict[str, Any], Any, Marketing, Marketing]
) -> None:
    _, c2c, ours, _ = campaign
    page.goto(ours.origin)
    banner = page.frame_locator("iframe[title='Call me back']")
    banner.locator("#phone").fill("+44 7700 900597")
    banner.locator("#agree").check()
    # WHEN the visitor clicks twice
    banner.locator("#call-me").dblclick()
    # THEN the banner thanks them and one request is made
    banner.locator("#result.ok").wait_for()
    assert "Your phone will ring in a moment" in (banner.locator("#result").text_content() or "")
    [request] = requests_of(c2c, "447700900597")
    assert request.campaign_id == "sale" and request.status.value == "in_progress"


def test_the_banner_says_why_a_number_is_not_called(
    page: Any, campaign: tuple[dict[str, Any], Any, Marketing, Marketing]
) -> None:
    _, c2c, ours, _ = campaign
    page.goto(ours.origin)
    banner = page.frame_locator("iframe[title='Call me back']")
    banner.locator("#phone").fill("+90 555 123 4567")
    banner.locator("#agree").check()
    banner.locator("#call-me").click()
    banner.locator("#result.refused").wait_for()
    assert "cannot be called by this campaign" in (banner.locator("#result").text_content() or "")
    assert requests_of(c2c, "905551234567") == []


def test_another_site_cannot_frame_the_banner(
    page: Any, campaign: tuple[dict[str, Any], Any, Marketing, Marketing]
) -> None:
    _, _, _, theirs = campaign
    page.goto(theirs.origin)
    page.wait_for_selector("iframe[title='Call me back']", state="attached")
    page.wait_for_timeout(1000)  # the frame's navigation is refused, not slow
    framed = [frame for frame in page.frames if frame != page.main_frame]
    assert framed and all(frame.query_selector("#phone") is None for frame in framed)
