"""The drawing of a flow: GIVEN flow documents (shipped, broken, hostile), WHEN drawn, THEN every
node is one box with its widget's colour, its id, label and main setting (shortened), every
output one labelled edge (menu keys and speech intents too, a missing target drawn as a missing
node), the start and the after-call chain marked, problems on the nodes they name (a loop's on
each of its nodes, the document's own in a list) and the nodes no start reaches greyed, even
when the document is too broken for the flow parser to reach its own check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.console.picture import (
    MAX_NODES,
    MAX_SETTING,
    TooLargeToDrawError,
    drawing,
    main_setting,
    node_edges,
    problems_by_node,
    shorten,
)
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.products import installed

ROOT = Path(__file__).resolve().parents[3]
FLOWS = sorted((ROOT / "flows").glob("*.json"))


@pytest.fixture(autouse=True, scope="module")
def products() -> None:
    for product in installed():  # the products' widgets the shipped flows use
        product.register()


def _doc(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / "flows" / name).read_text())
    return document


@pytest.mark.parametrize("path", FLOWS, ids=[p.stem for p in FLOWS])
def test_a_shipped_flow_is_drawn_node_for_node_and_edge_for_edge(path: Path) -> None:
    document = json.loads(path.read_text())
    flow = parse_flow(document)
    picture = drawing(document, flow.warnings)
    # THEN one box per node and one edge per output the flow has
    assert [n["id"] for n in picture["nodes"]] == list(document["nodes"])
    expected = {(n, o, t) for n in flow.nodes for o, t in flow.targets(n).items()}
    assert {(e["from"], e["output"], e["to"]) for e in picture["edges"]} == expected
    assert len(picture["edges"]) == len(expected)
    # AND every node is reachable, the start marked once
    assert all(n["reachable"] and not n["missing"] for n in picture["nodes"])
    assert [n["id"] for n in picture["nodes"] if n["start"]] == [flow.start]
    for node in picture["nodes"]:
        assert node["width"] >= 150 and node["height"] > 0
        assert node["lines"][:2] == [node["id"][:32], node["widget"][:32]]


def test_the_pull_app_s_boxes_say_what_each_node_does() -> None:
    picture = drawing(_doc("pull-message.json"))
    nodes = {n["id"]: n for n in picture["nodes"]}
    assert nodes["lookup"]["setting"] == "GET $flow.key.service_url/messages?cid=$call.cli"
    assert nodes["lookup"]["label"] == "Look up the caller's message"
    assert nodes["has_message"]["setting"] == "$flow.key.message not_empty"
    assert nodes["repeat"]["setting"].startswith("To hear this message again, press 1.")
    assert nodes["remember"]["setting"].startswith("$user.key.last_caller = $call.cli")
    assert nodes["bye"]["setting"] == "Thank you for calling. Goodbye."
    tones = {n["id"]: n["tone"] for n in picture["nodes"]}
    assert tones == {
        "lookup": "webhook",
        "has_message": "condition",
        "speak": "say",
        "remember": "set",
        "repeat": "menu",
        "text": "sms",
        "sent": "say",
        "no_message": "hangup",
        "bye": "hangup",
    }
    edges = {(e["from"], e["output"]): e["to"] for e in picture["edges"]}
    assert edges[("repeat", "1")] == "speak" and edges[("repeat", "2")] == "text"
    assert edges[("repeat", "timeout")] == "bye" and edges[("lookup", "failure")] == "no_message"


def test_a_product_s_widgets_are_drawn_in_the_product_colour() -> None:
    picture = drawing(_doc("callback.json"))
    tones = {n["widget"]: n["tone"] for n in picture["nodes"]}
    assert tones["callback_pin"] == "product" and tones["hangup"] == "hangup"
    speech = _doc("eva.json")
    intents = [e for e in drawing(speech)["edges"] if e["from"] in speech["nodes"]]
    assert intents  # the speech widget's intents are edges too


def test_main_settings_fall_back_and_are_shortened() -> None:
    assert main_setting({"widget": "connect", "number": "447700900123"}) == "447700900123"
    assert main_setting({"widget": "connect", "ring_all": ["1", "2"]}) == "1, 2"
    assert main_setting({"widget": "webhook", "url": "https://x.test"}) == "POST https://x.test"
    assert main_setting({"widget": "hours", "timezone": "Europe/Paris"}) == "Europe/Paris"
    # a widget no one knows: its first string setting
    assert main_setting({"widget": "teleport", "next": "a", "where": "Mars"}) == "Mars"
    assert main_setting({"widget": "hangup"}) == ""
    long = main_setting({"widget": "say", "text": "word " * 40})
    assert len(long) == MAX_SETTING and long.endswith("…")
    assert shorten("a\n  b\tc") == "a b c"


def test_the_after_call_chain_and_unreachable_nodes_are_marked() -> None:
    document = {
        "id": "f",
        "name": "F",
        "start": "hello",
        "after_call": "report",
        "nodes": {
            "hello": {"widget": "say", "text": "Hi", "next": "bye"},
            "bye": {"widget": "hangup"},
            "report": {"widget": "webhook", "url": "https://x.test", "next": {"success": "end"}},
            "end": {"widget": "hangup"},
            "island": {"widget": "say", "text": "Alone", "next": "bye"},
        },
    }
    nodes = {n["id"]: n for n in drawing(document)["nodes"]}
    assert nodes["report"]["after_call"] and nodes["end"]["in_after_call"]
    assert not nodes["hello"]["in_after_call"] and nodes["hello"]["start"]
    assert not nodes["island"]["reachable"]
    assert all(nodes[n]["reachable"] for n in ("hello", "bye", "report", "end"))


def test_a_broken_draft_is_drawn_with_each_problem_on_its_node() -> None:
    # GIVEN a draft whose nodes the parser refuses before its reachability check
    document = {
        "id": "draft",
        "name": "Draft",
        "start": "menu",
        "nodes": {
            "menu": {
                "widget": "menu",
                "prompt": "Press 1",
                "options": {"1": "talk", "x": "bye"},
                "next": {"timeout": "gone"},
            },
            "talk": {"widget": "say", "next": "bye"},
            "bye": {"widget": "hangup"},
            "lost": {"widget": "teleport", "next": "bye"},
        },
    }
    with pytest.raises(FlowValidationError) as refused:
        parse_flow(document)
    picture = drawing(document, refused.value.problems)
    nodes = {n["id"]: n for n in picture["nodes"]}
    # THEN the refused nodes' edges are still drawn, from what they say
    edges = {(e["from"], e["output"], e["to"]) for e in picture["edges"]}
    assert ("menu", "1", "talk") in edges and ("menu", "timeout", "gone") in edges
    assert ("talk", "next", "bye") in edges and ("lost", "next", "bye") in edges
    # AND every problem is on its node
    assert any("menu keys" in p for p in nodes["menu"]["problems"])
    assert any("text" in p for p in nodes["talk"]["problems"])
    assert any("unknown widget" in p for p in nodes["lost"]["problems"])
    assert picture["problems"] == []
    # AND the missing target is drawn, the unreachable node greyed
    assert nodes["gone"]["missing"] and not nodes["gone"]["reachable"]
    assert not nodes["lost"]["reachable"] and nodes["talk"]["reachable"]


def test_problems_find_their_nodes_even_with_dots_in_ids() -> None:
    ids = ["a", "a.b", "loop1", "loop2"]
    on, rest = problems_by_node(
        [
            "nodes.a.b.text: too long",
            "nodes.a: bad",
            "nodes loop1 -> loop2 -> loop1: loops without waiting",
            "start: no node 'zz'",
            "nodes.'': node ids are 1 to 64 characters",
        ],
        ids,
    )
    assert on["a.b"] == ["nodes.a.b.text: too long"] and on["a"] == ["nodes.a: bad"]
    assert on["loop1"] == on["loop2"] == ["nodes loop1 -> loop2 -> loop1: loops without waiting"]
    assert rest == ["start: no node 'zz'", "nodes.'': node ids are 1 to 64 characters"]


@pytest.mark.parametrize(
    "document",
    [[1, 2], "text", None, {"nodes": [1]}, {"nodes": {"a": 5, "b": {"next": {"x": 3}}}}],
)
def test_hostile_documents_draw_what_they_can(document: Any) -> None:
    picture = drawing(document)
    assert isinstance(picture["nodes"], list) and isinstance(picture["edges"], list)


def test_odd_node_shapes_give_only_string_edges() -> None:
    assert node_edges({"widget": "menu", "options": ["1"], "next": 5}) == {}
    assert node_edges({"widget": "nope", "next": {"a": "b", "c": 1}}) == {"a": "b"}
    assert node_edges({"widget": "say", "next": "n"}) == {"next": "n"}


def test_a_flow_too_large_to_draw_is_refused() -> None:
    nodes = {f"n{i}": {"widget": "hangup"} for i in range(MAX_NODES + 1)}
    with pytest.raises(TooLargeToDrawError):
        drawing({"start": "n0", "nodes": nodes})
