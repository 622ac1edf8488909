"""The speech-processing widget (``speech``): prompt, listen, understand, branch.

It asks the caller (a prompt, then the carrier's speech input with the agent's phrases as
recognition hints, and keys too), sends what was said (or the keys pressed, as text: "1" for
option one) to the account's intent agent, stores what the flow asked for (the seed's "fetch
intent", "fetch response", "fetch entity") and follows the output named after the matched intent.
Nothing matched or nothing heard asks again up to ``retries`` times, then takes ``no_match`` or
``no_input``; an engine that is slow or down takes ``error`` at once (within the detection's
timeout, well inside the carrier's webhook deadline; the shell counts it).

The widget never talks to an engine: it asks its product within the step (``AgentHints``, then
``DetectIntent``; ``speech.queries``) and decides on the answers. Pure: imports flows, telephony
types and the speech package's pure modules; never the store, web, an engine or Google's client.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.flows import limits
from chalicelib.flows.outcomes import Await, Consult, Consulted, End, Go, Outcome, Updates
from chalicelib.flows.phrases import phrases_for
from chalicelib.flows.variables import VariableRef, parse_name
from chalicelib.flows.widgets.base import Ctx, Resumption, Widget
from chalicelib.flows.widgets.prompts import PromptedConfig, apology, prompt_actions, tries
from chalicelib.speech.languages import speech_problems
from chalicelib.speech.port import Detection
from chalicelib.speech.queries import AgentHints, DetectIntent, Hints, Understood
from chalicelib.telephony.actions import Action, Ask, DtmfSettings, Say, SpeechSettings
from chalicelib.telephony.events import InputReceived

AGENT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""An agent's name as the account loaded it (``ringflow agent load``, ``PUT /v1/agents/...``)."""
INTENT_NAME = re.compile(r"[^\s].{0,99}", re.DOTALL)
"""An intent's display name as Dialogflow allows it (1 to 100 characters)."""
MAX_RESULT_BYTES = 2048
"""The most of one engine answer (a response text, a parameter) stored in a flow variable."""
FAILURES = ("no_match", "no_input")


def _flow_variable(name: str) -> str:
    """``name`` as a ``$flow.key`` variable (``intent`` -> ``$flow.key.intent``)."""
    if not name.startswith("$"):
        name = "$flow.key." + name
    if parse_name(name).namespace != "flow.key":
        raise ValueError(f"{name}: the speech widget stores into $flow.key variables only")
    return name


class FetchIntent(BaseModel):
    """Where the matched intent's name and the engine's confidence are stored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(
        default=None,
        description="The `$flow.key` variable that receives the intent's name (empty when "
        "nothing matched).",
    )
    confidence: str | None = Field(
        default=None,
        description="The `$flow.key` variable that receives the confidence, 0.00 to 1.00.",
    )

    _variables = field_validator("name", "confidence")(
        lambda value: None if value is None else _flow_variable(value)
    )


class FetchResponse(BaseModel):
    """Where the intent's response (its fulfilment text) is stored, and whether it is spoken."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    variable: str | None = Field(
        default=None, description="The `$flow.key` variable that receives the response text."
    )
    speak: bool = Field(
        default=False,
        description="Speak the response to the caller before the flow goes on.",
    )

    _variable = field_validator("variable")(
        lambda value: None if value is None else _flow_variable(value)
    )


