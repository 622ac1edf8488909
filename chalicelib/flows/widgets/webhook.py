"""The webhook widget: call an HTTP API (method, URL, headers, JSON body, timeout, all templated),
then follow line 0 (``success``, 2xx) or line 1 (``failure``) with the seed's response variables:
``response_status``, ``response_status_code``, ``response_status_type``, ``response_duration``,
``response_raw``, ``response_error``, ``error_reason``; chosen JSON fields of the response are
copied into flow variables. The request itself is made by the shell (``Fetch``).

Sizes (``flows.limits``): ``response_raw`` holds the body truncated to ``MAX_VALUE_BYTES``
(fields are read from the whole body first). A field to ``save`` that is bigger than that is
not stored (its variable is emptied) and the call follows line 1 with ``error_reason``
``VALUE_TOO_LARGE``, even on a 2xx. A URL, header or body text whose template passes the limit
raises ``VariableLimitError`` (the call gets the fallback). Imports no I/O."""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Literal, Mapping

from pydantic import Field, field_validator

from chalicelib.flows.limits import MAX_VALUE_BYTES, size, truncate
from chalicelib.flows.outcomes import (
    Fetch,
    Go,
    HttpRequest,
    HttpResponded,
    HttpResult,
    Outcome,
    Updates,
)
from chalicelib.flows.variables import VariableRef, parse_name
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget, WidgetConfig


class WebhookConfig(WidgetConfig):
    """Call an HTTP API and go on by line 0 (``success``, a 2xx) or line 1 (``failure``),
    with the response variables set (``response_status_code``, ``response_raw``, ``error_reason``
    ...); ``save`` copies fields of a JSON answer into flow variables."""

    widget: Literal["webhook"]
    AFTER_CALL: ClassVar[bool] = True
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = Field(
        default="GET", description="The HTTP method."
    )
    url: str = Field(
        pattern=r"^(https?://|\$)",
        description="The http(s) URL to call (variables filled in).",
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Request headers (values: variables filled in)."
    )
    body: Any = Field(
        default=None,
        description="A JSON body to send (variables filled in inside its texts); null: none.",
    )
    timeout: float = Field(
        default=3.0,
        gt=0,
        le=10,
        description="Seconds to wait for the answer before `failure` (never past the voice "
        "webhook's own deadline).",
    )
    save: dict[str, str] = Field(
        default_factory=dict,
        description="Each `$flow.key` variable to fill from the JSON answer and the path of its "
        "value there (`data.items[0].name`).",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"success", "failure"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"success", "failure"})
    ALIASES: ClassVar[dict[str, str]] = {"0": "success", "1": "failure"}
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "success": "Line 0: the answer was a 2xx (and every `save` value fitted).",
        "failure": "Line 1: any other answer, no answer, or an error (see `error_reason`).",
    }
    WAITS: ClassVar[bool] = False  # the shell makes the request within the step: a webhook
    # loop would hit the server once per hop, so it counts as not waiting

    @field_validator("save")
    @classmethod
    def _targets(cls, save: dict[str, str]) -> dict[str, str]:
        out = {}
        for name, path in save.items():
            ref = parse_name(name if name.startswith("$") else "$flow.key." + name)
            if ref.namespace != "flow.key":
                raise ValueError(f"{name}: response fields are saved into $flow.key variables")
            out[ref.name] = path
        return out

    def assigns(self) -> frozenset[VariableRef]:
        """The response variables (``response_status`` ...) and every name of ``save``."""
        names = (*RESPONSE_VARIABLES, *self.save)
        return frozenset(VariableRef("flow.key", name) for name in names)


def _template(value: Any, ctx: Ctx) -> Any:
    if isinstance(value, str):
        return ctx.text(value)
    if isinstance(value, list):
        return [_template(item, ctx) for item in value]
    if isinstance(value, dict):
        return {key: _template(item, ctx) for key, item in value.items()}
    return value


def enter(config: WebhookConfig, ctx: Ctx) -> Outcome:
    """Ask the shell to make the request."""
    headers = {name: ctx.text(value) for name, value in config.headers.items()}
    body = None
    if config.body is not None:
        body = json.dumps(_template(config.body, ctx))
        headers.setdefault("Content-Type", "application/json")
    timeout = min(config.timeout, ctx.env.webhook_max_timeout)
    return Fetch(HttpRequest(config.method, ctx.text(config.url), headers, body, timeout))


