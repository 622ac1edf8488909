"""The dispositions agents set for the dialer's calls in DynamoDB: the ``dialer_dispositions``
table, one item per call and agent (key ``<account>#<call_id>``, range the agent id: a
disposition saved again replaces the earlier one), listed per agent, newest first, through the
``by_agent`` index (``<account>#<agent>``, range ``saved_at``), and kept ``DISPOSITION_DAYS``
(DynamoDB's TTL removes them after). With ``DispositionRepository`` and the record it keeps,
``Disposition`` (its outcome one of ``Outcome``).

Items and pynamodb exceptions never leave this module; each method's docstring gives its
DynamoDB requests. Imports pynamodb, the store's base helpers and the standard library; must
not import a product package. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.attributes import EnumAttribute, UtcDateTimeAttribute
from chalicelib.store.base import translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem

DISPOSITION_DAYS = 400
"""How long a disposition is kept."""


class Outcome(StrEnum):
    """How a call ended, as its agent says."""

    SALE = "sale"
    CALLBACK = "callback"
    NOT_INTERESTED = "not interested"
    WRONG_NUMBER = "wrong number"
    NO_DECISION = "no decision"
    OTHER = "other"


@dataclass(frozen=True)
class Disposition:
    """What an agent set for a call they were given: its outcome and notes, with what the call
    was (its reference ``<call_id>:<ref>:<attempt>``, the customer's number, the campaign and
    contact when a campaign's)."""

    account_id: str
    call_id: str
    agent_id: str
    outcome: Outcome
    notes: str
    saved_at: datetime
    call_ref: str = ""
    customer: str = ""
    campaign_id: str = ""
    contact_id: str = ""


def _key(account_id: str, second: str) -> str:
    """``<account>#<id>``: account, call and agent ids hold no ``#``."""
    return f"{account_id}#{second}"


class DispositionsByAgentIndex(GlobalSecondaryIndex["DispositionItem"]):  # type: ignore[no-untyped-call]
    """An agent's dispositions, by the time they were saved."""

    class Meta:
        index_name = "by_agent"
        projection = AllProjection()

    agent_key = UnicodeAttribute(hash_key=True)
    saved_at = UtcDateTimeAttribute(range_key=True)


class DispositionItem(StoreItem):
    """One agent's disposition of one call (``dialer_dispositions``)."""

    LOGICAL_NAME: ClassVar[str] = "dialer_dispositions"

    class Meta:
        table_name = "dialer_dispositions"

    call_key = UnicodeAttribute(hash_key=True)
    """``<account>#<call_id>``."""
    agent_id = UnicodeAttribute(range_key=True)
    agent_key = UnicodeAttribute()
    """``<account>#<agent>``."""
    account_id = UnicodeAttribute()
    call_id = UnicodeAttribute()
    outcome = EnumAttribute(Outcome)
    notes = UnicodeAttribute(null=True)
    saved_at = UtcDateTimeAttribute()
    call_ref = UnicodeAttribute(null=True)
    customer = UnicodeAttribute(null=True)
    campaign_id = UnicodeAttribute(null=True)
    contact_id = UnicodeAttribute(null=True)
    expires = TTLAttribute(null=True)
    by_agent = DispositionsByAgentIndex()


def _item(disposition: Disposition) -> DispositionItem:
    item = DispositionItem(
        _key(disposition.account_id, disposition.call_id),
        disposition.agent_id,
        agent_key=_key(disposition.account_id, disposition.agent_id),
        account_id=disposition.account_id,
        call_id=disposition.call_id,
        outcome=disposition.outcome,
        notes=disposition.notes or None,
        saved_at=disposition.saved_at,
        call_ref=disposition.call_ref or None,
        customer=disposition.customer or None,
        campaign_id=disposition.campaign_id or None,
        contact_id=disposition.contact_id or None,
    )
    item.expires = disposition.saved_at + timedelta(days=DISPOSITION_DAYS)
    return item


def _disposition(item: DispositionItem) -> Disposition:
    return Disposition(
        account_id=item.account_id,
        call_id=item.call_id,
        agent_id=item.agent_id,
        outcome=item.outcome,
        notes=item.notes or "",
        saved_at=item.saved_at,
        call_ref=item.call_ref or "",
        customer=item.customer or "",
        campaign_id=item.campaign_id or "",
        contact_id=item.contact_id or "",
    )


class DispositionRepository:
    """Dispositions: saved (one per call and agent, the last save wins), read, listed per call
    and per agent."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, disposition: Disposition) -> Disposition:
        """Keep a disposition, replacing the agent's earlier one for that call. 1 PutItem."""
        _item(disposition).save()
        return disposition

    @translated
    def get(self, account_id: str, call_id: str, agent_id: str) -> Disposition | None:
        """The agent's disposition of the call, or None. 1 consistent GetItem."""
        try:
            item = DispositionItem.get(_key(account_id, call_id), agent_id, consistent_read=True)
        except DoesNotExist:
            return None
        return _disposition(item)

    @translated
    def of_call(self, account_id: str, call_id: str, limit: int) -> builtins.list[Disposition]:
        """Up to ``limit`` dispositions of the call, by agent id. 1 consistent Query."""
        items = DispositionItem.query(
            _key(account_id, call_id), consistent_read=True, limit=max(limit, 1)
        )
        return [_disposition(item) for item in items]

    @translated
    def of_agent(self, account_id: str, agent_id: str, limit: int) -> builtins.list[Disposition]:
        """The agent's latest ``limit`` dispositions, newest first. 1 Query of the ``by_agent``
        index (eventually consistent)."""
        items = DispositionItem.by_agent.query(
            _key(account_id, agent_id), scan_index_forward=False, limit=max(limit, 1)
        )
        return [_disposition(item) for item in items]
