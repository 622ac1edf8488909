"""The network guard of the unit tests (installed by tests/unit/conftest.py, which says how):
the socket module's network entry points, patched to refuse with an error naming the test."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any, NoReturn

import pytest

ADVICE = "unit tests do not touch the network: move this test to tests/integration"
NETWORK_FAMILIES = frozenset({socket.AF_INET, socket.AF_INET6})
SOCKET_METHODS = ("connect", "connect_ex", "bind", "listen", "sendto")
LOOKUPS = (
    "create_connection",
    "getaddrinfo",
    "gethostbyname",
    "gethostbyname_ex",
    "gethostbyaddr",
)


class NetworkInUnitTestError(RuntimeError):
    """A unit test (or code it called) tried to use the network."""


class NetworkGuard:
    """The attempts one unit test made; ``install`` patches the socket module to refuse them."""

    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid
        self.attempts: list[str] = []

    def refuse(self, what: str) -> NoReturn:
        message = f"{self.nodeid}: {what}: {ADVICE}"
        self.attempts.append(message)
        raise NetworkInUnitTestError(message)

    def install(self, patch: pytest.MonkeyPatch) -> None:
        for name in SOCKET_METHODS:
            patch.setattr(socket.socket, name, self._method(name, getattr(socket.socket, name)))
        for name in LOOKUPS:
            patch.setattr(socket, name, self._lookup(name))

    def _method(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        guard = self

        def guarded(sock: socket.socket, *args: Any) -> Any:
            if sock.family not in NETWORK_FAMILIES:
                return original(sock, *args)  # AF_UNIX and other local sockets
            target = f" {args[-1]!r}" if name != "listen" and args else ""
            guard.refuse(f"socket.{name}{target}")

        guarded.__name__ = name
        return guarded

    def _lookup(self, name: str) -> Callable[..., Any]:
        guard = self

        def guarded(*args: Any, **kwargs: Any) -> NoReturn:
            target = f" {args[0]!r}" if args else ""
            guard.refuse(f"socket.{name}{target}")

        guarded.__name__ = name
        return guarded
