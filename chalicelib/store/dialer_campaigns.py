"""What dialer campaigns measured, in DynamoDB: the ``dialer_campaigns`` table (one item per
campaign id: its abandonment window's buckets, ratio, totals and latest waits; an account's
campaigns through the ``by_account`` index, a group's changed lately through ``by_group``: who
to wake when one of its agents is free) with ``DialerCampaignRepository``. A campaign's item is
written whole on condition that its version did not move since it was read (one writer per
change; a lost race is read again by the service).

Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports pynamodb, the store's base helpers and the dialer's records; must not
import the dialer's services. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.attributes import IntegerAttribute, UtcDateTimeAttribute
from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.dialer_records import DialerCampaignStats
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem


class CampaignsByAccountIndex(GlobalSecondaryIndex["DialerCampaignItem"]):  # type: ignore[no-untyped-call]
    """An account's dialer campaigns, by campaign id."""

    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute(range_key=True)


class CampaignsByGroupIndex(GlobalSecondaryIndex["DialerCampaignItem"]):  # type: ignore[no-untyped-call]
    """A group's dialer campaigns, by their last change."""

    class Meta:
        index_name = "by_group"
        projection = AllProjection()

    group_key = UnicodeAttribute(hash_key=True)
    updated_at = UtcDateTimeAttribute(range_key=True)


class DialerCampaignItem(StoreItem):
    """One dialer campaign's measures (``dialer_campaigns``)."""

    LOGICAL_NAME: ClassVar[str] = "dialer_campaigns"

    class Meta:
        table_name = "dialer_campaigns"

    campaign_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    group_id = UnicodeAttribute()
    mode = UnicodeAttribute()
    max_ratio = NumberAttribute()
    ceiling = NumberAttribute()
    ratio = NumberAttribute()
    buckets = UnicodeAttribute()
    """JSON ``[[epoch seconds, answered, abandoned], ...]``."""
    answered = IntegerAttribute()
    connected = IntegerAttribute()
    abandoned = IntegerAttribute()
    waits = UnicodeAttribute()
    """JSON list of seconds."""
    version = IntegerAttribute()
    updated_at = UtcDateTimeAttribute(null=True)
    group_key = UnicodeAttribute(null=True)
    """``<account>#<group>`` (with ``updated_at``: the ``by_group`` index)."""
    by_account = CampaignsByAccountIndex()
    by_group = CampaignsByGroupIndex()


def _stats(item: DialerCampaignItem) -> DialerCampaignStats:
    return DialerCampaignStats(
        account_id=item.account_id,
        campaign_id=item.campaign_id,
        group_id=item.group_id,
        mode=item.mode,
        max_ratio=float(item.max_ratio),
        ceiling=float(item.ceiling),
        ratio=float(item.ratio),
        buckets=tuple(
            (datetime.fromtimestamp(start, UTC), int(answered), int(abandoned))
            for start, answered, abandoned in json.loads(item.buckets)
        ),
        answered=item.answered,
        connected=item.connected,
        abandoned=item.abandoned,
        waits=tuple(float(wait) for wait in json.loads(item.waits)),
        version=item.version,
        updated_at=item.updated_at,
    )


def _item(stats: DialerCampaignStats) -> DialerCampaignItem:
    buckets = [[int(start.timestamp()), n, a] for start, n, a in stats.buckets]
    return DialerCampaignItem(
        stats.campaign_id,
        account_id=stats.account_id,
        group_id=stats.group_id,
        mode=stats.mode,
        max_ratio=stats.max_ratio,
        ceiling=stats.ceiling,
        ratio=stats.ratio,
        buckets=json.dumps(buckets, separators=(",", ":")),
        answered=stats.answered,
        connected=stats.connected,
        abandoned=stats.abandoned,
        waits=json.dumps([round(w, 3) for w in stats.waits], separators=(",", ":")),
        version=stats.version,
        updated_at=stats.updated_at,
        group_key=f"{stats.account_id}#{stats.group_id}" if stats.updated_at else None,
    )


class DialerCampaignRepository:
    """Dialer campaigns' measures."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def get(self, campaign_id: str) -> DialerCampaignStats | None:
        """The campaign's measures, or None before its first live answer. 1 consistent
        GetItem."""
        try:
            return _stats(DialerCampaignItem.get(campaign_id, consistent_read=True))
        except DoesNotExist:
            return None

    @translated
    def save(self, stats: DialerCampaignStats) -> DialerCampaignStats:
        """Store ``stats`` at the next version, on condition that the stored one is still at
        ``stats.version`` (absent for 0); ``StaleStateError`` otherwise. 1 PutItem."""
        saved = replace(stats, version=stats.version + 1)
        condition = (
            DialerCampaignItem.campaign_id.does_not_exist()
            if stats.version == 0
            else DialerCampaignItem.version == stats.version
        )
        try:
            _item(saved).save(condition=condition)
        except PutError as error:
            if condition_failed(error):
                raise StaleStateError("dialer campaign", stats.campaign_id) from None
            raise
        return saved

    @translated
    def recent(
        self, account_id: str, group_id: str, since: datetime
    ) -> builtins.list[DialerCampaignStats]:
        """The group's campaigns changed since ``since`` (a campaign changes at its first
        dispatch and at each live answer). 1 Query (paginated, eventually consistent)."""
        items = DialerCampaignItem.by_group.query(
            f"{account_id}#{group_id}", DialerCampaignItem.updated_at >= since
        )
        return [_stats(item) for item in items]

    @translated
    def list(self, account_id: str) -> builtins.list[DialerCampaignStats]:
        """The account's dialer campaigns, by id. 1 Query (paginated, eventually consistent)."""
        return [_stats(item) for item in DialerCampaignItem.by_account.query(account_id)]
