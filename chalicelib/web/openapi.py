"""The REST API's OpenAPI 3.1 document, built from the operations the routes register and from
the pydantic models that validate their input, with every constraint those models enforce that
JSON Schema can say: path parameter patterns, query parameter ranges, request bodies (for the
flow document: id pattern, name length, language, variable names, node ids and each widget's
options). What it cannot say (a flow's graph: ``start`` names a node, edges land on nodes, every
node is reachable; variable references inside texts) is checked after it, with 422.

Owns ``Operation`` and the ``OPERATIONS`` registry. Imports pydantic and the flow file's schema
(``flows.schema``, built from the flow model and the widget registry); must not import Chalice,
the store or the routes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from chalicelib.accounts.admin import ACCOUNT_ID_PATTERN, FLOW_ID_PATTERN, NUMBER_PATTERN
from chalicelib.flows.schema import flow_schema, inlined, tightened

Auth = Literal["tenant", "operator", "none"]
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
    method: Literal["get", "post", "put", "patch", "delete"]
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
    media: str = "application/json"
    """The media type of a successful answer."""
    request_media: str = "application/json"
    """The media type of the request body (``text/csv`` bodies are documented as a string)."""
    form_too: bool = False
    """The JSON request model is also taken as an HTML form (``x-www-form-urlencoded``)."""
    text_media: tuple[str, ...] = ()
    request_required: bool = True
    """Whether the request model's body must be sent (``False``: the route takes none too)."""
    """Media types the request body may have besides the JSON model's (``text/csv``: a list
    sent as text), each documented as a string."""
    path_parameters: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    """Schemas of path parameters the platform does not know (a product's ids)."""
    required_query: tuple[str, ...] = ()
    """The query parameters the operation cannot do without."""


OPERATIONS: list[Operation] = []
FORM_MEDIA = "application/x-www-form-urlencoded"


def flow_document_schema() -> dict[str, Any]:
    """The flow document as far as JSON Schema can say it: the flow file's schema
    (``flows.schema``), self-contained for the OpenAPI document."""
    schema = inlined(flow_schema())
    del schema["$schema"], schema["$id"]
    schema["title"] = "FlowDocument"
    return schema


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
            schemas[name] = tightened(sub)
        schemas[model.__name__] = tightened(schema)
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
                "schema": op.path_parameters.get(
                    name, PATH_PARAMETERS.get(name, {"type": "string"})
                ),
            }
            for name in names
        ]
        for parameter in parameters:
            if parameter["name"] in PATH_EXAMPLES:
                parameter["example"] = PATH_EXAMPLES[parameter["name"]]
        parameters += [
            {"name": name, "in": "query", "required": name in op.required_query, "schema": schema}
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
        elif op.request_media != "application/json":
            entry["requestBody"] = {
                "required": True,
                "content": {op.request_media: {"schema": {"type": "string"}}},
            }
        elif op.request is not None:
            content = {"application/json": {"schema": ref(op.request)}}
            if op.form_too:
                content[FORM_MEDIA] = {"schema": ref(op.request)}
            for media in op.text_media:
                content[media] = {"schema": {"type": "string"}}
            entry["requestBody"] = {"required": op.request_required, "content": content}
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
                "content": {op.media: {"schema": answer}},
            }
        for status, meaning in op.also.items():
            entry["responses"][str(status)] = {
                "description": meaning,
                "content": {op.media: {"schema": answer}},
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
