"""The plumbing every REST blueprint shares: registering a documented route, reading the request
that route is answering, authenticating its caller, parsing its body, answering JSON, and turning
what goes wrong into problem+json.

A route module (``web.api``, ``web.operator``, a product's) declares each route with
``operation(blueprint, Operation(...))`` and, unless it is public, ``guarded``; inside, it calls
``calling_account()`` (tenants: ``Authorization: Bearer <api key>``) or ``operator_only()`` (the
operator key, whose hash is in ``RINGFLOW_OPERATOR_KEY_HASH``; none configured: 404), then
``body(Model)`` or ``raw_body()``, and answers with ``json_response``. A ``Refused`` raised
anywhere below ``guarded`` is answered as its problem; a domain error is answered with the status
``web.problems`` maps its class to; anything else is logged and answered 500.

Owns ``current_request``, ``Refused`` and these helpers; the ``OPERATIONS`` registry itself is
``web.openapi``'s. Imports Chalice, pydantic, the key rules, the wiring and ``web.problems``;
must not import pynamodb, the store or any route module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel, ValidationError

from chalicelib import errors
from chalicelib.accounts.keys import ApiKeyError, account_of, is_operator_key, matches
from chalicelib.accounts.model import Account
from chalicelib.errors import NotFoundError
from chalicelib.ops.deadline import deadline
from chalicelib.ops.observability import logger
from chalicelib.web.openapi import FORM_MEDIA, OPERATIONS, Operation
from chalicelib.web.problems import SERVER_ERROR_DETAIL, error_problem, problem
from chalicelib.web.schemas import field_errors
from chalicelib.wiring import container

Route = Callable[..., Response]

_REQUEST: ContextVar[Request] = ContextVar("rest_request")


def current_request() -> Request:
    """The request the running route answers, whichever blueprint registered it.

    ``Blueprint.current_request`` proxies the app's ``current_request`` and is only usable once
    the blueprint is registered; ``operation`` reads it from the route's own blueprint when the
    route is called, so helpers here need no blueprint at hand."""
    try:
        return _REQUEST.get()
    except LookupError:
        raise RuntimeError(
            "current_request() is known only inside a route of operation()"
        ) from None


def operation(blueprint: Blueprint, op: Operation) -> Callable[[Route], Route]:
    """Register a route of ``blueprint`` at ``op.path`` / ``op.method`` and document it (``op``
    joins ``web.openapi.OPERATIONS`` when the route module is imported)."""
    OPERATIONS.append(op)

    def register(fn: Route) -> Route:
        def run(**path: str) -> Response:
            token = _REQUEST.set(blueprint.current_request)
            try:
                return fn(**path)
            finally:
                _REQUEST.reset(token)

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        media = [op.request_media, *([FORM_MEDIA] if op.form_too else []), *op.text_media]
        route = blueprint.route(op.path, methods=[op.method.upper()], content_types=media)
        registered: Route = route(run)
        return registered

    return register


def preflight_route(blueprint: Blueprint, path: str) -> Callable[[Route], Route]:
    """Register a browser's CORS preflight (``OPTIONS``) of ``path``, which OpenAPI does not
    document; ``current_request`` works inside it as in any ``operation``."""

    def register(fn: Route) -> Route:
        def run(**params: str) -> Response:
            token = _REQUEST.set(blueprint.current_request)
            try:
                return fn(**params)
            finally:
                _REQUEST.reset(token)

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        registered: Route = blueprint.route(path, methods=["OPTIONS"])(run)
        return registered

    return register


def json_response(data: Any, status: int = 200) -> Response:
    """``data`` as a JSON answer (what JSON cannot hold, such as a ``Decimal``, as its string)."""
    return Response(
        body=json.dumps(data, default=str),
        status_code=status,
        headers={"Content-Type": "application/json"},
    )


class Refused(Exception):
    """The request is refused with ``response`` (a problem); ``guarded`` answers it."""

    def __init__(self, response: Response) -> None:
        self.response = response


def bearer(what: str) -> str:
    """The key in ``Authorization: Bearer <key>``; refused 401 (naming ``what``) without one."""
    header = current_request().headers.get("authorization") or ""
    if not header.lower().startswith("bearer "):
        raise Refused(problem(401, f"send {what} as 'Authorization: Bearer <key>'"))
    return header[7:].strip()


def calling_account() -> Account:
    """The enabled account whose API key the caller sent; refused 401 otherwise."""
    key = bearer("your API key")
    try:
        account: Account = container().accounts.get(account_of(key))
    except (ApiKeyError, NotFoundError):
        raise Refused(problem(401, "unknown API key")) from None
    if not matches(key, account.api_key_hashes) or not account.enabled:
        raise Refused(problem(401, "unknown API key"))
    return account


def operator_only() -> None:
    """The caller holds the operator key; with none configured, operator routes do not exist."""
    configured = container().settings.operator_key_hash
    if not configured:
        raise Refused(problem(404, "no such resource (operator routes are off)"))
    if not is_operator_key(bearer("the operator key"), configured):
        raise Refused(problem(401, "unknown operator key"))


def raw_body() -> Any:
    """The request's JSON body as parsed; refused 400 if it is not JSON or there is none."""
    try:
        raw = current_request().json_body
    except Exception:
        raise Refused(problem(400, "the body is not JSON")) from None
    if raw is None:
        raise Refused(problem(400, "a JSON body is required"))
    return raw


def body(model: type[BaseModel]) -> Any:
    """The request's JSON body validated by ``model``; refused 422 with every field's error."""
    raw = raw_body()
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        errors = field_errors(error, model)
        raise Refused(problem(422, "the request is not valid", errors=errors)) from None


def page_limit(text: str | None, maximum: int) -> int:
    """A list route's ``limit`` query parameter: 1 to ``maximum`` (absent: ``maximum``);
    ``ValidationError`` (422) otherwise."""
    if text is None:
        return maximum
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not 1 <= int(text) <= maximum:
        raise errors.ValidationError(f"limit {text[:12]!r} is not 1 to {maximum}")
    return int(text)


def guarded(fn: Route) -> Route:
    """Turn ``Refused`` and the errors ``web.problems`` maps into their problems; anything
    else is logged and answered 500."""

    def run(**path: str) -> Response:
        # API Gateway decodes path parameters, chalice local does not: decode them here so both
        # agree (no valid flow id, number or account id holds a '%', so a value decoded twice
        # is either unchanged or refused anyway)
        try:
            with deadline(container().settings.rest_deadline_seconds):
                return fn(**{name: unquote(value) for name, value in path.items()})
        except Refused as refused:
            return refused.response
        except Exception as error:
            mapped = error_problem(error)
            if mapped is not None:
                if mapped.status_code >= 500:
                    logger.warning("REST request failed", extra={"error": repr(error)})
                return mapped
            logger.exception("REST request failed")
            return problem(500, SERVER_ERROR_DETAIL)

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run
