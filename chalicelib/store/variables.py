"""Users' variables (``$user.key.*``) in DynamoDB: the ``user_variables`` table's item
(``UserVariableItem``, one per account and name) and ``UserVariableRepository``.

The value with the latest timestamp wins: every write is conditional on the stored value not
being newer. A call reads only the names its flow uses, so its cost does not grow with the
account. Values are plain strings, so there is no separate mapping. Items and pynamodb
exceptions never leave this module; each method's docstring gives its DynamoDB requests.
Imports no other aggregate module of the store. Part of ``store``, the only package that may
import pynamodb.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.store.attributes import UtcDateTimeAttribute, require_aware
from chalicelib.store.base import (
    MAX_TRANSACTION_ITEMS,
    if_absent,
    lost_races,
    save_if_absent,
    translated,
)
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem


class UserVariableItem(StoreItem):
    """One ``$user.key.*`` value of an account (``user_variables``); the latest write wins."""

    LOGICAL_NAME: ClassVar[str] = "user_variables"

    class Meta:
        table_name = "user_variables"

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)
    value = UnicodeAttribute()
    updated_at = UtcDateTimeAttribute()


class UserVariableRepository:
    """``$user.key.*``: per account, the value with the latest timestamp wins."""

    def __init__(self, attempts: int = 5) -> None:
        bound_settings()
        self._attempts = attempts

    @staticmethod
    def _item(account_id: str, name: str, value: str, at: datetime) -> UserVariableItem:
        return UserVariableItem(
            account_id, name, value=value, updated_at=require_aware(at, "updated_at")
        )

    @staticmethod
    def _not_newer(at: datetime) -> Condition:
        """Of a stored value: not newer than ``at`` (a write as of ``at`` may replace it)."""
        condition: Condition = UserVariableItem.updated_at <= at
        return condition

    @translated
    def get_many(
        self, account_id: str, names: Iterable[str], consistent: bool = True
    ) -> dict[str, str]:
        """The named variables of the account that exist (a call reads only the names its
        flow uses, so its cost does not grow with the account). No request for no names;
        else 1 BatchGetItem per 100 names (again for keys DynamoDB left unprocessed)."""
        keys = sorted(set(names))
        if not keys:
            return {}
        items = UserVariableItem.batch_get(
            [(account_id, name) for name in keys],
            consistent_read=consistent,
            attributes_to_get=["name", "value"],
        )
        return {item.name: item.value for item in items}

    @translated
    def all_for(self, account_id: str, consistent: bool = True) -> dict[str, str]:
        """Every variable of the account (operators' listing, never on a call path). 1 Query
        per MB of variables."""
        items = UserVariableItem.query(account_id, consistent_read=consistent)
        return {item.name: item.value for item in items}

    @translated
    def set(self, account_id: str, name: str, value: str, at: datetime) -> bool:
        """Set a variable as of ``at``; an older write never replaces a newer one. True if
        written, False if the stored value is newer. 1 PutItem."""
        item = self._item(account_id, name, value, at)
        return save_if_absent(item, replacing=self._not_newer(at))

    @translated
    def set_many(self, account_id: str, values: Mapping[str, str], at: datetime) -> frozenset[str]:
        """Set several variables as of ``at``, each under the latest-wins rule; returns the
        names written. One name: 1 PutItem. More: 1 TransactWriteItems per 100 names, plus
        one more for a chunk in which some stored value was newer (those names are dropped)."""
        if len(values) == 1:
            ((name, value),) = values.items()
            return frozenset({name}) if self.set(account_id, name, value, at) else frozenset()
        names = builtins.list(values)
        written: builtins.set[str] = builtins.set()
        for start in range(0, len(names), MAX_TRANSACTION_ITEMS):
            chunk = names[start : start + MAX_TRANSACTION_ITEMS]
            written.update(self._set_chunk(account_id, chunk, values, at))
        return frozenset(written)

    def _set_chunk(
        self, account_id: str, names: builtins.list[str], values: Mapping[str, str], at: datetime
    ) -> builtins.list[str]:
        pending = names
        for _ in range(self._attempts):
            if not pending:
                return []
            try:
                with TransactWrite(connection=shared_connection()) as transaction:
                    for name in pending:
                        item = self._item(account_id, name, values[name], at)
                        condition = if_absent(UserVariableItem, replacing=self._not_newer(at))
                        transaction.save(item, condition=condition)
            except TransactWriteError as error:
                lost = lost_races(error)
                if len(lost) != len(pending):
                    raise
                # names whose stored value is newer are done; conflicts are tried again
                pending = [name for name, newer in zip(pending, lost, strict=True) if not newer]
                continue
            return pending
        raise StaleStateError("user variables", account_id, "kept changing concurrently")
