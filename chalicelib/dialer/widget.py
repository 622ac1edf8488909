"""The dialer's ``agent`` widget: a customer who answered is given an agent of a group and the two
talk. Pure: imports flows, telephony types and the dialer's queries and tasks; never the store,
web or any I/O.

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

import re
from dataclasses import replace
from datetime import datetime
from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.dialer.model import ID_PATTERN
from chalicelib.dialer.queries import ClaimAgent, GivenAgent, NoAgentFree, NoSuchGroup
from chalicelib.dialer.tasks import LiveCallChanged, RecordAnswer, ReleaseAgent
from chalicelib.flows.model import Flow
from chalicelib.flows.outcomes import (
    Await,
    Consult,
    Consulted,
    Effect,
    Go,
    HangUpLeg,
    Outcome,
    PlaceLeg,
    ScheduleTimer,
    Stay,
    TimerFired,
    Updates,
)
from chalicelib.flows.state import CallState, LegRole
from chalicelib.flows.variables import number_parts
from chalicelib.flows.widgets.base import Ctx, Resumption, SpokenConfig, Widget
from chalicelib.flows.widgets.record import object_key, recording_url
from chalicelib.telephony.actions import Action, Conference, Notify, Record, Say
from chalicelib.telephony.events import CallStatus, CallStatusChanged, Direction, NotifyReceived

POLL_SECONDS = 2
"""How often a customer waiting with no agent free asks again."""
RING_GRACE_SECONDS = 5
"""How long after an agent leg's ring time the node gives up on it (the leg's own timeout
usually ends it first)."""
POLL_TIMER = "dialer_poll"
RING_TIMER = "dialer_ring"
LEAVE_TIMER = "dialer_leave"
"""The node's timers (not registered: one that fires after the node moved on is ignored)."""
_E164 = re.compile(r"^[1-9]\d{6,14}$")
_PREFIX = "_agent."
RESCHEDULE_CUSTOMER = "syskey.reschedule_customer_call"
RESCHEDULE_AGENT = "syskey.reschedule_agent_call"
AGENT_ID = "syskey.agentID"


class AgentConfig(SpokenConfig):
    """Connect the customer to an agent of ``group``; ``no_agent`` when none is reached by the
    hold limit."""

    widget: Literal["agent"]
    group: str = Field(pattern=ID_PATTERN, description="The agent group whose agents answer.")
    caller_id: str | None = Field(
        default=None,
        description="The number the agent's phone shows (variables filled in); default: the "
        "call's own number (the campaign's DID on a dialer call).",
    )
    prompt: str | None = Field(
        default=None, description="Said to the customer before waiting for the agent."
    )
    hold_message: str | None = Field(
        default=None, description="Said when no agent is free, before the hold music."
    )
    hold_music_url: str | None = Field(
        default=None, description="Audio the customer hears while waiting for the agent."
    )
    hold_limit: int = Field(
        default=30,
        ge=5,
        le=600,
        description="Seconds a customer waits for an agent before `no_agent` (an abandoned call).",
    )
    record: bool = Field(
        default=False,
        description="Record the customer's talk with the agent (`$call.agent.recordingUri`).",
    )
    max_duration: int = Field(
        default=7200, ge=60, le=7200, description="The longest a talk with an agent lasts."
    )
    mode: Literal["progressive", "power"] = Field(
        default="progressive",
        description="How a campaign of this flow dials: one customer per free agent "
        "(`progressive`), or a ratio of customers per free agent held under the abandon "
        "ceiling (`power`).",
    )
    max_ratio: float = Field(
        default=3.0, ge=1, le=5, description="The highest power ratio the campaign may reach."
    )
    abandon_ceiling: float = Field(
        default=0.03,
        gt=0,
        le=0.1,
        description="The abandoned share of live answers the campaign is held under.",
    )

    abandon_after: float | None = Field(
        default=None,
        gt=0,
        le=600,
        description="Seconds from reaching this node within which an agent must answer for "
        "the call not to count as abandoned (2 is the TSR's and Ofcom's rule, which agents "
        "reached by ringing their phone rarely meet); default: only a customer never "
        "connected counts.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "no_agent", "failed"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "The talk with the agent ended (and any output not wired).",
        "no_agent": "No agent was reached by the hold limit, or every agent leg went "
        "unanswered: an abandoned call, rescheduled unless the flow clears "
        "`$flow.syskey.reschedule_customer_call`.",
        "failed": "The group does not exist, the dialer did not answer, or the caller id is "
        "not a number.",
    }
    WAITS: ClassVar[bool] = True


