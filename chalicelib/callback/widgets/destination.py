"""The destination of a callback: "enter the number you want to call, followed by hash". Keys
pressed during the prompt count (barge-in: type-ahead). The balance code (default ``111``) speaks
the balance; a number is made E.164 in the user's country, rated in the account's tariff and its
money held for the longest talk the balance pays for (``DialQuery``, answered within the step);
then ``next`` dials it. A number that is not valid, has no rate or cannot be paid for is said so,
and the user keys another.
Pure: imports flows, telephony types and the callback's own modules; never the store, web
or any I/O."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.billing.bridge import MAX_TALK_SECONDS, UserLeg
from chalicelib.callback import numbers
from chalicelib.callback.model import Dial
from chalicelib.callback.queries import Balance, BalanceQuery, DialQuery, DialReady, DialRefused
from chalicelib.callback.widgets.common import SpeakingConfig, ask_keys, callback_of, say, words
from chalicelib.flows.outcomes import Await, Consult, Consulted, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.telephony.events import InputReceived

_REFUSALS = {
    "no_rate": "no_rate",
    "insufficient_funds": "insufficient_funds",
    "too_many_calls": "too_many_calls",
    "daily_cap": "daily_cap",
    "disabled": "account_disabled",
    "unknown_account": "account_disabled",
}


class DestinationConfig(SpeakingConfig):
    """Ask for the number to call, rate it and hold the money of its longest talk."""

    widget: Literal["callback_destination"]
    balance_code: str = Field(
        default="111",
        pattern=r"^[0-9*]{1,6}$",
        description="Keyed instead of a number, it speaks the balance.",
    )
    timeout: int = Field(default=8, ge=1, le=10, description="Seconds after the last key.")
    tries: int = Field(
        default=3, ge=1, le=10, description="Prompts with no usable number before `no_input`."
    )
    user_leg: UserLeg = Field(
        default=UserLeg.ANSWERED,
        description="When the leg to the user is billed: `answered` (only the talk time of a "
        "call the destination answered) or `always` (from the dial, ringing included).",
    )
    bill_user_leg: bool = Field(
        default=True, description="Bill the leg to the user at all (its own rate)."
    )
    ring_timeout: int = Field(
        default=30, ge=5, le=120, description="Seconds the destination may ring."
    )
    max_talk: int = Field(
        default=MAX_TALK_SECONDS,
        ge=60,
        le=MAX_TALK_SECONDS,
        description="The longest talk of one call, whatever the balance.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "no_input", "failed"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "A number was keyed, rated and its money held: dial it.",
        "no_input": "No usable number after `tries` prompts (default: end the call).",
        "failed": "The number could not be rated or paid for now (default: end the call).",
    }
    WAITS: ClassVar[bool] = True


def _prompt(config: DestinationConfig, ctx: Ctx, *before: str) -> Await:
    texts = (*before, words(ctx).enter_destination())
    spoken = tuple(say(ctx, text, barge_in=True) for text in texts)
    return Await((*spoken, ask_keys(ctx, 20, config.timeout)))


def _again(config: DestinationConfig, ctx: Ctx, said: str, counted: bool = True) -> Outcome:
    """Say ``said`` and ask again; after ``tries`` prompts without a number, ``no_input``."""
    tries = int(ctx.scratch("tries") or 0) + (1 if counted else 0)
    if tries >= config.tries or callback_of(ctx).quiet:  # hosted: never asked for a number
        return Go("no_input", actions=(say(ctx, said), say(ctx, words(ctx).goodbye())))
    asked = _prompt(config, ctx, said)
    return replace(asked, updates=Updates(call={ctx.scratch_key("tries"): str(tries)}))


def enter(config: DestinationConfig, ctx: Ctx) -> Outcome:
    """Ask for the number to call; a number the trigger gave (an SMS's, a web form's) is
    dialled at once, the first time."""
    data = callback_of(ctx)
    if data.destination and data.account_id:
        given = replace(data, destination=None)
        query = _dial(config, ctx, data.account_id, data.destination)
        return Consult(query, Updates(data=(given,)))
    if data.quiet:
        # a hosted callback connects the one number the service gives, never a keyed one
        return Go("failed", actions=(say(ctx, words(ctx).goodbye()),))
    return _prompt(config, ctx)


def _dial(config: DestinationConfig, ctx: Ctx, account_id: str, number: str) -> DialQuery:
    """Rate ``number`` and hold the money of its longest talk, under this node's ref."""
    data = callback_of(ctx)
    return DialQuery(
        account_id=account_id,
        user_number=data.user_number,
        destination=number,
        key=f"{ctx.state.call_id}:{ctx.ref}",
        day=ctx.now.date(),
        user_leg=config.user_leg,
        bill_user_leg=config.bill_user_leg,
        ring_timeout=config.ring_timeout,
        max_talk=min(config.max_talk, data.max_talk or config.max_talk),
        settle_first=data.settling,
    )


def resume(config: DestinationConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """A keyed number is rated and paid for; the balance code speaks the balance."""
    data = callback_of(ctx)
    if data.account_id is None:
        return Go("failed", actions=(say(ctx, words(ctx).failed()),))
    if isinstance(event, InputReceived):
        keyed = (event.digits or "").rstrip("#")
        if not keyed:
            return _again(config, ctx, words(ctx).no_input())
        if keyed == config.balance_code:
            return Consult(BalanceQuery(data.account_id))
        number = numbers.destination(keyed, data.user_number)
        if number is None:
            return _again(config, ctx, words(ctx).invalid_number())
        return Consult(_dial(config, ctx, data.account_id, number))
    if isinstance(event, Consulted):
        answer, query = event.answer, event.query
        if isinstance(answer, Balance):
            spoken = words(ctx).balance(answer.amount, answer.currency)
            return _again(config, ctx, spoken, counted=False)
        if isinstance(answer, DialRefused):
            said = getattr(words(ctx), _REFUSALS.get(answer.reason, "failed"))()
            return _again(config, ctx, said)
        if isinstance(answer, DialReady) and isinstance(query, DialQuery):
            dial = Dial(
                ref=ctx.ref,
                key=query.key,
                account_id=query.account_id,
                destination=query.destination,
                amount=answer.amount,
                talk_limit=answer.talk_limit,
                rates=answer.rates,
                dialled_at=ctx.now,
                day=query.day,
                balance=answer.balance,
            )
            held = replace(
                replace(data, settling=()).with_dial(dial),
                last_destination=query.destination,
                last_destination_name=answer.rates.destination.destination,
            )
            values = {
                ctx.scratch_key("tries"): "0",
                "record.destination": query.destination,
                "record.destination_name": answer.rates.destination.destination,
                "record.account": query.account_id,
                "callback.max_talk": str(answer.talk_limit),
            }
            return Go(updates=Updates(call=values, data=(held,)))
        return Go("failed", actions=(say(ctx, words(ctx).failed()),))
    return _again(config, ctx, words(ctx).no_input())


WIDGET = Widget("callback_destination", DestinationConfig, enter, resume)
