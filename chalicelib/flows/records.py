"""Stored flow objects: a flow's head (name, owner, latest version, enabled) and its immutable
revisions (the JSON document as loaded). Imports only the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FlowHead:
    """The mutable part of a flow: who owns it, its latest version and the listener switch."""

    flow_id: str
    account_id: str
    name: str
    latest_version: int
    enabled: bool = False
    generation: int = 0
    """Counts every change of the head (a new version, the listener): numbers attached to the
    flow copy the head as of a generation and accept only newer ones."""


@dataclass(frozen=True)
class FlowRevision:
    """One immutable version of a flow document (JSON text)."""

    flow_id: str
    version: int
    account_id: str
    document: str
    created_at: datetime
    retired: bool = False
    """The flow was deleted: the revision is kept a while for calls in progress, no longer
    shown."""