# -- the node's notes (call variables under ``_agent.``) ---------------------------------------


def _get(state: CallState, name: str) -> str:
    return state.call_vars.get(_PREFIX + name, "")


def _set(**values: str) -> dict[str, str]:
    return {_PREFIX + name: value for name, value in values.items()}


def _ids(text: str) -> list[str]:
    return [item for item in text.split(",") if item]


def _int(text: str, default: int = 0) -> int:
    try:
        return int(text)
    except ValueError:
        return default


def _at(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _caller_id(config: AgentConfig, ctx: Ctx) -> str:
    if config.caller_id is not None:
        return re.sub(r"[^\d]", "", ctx.text(config.caller_id))
    state = ctx.state
    own = state.from_number if state.direction is Direction.OUTBOUND else state.to_number
    return re.sub(r"[^\d]", "", own)


def _campaign(state: CallState) -> tuple[str, str]:
    """The call's campaign and customer (its contact's number), when a campaign placed it."""
    data = state.data.get("campaign")
    campaign_id = str(getattr(data, "campaign_id", "") or "")
    customer = state.to_number if state.direction is Direction.OUTBOUND else state.from_number
    return campaign_id, customer


def call_ref(state: CallState, attempt: int) -> str:
    """The claim of the node's ``attempt``-th agent leg: ``<call>:<visit>:<attempt>``."""
    return f"{state.call_id}:{_get(state, 'visit')}:{attempt}"


def _claim(config: AgentConfig, state: CallState, attempt: int) -> ClaimAgent:
    prefer = state.flow_vars.get(AGENT_ID, "")
    return ClaimAgent(state.account_id, config.group, call_ref(state, attempt), prefer)


def _live(
    state: CallState, config: AgentConfig, stage: str, now: datetime, agent_id: str = ""
) -> LiveCallChanged:
    campaign_id, customer = _campaign(state)
    step = f"{_get(state, 'visit')}:{stage}:{_get(state, 'attempt')}"
    return LiveCallChanged(
        key=f"{state.call_id}:dialer-live:{step}",
        call_id=state.call_id,
        group_id=config.group,
        campaign_id=campaign_id,
        customer=customer,
        stage=stage,
        agent_id=agent_id,
        since=now.isoformat(),
    )


def _answer(
    state: CallState, config: AgentConfig, connected: datetime | None
) -> tuple[Effect, ...]:
    """The customer's wait, for the campaign's abandonment rate (once per visit)."""
    campaign_id, _ = _campaign(state)
    if not campaign_id or state.answered_at is None or _get(state, "reported"):
        return ()
    return (
        RecordAnswer(
            key=f"{state.call_id}:dialer-answer:{_get(state, 'visit')}",
            campaign_id=campaign_id,
            group_id=config.group,
            call_id=state.call_id,
            answered_at=state.answered_at.isoformat(),
            waiting_since=_get(state, "since") or state.answered_at.isoformat(),
            connected_at=connected.isoformat() if connected else "",
            mode=config.mode,
            max_ratio=config.max_ratio,
            ceiling=config.abandon_ceiling,
            abandon_after=float(config.abandon_after or 0),
        ),
    )


def _release(state: CallState, how: str) -> tuple[Effect, ...]:
    """Let the node's current agent go (once per claim)."""
    agent_id, claim = _get(state, "agent"), _get(state, "claim")
    if not agent_id or not claim:
        return ()
    return (ReleaseAgent(f"dialer-release:{claim}", agent_id, claim, how),)


def _hang_up(state: CallState, legs: list[str]) -> tuple[Effect, ...]:
    return tuple(
        HangUpLeg(f"{state.call_id}:dialer-leg:{leg}:end", leg)
        for leg in legs
        if leg in state.legs and not state.legs[leg].status.is_final
    )


def _agent_vars(given: GivenAgent, caller_id: str, attempt: int) -> Updates:
    """The seed's agent variables for the agent given."""
    dnis = number_parts(given.address) if given.address.isdigit() else {}
    cli = number_parts(caller_id)
    flow = {
        AGENT_ID: given.agent_id,
        "syskey.agent.type": given.agent_type,
        "syskey.loginType": given.login_type,
        "syskey.agent.attempt_number": str(attempt),
    }
    call = {
        "agent.connect": "false",
        "agent.dnis": given.address,
        "agent.dnis.number": dnis.get("number", ""),
        "agent.dnis.countrycode": dnis.get("countrycode", ""),
        "agent.cli": caller_id,
        "agent.cli.countrycode": cli["countrycode"],
        "agent.cli.number": cli["number"],
        "agent.cli.numberWithoutArea": cli["numberWithoutArea"],
        "agent.cli.areaCode": cli["areacode"],
        "agent.cdr": "",
    }
    return Updates(flow=flow, call=call)


# -- entering -------------------------------------------------------------------------------


def enter(config: AgentConfig, ctx: Ctx) -> Outcome:
    """Note the visit and ask for an agent."""
    caller_id = _caller_id(config, ctx)
    if not _E164.match(caller_id):
        return Go("failed", updates=Updates(call={"agent.connect": "false"}))
    fresh = _set(
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
    state = _noted(ctx.state, fresh)
    return Consult(_claim(config, state, 1), updates)


def _noted(state: CallState, notes: Mapping[str, str]) -> CallState:
    """``state`` with ``notes`` among its call variables (what a decision is about to save)."""
    return replace(state, call_vars={**state.call_vars, **notes})


# -- waiting --------------------------------------------------------------------------------


def _join(config: AgentConfig, ctx: Ctx, free: bool) -> tuple[list[Action], dict[str, str]]:
    """What the customer hears on joining the node's conversation, and the notes of it."""
    state = ctx.state
    room = f"agent-{state.call_id}-{_get(state, 'visit')}"
    actions: list[Action] = []
    language = ctx.language(config.language)
    if config.prompt:
        actions.append(Say(ctx.text(config.prompt), language, config.style))
    notes = _set(ref=ctx.ref, room=room)
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
    since = _at(_get(ctx.state, "since"))
    return 0.0 if since is None else (ctx.now - since).total_seconds()


def _poll(config: AgentConfig, ctx: Ctx, ref: str) -> tuple[Effect, dict[str, str]]:
    polls = _int(_get(ctx.state, "polls")) + 1
    left = config.hold_limit - _waited(ctx)
    delay = max(1, min(POLL_SECONDS, int(left + 0.999)))
    timer = ScheduleTimer(
        key=f"{ctx.state.call_id}:{_get(ctx.state, 'visit')}:dialer-poll:{polls}",
        call_id=ctx.state.call_id,
        name=POLL_TIMER,
        ref=ref,
        delay_seconds=delay,
    )
    return timer, _set(polls=str(polls))


def _leave_now(ctx: Ctx, ref: str, why: str) -> ScheduleTimer:
    """A timer due now: the node leaves from its step (only a timer or the notify reaches
    the waiting customer)."""
    return ScheduleTimer(
        key=f"{ctx.state.call_id}:{_get(ctx.state, 'visit')}:dialer-leave:{why}",
        call_id=ctx.state.call_id,
        name=LEAVE_TIMER,
        ref=ref,
        delay_seconds=0,
    )


def _ring(config: AgentConfig, ctx: Ctx, given: GivenAgent) -> Outcome:
    """Ring the agent given; the customer joins the conversation first if not there yet."""
    state = ctx.state
    attempt = _int(_get(state, "attempt")) + 1
    joined = _get(state, "ref")
    ref = joined or ctx.ref
    caller_id = _caller_id(config, ctx)
    visit = _get(state, "visit")
    room = _get(state, "room") or f"agent-{state.call_id}-{visit}"
    claim = call_ref(state, attempt)
    agent = _agent_vars(given, caller_id, attempt)
    notes = _set(
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
    ringing = _noted(state, notes)
    effects.append(_live(ringing, config, "ringing", ctx.now, given.agent_id))
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
        waiting = _noted(state, joining)
        effects = (timer, _live(waiting, config, "waiting", ctx.now))
        return Await(tuple(actions), Updates(call={**joining, **notes}), effects)
    if _waited(ctx) >= config.hold_limit:
        return Stay(effects=(_leave_now(ctx, ref, "limit"),))
    timer, notes = _poll(config, ctx, ref)
    return Stay(effects=(timer,), updates=Updates(call=notes))


def _give_up(config: AgentConfig, ctx: Ctx) -> Outcome:
    """No agent reached: the customer goes on to ``no_agent`` (an abandon, rescheduled)."""
    state = ctx.state
    leg = _get(state, "leg")
    effects = (
        *_release(state, "unused"),
        *_hang_up(state, [leg] if leg else []),
        *_answer(state, config, None),
        _live(state, config, "ended", ctx.now),
    )
    updates = Updates(
        flow={RESCHEDULE_CUSTOMER: "yes"},
        call={"agent.connect": "false", **_set(reported="1", agent="", claim="")},
    )
    output = "no_agent" if "no_agent" in config.edges() else "next"
    return Go(output, effects=effects, updates=updates)


def _missed(config: AgentConfig, ctx: Ctx, ref: str) -> Outcome:
    """The current agent's leg went unanswered: that agent is let go (paused) and the next one
    is asked for, while attempts and the hold limit last."""
    state = ctx.state
    leg = _get(state, "leg")
    effects = (*_release(state, "missed"), *_hang_up(state, [leg] if leg else []))
    attempt = _int(_get(state, "attempt"))
    notes = _set(agent="", claim="", leg="")
    if attempt >= _int(_get(state, "max"), 1) or _waited(ctx) >= config.hold_limit:
        return Stay(
            effects=(*effects, _leave_now(ctx, ref, f"missed{attempt}")),
            updates=Updates(call=notes),
        )
    after = _noted(state, notes)
    return Consult(
        _claim(config, after, attempt + 1),
        Updates(call=notes),
        effects=effects,
        ref=ref,
    )


# -- resuming -------------------------------------------------------------------------------


def resume(config: AgentConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """What the dialer answered, a timer, an agent leg's failure or the conversation's end."""
    state = ctx.state
    joined = _get(state, "ref") or None
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
        current = _get(state, "leg")
        earlier = event.leg_id in _ids(_get(state, "legs"))
        if event.leg_id != current and (current or earlier):
            return Stay()  # an earlier attempt's leg
        if _get(state, "connected") or not _get(state, "agent") or joined is None:
            return Stay()
        return _missed(config, ctx, joined)
    if isinstance(event, NotifyReceived):
        if _get(state, "connected"):
            return Go("next", updates=Updates(call={"state": "connected"}))
        return _give_up(config, ctx)
    return Stay()


def _timer(config: AgentConfig, ctx: Ctx, event: TimerFired) -> Outcome:
    state = ctx.state
    if event.name == LEAVE_TIMER:
        if _get(state, "connected"):
            return Stay()
        return _give_up(config, ctx)
    if event.name == POLL_TIMER:
        if _get(state, "agent") or _get(state, "connected"):
            return Stay()  # an agent was given meanwhile
        if _waited(ctx) >= config.hold_limit:
            return _give_up(config, ctx)
        attempt = _int(_get(state, "attempt"))
        return Consult(_claim(config, state, attempt + 1), ref=event.ref)
    if event.name == RING_TIMER:
        ringing = event.key.rsplit(":", 1)[-1]
        if ringing != _get(state, "attempt") or _get(state, "connected"):
            return Stay()
        if not _get(state, "agent"):
            return Stay()
        return _missed(config, ctx, event.ref)
    return Stay()


# -- the agent legs, watched ----------------------------------------------------------------


def watch(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """The engine's leg watcher for the node's agent legs: the first leg seen after an agent
    was given is that agent's; its answer, while the customer waits, connects the two (noted,
    counted, shown), else it is hung up and the agent let go; its end after a talk lets the
    agent go into wrap-up. Any other leg of the node's wait showing up live is hung up. The
    customer's leg ending lets the current agent go and hangs up a leg still ringing."""
    ref = _get(state, "ref")
    leg = state.legs.get(event.leg_id)
    if leg is None or not ref:
        return state, ()
    config = _config(flow, state)
    if leg.role is LegRole.CALLER:
        return _customer_gone(config, state, event, now)
    if event.ref != ref:
        return state, ()
    notes: dict[str, str] = {}
    legs = _ids(_get(state, "legs"))
    current = _get(state, "leg")
    if event.leg_id not in legs:
        legs.append(event.leg_id)
        notes.update(_set(legs=",".join(legs)))
        if not current and _get(state, "agent"):
            current = event.leg_id
            notes.update(_set(leg=current))
    waiting = state.awaiting is not None and state.awaiting.ref == ref and not state.finished
    effects: list[Effect] = []
    if event.leg_id != current:
        if not event.status.is_final:
            effects.extend(_hang_up(state, [event.leg_id]))
    elif event.status is CallStatus.ANSWERED and not _get(state, "connected"):
        if waiting and config is not None:
            at = event.start_time or event.at or now
            notes.update(_set(connected=at.isoformat(), reported="1"))
            notes.update({"agent.connect": "true", "agent.cdr": event.leg_id})
            talking = _noted(state, notes)
            effects.extend(_answer(state, config, at))
            effects.append(_live(talking, config, "talking", now, _get(state, "agent")))
        else:
            effects.extend(_hang_up(state, [event.leg_id]))
            effects.extend(_release(state, "unused"))
    elif event.status.is_final and _get(state, "connected"):
        effects.extend(_release(state, "talked"))
        if config is not None:
            effects.append(_live(state, config, "ended", now))
    if not notes:
        return state, tuple(effects)
    return _noted(state, notes), tuple(effects)


def _customer_gone(
    config: AgentConfig | None, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """The customer's leg ended (once): the current agent let go, a leg still ringing hung up,
    a customer who never reached an agent counted as abandoned."""
    if not event.status.is_final or not state.finished or _get(state, "gone"):
        return state, ()
    connected = bool(_get(state, "connected"))
    leg = _get(state, "leg")
    effects: list[Effect] = [*_release(state, "talked" if connected else "unused")]
    effects.extend(_hang_up(state, [leg] if leg else []))
    if config is not None:
        if not connected:
            effects.extend(_answer(state, config, None))
        effects.append(_live(state, config, "ended", now))
    gone = _noted(state, _set(reported="1", gone="1"))
    return gone, tuple(effects)


def _config(flow: Flow, state: CallState) -> AgentConfig | None:
    """The agent node the call's wait belongs to."""
    node = flow.nodes.get(_get(state, "node"))
    return node if isinstance(node, AgentConfig) else None


WIDGET = Widget("agent", AgentConfig, enter, resume)
