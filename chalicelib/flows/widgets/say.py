"""The say widget: speak a text (variables filled in) in a language and voice style."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.flows.outcomes import Go, Outcome
from chalicelib.flows.widgets.base import Ctx, SpokenConfig, Widget
from chalicelib.telephony.actions import Say


class SayConfig(SpokenConfig):
    """Speak a text in the node's (or the call's) language and voice style."""

    widget: Literal["say"]
    text: str = Field(min_length=1, description="What to say (variables filled in).")
    loop: int = Field(default=1, ge=1, le=10, description="How many times to say it.")


def enter(config: SayConfig, ctx: Ctx) -> Outcome:
    """Speak and go on."""
    say = Say(ctx.text(config.text), ctx.language(config.language), config.style, config.loop)
    return Go(actions=(say,))


WIDGET = Widget("say", SayConfig, enter)
