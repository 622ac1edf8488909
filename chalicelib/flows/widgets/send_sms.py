"""The send-SMS widget: send a templated text message (by default to the caller) and go on."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from chalicelib.flows.outcomes import Go, Outcome, SendSms
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig


class SendSmsConfig(WidgetConfig):
    """``text`` to ``to`` (default the caller, ``$call.cli``) from ``sender`` (default the
    number called, ``$call.dnis``)."""

    widget: Literal["sms"]
    AFTER_CALL: ClassVar[bool] = True
    text: str = Field(min_length=1)
    to: str = "$call.cli"
    sender: str = "$call.dnis"


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
