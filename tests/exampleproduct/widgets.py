"""The tip jar's widgets: ``tip`` (adds a tip to the call's jar and records it) and ``pause``
(holds the call until its timer fires). Pure, like every widget."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from chalicelib.flows.outcomes import Await, Go, Outcome, ScheduleTimer, TimerFired, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, SpokenConfig, Widget, WidgetConfig
from chalicelib.telephony.actions import Say
from exampleproduct.model import RecordTip, TipJar


class TipConfig(WidgetConfig):
    """``amount`` added to the call's jar."""

    widget: Literal["tip"]
    amount: Decimal = Field(gt=0, le=100)


def enter_tip(config: TipConfig, ctx: Ctx) -> Outcome:
    jar = ctx.state.data_of(TipJar) or TipJar()
    record = RecordTip(
        f"{ctx.state.call_id}:{ctx.ref}:tip",
        ctx.state.account_id,
        ctx.state.call_id,
        str(config.amount),
    )
    updated = TipJar(jar.total + config.amount, jar.tips + 1, jar.thanked_by)
    return Go(effects=(record,), updates=Updates(data=(updated,)))


class PauseConfig(SpokenConfig):
    """Say ``text`` and hold the call ``seconds`` before going on."""

    widget: Literal["pause"]
    text: str = Field(min_length=1)
    seconds: int = Field(ge=1, le=900)

    WAITS = True


def enter_pause(config: PauseConfig, ctx: Ctx) -> Outcome:
    timer = ScheduleTimer(
        f"{ctx.state.call_id}:{ctx.ref}:pause", ctx.state.call_id, "pause", ctx.ref, config.seconds
    )
    hold = Say(ctx.text(config.text), ctx.language(config.language), config.style, loop=0)
    return Await(actions=(hold,), effects=(timer,))


def resume_pause(config: PauseConfig, ctx: Ctx, event: Resumption) -> Outcome:
    if isinstance(event, TimerFired):
        return Go()
    return Await(actions=())


TIP = Widget("tip", TipConfig, enter_tip)
PAUSE = Widget("pause", PauseConfig, enter_pause, resume_pause)
