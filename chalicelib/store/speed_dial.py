"""Callback accounts' speed-dial directories in DynamoDB: the ``callback_directories`` table,
one item per account (key ``account_id``) holding its ordered entries, so resolving ``B.<name>``
or ``N<k>`` is one GetItem. ``SpeedDialRepository`` writes a whole directory back on condition
its version did not move (two editors never lose each other's change). The store does not know
the product's types: entries are ``(name, number)`` pairs of text. Items and pynamodb
exceptions never leave this module. Imports pynamodb, the store's base helpers and the standard
library; must not import a product package. Part of ``store``, the only package that may import
pynamodb.
"""

from __future__ import annotations

import json
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.store.attributes import IntegerAttribute
from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem

Entries = tuple[tuple[str, str], ...]


class DirectoryItem(StoreItem):
    """An account's speed-dial directory (``callback_directories``)."""

    LOGICAL_NAME: ClassVar[str] = "callback_directories"

    class Meta:
        table_name = "callback_directories"

    account_id = UnicodeAttribute(hash_key=True)
    entries = UnicodeAttribute()  # compact JSON list of [name, number]
    version = IntegerAttribute()


class SpeedDialRepository:
    """Speed-dial directories, one item per account."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def get(self, account_id: str) -> tuple[Entries, int]:
        """The account's entries in order and the directory's version (0: none yet).
        1 consistent GetItem."""
        try:
            item = DirectoryItem.get(account_id, consistent_read=True)
        except DoesNotExist:
            return (), 0
        entries = tuple((str(name), str(number)) for name, number in json.loads(item.entries))
        return entries, int(item.version)

    @translated
    def put(self, account_id: str, entries: Entries, version: int) -> int:
        """Write the directory as ``entries`` if its version is still ``version``; the new
        version. ``StaleStateError`` if another change came first. 1 conditional PutItem."""
        item = DirectoryItem(
            account_id,
            entries=json.dumps([list(entry) for entry in entries], separators=(",", ":")),
            version=version + 1,
        )
        condition = (
            DirectoryItem.account_id.does_not_exist()
            if version == 0
            else DirectoryItem.version == version
        )
        try:
            item.save(condition=condition)
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError("directory", account_id) from error
            raise
        return version + 1
