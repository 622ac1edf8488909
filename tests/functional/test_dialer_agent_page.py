"""The dialer agent's page, its password and its deletion over the app's HTTP interface, the
whole app in one process on moto: GIVEN a group and an agent whose password was set through
REST, WHEN the agent logs in, becomes available, is given a call (claimed through the service,
its state saved as a real call's), sets the call's disposition twice, ends its wrap-up and logs
out, THEN each page and the page's JSON show the state and the customer (number, campaign,
contact, flow keys but the platform's own), the disposition is listed once by REST with the
last outcome, refusals say why in words and change nothing (a wrong password, a stale form, a
logout on a call, a deletion of an agent a call needs: 409 problem), a deleted agent vanishes
from the lists, keeps its events, and neither its session nor its password open the page; the
CLI sets a password from stdin and deletes an agent."""

from __future__ import annotations

import argparse
import io
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from platformkit import Platform, running_platform

from chalicelib.campaigns.model import CampaignCall
from chalicelib.dialer.agents import Agents
from chalicelib.flows.state import CallState
from chalicelib.telephony.events import Direction

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PROBLEM = "application/problem+json"
PASSWORD = "agent page password"
CALL_REF = "call-71:contact-7:1"


class Browser:
    """A browser's cookie jar over Chalice's test client, for the agent's page."""

    def __init__(self, platform: Platform) -> None:
        self.http = platform.client.http
        self.cookie = ""

    def _keep(self, answer: Any) -> Any:
        if "Set-Cookie" in answer.headers:
            self.cookie = str(answer.headers["Set-Cookie"]).split(";")[0]
        return answer

    def get(self, path: str) -> Any:
        return self._keep(self.http.get(path, headers={"Cookie": self.cookie}))

    def page(self, path: str = "/agent/home") -> str:
        answer = self.get(path)
        assert answer.status_code == 200, answer.headers
        return str(answer.body.decode())

    def csrf(self) -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.page(self.form_page))
        assert found is not None
        return found.group(1)

    form_page = "/agent/login"

    def post(self, path: str, fields: dict[str, str], csrf: str | None = None) -> Any:
        token = self.csrf() if csrf is None else csrf
        body = urlencode({**fields, "csrf": token})
        return self._keep(self.http.post(path, headers={**FORM, "Cookie": self.cookie}, body=body))

    def log_in(self, account_id: str, agent_id: str, password: str) -> Any:
        self.form_page = "/agent/login"
        fields = {"account_id": account_id, "agent_id": agent_id, "password": password}
        answer = self.post("/agent/login", fields)
        if answer.status_code == 303:
            self.form_page = "/agent/home"
        return answer

    def now(self) -> dict[str, Any]:
        answer = self.get("/agent/now")
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
        found: dict[str, Any] = json.loads(answer.body)
        return found


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        group = {"name": "Sales", "wrap_up_seconds": 60}
        assert running.api("PUT", "/v1/dialer/groups/sales", group).status_code == 200
        agent = {"group_id": "sales", "name": "Asha", "login_type": "softphone", "sip": "sip:a@pbx"}
        assert running.api("PUT", "/v1/dialer/agents/a-1", agent).status_code == 200
        yield running


def _agents(platform: Platform) -> Agents:
    return platform.container.services("dialer").agents  # type: ignore[no-any-return]


