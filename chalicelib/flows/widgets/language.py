"""The language widget: choose the call's language from a variable or by a key the caller
presses; later widgets speak (and listen) in it. Pure; imports no I/O."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Mapping

from pydantic import Field, field_validator, model_validator

from chalicelib.flows import limits
from chalicelib.flows.languages import is_tts_language, unsupported
from chalicelib.flows.outcomes import Await, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.flows.widgets.prompts import PromptedConfig, prompt_actions, tries
from chalicelib.telephony.actions import Ask, DtmfSettings
from chalicelib.telephony.events import InputReceived


class LanguageConfig(PromptedConfig):
    """Set the call's language from ``value``, or by a key the caller presses (``options``,
    with a prompt); later nodes speak and listen in it."""

    widget: Literal["language"]
    value: str | None = Field(
        default=None,
        description="A language code, or a variable holding one, to switch to without asking.",
    )
    options: dict[str, str] = Field(
        default_factory=dict,
        description="Each key the caller may press (0-9, * or #) and the language code it "
        "chooses; needs a `prompt` or `prompt_url`.",
    )
    timeout: int = Field(
        default=5, ge=1, le=10, description="Seconds to wait for a key before it counts as silence."
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "invalid"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "The call's language is set (and on failure, when `invalid` is not wired).",
        "invalid": "The value or the key gave no supported language.",
    }

    @field_validator("options")
    @classmethod
    def _codes(cls, options: dict[str, str]) -> dict[str, str]:
        for key, code in options.items():
            if not re.fullmatch(r"[0-9*#]", key):
                raise ValueError(f"language keys must be one of 0-9, * or #: {key!r}")
            if not is_tts_language(code):
                raise ValueError(unsupported(code))
        return options

    def waits(self) -> bool:
        """It waits for a key only when it asks (``options``); from a ``value`` it goes on."""
        return bool(self.options)

    @model_validator(mode="after")
    def _one_mode(self) -> LanguageConfig:
        if (self.value is None) == (not self.options):
            raise ValueError("give either value or options (with a prompt)")
        if self.options and not (self.prompt or self.prompt_url):
            raise ValueError("options need a prompt")
        return self


def _failed(config: LanguageConfig) -> Outcome:
    return Go("invalid" if "invalid" in config.edges() else "next")


def enter(config: LanguageConfig, ctx: Ctx) -> Outcome:
    """Set from the variable, or ask."""
    if config.value is not None:
        code = ctx.text(config.value).strip()
        return Go(updates=Updates(language=code)) if is_tts_language(code) else _failed(config)
    ask = Ask(ctx.ref, DtmfSettings(max_digits=1, timeout=config.timeout))
    return Await((*prompt_actions(config, ctx), ask))


def resume(config: LanguageConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Set the language the key names, or re-ask."""
    digit = (event.digits or "")[:1] if isinstance(event, InputReceived) else ""
    if digit in config.options:
        keys = {
            "lastdtmfreceived": digit,
            "dtmf": limits.pressed(ctx.state.call_vars.get("dtmf", ""), digit),
        }
        return Go(
            updates=Updates(
                language=config.options[digit], call={**keys, ctx.scratch_key("tries"): "0"}
            )
        )
    attempt = tries(ctx) + 1
    if attempt <= config.retries:
        ask = Ask(ctx.ref, DtmfSettings(max_digits=1, timeout=config.timeout))
        return Await(
            (*prompt_actions(config, ctx, "invalid" if digit else "timeout"), ask),
            Updates(call={ctx.scratch_key("tries"): str(attempt)}),
        )
    return _failed(config)


WIDGET = Widget("language", LanguageConfig, enter, resume)
