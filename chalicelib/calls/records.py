"""Turning a finished call's state into its call record (outcome, duration, cost). Pure."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.flows.state import CallState, LegRole
from chalicelib.telephony.events import CallStatus

_OUTCOMES = {
    CallStatus.BUSY: CallOutcome.BUSY,
    CallStatus.UNANSWERED: CallOutcome.NO_ANSWER,
    CallStatus.TIMEOUT: CallOutcome.NO_ANSWER,
    CallStatus.CANCELLED: CallOutcome.CANCELLED,
    CallStatus.REJECTED: CallOutcome.REJECTED,
    CallStatus.FAILED: CallOutcome.FAILED,
}


def outcome_of(state: CallState) -> CallOutcome:
    """How the call ended, judged by its first leg."""
    if state.call_vars.get("amd") == CallStatus.MACHINE.value:
        return CallOutcome.MACHINE
    if state.answered_at is not None:
        return CallOutcome.COMPLETED
    caller = next((leg for leg in state.legs.values() if leg.role is LegRole.CALLER), None)
    if caller is None:
        return CallOutcome.FAILED
    return _OUTCOMES.get(caller.status, CallOutcome.FAILED)


def record_of(state: CallState) -> CallRecord:
    """The record a finished call leaves."""
    caller = next((leg for leg in state.legs.values() if leg.role is LegRole.CALLER), None)
    duration = caller.duration if caller and caller.duration is not None else 0
    if not duration and state.answered_at and state.ended_at:
        duration = max(0, int((state.ended_at - state.answered_at).total_seconds()))
    cost = sum((leg.price or Decimal("0") for leg in state.legs.values()), Decimal("0"))
    return CallRecord(
        account_id=state.account_id,
        call_id=state.call_id,
        started_at=state.started_at,
        flow_id=state.flow_id,
        direction=state.direction,
        from_number=state.from_number,
        to_number=state.to_number,
        outcome=outcome_of(state),
        ended_at=state.ended_at,
        answered_at=state.answered_at,
        duration=duration,
        legs=tuple(sorted(state.legs.values(), key=lambda leg: leg.role.value)),
        cost=cost,
        recording_uri=state.call_vars.get("recordingUri") or None,
    )
