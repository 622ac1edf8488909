"""Vonage voice webhooks: answer, event, input, notify, recording and fallback.

Each route verifies the signature (401 and no change when it is missing or wrong, unless the
local stage turned checking off), parses with the Vonage adapter, hands the event to the voice
service and returns its NCCO. A failure never reaches the provider as a 4xx/5xx: it is logged with
the call id, counted, and answered with the fallback NCCO (in the call's language, as far as this
process knows it). The work runs under a deadline (``RINGFLOW_WEBHOOK_DEADLINE_SECONDS``, 2.5 s
by default) so the fallback is answered well within the carrier's 5 s read timeout whatever
hangs: every store and HTTP request takes its timeout from the time left. A token only signs a
request's body, so a bodiless (GET) webhook's token is bound to its request on first use: a
replay with another query string is refused with 401.

Owns the ``voice`` blueprint. Imports the voice service's helpers, the Vonage adapter, the wiring
and ``web.problems``; must not import pynamodb, the store, the vonage SDK or another route module.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any, Callable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from chalice.app import Blueprint, Response

from chalicelib.calls.service import Answer, event_key, fallback_actions
from chalicelib.ops.deadline import deadline
from chalicelib.ops.observability import (
    MetricName,
    bind_call,
    count,
    logger,
    milliseconds,
    traced,
)
from chalicelib.telephony.events import CallStatusChanged
from chalicelib.telephony.vonage import urls, webhooks
from chalicelib.telephony.vonage.signatures import SignatureError, verify_voice_webhook
from chalicelib.web.problems import problem
from chalicelib.wiring import container

voice = Blueprint(__name__)

_CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain"]
_FALLBACK_ONLY_FIELDS = frozenset({"reason", "original_request"})

Handler = Callable[[dict[str, Any], str, str | None, str], Answer]


def _ncco_response(body: str | None) -> Response:
    if body is None:
        return Response(body="", status_code=204)
    return Response(body=body, status_code=200, headers={"Content-Type": "application/json"})


def _webhook(route: str, handle: Handler, fallback: bool) -> Response:
    started = time.perf_counter()
    c = container()
    settings = c.settings
    request = voice.current_request
    raw = request.raw_body or b""
    body = raw.encode() if isinstance(raw, str) else raw
    query = dict(request.query_params or {})
    call_id, ref = query.get(urls.CALL_PARAM), query.get(urls.REF_PARAM, "")
    bind_call(call_id, route=route)
    claims: Mapping[str, Any] | None = None
    if settings.checks_signatures:
        try:
            claims = verify_voice_webhook(
                request.headers.get("authorization"),
                body,
                settings.vonage_signature_secret,
                c.clock(),
                settings.signature_window_seconds,
            )
        except SignatureError as error:
            count(MetricName.SIGNATURE_REJECTIONS)
            logger.warning("voice webhook refused", extra={"reason": str(error)})
            return problem(401, f"webhook signature refused: {error}")
    payload_query = {k: v for k, v in query.items() if k not in urls.ROUTING_PARAMS}
    payload: dict[str, Any] = {}
    try:
        with traced("voice webhook", route=route), deadline(settings.webhook_deadline_seconds):
            payload = webhooks.decode_payload(
                request.method, payload_query, body, request.headers.get("content-type")
            )
            bind_call(call_id or payload.get("uuid") or payload.get("call_uuid"), route=route)
            if claims is not None and not body:
                _bind_token(claims, route, query)
            answer = handle(payload, ref, call_id, f"{route}|{call_id or ''}|{ref}")
        bind_call(answer.call_id)
        response = _ncco_response(answer.body)
    except _TokenReusedError as error:
        count(MetricName.SIGNATURE_REJECTIONS)
        logger.warning("voice webhook refused", extra={"reason": str(error)})
        return problem(401, f"webhook signature refused: {error}")
    except Exception:
        logger.exception("voice webhook failed")
        count(MetricName.FLOW_FAILURES)
        if not fallback:
            response = _ncco_response(None)
        else:
            count(MetricName.FALLBACK_ANSWERS)
            ours = _our_number(payload)
            language = _language(c, call_id or _leg_of(payload), ours)
            response = _ncco_response(
                c.render(
                    fallback_actions(settings.fallback_number, ours, language),
                    call_id or "unknown",
                )
            )
    milliseconds(MetricName.WEBHOOK_LATENCY, (time.perf_counter() - started) * 1000)
    return response


def _our_number(payload: dict[str, Any]) -> str | None:
    """The platform's number on this call (the caller id of a fallback transfer): the number
    called on inbound legs, the calling number on outbound ones."""
    ours = payload.get("from") if payload.get("direction") == "outbound" else payload.get("to")
    digits = str(ours or "").lstrip("+")
    return digits if digits.isdigit() and 7 <= len(digits) <= 15 else None


class _TokenReusedError(Exception):
    """A signed token that does not cover the request's payload came with another request."""


def _bind_token(claims: Mapping[str, Any], route: str, query: dict[str, str]) -> None:
    """A token signs a request's body, not its query string, so a GET webhook's token could be
    replayed within its window with another query (another call). Bind the token's ``jti`` to
    this request: the carrier's retry of the same request passes, any other is refused.
    Costs one conditional write per bodiless webhook."""
    token_id = claims.get("jti")
    if not isinstance(token_id, str) or not token_id:
        raise _TokenReusedError("a token without jti cannot sign a bodiless request")
    request = route + "?" + urlencode(sorted(query.items()))
    fingerprint = hashlib.sha256(request.encode()).hexdigest()
    c = container()
    window = c.settings.signature_window_seconds
    if not c.markers.bind_token(token_id, fingerprint, c.clock(), 2 * window):
        raise _TokenReusedError("the token was already used for another request")


