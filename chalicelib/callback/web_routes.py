"""The web callback's public routes, on the ``callback`` blueprint: the requests of the three
modes and their built-in sample forms.

Public (no key; guarded by ``callback.web``'s abuse guard):
``POST /v1/web-callbacks/{service}/simple|extended|hosted`` takes the mode's parameters as JSON
or as an HTML form (``account``, ``password``, ``phone``, ``destination``, ``language``) and
answers 202 with the request's id, or a problem (422 a field, 403 wrong account or password or a
number the service does not call, 404 no such service or mode, 429 too many requests, with
``Retry-After``). A form posted by a browser that asks for HTML gets a small page instead of
JSON, with the same status. Browsers may post from the service's own sample form and from the
origins the service lists (CORS: ``Access-Control-Allow-Origin`` echoes an allowed origin, a
preflight ``OPTIONS`` is answered); a browser post from any other origin is refused 403.
``GET /v1/web-callbacks/{service}/{mode}/form`` is the mode's sample form, to be copied into a
customer's site (the parameter names must stay as they are).

The operator's configuration of services is ``callback.web_admin_routes``. Imports Chalice,
pydantic, ``web.rest``, ``web.openapi``, ``web.problems``, ``web.schemas``, the wiring and the
callback modules; must not import pynamodb, the store or a core route module.
"""

from __future__ import annotations

import html
import json
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.callback import catalogue
from chalicelib.callback.routes import callback
from chalicelib.callback.web import (
    FIELDS,
    MAX_FIELD,
    SERVICE_ID_PATTERN,
    Accepted,
    WebCallbacks,
    WebMode,
    WebService,
)
from chalicelib.web.forms import client_ip, form_fields
from chalicelib.web.openapi import FORM_MEDIA, Operation
from chalicelib.web.problems import PROBLEM_TYPE, problem
from chalicelib.web.rest import (
    current_request,
    guarded,
    json_response,
    operation,
    preflight_route,
)
from chalicelib.wiring import container

PUBLIC_PATH = "/v1/web-callbacks/{service}"
SERVICE_PARAMETER = {"service": {"type": "string", "pattern": SERVICE_ID_PATTERN}}
MAX_BODY = 4096
PREFLIGHT_SECONDS = 600


def _web() -> WebCallbacks:
    service: WebCallbacks = container().services("callback").web
    return service


# -- the public requests ----------------------------------------------------------------------
class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str | None = Field(
        default=None, description="the language the call speaks (default: the account's)"
    )


class SimpleRequest(_Request):
    """Simple: call me on ``phone`` and connect me to the service's number, on my account."""

    account: str = Field(max_length=MAX_FIELD, description="the callback account id (PIN)")
    phone: str = Field(max_length=MAX_FIELD, description="your number, international (+44...)")


class ExtendedRequest(_Request):
    """Extended: call me on ``phone`` and connect me to ``destination``, on my account."""

    account: str = Field(max_length=MAX_FIELD, description="the callback account id (PIN)")
    password: str = Field(max_length=MAX_FIELD, description="the account's service password")
    phone: str = Field(max_length=MAX_FIELD, description="your number, international (+44...)")
    destination: str = Field(max_length=MAX_FIELD, description="the number to reach (+33...)")


class HostedRequest(_Request):
    """Hosted: call me on ``phone`` and connect me to the service's number, at its expense."""

    phone: str = Field(max_length=MAX_FIELD, description="your number, international (+44...)")


class AcceptedView(BaseModel):
    """A callback accepted: the user's phone rings shortly."""

    request_id: str
    status: str = Field(description="accepted")
    mode: WebMode
    phone: str = Field(description="the number called back (E.164 digits)")
    repeated: bool = Field(
        description="true: the same request was made moments ago; no second call"
    )


REQUESTS: dict[WebMode, type[_Request]] = {
    WebMode.SIMPLE: SimpleRequest,
    WebMode.EXTENDED: ExtendedRequest,
    WebMode.HOSTED: HostedRequest,
}


def _form() -> dict[str, Any]:
    """The request's parameters, from JSON or an HTML form; 422 if the body is neither."""
    return form_fields(MAX_BODY)


def _origin_allowed(service: WebService | None) -> str | None:
    """The request's ``Origin`` if a browser may post from it (None: no browser origin, or
    one that is refused: ``_refused_origin`` tells which)."""
    origin = str(current_request().headers.get("origin") or "")
    if not origin:
        return None
    if origin == _own_origin() or (service is not None and origin in service.origins):
        return origin
    return None


def _refused_origin(service: WebService | None) -> bool:
    """A browser post from a page that is neither the service's sample form nor one of its
    origins (an opaque ``null`` origin, a sandboxed frame's, included)."""
    origin = current_request().headers.get("origin")
    return bool(origin) and _origin_allowed(service) is None


def _own_origin() -> str:
    headers = current_request().headers
    proto = (headers.get("x-forwarded-proto") or "http").split(",")[0].strip()
    return f"{proto}://{headers.get('host', '')}"


def _wants_page() -> bool:
    request = current_request()
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    accept = (request.headers.get("accept") or "").lower()
    return media == FORM_MEDIA and "text/html" in accept and "application/json" not in accept


def _client_ip() -> str:
    return client_ip()


def _answer(mode: WebMode, service_id: str, service: WebService | None) -> Response:
    if _refused_origin(service):
        return problem(403, "this site may not ask for callbacks on this service")
    accepted = _web().request(service_id, mode.value, _form(), _client_ip(), service)
    view = _accepted_view(accepted)
    response = json_response(view, 202)
    if _wants_page():
        response = _page(202, "We are calling you", _said(accepted))
    return response


