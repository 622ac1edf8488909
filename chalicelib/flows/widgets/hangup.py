"""The hangup widget: optionally say goodbye, then end the call."""

from __future__ import annotations

from typing import ClassVar, Literal

from chalicelib.flows.outcomes import End, Outcome
from chalicelib.flows.widgets.base import Ctx, SpokenConfig, Widget
from chalicelib.telephony.actions import Say


class HangupConfig(SpokenConfig):
    """``text`` spoken before hanging up, if any. Has no outputs."""

    widget: Literal["hangup"]
    text: str | None = None

    OUTPUTS: ClassVar[frozenset[str]] = frozenset()
    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    AFTER_CALL: ClassVar[bool] = True  # without text: the end of an after-call chain

    def runs_after_call(self) -> bool:
        """Without text, a hangup ends an after-call chain; there is nobody to say it to."""
        return not self.text


def enter(config: HangupConfig, ctx: Ctx) -> Outcome:
    """Say goodbye (if configured) and end the call."""
    if config.text:
        return End(
            actions=(Say(ctx.text(config.text), ctx.language(config.language), config.style),)
        )
    return End()


WIDGET = Widget("hangup", HangupConfig, enter)
