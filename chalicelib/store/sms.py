"""Sent SMS in DynamoDB: the ``sent_sms`` table's item (``SentSmsItem``, one per message id the
carrier answered, so one per part of a long SMS) and ``SentSmsRepository``, which records a send
and each delivery receipt with one UpdateItem.

A receipt is written on condition that no final status is stored yet, so a retried or late
receipt never overwrites ``delivered``/``failed``/...; a receipt that comes before the send was
recorded creates the item, and recording the send then leaves its status alone. Items expire
``RETENTION_DAYS`` after their last write. Items and pynamodb exceptions never leave this module.
Imports no other aggregate module of the store. Part of ``store``, the only package that may
import pynamodb.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.expressions.update import Action

from chalicelib.messaging.receipts import SUBMITTED, SentMessage
from chalicelib.store.attributes import IntegerAttribute, UtcDateTimeAttribute, require_aware
from chalicelib.store.base import condition_failed, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem
from chalicelib.telephony.events import SmsStatusReported

RETENTION_DAYS = 90


class SentSmsItem(StoreItem):
    """One sent SMS (or part) and its latest delivery status (``sent_sms``)."""

    LOGICAL_NAME: ClassVar[str] = "sent_sms"

    class Meta:
        table_name = "sent_sms"

    message_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(null=True)
    from_number = UnicodeAttribute(null=True)
    to_number = UnicodeAttribute(null=True)
    client_ref = UnicodeAttribute(null=True)
    part = IntegerAttribute(null=True)
    parts = IntegerAttribute(null=True)
    sent_at = UtcDateTimeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    final = BooleanAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    status_at = UtcDateTimeAttribute(null=True)
    price = UnicodeAttribute(null=True)
    network_code = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


def sent_message_from(item: SentSmsItem) -> SentMessage:
    """The sent SMS an item holds."""
    return SentMessage(
        message_id=item.message_id,
        account_id=item.account_id,
        from_number=item.from_number,
        to_number=item.to_number or "",
        client_ref=item.client_ref,
        status=item.status or SUBMITTED,
        error_code=item.error_code,
        part=item.part or 1,
        parts=item.parts or 1,
        sent_at=item.sent_at,
        status_at=item.status_at,
        price=item.price,
        network_code=item.network_code,
    )


def _expiry(now: datetime) -> datetime:
    return require_aware(now, "now") + timedelta(days=RETENTION_DAYS)


def _set_present(*pairs: tuple[UnicodeAttribute, str | None]) -> list[Action]:
    """Set actions for the values that are there (setting None would remove the attribute)."""
    return [attribute.set(value) for attribute, value in pairs if value is not None]


class SentSmsRepository:
    """Sent SMS and their delivery statuses."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def record_sent(self, message: SentMessage, now: datetime) -> None:
        """Record a send; a status already there (an early receipt) stays. 1 UpdateItem."""
        actions: list[Action] = [
            SentSmsItem.to_number.set(message.to_number),
            SentSmsItem.part.set(message.part),
            SentSmsItem.parts.set(message.parts),
            SentSmsItem.sent_at.set(message.sent_at or now),
            SentSmsItem.status.set(SentSmsItem.status | message.status),
            SentSmsItem.final.set(SentSmsItem.final | message.final),
            SentSmsItem.expires_at.set(_expiry(now)),
        ]
        actions += _set_present(
            (SentSmsItem.account_id, message.account_id),
            (SentSmsItem.from_number, message.from_number),
            (SentSmsItem.client_ref, message.client_ref),
        )
        SentSmsItem(message.message_id).update(actions=actions)

    @translated
    def record_status(self, receipt: SmsStatusReported, final: bool, now: datetime) -> bool:
        """Record a receipt unless a final status is stored: True if written. 1 conditional
        UpdateItem."""
        actions: list[Action] = [
            SentSmsItem.status.set(receipt.status),
            SentSmsItem.final.set(final),
            SentSmsItem.error_code.set(receipt.error_code),
            SentSmsItem.status_at.set(receipt.reported_at or require_aware(now, "now")),
            SentSmsItem.to_number.set(SentSmsItem.to_number | receipt.to_number),
            SentSmsItem.expires_at.set(_expiry(now)),
        ]
        actions += _set_present(
            (SentSmsItem.client_ref, receipt.client_ref),
            (SentSmsItem.price, receipt.price),
            (SentSmsItem.network_code, receipt.network_code),
        )
        not_final = SentSmsItem.final.does_not_exist() | (SentSmsItem.final == False)  # noqa: E712
        try:
            SentSmsItem(receipt.message_id).update(actions=actions, condition=not_final)
        except PynamoDBException as error:
            if condition_failed(error):
                return False
            raise
        return True

    @translated
    def find(self, message_id: str) -> SentMessage | None:
        """The sent SMS with this id, if any. 1 GetItem."""
        try:
            return sent_message_from(SentSmsItem.get(message_id))
        except DoesNotExist:
            return None