class SpeechConfig(PromptedConfig):
    """Ask the caller, understand the answer with an intent agent, and go to the node of the
    intent it matches."""

    widget: Literal["speech"]
    agent: str = Field(
        description="The account's intent agent that understands the caller (its name as "
        "loaded with `ringflow agent load` or `PUT /v1/agents/{name}`)."
    )
    intents: dict[str, str] = Field(
        default_factory=dict,
        description="Each intent name the flow branches on and the node it leads to; another "
        "intent takes `next` (or counts as no match when `next` is not wired).",
    )
    speech_language: str | None = Field(
        default=None,
        description="The language the caller speaks (a speech-recognition code such as "
        "`en-GB`); default: the node's or the call's language.",
    )
    hints: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="More words the caller may say, besides the agent's own phrases.",
    )
    agent_hints: bool = Field(
        default=True,
        description="Send the agent's entity synonyms and training phrases to the speech "
        "recognition as hints.",
    )
    dtmf: bool = Field(
        default=True,
        description="Accept keys too: the digits pressed are understood as text (1 for "
        "option one).",
    )
    max_digits: int = Field(default=1, ge=1, le=20, description="The most keys taken.")
    dtmf_timeout: int = Field(
        default=3, ge=1, le=10, description="Seconds after the last key before they are taken."
    )
    end_on_silence: float = Field(
        default=1.0, ge=0.4, le=10, description="Seconds of silence that end what the caller says."
    )
    start_timeout: int = Field(
        default=6, ge=1, le=60, description="Seconds to wait for the caller to start speaking."
    )
    max_speech_seconds: int = Field(
        default=15, ge=1, le=60, description="The longest utterance taken, in seconds."
    )
    engine_timeout: float = Field(
        default=2.0,
        ge=0.2,
        le=3.0,
        description="Seconds the intent engine has to answer before the call takes `error` "
        "(less when the webhook has less left: the carrier waits 5 s for its answer).",
    )
    min_confidence: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="A match below this confidence counts as no match; default: the agent's "
        "own threshold.",
    )
    fetch_intent: FetchIntent | None = Field(
        default=None, description="Store the matched intent's name and confidence."
    )
    fetch_response: FetchResponse | None = Field(
        default=None, description="Store (and optionally speak) the intent's response."
    )
    fetch_entities: dict[str, str] = Field(
        default_factory=dict,
        description="Each parameter (entity) the flow wants, by its name in the agent, and the "
        "`$flow.key` variable that receives its value.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next", "no_match", "no_input", "error"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset()
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "next": "An intent the flow does not list in `intents` was matched.",
        "no_match": "Nothing matched, after the last retry; unwired: the call ends.",
        "no_input": "Nothing was heard, after the last retry; unwired: the call ends.",
        "error": "The intent engine was slow or down, or the agent cannot be used; unwired: "
        "the caller hears an apology and the call ends.",
    }
    WAITS: ClassVar[bool] = True

    @field_validator("agent")
    @classmethod
    def _agent(cls, name: str) -> str:
        if not AGENT_NAME.fullmatch(name):
            raise ValueError(
                "agent: an agent's name (lower-case letters, digits, - and _, 1 to 64)"
            )
        return name

    @field_validator("intents")
    @classmethod
    def _intents(cls, intents: dict[str, str]) -> dict[str, str]:
        bad = [name for name in intents if not INTENT_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"intent names are 1 to 100 characters: {bad}")
        clashing = sorted(set(intents) & cls.OUTPUTS)
        if clashing:
            raise ValueError(f"intent names that are output names of the widget: {clashing}")
        return intents

    @field_validator("hints")
    @classmethod
    def _hints(cls, hints: list[str]) -> list[str]:
        if any(not hint.strip() or len(hint) > 100 for hint in hints):
            raise ValueError("a hint is 1 to 100 characters, not blank")
        return hints

    @field_validator("fetch_entities")
    @classmethod
    def _entities(cls, entities: dict[str, str]) -> dict[str, str]:
        if any(not name.strip() or len(name) > 100 for name in entities):
            raise ValueError("a parameter's name is 1 to 100 characters")
        return {name: _flow_variable(variable) for name, variable in entities.items()}

    @model_validator(mode="after")
    def _languages(self) -> SpeechConfig:
        if not self.intents and self.next is None:
            raise ValueError("a speech node leads somewhere: list `intents` or wire `next`")
        language = self.speech_language or self.language
        if language is not None:
            problems = speech_problems(language, language)
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def flow_problems(self, language: str) -> list[str]:
        """The flow's language must be one the carrier hears and the agent's engines
        understand, when this node does not name its own."""
        if self.speech_language or self.language:
            return []
        return speech_problems(None, language)

    def option_edges(self) -> dict[str, str]:
        """Each listed intent's target node."""
        return dict(self.intents)

    def assigns(self) -> frozenset[VariableRef]:
        """Every variable the node stores into."""
        names = list(self.fetch_entities.values())
        if self.fetch_intent is not None:
            names += [self.fetch_intent.name or "", self.fetch_intent.confidence or ""]
        if self.fetch_response is not None:
            names.append(self.fetch_response.variable or "")
        return frozenset(parse_name(name) for name in names if name)


