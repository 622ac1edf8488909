"""What the console's pages show of calls, pure: the calls in progress on a flow (where each is
now and the path it took), the flow's recent finished calls to pick one from, a call's path to
replay step by step (each node and the output it left by), the version a call ran (the one live
when it started) and the flow's versions with the live one marked.

Imports the calls' model, the flows' path and records and the standard library; no I/O, no
clock (the moment is passed in), must not import the store, the web layer or the wiring.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.calls.model import CallInProgress, CallRecord
from chalicelib.flows.path import PathStep, is_cut
from chalicelib.flows.records import FlowHead

RECENT = 20
"""The most recent calls of a flow offered to replay."""


def steps(path: Sequence[PathStep]) -> list[dict[str, Any]]:
    """A path as JSON: each node entered, its widget, when (seconds after the start), the
    output it left by (None: waited or ended there), what was heard and a status."""
    return [
        {
            "node": step.node,
            "widget": step.widget,
            "at": step.at,
            "output": step.output,
            "heard": step.heard,
            "status": step.status,
        }
        for step in path
    ]


def live_view(calls: Sequence[CallInProgress], flow_id: str, now: datetime) -> dict[str, Any]:
    """The calls in progress on ``flow_id``, newest first: where each is (its node; the last
    node of its path while it is between nodes), for how long it has run, its path so far."""
    shown = []
    for call in calls:
        if call.flow_id != flow_id:
            continue
        node = call.node or (call.path[-1].node if call.path else None)
        shown.append(
            {
                "call_id": call.call_id,
                "version": call.flow_version,
                "direction": call.direction.value,
                "from": call.from_number,
                "to": call.to_number,
                "started_at": call.started_at.isoformat(),
                "seconds": max(0, int((now - call.started_at).total_seconds())),
                "node": node,
                "path": steps(call.path),
            }
        )
    return {"calls": shown}


def recent_view(records: Sequence[CallRecord], flow_id: str, most: int = RECENT) -> list[Any]:
    """The flow's calls among ``records`` (newest first), at most ``most``."""
    return [
        {
            "call_id": record.call_id,
            "started_at": record.started_at.isoformat(),
            "from": record.from_number,
            "to": record.to_number,
            "outcome": record.outcome.value,
            "duration": record.duration,
            "steps": len(record.path),
        }
        for record in records
        if record.flow_id == flow_id
    ][:most]


def version_at(versions: Sequence[tuple[int, datetime]], at: datetime) -> int | None:
    """The version live at ``at``: the newest loaded at or before it (a flow runs its latest
    version; a rollback is stored as the next one). None when none was loaded yet."""
    loaded = [version for version, when in versions if when <= at]
    return max(loaded) if loaded else None


def replay_view(record: CallRecord, live: bool, version: int) -> dict[str, Any]:
    """A call's path to step through on the drawing of ``version``."""
    return {
        "call_id": record.call_id,
        "flow_id": record.flow_id,
        "version": version,
        "live": live,
        "outcome": "in_progress" if live else record.outcome.value,
        "started_at": record.started_at.isoformat(),
        "from": record.from_number,
        "to": record.to_number,
        "duration": record.duration,
        "steps": steps(record.path),
        "cut": is_cut(record.path),
    }


def history_view(head: FlowHead, versions: Sequence[tuple[int, datetime]]) -> list[dict[str, Any]]:
    """Every version, newest first, the live one marked: new calls run the latest version while
    the flow's listener is on (a rollback is stored as the next version); none while it is
    off."""
    return [
        {
            "version": version,
            "loaded_at": when.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "live": head.enabled and version == head.latest_version,
            "latest": version == head.latest_version,
        }
        for version, when in sorted(versions, key=lambda pair: pair[0], reverse=True)
    ]
