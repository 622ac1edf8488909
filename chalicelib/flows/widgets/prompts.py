"""Prompt pieces shared by the widgets that ask the caller something (menu, input, language):
the prompt itself (spoken text or an audio URL), the apology before asking again (the node's
own, else the platform's in the node's language, ``flows.phrases``) and the retry bookkeeping."""

from __future__ import annotations

from pydantic import model_validator

from chalicelib.flows.phrases import phrases_for
from chalicelib.flows.widgets.base import Ctx, SpokenConfig
from chalicelib.telephony.actions import Action, Play, Say


class PromptedConfig(SpokenConfig):
    """A widget with a prompt (``prompt`` text or ``prompt_url`` audio) and ``retries``."""

    prompt: str | None = None
    prompt_url: str | None = None
    retries: int = 2
    invalid_prompt: str | None = None
    timeout_prompt: str | None = None

    @model_validator(mode="after")
    def _prompt_bounds(self) -> PromptedConfig:
        if self.prompt and self.prompt_url:
            raise ValueError("give prompt or prompt_url, not both")
        if not 0 <= self.retries <= 5:
            raise ValueError("retries must be between 0 and 5")
        return self


def apology(config: PromptedConfig, ctx: Ctx, failure: str) -> Say:
    """What the caller hears before being asked again after ``failure`` (``timeout`` or
    ``invalid``): the node's own text, else the platform's in the node's language."""
    language = ctx.language(config.language)
    own = config.timeout_prompt if failure == "timeout" else config.invalid_prompt
    if own:
        return Say(ctx.text(own), language, config.style)
    phrases, voice = phrases_for(language)
    text = phrases.no_input if failure == "timeout" else phrases.invalid
    return Say(text, voice, config.style)


def prompt_actions(
    config: PromptedConfig, ctx: Ctx, failure: str | None = None
) -> tuple[Action, ...]:
    """The actions that (re-)ask: after a ``failure``, an apology; then the prompt, barging in
    on keys."""
    language = ctx.language(config.language)
    actions: list[Action] = []
    if failure:
        actions.append(apology(config, ctx, failure))
    if config.prompt:
        actions.append(Say(ctx.text(config.prompt), language, config.style, barge_in=True))
    elif config.prompt_url:
        actions.append(Play(ctx.text(config.prompt_url), barge_in=True))
    return tuple(actions)


def tries(ctx: Ctx) -> int:
    """How many times the caller already failed at this node."""
    value = ctx.scratch("tries")
    return int(value) if value.isdigit() else 0
