"""Campaigns in DynamoDB: the ``campaign_settings`` table (an outbound flow's settings under
``flow:<flow_id>``, an account's under ``account:<account_id>``, and the pointer from a flow's
upload address to the flow under ``mail:<token>``) and the ``campaigns`` table (one item per
campaign, listed per account newest first through the ``by_account`` index), with
``CampaignSettingsRepository`` and ``CampaignRepository``.

A campaign's per-status counts live on its item (a map, only statuses other than
``scheduled``); they change in the same transaction as the contact that moves
(``store.campaign_contacts``), so they never drift. Items and pynamodb exceptions never leave this
module; each method's docstring gives its DynamoDB requests. Imports pynamodb, the store's base
helpers and the campaign records; must not import the campaign services. Part of ``store``, the
only package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.attributes import (
    DecimalAttribute,
    EnumAttribute,
    StringListAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import condition_failed, get_item, save_if_absent, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.campaign_records import (
    AccountSettings,
    Campaign,
    CampaignState,
    FlowSettings,
    MachineHandling,
    Trigger,
)
from chalicelib.store.errors import NotFoundError
from chalicelib.store.registry import StoreItem


class SettingsItem(StoreItem):
    """A flow's or an account's campaign settings, or an upload address (``campaign_settings``)."""

    LOGICAL_NAME: ClassVar[str] = "campaign_settings"

    class Meta:
        table_name = "campaign_settings"

    key = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    flow_id = UnicodeAttribute(null=True)
    caller_ids = StringListAttribute(null=True)
    activated_at = UtcDateTimeAttribute(null=True)
    security_hash = UnicodeAttribute(null=True)
    mail_token = UnicodeAttribute(null=True)
    calls_per_second = DecimalAttribute(null=True)
    max_concurrent = NumberAttribute(null=True)
    window = UnicodeAttribute(null=True)
    max_retries = NumberAttribute(null=True)
    retry_delay = NumberAttribute(null=True)
    ringing_timeout = NumberAttribute(null=True)
    machine = UnicodeAttribute(null=True)
    ip_whitelist = StringListAttribute(null=True)
    allowed_senders = StringListAttribute(null=True)


def _flow_key(flow_id: str) -> str:
    return f"flow:{flow_id}"


def _account_key(account_id: str) -> str:
    return f"account:{account_id}"


def _mail_key(token: str) -> str:
    return f"mail:{token}"


class CampaignSettingsRepository:
    """Outbound flows' and accounts' campaign settings."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def flow(self, flow_id: str) -> FlowSettings | None:
        """A flow's settings (None: never set). 1 consistent GetItem."""
        try:
            item = SettingsItem.get(_flow_key(flow_id), consistent_read=True)
        except DoesNotExist:
            return None
        return FlowSettings(
            account_id=item.account_id,
            flow_id=item.flow_id or flow_id,
            caller_ids=tuple(item.caller_ids or ()),
            activated_at=item.activated_at,
            security_hash=item.security_hash or "",
            mail_token=item.mail_token or "",
            calls_per_second=item.calls_per_second or FlowSettings.calls_per_second,
            max_concurrent=int(item.max_concurrent or FlowSettings.max_concurrent),
            window=item.window or "",
            max_retries=int(
                item.max_retries if item.max_retries is not None else FlowSettings.max_retries
            ),
            retry_delay=int(item.retry_delay or FlowSettings.retry_delay),
            ringing_timeout=int(item.ringing_timeout or FlowSettings.ringing_timeout),
            machine=MachineHandling(item.machine or MachineHandling.OFF.value),
        )

    @translated
    def put_flow(self, settings: FlowSettings) -> FlowSettings:
        """Store a flow's settings (and its upload address's pointer, once). 1-2 PutItems."""
        SettingsItem(
            _flow_key(settings.flow_id),
            account_id=settings.account_id,
            flow_id=settings.flow_id,
            caller_ids=list(settings.caller_ids) or None,
            activated_at=settings.activated_at,
            security_hash=settings.security_hash or None,
            mail_token=settings.mail_token or None,
            calls_per_second=settings.calls_per_second,
            max_concurrent=settings.max_concurrent,
            window=settings.window or None,
            max_retries=settings.max_retries,
            retry_delay=settings.retry_delay,
            ringing_timeout=settings.ringing_timeout,
            machine=settings.machine.value,
        ).save()
        if settings.mail_token:
            pointer = SettingsItem(
                _mail_key(settings.mail_token),
                account_id=settings.account_id,
                flow_id=settings.flow_id,
            )
            save_if_absent(pointer)
        return settings

    @translated
    def flow_of_mail(self, token: str) -> tuple[str, str] | None:
        """The (account, flow) whose upload address has ``token``. 1 GetItem."""
        try:
            item = SettingsItem.get(_mail_key(token))
        except DoesNotExist:
            return None
        return item.account_id, item.flow_id or ""

    @translated
    def account(self, account_id: str) -> AccountSettings:
        """An account's settings (the defaults when never set). 1 consistent GetItem."""
        try:
            item = SettingsItem.get(_account_key(account_id), consistent_read=True)
        except DoesNotExist:
            return AccountSettings(account_id)
        return AccountSettings(
            account_id=account_id,
            ip_whitelist=tuple(item.ip_whitelist or ()),
            allowed_senders=tuple(item.allowed_senders or ()),
            calls_per_second=item.calls_per_second or AccountSettings.calls_per_second,
            max_concurrent=int(item.max_concurrent or AccountSettings.max_concurrent),
        )

    @translated
    def put_account(self, settings: AccountSettings) -> AccountSettings:
        """Store an account's settings. 1 PutItem."""
        SettingsItem(
            _account_key(settings.account_id),
            account_id=settings.account_id,
            ip_whitelist=list(settings.ip_whitelist) or None,
            allowed_senders=list(settings.allowed_senders) or None,
            calls_per_second=settings.calls_per_second,
            max_concurrent=settings.max_concurrent,
        ).save()
        return settings


