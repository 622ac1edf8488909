"""The SMS inbox: every inbound SMS once, whole. Duplicate deliveries (the provider retries for
24 hours) are dropped by message id; multipart messages are held until every part arrived, then
joined and handed to the consumers (products such as SMS commands register here).
Must not import pynamodb or Vonage modules.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Callable, Protocol, Sequence

from chalicelib.telephony.events import SmsReceived

Consumer = Callable[[SmsReceived], None]
Joiner = Callable[[Sequence[SmsReceived]], SmsReceived | None]


class CollectedPart(Protocol):
    """One stored part of a multipart message."""

    @property
    def payload(self) -> str: ...


class InboxMarkers(Protocol):
    """Idempotency markers and the parts of multipart messages."""

    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool: ...

    def add_sms_part(
        self,
        message_ref: str,
        part_number: int,
        total: int,
        payload_json: str,
        now: datetime,
        ttl_seconds: int,
    ) -> Sequence[CollectedPart]: ...

    def release(self, key: str) -> None: ...


def _encode(message: SmsReceived) -> str:
    data = asdict(message)
    data["sent_at"] = message.sent_at.isoformat() if message.sent_at else None
    return json.dumps(data)


def _decode(text: str) -> SmsReceived:
    data = json.loads(text)
    sent = data.pop("sent_at")
    return SmsReceived(**data, sent_at=datetime.fromisoformat(sent) if sent else None)


class SmsInbox:
    """Receives inbound SMS deliveries."""

    def __init__(
        self,
        markers: InboxMarkers,
        join: Joiner,
        consumers: Sequence[Consumer],
        clock: Callable[[], datetime],
        ttl_seconds: int = 2 * 24 * 3600,
    ) -> None:
        self._markers = markers
        self._join = join
        self._consumers = list(consumers)
        self._clock = clock
        self._ttl = ttl_seconds

    def receive(self, message: SmsReceived) -> SmsReceived | None:
        """Take one delivery; return the whole message when it is complete and new.

        A delivery that fails part-way (storing a part, a consumer) releases what it claimed,
        so the provider's retry of it is processed again rather than dropped.
        """
        now = self._clock()
        claimed = [f"sms:{message.message_id}"]
        if not self._markers.claim(claimed[0], now, self._ttl):
            return None
        try:
            if message.is_part and message.concat_ref is not None:
                ref = f"{message.from_number}:{message.concat_ref}"
                parts = self._markers.add_sms_part(
                    ref,
                    message.concat_part or 0,
                    message.concat_total or 0,
                    _encode(message),
                    now,
                    self._ttl,
                )
                whole = self._join([_decode(part.payload) for part in parts])
                if whole is None:
                    return None
                claimed.append(f"sms-whole:{ref}")
                if not self._markers.claim(claimed[-1], now, self._ttl):
                    return None
                message = whole
            for consumer in self._consumers:
                consumer(message)
        except Exception:
            for key in claimed:
                self._markers.release(key)
            raise
        return message
