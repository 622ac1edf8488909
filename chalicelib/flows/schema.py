"""The JSON Schema (draft 2020-12) of a flow file, built from the flow document model and the
registered widgets, so that an editor checks a flow as it is typed and the REST API, the
checked-in ``flows/schema/flow.schema.json`` and the README's widget reference say the same thing.

Each widget is a ``$defs`` entry (``widget.<name>``) made from its configuration model: every
field with its type, default, allowed values, bounds and description, no field the model does not
take, and ``next`` holding exactly the widget's outputs (``OUTPUTS``, their ``ALIASES``, the
``REQUIRED`` ones required). A node is one of them, chosen by ``widget``. What JSON Schema cannot
say (``start`` names a node, edges land on nodes, every node is reachable, variables named in
texts exist, a widget's cross-field rules) the flow parser still checks (``flows.model``).

Owns ``flow_schema``, ``SCHEMA_ID`` and the helpers that turn pydantic's schemas into plain ones
(``inlined``, ``tightened``). Imports pydantic's output only through the flow model and the
widget registry, plus the languages table; must not import the web layer, the store or the shell.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from chalicelib.flows.languages import TEXT_TO_SPEECH
from chalicelib.flows.model import DECLARED_NAME, FlowDocument
from chalicelib.flows.widgets import WIDGETS
from chalicelib.flows.widgets.base import Widget

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://ringflow.dev/schemas/flow.schema.json"
MAX_NODE_ID = 64

DESCRIPTION = (
    "A Ringflow flow: its nodes are widgets, joined by their outputs. Beyond this schema, start "
    "(and after_call) must name a node, every edge must land on a node, every node must be "
    "reachable from start or after_call, and variable references must name known variables (a "
    "$flow.key name declared under variables or set by a node); a document that breaks those "
    "rules is refused with every problem named."
)

DOCUMENT_WORDS: Mapping[str, str] = {
    "id": "The flow's id: 1 to 63 lowercase letters, digits, '_' or '-', starting with a letter "
    "or a digit. Loading a flow with the same id adds a version.",
    "name": "The flow's name, for people.",
    "description": "What the flow does, for people.",
    "kind": "Who starts its calls: `inbound` (a caller rings a number attached to it) or "
    "`outbound` (a call the platform places, as `POST /v1/calls` asks).",
    "language": "The text-to-speech language its nodes speak unless they say otherwise.",
    "timezone": "The IANA time zone of `$sys.datetime`, `$sys.date`, `$sys.time` and of the "
    "`hours` widget. Left out, the flow takes its account's time zone when it is loaded (UTC "
    "unless the account sets one).",
    "start": "The id of the node a call starts at.",
    "variables": "The `$flow.key` variables every call starts with (bare names, which may hold "
    "special characters: `first.name`, `a@b`) and their values.",
    "nodes": "The flow's nodes by id (1 to 64 characters); each is one widget.",
}
"""Words for the flow document's fields whose model gives none (the model's own win)."""

_NOT_SCHEMAS = frozenset({"default", "const", "enum", "examples"})
_MAPS_OF_SCHEMAS = frozenset({"properties", "$defs", "patternProperties"})


def inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``$defs`` references replaced by their definitions (what the
    referring schema says beside its ``$ref``, such as a default, kept)."""
    definitions = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#/$defs/"):
            found = walk(copy.deepcopy(definitions[target.removeprefix("#/$defs/")]))
            beside = {key: walk(value) for key, value in node.items() if key != "$ref"}
            return {**found, **beside}  # the field's own words and default win
        return {key: walk(value) for key, value in node.items() if key != "$defs"}

    result: dict[str, Any] = walk(schema)
    return result


