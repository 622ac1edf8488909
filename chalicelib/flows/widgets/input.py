"""The input widget: collect digits and/or speech into a ``$flow.key`` variable, with an optional
pattern the whole value must match (RE2, checked when the flow is loaded: ``flows.patterns``),
re-asking up to ``retries`` times. Imports no I/O, and never ``re`` for tenant patterns."""

from __future__ import annotations

from typing import ClassVar, Literal, Mapping

from pydantic import Field, field_validator, model_validator

from chalicelib.flows import limits
from chalicelib.flows.languages import is_stt_language, unsupported
from chalicelib.flows.outcomes import Await, Go, Outcome, Updates
from chalicelib.flows.patterns import PatternError, check, fullmatch
from chalicelib.flows.variables import VariableRef, parse_name
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.flows.widgets.prompts import PromptedConfig, prompt_actions, tries
from chalicelib.telephony.actions import Ask, DtmfSettings, SpeechSettings
from chalicelib.telephony.events import InputReceived


class InputConfig(PromptedConfig):
    """Collect digits and/or speech into a ``$flow.key`` variable, optionally checked against
    ``pattern``; a wrong answer or silence asks again up to ``retries`` times."""

    widget: Literal["input"]
    variable: str = Field(
        description="The `$flow.key` variable that receives the answer (`$flow.key.pin` or "
        "just `pin`)."
    )
    mode: Literal["dtmf", "speech", "both"] = Field(
        default="dtmf",
        description="How the caller answers: keys (`dtmf`), speaking (`speech`) or either.",
    )
    max_digits: int = Field(
        default=4, ge=1, le=20, description="The most keys taken; reaching it ends the answer."
    )
    timeout: int = Field(
        default=5,
        ge=1,
        le=10,
        description="Seconds of silence after the last key before the answer is taken.",
    )
    submit_on_hash: bool = Field(default=True, description="`#` ends the answer early.")
    speech_language: str | None = Field(
        default=None,
        description="The speech-recognition language; default: the node's or the call's language.",
    )
    hints: list[str] = Field(
        default_factory=list,
        description="Words or phrases the caller is likely to say (helps speech recognition).",
    )
    end_on_silence: float = Field(
        default=1.5, ge=0.4, le=10, description="Seconds of silence that end a spoken answer."
    )
    start_timeout: int = Field(
        default=10, ge=1, le=60, description="Seconds to wait for the caller to start speaking."
    )
    max_speech_seconds: int = Field(
        default=30, ge=1, le=60, description="The longest spoken answer, in seconds."
    )
    pattern: str | None = Field(
        default=None,
        description="A regular expression (RE2) the whole answer must match; otherwise it is "
        "a wrong answer.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "timeout", "invalid"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "The answer is stored in `variable` (and after the last retry when `timeout` "
        "or `invalid` is not wired).",
        "timeout": "Silence after the last retry (a wrong answer too, when `invalid` is not "
        "wired).",
        "invalid": "An answer not matching `pattern` after the last retry.",
    }
    WAITS: ClassVar[bool] = True

    @field_validator("variable")
    @classmethod
    def _flow_variable(cls, name: str) -> str:
        if not name.startswith("$"):
            name = "$flow.key." + name
        if parse_name(name).namespace != "flow.key":
            raise ValueError("input stores into a $flow.key variable")
        return name

    @field_validator("speech_language")
    @classmethod
    def _stt(cls, code: str | None) -> str | None:
        if code is not None and not is_stt_language(code):
            raise ValueError(unsupported(code, "speech recognition"))
        return code

    @model_validator(mode="after")
    def _pattern(self) -> InputConfig:
        if self.pattern is not None:
            try:
                check(self.pattern)
            except PatternError as error:
                raise ValueError(f"pattern refused: {error}") from error
        return self

    @property
    def key(self) -> str:
        """The flow variable name without its namespace."""
        return parse_name(self.variable).name

    def assigns(self) -> frozenset[VariableRef]:
        """The variable the input is stored into."""
        return frozenset({parse_name(self.variable)})


def _ask(config: InputConfig, ctx: Ctx) -> Ask:
    dtmf = (
        DtmfSettings(config.max_digits, config.timeout, config.submit_on_hash)
        if config.mode in ("dtmf", "both")
        else None
    )
    speech = (
        SpeechSettings(
            language=config.speech_language or ctx.language(config.language),
            context=tuple(config.hints),
            end_on_silence=config.end_on_silence,
            start_timeout=config.start_timeout,
            max_duration=config.max_speech_seconds,
        )
        if config.mode in ("speech", "both")
        else None
    )
    return Ask(ctx.ref, dtmf, speech)


def _matches(pattern: str, value: str) -> bool:
    """The value matches; one too long to match does not."""
    try:
        return fullmatch(pattern, value)
    except PatternError:
        return False


def enter(config: InputConfig, ctx: Ctx) -> Outcome:
    """Ask."""
    return Await((*prompt_actions(config, ctx), _ask(config, ctx)))


def resume(config: InputConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Store the value, or re-ask."""
    if not isinstance(event, InputReceived):
        return Go("timeout")
    digits = (event.digits or "").rstrip("#")
    spoken = event.speech[0].text.strip() if event.speech else ""
    value = digits or spoken
    call: dict[str, str] = {}
    if digits:
        call = {
            "dtmf": limits.pressed(ctx.state.call_vars.get("dtmf", ""), digits),
            "lastdtmfreceived": digits[-1],
        }
    if spoken:
        call["lastspeechreceived"] = spoken
    failure = None
    if not value:
        failure = "timeout"
    elif config.pattern is not None and not _matches(config.pattern, value):
        failure = "invalid"
    if failure is None:
        return Go(
            updates=Updates(flow={config.key: value}, call={**call, ctx.scratch_key("tries"): "0"})
        )
    attempt = tries(ctx) + 1
    if attempt <= config.retries:
        actions = (*prompt_actions(config, ctx, failure), _ask(config, ctx))
        return Await(actions, Updates(call={**call, ctx.scratch_key("tries"): str(attempt)}))
    wired = config.edges()
    output = failure if failure in wired else ("timeout" if "timeout" in wired else "next")
    return Go(
        output, updates=Updates(flow={config.key: ""}, call={**call, ctx.scratch_key("tries"): "0"})
    )


WIDGET = Widget("input", InputConfig, enter, resume)
