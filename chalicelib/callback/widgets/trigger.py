"""The callback trigger of an access number (ANI, DNIS or PIN): the call is not held, only
noted. The NCCO is empty, so the carrier ends the inbound leg at once (Vonage has no way to
refuse a call unanswered; decision 0017), and ``CallbackRequested`` is queued: the runner reads
the access number, finds whom to call back and places the callback's first leg after the access
number's delay.
Pure: imports flows, telephony types and the callback's own modules; never the store, web
or any I/O."""

from __future__ import annotations

from typing import ClassVar, Literal, Mapping

from chalicelib.callback.queries import CallbackRequested
from chalicelib.flows.outcomes import End, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig


class TriggerConfig(WidgetConfig):
    """Drop the call and ask for a callback of the caller (how the caller is found is the
    access number's: its kind, translation rules, account)."""

    widget: Literal["callback_trigger"]

    OUTPUTS: ClassVar[frozenset[str]] = frozenset()
    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {}


def enter(config: TriggerConfig, ctx: Ctx) -> Outcome:
    """End the call with nothing said and ask for the callback."""
    state = ctx.state
    request = CallbackRequested(
        key=f"callback:{state.call_id}",
        tenant=state.account_id,
        access_number=state.to_number,
        caller_id=state.from_number,
        call_id=state.call_id,
    )
    return End(effects=(request,), updates=Updates(call={"state": "Callback"}))


WIDGET = Widget("callback_trigger", TriggerConfig, enter)
