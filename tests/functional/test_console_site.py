"""The console over the app's HTTP interface, on moto: GIVEN the platform with the pull-app flow
loaded for an account, WHEN a tenant logs in with the account id and one of its API keys, THEN
the flows are listed and a flow's page is a shell with its scripts (dagre vendored, cached for a
year) under the pages' security headers, and its drawing holds every node and edge of the
document; a new version is listed as the live one and compared with the first (a node added,
one changed); a call in progress on the flow is listed at the node it is at and moves with it;
a finished call's path is replayed on the version it ran; a draft is checked and drawn with its
problems on its nodes and nothing stored, and hostile drafts get a clear error. Logins with a
wrong key fail in the same words and lock under the console's own scope; a stale form, another
site's cookie or another account's flow opens nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from platformkit import ACCOUNT, ROOT, Platform, running_platform

from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.flows.path import PathStep
from chalicelib.flows.state import CallState
from chalicelib.telephony.events import Direction
from chalicelib.web import session as sessions

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WRONG = "The account id or the password is wrong."
PULL = json.loads((ROOT / "flows" / "pull-message.json").read_text())


class Browser:
    """A browser's cookie jar over Chalice's test client, for the console's pages."""

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
        page = self.get("/console/login" if path.endswith("/login") else "/console/draft")
        found = re.search(r'name="csrf" value="([^"]+)"', page.body.decode())
        assert found is not None, page.body
        return found.group(1)

    def log_in(self, account_id: str, key: str) -> Any:
        return self.post("/console/login", {"account_id": account_id, "password": key})

    def json(self, path: str, status: int = 200) -> Any:
        answer = self.get(path)
        assert answer.status_code == status, answer.body
        kind = "application/json" if status == 200 else "application/problem+json"
        assert answer.headers["Content-Type"].startswith(kind)
        assert answer.headers["Cache-Control"] == "no-store"
        return json.loads(answer.body)


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        yield running


@pytest.fixture
def tenant(platform: Platform) -> Browser:
    browser = Browser(platform)
    assert browser.log_in(ACCOUNT, platform.api_key).status_code == 303
    return browser


