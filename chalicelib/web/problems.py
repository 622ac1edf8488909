"""RFC 9457 problem details: the one place REST errors are spelled (problem+json).

Owns the problem body, the mapping of error classes to statuses (by walking an error's MRO, so a
subclass maps like its nearest mapped base: the powertools event handler's way) and the
rewriting of error answers that Chalice builds itself (405, 415, 400 on bad JSON, 500) into
problems. The neutral errors of ``chalicelib.errors`` are mapped here; a product whose error
needs another status registers its class with ``register_error``. Imports Chalice's
``Response``, ``chalicelib.errors`` and the standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from chalice.app import Response

from chalicelib import errors

PROBLEM_TYPE = "application/problem+json"
VOICE_PREFIX = "/vonage/"
"""Paths of the carrier's webhooks: they keep their own contract (NCCO, 401 on a bad signature)."""
SERVER_ERROR_DETAIL = "the request failed; it has been logged"
_KEPT_HEADERS = ("allow", "retry-after", "access-control-")

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def title(status: int) -> str:
    """The problem title of a status."""
    if status in _TITLES:
        return _TITLES[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int, detail: str, *, headers: Mapping[str, str] | None = None, **extensions: Any
) -> Response:
    """A problem+json response; ``extensions`` add members such as ``errors``."""
    body = {
        "type": f"https://ringflow.dev/problems/{status}",
        "title": title(status),
        "status": status,
        "detail": detail,
        **extensions,
    }
    return Response(
        body=json.dumps(body),
        status_code=status,
        headers={**(headers or {}), "Content-Type": PROBLEM_TYPE},
    )


ERROR_STATUSES: dict[type[BaseException], int] = {
    errors.NotFoundError: 404,
    errors.AlreadyExistsError: 409,
    errors.ConflictError: 409,
    errors.TooLargeError: 413,
    errors.RefusedError: 403,
    errors.RateLimitedError: 429,
    errors.ValidationError: 422,
    errors.UpstreamError: 502,
    errors.UnavailableError: 503,
    errors.OutcomeUnknownError: 504,
}
"""The status of each error class a route may let through (its nearest mapped class wins)."""

RETRY_AFTER_SECONDS = 2
UNAVAILABLE_DETAIL = "a service the platform depends on is unavailable; retry later"


def register_error(cls: type[BaseException], status: int) -> None:
    """Map a product's error class to a status (at composition). A class already mapped to
    another status cannot be remapped: ``ValueError``."""
    known = ERROR_STATUSES.get(cls)
    if known is not None and known != status:
        raise ValueError(f"{cls.__name__} already maps to {known}")
    ERROR_STATUSES[cls] = status


def status_for(
    error: BaseException, table: Mapping[type[BaseException], int] = ERROR_STATUSES
) -> int | None:
    """The status of ``error``'s nearest class (itself, then its bases) in ``table``."""
    for cls in type(error).__mro__:
        if cls in table:
            return table[cls]
    return None


def error_problem(error: BaseException) -> Response | None:
    """The problem for an error whose class is mapped, or None (the caller logs it and answers
    500). ``problems`` of the error become the ``errors`` member. A 503 asks to retry
    (``Retry-After``); an ``internal`` error's message is never shown, only its kind."""
    status = status_for(error)
    if status is None:
        return None
    shown = UNAVAILABLE_DETAIL if getattr(error, "internal", False) else str(error)
    if status == 503:
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return problem(status, shown, headers=retry)
    if status >= 500:
        return problem(status, shown)
    if isinstance(error, errors.RateLimitedError):
        return problem(status, shown, headers={"Retry-After": str(error.retry_after)})
    listed = getattr(error, "problems", None)
    if listed:
        return problem(status, str(error), errors=listed)
    return problem(status, str(error))


def _header(response: Response, name: str) -> str:
    for key, value in response.headers.items():
        if key.lower() == name:
            return str(value)
    return ""


def _detail(response: Response) -> str:
    """What Chalice said about the error (``{"Code": ..., "Message": ...}``), if anything."""
    body: Any = response.body
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except ValueError:
            return ""
    if isinstance(body, dict):
        for key in ("Message", "message", "detail"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return ""


def as_problem(path: str, response: Response) -> Response:
    """``response`` as a problem if it is an error of a REST path that is not one already.

    Chalice answers some requests itself (405 unknown method, 415 unsupported media type, 400
    bad JSON, 500 unhandled error) with plain JSON; this keeps their status and their ``Allow``,
    ``Retry-After`` and CORS headers and tells what Chalice said, except for a 5xx, whose detail
    stays generic. Voice and SMS webhooks (``/vonage/...``) are left as they are.
    """
    status = response.status_code
    if status < 400 or path.startswith(VOICE_PREFIX):
        return response
    if _header(response, "content-type").split(";")[0].strip().lower() == PROBLEM_TYPE:
        return response
    kept = {
        key: str(value)
        for key, value in response.headers.items()
        if key.lower().startswith(_KEPT_HEADERS)
    }
    detail = SERVER_ERROR_DETAIL if status >= 500 else (_detail(response) or title(status))
    return problem(status, detail, headers=kept)
