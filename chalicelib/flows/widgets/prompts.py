"""Prompt pieces shared by the widgets that ask the caller something (menu, input, language):
the prompt itself (spoken text or an audio URL) and the retry bookkeeping."""

from __future__ import annotations

from pydantic import Field, model_validator

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
    invalid_prompt: str = Field(
        default="Sorry, that is not a valid choice.",
        description="Spoken before asking again after a wrong answer.",
    )
    timeout_prompt: str = Field(
        default="Sorry, I did not get that.",
        description="Spoken before asking again after silence.",
    )

    @model_validator(mode="after")
    def _one_prompt(self) -> PromptedConfig:
        if self.prompt and self.prompt_url:
            raise ValueError("give prompt or prompt_url, not both")
        return self


def prompt_actions(
    config: PromptedConfig, ctx: Ctx, apology: str | None = None
) -> tuple[Action, ...]:
    """The actions that (re-)ask: an optional apology, then the prompt, barging in on keys."""
    language = ctx.language(config.language)
    actions: list[Action] = []
    if apology:
        actions.append(Say(ctx.text(apology), language, config.style))
    if config.prompt:
        actions.append(Say(ctx.text(config.prompt), language, config.style, barge_in=True))
    elif config.prompt_url:
        actions.append(Play(ctx.text(config.prompt_url), barge_in=True))
    return tuple(actions)


def tries(ctx: Ctx) -> int:
    """How many times the caller already failed at this node."""
    value = ctx.scratch("tries")
    return int(value) if value.isdigit() else 0
