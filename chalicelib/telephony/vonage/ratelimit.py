"""A blocking token bucket that keeps this process under Vonage's request rates.

Vonage counts calls created (3/s) and other Voice API requests (15/s) over a rolling second and
answers 429 beyond that (FACTS §5). A bucket of capacity 1 refilled at ``rate`` spaces requests
``1/rate`` apart, so no window shorter than a second holds more than ``rate`` of them. The clock
and the sleep are parameters, so tests drive it with a fake clock. Imports only the standard
library.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_EPSILON = 1e-9


class TokenBucket:
    """Hands out one token per request; ``acquire`` sleeps until one is available."""

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        if not rate > 0 or not capacity >= 1:
            raise ValueError("rate must be > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = capacity
        self._monotonic = monotonic
        self._sleep = sleep
        self._tokens = capacity
        self._last: float | None = None
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._monotonic()
        if self._last is not None:
            self._tokens = min(self.capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def acquire(self) -> float:
        """Take one token, sleeping first if there is none; return the seconds slept."""
        slept = 0.0
        with self._lock:
            self._refill()
            while self._tokens < 1 - _EPSILON:
                wait = (1 - self._tokens) / self.rate
                self._sleep(wait)
                slept += wait
                self._refill()
            self._tokens -= 1
        return slept