def _problem(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.body
    assert answer.headers["Content-Type"] == PROBLEM
    problem: dict[str, Any] = json.loads(answer.body)
    return problem


def _give_a_call(platform: Platform) -> None:
    """The dialer gives the agent a campaign's answered customer, as a real call would."""
    clock = platform.clock
    state = CallState(
        call_id="call-71",
        account_id="acme",
        flow_id="dialer",
        flow_version=1,
        direction=Direction.OUTBOUND,
        from_number="447700900100",
        to_number="447700900555",
        started_at=clock(),
        flow_vars={"name": "Ravi <b>", "plan": "gold", "syskey.agent": "a-1", "_seen": "1"},
    ).with_data(CampaignCall(campaign_id="spring", contact_id="contact-7", attempt=1))
    platform.container.calls.create(state)
    taken = _agents(platform).claim("acme", "sales", CALL_REF, clock())
    assert taken is not None and taken.agent_id == "a-1"


def test_an_agent_takes_a_call_sets_its_disposition_and_logs_out(platform: Platform) -> None:
    short = platform.api("PUT", "/v1/dialer/agents/a-1/password", {"password": "short"})
    assert _problem(short, 422)["errors"]
    unknown = platform.api("PUT", "/v1/dialer/agents/a-9/password", {"password": PASSWORD})
    _problem(unknown, 404)
    assert (
        platform.api("PUT", "/v1/dialer/agents/a-1/password", {"password": PASSWORD}).status_code
        == 200
    )
    browser = Browser(platform)
    assert browser.get("/agent").headers["Location"] == "/agent/login"
    wrong = browser.log_in("acme", "a-1", PASSWORD + "!")
    assert wrong.status_code == 401
    assert "The account id, the agent id or the password is wrong." in wrong.body.decode()
    logged = browser.log_in("acme", "a-1", PASSWORD)
    assert (logged.status_code, logged.headers["Location"]) == (303, "/agent/home")
    home = browser.page()
    assert "Logged out" in home and 'id="available"' in home and 'id="customer"' not in home
    assert "connect-src 'self'" in browser.get("/agent/home").headers["Content-Security-Policy"]
    # WHEN the agent becomes available / THEN the page and its JSON say so
    assert browser.post("/agent/state", {"to": "available"}).status_code == 303
    assert "You are available." in browser.page()
    now = browser.now()
    assert (now["state"], now["call_ref"], now["call_html"].strip()) == ("available", "", "")
    # WHEN the agent is given a call / THEN the page's JSON shows the customer
    _give_a_call(platform)
    now = browser.now()
    assert (now["state"], now["call_ref"]) == ("on_call", CALL_REF)
    customer = now["call_html"]
    assert "+447700900555" in customer and "spring" in customer and "contact-7" in customer
    assert "Ravi &lt;b&gt;" in customer and "gold" in customer
    assert "syskey" not in customer and "_seen" not in customer
    assert 'id="pause"' not in now["state_html"]
    # WHEN the agent tries to log out on the call / THEN refused, still logged in
    refused = browser.post("/agent/logout", {})
    assert refused.status_code == 409 and "You are on a call" in refused.body.decode()
    # WHEN the disposition is set wrong, then right, then again / THEN one, the last
    bad = browser.post("/agent/disposition", {"call_ref": CALL_REF, "disposition": "maybe"})
    assert bad.status_code == 422 and "is not one of sale" in bad.body.decode()
    fields = {"call_ref": CALL_REF, "disposition": "callback", "notes": "Ring at 5 ünïcode"}
    assert browser.post("/agent/disposition", fields).status_code == 303
    assert "The call&#39;s disposition is saved." in browser.page()
    fields = {**fields, "disposition": "sale", "notes": "Sold the gold plan"}
    assert browser.post("/agent/disposition", fields).status_code == 303
    listed = json.loads(platform.api("GET", "/v1/dialer/dispositions?call_id=call-71").body)
    [only] = listed["dispositions"]
    assert (only["agent_id"], only["disposition"], only["notes"]) == (
        "a-1",
        "sale",
        "Sold the gold plan",
    )
    assert (only["customer"], only["campaign_id"], only["contact_id"]) == (
        "447700900555",
        "spring",
        "contact-7",
    )
    by_agent = json.loads(platform.api("GET", "/v1/dialer/dispositions?agent_id=a-1").body)
    assert by_agent["dispositions"] == [only]
    neither = _problem(platform.api("GET", "/v1/dialer/dispositions"), 422)
    assert neither["detail"] == "name a call (call_id) or an agent (agent_id), or both"
    # WHEN the call ends / THEN wrap-up, Done makes the agent available
    platform.clock.advance(30)
    _agents(platform).release("acme", "a-1", CALL_REF, platform.clock())
    home = browser.page()
    assert "Wrapping up" in home and 'id="done"' in home and "Sold the gold plan" in home
    assert browser.post("/agent/state", {"to": "available"}).status_code == 303
    assert browser.now()["state"] == "available"
    events = json.loads(platform.api("GET", "/v1/dialer/agents/a-1/events").body)["events"]
    assert events[0]["reason"] == "wrap-up done"
    # WHEN the agent pauses with a reason and logs out / THEN logged out too
    assert browser.post("/agent/state", {"to": "paused", "reason": "break"}).status_code == 303
    out = browser.post("/agent/logout", {})
    assert (out.status_code, out.headers["Location"]) == (303, "/agent/login")
    assert _agents(platform).agent("acme", "a-1").state.value == "logged_out"
    assert browser.get("/agent/home").headers["Location"] == "/agent/login"


def test_a_stale_form_and_another_sites_cookie_change_nothing(platform: Platform) -> None:
    platform.api("PUT", "/v1/dialer/agents/a-1/password", {"password": PASSWORD})
    browser = Browser(platform)
    browser.log_in("acme", "a-1", PASSWORD)
    stale = browser.post("/agent/state", {"to": "available"}, csrf="not-the-token")
    assert stale.status_code == 403
    assert _agents(platform).agent("acme", "a-1").state.value == "logged_out"
    company = Browser(platform)
    company.cookie = browser.cookie.replace("ringflow_agent=", "ringflow_company=")
    assert company.get("/company/requests").headers["Location"] == "/company/login"


def test_a_deleted_agent_vanishes_and_its_login_stops_working(platform: Platform) -> None:
    platform.api("PUT", "/v1/dialer/agents/a-1/password", {"password": PASSWORD})
    browser = Browser(platform)
    browser.log_in("acme", "a-1", PASSWORD)
    browser.post("/agent/state", {"to": "available"})
    _give_a_call(platform)
    # WHEN it is deleted on its call / THEN 409 saying why, nothing changed
    busy = _problem(platform.api("DELETE", "/v1/dialer/agents/a-1"), 409)
    assert busy["detail"].startswith("agent a-1 is on_call: an agent on a call cannot be deleted")
    _agents(platform).release("acme", "a-1", CALL_REF, platform.clock())
    _problem(platform.api("DELETE", "/v1/dialer/agents/a-1"), 409)  # wrapping up
    browser.post("/agent/state", {"to": "available"})
    version = json.loads(platform.api("GET", "/v1/dialer/agents/a-1").body)["version"]
    moved = _problem(platform.api("DELETE", f"/v1/dialer/agents/a-1?version={version - 1}"), 409)
    assert f"is at version {version}, not {version - 1}" in moved["detail"]
    # WHEN deleted at its version / THEN gone from the lists, its events kept
    gone = platform.api("DELETE", f"/v1/dialer/agents/a-1?version={version}")
    assert json.loads(gone.body)["agent_id"] == "a-1"
    _problem(platform.api("GET", "/v1/dialer/agents/a-1"), 404)
    _problem(platform.api("DELETE", "/v1/dialer/agents/a-1"), 404)
    assert json.loads(platform.api("GET", "/v1/dialer/agents").body)["agents"] == []
    kept = _agents(platform).agents.events("acme", "a-1", 50)
    assert kept[0].reason == "deleted" and kept[-1].reason == "created"
    # AND its session and its password no longer open the page
    ended = browser.get("/agent/home")
    assert ended.headers["Location"] == "/agent/login"
    assert "This agent no longer exists" in browser.page("/agent/login")
    assert Browser(platform).log_in("acme", "a-1", PASSWORD).status_code == 401


def ringflow(*argv: str) -> int:
    """Run ``ringflow`` with the dialer's commands, as the product adds them."""
    from chalicelib.dialer.cli import register

    parser = argparse.ArgumentParser(prog="ringflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.run(args)
    return code


def test_the_cli_sets_a_password_and_deletes_an_agent(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert ringflow(
        "dialer", "agent", "a-2", "--account", "acme", "--group", "sales",
        "--number", "+447700900132", "--login-type", "landline", "--password-stdin",
    ) == 0  # fmt: skip
    shown = json.loads(capsys.readouterr().out)
    assert (shown["agent_id"], shown["page_login"]) == ("a-2", True)
    assert Browser(platform).log_in("acme", "a-2", PASSWORD).status_code == 303
    assert ringflow("dialer", "agent-delete", "a-2", "--account", "acme") == 0
    assert json.loads(capsys.readouterr().out)["deleted"] is True
    assert Browser(platform).log_in("acme", "a-2", PASSWORD).status_code == 401
