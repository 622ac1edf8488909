"""The flow file's JSON Schema (``flows.schema``): GIVEN the registered widgets and the flow
document model, THEN the schema is a valid draft 2020-12 schema, every shipped flow satisfies
it, obvious mistakes (unknown widget, unknown field, wrong type, unknown or missing output) do
not, every field says what it does, a widget registered at run time is in it, and the flow
parser takes (and ignores) the ``$schema`` key that names it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.flows.outcomes import Go, Outcome
from chalicelib.flows.schema import SCHEMA_ID, flow_schema
from chalicelib.flows.widgets import PLATFORM_WIDGETS, WIDGETS
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted((ROOT / "flows").glob("*.json")) + sorted(
    path
    for path in (ROOT / "tests" / "functional" / "calls").glob("*.json")
    if path.name != "numbers.json"
)
SMALL = {
    "id": "small",
    "name": "Small",
    "start": "hello",
    "variables": {"url": "https://x.test"},
    "nodes": {
        "hello": {"widget": "say", "text": "Hello", "next": "bye"},
        "bye": {"widget": "hangup"},
    },
}


def platform() -> dict[str, Widget[Any]]:
    """The platform's widgets (not those another test registered)."""
    return {name: widget for name, widget in WIDGETS.items() if name in PLATFORM_WIDGETS}


def validator() -> Draft202012Validator:
    schema = flow_schema(platform())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(document: dict[str, Any]) -> list[str]:
    return [error.message for error in validator().iter_errors(document)]


def test_the_schema_is_draft_2020_12_and_names_itself() -> None:
    schema = flow_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_flow_satisfies_the_schema(path: Path) -> None:
    # GIVEN a flow the product ships or the functional tests call WHEN checked against the
    # checked-in schema (the platform's widgets and the installed products') THEN it passes
    shipped = json.loads((ROOT / "flows" / "schema" / "flow.schema.json").read_text())
    found = Draft202012Validator(shipped).iter_errors(json.loads(path.read_text()))
    assert [error.message for error in found] == []


def test_the_shipped_flows_name_the_checked_in_schema() -> None:
    for path in sorted((ROOT / "flows").glob("*.json")):
        reference = json.loads(path.read_text())["$schema"]
        assert (path.parent / reference).resolve() == ROOT / "flows/schema/flow.schema.json"


def with_node(**node: Any) -> dict[str, Any]:
    document = copy.deepcopy(SMALL)
    document["nodes"]["hello"] = node
    return document


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(with_node(widget="shout", text="Hi", next="bye"), id="unknown widget"),
        pytest.param(with_node(widget="say", text="Hi", volume=3, next="bye"), id="unknown field"),
        pytest.param(with_node(widget="say", text="Hi", loop="two", next="bye"), id="wrong type"),
        pytest.param(with_node(widget="say", text="Hi", loop=11, next="bye"), id="out of bounds"),
        pytest.param(with_node(widget="say", next="bye"), id="missing field"),
        pytest.param(with_node(widget="say", text="Hi"), id="missing next"),
        pytest.param(with_node(widget="say", text="Hi", next={"done": "bye"}), id="unknown output"),
        pytest.param(
            with_node(widget="input", variable="pin", mode="keys", next="bye"), id="bad mode"
        ),
        pytest.param(
            with_node(widget="condition", rules=[{"left": "a", "op": "is"}], next={}),
            id="bad rule",
        ),
        pytest.param(
            with_node(widget="webhook", url="https://x.test", next={"success": "bye"}),
            id="a required output missing",
        ),
        pytest.param(with_node(widget="menu", options={"1": "bye"}, next="bye"), id="next of menu"),
        pytest.param({**SMALL, "kind": "sideways"}, id="unknown kind"),
        pytest.param({**SMALL, "owner": "me"}, id="unknown top-level key"),
        pytest.param({**SMALL, "language": "xx-XX"}, id="unknown language"),
        pytest.param({**SMALL, "variables": {"$flow.key.x": "1"}}, id="prefixed variable"),
    ],
)
def test_obvious_mistakes_are_refused_by_the_schema_and_by_the_parser(
    document: dict[str, Any],
) -> None:
    # GIVEN a document with one mistake WHEN checked by the schema THEN it fails
    assert errors(document) != []
    # AND the flow parser refuses it too (the schema never forbids what loads)
    with pytest.raises(FlowValidationError):
        parse_flow(document)


