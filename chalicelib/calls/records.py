"""Where the carrier's prices become money: a call's cost (``$call.cost``, in the carrier's
currency) and its record when it is over (outcome, duration, cost, path); ``find_call`` finds
one call of an account, ended or live. Pure; the engine keeps each
leg's price as the carrier reported it and knows no currency. Imports ``calls.model``,
``flows.state``, the neutral errors and telephony types only; the stores come in as ports.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Protocol

from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.errors import NotFoundError
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


def cost_of(state: CallState) -> Decimal | None:
    """What the carrier charged for the call's legs so far (None: no leg has a price yet)."""
    return state.cost()


def with_cost(state: CallState, currency: str) -> CallState:
    """``state`` with ``$call.cost`` and ``$call.cost.currency`` set from its legs' prices
    (unchanged while no leg has one)."""
    cost = cost_of(state)
    if cost is None:
        return state
    shown = {"cost": str(cost), "cost.currency": currency}
    if all(state.call_vars.get(name) == value for name, value in shown.items()):
        return state
    return replace(state, call_vars={**state.call_vars, **shown})


def record_of(state: CallState, currency: str = "EUR") -> CallRecord:
    """The record a finished call leaves, its cost in ``currency`` (the carrier's)."""
    caller = next((leg for leg in state.legs.values() if leg.role is LegRole.CALLER), None)
    duration = caller.duration if caller and caller.duration is not None else 0
    if not duration and state.answered_at and state.ended_at:
        duration = max(0, int((state.ended_at - state.answered_at).total_seconds()))
    cost = cost_of(state) or Decimal(0)
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
        currency=currency,
        recording_uri=state.call_vars.get("recordingUri")
        or state.call_vars.get("flow.recordingUri")
        or None,
        path=state.path,
        price=_price(state.call_vars.get(PRICE)),
        price_currency=state.call_vars.get(PRICE_CURRENCY) or None,
        facts={
            name.removeprefix(FACT): value
            for name, value in sorted(state.call_vars.items())
            if name.startswith(FACT)
        },
    )


PRICE = "price"
"""The ``$call`` value a product sets to what it charged its customer for the call."""
PRICE_CURRENCY = "price.currency"
FACT = "record."
"""``$call.record.<name>``: a product's fact about the call, kept in its record."""


def _price(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text else None
    except ArithmeticError:
        return None


class RecordLookup(Protocol):
    """Finished calls by id (see ``store.records.CallRecordRepository``)."""

    def get(self, account_id: str, call_id: str) -> CallRecord: ...


class LiveCalls(Protocol):
    """Live call states by id (see ``store.calls.CallRepository``)."""

    def get(self, call_id: str) -> CallState: ...


def find_call(
    records: RecordLookup, live: LiveCalls, account_id: str, call_id: str, currency: str
) -> tuple[CallRecord, bool]:
    """One call of the account and whether it is still going on: its record once it has ended,
    else what its live state says so far. ``NotFoundError`` for a call of another account, as
    for one that never was (an id tells nothing about other accounts)."""
    try:
        return records.get(account_id, call_id), False
    except NotFoundError:
        pass
    try:
        state = live.get(call_id)
    except NotFoundError:
        state = None
    if state is None or state.account_id != account_id:
        raise NotFoundError(f"no call {call_id!r}")
    return record_of(state, currency), not state.finished