def _edges(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    found = set()
    for node_id, node in document["nodes"].items():
        nexts = node.get("next")
        outputs = {"next": nexts} if isinstance(nexts, str) else dict(nexts or {})
        outputs.update(node.get("options", {}))
        found.update((node_id, output, target) for output, target in outputs.items())
    return found


def test_a_tenant_logs_in_and_sees_the_flow_drawn(platform: Platform) -> None:
    browser = Browser(platform)
    # GIVEN no session: the pages and their JSON send the visitor to the login
    for path in ("/console/flows", "/console/flows/pull-message/drawing", "/console"):
        assert browser.get(path).headers["Location"] == "/console/login"
    logged = browser.log_in(ACCOUNT, platform.api_key)
    assert logged.status_code == 303 and logged.headers["Location"] == "/console/flows"
    assert browser.cookie.startswith("ringflow_console=")
    # THEN the flows are listed with a link to each
    flows = browser.get("/console/flows").body.decode()
    assert 'href="/console/flows/pull-message"' in flows and PULL["name"].split(":")[0] in flows
    # AND a flow's page is a shell with its scripts, under the security headers
    page = browser.get("/console/flows/pull-message")
    assert page.status_code == 200 and page.headers["X-Frame-Options"] == "DENY"
    assert "connect-src 'self'" in page.headers["Content-Security-Policy"]
    text = page.body.decode()
    assert "/console/static/vendor/dagre-3.1.3.min.js" in text and "<script>" not in text
    assert 'data-live="/console/flows/pull-message/live"' in text and "style=" not in text
    dagre = browser.get("/console/static/vendor/dagre-3.1.3.min.js")
    assert dagre.status_code == 200 and "max-age=31536000" in dagre.headers["Cache-Control"]
    assert "var dagre=" in dagre.body.decode()
    licence = browser.get("/console/static/vendor/dagre.LICENSE.txt")
    assert "MIT" in licence.body.decode() or "Permission is hereby granted" in licence.body.decode()
    for name in ("console.js", "console.css", "site.css"):
        assert browser.get(f"/console/static/{name}").status_code == 200
    assert browser.get("/console/static/vendor/..%2Fpages.py").status_code == 404
    # AND the drawing holds every node and every edge of the document
    picture = browser.json("/console/flows/pull-message/drawing")
    assert {n["id"] for n in picture["nodes"]} == set(PULL["nodes"])
    assert {(e["from"], e["output"], e["to"]) for e in picture["edges"]} == _edges(PULL)
    nodes = {n["id"]: n for n in picture["nodes"]}
    assert nodes["lookup"]["start"] and nodes["lookup"]["setting"].startswith("GET ")
    assert nodes["repeat"]["tone"] == "menu" and nodes["speak"]["setting"] == "$flow.key.message"
    assert all(n["reachable"] for n in picture["nodes"]) and picture["live"]


def test_versions_are_listed_with_the_live_one_and_compared(
    platform: Platform, tenant: Browser
) -> None:
    # GIVEN a second version: a node added, one changed
    second = json.loads(json.dumps(PULL))
    second["nodes"]["sent"]["text"] = "The message is on its way."
    second["nodes"]["thanks"] = {"widget": "say", "text": "Thanks.", "next": "bye"}
    second["nodes"]["no_message"] = {"widget": "say", "text": "Nothing.", "next": "thanks"}
    platform.container.admin.load_flow(ACCOUNT, second)
    # THEN the flow's page lists both versions, the second live
    text = tenant.get("/console/flows/pull-message").body.decode()
    assert 'data-version="2" class="live"' in text and 'data-version="1">' in text
    assert "live: new calls run it" in text
    # AND the first version is still drawn on request
    first = tenant.json("/console/flows/pull-message/drawing?version=1")
    assert first["version"] == 1 and not first["live"]
    # AND the side by side marks what changed
    assert tenant.get("/console/flows/pull-message/compare?a=1&b=2").status_code == 200
    changes = tenant.json("/console/flows/pull-message/changes?a=1&b=2")
    assert changes["changes"]["added"] == ["thanks"]
    assert changes["changes"]["changed"] == ["sent", "no_message"]
    assert changes["changes"]["fields"]["sent"] == ["text"]
    marks = {n["id"]: n["change"] for n in changes["new"]["nodes"]}
    assert marks["thanks"] == "added" and marks["sent"] == "changed" and marks["bye"] == ""
    # AND versions that are not the flow's are refused
    tenant.json("/console/flows/pull-message/drawing?version=9", 404)
    tenant.json("/console/flows/pull-message/drawing?version=x", 422)
    assert tenant.get("/console/flows/pull-message/compare?a=1&b=7").status_code == 404


def _call(platform: Platform, call_id: str, node: str, flow_id: str = "pull-message") -> CallState:
    state = CallState(
        call_id=call_id,
        account_id=ACCOUNT,
        flow_id=flow_id,
        flow_version=1,
        direction=Direction.INBOUND,
        from_number="447700900001",
        to_number="447700900100",
        started_at=platform.clock(),
        node=node,
        path=(PathStep("lookup", "webhook", 0.0, "success"), PathStep(node, "menu", 1.0)),
    )
    return platform.container.calls.create(state)


def test_a_call_in_progress_is_shown_where_it_is(platform: Platform, tenant: Browser) -> None:
    # GIVEN a call at the menu, a finished one and one on another flow
    live = _call(platform, "call-live", "repeat")
    done = _call(platform, "call-done", "bye")
    platform.container.calls.save(replace(done, finished=True, node=None))
    _call(platform, "call-other", "greet", flow_id="other-flow")
    # THEN the flow's calls in progress hold the live one at the menu
    calls = tenant.json("/console/flows/pull-message/live")["calls"]
    assert [(c["call_id"], c["node"]) for c in calls] == [("call-live", "repeat")]
    assert [s["node"] for s in calls[0]["path"]] == ["lookup", "repeat"]
    # WHEN it moves on, THEN the next look says so
    platform.clock.advance(2)
    moved = replace(live, node="speak", path=(*live.path, PathStep("speak", "say", 2.0)))
    platform.container.calls.save(moved)
    [now] = tenant.json("/console/flows/pull-message/live")["calls"]
    assert (now["node"], now["seconds"]) == ("speak", 2)


def test_a_finished_call_is_replayed_on_the_version_it_ran(
    platform: Platform, tenant: Browser
) -> None:
    # GIVEN version 2, and a finished call of the flow started while version 1 was live
    second = json.loads(json.dumps(PULL))
    second["nodes"]["bye"]["text"] = "Bye."
    platform.container.admin.load_flow(ACCOUNT, second)
    _, _, versions = platform.container.admin.flow_history(ACCOUNT, "pull-message")
    first_loaded = dict(versions)[1]
    assert dict(versions)[2] > first_loaded
    path = (
        PathStep("lookup", "webhook", 0.0, "success", status="200"),
        PathStep("has_message", "condition", 0.1, "true"),
        PathStep("speak", "say", 0.1, "next"),
        PathStep("remember", "set", 3.0, "next"),
        PathStep("repeat", "menu", 3.0, "2", heard="2"),
        PathStep("text", "sms", 6.0, "next"),
        PathStep("sent", "say", 6.0, "next"),
        PathStep("bye", "hangup", 8.0),
    )
    record = CallRecord(
        account_id=ACCOUNT,
        call_id="call-past",
        started_at=first_loaded,
        flow_id="pull-message",
        direction=Direction.INBOUND,
        from_number="447700900001",
        to_number="447700900100",
        outcome=CallOutcome.COMPLETED,
        duration=9,
        path=path,
    )
    platform.container.call_records.put(record)
    # THEN it is among the flow's recent calls
    recent = tenant.json("/console/flows/pull-message/calls")["calls"]
    assert [(c["call_id"], c["steps"]) for c in recent] == [("call-past", 8)]
    # AND its replay walks its path on version 1's drawing
    replay = tenant.json("/console/calls/call-past")
    assert replay["version"] == 1 and replay["outcome"] == "completed"
    assert [(s["node"], s["output"]) for s in replay["steps"]][3:5] == [
        ("remember", "next"),
        ("repeat", "2"),
    ]
    assert {n["id"] for n in replay["drawing"]["nodes"]} == set(PULL["nodes"])
    tenant.json("/console/calls/no-such-call", 404)


def _draft(browser: Browser, text: str) -> Any:
    return browser.post("/console/draft", {"document": text})


def test_a_draft_is_drawn_with_its_problems_and_nothing_is_stored(
    platform: Platform, tenant: Browser
) -> None:
    # GIVEN a draft with a node of an unknown widget, a say without text, an unreachable node
    draft = json.loads(json.dumps(PULL))
    draft["id"] = "draft-flow"
    draft["nodes"]["speak"] = {"widget": "say", "next": "remember"}
    draft["nodes"]["ghost"] = {"widget": "teleport", "next": "bye"}
    draft["nodes"]["island"] = {"widget": "say", "text": "Nobody hears me.", "next": "nowhere"}
    answer = _draft(tenant, json.dumps(draft))
    assert answer.status_code == 200, answer.body
    picture = json.loads(answer.body)
    nodes = {n["id"]: n for n in picture["nodes"]}
    # THEN each problem is on its node, and the unreachable ones are greyed
    assert not picture["valid"]
    assert any("text" in p for p in nodes["speak"]["problems"])
    assert any("unknown widget 'teleport'" in p for p in nodes["ghost"]["problems"])
    assert not nodes["ghost"]["reachable"] and not nodes["island"]["reachable"]
    assert nodes["speak"]["reachable"] and nodes["nowhere"]["missing"]
    # AND nothing was stored
    heads = platform.container.flow_repository.list_heads(ACCOUNT)
    assert [h.flow_id for h in heads] == ["pull-message"]
    # WHEN the draft is the shipped flow, THEN it would load
    valid = json.loads(_draft(tenant, json.dumps(PULL)).body)
    assert valid["valid"] and valid["problem_count"] == 0


@pytest.mark.parametrize(
    ("text", "status", "words"),
    [
        ("not json {", 422, "not JSON"),
        ("[" * 100_000 + "]" * 100_000, 422, "nested too deeply"),
        ("[1, 2]", 422, "a JSON object"),
        ("", 422, "paste a flow document"),
        ('{"a": "' + "x" * 360_000 + '"}', 413, "at most 350000"),
    ],
)
def test_hostile_drafts_get_a_clear_error(
    tenant: Browser, text: str, status: int, words: str
) -> None:
    answer = _draft(tenant, text)
    assert answer.status_code == status, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert words in json.loads(answer.body)["detail"]


def test_a_draft_too_large_for_a_form_changes_nothing(tenant: Browser) -> None:
    answer = _draft(tenant, "é" * 400_000)
    assert answer.status_code == 413


def test_logins_stale_forms_other_cookies_and_other_accounts_open_nothing(
    platform: Platform,
) -> None:
    container = platform.container
    _, other_key = container.admin.create_account("other-co", "Other", "en-GB")
    browser = Browser(platform)
    for account_id, key in ((ACCOUNT, other_key), ("nobody", platform.api_key), ("ACME!", "x")):
        refused = browser.log_in(account_id, key)
        assert refused.status_code == 401 and WRONG in refused.body.decode()
    # five failures lock the id here, not on the supervisors' board
    for _ in range(4):
        browser.log_in(ACCOUNT, "rf_acme_" + "x" * 40)
    assert browser.log_in(ACCOUNT, platform.api_key).status_code == 429
    board = container.services("dialer").board_logins
    assert board.failures.locked_until(board.scope + ACCOUNT, platform.clock()) is None
    platform.clock.advance(16 * 60)
    # a stale form changes nothing
    stale = browser.post(
        "/console/login", {"account_id": ACCOUNT, "password": platform.api_key}, csrf="forged"
    )
    assert stale.status_code == 403
    # a session signed for the board, under the console's cookie name, opens nothing
    made = sessions.new_session(ACCOUNT, platform.clock())
    board_key = sessions.signing_key(container.settings, b"ringflow dialer supervisor session v1")
    value = sessions.encode(made, board_key)
    other = platform.client.http.get(
        "/console/flows/pull-message/live", headers={"Cookie": f"ringflow_console={value}"}
    )
    assert other.status_code == 303
    # another account's tenant sees none of acme's flows
    other_browser = Browser(platform)
    assert other_browser.log_in("other-co", other_key).status_code == 303
    assert other_browser.get("/console/flows/pull-message").status_code == 404
    other_browser.json("/console/flows/pull-message/drawing", 404)
    assert other_browser.json("/console/flows/pull-message/live")["calls"] == []
    platform.clock.advance(timedelta(minutes=1).total_seconds())
