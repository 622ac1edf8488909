"""Delivery receipts of the SMS the application sends: what the destination's network reports
for each part (``status`` and ``err-code`` of SPEC ``sms.yml`` ``DeliveryReceipt``, FACTS §3.6)
and after how many virtual seconds, set per destination number (``DeliveryRules``).

Plain data and one small holder; the receipt's payload is spelled in ``payloads`` and sent by
``dispatch``. Imports the standard library only; never the app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum


class ReceiptStatus(StrEnum):
    """The ``status`` values of a delivery receipt (SPEC ``sms.yml`` ``x-possible-values``)."""

    DELIVERED = "delivered"
    EXPIRED = "expired"
    FAILED = "failed"
    REJECTED = "rejected"
    ACCEPTED = "accepted"
    BUFFERED = "buffered"
    UNKNOWN = "unknown"


DEFAULT_ERR_CODES: dict[ReceiptStatus, str] = {
    ReceiptStatus.DELIVERED: "0",
    ReceiptStatus.ACCEPTED: "0",
    ReceiptStatus.BUFFERED: "0",
    ReceiptStatus.UNKNOWN: "1",
    ReceiptStatus.EXPIRED: "2",
    ReceiptStatus.FAILED: "8",
    ReceiptStatus.REJECTED: "6",
}
"""``err-code`` "0" when delivered, non-zero otherwise (SPEC ``sms.yml``); the non-zero codes
are Vonage's DLR codes 1 unknown, 2 absent subscriber (temporary), 6 anti-spam rejection and
8 network error, our choice of a typical one per status."""

DEFAULT_DELAY_SECONDS = 2.0


@dataclass(frozen=True)
class DeliveryPlan:
    """What the network reports for an SMS to one number, ``delay_seconds`` after the send."""

    status: ReceiptStatus = ReceiptStatus.DELIVERED
    err_code: str | None = None
    delay_seconds: float = DEFAULT_DELAY_SECONDS

    def __post_init__(self) -> None:
        if self.delay_seconds < 0:
            raise ValueError("delay_seconds must not be negative")

    @property
    def error_code(self) -> str:
        """The receipt's ``err-code``."""
        return self.err_code if self.err_code is not None else DEFAULT_ERR_CODES[self.status]


class DeliveryRules:
    """The delivery plan of each destination number (``default`` for the others)."""

    def __init__(self, default: DeliveryPlan | None = None) -> None:
        self.default = default or DeliveryPlan()
        self._plans: dict[str, DeliveryPlan] = {}
        self._lock = threading.Lock()

    def set(self, number: str, plan: DeliveryPlan) -> None:
        """SMS to ``number`` get ``plan``."""
        with self._lock:
            self._plans[number.lstrip("+")] = plan

    def plan_for(self, number: str) -> DeliveryPlan:
        """The plan of an SMS to ``number``."""
        with self._lock:
            return self._plans.get(number.lstrip("+"), self.default)
