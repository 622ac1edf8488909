"""Two versions of a flow compared: GIVEN an older and a newer document, THEN the nodes added,
removed and changed are named in document order with the settings that differ, a moved start or
after-call chain is said, and both drawings carry each node's mark."""

from __future__ import annotations

from typing import Any

from chalicelib.console.changes import changes, side_by_side

OLD: dict[str, Any] = {
    "id": "f",
    "name": "F",
    "start": "hello",
    "nodes": {
        "hello": {"widget": "say", "text": "Hi", "next": "menu"},
        "menu": {"widget": "menu", "prompt": "Press 1", "options": {"1": "bye"}},
        "old": {"widget": "say", "text": "Old", "next": "bye"},
        "bye": {"widget": "hangup"},
    },
}
NEW: dict[str, Any] = {
    "id": "f",
    "name": "F",
    "start": "menu",
    "nodes": {
        "hello": {"widget": "say", "text": "Hello", "next": "menu", "label": "greeting"},
        "menu": {"widget": "menu", "prompt": "Press 1", "options": {"1": "bye"}},
        "bye": {"widget": "hangup"},
        "new": {"widget": "hangup", "text": "New"},
    },
}


def test_the_changes_between_two_versions_are_named() -> None:
    found = changes(OLD, NEW)
    assert found["added"] == ["new"] and found["removed"] == ["old"]
    assert found["changed"] == ["hello"] and found["fields"] == {"hello": ["label", "text"]}
    assert found["start_moved"] and not found["after_call_moved"]


def test_the_same_document_has_no_change() -> None:
    found = changes(OLD, OLD)
    assert (found["added"], found["removed"], found["changed"]) == ([], [], [])
    assert not found["start_moved"]


def test_both_drawings_carry_the_marks() -> None:
    both = side_by_side(OLD, NEW)
    old = {n["id"]: n["change"] for n in both["old"]["nodes"]}
    new = {n["id"]: n["change"] for n in both["new"]["nodes"]}
    assert old == {"hello": "changed", "menu": "", "old": "removed", "bye": ""}
    assert new == {"hello": "changed", "menu": "", "bye": "", "new": "added"}


def test_a_node_that_is_not_an_object_counts_as_changed() -> None:
    broken = {**OLD, "nodes": {**OLD["nodes"], "menu": "oops"}}
    assert changes(OLD, broken)["fields"]["menu"] == ["widget"]
    assert changes(None, OLD)["added"] == list(OLD["nodes"])
