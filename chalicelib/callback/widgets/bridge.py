"""The callback's bridge: the held dial is spoken ("you can talk for 23 minutes") while the
destination is dialled, then the two legs are bridged for at most that talk time (the connect
``limit``), so the balance can never go below zero. Keys are heard during the bridge (an
asynchronous input): the end sequence (default ``##``) hangs up the destination and the user is
back at the prompt; the balance code (default ``111``) speaks the balance into the call. A busy,
unanswered, failed or declined destination is said, and the flow goes on (to another number);
a declined call is final: nothing redials it. The money of the dial is settled from the
destination leg's own events (``callback.settlement``).
Pure: imports flows, telephony types and the callback's own modules; never the store, web
or any I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.callback.model import Dial
from chalicelib.callback.widgets.common import SpeakingConfig, callback_of, say, words
from chalicelib.flows.outcomes import Await, Go, HangUpLeg, Outcome, SayInto, Stay, Updates
from chalicelib.flows.state import LegRole
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.telephony.actions import Action, Bridge, ListenKeys, Notify
from chalicelib.telephony.events import CallStatus, CallStatusChanged, KeyPressed, NotifyReceived

KEY_GAP_SECONDS = 3
"""Keys further apart than this start a new sequence (``#`` now and ``#`` a minute later are
not ``##``)."""
DECLINED_SIP = frozenset({486, 600, 603})
"""SIP codes of a callee who refused the call (busy here, busy everywhere, decline)."""


class BridgeConfig(SpeakingConfig):
    """Dial the held destination and bridge the user to it for the talk time paid for."""

    widget: Literal["callback_bridge"]
    end_keys: str = Field(
        default="##",
        pattern=r"^[0-9*#]{1,4}$",
        description="Keyed during the call, ends it and returns the user to the prompt.",
    )
    balance_code: str = Field(
        default="111",
        pattern=r"^[0-9*#]{1,6}$",
        description="Keyed during the call, speaks the balance.",
    )
    announce_limit: bool = Field(
        default=True, description="Say how long the user can talk before dialling."
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset(
        {"next", "busy", "no_answer", "failed", "declined"}
    )
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "The call ended (hung up, the end keys, the talk limit), and any failure whose "
        "output is not wired.",
        "busy": "The destination was busy.",
        "no_answer": "The destination did not answer.",
        "failed": "The dial failed, or no dial was held.",
        "declined": "The destination refused the call (final: it is not redialled).",
    }
    WAITS: ClassVar[bool] = True


def _pending(ctx: Ctx) -> Dial | None:
    dials = [dial for dial in callback_of(ctx).open_dials() if dial.leg_id is None]
    return dials[-1] if dials else None


def enter(config: BridgeConfig, ctx: Ctx) -> Outcome:
    """Listen for keys, say the talk time, dial the held destination and wait."""
    data = callback_of(ctx)
    dial = _pending(ctx)
    if dial is None:
        return _failed(config, ctx, "failed")
    dial = replace(dial, ref=ctx.ref)
    actions: list[Action] = [ListenKeys(ctx.ref)]
    if config.announce_limit and not data.quiet:
        actions.append(say(ctx, words(ctx).max_duration(dial.talk_limit)))
    actions.append(
        Bridge(
            ctx.ref,
            dial.destination,
            data.access_number,
            ring_timeout=dial.rates.ring_timeout,
            max_duration=dial.talk_limit,
        )
    )
    actions.append(Notify(ctx.ref, {"after": "callback_bridge", "node": ctx.node_id}))
    return Await(
        tuple(actions), Updates(data=(data.with_dial(dial),), call={"state": "Processing"})
    )


def _output(config: BridgeConfig, wanted: str) -> str:
    wired = config.edges()
    return wanted if wanted in wired else ("failed" if "failed" in wired else "next")


def _failed(config: BridgeConfig, ctx: Ctx, wanted: str) -> Outcome:
    """Say why the dial failed and take the wired output for it."""
    said = {
        "busy": words(ctx).busy(),
        "no_answer": words(ctx).no_answer(),
        "declined": words(ctx).declined(),
    }.get(wanted, words(ctx).failed())
    return Go(_output(config, wanted), actions=(say(ctx, said, barge_in=True),))


def _failure(event: CallStatusChanged) -> str:
    status = event.status
    if status is CallStatus.BUSY:
        return "busy"
    if status in (CallStatus.UNANSWERED, CallStatus.TIMEOUT, CallStatus.CANCELLED):
        return "no_answer"
    if status is CallStatus.REJECTED and (
        event.detail == "declined" or (event.sip_code or 0) in DECLINED_SIP
    ):
        return "declined"
    return "failed"


def _keys(config: BridgeConfig, ctx: Ctx, event: KeyPressed) -> Outcome:
    at = event.at or ctx.now
    last = ctx.scratch("key_at")
    keys = ctx.scratch("keys")
    if last and (at - datetime.fromisoformat(last)).total_seconds() > KEY_GAP_SECONDS:
        keys = ""
    keys = (keys + event.digit)[-8:]
    kept = {ctx.scratch_key("keys"): keys, ctx.scratch_key("key_at"): at.isoformat()}
    leg = _destination_leg(ctx)
    if keys.endswith(config.end_keys) and leg is not None:
        kept[ctx.scratch_key("keys")] = ""
        hang_up = HangUpLeg(f"{ctx.state.call_id}:{ctx.node_id}:{at.isoformat()}:end", leg)
        return Stay(effects=(hang_up,), updates=Updates(call=kept))
    dial = _current(ctx, event.ref)
    if keys.endswith(config.balance_code) and dial is not None and not callback_of(ctx).quiet:
        kept[ctx.scratch_key("keys")] = ""
        text = words(ctx).balance(dial.balance, callback_of(ctx).currency)
        caller = _caller_leg(ctx)
        if caller is not None:
            spoken = SayInto(
                f"{ctx.state.call_id}:{ctx.node_id}:{at.isoformat()}:balance",
                caller,
                text,
                words(ctx).code,
            )
            return Stay(effects=(spoken,), updates=Updates(call=kept))
    return Stay(updates=Updates(call=kept))


def _current(ctx: Ctx, ref: str) -> Dial | None:
    """The dial the bridge waiting on ``ref`` holds."""
    dials = [dial for dial in callback_of(ctx).open_dials() if dial.ref == ref]
    return dials[-1] if dials else None


def _destination_leg(ctx: Ctx) -> str | None:
    legs = [
        leg
        for leg in ctx.state.legs.values()
        if leg.role is LegRole.BRIDGED and not leg.status.is_final
    ]
    return legs[-1].leg_id if legs else None


def _caller_leg(ctx: Ctx) -> str | None:
    return next(
        (
            leg.leg_id
            for leg in ctx.state.legs.values()
            if leg.role is LegRole.CALLER and not leg.status.is_final
        ),
        None,
    )


def resume(config: BridgeConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """A key (stays), a failed dial (says why), or the end of the bridge (goes on)."""
    if isinstance(event, KeyPressed):
        return _keys(config, ctx, event)
    if isinstance(event, CallStatusChanged) and event.status.is_failure:
        return _failed(config, ctx, _failure(event))
    if isinstance(event, CallStatusChanged) and event.status is CallStatus.MACHINE:
        return _failed(config, ctx, "no_answer")
    if isinstance(event, NotifyReceived):
        return Go(actions=(say(ctx, words(ctx).call_ended(), barge_in=True),))
    return Go()


WIDGET = Widget("callback_bridge", BridgeConfig, enter, resume)
