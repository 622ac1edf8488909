"""A loopback stand-in for Stripe's API, for the local run and the tests: never deployed (it lives
in ``infra/local``, outside the package Chalice builds), so the app's own card code is the real
``stripe`` library talking to it over HTTP.

It answers what the app's ``stripe.StripeClient`` asks: ``POST /v1/checkout/sessions`` (Stripe's
form encoding, ``line_items[0][price_data][unit_amount]=500``; the bearer secret key must be the
one it was given) with a session's JSON (``id``, ``url``, ``amount_total``, ``currency``,
``metadata``, ...) and ``GET /v1/checkout/sessions/{id}``. The session's ``url`` is a local pay
page: ``GET /pay/{id}`` shows a form, ``POST /pay/{id}`` pays (``?outcome=unpaid`` leaves it
unpaid), sends the signed ``checkout.session.completed`` event to the app's webhook, signed with
the library's own scheme (``stripe.WebhookSignature.generate_signature_header``), and redirects
the payer to the session's ``success_url``. ``POST /_stripe/sessions/{id}/resend`` sends the last
event again (a replay, as Stripe retries). Errors are Stripe's JSON error objects. Imports the
standard library and ``stripe``; never imported by ``chalicelib``.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlparse

LISTEN_BACKLOG = 128
_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG


def nested(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding as JSON: ``a[b][0][c]=v`` is ``{"a": {"b": [{"c": "v"}]}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [a or b for a, b in _KEY.findall(key)]
        node: Any = root
        for part, following in zip(parts, [*parts[1:], None], strict=True):
            last = following is None
            child: Any = value if last else ([] if following.isdigit() else {})
            if isinstance(node, list):
                index = int(part)
                while len(node) <= index:
                    node.append(None)
                if node[index] is None or last:
                    node[index] = child
                node = node[index]
            else:
                if part not in node or last:
                    node[part] = child
                node = node[part]
    return root


@dataclass
class StandIn:
    """The sessions the stand-in made, and what it sent."""

    secret_key: str
    webhook_secret: str
    webhook_url: str
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: dict[str, bytes] = field(default_factory=dict)
    deliveries: list[tuple[str, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, form: dict[str, Any], base_url: str) -> dict[str, Any]:
        """A new open session from the create call's parameters."""
        items = form.get("line_items") or []
        total = 0
        currency = ""
        for item in items:
            price = item.get("price_data") or {}
            total += int(price.get("unit_amount", "0")) * int(item.get("quantity", "1"))
            currency = str(price.get("currency", ""))
        session_id = "cs_test_" + secrets.token_hex(24)
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": total,
            "amount_subtotal": total,
            "currency": currency,
            "mode": form.get("mode", "payment"),
            "metadata": form.get("metadata") or {},
            "client_reference_id": form.get("client_reference_id"),
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "url": f"{base_url}/pay/{session_id}",
            "livemode": False,
            "created": int(time.time()),
            "expires_at": int(time.time()) + 24 * 3600,
            "payment_intent": None,
        }
        with self.lock:
            self.sessions[session_id] = session
        return session

    def pay(self, session_id: str, paid: bool = True) -> int:
        """Complete the session (paid, or left unpaid) and send its signed event: the
        webhook's status."""
        with self.lock:
            session = self.sessions[session_id]
            session.update(
                status="complete",
                payment_status="paid" if paid else "unpaid",
                payment_intent="pi_test_" + secrets.token_hex(12),
            )
            event = {
                "id": "evt_test_" + secrets.token_hex(12),
                "object": "event",
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "livemode": False,
                "pending_webhooks": 1,
                "type": "checkout.session.completed",
                "data": {"object": dict(session)},
            }
            body = json.dumps(event).encode()
            self.events[session_id] = body
        return self.send(session_id)

    def send(self, session_id: str) -> int:
        """Send the session's last event, signed now as Stripe signs: the webhook's status."""
        import stripe

        body = self.events[session_id]
        header = stripe.WebhookSignature.generate_signature_header(
            body.decode(), self.webhook_secret
        )
        import requests

        answer = requests.post(
            self.webhook_url,
            data=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": header,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
            timeout=30,
        )
        status = answer.status_code
        with self.lock:
            self.deliveries.append((session_id, status))
        return status


