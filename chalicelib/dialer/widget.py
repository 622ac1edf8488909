"""The dialer's ``agent`` widget: a customer who answered is given an agent of a group and the two
talk. Pure: imports flows, telephony types and the dialer's agent node (its settings and notes),
queries and leg watcher; never the store, web or any I/O.

Entering the node asks the dialer (within the step, ``ClaimAgent``) for the group's
longest-idle available agent (the call's ``$flow.syskey.agentID`` first, when it has one: a call
rescheduled for its agent). Either way the customer then waits in a named conversation of the
call's own (``agent-<call>-<visit>``): with an agent given, hearing ``hold_music_url`` (or
silence) while the agent's own leg rings (``PlaceLeg``; it joins the conversation when answered
and ends it when it hangs up); with none free, hearing ``hold_message`` then the music while the
node asks again every ``POLL_SECONDS`` up to ``hold_limit``. Every later question is asked on
the ref the customer waits on (``Consult(ref=...)``), so the notify after the conversation, the
agent legs and the node's timers all keep reaching the node.

An agent's leg unanswered (busy, no answer, refused, or its ring time passed) lets that agent
go (paused: a missed call) and gives the customer the next agent, up to the group's
``max_attempts`` agent legs (``$flow.syskey.agent.attempt_number`` counts them). The agent
answering fills ``$call.agent.connect`` and ``$call.agent.cdr`` and counts the customer's wait
for the campaign (``RecordAnswer``); the talk ending (the agent hangs up: the conversation ends)
takes ``next``. No agent by the hold limit, or the attempts spent, takes ``no_agent`` with
``$flow.syskey.reschedule_customer_call`` set to ``yes`` (the campaign calls the customer again
later; the flow may clear it) and counts an abandon. Once the customer waits in the
conversation, the node leaves only from a timer or the notify (a timer due now when a leg's
event decides it), since only those reach the customer. The customer hanging up, the agent's
leg still ringing is hung up and each agent is let go by the dialer's leg watcher (``watch``).
"""

from __future__ import annotations

from chalicelib.dialer.agent_node import (
    AGENT_ID,
    E164,
    RESCHEDULE_AGENT,
    RESCHEDULE_CUSTOMER,
    AgentConfig,
    agent_vars,
    answer,
    as_int,
    call_ref,
    claim,
    dialled_from,
    get,
    hang_up,
    ids,
    live,
    moment,
    note,
    noted,
    release,
)
from chalicelib.dialer.queries import GivenAgent, NoAgentFree, NoSuchGroup
from chalicelib.dialer.watcher import watch
from chalicelib.flows.outcomes import (
    Await,
    Consult,
    Consulted,
    Effect,
    Go,
    Outcome,
    PlaceLeg,
    ScheduleTimer,
    Stay,
    TimerFired,
    Updates,
)
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.flows.widgets.record import object_key, recording_url
from chalicelib.telephony.actions import Action, Conference, Notify, Record, Say
from chalicelib.telephony.events import CallStatusChanged, NotifyReceived

__all__ = ["AGENT_ID", "RESCHEDULE_AGENT", "RESCHEDULE_CUSTOMER", "WIDGET", "AgentConfig", "watch"]

POLL_SECONDS = 2
"""How often a customer waiting with no agent free asks again."""
RING_GRACE_SECONDS = 5
"""How long after an agent leg's ring time the node gives up on it (the leg's own timeout
usually ends it first)."""
POLL_TIMER = "dialer_poll"
RING_TIMER = "dialer_ring"
LEAVE_TIMER = "dialer_leave"
"""The node's timers (not registered: one that fires after the node moved on is ignored)."""


# -- entering -------------------------------------------------------------------------------


def enter(config: AgentConfig, ctx: Ctx) -> Outcome:
    """Note the visit and ask for an agent."""
    caller_id = dialled_from(config, ctx)
    if not E164.match(caller_id):
        return Go("failed", updates=Updates(call={"agent.connect": "false"}))
    fresh = note(
        visit=ctx.ref,
        since=ctx.now.isoformat(),
        attempt="0",
        agent="",
        claim="",
        leg="",
        legs="",
        connected="",
        ref="",
        room="",
        reported="",
        polls="0",
        max="1",
        node=ctx.node_id,
        gone="",
    )
    updates = Updates(call={**fresh, "agent.connect": "false"})
    state = noted(ctx.state, fresh)
    return Consult(claim(config, state, 1), updates)


# -- waiting --------------------------------------------------------------------------------