@pytest.mark.parametrize(
    "node",
    [
        {"widget": "webhook", "url": "https://x.test", "next": {"0": "bye", "1": "bye"}},
        {"widget": "webhook", "url": "$flow.key.url", "next": {"success": "bye", "1": "bye"}},
        {"widget": "say", "text": "Hi", "next": {"next": "bye"}},
        {"widget": "menu", "options": {"1": "bye"}},
        {
            "widget": "condition",
            "rules": [{"left": "a", "op": "empty"}],
            "next": {"true": "bye", "false": "bye"},
        },
        {"widget": "record", "end_on_key": None, "end_on_silence": None, "next": "bye"},
    ],
    ids=["aliases", "an output and an alias", "next as a map", "menu", "condition", "nulls"],
)
def test_what_loads_satisfies_the_schema(node: dict[str, Any]) -> None:
    document = with_node(**node)
    parse_flow(document)
    assert errors(document) == []


def described(schema: dict[str, Any], where: str) -> list[str]:
    """The fields under ``schema`` (nested models too) that give no description."""
    missing = []
    for name, field in schema.get("properties", {}).items():
        if not field.get("description"):
            missing.append(f"{where}.{name}")
        for branch in [field, *field.get("anyOf", [])]:
            inner = branch.get("items", branch)
            if isinstance(inner, dict) and "properties" in inner and name != "next":
                missing += described(inner, f"{where}.{name}")
    return missing


def test_every_field_of_the_flow_and_of_every_widget_says_what_it_does() -> None:
    schema = flow_schema(platform())
    missing = described(schema, "flow")
    for name, node in schema["$defs"].items():
        if name.startswith("widget."):
            assert node.get("description"), name
            missing += described(node, name)
    assert missing == [], "give these fields a Field(description=...)"


def test_every_output_meaning_names_an_output() -> None:
    for widget in platform().values():
        assert set(widget.config.OUTPUT_MEANINGS) <= widget.config.OUTPUTS, widget.name
        assert set(widget.config.OUTPUT_MEANINGS) >= widget.config.OUTPUTS, widget.name


class ChimeConfig(WidgetConfig):
    """Play a chime."""

    widget: Literal["chime"]
    times: int = 1


def chime(config: ChimeConfig, ctx: Ctx) -> Outcome:
    return Go()


def test_a_widget_registered_at_run_time_is_in_the_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a product's widget added to the registry
    monkeypatch.setitem(WIDGETS, "chime", Widget("chime", ChimeConfig, chime))
    # WHEN the schema is built THEN its nodes may be chimes, with the chime's fields
    schema = flow_schema()
    assert "chime" in schema["$defs"]["node"]["properties"]["widget"]["enum"]
    chime_node = schema["$defs"]["widget.chime"]
    assert chime_node["properties"]["times"]["default"] == 1
    document = with_node(widget="chime", times=2, next="bye")
    assert list(Draft202012Validator(schema).iter_errors(document)) == []


def test_a_flow_may_name_its_schema_and_the_parser_ignores_it() -> None:
    # GIVEN a flow that names its schema WHEN parsed THEN it loads as without it
    named = parse_flow({"$schema": "./schema/flow.schema.json", **SMALL})
    assert named == parse_flow(SMALL)
    # AND the key must be text; other unknown keys are still refused, naming $schema as allowed
    with pytest.raises(FlowValidationError):
        parse_flow({"$schema": 3, **SMALL})
    with pytest.raises(FlowValidationError) as refused:
        parse_flow({"schema": "x", **SMALL})
    assert "$schema" in str(refused.value)
