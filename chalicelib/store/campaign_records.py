"""The records of outbound campaigns the store keeps and returns: a campaign, its contacts with
their status and attempts, an outbound flow's and an account's campaign settings
(``campaigns.model`` names them for the product). A contact is dialled number by number
(``tel1`` then its alternates), and the whole list again after ``retry_delay`` up to
``max_retries`` more rounds (``campaigns.attempts`` decides). Frozen dataclasses and enums;
imports the standard library only. Part of ``store`` (no pynamodb here: the tables'
modules, ``store.campaigns`` and ``store.campaign_contacts``, map these to items).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class ContactStatus(StrEnum):
    """Where a contact is. The first four are on the way; the rest are final."""

    SCHEDULED = "scheduled"
    """Waiting for its start time (or its next alternate number, or its turn in the pace)."""
    RESCHEDULED = "rescheduled"
    """Waiting for a retry round, or a reschedule its flow asked for."""
    DIALLING = "dialling"
    ANSWERED = "answered"
    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    DECLINED = "declined"
    MACHINE = "machine"
    """An answering machine took the call and the flow did not ask for another try."""
    SKIPPED_DNC = "skipped_dnc"
    """Every number of the contact is on the account's do-not-call list: never dialled."""
    OUTSIDE_WINDOW = "outside_window"
    """The calling window never opens at the contact's local time (before the campaign ends)."""
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self not in _ON_THE_WAY

    @property
    def is_pending(self) -> bool:
        """Waiting to be dialled (in the due index)."""
        return self in (ContactStatus.SCHEDULED, ContactStatus.RESCHEDULED)


_ON_THE_WAY = frozenset(
    {
        ContactStatus.SCHEDULED,
        ContactStatus.RESCHEDULED,
        ContactStatus.DIALLING,
        ContactStatus.ANSWERED,
    }
)


class CallResult(StrEnum):
    """How one attempt ended, as a campaign reads it."""

    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    DECLINED = "declined"
    MACHINE = "machine"
    DO_NOT_CALL = "do_not_call"
    """The number was on the do-not-call list: skipped, never dialled."""


@dataclass(frozen=True)
class Attempt:
    """One call to one of a contact's numbers (or one number skipped)."""

    number: str
    started_at: datetime
    call_id: str | None = None
    result: CallResult | None = None
    """None while the call goes on."""
    ended_at: datetime | None = None
    detail: str = ""
    """The carrier's detail (``declined``, ``cannot_route``), the machine verdict, or why the
    flow asked for a reschedule."""
    rescheduled: bool = False
    """The flow set ``$flow.syskey.rescheduledCall`` to ``yes``."""
    duration: int = 0


class Trigger(StrEnum):
    """How a campaign's contacts came."""

    REST = "rest"
    EMAIL = "email"
    UPLOAD = "upload"
    PRODUCT = "product"
    """Enrolled by another product (a click-to-call's visitors)."""


class CampaignState(StrEnum):
    """Whether a campaign's contacts are being called."""

    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"


class MachineHandling(StrEnum):
    """What an answering machine gets (the flow's choice)."""

    OFF = "off"
    """No detection: a machine is a person to the flow."""
    CONTINUE = "continue"
    """Detect, and run the flow: it reads ``$call.amd`` (``machine``/``human``) and leaves a
    message, hangs up or sets ``$flow.syskey.rescheduledCall``."""
    HANGUP = "hangup"
    """The carrier hangs up on a machine; the contact ends as ``machine``."""
    RETRY = "retry"
    """The carrier hangs up on a machine; the contact is tried again like an unanswered call."""


DEFAULT_CALLS_PER_SECOND = Decimal(3)
"""The carrier's own limit of new calls per second (FACTS-operations §1.4)."""
MAX_CALLS_PER_SECOND = Decimal(50)


