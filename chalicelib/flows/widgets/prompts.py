"""Prompt pieces shared by the widgets that ask the caller something (menu, input, language):
the prompt itself (spoken text or an audio URL), the apology before asking again (the node's
own, else the platform's in the node's language, ``flows.phrases``) and the retry bookkeeping."""

from __future__ import annotations

from pydantic import Field, model_validator

from chalicelib.flows.phrases import phrases_for
from chalicelib.flows.widgets.base import Ctx, SpokenConfig
from chalicelib.telephony.actions import Action, Play, Say


class PromptedConfig(SpokenConfig):
    """A widget with a prompt (``prompt`` text or ``prompt_url`` audio) and ``retries``."""

    prompt: str | None = Field(
        default=None, description="The text spoken to ask the caller (variables filled in)."
    )
    prompt_url: str | None = Field(
        default=None,
        description="The URL of an audio file played to ask the caller, instead of `prompt`.",
    )
    retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description="How many times the caller is asked again after a wrong answer or silence.",
    )
    invalid_prompt: str | None = Field(
        default=None,
        description="Spoken before asking again after a wrong answer; default: the platform's "
        "own words in the node's language.",
    )
    timeout_prompt: str | None = Field(
        default=None,
        description="Spoken before asking again after silence; default: the platform's own "
        "words in the node's language.",
    )

    @model_validator(mode="after")
    def _one_prompt(self) -> PromptedConfig:
        if self.prompt and self.prompt_url:
            raise ValueError("give prompt or prompt_url, not both")
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
