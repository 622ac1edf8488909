"""The dialer agent's page in a real browser (headless Debian chromium through Playwright), the
app served over HTTP on moto: GIVEN a group and an agent with a password, put in through the
services, WHEN the agent logs in, becomes available, pauses with a reason and becomes available
again, THEN the page shows each state; WHEN the dialer gives the agent a call (claimed through
the service, the call's state with its flow keys saved in the store as a real call's is), THEN
the customer's number, campaign and flow keys appear within 2 seconds without a reload, under
the page's Content-Security-Policy; WHEN the agent sets the call's disposition and notes, the
call ends and the agent presses Done, THEN the disposition is kept and the agent is available;
WHEN the agent logs out, THEN the login shows and the agent is logged out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from portalkit import Site

ACCOUNT = "agent-co"
AGENT = "121163"
PASSWORD = "agent page password"
CALL_REF = "call-agent-page:contact-3:1"


@pytest.fixture(scope="module")
def container(site: Site) -> Iterator[Any]:
    """A container on the site's moto with the group and the agent (the store bound back
    afterwards)."""
    from chalicelib.settings import from_environment
    from chalicelib.store import binding
    from chalicelib.wiring import Container

    before = binding._bound
    made = Container(from_environment(site.env))
    try:
        dialer = made.services("dialer")
        now = made.clock()
        dialer.agents.put_group(ACCOUNT, "sales", "Sales", wrap_up_seconds=600, now=now)
        dialer.agents.put_agent(
            ACCOUNT, AGENT, "sales", "mobile phone", name="Asha", number="447700900121", now=now
        )
        dialer.logins.set_password(ACCOUNT, AGENT, PASSWORD)
        yield made
    finally:
        if before is not None:
            binding.bind(before)


def _state(page: Any, words: str) -> None:
    # the page may be between two documents (a form's POST-redirect-GET): no state shown yet
    page.wait_for_function(
        "words => (document.getElementById('state') || {}).textContent === words", arg=words
    )


def _give_a_call(container: Any) -> None:
    """What the dialer does for an answered customer: the call's state, the agent claimed."""
    from chalicelib.campaigns.model import CampaignCall
    from chalicelib.flows.state import CallState
    from chalicelib.telephony.events import Direction

    now = container.clock()
    state = CallState(
        call_id="call-agent-page",
        account_id=ACCOUNT,
        flow_id="dialer",
        flow_version=1,
        direction=Direction.OUTBOUND,
        from_number="447700900100",
        to_number="447700900555",
        started_at=now,
        flow_vars={"name": "Ravi", "plan": "gold", "syskey.agent": AGENT},
    ).with_data(CampaignCall(campaign_id="spring", contact_id="contact-3", attempt=1))
    container.calls.create(state)
    taken = container.services("dialer").agents.claim(ACCOUNT, "sales", CALL_REF, now)
    assert taken is not None and taken.agent_id == AGENT


def test_an_agent_is_given_a_call_without_a_reload_and_sets_its_disposition(
    page: Any, site: Site, container: Any
) -> None:
    said: list[str] = []
    page.on("console", lambda message: said.append(message.text))
    agents = container.services("dialer").agents
    page.goto(f"{site.url}/agent")
    page.fill("#account_id", ACCOUNT)
    page.fill("#agent_id", AGENT)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.url}/agent/home")
    _state(page, "Logged out")
    # WHEN the agent becomes available, pauses and becomes available again
    page.click("#available")
    _state(page, "Available")
    page.fill("#reason", "coffee")
    page.click("#pause")
    _state(page, "Paused")
    assert agents.events(ACCOUNT, AGENT, 1)[0].reason == "coffee"
    page.click("#available")
    _state(page, "Available")
    # WHEN the dialer gives the agent a call / THEN it shows within 2 s, without a reload
    page.evaluate("() => { window.stillThisPage = true; }")
    _give_a_call(container)
    page.wait_for_selector("#customer-number", timeout=2000)
    assert page.evaluate("() => window.stillThisPage === true")
    assert page.text_content("#customer-number") == "+447700900555"
    assert page.text_content("#customer-campaign") == "spring"
    keys = page.text_content("#customer-keys") or ""
    assert "Ravi" in keys and "gold" in keys and "syskey" not in keys
    assert page.text_content("#state") == "On a call"
    # WHEN the agent sets the disposition and notes
    page.select_option("#outcome", "not interested")
    page.fill("#notes", "Has a contract until March.")
    page.click("#save-disposition")
    page.wait_for_selector("#saved")
    assert "Not interested" in (page.text_content("#saved") or "")
    [kept] = container.services("dialer").dispositions.list(ACCOUNT, agent_id=AGENT)
    assert (kept.call_ref, kept.notes, kept.customer) == (
        CALL_REF,
        "Has a contract until March.",
        "447700900555",
    )
    # WHEN the call ends / THEN wrap-up shows without a reload, the notes still there; Done
    agents.release(ACCOUNT, AGENT, CALL_REF, container.clock())
    page.wait_for_selector("#done", timeout=2000)
    assert page.input_value("#notes") == "Has a contract until March."
    page.click("#done")
    _state(page, "Available")
    assert page.query_selector("#customer") is None
    # WHEN the agent logs out / THEN the login, the agent logged out
    page.click("#log-out")
    page.wait_for_url(f"{site.url}/agent/login")
    assert agents.agent(ACCOUNT, AGENT).state.value == "logged_out"
    assert not [text for text in said if "Content Security Policy" in text], said
