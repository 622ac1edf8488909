"""The campaigns' kinds of effect, run as queued tasks (``calls.tasks``): a campaign's dispatch
(its due contacts handed to the dialer, paced), a contact's dial, what its call reports
(answered, ended) and the check of a call whose placing had no known outcome. Each carries a
``key``: the task worker runs it once per key. Frozen dataclasses of JSON values; imports
nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DispatchCampaign:
    """Hand the campaign's due contacts to the dialer (and plan the next dispatch)."""

    key: str
    campaign_id: str


@dataclass(frozen=True)
class DialContact:
    """Dial a contact now (or as soon as its pace and window allow); ``version``: the contact's
    version when it was handed over (a contact that moved on since is left alone)."""

    key: str
    campaign_id: str
    contact_id: str
    version: int
    delay_seconds: int = 0


@dataclass(frozen=True)
class ContactAnswered:
    """A contact's call was answered."""

    key: str
    campaign_id: str
    contact_id: str
    call_id: str


@dataclass(frozen=True)
class ContactCallEnded:
    """A contact's call ended: its result (``CallResult``), the carrier's detail, whether the
    flow asked for a reschedule (and for which agent: ``keep_agent``), the talk time;
    ``ended_at`` ISO 8601."""

    key: str
    campaign_id: str
    contact_id: str
    call_id: str
    result: str
    ended_at: str
    detail: str = ""
    rescheduled: bool = False
    duration: int = 0
    keep_agent: str = ""


@dataclass(frozen=True)
class CheckContactCall:
    """Look again at a contact's call whose placing had no known outcome (the carrier's answer
    was lost): if the carrier never reported on it, the call failed."""

    key: str
    campaign_id: str
    contact_id: str
    call_id: str
