"""The unit tests' network guard (the guard itself is in ``netguard.py``).

While a test under ``tests/unit/`` is set up (its fixtures, of every scope) and while it runs,
the standard library's network entry points raise ``NetworkInUnitTestError`` naming the test:
``socket.socket.connect``, ``connect_ex``, ``bind``, ``listen`` and ``sendto`` on an IPv4 or IPv6
socket (so also ``ssl``, ``http.client``, ``urllib``, ``requests``, ``urllib3``, ``botocore``
and ``asyncio``, which all go through them), and ``socket.create_connection``,
``socket.getaddrinfo``, ``gethostbyname``, ``gethostbyname_ex`` and ``gethostbyaddr`` for any
host, loopback included. Unix sockets stay allowed (``socket.socketpair``, which asyncio's event
loops open, is one), and so do subprocesses and their pipes.

If the code under test catches the error (``except Exception``, or a connection error turned
into a result), the test still fails once it is over: the guard remembers every attempt. A test
that means to trip the guard (``test_network_guard.py``) clears ``network_guard.attempts``.

The guard is installed by hooks, not by an autouse fixture, so that fixtures of wider scope are
guarded too; pytest calls a conftest's ``pytest_runtest_*`` hooks only for the tests under its
folder, so ``tests/integration`` and the other suites run unguarded in the same session.
Teardown is not guarded: the last unit test's teardown also tears down other folders'
session fixtures.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from contextlib import contextmanager

import pytest
from netguard import NetworkGuard, NetworkInUnitTestError

GUARD = pytest.StashKey[NetworkGuard]()


@contextmanager
def _installed(item: pytest.Item) -> Iterator[NetworkGuard]:
    guard = item.stash.setdefault(GUARD, NetworkGuard(item.nodeid))
    patch = pytest.MonkeyPatch()
    try:
        guard.install(patch)
        yield guard
    finally:
        patch.undo()


def _guarded(item: pytest.Item) -> Generator[None, object, object]:
    with _installed(item) as guard:
        try:
            result = yield
        except NetworkInUnitTestError:
            raise
        except Exception as error:
            if guard.attempts:  # the guard's error was caught and something else went wrong
                raise NetworkInUnitTestError(guard.attempts[0]) from error
            raise
    if guard.attempts:
        raise NetworkInUnitTestError(f"{guard.attempts[0]} (the code under test caught it)")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    return (yield from _guarded(item))


@pytest.fixture
def network_guard(request: pytest.FixtureRequest) -> NetworkGuard:
    """The guard of the running unit test (to check it, or to clear an attempt made on purpose)."""
    guard: NetworkGuard = request.node.stash[GUARD]
    return guard
