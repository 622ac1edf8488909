"""What API Gateway answers itself, for the local run and in-process tests: Chalice's local
gateway raises its own errors (403 for a route that does not exist, echoing the caller's
``Authorization`` header; 401 for a refused authorizer); the deployed API answers those with
the gateway responses of ``infra.gateway_responses``. ``gateway_answer`` turns one into the
other, so the local run and the tests see what the deployed API sends. Never imported by
``chalicelib``.
"""

from __future__ import annotations

import json

from infra.gateway_responses import gateway_responses

_KINDS = {403: "MISSING_AUTHENTICATION_TOKEN", 401: "UNAUTHORIZED"}


def gateway_answer(code: int, body: bytes | None) -> tuple[int, dict[str, str], bytes]:
    """The status, headers and body the deployed API sends for a local gateway error."""
    response = gateway_responses()[
        _KINDS.get(code, "DEFAULT_5XX" if code >= 500 else "DEFAULT_4XX")
    ]
    try:
        message = json.loads(body or b'{"message": ""}').get("message", "")
    except (ValueError, AttributeError):
        message = ""
    text = (
        response["responseTemplates"]["application/json"]
        .replace("$context.error.messageString", json.dumps(message))
        .replace("$context.requestId", "local")
    )
    headers = {
        name.removeprefix("gatewayresponse.header."): value.strip("'")
        for name, value in response["responseParameters"].items()
    }
    return int(response.get("statusCode", code)), headers, text.encode()
