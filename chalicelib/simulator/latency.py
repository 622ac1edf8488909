"""How long the application takes to answer the provider's webhooks, on the virtual clock, and
what the provider makes of a slow answer (FACTS §3.5): the call waits for the answer as long as
the read timeout allows (5 s for the answer and fallback URLs, 10 s for events, configurable per
application); an answer that comes later is a timeout: the application got the request and acted
on it, but its answer is dropped and the provider retries, then falls back.

Owns ``AppLatency`` (seconds per webhook kind and attempt, as a scenario gives them) and the
verdict on one attempt (``waited``). Imports the standard library only; never the dispatcher,
the network or the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

KINDS = frozenset({"answer", "fallback", "event", "input", "notify", "record"})


@dataclass(frozen=True)
class AppLatency:
    """Seconds the application takes to answer each kind of webhook: one number for every
    attempt, or one per attempt in turn (attempts beyond the list answer at once)."""

    seconds: Mapping[str, tuple[float, ...] | float] = field(default_factory=dict)

    def of(self, kind: str, attempt: int) -> float:
        """How long attempt ``attempt`` (1-based) of a ``kind`` webhook takes to be answered."""
        value = self.seconds.get(kind, 0.0)
        if isinstance(value, tuple):
            return value[attempt - 1] if attempt <= len(value) else 0.0
        return value

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object]) -> AppLatency:
        """From ``{"answer": 6, "input": [6, 0.2]}``; raises ``ValueError`` on bad input."""
        seconds: dict[str, tuple[float, ...] | float] = {}
        for kind, value in raw.items():
            if kind not in KINDS:
                raise ValueError(f"unknown webhook kind {kind!r}; known: {sorted(KINDS)}")
            if isinstance(value, list):
                seconds[kind] = tuple(_seconds(item, kind) for item in value)
            else:
                seconds[kind] = _seconds(value, kind)
        return cls(seconds)


def _seconds(value: object, kind: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{kind}: seconds must be a number >= 0, got {value!r}")
    return float(value)


def waited(latency: float, timeout: float) -> tuple[float, bool]:
    """How long the provider waited for an answer taking ``latency`` seconds with a read
    timeout of ``timeout``, and whether it gave up (a timeout: the attempt failed)."""
    if latency >= timeout:
        return timeout, True
    return latency, False
