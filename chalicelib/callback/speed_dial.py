"""A callback account's speed-dial directory: named numbers in the user's order, called by name
(``B.office``) or by place (``N2``, the second entry). Names are 1 to 32 letters (any script),
digits, ``_`` or ``-``, compared without case; numbers are E.164 digits; at most
``MAX_ENTRIES``. A change reads the directory and writes it back on condition nobody changed it
meanwhile (retried a few times). Imports the store's speed-dial repository and the platform's
errors; never pynamodb.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.errors import NotFoundError, StaleStateError, ValidationError
from chalicelib.store.speed_dial import Entries, SpeedDialRepository

MAX_ENTRIES = 50
ATTEMPTS = 3
_NUMBER = re.compile(r"^\+?([1-9][0-9]{6,14})$")


class EntryNotFoundError(NotFoundError):
    """No entry of that name or place."""


@dataclass(frozen=True)
class Entry:
    """One named number, at ``position`` (1-based)."""

    position: int
    name: str
    number: str


def entry_name(text: str) -> str:
    """A directory name as kept (lower case); ``ValidationError`` for anything else."""
    name = text.strip().lower() if isinstance(text, str) else ""
    if not 1 <= len(name) <= 32 or not all(c.isalnum() or c in "_-" for c in name):
        raise ValidationError("a directory name is 1 to 32 letters, digits, _ or -")
    return name


def entry_number(text: str) -> str:
    """The E.164 digits of a directory number; ``ValidationError`` for anything else."""
    found = _NUMBER.match(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise ValidationError(f"{text!r} is not an E.164 number (country code first)")
    return found.group(1)


class SpeedDial:
    """Speed-dial directories of callback accounts."""

    def __init__(self, repository: SpeedDialRepository) -> None:
        self.repository = repository

    def entries(self, account_id: str) -> list[Entry]:
        """The account's entries in order. 1 GetItem."""
        entries, _ = self.repository.get(account_id)
        return [Entry(i, name, number) for i, (name, number) in enumerate(entries, start=1)]

    def find(self, account_id: str, name: str) -> Entry:
        """The entry called ``name``; ``EntryNotFoundError`` if none. 1 GetItem."""
        wanted = entry_name(name)
        for entry in self.entries(account_id):
            if entry.name == wanted:
                return entry
        raise EntryNotFoundError(f"no directory entry {wanted!r}")

    def at(self, account_id: str, position: int) -> Entry:
        """The entry at ``position`` (1-based); ``EntryNotFoundError`` if none. 1 GetItem."""
        entries = self.entries(account_id)
        if not 1 <= position <= len(entries):
            raise EntryNotFoundError(f"no directory entry number {position}")
        return entries[position - 1]

    def put(self, account_id: str, name: str, number: str) -> Entry:
        """Set ``name`` to ``number``: an existing name keeps its place, a new one goes last."""
        key, digits = entry_name(name), entry_number(number)

        def change(entries: Entries) -> Entries:
            if any(existing == key for existing, _ in entries):
                return tuple((n, digits if n == key else num) for n, num in entries)
            if len(entries) >= MAX_ENTRIES:
                raise ValidationError(f"a directory holds at most {MAX_ENTRIES} entries")
            return (*entries, (key, digits))

        self._change(account_id, change)
        return self.find(account_id, key)

    def remove(self, account_id: str, name: str) -> None:
        """Remove ``name``; ``EntryNotFoundError`` if the directory has no such entry."""
        key = entry_name(name)

        def change(entries: Entries) -> Entries:
            if not any(existing == key for existing, _ in entries):
                raise EntryNotFoundError(f"no directory entry {key!r}")
            return tuple((n, num) for n, num in entries if n != key)

        self._change(account_id, change)

    def move(self, account_id: str, name: str, position: int) -> Entry:
        """Move ``name`` to ``position`` (1-based, clamped to the directory), the others keeping
        their order; ``EntryNotFoundError`` if the directory has no such entry."""
        key = entry_name(name)

        def change(entries: Entries) -> Entries:
            moved = [entry for entry in entries if entry[0] == key]
            if not moved:
                raise EntryNotFoundError(f"no directory entry {key!r}")
            rest = [entry for entry in entries if entry[0] != key]
            place = min(max(position, 1), len(entries)) - 1
            return (*rest[:place], moved[0], *rest[place:])

        self._change(account_id, change)
        return self.find(account_id, key)

    def _change(self, account_id: str, change: Callable[[Entries], Entries]) -> None:
        """Read, change and write back the directory, again if another change came first."""
        for _ in range(ATTEMPTS):
            entries, version = self.repository.get(account_id)
            try:
                self.repository.put(account_id, change(entries), version)
                return
            except StaleStateError:
                continue
        raise StaleStateError(f"directory {account_id!r} kept changing")
