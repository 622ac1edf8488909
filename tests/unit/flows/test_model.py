"""Flow documents: GIVEN a document, WHEN it is parsed, THEN it is accepted or every problem is
named with its location."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.flows.variables import Scope
from chalicelib.flows.widgets import PLATFORM_WIDGETS
from chalicelib.products import installed

FLOWS = sorted((Path(__file__).resolve().parents[3] / "flows").glob("*.json"))


def doc(nodes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": "t", "name": "t", "start": next(iter(nodes)), "nodes": nodes, **extra}


def problems_of(document: Any) -> list[str]:
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(document)
    return caught.value.problems


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_every_shipped_flow_is_valid(path: Path) -> None:
    for product in installed():  # a product's flows use its widgets
        product.register()
    flow = parse_flow(path.read_text())
    assert flow.flow_id == path.stem


def test_the_shipped_flows_include_the_pull_app() -> None:
    assert any(p.stem == "pull-message" for p in FLOWS)


def test_unknown_widget_is_named_with_the_known_ones() -> None:
    [problem] = problems_of(doc({"a": {"widget": "dance"}}))
    assert "nodes.a: unknown widget 'dance'" in problem and "say" in problem


def test_dangling_edge() -> None:
    [problem] = problems_of(doc({"a": {"widget": "say", "text": "x", "next": "nowhere"}}))
    assert problem == "nodes.a: edge 'next' points to missing node 'nowhere'"


def test_missing_required_edge() -> None:
    found = problems_of(
        doc(
            {
                "a": {"widget": "webhook", "url": "https://x", "next": {"success": "b"}},
                "b": {"widget": "hangup"},
            }
        )
    )
    assert found == ["nodes.a.next: missing edge for output 'failure'"]


def test_unknown_output() -> None:
    found = problems_of(
        doc(
            {
                "a": {"widget": "say", "text": "x", "next": {"next": "b", "oops": "b"}},
                "b": {"widget": "hangup"},
            }
        )
    )
    assert "unknown output 'oops'" in found[0]


def test_unreachable_node() -> None:
    found = problems_of(doc({"a": {"widget": "hangup"}, "lost": {"widget": "hangup"}}))
    assert found == ["nodes.lost: unreachable from start"]


def test_unknown_variable_namespace_and_name() -> None:
    found = problems_of(doc({"a": {"widget": "hangup", "text": "$caller.name and $call.colour"}}))
    assert "nodes.a: unknown variable namespace $caller." in found
    assert "nodes.a: unknown call variable $call.colour" in found


def test_bad_language_in_flow_and_in_node() -> None:
    assert "language" in problems_of(doc({"a": {"widget": "hangup"}}, language="xx-XX"))[0]
    assert (
        "unsupported language"
        in problems_of(doc({"a": {"widget": "hangup", "text": "x", "language": "tlh"}}))[0]
    )


def test_bad_widget_option_is_located() -> None:
    found = problems_of(
        doc({"a": {"widget": "menu", "prompt": "x", "options": {"12": "a"}, "timeout": 99}})
    )
    assert any(p.startswith("nodes.a.options") for p in found)
    assert any(p.startswith("nodes.a.timeout") for p in found)


def test_not_json_and_not_an_object() -> None:
    assert problems_of("{")[0].startswith("not JSON")
    assert problems_of("[]") == ["a flow document is a JSON object"]


def test_every_widget_is_registered_once() -> None:
    assert set(PLATFORM_WIDGETS) == {
        "say",
        "play",
        "menu",
        "input",
        "webhook",
        "condition",
        "set",
        "language",
        "connect",
        "record",
        "sms",
        "hangup",
        "hours",
    }


def test_variables_interpolate_bare_and_braced_forms(now: Any = None) -> None:
    from datetime import UTC, datetime

    scope = Scope(
        {"a b": "1", "x": "2"},
        {"u": "3"},
        {"cli.number": "7700"},
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    text = "${flow.key.a b}/$flow.key.x/$user.key.u/$call.cli.number./$sys.date $sys.time/$missing"
    assert scope.interpolate(text) == "1/2/3/7700./2026-01-02 03:04:05/$missing"


def test_json_flows_round_trip_through_json() -> None:
    for path in FLOWS:
        assert parse_flow(json.loads(path.read_text())).name
