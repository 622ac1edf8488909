"""The hangup widget: optionally say goodbye, then end the call."""

from __future__ import annotations

from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.flows.outcomes import End, Outcome
from chalicelib.flows.widgets.base import Ctx, SpokenConfig, Widget
from chalicelib.telephony.actions import Say


class HangupConfig(SpokenConfig):
    """Optionally say something, then end the call. Has no outputs."""

    widget: Literal["hangup"]
    text: str | None = Field(default=None, description="Spoken before the call ends.")

    OUTPUTS: ClassVar[frozenset[str]] = frozenset()
    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {}
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
