"""The flow engine: ``step(flow, state, event, now) -> Step(actions, effects, state)``. Pure.

It starts a flow when a call is answered, walks nodes until one has to wait for the network
(an input, a bridge, a notify, an HTTP request the shell must make) or the call ends, resumes the
waiting node when its event comes, and keeps the legs and ``$call`` values of the state up to date
from status events. An event that does not belong to what the call waits for (a stale ref, a
retry after the state moved on) is ignored and changes nothing. Events are taken by a table of
handlers keyed by their type (``register_event`` adds a product's kind); a type nobody registered
raises ``UnknownEventError``. ``TimerFired`` wakes a call up: the node waiting on the timer's ref
resumes, else the timer registered under its name (``register_timer``; ``hangup`` ends the call)
decides. A product reads every leg status after the engine through a leg watcher
(``register_leg_watcher``: a second leg's end settles its money); the platform's own watcher
stops the legs a ``connect`` with ``ring_all`` placed that lost or outlived the call. When the
caller's leg ends, a flow's ``after_call`` chain runs once (marked in the state, so a retried
``completed`` event does not run it again). No I/O, no clock, no ids: all come in as
parameters; what the shell should log or count comes back in ``Step.notices``, never as a
log line from here. Every variable a step stores is held to ``flows.limits`` (each value, and the
call's variables in all): past them the step raises ``VariableLimitError``, a
``FlowRuntimeError``, and the voice shell answers with the fallback as for any flow that cannot go
on. Imports flows and telephony types only (never `calls`, the shell around it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable, Union

from chalicelib.flows import path
from chalicelib.flows.errors import FlowRuntimeError, UnknownEventError, VariableLimitError
from chalicelib.flows.limits import check_total, check_value
from chalicelib.flows.model import Flow
from chalicelib.flows.outcomes import (
    Await,
    Consult,
    Consulted,
    Effect,
    End,
    Fetch,
    FetchRecording,
    Go,
    HttpRequest,
    HttpResponded,
    Notice,
    Outcome,
    Query,
    Stay,
    TimerFired,
    Updates,
)
from chalicelib.flows.state import Awaiting, CallState, Leg, LegRole
from chalicelib.flows.variables import Scope, wall_clock
from chalicelib.flows.widgets import WIDGETS
from chalicelib.flows.widgets.base import Ctx, EngineEnv, Resumption
from chalicelib.flows.widgets.connect import ring_watch
from chalicelib.flows.widgets.record import object_key, recording_url
from chalicelib.telephony.actions import Action, Hangup, Record, RecordingFormat
from chalicelib.telephony.causes import q850_cause
from chalicelib.telephony.events import (
    CallAnswered,
    CallEvent,
    CallStatus,
    CallStatusChanged,
    CallTransferred,
    Direction,
    InputReceived,
    KeyPressed,
    NotifyReceived,
    ProviderErrorReported,
    RecordingReady,
)

EngineEvent = Union[CallEvent, HttpResponded, Consulted, TimerFired]

DEFAULT_ENV = EngineEnv()


@dataclass(frozen=True)
class Step:
    """The result of one step. When ``request`` is set the shell makes it (an HTTP request) or
    answers it (a product's ``Query``) and steps again with ``HttpResponded`` or ``Consulted``;
    the actions of both steps are played in order. ``ignored`` means the event
    changed nothing. ``notices`` are for the shell to log and count; they change nothing."""

    actions: tuple[Action, ...]
    effects: tuple[Effect, ...]
    state: CallState
    request: HttpRequest | Query | None = None
    ignored: bool = False
    notices: tuple[Notice, ...] = ()


def _apply(state: CallState, updates: Updates, node_id: str) -> CallState:
    """``state`` with ``updates`` made, each value and the total held to ``flows.limits``."""
    for item in updates.data:
        state = state.with_data(item)
    if not (updates.flow or updates.user or updates.call or updates.language):
        return state
    for prefix, values in (("$flow.key.", updates.flow), ("$user.key.", updates.user)):
        for name, value in values.items():
            check_value(f"node {node_id}: {prefix}{name}", value)
    for name, value in updates.call.items():
        check_value(f"node {node_id}: $call.{name}", value)
    updated = replace(
        state,
        flow_vars={**state.flow_vars, **updates.flow},
        user_vars={**state.user_vars, **updates.user},
        call_vars={**state.call_vars, **updates.call},
        language=updates.language or state.language,
    )
    if updates.flow or updates.user or updates.call:
        try:
            check_total(updated.flow_vars, updated.user_vars, updated.call_vars)
        except VariableLimitError as error:
            raise VariableLimitError(f"node {node_id}: {error}") from None
    return updated


def _ctx(flow: Flow, state: CallState, node_id: str, now: datetime, env: EngineEnv) -> Ctx:
    scope = Scope.of(state, now, flow.timezone, flow.names)
    return Ctx(state, now, node_id, str(state.seq + 1), env, scope)


def _enter(flow: Flow, state: CallState, node_id: str, now: datetime, env: EngineEnv) -> Outcome:
    node = flow.nodes[node_id]
    return WIDGETS[node.widget].enter(node, _ctx(flow, state, node_id, now, env))


def _drive(
    flow: Flow, state: CallState, node_id: str, outcome: Outcome, now: datetime, env: EngineEnv
) -> Step:
    """Follow outcomes from ``node_id`` until the call waits or ends."""
    actions: list[Action] = []
    effects: list[Effect] = []
    notices: list[Notice] = []
    hops = 0
    while True:
        state = _apply(state, outcome.updates, node_id)
        if isinstance(outcome, Go):
            actions.extend(outcome.actions)
            effects.extend(outcome.effects)
            notices.extend(outcome.notices)
            state = replace(state, path=path.left(state.path, node_id, outcome.output))
            target = flow.targets(node_id).get(outcome.output)
            if target is None:  # an optional output left unwired ends the call
                return _ended(state, actions, effects, notices)
            hops += 1
            if hops > env.max_hops:
                raise FlowRuntimeError(f"flow {flow.flow_id} loops without waiting at {node_id}")
            node_id = target
            state = _entering(flow, state, node_id, now)
            outcome = _enter(flow, state, node_id, now, env)
            continue
        if isinstance(outcome, Consult) and outcome.ref is not None:  # the wait goes on
            waiting = replace(state, node=node_id, awaiting=Awaiting(node_id, outcome.ref))
        else:
            ref = str(state.seq + 1)
            waiting = replace(
                state, node=node_id, awaiting=Awaiting(node_id, ref), seq=state.seq + 1
            )
        if isinstance(outcome, Await):
            actions.extend(outcome.actions)
            effects.extend(outcome.effects)
            return Step(tuple(actions), tuple(effects), waiting, notices=tuple(notices))
        if isinstance(outcome, (Fetch, Consult)):
            if isinstance(outcome, Consult):
                effects.extend(outcome.effects)
            return Step(
                tuple(actions),
                tuple(effects),
                waiting,
                request=outcome.request if isinstance(outcome, Fetch) else outcome.query,
                notices=tuple(notices),
            )
        if isinstance(outcome, End):
            actions.extend(outcome.actions)
            effects.extend(outcome.effects)
            return _ended(state, actions, effects, notices)
        raise FlowRuntimeError(f"unknown outcome {outcome!r}")


def _entering(flow: Flow, state: CallState, node_id: str, now: datetime) -> CallState:
    """``state`` at ``node_id``: ``$call.lastlabelreceived`` and the path say so."""
    return replace(
        state,
        node=node_id,
        call_vars={**state.call_vars, "lastlabelreceived": node_id},
        path=path.entered(state.path, node_id, flow.nodes[node_id].widget, state.started_at, now),
    )


def _ended(
    state: CallState, actions: list[Action], effects: list[Effect], notices: list[Notice]
) -> Step:
    return Step(
        (*actions, Hangup()),
        tuple(effects),
        replace(state, awaiting=None, node=None),
        notices=tuple(notices),
    )


def _begin(
    flow: Flow, state: CallState, event: CallAnswered, now: datetime, env: EngineEnv
) -> Step:
    if state.answered_at is not None:
        return Step((), (), state, ignored=True)
    caller = Leg(
        event.leg_id,
        LegRole.CALLER,
        number=state.from_number if state.direction is Direction.INBOUND else state.to_number,
        status=CallStatus.ANSWERED,
        direction=state.direction,
        started_at=state.started_at,
        answered_at=now,
    )
    state = replace(
        state,
        answered_at=now,
        conversation_id=event.conversation_id,
        legs={**state.legs, event.leg_id: caller},
        flow_vars={**flow.variables, **state.flow_vars},
    )
    recording = _whole_call_recording(flow, state, env)
    if recording is not None:
        state = replace(state, call_vars={**state.call_vars, **recording[1]})
    state = _entering(flow, state, flow.start, now)
    result = _drive(flow, state, flow.start, _enter(flow, state, flow.start, now, env), now, env)
    if recording is None:
        return result
    return replace(result, actions=(recording[0], *result.actions))


WHOLE_CALL_REF = "0"
"""The ref of a flow's whole-call recording (the nodes' refs start at 1)."""


def _whole_call_recording(
    flow: Flow, state: CallState, env: EngineEnv
) -> tuple[Record, dict[str, str]] | None:
    """The record action of a flow that records the whole call, and its ``$call`` values."""
    if flow.record_call is None:
        return None
    key = object_key(state.account_id, state.call_id, WHOLE_CALL_REF, "flow", flow.record_call)
    uri = recording_url(env.public_base_url, state.call_id, WHOLE_CALL_REF)
    values = {"recorded": "true", "flow.recordingUri": uri, f"_rec.{WHOLE_CALL_REF}": key}
    return Record(WHOLE_CALL_REF, RecordingFormat(flow.record_call)), values


def _resume(flow: Flow, state: CallState, event: Resumption, now: datetime, env: EngineEnv) -> Step:
    awaiting = state.awaiting
    if awaiting is None or awaiting.ref != event.ref or awaiting.node not in flow.nodes:
        return Step((), (), state, ignored=True)
    node = flow.nodes[awaiting.node]
    resume = WIDGETS[node.widget].resume
    if resume is None:
        raise FlowRuntimeError(f"widget {node.widget} cannot resume")
    heard = replace(state, awaiting=None, path=path.heard(state.path, awaiting.node, event))
    outcome = resume(node, _ctx(flow, heard, awaiting.node, now, env), event)
    if isinstance(outcome, Stay):  # still waiting on the same ref
        kept = _apply(state, outcome.updates, awaiting.node)
        return Step((), tuple(outcome.effects), kept)
    return _drive(flow, heard, awaiting.node, outcome, now, env)


def _key(flow: Flow, state: CallState, event: KeyPressed, now: datetime, env: EngineEnv) -> Step:
    """A key pressed while the call goes on: the node waiting on its ref reads it (it may act,
    and usually stays waiting); a key for anything else, or after the call, changes nothing."""
    if state.finished:
        return Step((), (), state, ignored=True)
    return _resume(flow, state, event, now, env)


def _leg_update(leg: Leg, event: CallStatusChanged, now: datetime) -> Leg:
    at = event.at or now
    return replace(
        leg,
        status=event.status
        if event.status not in (CallStatus.HUMAN, CallStatus.MACHINE)
        else leg.status,
        number=leg.number or event.to_number,
        started_at=leg.started_at or (at if event.status is CallStatus.STARTED else None),
        answered_at=leg.answered_at
        or (event.start_time or at if event.status is CallStatus.ANSWERED else None),
        ended_at=(event.end_time or at) if event.status.is_final else leg.ended_at,
        duration=event.duration if event.duration is not None else leg.duration,
        rate=event.rate if event.rate is not None else leg.rate,
        price=event.price if event.price is not None else leg.price,
        detail=event.detail or leg.detail,
    )


def _status(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime, env: EngineEnv
) -> Step:
    known = state.legs.get(event.leg_id)
    if known is None:
        role = LegRole.BRIDGED if event.ref else LegRole.CALLER
        direction = event.direction or (Direction.OUTBOUND if event.ref else state.direction)
        known = Leg(event.leg_id, role, number=event.to_number, direction=direction)
    leg = _leg_update(known, event, now)
    state = replace(state, legs={**state.legs, event.leg_id: leg})
    at = event.at or now
    if event.status.is_final:  # the cause of the leg that ended last (the caller's, at the end)
        cause = q850_cause(event.status, event.detail, event.sip_code)
        state = replace(state, call_vars={**state.call_vars, "isdn": str(cause)})
    if leg.role is LegRole.BRIDGED:
        if event.status is CallStatus.ANSWERED:
            state = replace(
                state,
                call_vars={
                    **state.call_vars,
                    "connect": wall_clock(at, flow.timezone),
                    "state": "connected",
                },
            )
        waiting = state.awaiting is not None and state.awaiting.ref == event.ref
        if waiting and (event.status.is_failure or event.status is CallStatus.MACHINE):
            return _resume(flow, state, replace(event), now, env)
        return Step((), (), state)
    if event.status in (CallStatus.HUMAN, CallStatus.MACHINE):
        return Step(
            (), (), replace(state, call_vars={**state.call_vars, "amd": event.status.value})
        )
    if not event.status.is_final or state.finished:
        return Step((), (), state)
    ended = event.end_time or at
    call_vars = {
        **state.call_vars,
        "state": "Hangup" if state.answered_at else "Failed",
        "end": wall_clock(ended, flow.timezone),
        "remoteHangup": "true" if event.disconnected_by in (None, "user") else "false",
    }
    finished = replace(
        state, finished=True, ended_at=ended, awaiting=None, node=None, call_vars=call_vars
    )
    if flow.after_call and AFTER_CALL_MARK not in finished.call_vars:
        return _after_call(flow, finished, flow.after_call, now, env)
    return Step((), (), finished)


LegWatcher = Callable[
    [Flow, CallState, CallStatusChanged, datetime], tuple[CallState, tuple[Effect, ...]]
]
"""A product's reading of every leg status (a second leg that ended is settled): given the state
after the engine took the event, it returns the state (its own data changed) and effects."""

_LEG_WATCHERS: list[LegWatcher] = [ring_watch]
"""The platform's own watcher (``connect``'s ``ring_all`` legs), then the products'."""