def tightened(schema: Any) -> Any:
    """``schema`` with pydantic's ``patternProperties`` (a dict whose keys are constrained) said
    as ``propertyNames`` + ``additionalProperties``: pydantic refuses other keys, and
    ``patternProperties`` alone would let them through."""
    if isinstance(schema, list):
        return [tightened(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: tightened(value) for key, value in schema.items()}
    patterns = result.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in result:
        [(pattern, values)] = patterns.items()
        del result["patternProperties"]
        result["propertyNames"] = {"pattern": pattern}
        result["additionalProperties"] = values
    return result


def words(text: str) -> str:
    """A docstring or description as one line of prose (reST ``code`` as Markdown `code`)."""
    return re.sub(r"``(.+?)``", r"`\1`", " ".join(text.split()))


def _plain(node: Any, maps: bool = False) -> Any:
    """``node`` without pydantic's generated titles, its descriptions in ``words``."""
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if not isinstance(node, dict):
        return node
    if maps:
        return {name: _plain(sub) for name, sub in node.items()}
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "description" and isinstance(value, str):
            result[key] = words(value)
        elif key in _NOT_SCHEMAS:
            result[key] = value
        else:
            result[key] = _plain(value, maps=key in _MAPS_OF_SCHEMAS)
    return result


def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s schema, self-contained and plain, with the defaults that factories make."""
    schema: dict[str, Any] = _plain(tightened(inlined(model.model_json_schema())))
    for name, field in model.model_fields.items():
        entry = schema["properties"].get(field.alias or name)
        if entry is not None and field.default_factory is not None and "default" not in entry:
            default = field.get_default(call_default_factory=True, validated_data={})
            if isinstance(default, (dict, list)) and not default:
                entry["default"] = default
    return schema


def _edges(widget: Widget[Any]) -> dict[str, Any]:
    """The ``next`` of ``widget``'s nodes: its outputs and aliases, the required ones present
    (an output may be given by its alias)."""
    config = widget.config
    meanings = config.OUTPUT_MEANINGS
    names: dict[str, dict[str, Any]] = {}
    for output in sorted(config.OUTPUTS):
        meaning = meanings.get(output, f"Where the call goes on `{output}`.")
        names[output] = {"type": "string", "description": meaning}
    for alias, output in sorted(config.ALIASES.items()):
        names[alias] = {"type": "string", "description": f"`{output}` by another name."}
    required: list[str] = []
    either: list[dict[str, Any]] = []
    for output in sorted(config.REQUIRED):
        spellings = [output, *sorted(a for a, o in config.ALIASES.items() if o == output)]
        if len(spellings) == 1:
            required.append(output)
        else:
            either.append({"anyOf": [{"required": [name]} for name in spellings]})
    outputs: dict[str, Any] = {
        "type": "object",
        "properties": names,
        "additionalProperties": False,
    }
    if required:
        outputs["required"] = required
    if either:
        outputs["allOf"] = either
    forms: list[dict[str, Any]] = [outputs]
    if "next" in config.OUTPUTS and config.REQUIRED.issubset({"next"}):
        forms.insert(0, {"type": "string", "description": "The node `next` leads to."})
    if not config.REQUIRED:
        forms.append({"type": "null"})
    listed = ", ".join(f"`{name}`" for name in sorted(config.OUTPUTS)) or "none"
    return {
        "description": f"Where the call goes next, by output (outputs: {listed}).",
        "anyOf": forms,
    }


def widget_schema(widget: Widget[Any]) -> dict[str, Any]:
    """The schema of one node of ``widget``."""
    schema = _model_schema(widget.config)
    schema["title"] = widget.name
    schema["description"] = words(widget.config.__doc__ or widget.name)
    properties = schema["properties"]
    properties["widget"] = {"const": widget.name, "description": f"This node is a {widget.name}."}
    properties["next"] = _edges(widget)
    if widget.config.REQUIRED:
        schema["required"] = [*schema.get("required", []), "next"]
    return schema


def _document() -> dict[str, Any]:
    schema = _model_schema(FlowDocument)
    properties = schema["properties"]
    for name, field in FlowDocument.model_fields.items():
        text = DOCUMENT_WORDS.get(name)
        if field.description is None and text is not None and name in properties:
            properties[name]["description"] = text
    properties["language"]["enum"] = sorted(TEXT_TO_SPEECH)
    properties["variables"]["propertyNames"] = {"pattern": DECLARED_NAME}
    properties["nodes"]["propertyNames"] = {"minLength": 1, "maxLength": MAX_NODE_ID}
    properties["nodes"]["additionalProperties"] = {"$ref": "#/$defs/node"}
    return schema


def flow_schema(widgets: Mapping[str, Widget[Any]] | None = None) -> dict[str, Any]:
    """The JSON Schema of a flow file whose nodes are ``widgets`` (default: every registered
    widget, the products' too), read from the models now: a field added to the flow document
    or to a widget is in it at once."""
    chosen = WIDGETS if widgets is None else widgets
    node = {
        "description": "A node: the widget it is, that widget's fields and where it goes next.",
        "type": "object",
        "required": ["widget"],
        "properties": {
            "widget": {"enum": list(chosen), "description": "Which widget this node is."}
        },
        "oneOf": [{"$ref": f"#/$defs/widget.{name}"} for name in chosen],
    }
    definitions: dict[str, Any] = {"node": node}
    definitions.update({f"widget.{name}": widget_schema(w) for name, w in chosen.items()})
    schema: dict[str, Any] = {"$schema": DRAFT, "$id": SCHEMA_ID, "title": "", "description": ""}
    schema.update(_document())
    schema.update(title="Ringflow flow", description=DESCRIPTION, **{"$defs": definitions})
    return schema


__all__ = ["DOCUMENT_WORDS", "SCHEMA_ID", "flow_schema", "inlined", "tightened", "widget_schema"]
