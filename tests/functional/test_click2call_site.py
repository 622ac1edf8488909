"""The company's pages over the app's HTTP interface, on the simulated network: GIVEN a company
with a password and a campaign, WHEN its people log in, see a visitor's failed request, call it
back from the failed list, comment on it and export the list, THEN the call back runs company
first and completes, the request's page shows both legs and the comment, and the CSV holds them;
a wrong password, an unknown or stopped company and a stale form change nothing and say why in
words; a callback user's cookie never opens the company's pages."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from platformkit import running_platform
from test_click2call_calls import OPERATORS, C2CWorld

from chalicelib.ops import schedules
from chalicelib.web import session as sessions

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PASSWORD = "acme pages password"
VISITOR = "447700900611"


class Browser:
    """A browser's cookie jar over Chalice's test client, for the company's pages."""

    def __init__(self, world: C2CWorld) -> None:
        self.http = world.platform.client.http
        self.cookie = ""

    def _keep(self, answer: Any) -> Any:
        if "Set-Cookie" in answer.headers:
            self.cookie = str(answer.headers["Set-Cookie"]).split(";")[0]
        return answer

    def get(self, path: str) -> Any:
        return self._keep(self.http.get(path, headers={"Cookie": self.cookie}))

    def post(self, path: str, fields: dict[str, str], csrf: str | None = None) -> Any:
        token = self.csrf() if csrf is None else csrf
        body = urlencode({**fields, "csrf": token})
        return self._keep(self.http.post(path, headers={**FORM, "Cookie": self.cookie}, body=body))

    def csrf(self) -> str:
        page = self.get("/company/login" if not self.logged_in else "/company/requests")
        return str(re.search(r'name="csrf" value="([^"]+)"', page.body.decode()).group(1))  # type: ignore[union-attr]

    logged_in = False

    def log_in(self, company: str, password: str) -> Any:
        answer = self.post("/company/login", {"company_id": company, "password": password})
        self.logged_in = answer.status_code == 303
        return answer


@pytest.fixture
def c2c(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[C2CWorld]:
    monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
    with running_platform(monkeypatch) as platform:
        built = C2CWorld(platform, tmp_path)
        built.c2c.put_company(
            "acme", "Acme Windows", "c2c-uk", email="sales@acme.example", password=PASSWORD
        )
        try:
            yield built
        finally:
            built.close()


def test_a_failed_request_is_called_back_from_the_failed_list_and_commented(
    c2c: C2CWorld,
) -> None:
    c2c.network.set_number(VISITOR, {"behaviour": "busy"})
    request_id = json.loads(c2c.click(VISITOR).body)["request_id"]
    c2c.run()
    browser = Browser(c2c)
    assert browser.get("/company/requests").headers["Location"] == "/company/login"
    logged = browser.log_in("acme", PASSWORD)
    assert logged.status_code == 303 and logged.headers["Location"] == "/company/requests"
    # THEN the failed list shows the request with its call back button
    page = browser.get("/company/requests").body.decode()
    failed = page.split('id="failed"')[1].split('id="all"')[0]
    assert "+" + VISITOR in failed and "FAILED CALLING TO USER" in failed
    assert f"/company/requests/{request_id}/call-back" in failed
    # WHEN the company presses "Call back" (the visitor now answers)
    c2c.network.set_number(VISITOR, {"behaviour": "answers", "talk_seconds": 20})
    c2c.network.set_number(OPERATORS["op-1"], {"behaviour": "answers", "talk_seconds": 20})
    pressed = browser.post(f"/company/requests/{request_id}/call-back", {})
    assert pressed.status_code == 303
    assert pressed.headers["Location"] == f"/company/requests/{request_id}"
    shown = browser.get(pressed.headers["Location"]).body.decode()
    assert "your operator&#39;s phone rings first" in shown and "IN PROGRESS" in shown
    c2c.run()
    # THEN the operator was called first, then the visitor, and the request completed
    assert len(c2c.calls_to(OPERATORS["op-1"])) == 1
    request = c2c.request(request_id)
    assert request["called_back"] == 1 and request["calls"][-1]["first"] == "company"
    detail = browser.get(f"/company/requests/{request_id}").body.decode()
    assert "COMPLETED" in detail and "+" + OPERATORS["op-1"] in detail
    assert "FAILED" not in browser.get("/company/requests").body.decode().split('id="all"')[0]
    # WHEN a sale is commented with the company's own comment type
    c2c.c2c.put_comment_type(
        "acme",
        "sale",
        "Sale",
        [{"name": "amount", "kind": "money", "required": True}, {"name": "product"}],
    )
    refused = browser.post(
        f"/company/requests/{request_id}/comments", {"type": "sale", "v_amount": "lots"}
    )
    assert refused.status_code == 422 and "amount" in refused.body.decode()
    saved = browser.post(
        f"/company/requests/{request_id}/comments",
        {"type": "sale", "v_amount": "120.50", "v_product": "=triple glazing", "text": "Nice"},
    )
    assert saved.status_code == 303
    detail = browser.get(saved.headers["Location"]).body.decode()
    assert "Your comment is saved." in detail and "120.50" in detail
    # THEN the CSV export holds the request with its comment, the formula cell escaped
    exported = browser.get("/company/export/requests?status=completed")
    assert exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.body.decode())))
    text = "\n".join(",".join(row) for row in rows)
    assert request_id in text and "120.50" in text and "'=triple glazing" in text


def test_logins_are_refused_in_words_and_change_nothing(c2c: C2CWorld) -> None:
    browser = Browser(c2c)
    for company, password in (("acme", "wrong password"), ("nobody", PASSWORD), ("ACME!", "x")):
        refused = browser.log_in(company, password)
        assert refused.status_code == 401
        assert "The account id or the password is wrong." in refused.body.decode()
    # a stopped company's people cannot log in
    c2c.c2c.put_company("acme", "Acme Windows", "c2c-uk", allowed=False)
    assert browser.log_in("acme", PASSWORD).status_code == 401
    c2c.c2c.put_company("acme", "Acme Windows", "c2c-uk")  # the password is kept
    assert browser.log_in("acme", PASSWORD).status_code == 303


def test_a_stale_form_or_a_callback_users_cookie_changes_nothing(c2c: C2CWorld) -> None:
    c2c.network.set_number(VISITOR, {"behaviour": "busy"})
    request_id = json.loads(c2c.click(VISITOR).body)["request_id"]
    c2c.run()
    browser = Browser(c2c)
    browser.log_in("acme", PASSWORD)
    stale = browser.post(f"/company/requests/{request_id}/call-back", {}, csrf="forged")
    assert stale.status_code == 403 and "has expired" in stale.body.decode()
    assert c2c.request(request_id)["status"] == "failed_calling_to_user"
    # a session signed for the callback user's pages, under the company cookie's name
    settings = c2c.platform.container.settings
    made = sessions.new_session("acme", c2c.platform.container.clock())
    value = sessions.encode(made, sessions.signing_key(settings))
    other = c2c.platform.client.http.get(
        "/company/requests", headers={"Cookie": f"ringflow_company={value}"}
    )
    assert other.status_code == 303 and other.headers["Location"] == "/company/login"
