"""Loops without a wait: GIVEN a flow with a loop, WHEN it is loaded, THEN it is accepted and
``Flow.warnings`` names the loop exactly when no node in it waits for the network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flowkit import Driver, flow_of

from chalicelib.flows.errors import FlowRuntimeError
from chalicelib.flows.model import parse_flow
from chalicelib.flows.widgets import PLATFORM_WIDGETS, WIDGETS
from chalicelib.products import installed

FLOWS = sorted((Path(__file__).resolve().parents[3] / "flows").glob("*.json"))
BYE = {"widget": "hangup"}
HOPS = "ends with the fallback after 64 hops"


def test_a_loop_of_set_and_condition_is_named_and_the_flow_still_loads() -> None:
    # GIVEN set -> condition -> set, with a way out that is never taken
    nodes = {
        "a": {"widget": "set", "assign": {"$flow.key.n": "x$flow.key.n"}, "next": "b"},
        "b": {
            "widget": "condition",
            "rules": [{"left": "$flow.key.n", "op": "eq", "right": "never"}],
            "next": {"true": "h", "false": "a"},
        },
        "h": BYE,
    }
    # WHEN it is loaded
    flow = flow_of(nodes)
    # THEN it loads with one warning naming the loop
    assert flow.warnings == (
        f"nodes a -> b -> a: loops without waiting for the caller; a call that takes this loop"
        f" {HOPS}",
    )
    # AND at run time the hop limit stops it, as the warning says
    with pytest.raises(FlowRuntimeError, match="loops without waiting"):
        Driver(flow).answer()


def test_a_webhook_retry_loop_does_not_count_as_waiting() -> None:
    nodes = {
        "w": {"widget": "webhook", "url": "https://x.example", "next": {"0": "h", "1": "s"}},
        "s": {"widget": "say", "text": "retrying", "next": "w"},
        "h": BYE,
    }
    [warning] = flow_of(nodes).warnings
    assert warning.startswith("nodes s -> w -> s: loops without waiting")


def test_a_node_looping_onto_itself_is_named() -> None:
    nodes = {"d": {"widget": "set", "assign": {"$flow.key.x": "1"}, "next": "d"}}
    [warning] = flow_of(nodes).warnings
    assert warning.startswith("nodes d -> d: ")


@pytest.mark.parametrize(
    "waiting",
    [
        {"widget": "menu", "prompt": "p", "options": {"1": "s"}, "next": {"invalid": "s"}},
        {"widget": "input", "prompt": "p", "variable": "v", "next": "s"},
        {"widget": "record", "next": "s"},
        {"widget": "connect", "number": "447700900555", "next": "s"},
        {"widget": "language", "prompt": "p", "options": {"1": "en-GB"}, "next": "s"},
    ],
    ids=lambda node: node["widget"],
)
def test_a_loop_through_a_node_that_waits_is_fine(waiting: dict[str, Any]) -> None:
    nodes = {"w": waiting, "s": {"widget": "say", "text": "again", "next": "w"}}
    assert flow_of(nodes).warnings == ()


def test_a_language_node_set_from_a_value_does_not_wait() -> None:
    nodes = {
        "l": {"widget": "language", "value": "$flow.key.lang", "next": "s"},
        "s": {"widget": "say", "text": "again", "next": "l"},
    }
    assert len(flow_of(nodes, variables={"lang": "fr-FR"}).warnings) == 1


def test_each_loop_is_named_once() -> None:
    # GIVEN two separate loops, one with two ways round
    nodes = {
        "a": {
            "widget": "condition",
            "rules": [{"left": "1", "op": "eq", "right": "1"}],
            "next": {"true": "b", "false": "c"},
        },
        "b": {"widget": "say", "text": "b", "next": "a"},
        "c": {"widget": "say", "text": "c", "next": {"next": "a"}},
        "m": {"widget": "menu", "prompt": "p", "options": {"1": "x"}},
        "x": {"widget": "say", "text": "x", "next": "y"},
        "y": {"widget": "say", "text": "y", "next": "x"},
    }
    start = {
        "s": {"widget": "menu", "prompt": "p", "options": {"1": "a", "2": "m"}},
    }
    flow = flow_of({**start, **nodes}, start="s")
    assert [w.split(":")[0] for w in flow.warnings] == ["nodes a -> b -> a", "nodes x -> y -> x"]


def test_a_long_flow_is_analysed_without_recursion() -> None:
    count = 5000
    nodes: dict[str, Any] = {
        f"n{i}": {"widget": "say", "text": "x", "next": f"n{(i + 1) % count}"} for i in range(count)
    }
    [warning] = flow_of(nodes, start="n0").warnings
    assert warning.startswith(
        "nodes n0 -> n1 -> n2 -> n3 -> ... -> n4998 -> n4999 -> n0 (5000 nodes): "
    )


def test_every_widget_declares_whether_it_waits() -> None:
    waiting = {
        name for name, widget in WIDGETS.items() if widget.config.WAITS and name in PLATFORM_WIDGETS
    }
    assert waiting == {"menu", "input", "connect", "record"}


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_the_shipped_flows_have_no_warnings(path: Path) -> None:
    for product in installed():  # the products' widgets the shipped flows use
        product.register()
    assert parse_flow(path.read_text()).warnings == ()