def register_leg_watcher(watcher: LegWatcher) -> None:
    """Have ``watcher`` read every leg status event after the engine took it (idempotent)."""
    if watcher not in _LEG_WATCHERS:
        _LEG_WATCHERS.append(watcher)


def _watched_status(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime, env: EngineEnv
) -> Step:
    """The engine takes a leg's status, then each product's leg watcher reads it."""
    result = _status(flow, state, event, now, env)
    if not _LEG_WATCHERS:
        return result
    watched, effects = result.state, list(result.effects)
    for watcher in _LEG_WATCHERS:
        watched, more = watcher(flow, watched, event, now)
        effects.extend(more)
    if watched is result.state and len(effects) == len(result.effects):
        return result
    return replace(result, state=watched, effects=tuple(effects), ignored=False)


AFTER_CALL_MARK = "_after_call"
"""Set on a call whose after-call chain has started: it starts once, whatever is retried."""


def _after_call(flow: Flow, state: CallState, node_id: str, now: datetime, env: EngineEnv) -> Step:
    """The call has ended: run the flow's after-call chain from ``node_id``, once, with the
    call's final variables (``$call.end``, ``duration``, ``cost``, ``remoteHangup``)."""
    state = replace(
        state,
        flow_vars={**flow.variables, **state.flow_vars},
        call_vars={**state.call_vars, AFTER_CALL_MARK: node_id},
    )
    state = _entering(flow, state, node_id, now)
    return _drive(flow, state, node_id, _enter(flow, state, node_id, now, env), now, env)