def _join(config: AgentConfig, ctx: Ctx, free: bool) -> tuple[list[Action], dict[str, str]]:
    """What the customer hears on joining the node's conversation, and the notes of it."""
    state = ctx.state
    room = f"agent-{state.call_id}-{get(state, 'visit')}"
    actions: list[Action] = []
    language = ctx.language(config.language)
    if config.prompt:
        actions.append(Say(ctx.text(config.prompt), language, config.style))
    notes = note(ref=ctx.ref, room=room)
    if config.record:
        extension = "mp3"
        notes[f"_rec.{ctx.ref}"] = object_key(
            state.account_id, state.call_id, ctx.ref, ctx.node_id, extension
        )
        url = recording_url(ctx.env.public_base_url, state.call_id, ctx.ref)
        notes["agent.recordingUri"] = url
        notes["agent_dialer.recordingUri"] = url
        actions.append(Record(ctx.ref))
    if not free and config.hold_message:
        actions.append(Say(ctx.text(config.hold_message), language, config.style))
    music = ctx.text(config.hold_music_url) if config.hold_music_url else None
    actions.append(
        Conference(room, start_on_enter=False, end_on_exit=True, music_on_hold_url=music)
    )
    actions.append(Notify(ctx.ref, {"after": "agent", "node": ctx.node_id}))
    return actions, notes


def _waited(ctx: Ctx) -> float:
    since = moment(get(ctx.state, "since"))
    return 0.0 if since is None else (ctx.now - since).total_seconds()


def _poll(config: AgentConfig, ctx: Ctx, ref: str) -> tuple[Effect, dict[str, str]]:
    polls = as_int(get(ctx.state, "polls")) + 1
    left = config.hold_limit - _waited(ctx)
    delay = max(1, min(POLL_SECONDS, int(left + 0.999)))
    timer = ScheduleTimer(
        key=f"{ctx.state.call_id}:{get(ctx.state, 'visit')}:dialer-poll:{polls}",
        call_id=ctx.state.call_id,
        name=POLL_TIMER,
        ref=ref,
        delay_seconds=delay,
    )
    return timer, note(polls=str(polls))


def _leave_now(ctx: Ctx, ref: str, why: str) -> ScheduleTimer:
    """A timer due now: the node leaves from its step (only a timer or the notify reaches
    the waiting customer)."""
    return ScheduleTimer(
        key=f"{ctx.state.call_id}:{get(ctx.state, 'visit')}:dialer-leave:{why}",
        call_id=ctx.state.call_id,
        name=LEAVE_TIMER,
        ref=ref,
        delay_seconds=0,
    )


def _ring(config: AgentConfig, ctx: Ctx, given: GivenAgent) -> Outcome:
    """Ring the agent given; the customer joins the conversation first if not there yet."""
    state = ctx.state
    attempt = as_int(get(state, "attempt")) + 1
    joined = get(state, "ref")
    ref = joined or ctx.ref
    caller_id = dialled_from(config, ctx)
    visit = get(state, "visit")
    room = get(state, "room") or f"agent-{state.call_id}-{visit}"
    claim = call_ref(state, attempt)
    agent = agent_vars(given, caller_id, attempt)
    notes = note(
        attempt=str(attempt),
        agent=given.agent_id,
        claim=claim,
        leg="",
        max=str(given.max_attempts),
        ring=str(given.ring_timeout),
    )
    effects: list[Effect] = [
        PlaceLeg(
            key=f"{state.call_id}:{visit}:dialer-agent:{attempt}",
            call_id=state.call_id,
            ref=ref,
            to=given.address,
            from_number=caller_id,
            room=room,
            ring_timeout=given.ring_timeout,
            max_duration=config.max_duration,
        ),
        ScheduleTimer(
            key=f"{state.call_id}:{visit}:dialer-ring:{attempt}",
            call_id=state.call_id,
            name=RING_TIMER,
            ref=ref,
            delay_seconds=min(900, given.ring_timeout + RING_GRACE_SECONDS),
        ),
    ]
    ringing = noted(state, notes)
    effects.append(live(ringing, config, "ringing", ctx.now, given.agent_id))
    if joined:
        return Stay(
            effects=tuple(effects),
            updates=Updates(flow=agent.flow, call={**agent.call, **notes}),
        )
    actions, joining = _join(config, ctx, free=True)
    return Await(
        tuple(actions),
        Updates(flow=agent.flow, call={**agent.call, **notes, **joining, "state": "Processing"}),
        tuple(effects),
    )


