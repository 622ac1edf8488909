"""The dev phone against the local run, as ``make run`` serves it: GIVEN the local run
(``python -m infra.local.run`` on free ports: moto, the simulator with the dev phone's page, the
app, the pump; calls in real time) and its demo, THEN in headless chromium a tab of the dev
phone dials the pull app, reads the caller's message in the live transcript, presses 2 and reads
the SMS in its inbox; a tab answers the appointment reminder the app's REST API places to it,
reads its prompt and presses the key it asks for; two tabs hold two numbers (not one), and Busy
and Decline end their rings with those statuses. Each test keeps a screenshot; the pull app's
is the README's picture (``docs/images/dev-phone.png``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from localrunkit import LocalRun, local_run

ROOT = Path(__file__).resolve().parents[2]
PULL_APP = "447700900100"
ALICE = "447700900001"
"""The demo caller: the demo message service has a message for her."""
REMINDER_FROM = "447700900150"
WAIT_MS = 30_000
"""The calls run in real time: a prompt takes its seconds to say."""


@dataclass
class Stack:
    run: LocalRun
    app: str
    api_key: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_run(tmp_path_factory.mktemp("phone-run"), "Ctrl-C stops everything.") as run:
        app = re.search(r"app \(chalice local\)\s+(http://\S+)", run.banner)
        key = re.search(r"API key: (\S+)", run.banner)
        phone = re.search(r"dev phone \(browser\)\s+(http://\S+)", run.banner)
        assert app and key and phone, run.banner
        assert phone.group(1) == run.phone
        yield Stack(run, app.group(1), key.group(1))


def open_phone(browser: Any, stack: Stack, number: str) -> Any:
    """A tab of the dev phone holding ``number``."""
    tab = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    tab.goto(f"{stack.run.phone}?number={number}")
    tab.wait_for_function(
        "text => document.getElementById('own-status').textContent === text",
        arg=f"This tab is +{number}.",
        timeout=10_000,
    )
    return tab


def transcript_has(tab: Any, text: str, timeout: int = WAIT_MS) -> None:
    tab.wait_for_function(
        "text => document.getElementById('transcript').textContent.includes(text)",
        arg=text,
        timeout=timeout,
    )


def status_is(tab: Any, text: str, timeout: int = WAIT_MS) -> None:
    tab.wait_for_function(
        "text => document.getElementById('call-status').textContent === text",
        arg=text,
        timeout=timeout,
    )


def shoot(tab: Any, name: str, tmp_path: Path) -> Path:
    path = tmp_path / name
    tab.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def place_reminder(stack: Stack, to: str, **extra: Any) -> None:
    body = {
        "flow_id": "appointment-reminder",
        "to": to,
        "from": REMINDER_FROM,
        "variables": {"name": "Sam", "date": "on Friday", "time": "10 AM"},
        **extra,
    }
    answer = requests.post(
        f"{stack.app}/v1/calls",
        json=body,
        headers={"Authorization": f"Bearer {stack.api_key}"},
        timeout=10,
    )
    assert answer.status_code == 202, answer.text


def test_the_dev_phone_dials_the_pull_app_presses_2_and_reads_the_sms(
    stack: Stack, browser: Any
) -> None:
    from playwright.sync_api import expect

    tab = open_phone(browser, stack, ALICE)
    # WHEN the tab picks the pull app's number from the account's numbers and calls it
    tab.select_option("#dial-choice", PULL_APP)
    assert tab.input_value("#dial-to") == "+" + PULL_APP
    tab.click("#dial")
    # THEN the transcript reads Alice's message, then the menu
    transcript_has(tab, "Your parcel 4 7 1 1 arrives tomorrow")
    status_is(tab, "On a call")
    # WHEN she presses 2 (kept if the menu's prompt still plays)
    tab.click('#keypad button[data-key="2"]')
    transcript_has(tab, "We have sent the message to you by text.")
    # THEN the SMS is in the inbox, newest first, and the call ends
    expect(tab.locator("#inbox li").first).to_contain_text("Your parcel 4 7 1 1", timeout=WAIT_MS)
    status_is(tab, "Call ended (completed)")
    keys = tab.locator('#transcript li[data-kind="press"] .text')
    expect(keys).to_have_text(["2"])
    image = ROOT / "docs" / "images" / "dev-phone.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(image))
    tab.context.close()


def test_the_dev_phone_answers_the_reminder_and_presses_the_key_it_asks_for(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    number = "447700900031"
    tab = open_phone(browser, stack, number)
    # WHEN the app places the appointment reminder to the phone's number
    place_reminder(stack, "+" + number)
    # THEN the phone rings with the reminder's number
    expect(tab.locator("#incoming")).to_be_visible(timeout=WAIT_MS)
    expect(tab.locator("#incoming-from")).to_have_text("+" + REMINDER_FROM)
    expect(tab.locator('#keypad button[data-key="1"]')).to_be_disabled()
    # WHEN the person answers, and presses 1 as the prompt asks
    tab.click("#answer")
    transcript_has(tab, "Hello Sam. This is a reminder of your appointment on Friday at 10 AM")
    tab.click('#keypad button[data-key="1"]')
    # THEN the flow takes the key and confirms
    transcript_has(tab, "Thank you. Your appointment is confirmed. Goodbye.")
    status_is(tab, "Call ended (completed)")
    shoot(tab, "dev-phone-reminder.png", tmp_path)
    tab.context.close()


def test_two_tabs_hold_two_numbers_and_busy_and_decline_end_their_rings(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    first, second = "447700900041", "447700900042"
    one = open_phone(browser, stack, first)
    two = open_phone(browser, stack, second)
    # GIVEN the second tab may not take the first's number
    two.fill("#own-number", "+" + first)
    two.click("#claim")
    expect(two.locator("#own-status")).to_have_text(re.compile("in use by another tab"))
    two.fill("#own-number", "+" + second)
    two.click("#claim")
    expect(two.locator("#own-status")).to_have_text(f"This tab is +{second}.")
    # WHEN the app calls both phones
    place_reminder(stack, "+" + first)
    place_reminder(stack, "+" + second)
    expect(one.locator("#incoming")).to_be_visible(timeout=WAIT_MS)
    expect(two.locator("#incoming")).to_be_visible(timeout=WAIT_MS)
    # AND one is busy, the other declines
    one.click("#busy")
    two.click("#decline")
    # THEN each ring ends with its status
    status_is(one, "Call ended (busy)")
    status_is(two, "Call ended (rejected)")
    expect(one.locator("#incoming")).to_be_hidden()
    shoot(one, "dev-phone-busy.png", tmp_path)
    shoot(two, "dev-phone-declined.png", tmp_path)
    one.context.close()
    two.context.close()