def _language(c: Any, call_id: str | None, ours: str | None) -> str | None:
    try:
        language: str | None = c.voice.language_of(call_id, ours)
    except Exception:  # the fallback must be answered even if the service cannot be built
        logger.exception("no language for the fallback answer")
        return None
    return language


def _leg_of(payload: dict[str, Any]) -> str | None:
    leg = payload.get("uuid") or payload.get("call_uuid")
    return leg if isinstance(leg, str) else None


def _answer(payload: dict[str, Any], ref: str, call_id: str | None, route_key: str) -> Answer:
    event = webhooks.parse_answer(payload, ref)
    return container().voice.answer(event, event_key(route_key, payload), call_id)


@voice.route(urls.ANSWER_PATH, methods=["GET", "POST"], content_types=_CONTENT_TYPES)
def answer() -> Response:
    """A call was answered: the NCCO of its flow."""
    return _webhook(urls.ANSWER_PATH, _answer, fallback=True)


def _failed_callback(payload: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """The path and query of the input/notify/event URL whose failure brought this fallback
    request (``original_request`` of type ``event_url``), or None for a failed answer URL."""
    raw = payload.get("original_request")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, Mapping) or raw.get("type") != "event_url":
        return None
    parts = urlsplit(str(raw.get("url", "")))
    return parts.path, dict(parse_qsl(parts.query))


def _fallback(payload: dict[str, Any], ref: str, call_id: str | None, route_key: str) -> Answer:
    # The provider calls this when the answer URL failed; the same answer payload (without the
    # fallback's own fields) shares the original's key, so a late original is replayed. When an
    # input or notify webhook failed (FACTS §3.5: timed out, say), the original is answered as
    # that webhook: its key is the original's, so a first delivery that did step the flow is
    # replayed and the call goes on with the NCCO the flow decided.
    original = {k: v for k, v in payload.items() if k not in _FALLBACK_ONLY_FIELDS}
    failed = _failed_callback(payload)
    if failed is not None:
        path, query = failed
        for route, handler in _CALLBACKS.items():
            if path.endswith(route):
                call, callback_ref = query.get(urls.CALL_PARAM), query.get(urls.REF_PARAM, "")
                key_route = f"{route}|{call or ''}|{callback_ref}"
                return handler(original, callback_ref, call, key_route)
    key_route = route_key.replace(urls.FALLBACK_PATH, urls.ANSWER_PATH, 1)
    event = webhooks.parse_answer(original, ref)
    return container().voice.answer(event, event_key(key_route, original), call_id)


@voice.route(urls.FALLBACK_PATH, methods=["GET", "POST"], content_types=_CONTENT_TYPES)
def fallback_answer() -> Response:
    """The provider's fallback answer URL."""
    return _webhook(urls.FALLBACK_PATH, _fallback, fallback=True)


def _event(payload: dict[str, Any], ref: str, call_id: str | None, route_key: str) -> Answer:
    event = webhooks.parse_event(payload, ref)
    target = call_id or getattr(event, "leg_id", None)
    if target is None:
        return Answer(None)
    answer = container().voice.handle(target, event, event_key(route_key, payload))
    honoured = isinstance(event, CallStatusChanged) and bool(ref)
    return answer if honoured else Answer(None, call_id=answer.call_id)


@voice.route(urls.EVENT_PATH, methods=["GET", "POST"], content_types=_CONTENT_TYPES)
def event() -> Response:
    """Call status events (and a bridged leg's failures, which may answer with NCCO)."""
    return _webhook(urls.EVENT_PATH, _event, fallback=bool(voice.current_request.query_params))


def _routed(parse: Callable[[dict[str, Any], str], Any]) -> Handler:
    def handle(payload: dict[str, Any], ref: str, call_id: str | None, route_key: str) -> Answer:
        event = parse(payload, ref)
        if call_id is None:
            raise webhooks.WebhookParseError("callback URL carries no call id")
        return container().voice.handle(call_id, event, event_key(route_key, payload))

    return handle


@voice.route(urls.INPUT_PATH, methods=["GET", "POST"], content_types=_CONTENT_TYPES)
def input_received() -> Response:
    """Digits or speech the caller gave."""
    return _webhook(urls.INPUT_PATH, _routed(webhooks.parse_input), fallback=True)


@voice.route(urls.NOTIFY_PATH, methods=["GET", "POST"], content_types=_CONTENT_TYPES)
def notify() -> Response:
    """The call reached a notify action."""
    return _webhook(urls.NOTIFY_PATH, _routed(webhooks.parse_notify), fallback=True)


@voice.route(urls.KEYS_PATH, methods=["GET", "POST"], content_types=_CONTENT_TYPES)
def key_pressed() -> Response:
    """A key the caller pressed while the call went on (an asynchronous input)."""
    return _webhook(urls.KEYS_PATH, _routed(webhooks.parse_keys), fallback=False)


_CALLBACKS: dict[str, Handler] = {
    urls.INPUT_PATH: _routed(webhooks.parse_input),
    urls.NOTIFY_PATH: _routed(webhooks.parse_notify),
}


@voice.route(urls.RECORDING_PATH, methods=["GET", "POST"], content_types=_CONTENT_TYPES)
def recording() -> Response:
    """A recording is ready."""
    return _webhook(urls.RECORDING_PATH, _routed(webhooks.parse_recording), fallback=False)
