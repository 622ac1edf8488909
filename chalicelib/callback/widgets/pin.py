"""The PIN of a PIN-triggered callback: the caller keys it, it names the account that pays from
now on (its tariff, currency, and language unless the caller chose one). A call that carries an
account already goes straight on. Each wrong or missing PIN counts; the last allowed one ends the
call and locks the caller's number for the access number's time (``LockCaller``).
Pure: imports flows, telephony types and the callback's own modules; never the store, web
or any I/O."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Literal, Mapping

from pydantic import Field

from chalicelib.callback.queries import LockCaller, PinAccount, PinQuery, PinRefused
from chalicelib.callback.widgets.common import SpeakingConfig, ask_keys, callback_of, say, words
from chalicelib.callback.widgets.language import CHOSEN
from chalicelib.flows.outcomes import Await, Consult, Consulted, End, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.telephony.events import InputReceived

MAX_PIN_DIGITS = 16


class PinConfig(SpeakingConfig):
    """Ask for the PIN of the account that pays (PIN-triggered callbacks only)."""

    widget: Literal["callback_pin"]
    attempts: int = Field(
        default=3, ge=1, le=5, description="Wrong PINs before the caller is locked out."
    )
    timeout: int = Field(default=8, ge=1, le=10, description="Seconds after the last key.")

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "locked", "failed"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "The call has its paying account (from the PIN, or from the trigger).",
        "locked": "Too many wrong PINs: the caller's number is locked (default: end the call).",
        "failed": "The PIN could not be checked (default: end the call).",
    }
    WAITS: ClassVar[bool] = True


def _ask(ctx: Ctx, config: PinConfig, before: str) -> Await:
    return Await((say(ctx, before, barge_in=True), ask_keys(ctx, MAX_PIN_DIGITS, config.timeout)))


def enter(config: PinConfig, ctx: Ctx) -> Outcome:
    """Go on when the call has its account; else ask for the PIN."""
    if callback_of(ctx).account_id is not None:
        return Go()
    return _ask(ctx, config, words(ctx).enter_pin())


def _wrong(config: PinConfig, ctx: Ctx) -> Outcome:
    """A wrong or missing PIN: ask again, or lock the caller out after the last attempt."""
    data = callback_of(ctx)
    failures = data.pin_failures + 1
    updated = replace(data, pin_failures=failures)
    if failures >= config.attempts:
        lock = LockCaller(f"lock:{ctx.state.call_id}", data.user_number, data.lock_minutes)
        if "locked" in config.edges():
            return Go("locked", effects=(lock,), updates=Updates(data=(updated,)))
        return End(
            (say(ctx, words(ctx).locked()),), effects=(lock,), updates=Updates(data=(updated,))
        )
    asked = _ask(ctx, config, words(ctx).wrong_pin())
    return replace(asked, updates=Updates(data=(updated,)))


def resume(config: PinConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Check the keyed PIN; a wrong one counts towards the lockout."""
    data = callback_of(ctx)
    if isinstance(event, InputReceived):
        pin = (event.digits or "").rstrip("#")
        if not pin.isdigit():
            return _wrong(config, ctx)
        return Consult(PinQuery(pin, data.user_number))
    if isinstance(event, Consulted):
        answer = event.answer
        if isinstance(answer, PinAccount):
            chosen = ctx.state.call_vars.get(CHOSEN) == "true"
            paid = replace(
                data,
                account_id=answer.account_id,
                tariff=answer.tariff,
                currency=answer.currency,
                pin_failures=0,
            )
            language = None if chosen or not answer.language else answer.language
            return Go(updates=Updates(data=(paid,), language=language))
        if isinstance(answer, PinRefused):
            return _wrong(config, ctx)
        if "failed" in config.edges():
            return Go("failed")
        return End((say(ctx, words(ctx).failed()),))
    return _wrong(config, ctx)


WIDGET = Widget("callback_pin", PinConfig, enter, resume)
