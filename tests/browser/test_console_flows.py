"""The console in headless chromium against the local run as ``make run`` starts it (moto, the
network simulator, the app and the pump on free ports, ``localrunkit``), once for the module:
GIVEN the demo account logged in with its API key, THEN a shipped flow is drawn with every node
and every edge of its document (laid out by the vendored dagre, each edge labelled by its
output); a draft with a bad node shows the problem on that node and greys what no start reaches,
and a stored flow's warning shows on its nodes; WHEN a person rings the pull app from a tab of
the dev phone and waits at its menu, THEN the menu's node is highlighted and the highlight moves
on when they press 2 (the page polls every 500 ms), and the screenshot of the flow with the call
on it is written for the README; a finished call (a scripted caller of the simulator) is
replayed step by step, each step's node and the output it left by highlighted. The calls run in
real time."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from localrunkit import LocalRun, local_run

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "images" / "console-flow.png"
PULL = json.loads((ROOT / "flows" / "pull-message.json").read_text())
PULL_NUMBER = "447700900100"
CALL_MS = 60_000
"""The calls run in real time: the message is spoken before the menu listens."""


@dataclass
class Console:
    run: LocalRun
    app: str
    account: str
    api_key: str

    def call(self, caller: str, script: list[dict[str, Any]]) -> threading.Thread:
        """Ring the pull app from ``caller`` with ``script``, in the background (the
        simulator answers once the call is over)."""

        def ring() -> None:
            body = {"from": caller, "to": PULL_NUMBER, "script": script, "timeout": 90}
            requests.post(f"{self.run.sim}/_sim/calls", json=body, verify=self.run.ca, timeout=120)

        thread = threading.Thread(target=ring, daemon=True)
        thread.start()
        return thread


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    with local_run(tmp_path_factory.mktemp("console-run"), "Ctrl-C stops everything.") as run:
        app = re.search(r"app \(chalice local\)\s+(http://\S+)", run.banner)
        key = re.search(r"API key: (\S+)", run.banner)
        account = re.search(r"demo account\s+(\S+)", run.banner)
        assert app and key and account, run.banner
        yield Console(run, app.group(1), account.group(1), key.group(1))


def _log_in(page: Any, console: Console) -> None:
    page.goto(f"{console.app}/console/login")
    page.fill("#account_id", console.account)
    page.fill("#password", console.api_key)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/flows$"))


def _edges(document: dict[str, Any]) -> set[str]:
    found = set()
    for node_id, node in document["nodes"].items():
        nexts = node.get("next")
        outputs = {"next": nexts} if isinstance(nexts, str) else dict(nexts or {})
        outputs.update(node.get("options", {}))
        found.update(f"{node_id}:{output}:{target}" for output, target in outputs.items())
    return found


def test_a_shipped_flow_is_drawn_with_every_node_and_edge(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    _log_in(page, console)
    page.click('a[href$="/console/flows/pull-message"]')
    page.wait_for_selector("#picture svg g[data-node]")
    nodes = page.locator("#picture svg g[data-node]")
    expect(nodes).to_have_count(len(PULL["nodes"]))
    shown = {nodes.nth(i).get_attribute("data-node") for i in range(nodes.count())}
    assert shown == set(PULL["nodes"])
    edges = page.locator("#picture svg g[data-edge]")
    expect(edges).to_have_count(len(_edges(PULL)))
    keys = {edges.nth(i).get_attribute("data-edge") for i in range(edges.count())}
    assert keys == _edges(PULL)
    # each edge is labelled by its output, each box says what its node does
    assert page.text_content('g[data-edge="repeat:2:text"] text') == "2"
    assert page.text_content('g[data-edge="lookup:failure:no_message"] text') == "failure"
    assert "Thank you for calling" in (page.text_content('g[data-node="bye"]') or "")
    expect(page.locator('g[data-node="lookup"]')).to_have_class(re.compile(r"\bstart\b"))
    assert page.locator("g.unreachable, g.problem").count() == 0
    # laid out: no two boxes at the same place
    places = {nodes.nth(i).get_attribute("transform") for i in range(nodes.count())}
    assert len(places) == len(PULL["nodes"])
    # the versions: the live one marked
    expect(page.locator('#versions tr.live[data-version="1"]')).to_have_count(1)


def test_a_draft_and_a_stored_flow_show_their_problems_on_their_nodes(
    console: Console, page: Any
) -> None:
    from playwright.sync_api import expect

    _log_in(page, console)
    # GIVEN a draft with a node of an unknown widget that nothing reaches
    draft = json.loads(json.dumps(PULL))
    draft["nodes"]["ghost"] = {"widget": "teleport", "next": "bye"}
    page.goto(f"{console.app}/console/draft")
    page.fill("#document", json.dumps(draft))
    page.click("#draft-form button[type=submit]")
    ghost = page.locator('#picture g[data-node="ghost"]')
    expect(ghost).to_have_class(re.compile(r"\bproblem\b"), timeout=10_000)
    classes = ghost.get_attribute("class") or ""
    assert "problem" in classes and "unreachable" in classes
    assert "unknown widget 'teleport'" in (ghost.locator("title").text_content() or "")
    expect(page.locator('#problem-list li[data-node="ghost"]')).to_contain_text("teleport")
    expect(page.locator("#picture g[data-node]")).to_have_count(len(draft["nodes"]))
    assert "refused" in (page.text_content("#status") or "")
    # AND text that is not JSON is refused in plain words, drawing nothing
    page.fill("#document", "{not json")
    page.click("#draft-form button[type=submit]")
    expect(page.locator("#status")).to_contain_text("not JSON")
    expect(page.locator("#picture g[data-node]")).to_have_count(0)
    # GIVEN a stored flow that loads with a warning (a loop that never waits)
    looping = {
        "id": "console-loop",
        "name": "Loops",
        "start": "a",
        "nodes": {
            "a": {"widget": "set", "assign": {"$flow.key.x": "1"}, "next": "b"},
            "b": {"widget": "set", "assign": {"$flow.key.y": "2"}, "next": "a"},
        },
    }
    loaded = requests.post(
        f"{console.app}/v1/flows",
        json=looping,
        headers={"Authorization": f"Bearer {console.api_key}"},
        timeout=10,
    )
    assert loaded.status_code == 201 and loaded.json()["warnings"], loaded.text
    page.goto(f"{console.app}/console/flows/console-loop")
    for node in ("a", "b"):
        marked = page.locator(f'#picture g[data-node="{node}"]')
        expect(marked).to_have_class(re.compile(r"\bproblem\b"), timeout=10_000)
        assert "loops without waiting" in (marked.locator("title").text_content() or "")


def test_a_call_from_the_dev_phone_walks_through_the_flow_live(
    console: Console, page: Any, browser: Any
) -> None:
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 1500})
    _log_in(page, console)
    page.goto(f"{console.app}/console/flows/pull-message")
    page.wait_for_selector("#picture svg g[data-node]")
    # WHEN a person rings the pull app from a tab of the dev phone
    phone = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    phone.goto(f"{console.run.phone}?number=447700900001")
    expect(phone.locator("#own-status")).to_have_text("This tab is +447700900001.")
    phone.fill("#dial-to", "+" + PULL_NUMBER)
    phone.click("#dial")
    # THEN the menu's node is highlighted while the call waits there
    menu = page.locator('#picture g[data-node="repeat"]')
    expect(menu).to_have_class(re.compile(r"\bcurrent\b"), timeout=CALL_MS)
    expect(page.locator('#live tbody tr[data-node="repeat"]')).to_have_count(1)
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # WHEN the person presses 2 for the text message
    phone.click('#keypad button[data-key="2"]')
    # THEN the highlight moves on from the menu
    moved = page.locator('#picture g.current[data-node]:not([data-node="repeat"])')
    expect(moved).to_have_count(1, timeout=CALL_MS)
    assert moved.get_attribute("data-node") in {"text", "sent", "bye"}
    expect(menu).not_to_have_class(re.compile(r"\bcurrent\b"))
    # AND when the call is over no node is highlighted
    expect(phone.locator("#call-status")).to_have_text("Call ended (completed)", timeout=CALL_MS)
    expect(page.locator("#picture g.current")).to_have_count(0, timeout=CALL_MS)
    phone.context.close()


def test_a_finished_call_is_replayed_step_by_step(console: Console, page: Any) -> None:
    from playwright.sync_api import expect

    console.call("447700900002", [{"wait": 2}, {"press": "2"}]).join(120)
    _log_in(page, console)
    replay = page.locator("#recent button.replay[data-call]")
    for _ in range(30):  # the call's record is written when the carrier says it ended
        page.goto(f"{console.app}/console/flows/pull-message")
        page.wait_for_selector("#picture svg g[data-node]")
        if replay.count():
            break
        page.wait_for_timeout(1000)
    replay.first.click()
    # THEN the first step is the start, leaving by success
    expect(page.locator("#picture g.replaying")).to_have_attribute("data-node", "lookup")
    expect(page.locator('#picture g[data-edge="lookup:success:has_message"]')).to_have_class(
        re.compile(r"\btaken\b")
    )
    # WHEN stepped on, THEN the next node is highlighted, and back again
    page.click("#replay-step")
    expect(page.locator("#picture g.replaying")).to_have_attribute("data-node", "has_message")
    expect(page.locator('#picture g[data-edge="has_message:true:speak"]')).to_have_class(
        re.compile(r"\btaken\b")
    )
    page.click("#replay-back")
    expect(page.locator("#picture g.replaying")).to_have_attribute("data-node", "lookup")
    # WHEN played, THEN it walks to the end through the menu's key 2
    page.click("#replay-play")
    expect(page.locator("#picture g.replaying")).to_have_attribute(
        "data-node", "bye", timeout=30_000
    )
    steps = page.locator("#replay-steps li")
    texts = [steps.nth(i).text_content() or "" for i in range(steps.count())]
    assert any(text.startswith("repeat → 2") for text in texts), texts
    expect(page.locator("#replay-play")).to_have_text("Play")