class CampaignsByAccountIndex(GlobalSecondaryIndex["CampaignItem"]):  # type: ignore[no-untyped-call]
    """An account's campaigns, newest first."""

    class Meta:
        index_name = "by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class CampaignItem(StoreItem):
    """One campaign (``campaigns``)."""

    LOGICAL_NAME: ClassVar[str] = "campaigns"

    class Meta:
        table_name = "campaigns"

    campaign_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    created_key = UnicodeAttribute()
    flow_id = UnicodeAttribute()
    trigger = EnumAttribute(Trigger)
    created_at = UtcDateTimeAttribute()
    state = EnumAttribute(CampaignState)
    name = UnicodeAttribute(null=True)
    total = NumberAttribute(default=0)
    counts: MapAttribute[str, Any] = MapAttribute(default=dict)  # type: ignore[no-untyped-call]
    rejected = NumberAttribute(default=0)
    paused_reason = UnicodeAttribute(null=True)
    chunks = NumberSetAttribute(null=True)
    """The call list's chunks stored so far (each counted once, however often delivered)."""
    next_dispatch = NumberAttribute(null=True)
    """When the next dispatch is planned (epoch seconds); absent: none planned."""
    by_account = CampaignsByAccountIndex()


def _campaign(item: CampaignItem) -> Campaign:
    raw = item.counts
    counts = raw.as_dict() if isinstance(raw, MapAttribute) else raw  # type: ignore[no-untyped-call]
    return Campaign(
        campaign_id=item.campaign_id,
        account_id=item.account_id,
        flow_id=item.flow_id,
        trigger=item.trigger,
        created_at=item.created_at,
        state=item.state,
        name=item.name or "",
        total=int(item.total or 0),
        counts={str(k): int(v) for k, v in (counts or {}).items() if int(v)},
        rejected=int(item.rejected or 0),
        paused_reason=item.paused_reason or "",
    )


def created_key(campaign: Campaign) -> str:
    """The sort key of a campaign in its account's index."""
    return f"{require_aware(campaign.created_at, 'created_at').isoformat()}#{campaign.campaign_id}"


