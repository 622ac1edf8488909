"""The menu widget: speak a prompt, take one key, branch on it; re-ask on invalid keys and on
silence up to ``retries`` times, then follow ``invalid`` or ``timeout`` (or hang up). Pure;
imports no I/O."""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Mapping

from pydantic import Field, field_validator

from chalicelib.flows import limits
from chalicelib.flows.outcomes import Await, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.flows.widgets.prompts import PromptedConfig, prompt_actions, tries
from chalicelib.telephony.actions import Ask, DtmfSettings
from chalicelib.telephony.events import InputReceived


class MenuConfig(PromptedConfig):
    """Ask the caller to press one key and go to that key's node (``options``); a wrong key or
    silence asks again up to ``retries`` times, then takes ``invalid`` or ``timeout``."""

    widget: Literal["menu"]
    options: dict[str, str] = Field(
        min_length=1,
        description="Each key the caller may press (0-9, * or #) and the node it leads to.",
    )
    timeout: int = Field(
        default=5, ge=1, le=10, description="Seconds to wait for a key before it counts as silence."
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"invalid", "timeout"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "invalid": "A key that is not in `options`, after the last retry; unwired: the call ends.",
        "timeout": "Silence after the last retry; unwired: the call ends.",
    }
    WAITS: ClassVar[bool] = True

    @field_validator("options")
    @classmethod
    def _keys(cls, options: dict[str, str]) -> dict[str, str]:
        bad = [key for key in options if not re.fullmatch(r"[0-9*#]", key)]
        if bad:
            raise ValueError(f"menu keys must be one of 0-9, * or #: {bad}")
        return options

    def option_edges(self) -> dict[str, str]:
        """Each key's target node."""
        return dict(self.options)


def _ask(config: MenuConfig, ctx: Ctx) -> tuple[Ask, ...]:
    return (Ask(ctx.ref, DtmfSettings(max_digits=1, timeout=config.timeout)),)


def enter(config: MenuConfig, ctx: Ctx) -> Outcome:
    """Ask."""
    return Await(prompt_actions(config, ctx) + _ask(config, ctx))


def resume(config: MenuConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Branch on the key, or re-ask."""
    if not isinstance(event, InputReceived):
        return Go("invalid")
    digit = (event.digits or "")[:1]
    pressed = limits.pressed(ctx.state.call_vars.get("dtmf", ""), event.digits or "")
    keys = {"dtmf": pressed, "lastdtmfreceived": digit} if digit else {}
    if digit in config.options:
        return Go(digit, updates=Updates(call={**keys, ctx.scratch_key("tries"): "0"}))
    failure = "timeout" if not digit else "invalid"
    attempt = tries(ctx) + 1
    if attempt <= config.retries:
        actions = prompt_actions(config, ctx, failure) + _ask(config, ctx)
        return Await(actions, Updates(call={**keys, ctx.scratch_key("tries"): str(attempt)}))
    return Go(failure, updates=Updates(call={**keys, ctx.scratch_key("tries"): "0"}))


WIDGET = Widget("menu", MenuConfig, enter, resume)
