"""The connect widget: dial a number with a caller id, ring timeout and maximum duration, and
bridge it to the caller. A busy, unanswered or failed dial follows ``busy``, ``no_answer`` or
``failed`` (falling back to ``failed``, then ``next``); after a bridged call ends, ``next``.
Pure; imports no I/O."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.flows.outcomes import Await, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, SpokenConfig, Widget
from chalicelib.telephony.actions import Action, Bridge, MachineDetection, Notify, Say
from chalicelib.telephony.events import CallStatus, CallStatusChanged, NotifyReceived

_E164 = re.compile(r"^[1-9]\d{6,14}$")

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
    """Dial ``number`` and bridge the caller to it; a failed dial takes ``busy``,
    ``no_answer`` or ``failed``, the end of the bridged call ``next``."""

    widget: Literal["connect"]
    number: str = Field(
        description="The number to dial, E.164 digits country code first (variables filled in)."
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
        "busy": "The number was busy.",
        "no_answer": "Nobody answered within `ring_timeout` (or a machine did, with "
        "`machine_detection`).",
        "failed": "The dial failed, or the number or caller id is not E.164 (also `busy` and "
        "`no_answer` when those are not wired).",
    }
    WAITS: ClassVar[bool] = True  # except for a number that is not E.164: see ``enter``


def _digits(text: str) -> str:
    return re.sub(r"[^\d]", "", text)


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
    number, caller_id = _digits(ctx.text(config.number)), _digits(ctx.text(config.caller_id))
    if not _E164.match(number) or not _E164.match(caller_id):
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
            number,
            caller_id,
            ring_timeout=config.ring_timeout,
            max_duration=config.max_duration,
            machine_detection=machine,
            ringback_url=ctx.text(config.ringback_url) if config.ringback_url else None,
        )
    )
    actions.append(Notify(ctx.ref, {"after": "connect", "node": ctx.node_id}))
    return Await(tuple(actions), Updates(call={"state": "Processing"}))


def resume(config: ConnectConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """A failed dial branches; the end of a bridge goes on."""
    if isinstance(event, CallStatusChanged) and event.status.is_failure:
        return Go(failure_output(config, event.status), updates=Updates(call={"state": "Failed"}))
    if isinstance(event, CallStatusChanged) and event.status is CallStatus.MACHINE:
        return Go(failure_output(config, event.status))
    if isinstance(event, NotifyReceived):
        return Go("next", updates=Updates(call={"state": "connected"}))
    return Go("next")


WIDGET = Widget("connect", ConnectConfig, enter, resume)
