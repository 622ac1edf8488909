"""The dialer's leg watcher (``watch``, registered with the engine): the agent legs of an
``agent`` node's wait and the customer's own leg, read after the engine took each status. Pure:
imports flows, telephony events and the dialer's agent node; never the store, web or any I/O.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.dialer.agent_node import (
    AgentConfig,
    answer,
    get,
    hang_up,
    ids,
    live,
    note,
    noted,
    release,
)
from chalicelib.flows.model import Flow
from chalicelib.flows.outcomes import Effect
from chalicelib.flows.state import CallState, LegRole
from chalicelib.telephony.events import CallStatus, CallStatusChanged


def watch(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """The engine's leg watcher for the node's agent legs: the first leg seen after an agent
    was given is that agent's; its answer, while the customer waits, connects the two (noted,
    counted, shown), else it is hung up and the agent let go; its end after a talk lets the
    agent go into wrap-up. Any other leg of the node's wait showing up live is hung up. The
    customer's leg ending lets the current agent go and hangs up a leg still ringing."""
    ref = get(state, "ref")
    leg = state.legs.get(event.leg_id)
    if leg is None or not ref:
        return state, ()
    config = _config(flow, state)
    if leg.role is LegRole.CALLER:
        return _customer_gone(config, state, event, now)
    if event.ref != ref:
        return state, ()
    notes: dict[str, str] = {}
    legs = ids(get(state, "legs"))
    current = get(state, "leg")
    if event.leg_id not in legs:
        legs.append(event.leg_id)
        notes.update(note(legs=",".join(legs)))
        if not current and get(state, "agent"):
            current = event.leg_id
            notes.update(note(leg=current))
    waiting = state.awaiting is not None and state.awaiting.ref == ref and not state.finished
    effects: list[Effect] = []
    if event.leg_id != current:
        if not event.status.is_final:
            effects.extend(hang_up(state, [event.leg_id]))
    elif event.status is CallStatus.ANSWERED and not get(state, "connected"):
        if waiting and config is not None:
            at = event.start_time or event.at or now
            notes.update(note(connected=at.isoformat(), reported="1"))
            notes.update({"agent.connect": "true", "agent.cdr": event.leg_id})
            talking = noted(state, notes)
            effects.extend(answer(state, config, at))
            effects.append(live(talking, config, "talking", now, get(state, "agent")))
        else:
            effects.extend(hang_up(state, [event.leg_id]))
            effects.extend(release(state, "unused"))
    elif event.status.is_final and get(state, "connected"):
        effects.extend(release(state, "talked"))
        if config is not None:
            effects.append(live(state, config, "ended", now))
    if not notes:
        return state, tuple(effects)
    return noted(state, notes), tuple(effects)


def _customer_gone(
    config: AgentConfig | None, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """The customer's leg ended (once): the current agent let go, a leg still ringing hung up,
    a customer who never reached an agent counted as abandoned."""
    if not event.status.is_final or not state.finished or get(state, "gone"):
        return state, ()
    connected = bool(get(state, "connected"))
    leg = get(state, "leg")
    effects: list[Effect] = [*release(state, "talked" if connected else "unused")]
    effects.extend(hang_up(state, [leg] if leg else []))
    if config is not None:
        if not connected:
            effects.extend(answer(state, config, None))
        effects.append(live(state, config, "ended", now))
    gone = noted(state, note(reported="1", gone="1"))
    return gone, tuple(effects)


def _config(flow: Flow, state: CallState) -> AgentConfig | None:
    """The agent node the call's wait belongs to."""
    node = flow.nodes.get(get(state, "node"))
    return node if isinstance(node, AgentConfig) else None
