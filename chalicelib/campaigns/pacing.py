"""Placeholder of the pacer (replaced by the DynamoDB pacer): grants every call at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class PaceLimit:
    """Placeholder."""

    key: str
    calls_per_second: Fraction | Decimal | float = 3
    max_concurrent: int | None = None


@dataclass(frozen=True)
class Granted:
    """Placeholder."""

    at: datetime


@dataclass(frozen=True)
class Wait:
    """Placeholder."""

    until: datetime
    reason: str


class Pacer:
    """Placeholder."""

    def __init__(self, store: Any, clock: Callable[[], datetime], sleep: Any = None) -> None:
        self.clock = clock

    def acquire(self, limits: Sequence[PaceLimit], call_ref: str) -> Granted | Wait:
        return Granted(self.clock())

    def release(self, keys: Sequence[str], call_ref: str) -> None:
        return None

    def throttled(self, keys: Sequence[str]) -> timedelta:
        return timedelta(seconds=1)
