"""Ports the platform uses to act on the network; provider adapters implement them.

Kept free of any provider import so that services depend only on these shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from chalicelib.telephony.actions import Action, MachineDetection


@dataclass(frozen=True)
class OutboundCall:
    """A call the platform asks the provider to place. ``call_id`` is the platform's id for it
    (written into the callback URLs of ``actions``). ``to_number`` is E.164 digits, or a SIP
    URI (``actions.SIP_URI``) for a SIP endpoint."""

    to_number: str
    from_number: str
    answer_url: str | None = None
    actions: Sequence[Action] = ()
    event_url: str | None = None
    machine_detection: MachineDetection | None = None
    ringing_timeout: int = 60
    length_timeout: int = 7200
    call_id: str | None = None


@dataclass(frozen=True)
class PlacedCall:
    """What the provider answered when a call was created."""

    leg_id: str
    conversation_id: str | None
    status: str


@dataclass(frozen=True)
class SentSms:
    """What the provider answered when an SMS was sent: the first part's id, and every part's
    (a long text goes out as several messages, each with its own id and receipt)."""

    message_id: str
    status: str
    part_ids: tuple[str, ...] = ()


class CallControl(Protocol):
    """Places, redirects and ends calls."""

    def place_call(self, call: OutboundCall) -> PlacedCall: ...

    def transfer(self, leg_id: str, actions: Sequence[Action], call_id: str) -> None: ...

    def hangup(self, leg_id: str) -> None: ...

    def say_into(self, leg_id: str, text: str, language: str) -> None: ...


class SmsSender(Protocol):
    """Sends SMS messages."""

    def send_sms(self, from_number: str, to_number: str, text: str, client_ref: str) -> SentSms: ...
