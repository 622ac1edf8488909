"""The callback's language menu: each option spoken in its own language ("For English, press 1.
Para español, pulse 2."); the key pressed sets the call's language, overriding the access
number's and the account's. No key, or a key of no option, keeps the language.
Pure: imports flows, telephony types and the callback's own modules; never the store, web
or any I/O."""

from __future__ import annotations

from typing import ClassVar, Literal, Mapping

from pydantic import Field, field_validator

from chalicelib.callback.widgets.common import SpeakingConfig, check_catalogue_language, words
from chalicelib.flows.outcomes import Await, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.telephony.actions import Ask, DtmfSettings, Say
from chalicelib.telephony.events import InputReceived

CHOSEN = "callback.language_chosen"
"""``$call`` mark: the caller chose the language (a PIN account's own language then yields)."""


class LanguageConfig(SpeakingConfig):
    """Offer the catalogue's languages on keys; the caller's choice overrides the others."""

    widget: Literal["callback_language"]
    options: dict[str, str] = Field(
        description="Key (0-9) -> language code of the callback's catalogue."
    )
    timeout: int = Field(default=4, ge=1, le=10, description="Seconds to wait for a key.")

    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {"next": "A language was chosen, or kept."}
    WAITS: ClassVar[bool] = True

    @field_validator("options")
    @classmethod
    def _options(cls, options: dict[str, str]) -> dict[str, str]:
        if not options:
            raise ValueError("a language menu offers at least one language")
        for key, code in options.items():
            if len(key) != 1 or not key.isdigit():
                raise ValueError(f"option {key!r}: keys are one digit 0-9")
            check_catalogue_language(code)
        return options


def enter(config: LanguageConfig, ctx: Ctx) -> Outcome:
    """Speak each option in its own language and listen for one key."""
    parts = words(ctx).choose_language(sorted(config.options.items()))
    actions = [Say(text, code, barge_in=True) for text, code in parts]
    ask = Ask(ctx.ref, DtmfSettings(max_digits=1, timeout=config.timeout))
    return Await((*actions, ask))


def resume(config: LanguageConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Take the chosen language, or keep the call's."""
    if isinstance(event, InputReceived) and event.digits and event.digits[0] in config.options:
        code = config.options[event.digits[0]]
        return Go(updates=Updates(language=code, call={CHOSEN: "true"}))
    return Go()


WIDGET = Widget("callback_language", LanguageConfig, enter, resume)
