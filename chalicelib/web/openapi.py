"""The REST API's OpenAPI 3.1 document, built from the operations the routes register and from
the pydantic models that validate their input, with every constraint those models enforce that
JSON Schema can say: path parameter patterns, query parameter ranges, request bodies (for the
flow document: id pattern, name length, language, variable names, node ids and each widget's
options). What it cannot say (a flow's graph: ``start`` names a node, edges land on nodes, every
node is reachable; variable references inside texts) is checked after it, with 422.

Owns ``Operation`` and the ``OPERATIONS`` registry. Imports pydantic, the flow model, the
widget registry and the languages table; must not import Chalice, the store or the routes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from chalicelib.accounts.admin import ACCOUNT_ID_PATTERN, FLOW_ID_PATTERN, NUMBER_PATTERN
from chalicelib.flows.languages import TEXT_TO_SPEECH
from chalicelib.flows.model import DECLARED_NAME, FlowDocument
from chalicelib.flows.widgets import WIDGETS

Auth = Literal["tenant", "operator", "none"]
MAX_NODE_ID = 64
RECORDING_REF_PATTERN = r"^[0-9]{1,9}$"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_HEADER = {
    "description": "seconds to wait before retrying",
    "schema": {"type": "integer", "minimum": 1},
}
PATH_PARAMETERS: Mapping[str, dict[str, Any]] = {
    "flow_id": {"type": "string", "pattern": FLOW_ID_PATTERN},
    "number": {
        "type": "string",
        "pattern": NUMBER_PATTERN,
        "description": "E.164 digits, country code first",
    },
    "account_id": {"type": "string", "pattern": ACCOUNT_ID_PATTERN},
    "ref": {
        "type": "string",
        "pattern": RECORDING_REF_PATTERN,
        "description": "the step of the call that recorded (the last part of its URI)",
    },
}
PATH_EXAMPLES = {"flow_id": "pull-message", "number": "447700900100", "account_id": "acme"}


@dataclass(frozen=True)
class Operation:
    """One documented operation: how it is called, what it takes and what it answers."""

    path: str
    method: Literal["get", "post", "put", "delete"]
    summary: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    auth: Auth = "tenant"
    request_schema: Callable[[], dict[str, Any]] | None = None
    query: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    also: Mapping[int, str] = field(default_factory=dict)
    """Other success statuses and what they mean (``{200: "already held"}``)."""


OPERATIONS: list[Operation] = []


def _tightened(schema: Any) -> Any:
    """``schema`` with pydantic's ``patternProperties`` (a dict whose keys are constrained) said
    as ``propertyNames`` + ``additionalProperties``: pydantic refuses other keys, and
    ``patternProperties`` alone would let them through."""
    if isinstance(schema, list):
        return [_tightened(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _tightened(value) for key, value in schema.items()}
    patterns = result.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in result:
        [(pattern, values)] = patterns.items()
        del result["patternProperties"]
        result["propertyNames"] = {"pattern": pattern}
        result["additionalProperties"] = values
    return result


def _inlined(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its local ``$defs`` references replaced by their definitions."""
    definitions = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        target = node.get("$ref")
        if isinstance(target, str) and target.startswith("#/$defs/"):
            return walk(copy.deepcopy(definitions[target.removeprefix("#/$defs/")]))
        return {key: walk(value) for key, value in node.items() if key != "$defs"}

    inlined: dict[str, Any] = walk(schema)
    return inlined


def flow_document_schema() -> dict[str, Any]:
    """The flow document as far as JSON Schema can say it (see the module docstring)."""
    schema = _inlined(FlowDocument.model_json_schema())
    schema["title"] = "FlowDocument"
    schema["description"] = (
        "A flow (see flows/*.json). Beyond this schema, start (and after_call) must name a node, "
        "every edge must land on a node, every node must be reachable from start or after_call "
        "and variable references must name known variables (a $flow.key name declared under "
        "variables or set by a node); a document that breaks those rules is refused with 422."
    )
    properties = schema["properties"]
    properties["language"]["enum"] = sorted(TEXT_TO_SPEECH)
    properties["variables"]["propertyNames"] = {"pattern": DECLARED_NAME}
    properties["nodes"]["propertyNames"] = {"minLength": 1, "maxLength": MAX_NODE_ID}
    properties["nodes"]["additionalProperties"] = {
        "oneOf": [_inlined(widget.config.model_json_schema()) for widget in WIDGETS.values()]
    }
    tightened: dict[str, Any] = _tightened(schema)
    return tightened


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array"},
    },
}


def openapi_document(operations: list[Operation] | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``operations`` (default: every registered one)."""
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, Any] = {}

    def ref(model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas[name] = _tightened(sub)
        schemas[model.__name__] = _tightened(schema)
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for op in OPERATIONS if operations is None else operations:
        entry: dict[str, Any] = {"summary": op.summary, "responses": {}}
        names = [part[1:-1] for part in op.path.split("/") if part.startswith("{")]
        parameters: list[dict[str, Any]] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": PATH_PARAMETERS.get(name, {"type": "string"}),
            }
            for name in names
        ]
        for parameter in parameters:
            if parameter["name"] in PATH_EXAMPLES:
                parameter["example"] = PATH_EXAMPLES[parameter["name"]]
        parameters += [
            {"name": name, "in": "query", "required": False, "schema": schema}
            for name, schema in op.query.items()
        ]
        if parameters:
            entry["parameters"] = parameters
        if op.request_schema is not None:
            schema = op.request_schema()
            schemas[schema["title"]] = schema
            body: dict[str, Any] = {"$ref": f"#/components/schemas/{schema['title']}"}
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": body}},
            }
        elif op.request is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(op.request)}},
            }
        answer: dict[str, Any] = {"type": "object"}
        if op.response is not None:
            answer = {"type": "array", "items": ref(op.response)} if op.many else ref(op.response)
        if op.status == 204:
            entry["responses"]["204"] = {"description": "Done"}
        elif op.status in REDIRECTS:
            entry["responses"][str(op.status)] = {
                "description": "Found elsewhere: fetch the Location URL",
                "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
            }
        else:
            entry["responses"][str(op.status)] = {
                "description": "OK",
                "content": {"application/json": {"schema": answer}},
            }
        for status, meaning in op.also.items():
            entry["responses"][str(status)] = {
                "description": meaning,
                "content": {"application/json": {"schema": answer}},
            }
        if op.auth != "none":
            entry["responses"]["503"] = {
                "description": "The store is unavailable; retry after Retry-After seconds",
                "headers": {"Retry-After": RETRY_HEADER},
                "content": problem,
            }
            entry["security"] = [{"operatorKey" if op.auth == "operator" else "apiKey": []}]
        entry["responses"]["default"] = {"description": "A problem", "content": problem}
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ringflow API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "description": "an account's key"},
                "operatorKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the operator key (RINGFLOW_OPERATOR_KEY_HASH holds its hash)",
                },
            },
        },
    }
