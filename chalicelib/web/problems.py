"""RFC 9457 problem details: the one place REST errors are spelled (problem+json)."""

from __future__ import annotations

import json
from typing import Any

from chalice.app import Response

PROBLEM_TYPE = "application/problem+json"

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def problem(status: int, detail: str, **extensions: Any) -> Response:
    """A problem+json response; ``extensions`` add members such as ``errors``."""
    body = {
        "type": f"https://ringflow.dev/problems/{status}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extensions,
    }
    return Response(
        body=json.dumps(body), status_code=status, headers={"Content-Type": PROBLEM_TYPE}
    )