def _none_free(config: AgentConfig, ctx: Ctx, ref: str | None) -> Outcome:
    """No agent now: wait (joining the conversation the first time) and ask again soon, or go
    once the hold limit passed."""
    state = ctx.state
    if ref is None:  # the first answer: join, hear the hold message, ask again soon
        actions, joining = _join(config, ctx, free=False)
        timer, notes = _poll(config, ctx, ctx.ref)
        waiting = noted(state, joining)
        effects = (timer, live(waiting, config, "waiting", ctx.now))
        return Await(tuple(actions), Updates(call={**joining, **notes}), effects)
    if _waited(ctx) >= config.hold_limit:
        return Stay(effects=(_leave_now(ctx, ref, "limit"),))
    timer, notes = _poll(config, ctx, ref)
    return Stay(effects=(timer,), updates=Updates(call=notes))


def _give_up(config: AgentConfig, ctx: Ctx) -> Outcome:
    """No agent reached: the customer goes on to ``no_agent`` (an abandon, rescheduled)."""
    state = ctx.state
    leg = get(state, "leg")
    effects = (
        *release(state, "unused"),
        *hang_up(state, [leg] if leg else []),
        *answer(state, config, None),
        live(state, config, "ended", ctx.now),
    )
    updates = Updates(
        flow={RESCHEDULE_CUSTOMER: "yes"},
        call={"agent.connect": "false", **note(reported="1", agent="", claim="")},
    )
    output = "no_agent" if "no_agent" in config.edges() else "next"
    return Go(output, effects=effects, updates=updates)


def _missed(config: AgentConfig, ctx: Ctx, ref: str) -> Outcome:
    """The current agent's leg went unanswered: that agent is let go (paused) and the next one
    is asked for, while attempts and the hold limit last. A leg never seen by its ring's end
    (the carrier refused to place it) is no missed call: its agent is let go available."""
    state = ctx.state
    leg = get(state, "leg")
    how = "missed" if leg else "unused"
    effects = (*release(state, how), *hang_up(state, [leg] if leg else []))
    attempt = as_int(get(state, "attempt"))
    notes = note(agent="", claim="", leg="")
    if attempt >= as_int(get(state, "max"), 1) or _waited(ctx) >= config.hold_limit:
        return Stay(
            effects=(*effects, _leave_now(ctx, ref, f"missed{attempt}")),
            updates=Updates(call=notes),
        )
    after = noted(state, notes)
    return Consult(
        claim(config, after, attempt + 1),
        Updates(call=notes),
        effects=effects,
        ref=ref,
    )


# -- resuming -------------------------------------------------------------------------------


def resume(config: AgentConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """What the dialer answered, a timer, an agent leg's failure or the conversation's end."""
    state = ctx.state
    joined = get(state, "ref") or None
    if isinstance(event, Consulted):
        answer = event.answer
        if isinstance(answer, GivenAgent):
            return _ring(config, ctx, answer)
        if joined is None and not isinstance(answer, NoAgentFree):
            return Go("failed", updates=Updates(call={"agent.connect": "false"}))
        if isinstance(answer, NoSuchGroup):
            return Stay(effects=(_leave_now(ctx, event.ref, "group"),))
        return _none_free(config, ctx, joined)
    if isinstance(event, TimerFired):
        return _timer(config, ctx, event)
    if isinstance(event, CallStatusChanged):
        current = get(state, "leg")
        earlier = event.leg_id in ids(get(state, "legs"))
        if event.leg_id != current and (current or earlier):
            return Stay()  # an earlier attempt's leg
        if get(state, "connected") or not get(state, "agent") or joined is None:
            return Stay()
        return _missed(config, ctx, joined)
    if isinstance(event, NotifyReceived):
        if get(state, "connected"):
            return Go("next", updates=Updates(call={"state": "connected"}))
        return _give_up(config, ctx)
    return Stay()


def _timer(config: AgentConfig, ctx: Ctx, event: TimerFired) -> Outcome:
    state = ctx.state
    if event.name == LEAVE_TIMER:
        if get(state, "connected"):
            return Stay()
        return _give_up(config, ctx)
    if event.name == POLL_TIMER:
        if get(state, "agent") or get(state, "connected"):
            return Stay()  # an agent was given meanwhile
        if _waited(ctx) >= config.hold_limit:
            return _give_up(config, ctx)
        attempt = as_int(get(state, "attempt"))
        return Consult(claim(config, state, attempt + 1), ref=event.ref)
    if event.name == RING_TIMER:
        ringing = event.key.rsplit(":", 1)[-1]
        if ringing != get(state, "attempt") or get(state, "connected"):
            return Stay()
        if not get(state, "agent"):
            return Stay()
        return _missed(config, ctx, event.ref)
    return Stay()


WIDGET = Widget("agent", AgentConfig, enter, resume)
