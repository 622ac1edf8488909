"""The click-to-call company's pages against the simulator, as ``make run`` serves them: GIVEN the
local run (``python -m infra.local.run`` on free ports: moto, the simulator, the app, the pump)
and its demo company, WHEN its person logs in with the printed password, sets the demo campaign
to make no redials, a visitor whose phone is busy asks through the banner on the try page, and the
person presses "Call back" in the failed list once the visitor can answer, THEN the request shows
FAILED CALLING TO USER, then COMPLETED with the company's leg called first, and a note written on
it is kept. Headless chromium through Playwright."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from localrunkit import LocalRun, local_run

VISITOR = "447700900661"
WAIT_SECONDS = 90


@dataclass
class Stack:
    """The local run's addresses and the demo company's login."""

    run: LocalRun
    app: str
    login: str
    company: str
    password: str
    try_page: str

    def set_number(self, number: str, **behaviour: Any) -> None:
        self.run.set_number(number, **behaviour)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_run(tmp_path_factory.mktemp("c2c-run"), "company id") as run:
        text = run.banner
        login = re.search(r"(http://\S+/company/login)\s+company id (\S+), password (\S+)", text)
        page = re.search(r"(http://\S+/pages/c2c/\S+/try)", text)
        assert login and page, text
        yield Stack(
            run=run,
            app=login.group(1).split("/company/login")[0],
            login=login.group(1),
            company=login.group(2),
            password=login.group(3),
            try_page=page.group(1),
        )


def wait_for(page: Any, text: str, where: str = "main") -> None:
    """Reload ``page`` until ``where`` holds ``text`` (the calls run in real time)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while text not in (page.locator(where).inner_text() or ""):
        assert time.monotonic() < deadline, page.locator(where).inner_text()
        time.sleep(1)
        page.reload()


def test_a_failed_request_is_called_back_from_the_failed_list(stack: Stack, page: Any) -> None:
    stack.set_number(VISITOR, behaviour="busy")
    # the company's person logs in with the printed password
    page.goto(stack.login)
    page.fill("#company_id", stack.company)
    page.fill("#password", stack.password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/company/requests$"))
    # and makes the demo campaign call a visitor once, no redials
    page.click("nav >> text=Campaigns")
    page.click("text=Windows, half price")
    page.fill("#redials", "0")
    page.click("#campaign-form button[type=submit]")
    page.locator(".notice").wait_for()
    # WHEN a visitor whose phone is busy asks through the banner on the try page
    page.goto(stack.try_page)
    banner = page.frame_locator("iframe[title='Call me back']")
    banner.locator("#phone").fill("+" + VISITOR)
    banner.locator("#agree").check()
    banner.locator("#call-me").click()
    banner.locator("#result.ok").wait_for()
    # THEN the request shows in the failed list
    page.goto(stack.app + "/company/requests")
    wait_for(page, "+" + VISITOR, "#failed")
    row = page.locator("#failed tr", has_text="+" + VISITOR)
    assert "FAILED CALLING TO USER" in row.inner_text()
    # WHEN the visitor can answer and the company presses "Call back"
    stack.set_number(VISITOR, behaviour="answers", talk_seconds=3)
    row.locator("button", has_text="Call back").click()
    page.locator(".notice", has_text="rings first").wait_for()
    # THEN the operator is called first, then the visitor, and the request completes
    wait_for(page, "COMPLETED", "#status")
    calls = page.locator("#calls").inner_text()
    assert "company" in calls and "+" + VISITOR in calls
    # AND a note written on it is kept
    page.fill("#note-text", "Called back, interested in the offer.")
    page.click("text=Save the note")
    page.locator("#comments", has_text="interested in the offer").wait_for()
