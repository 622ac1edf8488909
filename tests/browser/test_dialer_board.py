"""The supervisors' live board in a real browser (headless Debian chromium through Playwright),
the app served over HTTP on moto: GIVEN an account whose dialer has agents in every state and
calls at every stage, put in through the dialer's services (``boardkit``: ``Agents.set_state``
and ``claim``, ``DialerCalls.show`` and ``record_answer``), WHEN a supervisor logs in with the
account id and its API key, THEN the live picture draws every agent and every call as a node
coloured by its state or stage, each call linked to its campaign (or its group's queue) and to
its agent, the tables list them with customers masked, and the campaign above its abandonment
ceiling is highlighted in the picture and in its table; WHEN an agent pauses and the waiting
call is given an agent and talks, THEN the page shows both within 2 seconds without a reload.
Nothing breaks the pages' Content-Security-Policy. The screenshot goes to
``docs/images/dialer-board.png``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boardkit
import pytest
from portalkit import Site

ACCOUNT = "board-co"
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "images" / "dialer-board.png"
SOON = 2000
"""Milliseconds within which the page shows a change (it polls every second)."""


@pytest.fixture(scope="module")
def floor(site: Site) -> Iterator[tuple[str, Any]]:
    """The account, its API key and its dialer's floor, through a container on the site's
    moto (the store bound back afterwards); the dialer's services, for the change."""
    from chalicelib.settings import from_environment
    from chalicelib.store import binding
    from chalicelib.wiring import Container

    before = binding._bound
    container = Container(from_environment(site.env))
    try:
        _, key = container.admin.create_account(ACCOUNT, "Board Windows", "en-GB")
        services = container.services("dialer")
        boardkit.floor(services, ACCOUNT, datetime.now(UTC))
        yield key, services
    finally:
        if before is not None:
            binding.bind(before)


def test_the_board_draws_the_floor_and_follows_it_live(
    page: Any, site: Site, floor: tuple[str, Any]
) -> None:
    from playwright.sync_api import expect

    key, services = floor
    complaints: list[str] = []
    page.on("console", lambda m: complaints.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    # WHEN the supervisor logs in with the account id and its API key
    page.goto(f"{site.url}/dialer/board")
    page.wait_for_url(f"{site.url}/dialer/board/login")
    page.fill("#account_id", ACCOUNT)
    page.fill("#password", key)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/dialer/board/live")
    # THEN the picture draws every agent and call, each coloured by its state or stage
    for agent_id, state in boardkit.STATES.items():
        node = page.locator(f'svg [data-node="agent:{agent_id}"]')
        expect(node).to_have_attribute("data-tone", state, timeout=5000)
    for call_id, (_, stage, _) in boardkit.CALLS.items():
        expect(page.locator(f'svg [data-node="call:{call_id}"]')).to_have_attribute(
            "data-tone", stage
        )
    # AND each call is linked to its hub and to its agent
    for edge in ("call:c-2>campaign:spring", "call:c-2>agent:ben", "call:c-4>queue:sales"):
        expect(page.locator(f'svg [data-edge="{edge}"]')).to_have_count(1)
    expect(page.locator('svg [data-node="call:c-1"] text')).to_have_text("•••0101")
    # AND the tables list them, customers masked, time in state shown
    expect(page.locator("#agents tbody tr")).to_have_count(len(boardkit.AGENTS))
    expect(page.locator("#calls tbody tr")).to_have_count(len(boardkit.CALLS))
    expect(page.locator('#calls tr[data-call="c-2"] td').nth(0)).to_have_text("•••0102")
    expect(page.locator('#calls tr[data-call="c-2"] td').nth(3)).to_have_text("Ben")
    expect(page.locator('#agents tr[data-agent="cat"] td').nth(3)).to_have_text(
        re.compile(r"^5:\d\d$")
    )
    assert "447700900101" not in page.content()
    # AND the campaign above its ceiling is highlighted, the other not
    expect(page.locator('#campaigns tr[data-campaign="winter"]')).to_have_class("over")
    expect(page.locator('#campaigns tr[data-campaign="winter"] td.rate')).to_contain_text(
        "above the ceiling"
    )
    expect(page.locator('#campaigns tr[data-campaign="spring"]')).not_to_have_class("over")
    expect(page.locator('svg [data-node="campaign:winter"]')).to_have_attribute("data-tone", "over")
    expect(page.locator("#total-waiting")).to_have_text("2")
    page.evaluate("() => { window.keptSinceLogin = true; }")
    # WHEN Ann pauses and the waiting call c-1 is given Eve and talks
    boardkit.change(services, ACCOUNT, datetime.now(UTC))
    # THEN the page shows both within 2 seconds, without a reload
    expect(page.locator('svg [data-node="agent:ann"]')).to_have_attribute(
        "data-tone", "paused", timeout=SOON
    )
    expect(page.locator('svg [data-node="call:c-1"]')).to_have_attribute(
        "data-tone", "talking", timeout=SOON
    )
    expect(page.locator('svg [data-edge="call:c-1>agent:eve"]')).to_have_count(1, timeout=SOON)
    expect(page.locator('#calls tr[data-call="c-1"]')).to_have_attribute(
        "data-stage", "talking", timeout=SOON
    )
    expect(page.locator("#total-waiting")).to_have_text("1", timeout=SOON)
    assert page.evaluate("() => window.keptSinceLogin === true")  # the same document
    # AND nothing was refused by the Content-Security-Policy, nothing failed
    assert [c for c in complaints if not c.startswith("Failed to load resource")] == []
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
