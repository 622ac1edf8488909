"""Test kit for card payments: the platform on moto with an operator key, tariff ``retail`` and
two callback accounts (``EUR_PIN`` in EUR, ``GBP_PIN`` in GBP, no money), the app served over
HTTP on loopback as API Gateway serves it (``platformkit.gateway_wsgi``), and the loopback
stand-in for Stripe's API (``infra.local.stripe_api``) that the app's stripe library calls and
that sends its signed webhooks to that server. Events are signed with the stripe library's own
scheme (``stripe.WebhookSignature.generate_signature_header``)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import stripe
from platformkit import Platform, gateway_wsgi, running_platform

from chalicelib.accounts.keys import new_operator_key
from infra.local.stripe_api import StripeStandIn

EUR_PIN = "20240501"
GBP_PIN = "20240502"
WEBHOOK_SECRET = "whsec_test_" + "0123456789abcdef" * 2
SECRET_KEY = "sk_test_paymentkit"
WEBHOOK = "/payments/stripe/webhook"
DECK = (
    "prefix;destination;price_per_minute;connection_fee;first_increment;next_increment\n"
    "44;United Kingdom;0.05;0.01;60;60\n"
)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        """As a browser's request reaches API Gateway: no Content-Type unless one was sent
        (wsgiref makes one up: ``text/plain``)."""
        environ = dict(super().get_environ())
        if self.headers.get("content-type") is None:
            environ.pop("CONTENT_TYPE", None)
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        return


@dataclass
class Payments:
    """Handles on the platform, its operator key, the app's URL and the Stripe stand-in."""

    platform: Platform
    operator_key: str
    app_url: str
    stripe: StripeStandIn

    @property
    def billing(self) -> Any:
        return self.platform.container.services("billing")

    def balance(self, pin: str = EUR_PIN) -> Decimal:
        return Decimal(self.billing.accounts.get(pin).wallet.balance)

    def operator(self, method: str, path: str, payload: Any = None) -> Any:
        """Call an operator route in process."""
        headers = {
            "Authorization": f"Bearer {self.operator_key}",
            "Content-Type": "application/json",
        }
        body = b"" if payload is None else json.dumps(payload).encode()
        return self.platform.client.http.request(method, path, headers=headers, body=body)

    def post_webhook(self, payload: bytes, header: str | None) -> Any:
        """Post a webhook to the app in process, as Stripe does."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if header is not None:
            headers["Stripe-Signature"] = header
        return self.platform.client.http.post(WEBHOOK, headers=headers, body=payload)


def paid_session(
    metadata: dict[str, str], amount_total: int, currency: str, **changes: Any
) -> dict[str, Any]:
    """A paid checkout session as Stripe's event carries it."""
    session = {
        "id": "cs_test_" + secrets.token_hex(16),
        "object": "checkout.session",
        "amount_total": amount_total,
        "currency": currency,
        "metadata": metadata,
        "mode": "payment",
        "payment_status": "paid",
        "status": "complete",
    }
    return {**session, **changes}


def event(session: dict[str, Any], kind: str = "checkout.session.completed") -> bytes:
    """A Stripe event about ``session``, as its webhook body."""
    body = {
        "id": "evt_test_" + secrets.token_hex(12),
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "type": kind,
        "data": {"object": session},
    }
    return json.dumps(body).encode()


def signed(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header of ``payload``, by the stripe library's own scheme."""
    header: str = stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )
    return header


@contextmanager
def platform_with_payments(monkeypatch: Any) -> Iterator[Payments]:
    """The running platform, served over loopback HTTP, with the Stripe stand-in."""
    with running_platform(monkeypatch) as running:
        from app import app

        server = make_server(
            "127.0.0.1",
            0,
            gateway_wsgi(app),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        app_url = f"http://127.0.0.1:{server.server_port}"
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        stand_in = StripeStandIn(
            f"{app_url}{WEBHOOK}", secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET
        ).start()
        key, digest = new_operator_key()
        container = running.container
        container.settings = replace(
            container.settings,
            operator_key_hash=digest,
            public_base_url=app_url,
            stripe_api_base=stand_in.url,
            stripe_secret_key=SECRET_KEY,
            stripe_webhook_secret=WEBHOOK_SECRET,
        )
        container._services.clear()  # built again on these settings
        billing = container.services("billing")
        billing.tariffs.load("retail", DECK.encode())
        for pin, currency in ((EUR_PIN, "EUR"), (GBP_PIN, "GBP")):
            billing.accounts.create(
                pin, "correct horse", currency=currency, language="en-GB", tariff="retail"
            )
        try:
            yield Payments(running, key, app_url, stand_in)
        finally:
            stand_in.stop()
            server.shutdown()
            server.server_close()
