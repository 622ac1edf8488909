"""The connect widget: dial a number (or a SIP URI) with a caller id, ring timeout and maximum
duration, and bridge it to the caller. A busy, unanswered or failed dial follows ``busy``,
``no_answer`` or ``failed`` (falling back to ``failed``, then ``next``); after a bridged call
ends, ``next``.

With ``ring_all`` it rings several numbers or SIP URIs at once. The carrier's ``connect`` dials
one endpoint, so, once the caller heard what the flow said before (a ``notify`` marks it), the
caller waits in a named conversation of its own (``ring-<call>-<ref>``) while the platform
places one leg per target (``PlaceLeg`` effects, queued; each leg joins that conversation when
it answers). The first to answer is bridged: ``ring_watch`` (a leg watcher the engine runs)
hangs up every other leg, and, when the caller hangs up, every leg still ringing. All legs
failing, or the ring time passing with nobody (a ``ScheduleTimer``
backstop), the node stops the legs still ringing and takes ``no_answer`` (``busy`` when every
leg was busy); its actions reach the caller by the shell's wake-up (a REST transfer), since no
webhook of the caller waits. The legs' statuses are kept under ``$call._ring.<ref>.*``.
Pure; imports no I/O."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Literal, Mapping

from pydantic import Field, model_validator

from chalicelib.flows.outcomes import (
    Await,
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
from chalicelib.flows.widgets.base import Ctx, Resumption, SpokenConfig, Widget
from chalicelib.telephony.actions import (
    SIP_URI,
    Action,
    Bridge,
    Conference,
    MachineDetection,
    Notify,
    Say,
)
from chalicelib.telephony.events import CallStatus, CallStatusChanged, NotifyReceived

if TYPE_CHECKING:
    from chalicelib.flows.model import Flow

_E164 = re.compile(r"^[1-9]\d{6,14}$")
MAX_RING_ALL = 10
"""The most parties ``ring_all`` rings at once (the carrier creates 3 calls a second)."""
RING_TIMER = "ring_all"
"""The name of a ``ring_all`` node's timers (not registered: one that fires after the node moved
on is ignored)."""
RING_GRACE_SECONDS = 5
"""How long after the ring time the backstop timer fires: the legs' own ``timeout`` usually ends
the wait first (they start ringing a moment after the node, from the task queue)."""

_BRANCH = {
    CallStatus.BUSY: "busy",
    CallStatus.UNANSWERED: "no_answer",
    CallStatus.TIMEOUT: "no_answer",
    CallStatus.CANCELLED: "no_answer",
    CallStatus.MACHINE: "no_answer",
    CallStatus.FAILED: "failed",
    CallStatus.REJECTED: "failed",
}


class ConnectConfig(SpokenConfig):
    """Dial ``number`` (or the SIP URI ``sip``) and bridge the caller to it, or ring every one
    of ``ring_all`` at once and bridge the caller to the first who answers; a failed dial takes
    ``busy``, ``no_answer`` or ``failed``, the end of the bridged call ``next``."""

    widget: Literal["connect"]
    number: str | None = Field(
        default=None,
        description="The number to dial, E.164 digits country code first (variables filled "
        "in). Give one of `number`, `sip` and `ring_all`.",
    )
    sip: str | None = Field(
        default=None,
        description="A SIP URI to dial instead of a number, `sip:user@host` (variables filled in).",
    )
    ring_all: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_RING_ALL,
        description="Numbers or SIP URIs rung at the same time instead of one `number`: the "
        "caller waits (hearing `ringback_url`, else silence) and is bridged to the first who "
        "answers; the others stop ringing.",
    )
    caller_id: str = Field(
        default="$call.dnis",
        description="The number the dialled party sees; default: the number the caller rang.",
    )
    prompt: str | None = Field(default=None, description="Spoken to the caller before dialling.")
    ring_timeout: int = Field(
        default=30, ge=3, le=120, description="Seconds to let it ring before `no_answer`."
    )
    max_duration: int = Field(
        default=7200, ge=1, le=7200, description="The longest the bridged call lasts, in seconds."
    )
    machine_detection: Literal["continue", "hangup"] | None = Field(
        default=None,
        description="When an answering machine picks up: `continue` the call, or `hangup` "
        "(then `no_answer`); default: no detection.",
    )
    ringback_url: str | None = Field(
        default=None,
        description="The URL of audio the caller hears while the number rings.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "busy", "no_answer", "failed"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "The bridged call ended (and any failure whose output is not wired).",
        "busy": "The number was busy (with `ring_all`: every one of them).",
        "no_answer": "Nobody answered within `ring_timeout` (or a machine did, with "
        "`machine_detection`; with `ring_all`: no one answered, or all failed).",
        "failed": "The dial failed, or the number or caller id is not E.164 (also `busy` and "
        "`no_answer` when those are not wired).",
    }
    WAITS: ClassVar[bool] = True  # except for a number that is not E.164: see ``enter``

    @model_validator(mode="after")
    def _one_target(self) -> ConnectConfig:
        given = [name for name in ("number", "sip", "ring_all") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("give one of number, sip and ring_all")
        if self.sip and "$" not in self.sip and not SIP_URI.match(self.sip):
            raise ValueError(f"sip {self.sip[:80]!r} is not a SIP URI (sip:user@host)")
        for target in self.ring_all or ():
            if "$" not in target and not _target(target):
                raise ValueError(
                    f"ring_all: {target[:80]!r} is neither a number (E.164) nor a SIP URI"
                )
        if self.ring_all and self.machine_detection:
            raise ValueError("machine_detection is not available with ring_all")
        return self


def _digits(text: str) -> str:
    return re.sub(r"[^\d]", "", text)


def _target(text: str) -> str:
    """A number (E.164 digits) or a SIP URI as dialled; '' when it is neither."""
    text = text.strip()
    if text.startswith(("sip:", "sips:")):
        return text if SIP_URI.match(text) else ""
    digits = _digits(text)
    return digits if _E164.match(digits) and not re.search(r"[^\d\s()+.-]", text) else ""


def failure_output(config: ConnectConfig, status: CallStatus) -> str:
    """The wired output for a failed dial."""
    wired = config.edges()
    for output in (_BRANCH.get(status, "failed"), "failed"):
        if output in wired:
            return output
    return "next"


def enter(config: ConnectConfig, ctx: Ctx) -> Outcome:
    """Dial and wait: a failed dial or the end of the bridge comes back here. A number (or
    caller id) that is not E.164 fails at once without waiting; a loop through that is not
    warned about at load and is stopped by the hop limit."""
    if config.ring_all:
        return _enter_all(config, ctx)
    caller_id = _digits(ctx.text(config.caller_id))
    sip = ctx.text(config.sip).strip() if config.sip else None
    number = _digits(ctx.text(config.number or ""))
    dialled = SIP_URI.match(sip) is not None if sip is not None else _E164.match(number)
    if not dialled or not _E164.match(caller_id):
        return Go(
            failure_output(config, CallStatus.FAILED),
            updates=Updates(call={"agent.connect": "false"}),
        )
    actions: list[Action] = []
    if config.prompt:
        actions.append(Say(ctx.text(config.prompt), ctx.language(config.language), config.style))
    machine = MachineDetection(config.machine_detection) if config.machine_detection else None
    actions.append(
        Bridge(
            ctx.ref,
            "" if sip is not None else number,
            caller_id,
            ring_timeout=config.ring_timeout,
            max_duration=config.max_duration,
            machine_detection=machine,
            ringback_url=ctx.text(config.ringback_url) if config.ringback_url else None,
            sip=sip,
        )
    )
    actions.append(Notify(ctx.ref, {"after": "connect", "node": ctx.node_id}))
    return Await(tuple(actions), Updates(call={"state": "Processing"}))


def _targets(config: ConnectConfig, ctx: Ctx) -> tuple[list[str], str]:
    """The distinct numbers and SIP URIs of ``ring_all`` that can be dialled, and the caller
    id (both with variables filled in)."""
    filled = (_target(ctx.text(raw)) for raw in config.ring_all or ())
    return list(dict.fromkeys(t for t in filled if t)), _digits(ctx.text(config.caller_id))


def _enter_all(config: ConnectConfig, ctx: Ctx) -> Outcome:
    """Ring every target at once (see the module), once the caller heard what came before: a
    notify says when (the legs must not ring while the caller still listens to a message). No
    target to dial fails at once."""
    targets, caller_id = _targets(config, ctx)
    if not targets or not _E164.match(caller_id):
        return Go(
            failure_output(config, CallStatus.FAILED),
            updates=Updates(call={"agent.connect": "false"}),
        )
    return Await((Notify(ctx.ref, {"ring": "all", "node": ctx.node_id}),))


def _ring_now(config: ConnectConfig, ctx: Ctx) -> Outcome:
    """The caller waits in the conversation, a leg is placed per target, a timer ends the
    wait."""
    targets, caller_id = _targets(config, ctx)
    call_id, ref = ctx.state.call_id, ctx.ref
    room = f"ring-{call_id}-{ref}"
    actions: list[Action] = []
    if config.prompt:
        actions.append(Say(ctx.text(config.prompt), ctx.language(config.language), config.style))
    music = ctx.text(config.ringback_url) if config.ringback_url else None
    actions.append(
        Conference(room, start_on_enter=False, end_on_exit=True, music_on_hold_url=music)
    )
    actions.append(Notify(ref, {"after": "connect", "node": ctx.node_id}))
    effects: list[Effect] = [
        PlaceLeg(
            key=f"{call_id}:{ref}:ring:{index}",
            call_id=call_id,
            ref=ref,
            to=target,
            from_number=caller_id,
            room=room,
            ring_timeout=config.ring_timeout,
            max_duration=config.max_duration,
        )
        for index, target in enumerate(targets)
    ]
    effects.append(
        ScheduleTimer(
            key=f"{call_id}:{ref}:ring:timeout",
            call_id=call_id,
            name=RING_TIMER,
            ref=ref,
            delay_seconds=config.ring_timeout + RING_GRACE_SECONDS,
        )
    )
    updates = Updates(call={"state": "Processing", _ring(ref): str(len(targets))})
    return Await(tuple(actions), updates, tuple(effects))


def _ring(ref: str, what: str = "") -> str:
    """The ``$call`` key of a ``ring_all`` node's ``what`` (placed count, legs, won, failed)."""
    return f"_ring.{ref}.{what}" if what else f"_ring.{ref}"


