"""The send-SMS widget: send a templated text message (by default to the caller) and go on."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from chalicelib.flows.outcomes import Go, Outcome, SendSms
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig


class SendSmsConfig(WidgetConfig):
    """Send a text message (by default to the caller) and go on."""

    widget: Literal["sms"]
    AFTER_CALL: ClassVar[bool] = True
    text: str = Field(min_length=1, description="The message (variables filled in).")
    to: str = Field(
        default="$call.cli", description="The number to send it to; default: the caller's."
    )
    sender: str = Field(
        default="$call.dnis",
        description="The number it comes from; default: the number the caller rang.",
    )


def enter(config: SendSmsConfig, ctx: Ctx) -> Outcome:
    """Queue the message; it is sent once even if the webhook is retried."""
    effect = SendSms(
        key=f"{ctx.state.call_id}:{ctx.ref}:{ctx.node_id}",
        from_number=ctx.text(config.sender).lstrip("+"),
        to_number=ctx.text(config.to).lstrip("+"),
        text=ctx.text(config.text),
    )
    return Go(effects=(effect,))


WIDGET = Widget("sms", SendSmsConfig, enter)