RESPONSE_VARIABLES = (
    "response_status",
    "response_status_code",
    "response_duration",
    "response_raw",
    "response_error",
    "response_status_type",
    "error_reason",
)
"""The ``$flow.key`` variables every webhook node sets, as the seed names them."""
_TYPES = {1: "Informational", 2: "Success", 3: "Redirection", 4: "Client Error", 5: "Server Error"}
_REASONS = {3: "REDIRECTION", 4: "CLIENT_ERROR", 5: "SERVER_ERROR"}
_ERRORS = {
    "TIMEOUT": "Timeout",
    "CONNECTION_ERROR": "Connection Error",
    "INVALID_URL": "Invalid URL",
    "BLOCKED_ADDRESS": "Blocked Address",
    "VALUE_TOO_LARGE": "Value Too Large",
    "NOT_JSON": "Invalid Response",
}
"""Every ``error_reason`` that is not an HTTP status family (``REDIRECTION``, ``CLIENT_ERROR``,
``SERVER_ERROR``, ``UNEXPECTED_STATUS``), with its ``response_status_type``: no answer in time,
no connection, a URL that is not one, an address a flow may not reach, a value to save past its
size limit, and a 2xx whose body is not the JSON the node saves from."""


def extract(document: Any, path: str) -> str | None:
    """The value at ``path`` (``a.b[0].c`` or ``a.b.0.c``) as text, or None."""
    current = document
    for part in re.findall(r"[^.\[\]]+", path):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    if current is None:
        return None
    if isinstance(current, bool):
        return "true" if current else "false"
    if isinstance(current, (dict, list)):
        return json.dumps(current)
    return str(current)


def response_variables(result: HttpResult) -> tuple[bool, dict[str, str]]:
    """Whether the call succeeded, and the seed's response variables for it."""
    code = result.status_code
    ok = result.error is None and code is not None and 200 <= code < 300
    values = {
        "response_status": "SUCCESS" if ok else "FAILED",
        "response_status_code": str(code) if code is not None else "",
        "response_duration": f"{result.duration:.2f}",
        "response_raw": truncate(result.body) if result.body else "null",
        "response_error": "false" if ok else "true",
        "response_status_type": "",
        "error_reason": "",
    }
    if not ok:
        if result.error is not None:
            values["response_status_type"] = _ERRORS.get(result.error, "Error")
            values["error_reason"] = result.error
        else:
            family = (code or 0) // 100
            values["response_status_type"] = _TYPES.get(family, "Unknown")
            values["error_reason"] = _REASONS.get(family, "UNEXPECTED_STATUS")
    return ok, values


def resume(config: WebhookConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Follow line 0 or 1 with the response variables set."""
    if not isinstance(event, HttpResponded):
        return Go("failure")
    ok, values = response_variables(event.result)
    if ok and config.save:
        try:
            document = json.loads(event.result.body)
        except ValueError:  # an empty body too: the node saves from a JSON document
            values.update({name: "" for name in config.save})
            values.update(
                response_status="FAILED",
                response_error="true",
                response_status_type=_ERRORS["NOT_JSON"],
                error_reason="NOT_JSON",
            )
            return Go("failure", updates=Updates(flow=values, call={"lastWebhookStatus": "false"}))
        too_large = False
        for name, path in config.save.items():
            found = extract(document, path) or ""
            if len(found) > MAX_VALUE_BYTES or size(found) > MAX_VALUE_BYTES:
                too_large, found = True, ""
            values[name] = found
        if too_large:
            ok = False
            values.update(
                response_status="FAILED",
                response_error="true",
                response_status_type=_ERRORS["VALUE_TOO_LARGE"],
                error_reason="VALUE_TOO_LARGE",
            )
    call = {"lastWebhookStatus": "true" if ok else "false"}
    return Go("success" if ok else "failure", updates=Updates(flow=values, call=call))


WIDGET = Widget("webhook", WebhookConfig, enter, resume)
