"""The webhook widget's HTTP client: GIVEN a request, WHEN it is made, THEN a result comes back
(never an exception), and tenant flows cannot reach private addresses outside the local stage."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.calls.http import fetch
from chalicelib.flows.outcomes import HttpRequest


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            data = json.dumps({"echo": json.loads(body), "header": self.headers["X-Test"]}).encode()
            self.send_response(201)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_post_comes_back_with_status_and_body(server: str) -> None:
    result = fetch(
        HttpRequest("POST", f"{server}/x", {"X-Test": "1"}, '{"a": 1}', 2.0), allow_private=True
    )
    assert result.status_code == 201 and result.error is None
    assert json.loads(result.body) == {"echo": {"a": 1}, "header": "1"}


def test_redirects_are_not_followed(server: str) -> None:
    result = fetch(HttpRequest("GET", f"{server}/moved"), allow_private=True)
    assert result.status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9001/2018-06-01/runtime/invocation/next",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/",
        "http://[::1]/",
        "http://localhost/",
    ],
)
def test_private_addresses_are_blocked_outside_the_local_stage(url: str) -> None:
    result = fetch(HttpRequest("GET", url))
    assert (result.status_code, result.error) == (None, "BLOCKED_ADDRESS")


def test_refused_connections_and_bad_urls_are_results_not_exceptions() -> None:
    assert (
        fetch(HttpRequest("GET", "http://127.0.0.1:9/"), allow_private=True).error
        == "CONNECTION_ERROR"
    )
    assert fetch(HttpRequest("GET", "ftp://example.com/")).error == "INVALID_URL"
    assert fetch(HttpRequest("GET", "http://no-such-host.invalid/")).error == "CONNECTION_ERROR"


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(tmp_path: Any) -> None:
    import ssl

    import trustme

    ca = trustme.CA()
    certificate = ca.issue_cert("localhost")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = json.dumps({"host": self.headers["Host"], "path": self.path}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    port = httpd.server_address[1]
    try:
        good = fetch(
            HttpRequest("GET", f"https://localhost:{port}/m?cid=1", timeout=3),
            allow_private=True,
            ca_certs=str(ca_path),
        )
        assert good.status_code == 200 and json.loads(good.body) == {
            "host": f"localhost:{port}",
            "path": "/m?cid=1",
        }
        # the same server reached by address: its certificate does not name 127.0.0.1
        wrong = fetch(
            HttpRequest("GET", f"https://127.0.0.1:{port}/m", timeout=3),
            allow_private=True,
            ca_certs=str(ca_path),
        )
        assert wrong.error == "CONNECTION_ERROR"
    finally:
        httpd.shutdown()
