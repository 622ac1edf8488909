"""How a campaign hears of its calls: the engine's leg watcher for calls carrying a
``CampaignCall``. When the called person's leg is answered the contact is ``answered``; when it
ends, the call's result (completed, busy, no answer, failed, declined, machine) and the flow's
``$flow.syskey.rescheduledCall`` (on a dialer flow also ``reschedule_customer_call`` and
``reschedule_agent_call``, with the agent to call again for) go to the campaign as a
``ContactCallEnded`` task, once per call (the engine ignores a repeated final status of a
finished call). Pure: imports flows, telephony events and the campaign's model, attempts and
tasks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.campaigns.attempts import AGENT_KEY
from chalicelib.campaigns.model import CallResult, CampaignCall
from chalicelib.campaigns.tasks import ContactAnswered, ContactCallEnded
from chalicelib.flows.model import Flow
from chalicelib.flows.outcomes import Effect
from chalicelib.flows.state import CallState, LegRole
from chalicelib.telephony.events import CallStatus, CallStatusChanged

RESCHEDULE_KEY = "syskey.rescheduledCall"
"""``$flow.syskey.rescheduledCall`` as the call's flow values keep it."""
CUSTOMER_RESCHEDULE_KEY = "syskey.reschedule_customer_call"
AGENT_RESCHEDULE_KEY = "syskey.reschedule_agent_call"
"""A dialer flow's two reschedules: the customer called again later, or called again for the
agent they talked to (``$flow.syskey.agentID``)."""


def _yes(state: CallState, key: str) -> bool:
    return state.flow_vars.get(key, "").strip().lower() == "yes"


_NOT_A_REFUSAL = frozenset({"invalid_number", "restricted", "unavailable"})
"""``rejected`` details that say the number, not the person, refused the call."""
_DECLINING_SIP = frozenset({603, 607, 608})


def result_of(state: CallState, event: CallStatusChanged) -> CallResult:
    """What a contact's call came to, from its state and its caller leg's final event."""
    if state.call_vars.get("amd") == CallStatus.MACHINE.value:
        return CallResult.MACHINE
    if state.answered_at is not None or (event.status is CallStatus.COMPLETED and event.duration):
        return CallResult.COMPLETED
    status, detail = event.status, (event.detail or "").lower()
    if status is CallStatus.BUSY:
        return CallResult.BUSY
    if status in (CallStatus.UNANSWERED, CallStatus.TIMEOUT, CallStatus.CANCELLED):
        return CallResult.NO_ANSWER
    if status is CallStatus.REJECTED:
        return CallResult.FAILED if detail in _NOT_A_REFUSAL else CallResult.DECLINED
    if event.sip_code in _DECLINING_SIP or detail == "declined":
        return CallResult.DECLINED
    return CallResult.FAILED


def watch(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """Tell the campaign what the contact's leg did (see the module)."""
    data = state.data_of(CampaignCall)
    leg = state.legs.get(event.leg_id)
    if data is None or leg is None or leg.role is not LegRole.CALLER:
        return state, ()
    if event.status is CallStatus.ANSWERED:
        answered = ContactAnswered(
            key=f"campaign-answered:{state.call_id}",
            campaign_id=data.campaign_id,
            contact_id=data.contact_id,
            call_id=state.call_id,
        )
        return state, (answered,)
    if not event.status.is_final or not state.finished:
        return state, ()
    if state.call_vars.get(_REPORTED) == "1":
        return state, ()
    result = result_of(state, event)
    detail = event.detail or state.call_vars.get("amd", "") or ""
    ended = ContactCallEnded(
        key=f"campaign-ended:{state.call_id}",
        campaign_id=data.campaign_id,
        contact_id=data.contact_id,
        call_id=state.call_id,
        result=result.value,
        ended_at=(state.ended_at or now).isoformat(),
        detail=detail,
        rescheduled=any(
            _yes(state, key)
            for key in (RESCHEDULE_KEY, CUSTOMER_RESCHEDULE_KEY, AGENT_RESCHEDULE_KEY)
        ),
        duration=leg.duration or 0,
        keep_agent=state.flow_vars.get(AGENT_KEY, "") if _yes(state, AGENT_RESCHEDULE_KEY) else "",
    )
    marked = replace(state, call_vars={**state.call_vars, _REPORTED: "1"})
    return marked, (ended,)


_REPORTED = "_campaign_reported"
"""Set on a call whose end was reported to its campaign: once, whatever is retried."""
