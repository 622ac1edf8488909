"""API Gateway's own answers as problem+json: the gateway responses of the deployed API (an
unknown route, a body too large, a throttled client ...), each with the status and detail the
platform promises. ``infra.resources`` puts them into the API's definition and
``infra.local.gateway`` answers the local run's gateway errors with them, so both agree.
Imports the standard library and ``chalicelib.web.problems`` only.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.web.problems import PROBLEM_TYPE, title

GATEWAY_RESPONSES: dict[str, int | None] = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 404,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 404,
    "MISSING_AUTHENTICATION_TOKEN": 404,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
}
"""Every response type API Gateway answers itself, with the status Ringflow gives it: API
Gateway's own, except MISSING_AUTHENTICATION_TOKEN (what API Gateway answers for a route that
does not exist) which becomes 404. The two defaults keep the status of whatever they catch (a
status set on them would replace every other type's), so their problem names no status."""
GATEWAY_DETAILS = {
    "MISSING_AUTHENTICATION_TOKEN": "no such resource",
    "INVALID_SIGNATURE": "no such resource",
    "EXPIRED_TOKEN": "no such resource",
}
"""Fixed details where API Gateway's own message would echo the caller's ``Authorization``
header. No route of the API uses AWS signatures, so API Gateway judges a Bearer header as a
malformed signature only on a route that does not exist (its message then repeats the header):
those answers are a plain 404, as for an unknown route without the header."""
ERROR_MESSAGE = "$context.error.messageString"
"""API Gateway's message, substituted already quoted as a JSON string."""


def gateway_response_body(kind: str, status: int | None) -> str:
    """The problem+json body template of one gateway response type (simple substitution only:
    API Gateway does not run VTL for gateway responses)."""
    problem: dict[str, Any] = {
        "type": f"https://ringflow.dev/problems/{status or kind.lower()}",
        "title": title(status) if status else "Error",
    }
    if status is not None:
        problem["status"] = status
    problem["detail"] = GATEWAY_DETAILS.get(kind, ERROR_MESSAGE)
    problem["request_id"] = "$context.requestId"
    return json.dumps(problem).replace(json.dumps(ERROR_MESSAGE), ERROR_MESSAGE)


def gateway_responses() -> dict[str, Any]:
    """The API's ``x-amazon-apigateway-gateway-responses``.

    They live in the API's definition, not in ``AWS::ApiGateway::GatewayResponse`` resources: a
    gateway response takes effect only when the API is deployed again, and the deployment that
    SAM generates follows the definition (its logical id is a hash of it), never a separate
    resource, so a standalone response could stay undeployed."""
    responses: dict[str, Any] = {}
    for kind, status in GATEWAY_RESPONSES.items():
        body = gateway_response_body(kind, status)
        response: dict[str, Any] = {
            "responseParameters": {"gatewayresponse.header.Content-Type": f"'{PROBLEM_TYPE}'"},
            "responseTemplates": {"application/json": body, PROBLEM_TYPE: body},
        }
        if status is not None:
            response["statusCode"] = str(status)
        responses[kind] = response
    return responses