class StripeStandIn:
    """A loopback HTTP server answering the checkout calls of the ``stripe`` library."""

    def __init__(
        self,
        webhook_url: str,
        *,
        secret_key: str = "sk_test_ringflow_local",  # noqa: S107 - the local stage's
        webhook_secret: str = "whsec_ringflow_local_0123456789abcdef",  # noqa: S107
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = StandIn(secret_key, webhook_secret, webhook_url)
        state = self.state
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                path = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                if path.path == "/v1/checkout/sessions":
                    if not self._authorized():
                        return
                    form = nested(parse_qsl(raw, keep_blank_values=True))
                    self._json(200, state.create(form, stand_in.url))
                    return
                match = re.fullmatch(r"/pay/(cs_test_[0-9a-f]+)", path.path)
                if match and match.group(1) in state.sessions:
                    paid = dict(parse_qsl(path.query)).get("outcome") != "unpaid"
                    status = state.pay(match.group(1), paid)
                    session = state.sessions[match.group(1)]
                    target = str(session["success_url"] or "").replace(
                        "{CHECKOUT_SESSION_ID}", session["id"]
                    )
                    self.send_response(303)
                    self.send_header("Location", target)
                    self.send_header("X-Webhook-Status", str(status))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                match = re.fullmatch(r"/_stripe/sessions/(cs_test_[0-9a-f]+)/resend", path.path)
                if match and match.group(1) in state.events:
                    self._json(200, {"status": state.send(match.group(1))})
                    return
                self._error(
                    404, "resource_missing", f"Unrecognized request URL (POST: {path.path})"
                )

            def do_GET(self) -> None:
                path = urlparse(self.path)
                match = re.fullmatch(r"/v1/checkout/sessions/(cs_test_[0-9a-f]+)", path.path)
                if match:
                    if not self._authorized():
                        return
                    session = state.sessions.get(match.group(1))
                    if session is None:
                        self._error(404, "resource_missing", "No such checkout.session")
                    else:
                        self._json(200, session)
                    return
                match = re.fullmatch(r"/pay/(cs_test_[0-9a-f]+)", path.path)
                if match and match.group(1) in state.sessions:
                    session = state.sessions[match.group(1)]
                    amount = f"{session['amount_total']} {str(session['currency']).upper()}"
                    page = (
                        "<!doctype html><title>Pay (local stand-in)</title>"
                        f"<p>Pay {html.escape(amount)} (minor units): a local stand-in"
                        " for Stripe.</p><form method='post'><button>Pay</button></form>"
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                if path.path == "/_stripe/health":
                    self._json(200, {"ok": True})
                    return
                self._error(404, "resource_missing", f"Unrecognized request URL (GET: {path.path})")

            def _authorized(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {state.secret_key}":
                    self._error(401, "api_key_invalid", "Invalid API Key provided")
                    return False
                return True

            def _error(self, status: int, code: str, message: str) -> None:
                kind = "invalid_request_error"
                self._json(status, {"error": {"type": kind, "code": code, "message": message}})

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(8))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = _Server((host, port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL (the app's ``STRIPE_API_BASE``)."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StripeStandIn:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def main(argv: list[str] | None = None) -> int:
    """Serve the stand-in until interrupted (``make run`` starts it in process instead)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8310)
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/payments/stripe/webhook")
    args = parser.parse_args(argv)
    stand_in = StripeStandIn(args.webhook_url, port=args.port).start()
    print(f"Stripe stand-in on {stand_in.url}", flush=True)
    try:
        stand_in.thread.join()
    except KeyboardInterrupt:
        stand_in.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
