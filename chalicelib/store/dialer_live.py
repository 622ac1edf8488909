"""Dialer calls in progress, in DynamoDB: the ``dialer_live`` table (an account's calls under its
id, by call id; each item expires ``LIVE_HOURS`` after its last change, so a call whose end was
never told leaves the picture) with ``LiveCallRepository``. A call's item is written at each
stage (waiting, ringing, talking) only if the stage is newer than the stored one (``since``), and
deleted when the call ends, so stages told out of order never bring a finished call back.

Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports pynamodb, the store's base helpers and the dialer's records; must not
import the dialer's services. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import builtins
from datetime import timedelta
from typing import ClassVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError

from chalicelib.store.attributes import UtcDateTimeAttribute
from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.dialer_records import LiveCall
from chalicelib.store.registry import StoreItem

LIVE_HOURS = 4
"""How long a call stays in the picture after its last change when its end is never told."""


class LiveCallItem(StoreItem):
    """One dialer call in progress (``dialer_live``)."""

    LOGICAL_NAME: ClassVar[str] = "dialer_live"

    class Meta:
        table_name = "dialer_live"

    account_id = UnicodeAttribute(hash_key=True)
    call_id = UnicodeAttribute(range_key=True)
    group_id = UnicodeAttribute()
    campaign_id = UnicodeAttribute(null=True)
    customer = UnicodeAttribute(null=True)
    stage = UnicodeAttribute()
    agent_id = UnicodeAttribute(null=True)
    since = UtcDateTimeAttribute()
    ended = UtcDateTimeAttribute(null=True)
    """Set when the call ended (a tombstone until its TTL): a later stage is refused."""
    expires = TTLAttribute(null=True)


def _live(item: LiveCallItem) -> LiveCall:
    return LiveCall(
        account_id=item.account_id,
        call_id=item.call_id,
        group_id=item.group_id,
        campaign_id=item.campaign_id or "",
        customer=item.customer or "",
        stage=item.stage,
        agent_id=item.agent_id or "",
        since=item.since,
    )


class LiveCallRepository:
    """Dialer calls in progress."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, call: LiveCall) -> bool:
        """Show the call at its stage, unless the stored one is newer or the call ended
        (False then). The end leaves a tombstone (``ended``) until the TTL. 1 PutItem."""
        ended = call.stage == "ended"
        item = LiveCallItem(
            call.account_id,
            call.call_id,
            group_id=call.group_id,
            campaign_id=call.campaign_id or None,
            customer=call.customer or None,
            stage=call.stage,
            agent_id=call.agent_id or None,
            since=call.since,
            ended=call.since if ended else None,
            expires=call.since + timedelta(hours=LIVE_HOURS),
        )
        condition = LiveCallItem.call_id.does_not_exist() | (
            LiveCallItem.ended.does_not_exist() & (LiveCallItem.since <= call.since)
        )
        try:
            item.save(condition=condition)
        except PutError as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def list(self, account_id: str) -> builtins.list[LiveCall]:
        """The account's calls in progress (ended ones left out), by call id. 1 Query
        (paginated, consistent)."""
        items = LiveCallItem.query(account_id, consistent_read=True)
        return [_live(item) for item in items if item.ended is None]
