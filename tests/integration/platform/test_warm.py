"""Warming for Lambda's init phase: GIVEN settings whose AWS endpoint is a loopback listener that
counts connections, WHEN the container is warmed, THEN the store is bound, the shared DynamoDB
client and the voice service are built, and not one connection was opened; a failure while
warming is logged, never raised."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
from tracingkit import Recorded

from chalicelib.settings import Settings
from chalicelib.store import binding
from chalicelib.wiring import Container


class CountingListener:
    """A TCP listener on loopback that only counts the connections made to it (a fake)."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self._socket.close()


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingListener]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    listener = CountingListener()
    yield listener
    listener.close()


def test_warming_builds_the_client_and_the_voice_service_without_network_io(
    endpoint: CountingListener,
) -> None:
    # GIVEN a container whose AWS endpoint counts connections
    container = Container(
        Settings(stage="dev", table_prefix="ringflow-warm-", aws_endpoint_url=endpoint.url)
    )
    # WHEN it is warmed
    container.warm()
    # THEN the store is bound to its settings and the shared connection has its client
    assert binding.bound_settings() is container.settings
    client = binding.shared_connection()._client  # built already, not on this access
    assert client is not None
    assert client.meta.service_model.service_name == "dynamodb"
    assert client.meta.endpoint_url == endpoint.url
    assert "voice" in vars(container)
    # AND nothing was sent anywhere
    assert endpoint.accepted == 0


def test_a_failure_while_warming_is_logged_and_left_to_the_first_request(
    endpoint: CountingListener, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a container whose DynamoDB client cannot be built
    def broken() -> None:
        raise RuntimeError("no client today")

    monkeypatch.setattr(binding, "connect", broken)
    log = Recorded()
    logging.getLogger("ringflow").addHandler(log)
    container = Container(Settings(stage="dev", aws_endpoint_url=endpoint.url))
    # WHEN it is warmed (as importing app on Lambda does)
    try:
        container.warm()
    finally:
        logging.getLogger("ringflow").removeHandler(log)
    # THEN it did not raise; one warning says warming failed, and nothing was built past it
    assert log.messages(logging.WARNING) == [
        "warming failed: the first request builds what it needs"
    ]
    assert "voice" not in vars(container)
