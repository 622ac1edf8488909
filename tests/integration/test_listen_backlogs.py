"""Every local server that takes webhook or API traffic answers a burst of 200 simultaneous
connections without a reset or a timeout: the simulator's provider API (TLS), the app on
Chalice's local server (``infra.local.app_server``, what ``make run`` starts), the demo message
service and moto (``infra.local.moto``'s process). With the standard library's listen backlog of
5 such a burst loses connections. GIVEN the server on loopback, WHEN 200 clients released at
the same instant each send one request on a new connection, THEN every one gets an HTTP 200.
Bounded: 200 connections, 10 s each, 60 s in all."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from chalicelib.simulator.model import VonageApplication
from chalicelib.simulator.network import Network
from chalicelib.simulator.server import SimulatorServer
from chalicelib.simulator.transport import InProcessTransport, WebhookResponse
from infra.local.message_service import MessageService, load_messages
from infra.local.moto import MotoProcess, free_port

pytestmark = pytest.mark.http

ROOT = Path(__file__).resolve().parents[2]
BURST = 200
CONNECTION_TIMEOUT = 10.0


def burst(port: int, path: str, ca: str | None = None) -> Counter[str]:
    """Open ``BURST`` connections to ``127.0.0.1:port`` at once, each sending ``GET path``;
    the status codes (or error names) they got, counted."""
    context = ssl.create_default_context(cafile=ca) if ca else None
    start = threading.Barrier(BURST)
    outcomes = ["no outcome"] * BURST
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()

    def one(index: int) -> None:
        try:
            start.wait(CONNECTION_TIMEOUT)
            with socket.create_connection(("127.0.0.1", port), CONNECTION_TIMEOUT) as raw:
                sock = context.wrap_socket(raw, server_hostname="127.0.0.1") if context else raw
                sock.sendall(request)
                head = b""
                while b"\r\n" not in head and len(head) < 4096:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    head += chunk
            outcomes[index] = head.split(b" ", 2)[1].decode() if b" " in head else "empty"
        except (OSError, threading.BrokenBarrierError) as error:
            outcomes[index] = type(error).__name__

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(BURST)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    return Counter(outcomes)


def test_the_simulator_provider_api_takes_a_burst_over_tls() -> None:
    # GIVEN the simulator's API on loopback TLS
    network = Network(
        VonageApplication(answer_url="https://app.test/answer", event_url="https://app.test/event"),
        InProcessTransport(lambda *request: WebhookResponse(200)),
    )
    with SimulatorServer(network, background=False) as server:
        assert server.ca_pem_path is not None
        # WHEN 200 clients connect at once THEN each one is answered
        assert burst(server.port, "/_sim/health", server.ca_pem_path) == {"200": BURST}


def test_the_message_service_takes_a_burst() -> None:
    # GIVEN the demo message service
    service = MessageService(load_messages()).start()
    try:
        port = int(service.server.server_address[1])
        # WHEN 200 look-ups arrive at once THEN each one is answered
        assert burst(port, "/messages?cid=447700900001") == {"200": BURST}
    finally:
        service.stop()


def test_moto_takes_a_burst() -> None:
    # GIVEN moto as the local run starts it (its own process)
    moto = MotoProcess()
    moto.start()
    try:
        # WHEN 200 clients connect at once THEN each one is answered
        assert burst(moto.port, "/moto-api/") == {"200": BURST}
    finally:
        moto.stop()


@pytest.fixture
def app_server(tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    env = {
        **os.environ,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "RINGFLOW_STAGE": "local",
    }
    log = (tmp_path / "app.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "infra.local.app_server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except requests.RequestException:
                assert process.poll() is None, (tmp_path / "app.log").read_text()
                time.sleep(0.2)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_the_app_server_takes_a_burst_and_stops_on_sigterm(
    app_server: tuple[int, subprocess.Popen[bytes]],
) -> None:
    # GIVEN the app on Chalice's local server as make run starts it
    port, process = app_server
    # WHEN 200 webhooks' worth of connections arrive at once
    outcomes = burst(port, "/health")
    # THEN each one is answered, and SIGTERM stops the server cleanly
    assert outcomes == {"200": BURST}
    process.terminate()
    assert process.wait(10) == 0


def test_the_local_app_answers_an_unknown_route_as_the_deployed_api_does(
    app_server: tuple[int, subprocess.Popen[bytes]],
) -> None:
    # GIVEN the app as make run serves it / WHEN a route that does not exist is asked for with
    # a Bearer key (Chalice's gateway, like API Gateway's, would repeat the header in a 403)
    port, _ = app_server
    response = requests.get(
        f"http://127.0.0.1:{port}/v1/nope",
        headers={"Authorization": "Bearer rf_acme_secret-key-value-0123456789abcdef"},
        timeout=5,
    )
    # THEN it is a 404 problem that never repeats the key
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "no such resource"
    assert "secret-key-value" not in response.text