@dataclass(frozen=True)
class FlowSettings:
    """An outbound flow's campaign settings (the seed's "configurator tab")."""

    account_id: str
    flow_id: str
    caller_ids: tuple[str, ...] = ()
    """The flow's DIDs when its listener was last activated (calls go out from them in turn)."""
    activated_at: datetime | None = None
    security_hash: str = ""
    """The SHA-256 of the flow's security id (``POST /outbound/create``); the id is shown once."""
    mail_token: str = ""
    """The local part's token of the flow's upload address."""
    calls_per_second: Decimal = DEFAULT_CALLS_PER_SECOND
    max_concurrent: int = 10
    window: str = ""
    """The calling window in the contact's local time (``campaigns.windows``); '' = any time."""
    max_retries: int = 2
    """Rounds of retries after the first pass over a contact's numbers."""
    retry_delay: int = 600
    """Seconds between rounds."""
    ringing_timeout: int = 45
    machine: MachineHandling = MachineHandling.OFF

    @property
    def active(self) -> bool:
        return self.activated_at is not None and bool(self.caller_ids)


@dataclass(frozen=True)
class AccountSettings:
    """An account's campaign settings: who may trigger, and the account's own pace."""

    account_id: str
    ip_whitelist: tuple[str, ...] = ()
    """Addresses or CIDR blocks ``POST /outbound/create`` accepts (none: nobody)."""
    allowed_senders: tuple[str, ...] = ()
    """E-mail addresses (or ``@domain``) whose call lists are loaded."""
    calls_per_second: Decimal = DEFAULT_CALLS_PER_SECOND
    max_concurrent: int = 30


@dataclass(frozen=True)
class Campaign:
    """One trigger's contacts for one outbound flow."""

    campaign_id: str
    account_id: str
    flow_id: str
    trigger: Trigger
    created_at: datetime
    state: CampaignState = CampaignState.RUNNING
    name: str = ""
    """The uploaded file's name, the mail's subject, or the REST flow's."""
    total: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    """Contacts per status that is not ``scheduled`` (scheduled = total - the rest)."""
    rejected: int = 0
    """Rows or calls refused when they came (never contacts)."""
    paused_reason: str = ""

    def progress(self) -> dict[str, int]:
        """Contacts per status, every status named."""
        shown = {status.value: int(self.counts.get(status.value, 0)) for status in ContactStatus}
        shown[ContactStatus.SCHEDULED.value] = self.total - sum(
            n for name, n in shown.items() if name != ContactStatus.SCHEDULED.value
        )
        return shown

    @property
    def finished(self) -> bool:
        """Every contact has a final status."""
        progress = self.progress()
        return all(progress[status.value] == 0 for status in _ON_THE_WAY)


@dataclass(frozen=True)
class Contact:
    """One person to call: their numbers (tel1, then alternates), the flow keys the call
    starts with, and what happened so far."""

    campaign_id: str
    contact_id: str
    numbers: tuple[str, ...]
    keys: Mapping[str, str] = field(default_factory=dict)
    status: ContactStatus = ContactStatus.SCHEDULED
    due_at: datetime | None = None
    """When it is next dialled (pending contacts)."""
    attempts: tuple[Attempt, ...] = ()
    next_number: int = 0
    """The index in ``numbers`` dialled next."""
    round: int = 0
    """Retry rounds started (0: the first pass)."""
    client_identifier: str = ""
    row: int | None = None
    """The call list's row (as a spreadsheet numbers it)."""
    caller_id: str = ""
    """The flow's DID its calls go out from ('': the flow's DIDs in turn)."""
    version: int = 0

    @property
    def calls_made(self) -> int:
        """Calls placed so far (skipped numbers not counted): ``$call.attemptnumber`` - 1."""
        return sum(1 for attempt in self.attempts if attempt.result is not CallResult.DO_NOT_CALL)

    @property
    def current(self) -> Attempt | None:
        """The attempt going on (no result yet)."""
        last = self.attempts[-1] if self.attempts else None
        return last if last is not None and last.result is None else None
