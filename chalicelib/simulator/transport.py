"""How the simulated network reaches the application: the ``WebhookTransport`` protocol, an
HTTP transport (one new connection per request, ``Connection: close``, connect and read timeouts
like Vonage's) and an in-process transport that hands requests to a callable, with an adapter for
``chalice.test.Client``.

Imports the standard library; chalice is imported lazily (a dev dependency) inside
``chalice_test_client_handler``. Must not import the app.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True)
class WebhookResponse:
    """What the application answered."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


class TransportError(Exception):
    """The request did not get an HTTP answer (refused, reset, timed out)."""

    def __init__(self, reason: str, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


class WebhookTransport(Protocol):
    """Sends one webhook request and returns the answer or raises ``TransportError``."""

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        timeout: float | None = None,
    ) -> WebhookResponse: ...


class HttpTransport:
    """Real HTTP(S): a new connection per request, ``Connection: close``.

    ``connect_timeout`` bounds the TCP connect (the application's ``connection_timeout``,
    1 s unless configured: FACTS §3.5), ``timeout`` is the default read timeout;
    ``send(timeout=...)`` overrides it per request (5 s answer, 10 s events). ``ca_file``
    trusts a private CA for https webhooks.
    """

    def __init__(
        self, timeout: float = 10.0, connect_timeout: float = 1.0, ca_file: str | None = None
    ) -> None:
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._context = ssl.create_default_context(cafile=ca_file)

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        timeout: float | None = None,
    ) -> WebhookResponse:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TransportError(f"unsupported URL {url!r}")
        target = parts.path or "/"
        if parts.query:
            target = f"{target}?{parts.query}"
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=self.connect_timeout, context=self._context
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self.connect_timeout
            )
        send_headers = {key: value for key, value in headers.items()}
        send_headers["Connection"] = "close"
        try:
            connection.connect()
            if connection.sock is not None:
                connection.sock.settimeout(timeout if timeout is not None else self.timeout)
            connection.request(method, target, body=body or None, headers=send_headers)
            response = connection.getresponse()
            data = response.read()
            return WebhookResponse(response.status, dict(response.getheaders()), data)
        except TimeoutError as error:
            raise TransportError(f"timed out: {error}", timed_out=True) from error
        except (OSError, http.client.HTTPException) as error:
            raise TransportError(f"{type(error).__name__}: {error}") from error
        finally:
            connection.close()


InProcessHandler = Callable[[str, str, str, Mapping[str, str], bytes], WebhookResponse]


class InProcessTransport:
    """Hands each request to ``handler(method, path, query_string, headers, body)``.

    The URL's host is ignored: every webhook goes to the one handler. A handler may raise
    ``TransportError`` to play a refused connection or a timeout.
    """

    def __init__(self, handler: InProcessHandler) -> None:
        self._handler = handler

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        timeout: float | None = None,
    ) -> WebhookResponse:
        parts = urlsplit(url)
        return self._handler(method, parts.path or "/", parts.query, dict(headers), body)


def chalice_test_client_handler(
    app: Any, stage_name: str = "dev", project_dir: str = "."
) -> InProcessHandler:
    """An ``InProcessTransport`` handler that calls a Chalice app through
    ``chalice.test.Client(app).http.request``."""
    from chalice.test import Client

    client = Client(app, stage_name=stage_name, project_dir=project_dir)

    def handle(
        method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> WebhookResponse:
        target = f"{path}?{query}" if query else path
        response = client.http.request(method, target, headers=dict(headers), body=body)
        return WebhookResponse(
            int(response.status_code),
            {str(k): str(v) for k, v in dict(response.headers).items()},
            bytes(response.body or b""),
        )

    return handle