class CampaignRepository:
    """Campaigns: made, read, listed, counted, paused, and their next dispatch planned."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, campaign: Campaign) -> Campaign:
        """Store a new campaign (``AlreadyExistsError`` if its id is taken). 1 PutItem."""
        item = CampaignItem(
            campaign.campaign_id,
            account_id=campaign.account_id,
            created_key=created_key(campaign),
            flow_id=campaign.flow_id,
            trigger=campaign.trigger,
            created_at=campaign.created_at,
            state=campaign.state,
            name=campaign.name or None,
            total=campaign.total,
            counts=dict(campaign.counts),
            rejected=campaign.rejected,
        )
        save_if_absent(item, "campaign", campaign.campaign_id)
        return campaign

    @translated
    def get(self, campaign_id: str) -> Campaign:
        """One campaign (``NotFoundError``). 1 consistent GetItem."""
        return _campaign(get_item(CampaignItem, "campaign", campaign_id, consistent=True))

    @translated
    def list(self, account_id: str, limit: int = 50) -> list[Campaign]:
        """The account's latest campaigns, newest first. 1 Query."""
        items = CampaignItem.by_account.query(account_id, scan_index_forward=False, limit=limit)
        return [_campaign(item) for item in items]

    @translated
    def add_contacts(self, campaign_id: str, added: int, rejected: int = 0) -> None:
        """Count contacts stored (and rows refused). 1 UpdateItem."""
        CampaignItem(campaign_id).update(
            actions=[CampaignItem.total.add(added), CampaignItem.rejected.add(rejected)],
            condition=CampaignItem.campaign_id.exists(),
        )

    @translated
    def add_chunk(self, campaign_id: str, chunk: int, added: int) -> bool:
        """Count a call list's chunk of ``added`` contacts, once: False when it was counted
        already. 1 conditional UpdateItem."""
        try:
            CampaignItem(campaign_id).update(
                actions=[CampaignItem.chunks.add({chunk}), CampaignItem.total.add(added)],
                condition=CampaignItem.campaign_id.exists() & ~CampaignItem.chunks.contains(chunk),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def set_state(self, campaign_id: str, state: CampaignState, reason: str = "") -> Campaign:
        """Run, pause or cancel; a cancelled campaign stays cancelled (``ConflictError``
        raised by the caller on False). 1 conditional UpdateItem."""
        item = CampaignItem(campaign_id)
        actions: list[Any] = [CampaignItem.state.set(state)]
        actions.append(
            CampaignItem.paused_reason.set(reason)
            if reason
            else CampaignItem.paused_reason.remove()
        )
        try:
            item.update(
                actions=actions,
                condition=CampaignItem.campaign_id.exists()
                & (CampaignItem.state != CampaignState.CANCELLED.value),
            )
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            return self.get(campaign_id)
        return _campaign(item)

    @translated
    def plan_dispatch(self, campaign_id: str, at: datetime) -> bool:
        """Plan the campaign's next dispatch at ``at`` unless one is planned sooner: True when
        this call planned it (the caller then queues it). 1 conditional UpdateItem."""
        when = int(require_aware(at, "at").timestamp())
        try:
            CampaignItem(campaign_id).update(
                actions=[CampaignItem.next_dispatch.set(when)],
                condition=CampaignItem.campaign_id.exists()
                & (
                    CampaignItem.next_dispatch.does_not_exist()
                    | (CampaignItem.next_dispatch > when)
                ),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def dispatching(self, campaign_id: str) -> Campaign:
        """A dispatch has started: none is planned any more. 1 UpdateItem."""
        item = CampaignItem(campaign_id)
        try:
            item.update(
                actions=[CampaignItem.next_dispatch.remove()],
                condition=CampaignItem.campaign_id.exists(),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                raise NotFoundError("campaign", campaign_id) from error
            raise
        return _campaign(item)


def count_actions(old: str | None, new: str | None) -> list[Any]:
    """The update actions moving one contact's count from status ``old`` to ``new`` (None or
    ``scheduled``: the implicit count)."""
    actions: list[Any] = []
    if old == new:
        return actions
    if old and old != "scheduled":
        path = CampaignItem.counts[old]
        actions.append(path.set((path | 0) - 1))
    if new and new != "scheduled":
        path = CampaignItem.counts[new]
        actions.append(path.set((path | 0) + 1))
    return actions


def campaign_key(campaign_id: str) -> CampaignItem:
    """A campaign item to update by key (for a transaction)."""
    return CampaignItem(campaign_id)


CAMPAIGN_EXISTS = CampaignItem.campaign_id.exists()


def counts_of(mapping: Mapping[str, Any]) -> dict[str, int]:
    """A stored count map as plain integers."""
    return {str(k): int(v) for k, v in mapping.items()}