def _recording(state: CallState, event: RecordingReady) -> Step:
    object_key = state.call_vars.get(f"_rec.{event.ref}")
    if not object_key:
        return Step((), (), state, ignored=True)
    fetch = FetchRecording(
        f"{state.call_id}:recording:{event.recording_id}", event.recording_url, object_key
    )
    return Step((), (fetch,), state)


EventHandler = Callable[[Flow, CallState, Any, datetime, EngineEnv], Step]
"""How the engine takes one kind of event: (flow, state, event, now, env) -> Step."""


def _unchanged(flow: Flow, state: CallState, event: Any, now: datetime, env: EngineEnv) -> Step:
    """An event the engine knows and deliberately leaves alone (the call's state does not
    depend on it)."""
    return Step((), (), state, ignored=True)


def _recording_ready(
    flow: Flow, state: CallState, event: RecordingReady, now: datetime, env: EngineEnv
) -> Step:
    return _recording(state, event)


HANGUP_TIMER = "hangup"
"""The platform's own timer: end the call (a flow's or a product's longest call)."""


def _hangup(flow: Flow, state: CallState, event: TimerFired, now: datetime, env: EngineEnv) -> Step:
    return _ended(state, [], [], [])


_TIMERS: dict[str, EventHandler] = {HANGUP_TIMER: _hangup}


