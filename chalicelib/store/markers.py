"""Markers in DynamoDB: the ``markers`` table's item (``MarkerItem``) and ``MarkerRepository``:
claimed idempotency keys (effects happen once), signed tokens' ids bound to the request they
signed, and the parts of multipart SMS collected so far (``SmsPart``).

A marker past its ``expires_at`` counts as absent even before DynamoDB's TTL removes it. Items
and pynamodb exceptions never leave this module; each method's docstring gives its DynamoDB
requests. ``claim_item`` lends the spelling of a claim to another aggregate's transaction.
Imports no other aggregate module of the store. Part of ``store``, the only package
that may import pynamodb.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException
from pynamodb.expressions.condition import Condition

from chalicelib.store.attributes import IntegerAttribute, require_aware
from chalicelib.store.base import condition_failed, if_absent, save_if_absent, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem

MAX_SMS_PARTS = 255


class MarkerItem(StoreItem):
    """A claimed idempotency key, a signed token's id bound to the request it signed, or the
    parts of a multipart SMS collected so far (``markers``). Expired markers count as absent
    even before DynamoDB deletes them."""

    LOGICAL_NAME: ClassVar[str] = "markers"

    class Meta:
        table_name = "markers"

    key = UnicodeAttribute(hash_key=True)
    expires_at = TTLAttribute()
    parts = UnicodeSetAttribute(null=True)
    total = IntegerAttribute(null=True)
    fingerprint = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class SmsPart:
    """One part of a multipart SMS, as collected for reassembly."""

    part_number: int
    total: int
    payload: str


_CLAIM = "claim#"
_TOKEN = "token#"
_SMS_PARTS = "sms-parts#"


def claim_item(key: str, now: datetime, ttl_seconds: int) -> tuple[MarkerItem, Condition]:
    """The item that claims ``key`` until ``now + ttl_seconds`` and the condition of its put
    (no claim, or an expired one): for a transaction of another aggregate that must happen
    once per key (``MarkerRepository.claim`` is the same claim on its own)."""
    if ttl_seconds <= 0:
        raise ValueError(f"a claim must last, got ttl_seconds={ttl_seconds}")
    now = require_aware(now, "now")
    item = MarkerItem(_CLAIM + key, expires_at=now + timedelta(seconds=ttl_seconds))
    return item, if_absent(MarkerItem, MarkerItem.expires_at < now)


class MarkerRepository:
    """Claims that make effects happen once, and the parts of multipart SMS.

    A marker past its ``expires_at`` counts as absent even before DynamoDB's TTL removes it
    (which takes up to two days, and which moto never does).
    """

    def __init__(self) -> None:
        bound_settings()

    @translated
    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool:
        """Claim ``key`` until ``now + ttl_seconds``: True for the first claimer only (again
        once the claim expired or was released). 1 PutItem."""
        item, _ = claim_item(key, now, ttl_seconds)
        return save_if_absent(item, replacing=MarkerItem.expires_at < require_aware(now, "now"))

    @translated
    def bind_token(self, token_id: str, fingerprint: str, now: datetime, ttl_seconds: int) -> bool:
        """Bind a signed token's id to the request it came with until ``now + ttl_seconds``:
        True the first time and for the same request again (a carrier's retry); False when the
        token was already used for a different request (a replay). 1 PutItem."""
        if ttl_seconds <= 0:
            raise ValueError(f"a binding must last, got ttl_seconds={ttl_seconds}")
        now = require_aware(now, "now")
        item = MarkerItem(
            _TOKEN + token_id,
            fingerprint=fingerprint,
            expires_at=now + timedelta(seconds=ttl_seconds),
        )
        replaceable = (MarkerItem.expires_at < now) | (MarkerItem.fingerprint == fingerprint)
        return save_if_absent(item, replacing=replaceable)

    @translated
    def is_claimed(self, key: str, now: datetime) -> bool:
        """True while a live claim on ``key`` exists. 1 consistent GetItem."""
        now = require_aware(now, "now")
        try:
            item = MarkerItem.get(_CLAIM + key, consistent_read=True)
        except MarkerItem.DoesNotExist:
            return False
        return item.expires_at is None or item.expires_at >= now

    @translated
    def hold(self, key: str, now: datetime, ttl_seconds: int) -> None:
        """Keep ``key`` claimed until ``now + ttl_seconds``, whoever claimed it (a claim made
        longer once its work is done). 1 PutItem."""
        item, _ = claim_item(key, now, ttl_seconds)
        item.save()

    @translated
    def release(self, key: str) -> None:
        """Drop a claim so the effect may be tried again (idempotent). 1 DeleteItem."""
        MarkerItem(_CLAIM + key).delete()

    @translated
    def add_sms_part(
        self,
        message_ref: str,
        part_number: int,
        total: int,
        payload_json: str,
        now: datetime,
        ttl_seconds: int,
    ) -> tuple[SmsPart, ...]:
        """Add one part of a multipart SMS and return every part collected so far, by number.

        ``message_ref`` must be unique per sender and recipient (e.g. ``<from>:<to>:<ref>``):
        providers number concatenations per pair and reuse the numbers. A repeated part is
        stored once. The collection lives ``ttl_seconds`` from its first part; an expired one
        is replaced, never merged. 1 UpdateItem; +1 PutItem when replacing an expired one.
        """
        if not 1 <= part_number <= total <= MAX_SMS_PARTS:
            raise ValueError(f"part {part_number} of {total} is not a valid SMS part")
        now = require_aware(now, "now")
        entry = f"{part_number}:{payload_json}"
        key = _SMS_PARTS + message_ref
        expires_at = now + timedelta(seconds=ttl_seconds)
        for _ in range(2):
            item = MarkerItem(key)
            try:
                item.update(
                    actions=[
                        MarkerItem.parts.add({entry}),
                        MarkerItem.total.set(total),
                        MarkerItem.expires_at.set(MarkerItem.expires_at | expires_at),
                    ],
                    condition=MarkerItem.key.does_not_exist() | (MarkerItem.expires_at >= now),
                )
                return _sms_parts(item)
            except PynamoDBException as error:
                if not condition_failed(error):
                    raise
            item = MarkerItem(key, parts={entry}, total=total, expires_at=expires_at)
            try:
                item.save(condition=MarkerItem.expires_at < now)
                return _sms_parts(item)
            except PynamoDBException as error:
                if not condition_failed(error):
                    raise
        raise StaleStateError("sms parts", message_ref, "kept being replaced concurrently")

    @translated
    def parts(self, message_ref: str) -> tuple[SmsPart, ...]:
        """The parts collected so far, by number (empty if none). 1 GetItem."""
        try:
            item = MarkerItem.get(_SMS_PARTS + message_ref, consistent_read=True)
        except DoesNotExist:
            return ()
        return _sms_parts(item)

    def sms_parts(self, message_ref: str) -> builtins.list[str]:
        """The payloads of the parts collected so far, by part number. 1 GetItem."""
        return [part.payload for part in self.parts(message_ref)]

    @translated
    def clear_sms_parts(self, message_ref: str) -> None:
        """Forget a reassembled message's parts (idempotent). 1 DeleteItem."""
        MarkerItem(_SMS_PARTS + message_ref).delete()


def _sms_parts(item: MarkerItem) -> tuple[SmsPart, ...]:
    """The parts of a collection, one per number (the first in text order if one repeats)."""
    by_number: dict[int, str] = {}
    for entry in sorted(item.parts or ()):
        number, _, payload = entry.partition(":")
        by_number.setdefault(int(number), payload)
    total = item.total or 0
    return tuple(SmsPart(n, total, by_number[n]) for n in sorted(by_number))
