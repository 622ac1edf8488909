"""A whole platform in one process for integration tests: moto in-process (mock_aws), the
resources provisioned as in the local run, a Container bound to them with a controllable clock,
the demo message service on loopback, the pull-app flow loaded for an account and attached to a
number (provisioned to the account first, as an operator does), and signed-webhook helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from chalicelib.products import Product
from chalicelib.settings import Settings
from chalicelib.telephony.vonage.signatures import (
    SmsSignatureMethod,
    sign_sms_params,
    sign_voice_webhook,
)
from chalicelib.wiring import Container, override

ROOT = Path(__file__).resolve().parents[1]
SECRET = "test-signature-secret-0123456789abcdef"
ACCOUNT = "acme"
PULL_NUMBER = "447700900100"
ALICE = "447700900001"
STRANGER = "447700900999"


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Platform:
    """Handles on a running in-process platform."""

    container: Container
    clock: Clock
    client: Any
    api_key: str
    messages_url: str

    def voice(
        self,
        method: str,
        path: str,
        payload: dict[str, Any],
        *,
        query: dict[str, str] | None = None,
        signed: bool = True,
    ) -> Any:
        """Send a voice webhook the way Vonage does (GET query or POST JSON, signed)."""
        headers: dict[str, str] = {}
        body = b""
        if method == "GET":
            query = {**(query or {}), **{k: str(v) for k, v in payload.items()}}
        else:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        if signed:
            token = sign_voice_webhook(body, SECRET, "apikey", "app-id", self.clock())
            headers["Authorization"] = f"Bearer {token}"
        url = path + ("?" + urlencode(query) if query else "")
        return self.client.http.request(method, url, headers=headers, body=body)

    def sms(self, params: dict[str, str], *, signed: bool = True) -> Any:
        """Send an inbound SMS as a form POST."""
        if signed:
            params = sign_sms_params(params, SECRET, SmsSignatureMethod.SHA256_HMAC, self.clock())
        return self.client.http.post(
            "/vonage/sms/inbound",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode(params).encode(),
        )

    def api(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        """Call the REST API with the account's key."""
        headers = {
            "Authorization": f"Bearer {key or self.api_key}",
            "Content-Type": "application/json",
        }
        data = json.dumps(body).encode() if body is not None else b""
        return self.client.http.request(method, path, headers=headers, body=data)

    def queued_task_bodies(self) -> list[str]:
        """Messages waiting on the tasks queue (received and left in flight)."""
        sqs = self.container.sqs
        got = sqs.receive_message(QueueUrl=self.container.task_queue_url, MaxNumberOfMessages=10)
        return [m["Body"] for m in got.get("Messages", [])]


def settings_for_tests() -> Settings:
    return Settings(
        stage="local",
        region="eu-west-1",
        table_prefix="ringflow-test-",
        recordings_bucket="ringflow-test-recordings",
        task_queue="ringflow-test-tasks",
        public_base_url="https://hooks.example.com",
        vonage_signature_secret=SECRET,
        vonage_sms_signature_method="sha256",
        verify_signatures=True,
    )


@contextmanager
def running_platform(
    monkeypatch: Any,
    aws_endpoint_url: str | None = None,
    messages_url: str | None = None,
    products: Sequence[Product] | None = None,
) -> Iterator[Platform]:
    """Start everything; tear it down afterwards. AWS is moto in-process, or the server at
        ``aws_endpoint_url``; the pull app's message service is the demo one unless
        ``messages_url`` names another; ``products`` are installed in the container (default: the
    products this deployment installs, as the app's routes are)."""
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    from contextlib import nullcontext

    from chalice.test import Client
    from moto import mock_aws

    from infra.local.message_service import MessageService, load_messages
    from infra.local.stack import provision

    messages = MessageService(load_messages()).start()
    clock = Clock()
    aws = mock_aws() if aws_endpoint_url is None else nullcontext()
    settings = replace(settings_for_tests(), aws_endpoint_url=aws_endpoint_url)
    with aws:
        container = Container(settings, clock, products)
        override(container)
        provision(container.settings)
        _, key = container.admin.create_account(ACCOUNT, "Acme", "en-GB")
        flow = json.loads((ROOT / "flows" / "pull-message.json").read_text())
        flow["variables"]["service_url"] = messages_url or messages.url
        container.admin.load_flow(ACCOUNT, flow)
        container.admin.set_listener(ACCOUNT, "pull-message", True)
        container.admin.provision_number(ACCOUNT, PULL_NUMBER)
        container.admin.attach_number(ACCOUNT, PULL_NUMBER, "pull-message")
        from app import app

        with Client(app) as client:
            try:
                yield Platform(container, clock, client, key, messages.url)
            finally:
                override(None)
                messages.stop()


def gateway_wsgi(app: Any) -> Any:
    """A WSGI application that serves ``app`` as API Gateway does: Chalice's ``LocalGateway``
    for routing and events, and for what API Gateway answers itself (a route that does not
    exist) the deployed stack's gateway responses (``infra.resources``), so that in-process
    tests (schemathesis) see the answers the deployed API gives."""
    from http import HTTPStatus
    from urllib.parse import quote

    from chalice.config import Config
    from chalice.local import LocalGateway, LocalGatewayException

    from infra.local.gateway import gateway_answer

    gateway = LocalGateway(app, Config())

    def answer(error: LocalGatewayException) -> tuple[int, dict[str, str], bytes]:
        return gateway_answer(error.CODE, error.body)

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raw_path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        path = quote(raw_path, safe="/")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            answer = gateway.handle_request(environ["REQUEST_METHOD"], path, headers, body)
            status = answer["statusCode"]
            out = {k: str(v) for k, v in answer["headers"].items()}
            data = answer.get("body") or b""
            if answer.get("isBase64Encoded"):
                import base64

                data = base64.b64decode(data)
            data = data if isinstance(data, bytes) else data.encode()
        except LocalGatewayException as error:
            status, out, data = answer(error)
        out.setdefault("Content-Type", "application/json")
        start_response(f"{status} {HTTPStatus(status).phrase}", list(out.items()))
        return [data]

    return application
