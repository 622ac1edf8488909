"""A deployed stage's surroundings on loopback, for running the built package
(:mod:`infra.lambda_host`): moto with the stage's tables, bucket and queue, an account with an
API key, a flow with its listener on and a number attached; the function's environment (the
stage's variables from ``.chalice/config.json``, pointed at moto, with a test signature secret);
signed Vonage webhooks and REST requests as API Gateway events; and a fake X-Ray daemon (UDP on
loopback) that keeps the segments the function sends.

Used by the package smoke test and ``make bench``. Imports the standard library, moto (through
:mod:`infra.local.moto`), boto3 (through :mod:`infra.local.stack`) and ``chalicelib`` for
provisioning and signing; never imported by the app.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra.local.lambda_events import api_gateway_event
from infra.local.moto import LOOPBACK, moto_server
from infra.local.stack import provision
from infra.resources import load_stage

SECRET = "package-signature-secret-0123456789abcdef"
PORTAL_SECRET = "package-portal-secret-0123456789abcdef-0123"
ACCOUNT = "smoke"
NUMBER = "447700900600"
CALLER = "447700900001"
PUBLIC_BASE_URL = "https://hooks.example.com"
FLOW: dict[str, Any] = {
    "id": "package-smoke",
    "name": "Package smoke test",
    "language": "en-GB",
    "start": "welcome",
    "nodes": {
        "welcome": {"widget": "say", "text": "Welcome to Ringflow.", "next": "menu"},
        "menu": {
            "widget": "menu",
            "prompt": "Press 1 to hear the news.",
            "options": {"1": "news"},
            "retries": 0,
            "next": {"timeout": "bye", "invalid": "bye"},
        },
        "news": {"widget": "say", "text": "There is no news.", "next": "bye"},
        "bye": {"widget": "hangup", "text": "Goodbye."},
    },
}


class XrayDaemon:
    """A UDP listener on loopback standing in for the X-Ray daemon: keeps every document."""

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind((LOOPBACK, 0))
        self._socket.settimeout(0.2)
        self.address = f"{LOOPBACK}:{self._socket.getsockname()[1]}"
        self.documents: list[dict[str, Any]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._socket.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            # A datagram is a header line, a newline, then one segment document.
            _, _, body = data.decode(errors="replace").partition("\n")
            try:
                self.documents.append(json.loads(body))
            except ValueError:
                continue

    def start(self) -> XrayDaemon:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._socket.close()

    def subsegment_names(self) -> list[str]:
        return [str(d.get("name")) for d in self.documents]


@dataclass
class Backend:
    """A stage's data on moto, and how to reach the function as its callers do."""

    stage: str
    moto_url: str
    api_key: str
    variables: dict[str, str] = field(default_factory=dict)

    def function_variables(self, xray: XrayDaemon | None = None) -> dict[str, str]:
        """The function's environment besides what Lambda itself sets."""
        extra = {"AWS_XRAY_DAEMON_ADDRESS": xray.address} if xray else {}
        return {**self.variables, **extra}

    def answer_event(self, leg: str | None = None) -> dict[str, Any]:
        """Vonage's signed answer webhook (GET) for a new inbound call to the flow's number."""
        from chalicelib.telephony.vonage.signatures import sign_voice_webhook

        query = {
            "from": CALLER,
            "to": NUMBER,
            "uuid": leg or uuid.uuid4().hex,
            "conversation_uuid": f"CON-{uuid.uuid4()}",
        }
        token = sign_voice_webhook(b"", SECRET, "apikey", "app-id", datetime.now(UTC))
        return api_gateway_event(
            "GET",
            "/vonage/voice/answer",
            query=query,
            headers={"Authorization": f"Bearer {token}"},
        )

    def account_event(self) -> dict[str, Any]:
        """``GET /v1/account`` with the account's API key."""
        return api_gateway_event(
            "GET", "/v1/account", headers={"Authorization": f"Bearer {self.api_key}"}
        )

    def page_event(self) -> dict[str, Any]:
        """``GET /my/login``: the callback user's login page, as a browser asks for it."""
        return api_gateway_event("GET", "/my/login", headers={"Accept": "text/html"})


def function_variables(stage: str, moto_url: str) -> dict[str, str]:
    """The stage's variables as deployed, pointed at moto, with test credentials."""
    return {
        **load_stage(stage).environment,
        "RINGFLOW_AWS_ENDPOINT_URL": moto_url,
        "RINGFLOW_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "VONAGE_SIGNATURE_SECRET": SECRET,
        "RINGFLOW_PORTAL_SECRET": PORTAL_SECRET,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }


@contextmanager
def stage_backend(stage: str = "dev", *, in_process: bool = True) -> Iterator[Backend]:
    """moto on loopback with the stage's resources, the account, the flow and the number."""
    from chalicelib.settings import from_environment
    from chalicelib.wiring import Container

    with moto_server(in_process=in_process) as moto_url:
        variables = function_variables(stage, moto_url)
        settings = from_environment({**variables, "AWS_DEFAULT_REGION": "eu-west-1"})
        provision(settings)
        admin = Container(settings).admin
        _, key = admin.create_account(ACCOUNT, "Smoke", "en-GB")
        admin.load_flow(ACCOUNT, FLOW)
        admin.set_listener(ACCOUNT, FLOW["id"], True)
        admin.provision_number(ACCOUNT, NUMBER)
        admin.attach_number(ACCOUNT, NUMBER, FLOW["id"])
        yield Backend(stage, moto_url, key, variables)


@contextmanager
def xray_daemon() -> Iterator[XrayDaemon]:
    """A fake X-Ray daemon for the duration of the block."""
    daemon = XrayDaemon().start()
    try:
        yield daemon
    finally:
        daemon.stop()
