"""A voucher redeemed by phone: at the destination prompt the user keys the voucher code
(default ``222``), this widget asks for the voucher's code, redeems it onto the call's account
within the step (``VoucherQuery``, keyed by the call and the attempt, so a webhook retried after
a crash is answered the same credit, not "used") and speaks the amount credited and the new
balance, or why not (unknown, used, expired, withdrawn, another currency); then ``next`` (the
destination prompt). Refused codes count per call: after ``attempts`` of them the user is told
so and goes back, and the voucher code says so at once for the rest of the call (guessing codes
by phone is not free; each refusal is counted by the resolver's metric).
Pure: imports flows, telephony types and the callback's own modules; never the store, web
or any I/O."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.callback.queries import VoucherCredited, VoucherQuery, VoucherRefused
from chalicelib.callback.widgets.common import SpeakingConfig, ask_keys, callback_of, say, words
from chalicelib.flows.outcomes import Await, Consult, Consulted, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.telephony.events import InputReceived

MAX_CODE_DIGITS = 16
"""Keys listened for: a voucher code is 12 digits; a few more are heard and refused."""


class VoucherConfig(SpeakingConfig):
    """Ask for a voucher code and credit the call's account with it."""

    widget: Literal["callback_voucher"]
    attempts: int = Field(
        default=3,
        ge=1,
        le=5,
        description="Refused voucher codes per call before no more are taken.",
    )
    timeout: int = Field(default=8, ge=1, le=10, description="Seconds after the last key.")

    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "A voucher was credited, refused, or no more are taken on this call (back to the "
        "destination prompt).",
    }
    WAITS: ClassVar[bool] = True


def _ask(ctx: Ctx, config: VoucherConfig, *before: str) -> Await:
    spoken = tuple(say(ctx, text, barge_in=True) for text in (*before, words(ctx).enter_voucher()))
    return Await((*spoken, ask_keys(ctx, MAX_CODE_DIGITS, config.timeout)))


def enter(config: VoucherConfig, ctx: Ctx) -> Outcome:
    """Ask for the code; when this call's attempts are spent, say so and go back."""
    data = callback_of(ctx)
    if data.account_id is None:
        return Go(actions=(say(ctx, words(ctx).failed(), barge_in=True),))
    if data.voucher_failures >= config.attempts:
        return Go(actions=(say(ctx, words(ctx).voucher_attempts(), barge_in=True),))
    return _ask(ctx, config)


def _refused(config: VoucherConfig, ctx: Ctx, reason: str) -> Outcome:
    """A refused code counts; ask again, or go back once the attempts are spent."""
    data = callback_of(ctx)
    failures = data.voucher_failures + 1
    counted = Updates(data=(replace(data, voucher_failures=failures),))
    said = words(ctx).voucher_refused(reason)
    if failures >= config.attempts:
        spoken = (say(ctx, said), say(ctx, words(ctx).voucher_attempts(), barge_in=True))
        return Go(actions=spoken, updates=counted)
    return replace(_ask(ctx, config, said), updates=counted)


def resume(config: VoucherConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Redeem the keyed code; say the credit and the balance, or why not."""
    data = callback_of(ctx)
    if data.account_id is None:
        return Go(actions=(say(ctx, words(ctx).failed(), barge_in=True),))
    if isinstance(event, InputReceived):
        code = (event.digits or "").rstrip("#")
        if not code:
            return Go(actions=(say(ctx, words(ctx).no_input(), barge_in=True),))
        key = f"voucher:{ctx.state.call_id}:{ctx.ref}"
        return Consult(VoucherQuery(data.account_id, code, key))
    if isinstance(event, Consulted):
        answer = event.answer
        if isinstance(answer, VoucherCredited):
            credited = words(ctx).voucher_credited(answer.amount, answer.currency)
            balance = words(ctx).balance(answer.balance, answer.currency)
            return Go(actions=(say(ctx, credited), say(ctx, balance, barge_in=True)))
        if isinstance(answer, VoucherRefused):
            return _refused(config, ctx, answer.reason)
    return Go(actions=(say(ctx, words(ctx).failed(), barge_in=True),))


WIDGET = Widget("callback_voucher", VoucherConfig, enter, resume)
