"""The simulator's HTTP transport against a recording HTTP server on loopback: a new connection
per request, refused connections and read timeouts (the simulator's other parts are unit tests in
tests/unit/simulator/test_sim_parts.py)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from simkit import START, application

from chalicelib.simulator.network import Network
from chalicelib.simulator.scheduler import VirtualClock
from chalicelib.simulator.transport import HttpTransport, TransportError


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[dict[str, Any]] = []

    def log_message(self, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path == "/slow":
            threading.Event().wait(0.5)
        answer = json.dumps([{"action": "talk", "text": "over http"}]).encode()
        with contextlib.suppress(OSError):  # the /slow client has given up by now
            self.send_response(200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    do_GET = do_POST


@pytest.fixture
def http_app() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.seen = []
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.http
def test_http_transport_uses_a_new_connection_per_request(http_app: str) -> None:
    # GIVEN a network that reaches the app over real HTTP
    network = Network(
        application(answer_url=f"{http_app}/answer", event_url=f"{http_app}/event"),
        HttpTransport(),
        VirtualClock(START),
    )
    # WHEN a call runs
    call = network.call("447700900001", "447700900100")
    # THEN every request said Connection: close and the NCCO came over HTTP
    assert call.transcript.said() == ["over http"]
    assert all(r["headers"]["Connection"] == "close" for r in _Recorder.seen)
    assert _Recorder.seen[0]["path"].startswith("/answer?to=447700900100")


@pytest.mark.http
def test_http_transport_reports_refused_connections_and_read_timeouts(http_app: str) -> None:
    transport = HttpTransport(timeout=0.1)
    with pytest.raises(TransportError) as refused:
        transport.send("POST", "http://127.0.0.1:9/x", {}, b"{}")
    assert not refused.value.timed_out
    with pytest.raises(TransportError) as slow:
        transport.send("POST", f"{http_app}/slow", {}, b"{}")
    assert slow.value.timed_out
