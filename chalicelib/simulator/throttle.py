"""The provider's request limits, counted on the virtual clock: at most 3 new calls per second
(``POST /v1/calls`` and ``connect`` legs alike) and 15 other Voice API requests per second
(``GET``/``PUT``/``DELETE`` on calls), each in a rolling one-second window; beyond that a request
is refused and not queued (FACTS §5; support "How many calls can I create per second?").

Owns the windows; the network asks it before placing a leg, the REST API before answering.
Imports the standard library only; never the network, the REST API or the app.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

CALLS_PER_SECOND = 3
REQUESTS_PER_SECOND = 15


class RateLimiter:
    """At most ``limit`` events per key in any rolling ``window`` seconds of ``clock``."""

    def __init__(
        self, limit: int = 3, window: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for ``key`` unless the window is full."""
        with self._lock:
            now = self.clock()
            events = self._events.setdefault(key, deque())
            while events and now - events[0] >= self.window:
                events.popleft()
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True


class Throttle:
    """The two limits of one account: new calls, and every other Voice API request."""

    def __init__(
        self,
        clock: Callable[[], float],
        calls_per_second: int = CALLS_PER_SECOND,
        requests_per_second: int = REQUESTS_PER_SECOND,
    ) -> None:
        self.calls = RateLimiter(calls_per_second, 1.0, clock)
        self.requests = RateLimiter(requests_per_second, 1.0, clock)

    def allow_call(self, account: str) -> bool:
        """Count one new call (a REST create or a ``connect`` leg) unless over the limit."""
        return self.calls.allow(account)

    def allow_request(self, account: str) -> bool:
        """Count one other Voice API request unless over the limit."""
        return self.requests.allow(account)
