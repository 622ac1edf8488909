"""The dialer's pages against a simulated campaign, as ``make run`` serves them: GIVEN the local
run (``python -m infra.local.run`` on free ports: moto, the simulator, the app, the pump) and its
demo dialer (the flow ``dialer-sales``, the agent ``desk`` available), WHEN the agent is logged in
to the agent's page, a supervisor to the board, and a customer is called through the seed's
trigger (``POST /outbounddialer/create``), THEN the agent's page shows the customer and the
contact's flow keys once the call is connected, the board shows the call talking to the agent,
and the agent sets a disposition, wraps up and is available again. Headless chromium through
Playwright; the calls run in real time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from localrunkit import LocalRun, local_run

CUSTOMER = "447700900671"
AGENT_PHONE = "447700900300"
WAIT_MS = 60_000
"""The calls run in real time: the customer's answer, the greeting, the agent's ring."""


@dataclass
class Dialer:
    """The local run and the demo dialer's logins as its banner prints them."""

    run: LocalRun
    app: str
    trigger: dict[str, Any]
    api_key: str
    agent_login: str
    account: str
    agent: str
    password: str
    board_login: str


@pytest.fixture(scope="module")
def dialer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dialer]:
    with local_run(tmp_path_factory.mktemp("dialer-run"), "the supervisors' board") as run:
        text = run.banner
        curl = re.search(r"curl -s (http://\S+)/outbounddialer/create .* -d '(\{.*\})'", text)
        agent = re.search(
            r"(http://\S+/agent/login)\s+account (\S+), agent (\S+), password (\S+)", text
        )
        board = re.search(r"(http://\S+/dialer/board/login)", text)
        key = re.search(r"API key: (\S+)", text)
        assert curl and agent and board and key, text
        yield Dialer(
            run=run,
            app=curl.group(1),
            trigger=json.loads(curl.group(2)),
            api_key=key.group(1),
            agent_login=agent.group(1),
            account=agent.group(2),
            agent=agent.group(3),
            password=agent.group(4),
            board_login=board.group(1),
        )


def _state(page: Any, words: str, timeout: int = 10_000) -> None:
    page.wait_for_function(
        "words => (document.getElementById('state') || {}).textContent === words",
        arg=words,
        timeout=timeout,
    )


def test_a_campaign_call_reaches_the_agent_s_page_and_the_board(
    dialer: Dialer, page: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    dialer.run.set_number(CUSTOMER, behaviour="answers", talk_seconds=30)
    dialer.run.set_number(AGENT_PHONE, behaviour="answers", answers_after=1, talk_seconds=15)
    # GIVEN the demo agent logged in to the agent's page, available
    page.goto(dialer.agent_login)
    page.fill("#account_id", dialer.account)
    page.fill("#agent_id", dialer.agent)
    page.fill("#password", dialer.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/agent/home$"))
    _state(page, "Available")
    # AND a supervisor on the board
    board = browser.new_context().new_page()
    board.goto(dialer.board_login)
    board.fill("#account_id", dialer.account)
    board.fill("#password", dialer.api_key)
    board.click("button[type=submit]")
    board.wait_for_url(re.compile(r"/dialer/board/live$"))
    expect(board.locator(f'svg [data-node="agent:{dialer.agent}"]')).to_have_attribute(
        "data-tone", "available", timeout=5000
    )
    # WHEN a customer is called through the seed's dialer trigger
    body = {
        **dialer.trigger,
        "calls": [
            {
                "client-identifier": "live-1",
                "contact-numbers": [CUSTOMER],
                "keys": [{"name": "$flow.key.name", "value": "Noor"}],
            }
        ],
    }
    answer = requests.post(f"{dialer.app}/outbounddialer/create", json=body, timeout=10)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text
    # THEN the board shows the call talking, linked to the agent
    talking = board.locator('#calls tbody tr[data-stage="talking"]')
    expect(talking).to_have_count(1, timeout=WAIT_MS)
    expect(board.locator(f'svg [data-node="agent:{dialer.agent}"]')).to_have_attribute(
        "data-tone", "on_call"
    )
    # AND the agent's page shows the customer and the contact's keys, without a reload
    page.wait_for_selector("#customer-number", timeout=5000)
    assert page.text_content("#customer-number") == "+" + CUSTOMER
    assert "Noor" in (page.text_content("#customer-keys") or "")
    _state(page, "On a call")
    # WHEN the agent notes the call's outcome, and the talk ends
    page.select_option("#outcome", "sale")
    page.fill("#notes", "Two windows, fitted in March.")
    page.click("#save-disposition")
    page.wait_for_selector("#saved")
    _state(page, "Wrapping up", timeout=WAIT_MS)
    # THEN the board no longer shows the call, and the agent is available again
    expect(talking).to_have_count(0, timeout=WAIT_MS)
    if page.query_selector("#done") is not None:
        page.click("#done")
    _state(page, "Available", timeout=20_000)
    expect(board.locator(f'svg [data-node="agent:{dialer.agent}"]')).to_have_attribute(
        "data-tone", "available", timeout=5000
    )
