"""The unit tests' network guard (tests/unit/conftest.py): GIVEN a unit test, WHEN it connects,
resolves a name, binds or listens, THEN it gets an error that names it and says where such tests
belong; local sockets, asyncio's event loop and subprocess pipes still work; and no unit test
imports moto (which fakes AWS in-process, so no socket would ever show it)."""

from __future__ import annotations

import ast
import asyncio
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from netguard import NetworkGuard, NetworkInUnitTestError

UNIT = Path(__file__).resolve().parent
MOVE = "unit tests do not touch the network: move this test to tests/integration"


def test_a_connect_to_loopback_is_refused_naming_the_test(
    request: pytest.FixtureRequest, network_guard: NetworkGuard
) -> None:
    # GIVEN a TCP socket in a unit test
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # WHEN it connects to 127.0.0.1
    # THEN the guard refuses, naming this test and where it belongs
    with sock, pytest.raises(NetworkInUnitTestError) as refused:
        sock.connect(("127.0.0.1", 9))
    assert request.node.nodeid in str(refused.value)
    assert MOVE in str(refused.value)
    assert "127.0.0.1" in str(refused.value)
    network_guard.attempts.clear()  # made on purpose


@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(lambda: socket.create_connection(("127.0.0.1", 9), timeout=1), id="create"),
        pytest.param(lambda: socket.getaddrinfo("localhost", 80), id="getaddrinfo"),
        pytest.param(lambda: socket.gethostbyname("example.com"), id="gethostbyname"),
        pytest.param(lambda: socket.socket().connect_ex(("127.0.0.1", 9)), id="connect_ex"),
        pytest.param(lambda: socket.socket().bind(("127.0.0.1", 0)), id="bind"),
        pytest.param(lambda: socket.socket().listen(), id="listen"),
        pytest.param(lambda: socket.create_server(("127.0.0.1", 0)), id="server"),
        pytest.param(
            lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).sendto(b"x", ("::1", 9)),
            id="udp6",
        ),
        pytest.param(lambda: urllib.request.urlopen("http://127.0.0.1:9/", timeout=1), id="url"),
    ],
)
def test_every_way_onto_the_network_is_refused(
    attempt: Callable[[], object], network_guard: NetworkGuard
) -> None:
    with pytest.raises(NetworkInUnitTestError, match="move this test to tests/integration"):
        attempt()
    network_guard.attempts.clear()


def test_an_attempt_the_code_swallows_still_fails_the_test(network_guard: NetworkGuard) -> None:
    # GIVEN code that turns any failure into a result
    def reachable() -> bool:
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1).close()
        except Exception:
            return False
        return True

    # WHEN it runs / THEN the attempt is remembered, for the guard to fail the test afterwards
    assert reachable() is False
    assert len(network_guard.attempts) == 1
    network_guard.attempts.clear()


def test_local_sockets_event_loops_and_subprocess_pipes_still_work(tmp_path: Path) -> None:
    # GIVEN the guard / WHEN a socket pair talks, a Unix socket binds, an asyncio loop runs and
    # a subprocess answers through its pipes / THEN all of it works
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"ping")
        assert right.recv(4) == b"ping"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix:
        unix.bind(str(tmp_path / "s"))
        unix.listen()

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    assert asyncio.run(answer()) == 42
    out = subprocess.run(
        [sys.executable, "-c", "print('pong')"], capture_output=True, text=True, check=True
    )
    assert out.stdout == "pong\n"


def test_no_unit_test_imports_moto() -> None:
    # GIVEN every module under tests/unit / WHEN its imports are read (lazy ones too)
    # THEN none imports moto: tests on moto belong in tests/integration
    found: dict[str, list[str]] = {}
    for path in sorted(UNIT.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        moto = sorted(n for n in names if n == "moto" or n.startswith("moto."))
        if moto:
            found[str(path.relative_to(UNIT))] = moto
    assert found == {}
