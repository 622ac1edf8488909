"""What happens to a contact after each attempt: the rules of the seed's outbound flows.

A busy, unanswered or failed call moves on to the contact's next alternate number (``tel2`` ..
``tel10``) at once; after the last one, the whole list is tried again ``retry_delay`` seconds
later, up to ``max_retries`` rounds; then the contact ends with the last call's result. A
declined call (the person refused it: ``rejected``/``declined``, SIP 603 or 486 with a
rejection) is final at once: nobody is called again. An answered call completes the contact,
unless the flow set ``$flow.syskey.rescheduledCall`` to ``yes``: then it is rescheduled as a
retry round (within ``max_retries``). An answering machine ends the contact as ``machine``, or is
tried again like an unanswered call when the flow's machine handling is ``retry``. A number on
the do-not-call list is skipped (an attempt with no call) and the next one is taken; a contact
whose numbers are all listed is ``skipped_dnc``.

Pure: ``(contact, what happened, settings, now) -> contact``. Imports the campaign model only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.campaigns.model import (
    Attempt,
    CallResult,
    Contact,
    ContactStatus,
    FlowSettings,
    MachineHandling,
)

_FINAL_OF = {
    CallResult.COMPLETED: ContactStatus.COMPLETED,
    CallResult.BUSY: ContactStatus.BUSY,
    CallResult.NO_ANSWER: ContactStatus.NO_ANSWER,
    CallResult.FAILED: ContactStatus.FAILED,
    CallResult.DECLINED: ContactStatus.DECLINED,
    CallResult.MACHINE: ContactStatus.MACHINE,
    CallResult.DO_NOT_CALL: ContactStatus.SKIPPED_DNC,
}
_TRY_AGAIN = frozenset({CallResult.BUSY, CallResult.NO_ANSWER, CallResult.FAILED})
AGENT_KEY = "syskey.agentID"
"""The flow key of the agent a contact's next call asks for first."""


@dataclass(frozen=True)
class Ended:
    """How a contact's call ended."""

    result: CallResult
    at: datetime
    detail: str = ""
    rescheduled: bool = False
    """The flow asked for a reschedule (``$flow.syskey.rescheduledCall``, or on a dialer flow
    ``reschedule_customer_call`` or ``reschedule_agent_call``, = ``yes``)."""
    duration: int = 0
    keep_agent: str = ""
    """The agent a rescheduled call is for (``reschedule_agent_call``): the next call asks for
    that agent first (its ``$flow.syskey.agentID``)."""


def dialling(contact: Contact, number: str, call_id: str, now: datetime) -> Contact:
    """``contact`` with a call to ``number`` placed (its attempt open)."""
    attempt = Attempt(number=number, started_at=now, call_id=call_id)
    return replace(
        contact,
        status=ContactStatus.DIALLING,
        due_at=None,
        attempts=(*contact.attempts, attempt),
    )


def answered(contact: Contact) -> Contact:
    """The contact picked up (its call goes on)."""
    if contact.status is not ContactStatus.DIALLING:
        return contact
    return replace(contact, status=ContactStatus.ANSWERED)


def conclude(contact: Contact, ended: Ended, settings: FlowSettings) -> Contact:
    """``contact`` after its open attempt ended as ``ended`` says (see the module)."""
    current = contact.current
    if current is None:
        return contact
    closed = replace(
        current,
        result=ended.result,
        ended_at=ended.at,
        detail=ended.detail[:200],
        rescheduled=ended.rescheduled,
        duration=ended.duration,
    )
    contact = replace(contact, attempts=(*contact.attempts[:-1], closed))
    if ended.rescheduled and ended.result is not CallResult.DECLINED:
        if ended.keep_agent:
            contact = replace(contact, keys={**contact.keys, AGENT_KEY: ended.keep_agent})
        return _next_round(contact, ended.result, settings, ended.at)
    result = ended.result
    if result is CallResult.MACHINE and settings.machine is MachineHandling.RETRY:
        return _move_on(contact, result, settings, ended.at)
    if result in _TRY_AGAIN:
        return _move_on(contact, result, settings, ended.at)
    return _final(contact, result)


def skip_listed(contact: Contact, settings: FlowSettings, now: datetime) -> Contact:
    """The number due is on the do-not-call list: note it and move on (no call)."""
    number = contact.numbers[contact.next_number]
    skipped = Attempt(number=number, started_at=now, result=CallResult.DO_NOT_CALL, ended_at=now)
    contact = replace(contact, attempts=(*contact.attempts, skipped))
    return _move_on(contact, CallResult.DO_NOT_CALL, settings, now)


def _move_on(
    contact: Contact, result: CallResult, settings: FlowSettings, now: datetime
) -> Contact:
    """The next alternate number now; after the last one, the next round."""
    if contact.next_number + 1 < len(contact.numbers):
        return replace(
            contact,
            status=ContactStatus.SCHEDULED,
            due_at=now,
            next_number=contact.next_number + 1,
        )
    return _next_round(contact, result, settings, now)


def _next_round(
    contact: Contact, result: CallResult, settings: FlowSettings, now: datetime
) -> Contact:
    if all(a.result is CallResult.DO_NOT_CALL for a in contact.attempts):
        return _final(contact, CallResult.DO_NOT_CALL)
    if contact.round >= settings.max_retries:
        return _final(contact, _last_call(contact) or result)
    return replace(
        contact,
        status=ContactStatus.RESCHEDULED,
        due_at=now + timedelta(seconds=settings.retry_delay),
        next_number=0,
        round=contact.round + 1,
    )


def _last_call(contact: Contact) -> CallResult | None:
    """The result of the last call placed (skipped numbers are not calls)."""
    for attempt in reversed(contact.attempts):
        if attempt.result not in (None, CallResult.DO_NOT_CALL):
            return attempt.result
    return None


def _final(contact: Contact, result: CallResult) -> Contact:
    return replace(contact, status=_FINAL_OF[result], due_at=None)


def cancelled(contact: Contact) -> Contact:
    """A contact of a cancelled campaign that was not called yet."""
    if not contact.status.is_pending:
        return contact
    return replace(contact, status=ContactStatus.CANCELLED, due_at=None)


def outside_window(contact: Contact) -> Contact:
    """A contact whose calling window never opens."""
    return replace(contact, status=ContactStatus.OUTSIDE_WINDOW, due_at=None)


def postponed(contact: Contact, until: datetime) -> Contact:
    """A pending contact waits until ``until`` (its window opens, its pace allows)."""
    return replace(contact, due_at=until)
