"""Provider-neutral events: what the network reports about calls and messages.

Provider adapters parse their webhooks into these; the flow engine and services consume them.
Events are past tense and immutable. ``ref`` is the token an action wrote into its callback URL
(empty for events that arrive on the application-wide URLs). This module imports nothing from the
rest of the platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Mapping, Union


class CallStatus(StrEnum):
    """Every call (leg) status a provider reports."""

    STARTED = "started"
    RINGING = "ringing"
    ANSWERED = "answered"
    BUSY = "busy"
    CANCELLED = "cancelled"
    UNANSWERED = "unanswered"
    DISCONNECTED = "disconnected"
    REJECTED = "rejected"
    FAILED = "failed"
    TIMEOUT = "timeout"
    COMPLETED = "completed"
    HUMAN = "human"
    MACHINE = "machine"

    @property
    def is_final(self) -> bool:
        """True when the leg can produce no further status."""
        return self in _FINAL

    @property
    def is_failure(self) -> bool:
        """True when the leg ended without ever being answered."""
        return self in _FAILURES


_FAILURES = frozenset(
    {
        CallStatus.BUSY,
        CallStatus.CANCELLED,
        CallStatus.UNANSWERED,
        CallStatus.REJECTED,
        CallStatus.FAILED,
        CallStatus.TIMEOUT,
    }
)
_FINAL = _FAILURES | {CallStatus.COMPLETED}


class Direction(StrEnum):
    """Which way a leg was placed."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class CallAnswered:
    """A leg was answered and asks what to do (the answer webhook)."""

    leg_id: str
    conversation_id: str
    from_number: str | None
    to_number: str
    from_user: str | None = None
    region_url: str | None = None
    endpoint_type: str | None = None
    custom_data: Mapping[str, Any] = field(default_factory=dict)
    sip_headers: Mapping[str, str] = field(default_factory=dict)
    ref: str = ""


@dataclass(frozen=True)
class CallStatusChanged:
    """A leg changed status (the event webhook)."""

    leg_id: str
    conversation_id: str | None
    status: CallStatus
    direction: Direction | None = None
    from_number: str | None = None
    to_number: str | None = None
    at: datetime | None = None
    detail: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    rate: Decimal | None = None
    price: Decimal | None = None
    network: str | None = None
    disconnected_by: str | None = None
    sub_state: str | None = None
    sip_code: int | None = None
    ref: str = ""


@dataclass(frozen=True)
class SpeechResult:
    """One speech recognition hypothesis."""

    text: str
    confidence: float


@dataclass(frozen=True)
class InputReceived:
    """The caller pressed keys and/or spoke (the input webhook)."""

    leg_id: str
    conversation_id: str | None
    digits: str | None = None
    dtmf_timed_out: bool = False
    speech: tuple[SpeechResult, ...] = ()
    speech_timeout_reason: str | None = None
    speech_error: str | None = None
    speech_recording_url: str | None = None
    at: datetime | None = None
    ref: str = ""


@dataclass(frozen=True)
class KeyPressed:
    """The caller pressed one key while the call did something else (an asynchronous input's
    report, e.g. during a bridge)."""

    leg_id: str
    digit: str
    ref: str = ""
    at: datetime | None = None


@dataclass(frozen=True)
class RecordingReady:
    """A recording finished and can be fetched from ``recording_url``."""

    recording_url: str
    recording_id: str
    conversation_id: str | None
    size: int | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    at: datetime | None = None
    ref: str = ""


@dataclass(frozen=True)
class NotifyReceived:
    """The call reached a ``Notify`` action and asks what to do next."""

    conversation_id: str | None
    payload: Mapping[str, Any] = field(default_factory=dict)
    leg_id: str | None = None
    at: datetime | None = None
    ref: str = ""


@dataclass(frozen=True)
class CallTransferred:
    """A leg moved to another conversation."""

    leg_id: str
    conversation_from: str | None
    conversation_to: str | None
    at: datetime | None = None


@dataclass(frozen=True)
class ProviderErrorReported:
    """The provider reports an error about a call (for example an invalid NCCO)."""

    reason: str
    conversation_id: str | None
    at: datetime | None = None


@dataclass(frozen=True)
class SmsReceived:
    """An inbound SMS, or one part of a multipart one (``concat_*`` set)."""

    message_id: str
    from_number: str
    to_number: str
    text: str
    type: str = "text"
    keyword: str | None = None
    sent_at: datetime | None = None
    concat_ref: str | None = None
    concat_total: int | None = None
    concat_part: int | None = None

    @property
    def is_part(self) -> bool:
        """True when this message is one part of a longer message."""
        return self.concat_ref is not None


@dataclass(frozen=True)
class SmsStatusReported:
    """A delivery receipt: how far one sent SMS (one part of a long one) got. ``status`` is the
    provider's word (``delivered``, ``expired``, ``failed``, ``rejected``, ``accepted``,
    ``buffered``, ``unknown``); ``error_code`` is "0" unless something went wrong."""

    message_id: str
    status: str
    error_code: str
    to_number: str
    client_ref: str | None = None
    network_code: str | None = None
    price: str | None = None
    reported_at: datetime | None = None


CallEvent = Union[
    CallAnswered,
    CallStatusChanged,
    InputReceived,
    KeyPressed,
    RecordingReady,
    NotifyReceived,
    CallTransferred,
    ProviderErrorReported,
]