def register_timer(name: str, handler: EventHandler) -> None:
    """Teach the engine what a product's timer ``name`` does when it fires on a call that is
    not waiting on it (a pacing wake-up, a maximum duration). A name already taken:
    ``ValueError``."""
    known = _TIMERS.get(name)
    if known is not None and known is not handler:
        raise ValueError(f"the engine already has a timer named {name!r}")
    _TIMERS[name] = handler


def _timer(flow: Flow, state: CallState, event: TimerFired, now: datetime, env: EngineEnv) -> Step:
    """A timer the call asked for is due: the node waiting on its ref resumes with it; else the
    timer registered under its name decides; a call that ended, or moved on from a node's timer,
    ignores it."""
    if state.finished:
        return Step((), (), state, ignored=True)
    if state.awaiting is not None and state.awaiting.ref == event.ref:
        return _resume(flow, state, event, now, env)
    handler = _TIMERS.get(event.name)
    if handler is None:
        return Step((), (), state, ignored=True)
    return handler(flow, state, event, now, env)


_HANDLERS: dict[type, EventHandler] = {
    CallAnswered: _begin,
    InputReceived: _resume,
    NotifyReceived: _resume,
    HttpResponded: _resume,
    Consulted: _resume,
    KeyPressed: _key,
    TimerFired: _timer,
    CallStatusChanged: _watched_status,
    RecordingReady: _recording_ready,
    CallTransferred: _unchanged,
    ProviderErrorReported: _unchanged,
}


def register_event(kind: type, handler: EventHandler) -> None:
    """Teach the engine a new kind of event (a product's, at composition). A kind already
    known cannot be taken over: ``ValueError``."""
    known = _HANDLERS.get(kind)
    if known is not None and known is not handler:
        raise ValueError(f"the engine already takes {kind.__name__} events")
    _HANDLERS[kind] = handler


def step(
    flow: Flow, state: CallState, event: EngineEvent, now: datetime, env: EngineEnv = DEFAULT_ENV
) -> Step:
    """Decide what the call does after ``event``, by the handler registered for its type;
    ``UnknownEventError`` for a type none is registered for."""
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise UnknownEventError(f"no handler for {type(event).__name__} events")
    result = handler(flow, state, event, now, env)
    if result.state.finished and result.actions:  # nothing can be played to an ended call
        result = replace(result, actions=())
    return result


def is_settled(state: CallState) -> bool:
    """True when the call and every leg have ended: its record can be written."""
    return state.finished and all(leg.status.is_final for leg in state.legs.values())
