"""The dialer's agent groups in DynamoDB: the ``dialer_groups`` table (an account's groups under
its id, ordered by group id) with ``AgentGroupRepository``. The agents of a group are in
``store.dialer_agents``.

Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports pynamodb, the store's base helpers and the dialer's records; must
not import the dialer's services. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import builtins
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.attributes import IntegerAttribute, UtcDateTimeAttribute
from chalicelib.store.base import get_item, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.dialer_records import AgentGroup
from chalicelib.store.registry import StoreItem


class DialerGroupItem(StoreItem):
    """One agent group of an account (``dialer_groups``)."""

    LOGICAL_NAME: ClassVar[str] = "dialer_groups"

    class Meta:
        table_name = "dialer_groups"

    account_id = UnicodeAttribute(hash_key=True)
    group_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    wrap_up_seconds = IntegerAttribute()
    ring_timeout = IntegerAttribute()
    max_attempts = IntegerAttribute()
    created_at = UtcDateTimeAttribute(null=True)


def _group(item: DialerGroupItem) -> AgentGroup:
    return AgentGroup(
        account_id=item.account_id,
        group_id=item.group_id,
        name=item.name,
        wrap_up_seconds=item.wrap_up_seconds,
        ring_timeout=item.ring_timeout,
        max_attempts=item.max_attempts,
        created_at=item.created_at,
    )


class AgentGroupRepository:
    """An account's agent groups."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, group: AgentGroup) -> AgentGroup:
        """Store a group, new or changed (the last write wins). 1 PutItem."""
        DialerGroupItem(
            group.account_id,
            group.group_id,
            name=group.name,
            wrap_up_seconds=group.wrap_up_seconds,
            ring_timeout=group.ring_timeout,
            max_attempts=group.max_attempts,
            created_at=group.created_at,
        ).save()
        return group

    @translated
    def get(self, account_id: str, group_id: str) -> AgentGroup:
        """One group of the account (``NotFoundError``). 1 consistent GetItem."""
        return _group(get_item(DialerGroupItem, "group", account_id, group_id, consistent=True))

    @translated
    def list(self, account_id: str) -> builtins.list[AgentGroup]:
        """The account's groups, by group id. 1 consistent Query (paginated)."""
        items = DialerGroupItem.query(account_id, consistent_read=True)
        return [_group(item) for item in items]
