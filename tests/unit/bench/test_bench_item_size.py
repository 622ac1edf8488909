"""DynamoDB's size and unit rules as ``bench.dynamodb_units`` implements them (pure, no AWS):
GIVEN an item in DynamoDB JSON, WHEN it is sized or turned into request units, THEN the figures
are the Developer Guide's."""

from __future__ import annotations

from typing import Any

import pytest

from bench.dynamodb_units import _Index, index_write_units, item_size, read_units, write_units


@pytest.mark.parametrize(
    ("item", "size"),
    [
        ({"id": {"S": "abc"}}, 2 + 3),
        ({"é": {"S": "ü€"}}, 2 + 2 + 3),  # UTF-8 bytes of name and value
        ({"n": {"N": "123.45"}}, 1 + 3 + 1),  # 5 significant digits -> 3 bytes, + 1
        ({"n": {"N": "-0.00100"}}, 1 + 1 + 1),  # leading and trailing zeroes trimmed
        ({"n": {"N": "100"}}, 1 + 1 + 1),
        ({"b": {"B": b"\x00\x01\x02"}}, 1 + 3),
        ({"b": {"B": "AAEC"}}, 1 + 3),  # base64 text is sized decoded
        ({"ok": {"BOOL": True}, "none": {"NULL": True}}, 2 + 1 + 4 + 1),
        ({"ss": {"SS": ["a", "bc"]}}, 2 + 3),
        ({"l": {"L": []}}, 1 + 3),
        ({"l": {"L": [{"S": "ab"}, {"N": "1"}]}}, 1 + 3 + (1 + 2) + (1 + 2)),
        ({"m": {"M": {"k": {"S": "v"}}}}, 1 + 3 + (1 + 1 + 1)),
        ({"m": {"M": {"k": {"L": [{"BOOL": False}]}}}}, 1 + 3 + (1 + 1 + (3 + 1 + 1))),
    ],
)
def test_item_size_follows_dynamodbs_rules(item: dict[str, Any], size: int) -> None:
    # GIVEN an item WHEN it is sized THEN the size is the rules' sum
    assert item_size(item) == size


def test_no_item_has_no_size() -> None:
    assert item_size(None) == 0
    assert item_size({}) == 0


def test_read_units_round_up_per_4_kb_and_halve_for_eventual_consistency() -> None:
    # GIVEN sizes around the 4 KB boundary WHEN read THEN units start at one (even for nothing)
    assert read_units(0, consistent=True) == 1.0
    assert read_units(4096, consistent=True) == 1.0
    assert read_units(4097, consistent=True) == 2.0
    assert read_units(4096, consistent=False) == 0.5
    assert read_units(10_000, consistent=False) == 1.5


def test_write_units_round_up_per_kb() -> None:
    assert write_units(0) == 1
    assert write_units(1024) == 1
    assert write_units(1025) == 2


def test_an_index_is_written_only_when_its_entry_changes() -> None:
    # GIVEN an index on "g" projecting everything, over a table keyed on "pk"
    index, keys = _Index("by_g", ("g",), "ALL", ()), ("pk",)
    bare = {"pk": {"S": "a"}}
    indexed = {"pk": {"S": "a"}, "g": {"S": "x"}}
    moved = {"pk": {"S": "a"}, "g": {"S": "y"}}
    richer = {"pk": {"S": "a"}, "g": {"S": "x"}, "note": {"S": "n"}}
    # WHEN items change THEN the index takes 0, 1 or 2 writes
    assert index_write_units(index, keys, None, bare) == 0  # never in the index
    assert index_write_units(index, keys, None, indexed) == 1  # added
    assert index_write_units(index, keys, indexed, None) == 1  # removed
    assert index_write_units(index, keys, indexed, moved) == 2  # key changed: delete + put
    assert index_write_units(index, keys, indexed, richer) == 1  # projected attribute changed
    assert index_write_units(index, keys, indexed, dict(indexed)) == 0  # unchanged


def test_a_keys_only_index_ignores_other_attributes() -> None:
    index, keys = _Index("by_g", ("g",), "KEYS_ONLY", ()), ("pk",)
    before = {"pk": {"S": "a"}, "g": {"S": "x"}, "note": {"S": "1"}}
    after = {"pk": {"S": "a"}, "g": {"S": "x"}, "note": {"S": "2"}}
    assert index_write_units(index, keys, before, after) == 0
