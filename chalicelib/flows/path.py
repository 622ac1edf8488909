"""The path a call took through its flow: each node it entered, when, the output it left by, and
what came in while it waited (the keys or words of the caller, a webhook's status and time).

Kept on the call's state by the engine and copied into its record, so an operator can see why a
call went where it went. Bounded (``MAX_PATH`` steps; a call that loops past it keeps its first
steps and says it was cut), and compact in storage (short keys, no empty fields). Pure: imports
the standard library, ``flows.outcomes`` and telephony events only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.flows.outcomes import HttpResponded
from chalicelib.telephony.events import CallStatusChanged, InputReceived

MAX_PATH = 100
"""The most steps a call keeps (a few kilobytes of its state at most)."""
MAX_HEARD = 80
"""The most characters kept of what a caller said or pressed at one node."""


@dataclass(frozen=True)
class PathStep:
    """One node a call entered: ``at`` seconds after the call started; ``output`` it left by
    (None: the call waited or ended there); ``heard`` the caller's keys or words; ``status``
    and ``seconds`` a webhook's HTTP status (or error kind) and how long it took, or the status
    of a leg the node dialled."""

    node: str
    widget: str
    at: float
    output: str | None = None
    heard: str | None = None
    status: str | None = None
    seconds: float | None = None

    def to_json(self) -> dict[str, Any]:
        """The step with its empty fields left out."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


def entered(
    path: tuple[PathStep, ...], node: str, widget: str, started: datetime, now: datetime
) -> tuple[PathStep, ...]:
    """``path`` with a step into ``node`` at ``now`` (unchanged once it holds ``MAX_PATH``)."""
    if len(path) >= MAX_PATH:
        return path
    at = round(max(0.0, (now - started).total_seconds()), 2)
    return (*path, PathStep(node, widget, at))


def left(path: tuple[PathStep, ...], node: str, output: str) -> tuple[PathStep, ...]:
    """``path`` with its last step, if it is ``node``, leaving by ``output``."""
    if not path or path[-1].node != node:
        return path
    return (*path[:-1], replace(path[-1], output=output))


def heard(path: tuple[PathStep, ...], node: str, event: object) -> tuple[PathStep, ...]:
    """``path`` with what ``event`` brought to the waiting ``node`` noted on its last step."""
    if not path or path[-1].node != node:
        return path
    last = path[-1]
    if isinstance(event, InputReceived):
        words = event.speech[0].text if event.speech else None
        given = event.digits or words or ("(timed out)" if event.dtmf_timed_out else None)
        return (*path[:-1], replace(last, heard=given[:MAX_HEARD] if given else None))
    if isinstance(event, HttpResponded):
        result = event.result
        status = result.error or (str(result.status_code) if result.status_code else None)
        return (*path[:-1], replace(last, status=status, seconds=round(result.duration, 3)))
    if isinstance(event, CallStatusChanged):
        return (*path[:-1], replace(last, status=event.status.value))
    return path


def is_cut(path: tuple[PathStep, ...]) -> bool:
    """Whether the call went on past the steps it kept."""
    return len(path) >= MAX_PATH


def encode(path: tuple[PathStep, ...]) -> str | None:
    """The path as compact JSON for storage (None: empty)."""
    if not path:
        return None
    return json.dumps([step.to_json() for step in path], separators=(",", ":"))


def decode(text: str | None) -> tuple[PathStep, ...]:
    """A stored path back (an unreadable one reads as empty: it only explains a call)."""
    if not text:
        return ()
    try:
        return tuple(PathStep(**item) for item in json.loads(text))
    except (ValueError, TypeError):
        return ()
