"""Prompt pieces shared by the widgets that ask the caller something (menu, input, language):
the prompt itself (spoken text or an audio URL) and the retry bookkeeping."""

from __future__ import annotations

from pydantic import model_validator

from chalicelib.flows.widgets.base import Ctx, SpokenConfig
from chalicelib.telephony.actions import Action, Play, Say


class PromptedConfig(SpokenConfig):
    """A widget with a prompt (``prompt`` text or ``prompt_url`` audio) and ``retries``."""

    prompt: str | None = None
    prompt_url: str | None = None
    retries: int = 2
    invalid_prompt: str = "Sorry, that is not a valid choice."
    timeout_prompt: str = "Sorry, I did not get that."

    @model_validator(mode="after")
    def _prompt_bounds(self) -> PromptedConfig:
        if self.prompt and self.prompt_url:
            raise ValueError("give prompt or prompt_url, not both")
        if not 0 <= self.retries <= 5:
            raise ValueError("retries must be between 0 and 5")
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
