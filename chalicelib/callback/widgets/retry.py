"""The callback's after-call step: a first leg the user did not answer (busy, no answer, a
machine) is placed again after ``delay`` seconds, up to ``attempts`` in all; a leg that was
answered, refused for good, or out of attempts closes the callback with its reason
(``$call.callback.closed``). Runs in the flow's ``after_call`` chain.
Pure: imports flows, telephony types and the callback's own modules; never the store, web
or any I/O."""

from __future__ import annotations

from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.callback.queries import PlaceCallback
from chalicelib.callback.widgets.common import callback_of
from chalicelib.flows.outcomes import End, Outcome, Updates
from chalicelib.flows.state import LegRole
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig
from chalicelib.telephony.events import CallStatus

RETRIED = frozenset(
    {CallStatus.BUSY, CallStatus.UNANSWERED, CallStatus.TIMEOUT, CallStatus.MACHINE}
)
"""How a first leg ends that is worth placing again."""


class RetryConfig(WidgetConfig):
    """Place an unanswered first leg again, a few times, then close the callback."""

    widget: Literal["callback_retry"]
    attempts: int = Field(default=3, ge=1, le=10, description="Placings of the first leg in all.")
    delay: int = Field(
        default=30, ge=5, le=900, description="Seconds between an unanswered leg and the next."
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset()
    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {}
    AFTER_CALL: ClassVar[bool] = True


def enter(config: RetryConfig, ctx: Ctx) -> Outcome:
    """Place an unanswered first leg again, or close the callback."""
    state = ctx.state
    data = callback_of(ctx)
    caller = next((leg for leg in state.legs.values() if leg.role is LegRole.CALLER), None)
    status = caller.status if caller is not None else CallStatus.FAILED
    if state.answered_at is not None:
        return End(updates=Updates(call={"callback.closed": "answered"}))
    if status not in RETRIED or data.attempt >= config.attempts:
        return End(updates=Updates(call={"callback.closed": status.value}))
    again = PlaceCallback(
        key=f"callback:{state.call_id}:attempt:{data.attempt + 1}",
        tenant=state.account_id,
        flow_id=state.flow_id,
        trigger=data.trigger,
        access_number=data.access_number,
        user_number=data.user_number,
        language=state.language,
        delay_seconds=config.delay,
        attempt=data.attempt + 1,
        account_id=data.account_id,
        internal_account=data.internal_account,
        tariff=data.tariff,
        currency=data.currency,
        lock_minutes=data.lock_minutes,
        destination=data.destination,
        quiet=data.quiet,
        max_talk=data.max_talk,
    )
    return End(effects=(again,), updates=Updates(call={"callback.retry": str(again.attempt)}))


WIDGET = Widget("callback_retry", RetryConfig, enter)
