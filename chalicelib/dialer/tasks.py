"""The dialer's kinds of effect run as queued tasks (``calls.tasks``): an agent's wrap-up time
is over (queued for the moment it ends; run more than once, it changes the agent once). Frozen
dataclasses of JSON values; imports the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FinishWrapUp:
    """Make an agent available again if it is still in the wrap-up that began at ``since``
    (ISO 8601) and the group's wrap-up time is over."""

    key: str
    agent_id: str
    since: str
