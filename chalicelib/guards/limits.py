"""Velocity limits and daily caps for public triggers (a web callback form, a click-to-call
banner): how many requests one client IP or one called number may make in a window, how much a
service may commit in a day, and which repeated request is the same one (a double click).

Windows are fixed (``now // seconds``): a client gets at most ``limit`` requests in each, so at
most twice that across a window's edge; simple, and exact under concurrency because each
counter is one conditional ``ADD`` (``store.counters``). A request refused by one limit still
counted against the limits checked before it (an attacker's refused tries are tries). Refusals
raise ``RateLimitedError`` (with the seconds until the window turns) or ``RefusedError``; the
caller counts them. Imports the store's counters, the platform's errors and the standard
library; must not import a product package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib.errors import RateLimitedError, RefusedError
from chalicelib.store.counters import CounterRepository

DAY_SECONDS = 86_400
KEPT_SECONDS = 2 * DAY_SECONDS
"""How long a day's cap counter outlives its day (then DynamoDB's TTL removes it)."""


@dataclass(frozen=True)
class Velocity:
    """At most ``limit`` requests per ``seconds`` for one subject (an IP, a number)."""

    limit: int
    seconds: int

    def __post_init__(self) -> None:
        if self.limit < 1 or self.seconds < 1:
            raise ValueError(f"a velocity limit needs limit and seconds >= 1, got {self}")


@dataclass(frozen=True)
class Counted:
    """One subject counted under a limit: ``kind`` names it to the client ("client IP",
    "called number"); ``subject`` is what is counted (hashed into the key)."""

    kind: str
    subject: str
    velocity: Velocity


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass
class Guard:
    """Limits of one scope (e.g. ``web:<service>``) on the shared counters."""

    counters: CounterRepository
    clock: Callable[[], datetime]

    def admit(self, scope: str, counted: Sequence[Counted]) -> None:
        """Count one request against each limit in turn; ``RateLimitedError`` at the first
        one it would pass (1 conditional UpdateItem per limit checked)."""
        now = self.clock()
        epoch = int(now.timestamp())
        for item in counted:
            seconds = item.velocity.seconds
            window = epoch // seconds
            key = f"{scope}:v:{_digest(item.kind + chr(0) + item.subject)}:{seconds}:{window}"
            ends = datetime.fromtimestamp((window + 1) * seconds, UTC)
            if not self.counters.add_within(
                key, Decimal(1), Decimal(item.velocity.limit), ends + timedelta(seconds=seconds)
            ):
                retry = max(1, int((ends - now).total_seconds()))
                raise RateLimitedError(
                    f"too many requests for this {item.kind}: at most {item.velocity.limit} "
                    f"per {_period(seconds)}; try again in {retry} s",
                    retry_after=retry,
                )

    def commit(self, scope: str, day: date, amount: Decimal, cap: Decimal) -> None:
        """Add ``amount`` to the scope's total of ``day`` within ``cap``; ``RefusedError``
        when it would pass the cap (1 conditional UpdateItem)."""
        expires = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
            seconds=KEPT_SECONDS
        )
        if not self.counters.add_within(f"{scope}:day:{day.isoformat()}", amount, cap, expires):
            raise RefusedError("this service has reached its spending limit for today")

    def committed(self, scope: str, day: date) -> Decimal:
        """What the scope committed on ``day`` (1 consistent GetItem)."""
        return self.counters.total(f"{scope}:day:{day.isoformat()}")

    def forget(self, scope: str, request: str) -> None:
        """Drop what ``first`` kept for ``request`` (it was refused: a corrected one is new).
        1 DeleteItem."""
        self.counters.forget(f"{scope}:once:{_digest(request)}")

    def first(self, scope: str, request: str, candidate: str, seconds: int) -> str:
        """The id of the request first seen as ``request`` within ``seconds``: ``candidate``
        when this one is the first (1 conditional PutItem, +1 GetItem when it is a repeat)."""
        now = self.clock()
        key = f"{scope}:once:{_digest(request)}"
        return self.counters.first(key, candidate, now, now + timedelta(seconds=seconds))


def _period(seconds: int) -> str:
    for unit, size in (("day", DAY_SECONDS), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"
