"""The supervisors' live board over the app's HTTP interface, on moto: GIVEN an account whose
dialer has agents in every state and calls at every stage (``boardkit``, through the services),
WHEN a supervisor logs in with the account id and one of its API keys, THEN the board's page is
a shell with its script and stylesheet under the pages' security headers, and its JSON holds
every agent and call (customers masked to their last four digits), the totals and the
campaigns with the one above its ceiling marked; WHEN an agent pauses and the waiting call
talks, THEN the next JSON shows it. Logins with a wrong key, another account's key, a disabled
account or a garbage id are refused in the same words, five failures lock the id (even the right
key then) without locking another site's logins, a stale form changes nothing, and neither an
anonymous visitor nor another site's cookie gets the JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import boardkit
import pytest
from platformkit import ACCOUNT, Platform, running_platform

from chalicelib.web import session as sessions

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WRONG = "The account id or the password is wrong."


class Browser:
    """A browser's cookie jar over Chalice's test client, for the board's pages."""

    def __init__(self, platform: Platform) -> None:
        self.http = platform.client.http
        self.cookie = ""

    def _keep(self, answer: Any) -> Any:
        if "Set-Cookie" in answer.headers:
            self.cookie = str(answer.headers["Set-Cookie"]).split(";")[0]
        return answer

    def get(self, path: str) -> Any:
        return self._keep(self.http.get(path, headers={"Cookie": self.cookie}))

    def post(self, path: str, fields: dict[str, str], csrf: str | None = None) -> Any:
        token = self.csrf(path) if csrf is None else csrf
        body = urlencode({**fields, "csrf": token})
        return self._keep(self.http.post(path, headers={**FORM, "Cookie": self.cookie}, body=body))

    def csrf(self, path: str) -> str:
        page = self.get("/dialer/board/login" if path.endswith("/login") else "/dialer/board/live")
        found = re.search(r'name="csrf" value="([^"]+)"', page.body.decode())
        assert found is not None, page.body
        return found.group(1)

    def log_in(self, account_id: str, key: str) -> Any:
        return self.post("/dialer/board/login", {"account_id": account_id, "password": key})

    def now(self) -> dict[str, Any]:
        answer = self.get("/dialer/board/now")
        assert answer.status_code == 200, answer.body
        assert answer.headers["Content-Type"].startswith("application/json")
        assert answer.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
        view: dict[str, Any] = json.loads(answer.body)
        return view


@dataclass
class World:
    platform: Platform

    @property
    def services(self) -> Any:
        return self.platform.container.services("dialer")


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with running_platform(monkeypatch) as platform:
        built = World(platform)
        boardkit.floor(built.services, ACCOUNT, platform.clock())
        yield built


def test_a_supervisor_logs_in_and_sees_the_floor_then_its_change(world: World) -> None:
    browser = Browser(world.platform)
    # GIVEN no session: the page and its JSON send the visitor to the login
    for path in ("/dialer/board/live", "/dialer/board/now", "/dialer/board"):
        assert browser.get(path).headers["Location"] == "/dialer/board/login"
    logged = browser.log_in(ACCOUNT, world.platform.api_key)
    assert logged.status_code == 303 and logged.headers["Location"] == "/dialer/board/live"
    assert browser.cookie.startswith("ringflow_supervisor=")
    # THEN the page is a shell with its own script and stylesheet, under the security headers
    page = browser.get("/dialer/board/live")
    assert page.status_code == 200 and page.headers["X-Frame-Options"] == "DENY"
    text = page.body.decode()
    assert 'data-now="/dialer/board/now"' in text and "/dialer/board/static/board.js" in text
    assert "<script>" not in text and "style=" not in text
    for name in ("board.js", "board.css", "site.css"):
        assert browser.get(f"/dialer/board/static/{name}").status_code == 200
    # AND the JSON holds every agent and call, the customers masked
    view = browser.now()
    agents = {a["agent_id"]: a["state"] for a in view["agents"]}
    assert agents == boardkit.STATES
    calls = {c["call_id"]: (c["stage"], c["agent_id"], c["customer"]) for c in view["calls"]}
    assert calls == {
        "c-1": ("waiting", None, "•••0101"),
        "c-2": ("talking", "ben", "•••0102"),
        "c-3": ("ringing", "gil", "•••0103"),
        "c-4": ("waiting", None, "•••0104"),
    }
    assert "447700900101" not in json.dumps(view)
    waiting = {c["call_id"]: c["waiting"] for c in view["calls"]}
    assert waiting["c-1"] == 15 and waiting["c-2"] is None
    seconds = {a["agent_id"]: a["seconds"] for a in view["agents"]}
    assert seconds["cat"] == 300 and seconds["fay"] == 20
    assert view["totals"]["calls"] == {"waiting": 2, "ringing": 1, "talking": 1, "all": 4}
    assert view["totals"]["agents"]["on_call"] == 2
    assert view["totals"]["answers"]["over_ceiling"] == ["winter"]
    assert {c["campaign_id"]: c["over"] for c in view["campaigns"]} == {
        "spring": False,
        "winter": True,
    }
    nodes = {n["node_id"]: n["tone"] for n in view["picture"]["nodes"]}
    assert {f"agent:{a}" for a in boardkit.AGENTS} <= set(nodes)
    assert {f"call:{c}" for c in boardkit.CALLS} <= set(nodes)
    assert nodes["campaign:winter"] == "over" and nodes["queue:sales"] == "queue"
    edges = {(e["source"], e["target"]) for e in view["picture"]["edges"]}
    assert ("call:c-2", "agent:ben") in edges and ("call:c-4", "queue:sales") in edges
    # WHEN Ann pauses and the waiting call c-1 is given Eve and talks
    world.platform.clock.advance(3)
    boardkit.change(world.services, ACCOUNT, world.platform.clock())
    # THEN the next JSON shows both
    after = browser.now()
    assert {a["agent_id"]: a["state"] for a in after["agents"]}["ann"] == "paused"
    moved = {c["call_id"]: c for c in after["calls"]}["c-1"]
    assert (moved["stage"], moved["agent"], moved["waiting"]) == ("talking", "Eve", None)
    assert ("call:c-1", "agent:eve") in {
        (e["source"], e["target"]) for e in after["picture"]["edges"]
    }
    # WHEN the supervisor logs out, THEN the JSON is closed again
    assert browser.post("/dialer/board/logout", {}).status_code == 303
    assert browser.get("/dialer/board/now").headers["Location"] == "/dialer/board/login"


