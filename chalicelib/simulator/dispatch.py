"""Webhook delivery as the provider does it: encode (GET query string or JSON body), sign
(``Authorization: Bearer`` voice JWT, SMS ``sig``), send through the transport, retry on a
connection error, timeout, 429, 503 or 504, fall back to ``fallback_answer_url`` for the answer
and for webhooks that may return an NCCO (FACTS §3.5), and keep a record of every attempt.
Inbound SMS and delivery receipts are signed and sent alike, by the account's SMS settings.

While a request waits for the application's answer the dispatcher steps out of the simulation
(``waiting``: the lanes' step lock is let go, so other calls go on). Signatures come from
``telephony.vonage.signatures`` (one spelling of each). Imports the standard library and
simulator modules; never the app.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalicelib.simulator import payloads
from chalicelib.simulator.latency import AppLatency, waited
from chalicelib.simulator.model import VonageApplication, WebhookRecord
from chalicelib.simulator.ncco import Ncco, NccoError, parse_ncco_body, replacement_ncco
from chalicelib.simulator.scheduler import VirtualClock
from chalicelib.simulator.transport import TransportError, WebhookTransport
from chalicelib.telephony.vonage.signatures import sign_sms_params, sign_voice_webhook

RETRY_STATUSES = frozenset({429, 503, 504})
ANSWER_RETRIES = 2
FALLBACK_ATTEMPTS = 2
SMS_ATTEMPTS = 3
USER_AGENT = "ringflow-vonage-simulator/1"


@dataclass(frozen=True)
class AnswerResult:
    """The NCCO an answer (or fallback) URL gave, or why there is none."""

    ncco: Ncco | None
    reason: str | None = None
    invalid: bool = False


@dataclass(frozen=True)
class Origin:
    """Which call and leg a webhook belongs to (for the records)."""

    call: str | None
    leg: str | None


def _flatten(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for key, value in payload.items():
        if value is None:
            text = ""
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            text = json.dumps(value, separators=(",", ":"))
        else:
            text = str(value)
        pairs.append((key, text))
    return pairs


def _with_query(url: str, query: str) -> str:
    if not query:
        return url
    return f"{url}{'&' if urlsplit(url).query else '?'}{query}"


def _answer_of(record: WebhookRecord) -> AnswerResult:
    """The NCCO an answer or fallback URL gave, or why there is none."""
    if not record.ok:
        return AnswerResult(None, f"answer_url failed ({record.error or f'HTTP {record.status}'})")
    try:
        return AnswerResult(parse_ncco_body(record.response_body))
    except NccoError as error:
        return AnswerResult(None, f"invalid NCCO: {error}", invalid=True)


class Dispatcher:
    """Sends the network's webhooks; every attempt goes to ``sink``, stamped with the clock of
    its call (``clock_of``) and with how long the application took to answer by ``monotonic``
    (real seconds). ``latency`` is how long the application takes on the virtual clock: the
    call's clock moves on while the provider waits, up to the application's read timeout."""

    def __init__(
        self,
        app: VonageApplication,
        transport: WebhookTransport,
        clock_of: Callable[[str | None], VirtualClock],
        signing_now: Callable[[], datetime],
        sink: Callable[[WebhookRecord], None],
        monotonic: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.app = app
        self.transport = transport
        self.clock_of = clock_of
        self.signing_now = signing_now
        self.sink = sink
        self.monotonic = monotonic
        self.waiting: Callable[[], AbstractContextManager[None]] = contextlib.nullcontext
        self.latency = AppLatency()

    def _voice_request(
        self, method: str, url: str, payload: Any
    ) -> tuple[str, dict[str, str], bytes]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if method == "GET":
            mapping = payload if isinstance(payload, Mapping) else {"payload": payload}
            url = _with_query(url, urlencode(_flatten(mapping)))
            body = b""
        else:
            body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.app.signed_webhooks:
            token = sign_voice_webhook(
                body,
                self.app.signature_secret,
                self.app.api_key,
                self.app.application_id,
                self.signing_now(),
            )
            headers["Authorization"] = f"Bearer {token}"
        return url, headers, body

    def _attempt(
        self,
        kind: str,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        payload: Any,
        origin: Origin,
        timeout: float,
        attempt: int,
    ) -> WebhookRecord:
        status: int | None = None
        response_body = b""
        error: str | None = None
        with self.waiting():
            started = self.monotonic()
            try:
                response = self.transport.send(method, url, headers, body, timeout=timeout)
                status, response_body = response.status, response.body
            except TransportError as failure:
                error = failure.reason
            latency = self.monotonic() - started
        clock = self.clock_of(origin.call)
        sent_seconds, sent_at = clock.seconds, clock.now()
        took, timed_out = waited(self.latency.of(kind, attempt), timeout)
        if timed_out and error is None:
            status, response_body = None, b""
            error = f"timed out: no answer within {timeout:g}s"
        clock.advance(took)
        record = WebhookRecord(
            seconds=sent_seconds,
            at=sent_at,
            kind=kind,
            method=method,
            url=url,
            headers=dict(headers),
            body=body,
            payload=payload,
            status=status,
            response_body=response_body,
            error=error,
            attempt=attempt,
            call=origin.call,
            leg=origin.leg,
            latency=latency,
        )
        self.sink(record)
        return record

    def deliver(
        self,
        kind: str,
        method: str,
        url: str,
        payload: Any,
        origin: Origin,
        *,
        timeout: float | None = None,
        attempts: int = 1 + ANSWER_RETRIES,
    ) -> WebhookRecord:
        """Send a voice webhook, retrying on connection errors, timeouts, 429, 503 and 504
        (``timeout``: the read timeout, by default the application's for events)."""
        if timeout is None:
            timeout = self.app.event_timeout
        record: WebhookRecord | None = None
        for attempt in range(1, attempts + 1):
            # Each attempt is signed afresh, like the provider's retries.
            target, headers, body = self._voice_request(method, url, payload)
            record = self._attempt(
                kind, method, target, headers, body, payload, origin, timeout, attempt
            )
            if record.error is None and record.status not in RETRY_STATUSES:
                break
        assert record is not None
        return record

    def fetch_answer(
        self, url: str, method: str, payload: Mapping[str, Any], origin: Origin
    ) -> AnswerResult:
        """The NCCO from the answer URL: 3 attempts, then the fallback URL twice, also when the
        answer URL's NCCO is invalid (Vonage support, "What happens if the NCCO download request
        fails?" https://api.support.vonage.com/hc/en-us/articles/115016024247)."""
        record = self.deliver(
            "answer", method, url, payload, origin, timeout=self.app.answer_timeout
        )
        answer = _answer_of(record)
        if answer.ncco is not None:
            return answer
        fallback = self.app.fallback_answer_url
        if fallback is None:
            return answer
        reason = record.error or ("invalid NCCO" if record.ok else f"HTTP {record.status}")
        record = self.deliver(
            "fallback",
            method,
            fallback,
            payloads.fallback_request(payload, reason, url, "answer_url"),
            origin,
            timeout=self.app.answer_timeout,
            attempts=FALLBACK_ATTEMPTS,
        )
        second = _answer_of(record)
        if second.ncco is None and not second.invalid:
            return AnswerResult(None, f"answer_url failed ({reason}); fallback failed", False)
        return second

    def ask_for_ncco(
        self, kind: str, method: str, url: str, payload: Mapping[str, Any], origin: Origin
    ) -> tuple[Ncco | None, str | None]:
        """Send a webhook whose answer may replace the NCCO (input, notify, synchronous
        connect); on failure try the fallback URL, and on failure again continue."""
        record = self.deliver(kind, method, url, payload, origin)
        if not record.ok:
            reason = record.error or f"HTTP {record.status}"
            fallback = self.app.fallback_answer_url
            if fallback is None:
                return None, f"{kind} webhook failed ({reason}); the NCCO continues"
            record = self.deliver(
                "fallback",
                method,
                fallback,
                payloads.fallback_request(payload, reason, url, "event_url"),
                origin,
                attempts=FALLBACK_ATTEMPTS,
            )
            if not record.ok:
                return None, f"{kind} webhook and fallback failed; the NCCO continues"
        return replacement_ncco(record.response_body)

    def deliver_sms(self, params: Mapping[str, str], origin: Origin) -> WebhookRecord | None:
        """Deliver one inbound SMS part to the application's SMS URL (signed if configured);
        retried while the answer is not 200/204."""
        url = self.app.sms_url
        if url is None:
            return None
        return self._deliver_signed("sms", url, params, origin)

    def deliver_receipt(self, url: str, params: Mapping[str, str], origin: Origin) -> WebhookRecord:
        """Deliver one delivery receipt to ``url`` as the account delivers its SMS webhooks
        (method, signature method); retried while the answer is not 200/204."""
        return self._deliver_signed("sms-status", url, params, origin)

    def _deliver_signed(
        self, kind: str, url: str, params: Mapping[str, str], origin: Origin
    ) -> WebhookRecord:
        """An SMS API webhook: ``nonce``, ``timestamp`` and ``sig`` by the account's signature
        method (when signing is on), sent by the account's method (GET, form or JSON POST)."""
        signed = dict(params)
        if self.app.signed_sms:
            signed["nonce"] = str(uuid.uuid4())
            signed = sign_sms_params(
                signed,
                self.app.signature_secret,
                self.app.sms_signature_method,
                self.signing_now(),
            )
        method_setting = self.app.sms_method.value
        headers = {"User-Agent": USER_AGENT}
        method = "GET" if method_setting == "GET" else "POST"
        body = b""
        target = url
        if method_setting == "GET":
            target = _with_query(url, urlencode(signed))
        elif method_setting == "POST":
            body = urlencode(signed).encode("ascii")
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(signed, separators=(",", ":")).encode("utf-8")
            headers["Content-Type"] = "application/json"
        record: WebhookRecord | None = None
        for attempt in range(1, SMS_ATTEMPTS + 1):
            record = self._attempt(
                kind,
                method,
                target,
                headers,
                body,
                signed,
                origin,
                self.app.event_timeout,
                attempt,
            )
            if record.status in (200, 204):
                break
        assert record is not None
        return record
