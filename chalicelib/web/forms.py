"""The parameters of a public request that a browser form or a script may send: an HTML form
(``application/x-www-form-urlencoded``: each value a list, as ``parse_qs`` gives it) or a JSON
object. Imports the web helpers, the neutral errors and the standard library.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from chalicelib.errors import ValidationError
from chalicelib.web.openapi import FORM_MEDIA
from chalicelib.web.rest import current_request


def form_fields(max_body: int, max_fields: int = 20) -> dict[str, Any]:
    """The request's parameters, from JSON or an HTML form; ``ValidationError`` (422) if the
    body is neither, or larger than ``max_body`` bytes."""
    request = current_request()
    body_seen = request.raw_body or b""
    raw = body_seen.encode("utf-8") if isinstance(body_seen, str) else body_seen
    if len(raw) > max_body:
        raise ValidationError(f"the request is larger than {max_body} bytes")
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media == FORM_MEDIA:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError("the form is not UTF-8") from None
        try:
            parsed = parse_qs(text, keep_blank_values=True, max_num_fields=max_fields)
        except ValueError:
            raise ValidationError("the form has too many fields") from None
        return dict(parsed)
    try:
        data = json.loads(raw or b"null")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ValidationError("the body is a JSON object or an HTML form")
    return data


def client_ip() -> str:
    """The caller's address as API Gateway saw it."""
    identity = (current_request().context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "")
