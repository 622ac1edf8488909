"""The play widget: play an audio file (mp3 or wav) from a URL."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.flows.outcomes import Go, Outcome
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig
from chalicelib.telephony.actions import Play


class PlayConfig(WidgetConfig):
    """Play an audio file (mp3 or wav) from a URL."""

    widget: Literal["play"]
    url: str = Field(
        pattern=r"^(https?://|\$)",
        description="The http(s) URL of an mp3 or wav file, or a variable holding one.",
    )
    loop: int = Field(default=1, ge=1, le=10, description="How many times to play it.")


def enter(config: PlayConfig, ctx: Ctx) -> Outcome:
    """Play and go on."""
    return Go(actions=(Play(ctx.text(config.url), config.loop),))


WIDGET = Widget("play", PlayConfig, enter)
