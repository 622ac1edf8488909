"""The money of a callback's dials, settled from the legs' own events: the engine's leg watcher
for callback calls.

When a dialled leg reports, its dial learns the leg's id; when it ends (completed with the
carrier's duration, or busy, unanswered, failed, declined) the dial's cost is worked out from
that duration and the ring time (``Dial.charge``), the dial leaves the call's open dials and a
``SettleDial`` effect charges it and releases the rest, once per dial whatever is retried. When
the user's leg ends, a dial that never got a leg of its own (the dial was held, the call ended
before the carrier placed it) is released with nothing charged. ``$call.price`` (with its
currency) says what the callback charged so far and ``$call.record.calls`` how many calls were
bridged; the call's record keeps both. Pure: imports flows, telephony events, the callback's
model and the names of ``calls.records``' values.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from datetime import datetime

from chalicelib.callback.model import CallbackCall, Dial
from chalicelib.callback.queries import SettleDial
from chalicelib.calls.records import FACT, PRICE, PRICE_CURRENCY
from chalicelib.flows.model import Flow
from chalicelib.flows.outcomes import Effect
from chalicelib.flows.state import CallState, LegRole
from chalicelib.telephony.events import CallStatusChanged

MAX_SETTLING = 8
"""Settlements a call remembers for its next dial (older ones have long been run)."""


def _settle(
    dial: Dial,
    charge: str,
    state: CallState,
    answered: bool = False,
    seconds: int = 0,
    ended_at: datetime | None = None,
) -> SettleDial:
    data = state.data_of(CallbackCall)
    return SettleDial(
        key=f"settle:{dial.key}",
        account_id=dial.account_id,
        reservation=dial.key,
        amount=str(dial.amount),
        day=dial.day.isoformat(),
        charge=charge,
        answered=answered,
        call_id=state.call_id,
        user_number=data.user_number if data else "",
        destination=dial.destination,
        destination_name=dial.rates.destination.destination,
        seconds=seconds,
        ended_at=ended_at.isoformat() if ended_at else "",
        currency=data.currency if data else "EUR",
    )


def watch(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """Settle what ``event`` ends of a callback's dials (see the module)."""
    data = state.data_of(CallbackCall)
    leg = state.legs.get(event.leg_id)
    if data is None or not data.dials or leg is None:
        return state, ()
    effects: list[SettleDial] = []
    if leg.role is LegRole.BRIDGED and event.ref:
        dial = next((d for d in data.open_dials() if d.ref == event.ref), None)
        if dial is None:
            return state, ()
        if dial.leg_id is None:
            dial = replace(dial, leg_id=leg.leg_id)
            data = data.with_dial(dial)
        if event.status.is_final:
            answered = leg.answered_at is not None
            ended = leg.ended_at or now
            charge = dial.charge(leg.duration, answered, ended)
            talk = (leg.duration or 0) if answered else 0
            effects.append(_settle(dial, str(charge), state, answered, talk, ended))
            data = data.without_dial(dial, charge, answered)
    elif leg.role is LegRole.CALLER and event.status.is_final:
        known = {leg_id for leg_id, other in state.legs.items() if other.role is LegRole.BRIDGED}
        for dial in data.open_dials():
            if dial.leg_id is None or dial.leg_id not in known:
                effects.append(_settle(dial, "0", state))
                data = data.without_dial(dial, dial.amount * 0, False)
    else:
        return state, ()
    if effects:
        queued = tuple(json.dumps(asdict(e), separators=(",", ":")) for e in effects)
        data = replace(data, settling=(*data.settling, *queued)[-MAX_SETTLING:])
    values = {
        **state.call_vars,
        PRICE: str(data.charged),
        PRICE_CURRENCY: data.currency,
        f"{FACT}calls": str(data.bridged),
    }
    return replace(state.with_data(data), call_vars=values), tuple(effects)
