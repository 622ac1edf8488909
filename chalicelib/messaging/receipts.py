"""Delivery of the SMS the platform sends: the record of each sent SMS (one per part the carrier
answered with a message id) and its delivery status from the carrier's receipts.

The rules are pure: which statuses are final (``delivered``, ``expired``, ``failed``,
``rejected``, ``unknown``; ``accepted`` and ``buffered`` are on the way), so a late or retried
receipt never overwrites a final status. ``SmsDelivery`` applies them through a ``SentSmsLog``
(the store's, one conditional write per receipt). Recording a send never fails the send: the SMS
is out, and a task that raised would send it again. Must not import pynamodb, the store or
Vonage modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.ops.observability import logger
from chalicelib.telephony.events import SmsStatusReported
from chalicelib.telephony.ports import SentSms

FINAL_STATUSES = frozenset({"delivered", "expired", "failed", "rejected", "unknown"})
SUBMITTED = "submitted"
"""The status of a sent SMS before its first receipt."""


def is_final(status: str) -> bool:
    """Whether no later receipt may change ``status``."""
    return status in FINAL_STATUSES


@dataclass(frozen=True)
class SentMessage:
    """One sent SMS (or one part of a long one) and how far it got."""

    message_id: str
    account_id: str | None
    from_number: str | None
    to_number: str
    client_ref: str | None
    status: str
    error_code: str | None = None
    part: int = 1
    parts: int = 1
    sent_at: datetime | None = None
    status_at: datetime | None = None
    price: str | None = None
    network_code: str | None = None

    @property
    def final(self) -> bool:
        return is_final(self.status)


class SentSmsLog(Protocol):
    """Where sent SMS and their statuses are kept."""

    def record_sent(self, message: SentMessage, now: datetime) -> None: ...

    def record_status(self, receipt: SmsStatusReported, final: bool, now: datetime) -> bool: ...

    def find(self, message_id: str) -> SentMessage | None: ...


class SmsDelivery:
    """Records sent SMS and the receipts the carrier sends about them."""

    def __init__(self, log: SentSmsLog, clock: Callable[[], datetime]) -> None:
        self._log = log
        self._clock = clock

    def sent(
        self, account_id: str, from_number: str, to_number: str, client_ref: str, sent: SentSms
    ) -> None:
        """Record an SMS the carrier accepted (every part). Logs, never raises."""
        ids = sent.part_ids or (sent.message_id,)
        now = self._clock()
        try:
            for index, message_id in enumerate(ids, start=1):
                message = SentMessage(
                    message_id=message_id,
                    account_id=account_id,
                    from_number=from_number,
                    to_number=to_number,
                    client_ref=client_ref or None,
                    status=SUBMITTED,
                    part=index,
                    parts=len(ids),
                    sent_at=now,
                )
                self._log.record_sent(message, now)
        except Exception:
            logger.exception("sent SMS not recorded", extra={"message_id": sent.message_id})

    def reported(self, receipt: SmsStatusReported) -> bool:
        """Record a receipt; False when a final status was already recorded (a retry, or a
        late receipt), which changes nothing."""
        return self._log.record_status(receipt, is_final(receipt.status), self._clock())

    def find(self, account_id: str, message_id: str) -> SentMessage | None:
        """The account's sent SMS with this message id, if any."""
        message = self._log.find(message_id)
        if message is None or message.account_id != account_id:
            return None
        return message
