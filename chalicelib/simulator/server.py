"""The simulator on loopback: a ``ThreadingHTTPServer`` in a thread serving ``SimulatorApi``
over TLS with a certificate from a throwaway ``trustme`` CA (issued for 127.0.0.1 and
localhost; its PEM is written to ``ca_pem_path`` for clients to trust), and, in background mode,
workers that drive the network so calls created through the API run by themselves: a bounded
pool where each call runs on a lane of its own (``Network.run_concurrently``), so calls progress
in parallel, or with ``workers=0`` one thread for every call (``Network.serve_forever``).
It listens with a backlog (``LISTEN_BACKLOG``) that takes hundreds of simultaneous connections
(the standard library's default of 5 resets bursts); the TLS handshake happens in the request's
thread, never in the accepting one.

Imports the standard library and simulator modules; ``trustme`` lazily (a dev dependency).
Never the app.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from chalicelib.simulator.api import SMS_REQUESTS_PER_SECOND, ApiRequest, SimulatorApi
from chalicelib.simulator.lanes import LanePool
from chalicelib.simulator.network import Network
from chalicelib.simulator.throttle import CALLS_PER_SECOND, RateLimiter, Throttle

MAX_BODY = 5 * 1024 * 1024
LISTEN_BACKLOG = 1024
WORKERS = 16


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, address: tuple[str, int], api: SimulatorApi) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.ssl_context: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(10)
        try:
            secured = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            with contextlib.suppress(OSError):
                secured.shutdown(socket.SHUT_RDWR)
            secured.close()


class ApiHandler(BaseHTTPRequestHandler):
    """One request of a simulator listener: read (a body past ``max_body``, or a length that is
    not a number, is refused with 413 / 400), handed to the server's ``api`` as an
    ``ApiRequest``, its ``ApiResponse`` written back. Shared by the provider API and the dev
    phone's listener."""

    protocol_version = "HTTP/1.1"
    max_body = MAX_BODY

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= self.max_body:
            self.send_error(413 if length > self.max_body else 400)
            return
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = ApiRequest(
            method=self.command,
            path=parts.path,
            query=parts.query,
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
        )
        response = self.server.api.handle(request)  # type: ignore[attr-defined]
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.body and self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = _serve
    do_HEAD = _serve
    do_POST = _serve
    do_PUT = _serve
    do_DELETE = _serve


class _Handler(ApiHandler):
    server: _HttpServer


class SimulatorServer:
    """The provider's REST API and the control API on loopback.

    ``background``: workers drive the network (calls created through the API run by
    themselves); without it the owner drives it (``network.run_until_idle()``).
    ``workers``: how many calls progress at once, each on its own lane (0: one thread carries
    every call, one webhook at a time).
    ``speed``: virtual seconds per real second for the workers (None: as fast as possible).
    ``limiter_clock``: the clock of the request limits (None: the network's virtual clock;
    the 30-SMS-per-second limit then counts real seconds).
    """

    def __init__(
        self,
        network: Network,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: bool = True,
        *,
        background: bool = True,
        workers: int = WORKERS,
        speed: float | None = None,
        limiter_clock: Callable[[], float] | None = None,
        calls_per_second: int = CALLS_PER_SECOND,
        ca_pem_path: str | None = None,
    ) -> None:
        self.network = network
        self.host = host
        self.tls = tls
        self.background = background
        self.workers = workers
        self.speed = speed
        throttle = None
        if limiter_clock is not None or calls_per_second != CALLS_PER_SECOND:
            clock = limiter_clock or (lambda: network.clock_of(None).seconds)
            throttle = Throttle(clock, calls_per_second)
            network.throttle = throttle
        sms_limiter = RateLimiter(SMS_REQUESTS_PER_SECOND, 1.0, limiter_clock or time.monotonic)
        self.api = SimulatorApi(network, throttle, sms_limiter)
        self._requested_port = port
        self._requested_ca_path = ca_pem_path
        self._httpd: _HttpServer | None = None
        self._threads: list[threading.Thread] = []
        self._lanes: LanePool | None = None
        self._stop = threading.Event()
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        self.ca_pem_path: str | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``https://127.0.0.1:PORT`` (or http when TLS is off)."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def host_port(self) -> str:
        """What the SDK's ``api_host``/``rest_host`` take."""
        return f"{self.host}:{self.port}"

    def _ssl_context(self) -> ssl.SSLContext:
        import trustme

        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        certificate.configure_cert(context)
        if self._requested_ca_path is not None:
            path = Path(self._requested_ca_path)
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            self._tempdir = tempfile.TemporaryDirectory(prefix="ringflow-sim-")
            path = Path(self._tempdir.name) / "ca.pem"
        authority.cert_pem.write_to_path(str(path))
        self.ca_pem_path = str(path)
        return context

    def start(self) -> SimulatorServer:
        """Listen, start the workers in background mode, then serve."""
        httpd = _HttpServer((self.host, self._requested_port), self.api)
        if self.tls:
            httpd.ssl_context = self._ssl_context()
        self._httpd = httpd
        self.network.api_base_url = self.url
        if self.background and self.workers > 0:
            self._lanes = self.network.run_concurrently(self.workers, self.speed)
        elif self.background:
            worker = threading.Thread(
                target=self.network.serve_forever,
                args=(self._stop, self.speed),
                name="sim-network",
                daemon=True,
            )
            self.network.drive_from(worker)
            worker.start()
            self._threads.append(worker)
        serving = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="sim-http", daemon=True
        )
        serving.start()
        self._threads.append(serving)
        return self

    def stop(self) -> None:
        """Stop listening and stop the worker."""
        self._stop.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._lanes is not None:
            self._lanes.stop()
            self._lanes = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