# -- deciding -------------------------------------------------------------------------------------


def _locale(config: SpeechConfig, ctx: Ctx) -> str:
    """The language the caller is heard in."""
    return config.speech_language or ctx.language(config.language)


def _hints_query(config: SpeechConfig, ctx: Ctx, version: int | None) -> AgentHints:
    return AgentHints(ctx.state.account_id, config.agent, _locale(config, ctx), version)


def _ask(config: SpeechConfig, ctx: Ctx, hints: tuple[str, ...]) -> Ask:
    context = (*(hints if config.agent_hints else ()), *config.hints)
    speech = SpeechSettings(
        language=_locale(config, ctx),
        context=tuple(dict.fromkeys(context)),
        end_on_silence=config.end_on_silence,
        start_timeout=config.start_timeout,
        max_duration=config.max_speech_seconds,
    )
    dtmf = DtmfSettings(config.max_digits, config.dtmf_timeout, True) if config.dtmf else None
    return Ask(ctx.ref, dtmf, speech)


def _scratch(ctx: Ctx, **values: str) -> dict[str, str]:
    return {ctx.scratch_key(name): value for name, value in values.items()}


def enter(config: SpeechConfig, ctx: Ctx) -> Outcome:
    """Find the agent's version and hints (asked of the product within this step)."""
    return Consult(
        _hints_query(config, ctx, None),
        Updates(call=_scratch(ctx, tries="0", failure="", version="", fallback="")),
    )


def _asking(config: SpeechConfig, ctx: Ctx, hints: Hints) -> Outcome:
    """Prompt (after an apology when asking again) and listen."""
    failure = ctx.scratch("failure")
    actions: list[Action] = []
    if failure:
        fallback = ctx.scratch("fallback")
        if failure == "no_match" and fallback and not config.invalid_prompt:
            actions.append(Say(fallback, ctx.language(config.language), config.style))
        else:
            actions.append(apology(config, ctx, "timeout" if failure == "no_input" else "invalid"))
    actions.extend(prompt_actions(config, ctx))
    actions.append(_ask(config, ctx, hints.phrases))
    return Await(tuple(actions), Updates(call=_scratch(ctx, version=str(hints.version))))


def _heard(ctx: Ctx, event: InputReceived) -> tuple[str, dict[str, str]]:
    """What the caller said (the best transcript) or keyed, and the call variables it sets."""
    digits = (event.digits or "").rstrip("#")
    spoken = event.speech[0].text.strip() if event.speech else ""
    call: dict[str, str] = {}
    if digits:
        call["dtmf"] = limits.pressed(ctx.state.call_vars.get("dtmf", ""), digits)
        call["lastdtmfreceived"] = digits[-1]
    if spoken:
        call["lastspeechreceived"] = limits.truncate(spoken, MAX_RESULT_BYTES)
    return (spoken or digits), call


def _stored(config: SpeechConfig, detection: Detection) -> dict[str, str]:
    """The flow variables the node fills from a detection."""
    values: dict[str, str] = {}
    if config.fetch_intent is not None:
        if config.fetch_intent.name:
            values[parse_name(config.fetch_intent.name).name] = detection.intent or ""
        if config.fetch_intent.confidence:
            key = parse_name(config.fetch_intent.confidence).name
            values[key] = f"{detection.confidence:.2f}"
    if config.fetch_response is not None and config.fetch_response.variable:
        key = parse_name(config.fetch_response.variable).name
        values[key] = limits.truncate(detection.fulfilment, MAX_RESULT_BYTES)
    for parameter, variable in config.fetch_entities.items():
        value = detection.parameters.get(parameter, "")
        values[parse_name(variable).name] = limits.truncate(value, MAX_RESULT_BYTES)
    return values


