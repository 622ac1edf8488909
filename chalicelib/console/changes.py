"""What changed between two versions of a flow, pure: the nodes added, removed and changed (and
which of a changed node's settings differ), whether the start or the after-call chain moved, and
both versions' drawings with each node marked, for the console's side-by-side.

Imports ``console.picture`` and the standard library; no I/O, must not import the store, the
web layer or the wiring.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.console.picture import drawing


def _nodes(document: Any) -> dict[str, Any]:
    nodes = document.get("nodes") if isinstance(document, Mapping) else None
    return {str(k): v for k, v in nodes.items()} if isinstance(nodes, Mapping) else {}


def _fields(old: Any, new: Any) -> list[str]:
    """The settings of a node that differ between two versions (sorted)."""
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return ["widget"]
    return sorted(str(k) for k in set(old) | set(new) if old.get(k) != new.get(k))


def changes(old: Any, new: Any) -> dict[str, Any]:
    """The nodes ``new`` adds, removes and changes from ``old`` (ids in document order),
    each changed node's differing settings, and whether ``start``/``after_call`` moved."""
    before, after = _nodes(old), _nodes(new)
    changed = {
        node_id: _fields(before[node_id], raw)
        for node_id, raw in after.items()
        if node_id in before and before[node_id] != raw
    }
    return {
        "added": [node_id for node_id in after if node_id not in before],
        "removed": [node_id for node_id in before if node_id not in after],
        "changed": list(changed),
        "fields": changed,
        "start_moved": _get(old, "start") != _get(new, "start"),
        "after_call_moved": _get(old, "after_call") != _get(new, "after_call"),
    }


def _get(document: Any, name: str) -> Any:
    return document.get(name) if isinstance(document, Mapping) else None


def _marked(picture: dict[str, Any], marks: Mapping[str, str]) -> dict[str, Any]:
    for node in picture["nodes"]:
        node["change"] = marks.get(node["id"], "")
    return picture


def side_by_side(
    old: Any, new: Any, old_problems: tuple[str, ...] = (), new_problems: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Both versions drawn, each node marked ``added``, ``removed``, ``changed`` or "", with
    the changes between them."""
    found = changes(old, new)
    changed = dict.fromkeys(found["changed"], "changed")
    return {
        "old": _marked(
            drawing(old, old_problems), {**dict.fromkeys(found["removed"], "removed"), **changed}
        ),
        "new": _marked(
            drawing(new, new_problems), {**dict.fromkeys(found["added"], "added"), **changed}
        ),
        "changes": found,
    }
