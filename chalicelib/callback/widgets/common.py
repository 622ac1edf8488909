"""What the callback's widgets share: the callback the call carries, the prompts of the call's
language, and how they speak and listen. Pure: imports flows, telephony actions and the
callback's own modules only."""

from __future__ import annotations

from chalicelib.callback import catalogue
from chalicelib.callback.model import CallbackCall
from chalicelib.flows.errors import FlowRuntimeError
from chalicelib.flows.widgets.base import Ctx, WidgetConfig
from chalicelib.telephony.actions import Ask, DtmfSettings, Say


def callback_of(ctx: Ctx) -> CallbackCall:
    """The callback this call carries; a callback widget in any other call is a flow error."""
    data = ctx.state.data_of(CallbackCall)
    if data is None:
        raise FlowRuntimeError(f"node {ctx.node_id}: this call carries no callback")
    return data


def words(ctx: Ctx) -> catalogue.Prompts:
    """The prompts of the call's language (the catalogue's nearest one)."""
    return catalogue.prompts(ctx.state.language)


def say(ctx: Ctx, text: str, barge_in: bool = False) -> Say:
    """``text`` spoken in the call's language; with ``barge_in`` a key pressed during it is
    kept for the input that follows (type-ahead)."""
    return Say(text, words(ctx).code, barge_in=barge_in)


def ask_keys(ctx: Ctx, max_digits: int, timeout: int) -> Ask:
    """Listen for keys ended by ``#`` (or ``timeout`` seconds after the last one)."""
    return Ask(ctx.ref, DtmfSettings(max_digits=max_digits, timeout=timeout, submit_on_hash=True))


def check_catalogue_language(value: str | None) -> str | None:
    """Validator: ``value`` must be a language of the callback's prompt catalogue."""
    if value is not None and not catalogue.has_language(value):
        raise ValueError(
            f"the callback speaks no {value!r}; it speaks: {', '.join(catalogue.LANGUAGES)}"
        )
    return value


class SpeakingConfig(WidgetConfig):
    """A callback widget that speaks from the catalogue: its flow's language must be one the
    catalogue speaks, or the flow is refused when it is loaded."""

    def flow_problems(self, language: str) -> list[str]:
        problem = None
        try:
            check_catalogue_language(language)
        except ValueError as error:
            problem = str(error)
        return [problem] if problem else []
