"""How a click-to-call hears of its calls: the engine's leg watcher for calls of a click-to-call
campaign (``CampaignCall`` data of a ``c2c-`` campaign). When the call is over and the last of
its legs has ended (each leg's duration is in its own final event), its legs (the first: whom
the call went to; the bridged ones: whom the flow dialled) go to the product as a
``RequestCallEnded`` task, once per call. Pure: imports flows, telephony events, the campaigns'
call data and the product's model and tasks.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from chalicelib.campaigns.model import CampaignCall
from chalicelib.click2call.model import PREFIX, FirstCall
from chalicelib.click2call.tasks import RequestCallEnded
from chalicelib.flows.model import Flow
from chalicelib.flows.outcomes import Effect
from chalicelib.flows.state import CallState, Leg, LegRole
from chalicelib.telephony.events import CallStatus, CallStatusChanged

_REPORTED = "_c2c_reported"


def _answered(leg: Leg) -> bool:
    return leg.answered_at is not None or (
        leg.status is CallStatus.COMPLETED and bool(leg.duration)
    )


def watch(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """Report the call's legs once it is over (see the module)."""
    data = state.data_of(CampaignCall)
    if data is None or not data.campaign_id.startswith(PREFIX):
        return state, ()
    if event.leg_id not in state.legs or not event.status.is_final:
        return state, ()
    if not state.finished or state.call_vars.get(_REPORTED) == "1":
        return state, ()
    if not all(leg.status.is_final for leg in state.legs.values()):
        return state, ()  # a leg's end is still to come: its event reports the call
    leg = next((leg for leg in state.legs.values() if leg.role is LegRole.CALLER), None)
    if leg is None:
        return state, ()
    first = FirstCall(state.flow_vars.get("side") or FirstCall.VISITOR.value)
    second = FirstCall.COMPANY if first is FirstCall.VISITOR else FirstCall.VISITOR
    legs = [_leg(first.value, leg, state.to_number)]
    legs.extend(
        _leg(second.value, other, other.number or "")
        for other in state.legs.values()
        if other.role is LegRole.BRIDGED
    )
    ended = RequestCallEnded(
        key=f"c2c-ended:{state.call_id}",
        request_id=state.flow_vars.get("request", ""),
        call_id=state.call_id,
        first=first.value,
        started_at=state.started_at.isoformat(),
        ended_at=(state.ended_at or now).isoformat(),
        legs=json.dumps(legs, separators=(",", ":")),
    )
    marked = replace(state, call_vars={**state.call_vars, _REPORTED: "1"})
    return marked, (ended,)


def _leg(side: str, leg: Leg, number: str) -> dict[str, object]:
    seconds = 0
    if _answered(leg):
        seconds = int(leg.duration or 0)
        if not leg.duration and leg.answered_at and leg.ended_at:  # ended by the other side
            seconds = max(0, int((leg.ended_at - leg.answered_at).total_seconds()))
    return {
        "side": side,
        "number": number,
        "status": leg.status.value,
        "duration": seconds,
        "answered": _answered(leg),
    }
