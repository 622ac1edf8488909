"""REST commands in flight (hang up, transfer, talk, stream, DTMF, mute, earmuff): on the network
a command reaches the leg some time after the application sent it, and an application sends its
next command once the previous one was answered, so the legs move on in between. Hanging up B
ends A's ``connect`` (and A, when nothing follows it) before a transfer of A sent next lands, and
that transfer then fails on a completed call (FACTS §6.1).

A command lands ``delay`` virtual seconds after it was sent, and never sooner than ``delay``
after the previous command for the same call; the leg's state when it lands decides, and a leg
that has moved on refuses it. Owns ``Command`` (one request: pending, then applied or refused)
and ``CommandLines`` (when each call's next command lands). Imports the standard library only;
never the network, the REST API or the app.
"""

from __future__ import annotations

import threading

DEFAULT_DELAY = 0.3
"""Virtual seconds from the application's request to its effect on the leg (a REST round trip
to the provider's region and its media server)."""


class Command:
    """One REST command: pending until it lands, then applied (``error`` None) or refused."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.error: Exception | None = None
        self._landed = threading.Event()

    @property
    def landed(self) -> bool:
        return self._landed.is_set()

    def settle(self, error: Exception | None) -> None:
        """It landed: applied (None) or refused with ``error``."""
        self.error = error
        self._landed.set()

    def wait(self, timeout: float) -> bool:
        """Block until it landed (True) or ``timeout`` real seconds passed (False)."""
        return self._landed.wait(timeout)


class CommandLines:
    """When the next command of each call lands, ``delay`` virtual seconds apart."""

    def __init__(self, delay: float = DEFAULT_DELAY) -> None:
        if delay < 0:
            raise ValueError("a command delay is a number of seconds >= 0")
        self.delay = delay
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def landing(self, call: str, now: float) -> float:
        """The virtual second a command for ``call`` sent at ``now`` lands."""
        with self._lock:
            at = max(now, self._last.get(call, now)) + self.delay
            self._last[call] = at
            return at
