"""The callback's greeting and balance: the greeting, then the account's spendable money in
the call's language ("Your balance is 12 dollars and 50 cents"), every time or only when asked
(per service: ``announce``; on request, the destination entry speaks it on its balance code).
Spoken with barge-in, so keys pressed meanwhile start the number that follows (type-ahead).
Pure."""

from __future__ import annotations

from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.callback.queries import Balance, BalanceQuery
from chalicelib.callback.widgets.common import SpeakingConfig, callback_of, say, words
from chalicelib.flows.outcomes import Consult, Consulted, Go, Outcome
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.telephony.actions import Action


class BalanceConfig(SpeakingConfig):
    """Greet the caller and speak the balance (always, or only on request)."""

    widget: Literal["callback_balance"]
    greeting: bool = Field(default=True, description="Speak the catalogue's greeting first.")
    announce: Literal["always", "on_request"] = Field(
        default="always",
        description="Speak the balance on every callback, or only when the caller keys the "
        "balance code at the destination prompt.",
    )

    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {"next": "Greeted (and told the balance)."}


def _barge_in(ctx: Ctx) -> bool:
    """Keys pressed while these are spoken start the number the user keys next; not when the
    trigger gave the destination (no input follows, and Vonage wants one after a barge-in)."""
    return callback_of(ctx).destination is None


def _greeting(ctx: Ctx, config: BalanceConfig) -> tuple[Action, ...]:
    greeting = say(ctx, words(ctx).greeting(), barge_in=_barge_in(ctx))
    return (greeting,) if config.greeting else ()


def enter(config: BalanceConfig, ctx: Ctx) -> Outcome:
    """Greet, and ask for the balance when it is announced every time."""
    data = callback_of(ctx)
    if config.announce == "on_request" or data.account_id is None or data.quiet:
        return Go(actions=_greeting(ctx, config))
    return Consult(BalanceQuery(data.account_id))


def resume(config: BalanceConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Speak the greeting and the balance the query answered."""
    actions = _greeting(ctx, config)
    if isinstance(event, Consulted) and isinstance(event.answer, Balance):
        spoken = words(ctx).balance(event.answer.amount, event.answer.currency)
        actions = (*actions, say(ctx, spoken, barge_in=_barge_in(ctx)))
    return Go(actions=actions)


WIDGET = Widget("callback_balance", BalanceConfig, enter, resume)