def test_logins_are_refused_in_the_same_words(world: World) -> None:
    container = world.platform.container
    _, other_key = container.admin.create_account("other-co", "Other", "en-GB")
    browser = Browser(world.platform)
    wrong = world.platform.api_key[:-4] + "abcd"
    for account_id, key in (
        (ACCOUNT, wrong),
        (ACCOUNT, other_key),  # another account's key
        ("nobody", world.platform.api_key),
        ("ACME!", "x"),
        (ACCOUNT, "not a key"),
    ):
        refused = browser.log_in(account_id, key)
        assert refused.status_code == 401, (account_id, refused.status_code)
        assert WRONG in refused.body.decode()
    # a disabled account's key opens nothing
    container.accounts.set_enabled("other-co", False)
    assert browser.log_in("other-co", other_key).status_code == 401


def test_five_failures_lock_the_id_but_not_another_sites(world: World) -> None:
    browser = Browser(world.platform)
    for _ in range(4):
        assert browser.log_in(ACCOUNT, "rf_acme_" + "x" * 40).status_code == 401
    locked = browser.log_in(ACCOUNT, "rf_acme_" + "y" * 40)
    assert locked.status_code == 429 and "Too many failed logins" in locked.body.decode()
    # THEN even the right key is refused until the lock ends
    again = browser.log_in(ACCOUNT, world.platform.api_key)
    assert again.status_code == 429
    # AND the company pages' logins of the same id are not locked by it
    logins = world.platform.container.services("click2call").logins
    counted = logins.failures.locked_until(logins.scope + ACCOUNT, world.platform.clock())
    assert counted is None
    # WHEN the lock is over, THEN the right key opens the board
    world.platform.clock.advance(16 * 60)
    assert browser.log_in(ACCOUNT, world.platform.api_key).status_code == 303


def test_a_stale_form_or_another_sites_cookie_opens_nothing(world: World) -> None:
    browser = Browser(world.platform)
    stale = browser.post(
        "/dialer/board/login",
        {"account_id": ACCOUNT, "password": world.platform.api_key},
        csrf="forged",
    )
    assert stale.status_code == 403 and "has expired" in stale.body.decode()
    # a session signed for the company's pages, under the board's cookie name
    settings = world.platform.container.settings
    made = sessions.new_session(ACCOUNT, world.platform.clock())
    company_key = sessions.signing_key(settings, b"ringflow click2call company session v1")
    value = sessions.encode(made, company_key)
    http = world.platform.client.http
    other = http.get("/dialer/board/now", headers={"Cookie": f"ringflow_supervisor={value}"})
    assert other.status_code == 303 and other.headers["Location"] == "/dialer/board/login"
    assert http.get("/dialer/board/static/../pages.py").status_code in (403, 404)