def _failed(config: SpeechConfig, ctx: Ctx, failure: str, detection: Detection | None) -> Outcome:
    """Nothing matched or nothing heard: ask again (the hints asked for anew, from the version
    the call uses), or after the last retry take the failure's output."""
    attempt = tries(ctx) + 1
    fallback = limits.truncate(detection.fulfilment, MAX_RESULT_BYTES) if detection else ""
    stored = _stored(config, detection or Detection(intent=None, confidence=0.0))
    if attempt <= config.retries:
        version = ctx.scratch("version")
        scratch = _scratch(ctx, tries=str(attempt), failure=failure, fallback=fallback)
        return Consult(
            _hints_query(config, ctx, int(version) if version.isdigit() else None),
            Updates(flow=stored, call=scratch),
        )
    scratch = _scratch(ctx, tries="0", failure="", fallback="")
    return Go(failure, updates=Updates(flow=stored, call=scratch))


def _error(config: SpeechConfig, ctx: Ctx) -> Outcome:
    """The engine or the agent failed: ``error``, or an apology and the end of the call."""
    scratch = Updates(call=_scratch(ctx, tries="0", failure="", fallback=""))
    if "error" in config.edges():
        return Go("error", updates=scratch)
    phrases, voice = phrases_for(ctx.language(config.language))
    return End((Say(phrases.apology, voice, config.style),), updates=scratch)


def _understood(config: SpeechConfig, ctx: Ctx, detection: Detection) -> Outcome:
    """Branch on the matched intent, storing what the flow fetches."""
    threshold = config.min_confidence
    intent = detection.intent
    if intent is None or (threshold is not None and detection.confidence < threshold):
        return _failed(config, ctx, "no_match", detection)
    if intent in config.intents:
        output = intent
    elif "next" in config.edges():
        output = "next"
    else:
        return _failed(config, ctx, "no_match", detection)
    actions: tuple[Action, ...] = ()
    if config.fetch_response is not None and config.fetch_response.speak and detection.fulfilment:
        text = limits.truncate(detection.fulfilment, MAX_RESULT_BYTES)
        actions = (Say(text, ctx.language(config.language), config.style),)
    scratch = _scratch(ctx, tries="0", failure="", fallback="")
    updates = Updates(flow=_stored(config, detection), call=scratch)
    return Go(output, actions=actions, updates=updates)


def resume(config: SpeechConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """Listen once the hints are known; understand what was heard; branch."""
    if isinstance(event, Consulted):
        if isinstance(event.query, AgentHints):
            if isinstance(event.answer, Hints):
                return _asking(config, ctx, event.answer)
            return _error(config, ctx)
        if isinstance(event.answer, Understood):
            return _understood(config, ctx, event.answer.detection)
        return _error(config, ctx)
    if not isinstance(event, InputReceived):
        return _failed(config, ctx, "no_input", None)
    text, call = _heard(ctx, event)
    if not text:
        outcome = _failed(config, ctx, "no_input", None)
    else:
        version = ctx.scratch("version")
        if not version.isdigit():
            return _error(config, ctx)
        query = DetectIntent(
            ctx.state.account_id,
            config.agent,
            int(version),
            ctx.state.call_id,
            text,
            _locale(config, ctx),
            config.engine_timeout,
        )
        outcome = Consult(query)
    if call and isinstance(outcome, Consult):
        merged = {**outcome.updates.call, **call}
        return Consult(outcome.query, Updates(flow=outcome.updates.flow, call=merged))
    return outcome


WIDGET = Widget("speech", SpeechConfig, enter, resume)
