"""The seed's webservice trigger of outbound multicast flows, on the ``campaigns`` blueprint:
``POST /outbound/create`` with the body exactly as the seed shows it (``api-version``,
``security-id``, ``flow-id``, ``calls[]``).

No API key: the flow's security id authenticates the request, and the client's source address
must be on the account's IP whitelist (403 otherwise; the same answer for a wrong security id
and an unknown flow). A body that is not JSON is a 400 problem that says where it broke (the
seed's own example lacks a comma after ``start-time``); a flow whose listener is off or whose
DIDs changed since it was activated is a 409; otherwise 200 with every call accepted (with its
id) or rejected (with its reason). A resend with the same client identifiers calls nobody twice.
Imports Chalice, the web helpers, the wiring and the campaigns' service; never the store.
"""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

from chalicelib.campaigns.routes import campaigns
from chalicelib.campaigns.service import Campaigns
from chalicelib.web.openapi import Operation
from chalicelib.web.problems import problem
from chalicelib.web.rest import Refused, current_request, guarded, json_response, operation
from chalicelib.wiring import container

MAX_BODY_BYTES = 2 * 1024 * 1024
"""The largest body read (1,000 calls of ten numbers and a few keys fit well within)."""


def request_schema() -> dict[str, Any]:
    """The trigger's body as OpenAPI shows it (the dialer's trigger takes the same)."""
    key = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "example": "$flow.key.name"},
            "value": {"type": "string"},
        },
        "required": ["name"],
    }
    call = {
        "type": "object",
        "properties": {
            "client-identifier": {"type": "string", "maxLength": 128},
            "start-time": {"type": "string", "example": "2026-12-24T09:30:00+01:00"},
            "contact-numbers": {
                "type": "array",
                "items": {"type": "string", "example": "447700900001"},
                "minItems": 1,
                "maxItems": 10,
            },
            "keys": {"type": "array", "items": key},
        },
        "required": ["client-identifier", "contact-numbers"],
    }
    return {
        "title": "OutboundCreateRequest",
        "description": "The seed's body: the flow's security id and flow id, and the calls.",
        "type": "object",
        "properties": {
            "api-version": {"type": "string", "enum": ["1.0"]},
            "security-id": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "flow-id": {"type": "string", "minLength": 1, "pattern": r"\S"},
            "calls": {"type": "array", "items": call, "minItems": 1, "maxItems": 1000},
        },
        "required": ["security-id", "flow-id", "calls"],
    }


def _campaigns() -> Campaigns:
    return container().services("campaigns").campaigns  # type: ignore[no-any-return]


def json_body() -> Any:
    """The body as JSON, or a 400 problem saying where it is not."""
    raw = current_request().raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BODY_BYTES:
        raise Refused(problem(413, f"the body is over {MAX_BODY_BYTES} bytes"))
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refused(problem(400, "the body is not UTF-8 text")) from None
    except json.JSONDecodeError as error:
        hint = ""
        if "delimiter" in error.msg:
            hint = " (is a comma missing at the end of the line before?)"
        raise Refused(
            problem(
                400,
                f"the body is not JSON: {error.msg} at line {error.lineno} column"
                f" {error.colno}{hint}",
            )
        ) from None


def source_ip() -> str:
    """The client's address, as API Gateway saw it."""
    identity = (current_request().context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "")


@operation(
    campaigns,
    Operation(
        "/outbound/create",
        "post",
        "Trigger an outbound multicast flow (the seed's webservice body)",
        auth="none",
        request_schema=request_schema,
    ),
)
@guarded
def create_outbound() -> Response:
    """Every call of the body accepted (with its id) or rejected (with its reason)."""
    body = json_body()
    return json_response(_campaigns().create_from_rest(body, source_ip()))