def _accepted_view(accepted: Accepted) -> dict[str, Any]:
    return AcceptedView(
        request_id=accepted.request_id,
        status="accepted",
        mode=accepted.mode,
        phone=accepted.phone,
        repeated=accepted.repeated,
    ).model_dump(mode="json")


def _said(accepted: Accepted) -> str:
    return f"Your phone +{accepted.phone} will ring in a moment. Request {accepted.request_id}."


def _with_web_headers(response: Response, service: WebService | None) -> Response:
    """Add CORS headers for an allowed origin; turn a problem into a page for a browser form."""
    if _wants_page() and response.headers.get("Content-Type") == PROBLEM_TYPE:
        try:
            detail = json.loads(str(response.body)).get("detail", "")
        except ValueError:
            detail = ""
        response = Response(
            body=_page_body("We cannot call you", str(detail)),
            status_code=response.status_code,
            headers={**response.headers, "Content-Type": "text/html; charset=utf-8"},
        )
    allowed = _origin_allowed(service)
    if allowed:
        response.headers["Access-Control-Allow-Origin"] = allowed
        response.headers["Vary"] = "Origin"
    return response


def _safe_find(service_id: str) -> WebService | None:
    try:
        return _web().find(service_id)
    except Exception:  # the answer is already decided; CORS headers are best effort
        return None


def _page(status: int, heading: str, text: str) -> Response:
    return Response(
        body=_page_body(heading, text),
        status_code=status,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


def _page_body(heading: str, text: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(heading)}</title></head><body>"
        f"<h1>{html.escape(heading)}</h1><p>{html.escape(text)}</p></body></html>"
    )


def _public(mode: WebMode) -> None:
    model = REQUESTS[mode]

    def ask(service: str) -> Response:
        found = _safe_find(service)
        answered = guarded(lambda: _answer(mode, service, found))()
        return _with_web_headers(answered, found)

    ask.__name__ = f"ask_{mode.value}_web_callback"
    operation(
        callback,
        Operation(
            f"{PUBLIC_PATH}/{mode.value}",
            "post",
            f"Public: ask for a {mode.value} web callback ({model.__doc__})",
            request=model,
            response=AcceptedView,
            status=202,
            auth="none",
            form_too=True,
            path_parameters=SERVICE_PARAMETER,
        ),
    )(ask)


for _mode in WebMode:
    _public(_mode)


def _preflight(service: str, mode: WebMode) -> Response:
    """A browser's preflight: allowed for the service's origins, refused for others."""
    found = _safe_find(service)
    origin = str(current_request().headers.get("origin") or "")
    if found is None or mode not in found.modes or origin not in found.origins:
        return problem(403, "this site may not ask for callbacks on this service")
    return Response(
        body="",
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": str(PREFLIGHT_SECONDS),
            "Vary": "Origin",
        },
    )


def _preflight_route(mode: WebMode) -> None:
    def preflight(service: str) -> Response:
        return _preflight(service, mode)

    preflight.__name__ = f"preflight_{mode.value}_web_callback"
    preflight_route(callback, f"{PUBLIC_PATH}/{mode.value}")(preflight)


for _mode in WebMode:
    _preflight_route(_mode)


# -- the sample forms -------------------------------------------------------------------------
_LABELS = {
    "account": ("Account id (PIN)", "text", 'inputmode="numeric" autocomplete="username"'),
    "password": ("Service password", "password", 'autocomplete="current-password"'),
    "phone": ("Your phone number (+44 20 7946 0000)", "tel", 'autocomplete="tel"'),
    "destination": ("Number to call (+33 1 42 68 53 00)", "tel", ""),
}


@operation(
    callback,
    Operation(
        PUBLIC_PATH + "/{mode}/form",
        "get",
        "Public: the mode's sample HTML form (copy it into your site; keep the field names)",
        auth="none",
        media="text/html",
        path_parameters={
            **SERVICE_PARAMETER,
            "mode": {"type": "string", "enum": [mode.value for mode in WebMode]},
        },
    ),
)
@guarded
def web_callback_form(service: str, mode: str) -> Response:
    """The sample form of an enabled service's mode; 404 otherwise."""
    _web().offering(service, mode)
    action = f"{_base_url()}/v1/web-callbacks/{service}/{mode}"
    inputs = "".join(
        f'<label>{html.escape(label)}<input name="{name}" type="{kind}" required '
        f'maxlength="{MAX_FIELD}" {extra}></label>'
        for name in FIELDS[WebMode(mode)]
        for label, kind, extra in (_LABELS[name],)
    )
    languages = "".join(
        f'<option value="{code}">{html.escape(code)}</option>'
        for code in sorted(catalogue.LANGUAGES)
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Call me back</title><style>{_STYLE}</style></head><body><main>"
        "<h1>Call me back</h1>"
        f'<form method="post" action="{html.escape(action)}">{inputs}'
        f'<label>Language<select name="language"><option value="">Default</option>'
        f"{languages}</select></label>"
        '<button type="submit">Call me</button></form></main></body></html>'
    )
    return Response(
        body=page,
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;padding:1rem;background:#f6f7f9}"
    "main{max-width:28rem;margin:auto;background:#fff;padding:1rem 1.25rem;border-radius:8px}"
    "label{display:block;margin:.75rem 0}input,select{display:block;width:100%;"
    "box-sizing:border-box;padding:.6rem;font-size:1rem;margin-top:.25rem}"
    "button{width:100%;padding:.75rem;font-size:1rem;margin-top:.5rem}"
)


def _base_url() -> str:
    """Where this app answers, as the browser sees it (scheme, host and any stage prefix)."""
    request = current_request()
    path = str((request.context or {}).get("path") or "")
    marker = path.rfind("/v1/web-callbacks/")
    prefix = path[:marker] if marker > 0 else ""
    return _own_origin() + prefix
