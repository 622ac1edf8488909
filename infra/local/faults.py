"""Faults on loopback, for the fault suite and ``make bench``: a proxy in front of a real moto
server that passes, hangs, throttles, fails or drops requests on command, and an HTTP server
that never answers (a tenant's hung webhook). Every wait is bounded; only 127.0.0.1 is bound.
Imports the standard library only."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HANG_LIMIT_SECONDS = 30.0
"""A hung request is dropped after this long at the latest (the test is over by then)."""

THROTTLED = {
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded.",
}
FAILED = {"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "boom"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64


class FaultyProxy:
    """Forwards to ``upstream`` while ``mode`` is ``pass``; otherwise ``hang`` (accept, never
    answer, like a paused process), ``throttle`` (400 throughput exceeded), ``fail`` (500) or
    ``drop`` (close the connection without an answer). Counts requests by DynamoDB operation."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.mode = "pass"
        self.seen: Counter[str] = Counter()
        self._released = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return

            def do_POST(self) -> None:
                proxy._handle(self)

            do_GET = do_PUT = do_DELETE = do_HEAD = do_POST

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultyProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def set(self, mode: str) -> None:
        """Switch mode; leaving ``hang`` lets hung requests go (they are then dropped)."""
        self.mode = mode
        if mode == "hang":
            self._released.clear()
        else:
            self._released.set()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        operation = (request.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
        mode = self.mode
        self.seen[f"{mode}:{operation}"] += 1
        if mode == "hang":
            self._released.wait(HANG_LIMIT_SECONDS)
            request.close_connection = True
            return
        if mode == "drop":
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode in ("throttle", "fail"):
            status, error = (400, THROTTLED) if mode == "throttle" else (500, FAILED)
            data = json.dumps(error).encode()
            request.send_response(status)
            request.send_header("Content-Type", "application/x-amz-json-1.0")
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
            return
        connection = http.client.HTTPConnection(
            self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=10
        )
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        connection.request(request.command, request.path, body=body, headers=headers)
        answer = connection.getresponse()
        data = answer.read()
        request.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in {"content-length", "transfer-encoding", "connection"}:
                request.send_header(key, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
        connection.close()

    def count(self, mode: str, operation: str | None = None) -> int:
        """Requests seen in ``mode`` (of one operation, e.g. ``PutItem``)."""
        return sum(
            n
            for key, n in self.seen.items()
            if key.startswith(f"{mode}:") and (operation is None or key.endswith(f":{operation}"))
        )


@contextmanager
def faulty_proxy(upstream: str) -> Iterator[FaultyProxy]:
    """A started proxy, stopped afterwards."""
    proxy = FaultyProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@contextmanager
def silent_server() -> Iterator[str]:
    """An HTTP server that accepts connections and never answers; yields its URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


def closed_port_url() -> str:
    """A loopback URL on which nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
