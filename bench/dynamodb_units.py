"""DynamoDB's billing rules, pure: an item's size (attribute names plus values, DynamoDB JSON),
the read and write request units a size costs, and what a write costs each secondary index.
Used by ``bench.metering`` to count what requests cost; tested alone in
``tests/unit/bench/test_bench_item_size.py``. Imports the standard library only.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Item = Mapping[str, Mapping[str, Any]]
"""An item in DynamoDB JSON: attribute name -> {type: value}."""
Units = dict[str, float]
"""Request units by table name."""

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024


# -- DynamoDB's sizes and units -------------------------------------------------------------------
def item_size(item: Item | None) -> int:
    """DynamoDB's size of an item in bytes (0 for no item), per the Developer Guide's rules: for
    each attribute, the UTF-8 length of its name plus the size of its value, where a string is
    its UTF-8 length, a number about one byte per two significant digits plus one, a binary its
    length, a boolean or null one byte, a set the sum of its elements, and a list or map 3 bytes
    plus, per element, 1 byte and the element's size (a map element's name included)."""

    def value(typed: Mapping[str, Any]) -> int:
        [(kind, raw)] = typed.items()
        if kind == "S":
            return len(str(raw).encode())
        if kind == "N":
            return _number_size(str(raw))
        if kind == "B":
            return len(_binary(raw))
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "SS":
            return sum(len(str(one).encode()) for one in raw)
        if kind == "NS":
            return sum(_number_size(str(one)) for one in raw)
        if kind == "BS":
            return sum(len(_binary(one)) for one in raw)
        if kind == "L":
            return 3 + sum(1 + value(one) for one in raw)
        if kind == "M":
            return 3 + sum(1 + len(name.encode()) + value(one) for name, one in raw.items())
        raise ValueError(f"unknown DynamoDB type {kind!r}")

    if not item:
        return 0
    return sum(len(name.encode()) + value(typed) for name, typed in item.items())


def _number_size(text: str) -> int:
    mantissa = text.strip().lower().lstrip("+-").split("e")[0]
    digits = mantissa.replace(".", "").lstrip("0").rstrip("0")
    return max(1, math.ceil(len(digits) / 2)) + 1


def _binary(raw: Any) -> bytes:
    if isinstance(raw, bytes | bytearray):
        return bytes(raw)
    return base64.b64decode(str(raw))


def read_units(size: int, consistent: bool) -> float:
    """Read request units for ``size`` bytes read as one operation: 1 per started 4 KB
    (at least 1, also for nothing found), half of that when eventually consistent."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


def write_units(size: int) -> int:
    """Write request units for writing ``size`` bytes: 1 per started KB, at least 1."""
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


@dataclass(frozen=True)
class _Index:
    name: str
    keys: tuple[str, ...]
    projection: str
    included: tuple[str, ...]

    def entry(self, item: Item | None, table_keys: Sequence[str]) -> dict[str, Any] | None:
        """What this index holds for ``item`` (None when the item is not in the index)."""
        if not item or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        names = {*self.keys, *table_keys, *self.included}
        return {name: item[name] for name in names if name in item}


def index_write_units(
    index: _Index, table_keys: Sequence[str], before: Item | None, after: Item | None
) -> int:
    """Write units a secondary index takes for one item changing from ``before`` to ``after``:
    one write to add or remove an entry, two when its index key changed, one when only its
    projected attributes changed, none when the item is in the index neither before nor after."""
    old, new = index.entry(before, table_keys), index.entry(after, table_keys)
    if old is None and new is None:
        return 0
    if old is None:
        return write_units(item_size(new))
    if new is None:
        return write_units(item_size(old))
    if any(old[key] != new[key] for key in index.keys):
        return write_units(item_size(old)) + write_units(item_size(new))
    return 0 if old == new else write_units(item_size(new))


def _add(into: Units, more: Mapping[str, float]) -> None:
    for table, units in more.items():
        into[table] = into.get(table, 0.0) + units
