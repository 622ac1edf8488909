"""Moving a speed-dial entry: GIVEN a directory of three, WHEN an entry moves to another place,
THEN it is there and the others keep their order; a place past either end is the end; an
unknown name changes nothing."""

from __future__ import annotations

import pytest

from chalicelib.callback.speed_dial import EntryNotFoundError, SpeedDial
from chalicelib.errors import StaleStateError
from chalicelib.store.speed_dial import Entries


class Directories:
    """The speed-dial repository's two requests, on a dict (with its version check)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[Entries, int]] = {}

    def get(self, account_id: str) -> tuple[Entries, int]:
        return self.items.get(account_id, ((), 0))

    def put(self, account_id: str, entries: Entries, version: int) -> int:
        if self.get(account_id)[1] != version:
            raise StaleStateError("directory moved")
        self.items[account_id] = (entries, version + 1)
        return version + 1


@pytest.fixture
def directory() -> SpeedDial:
    speed_dial = SpeedDial(Directories())  # type: ignore[arg-type]
    for name in ("office", "home", "mum"):
        speed_dial.put("30000001", name, f"+4416329600{len(name):02d}")
    return speed_dial


def names(speed_dial: SpeedDial) -> list[str]:
    return [entry.name for entry in speed_dial.entries("30000001")]


def test_an_entry_moves_and_the_others_keep_their_order(directory: SpeedDial) -> None:
    moved = directory.move("30000001", "Mum", 1)
    assert (moved.position, moved.name) == (1, "mum")
    assert names(directory) == ["mum", "office", "home"]
    directory.move("30000001", "mum", 2)
    assert names(directory) == ["office", "mum", "home"]
    assert directory.move("30000001", "office", 99).position == 3
    assert names(directory) == ["mum", "home", "office"]
    assert directory.move("30000001", "office", 0).position == 1


def test_an_unknown_name_changes_nothing(directory: SpeedDial) -> None:
    with pytest.raises(EntryNotFoundError):
        directory.move("30000001", "nobody", 1)
    assert names(directory) == ["office", "home", "mum"]