def _ids(text: str | None) -> list[str]:
    return [leg for leg in (text or "").split(",") if leg]


def _resume_all(config: ConnectConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """A leg failed (every leg failing ends the wait at once, by a timer due now: only a wake-up
    reaches the caller), the wait timed out (nobody answered: the legs still ringing stop), or
    the bridge with the one who answered ended."""
    if isinstance(event, NotifyReceived):
        if event.payload.get("ring") == "all":
            return _ring_now(config, ctx)
        return Go("next", updates=Updates(call={"state": "connected"}))
    ref = event.ref if isinstance(event, CallStatusChanged | TimerFired) else ""
    state = ctx.state
    won = state.call_vars.get(_ring(ref, "won"))
    if isinstance(event, CallStatusChanged):
        failed = sorted({*_ids(state.call_vars.get(_ring(ref, "failed"))), event.leg_id})
        updates = Updates(call={_ring(ref, "failed"): ",".join(failed)})
        placed = int(state.call_vars.get(_ring(ref)) or 0)
        if won or len(failed) < placed:
            return Stay(updates=updates)
        now = ScheduleTimer(
            key=f"{state.call_id}:{ref}:ring:nobody",
            call_id=state.call_id,
            name=RING_TIMER,
            ref=ref,
            delay_seconds=0,
        )
        return Stay(effects=(now,), updates=updates)
    if not isinstance(event, TimerFired) or won:
        return Stay()  # the one who answered is bridged: the notify after it goes on
    legs = [
        state.legs[leg]
        for leg in _ids(state.call_vars.get(_ring(ref, "legs")))
        if leg in state.legs
    ]
    stop = _hang_up(state, [leg.leg_id for leg in legs if not leg.status.is_final])
    placed = int(state.call_vars.get(_ring(ref)) or 0)
    busy = len(legs) == placed and all(leg.status is CallStatus.BUSY for leg in legs)
    output = failure_output(config, CallStatus.BUSY if busy else CallStatus.UNANSWERED)
    return Go(output, effects=stop, updates=Updates(call={"state": "Failed"}))


def ring_watch(
    flow: Flow, state: CallState, event: CallStatusChanged, now: datetime
) -> tuple[CallState, tuple[Effect, ...]]:
    """The engine's leg watcher for ``ring_all`` legs: each leg of a ring is noted; the first
    to answer while its node waits wins and every other leg still live is hung up (one that
    answered would join the conversation); a leg that shows up live after a winner, after its
    node moved on or after the call ended is hung up too, and so, when the caller's leg ends,
    is every leg still ringing."""
    calls = state.call_vars
    if event.ref and _ring(event.ref) in calls and event.leg_id in state.legs:
        ref, leg_id = event.ref, event.leg_id
        updates: dict[str, str] = {}
        legs = _ids(calls.get(_ring(ref, "legs")))
        if leg_id not in legs:
            legs = [*legs, leg_id]
            updates[_ring(ref, "legs")] = ",".join(legs)
        won = calls.get(_ring(ref, "won"))
        waiting = state.awaiting is not None and state.awaiting.ref == ref and not state.finished
        stop: list[str] = []
        if event.status is CallStatus.ANSWERED and not won and waiting:
            updates[_ring(ref, "won")] = leg_id
            stop = [leg for leg in legs if leg != leg_id and _live(state, leg)]
        elif leg_id != won and not event.status.is_final and (won or not waiting):
            stop = [leg_id]
        effects = _hang_up(state, stop)
        if not updates:
            return state, effects
        return replace(state, call_vars={**calls, **updates}), effects
    leg = state.legs.get(event.leg_id)
    if leg is None or leg.role is not LegRole.CALLER or not state.finished:
        return state, ()
    if not event.status.is_final:
        return state, ()
    ringing = [
        leg_id
        for key, value in calls.items()
        if key.startswith("_ring.") and key.endswith(".legs")
        for leg_id in _ids(value)
        if _live(state, leg_id) and calls.get(key.removesuffix("legs") + "won") != leg_id
    ]
    return state, _hang_up(state, ringing)


def _live(state: CallState, leg_id: str) -> bool:
    leg = state.legs.get(leg_id)
    return leg is not None and not leg.status.is_final


def _hang_up(state: CallState, legs: list[str]) -> tuple[Effect, ...]:
    """One hang-up per leg, keyed by the leg (however often a leg is found live)."""
    return tuple(HangUpLeg(f"{state.call_id}:ring:{leg}:end", leg) for leg in legs)


def resume(config: ConnectConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """A failed dial branches; the end of a bridge goes on."""
    if config.ring_all:
        return _resume_all(config, ctx, event)
    if isinstance(event, CallStatusChanged) and event.status.is_failure:
        return Go(failure_output(config, event.status), updates=Updates(call={"state": "Failed"}))
    if isinstance(event, CallStatusChanged) and event.status is CallStatus.MACHINE:
        return Go(failure_output(config, event.status))
    if isinstance(event, NotifyReceived):
        return Go("next", updates=Updates(call={"state": "connected"}))
    return Go("next")


WIDGET = Widget("connect", ConnectConfig, enter, resume)
