"""Snapshots of the process-wide registries, so a test that installs the example product leaves
the platform as it found it (its table unregistered too)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from chalicelib.calls import tasks
from chalicelib.flows import calldata, engine
from chalicelib.flows.widgets import WIDGETS
from chalicelib.web import problems

_REGISTRIES: tuple[dict[Any, Any], ...] = (
    WIDGETS,
    engine._HANDLERS,
    engine._TIMERS,
    tasks.EFFECT_TYPES,
    tasks._NAME_OF,
    calldata.KINDS,
    problems.ERROR_STATUSES,
)


@contextmanager
def restored() -> Iterator[None]:
    """Run the block, then put every registry back as it was (the tips table included)."""
    from exampleproduct.store import forget

    saved = [dict(registry) for registry in _REGISTRIES]
    try:
        yield
    finally:
        forget()
        for registry, before in zip(_REGISTRIES, saved, strict=True):
            registry.clear()
            registry.update(before)
