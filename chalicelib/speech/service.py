"""The speech service: answers the speech widget's queries within a call's step.

``hints`` names the agent version a call uses and its recognition hints; ``detect`` asks that
version's engine what an utterance means. Each agent version is prepared once per process and
kept (versions are immutable): its export read and compiled for the local engine, or a
``DialogflowEngine`` built with the key from its secret; the hints computed. Which version is the
latest is read at most once per ``LATEST_SECONDS`` per agent and process, so a call's speech turn
costs no read of its own on a warm container, and a new upload reaches new calls within seconds.

Every failure (no such agent, a broken stored export, an engine slow or down, no time left in
the webhook) becomes ``NotUnderstood`` or an exception the shell turns into ``Unanswered``: the
widget takes ``error``; each is logged and counted (``SpeechEngineFailures``, by engine and
reason). The detection's timeout is the widget's, cut to what the webhook has left.

Imports the speech package's pure records, the platform's errors, deadline and observability
helpers; the export reader, the local engine (rapidfuzz) and ``speech.dialogflow`` (Google's
client) only when a version is first prepared, never on a cold start. Must not
import the store, web or flows' engine.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.errors import NotFoundError
from chalicelib.ops.deadline import DeadlineExceededError, budget
from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.speech.languages import dialogflow_code
from chalicelib.speech.port import AgentError, EngineUnavailableError, IntentEngine
from chalicelib.speech.queries import AgentHints, DetectIntent, Hints, NotUnderstood, Understood
from chalicelib.speech.records import AgentSource, AgentVersion

if TYPE_CHECKING:
    from chalicelib.speech.agent import Agent

LATEST_SECONDS = 5.0
"""How long a process trusts what it read as an agent's latest version."""
PREPARED_CAPACITY = 32
"""Agent versions kept prepared per process (least recently used dropped first)."""
SAVE_RESERVE_SECONDS = 0.5
"""What a webhook keeps of its deadline after the detection (the save, the render)."""


@dataclass(frozen=True)
class Prepared:
    """One agent version ready to answer: its engine, its export read (None for a Dialogflow
    agent without one), and the name of its engine for the metrics."""

    version: AgentVersion
    engine: IntentEngine
    agent: Agent | None

    def hints(self, language: str) -> tuple[str, ...]:
        """The recognition hints for a caller speaking ``language``."""
        from chalicelib.speech.hints import agent_hints

        return () if self.agent is None else agent_hints(self.agent, language)


EngineFactory = Callable[[AgentVersion, "Agent | None", Callable[[str], str]], IntentEngine]
"""Builds the engine of an agent version (given its export read and a reader of secrets)."""


def build_engine(
    version: AgentVersion, agent: Agent | None, secret: Callable[[str], str], endpoint: str | None
) -> IntentEngine:
    """The local engine for a local agent; a Dialogflow engine (its key read from the secret)
    otherwise, on ``endpoint`` when set (the local stack's and the tests' loopback server)."""
    if version.dialogflow is None:
        if agent is None:
            raise AgentError("a local agent needs its export", problems=["export: missing"])
        from chalicelib.speech.local import LocalEngine  # rapidfuzz: not on a cold start

        return LocalEngine(agent)
    from chalicelib.speech.dialogflow import DialogflowEngine

    target = version.dialogflow
    return DialogflowEngine(
        target.project,
        secret(target.credentials_secret),
        environment=target.environment,
        endpoint=endpoint,
    )


class SpeechService:
    """Resolves ``AgentHints`` and ``DetectIntent`` for the calls of this process."""

    def __init__(
        self,
        agents: AgentSource,
        *,
        dialogflow_endpoint: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        engine_factory: EngineFactory | None = None,
    ) -> None:
        self._agents = agents
        self._monotonic = monotonic
        self._endpoint = dialogflow_endpoint
        self._factory = engine_factory
        self._latest: dict[tuple[str, str], tuple[int, float]] = {}
        self._prepared: OrderedDict[tuple[str, str, int], Prepared] = OrderedDict()
        self._lock = threading.Lock()

    # -- queries ------------------------------------------------------------------------------
    def hints(self, query: AgentHints) -> Hints:
        """The version the call uses (``query.version``, else the latest) and its hints.
        Raises ``NotFoundError`` (no such agent) or ``AgentError`` (unusable): ``error``."""
        version = query.version or self.latest(query.account_id, query.agent)
        try:
            prepared = self.prepared(query.account_id, query.agent, version)
        except (NotFoundError, AgentError, EngineUnavailableError) as error:
            self._failed("unknown", "agent", error)
            raise
        warm = getattr(prepared.engine, "warm", None)
        if warm is not None:  # the Dialogflow client's import, off the detection's clock
            try:
                warm()
            except Exception as error:  # the detection will fail too and take `error`
                self._failed(prepared.version.engine, "warm", error)
        return Hints(version, prepared.hints(query.language))

    def detect(self, query: DetectIntent) -> Understood | NotUnderstood:
        """What the utterance means to the call's agent version, within the query's timeout
        (cut to what the webhook has left)."""
        try:
            prepared = self.prepared(query.account_id, query.agent, query.version)
        except (NotFoundError, AgentError, EngineUnavailableError) as error:
            return self._failed("unknown", "agent", error)
        engine = prepared.version.engine
        language = query.language
        if engine == "dialogflow":
            code = dialogflow_code(language)
            if code is None:
                refusal = EngineUnavailableError(f"Dialogflow does not understand {language!r}")
                return self._failed(engine, "language", refusal)
            language = code
        try:
            timeout = budget(query.timeout, reserve=SAVE_RESERVE_SECONDS)
        except DeadlineExceededError as error:
            return self._failed(engine, "deadline", error)
        try:
            detection = prepared.engine.detect(query.session, query.text, language, timeout)
        except EngineUnavailableError as error:
            return self._failed(engine, "unavailable", error)
        return Understood(detection)

    # -- agents -------------------------------------------------------------------------------
    def latest(self, account_id: str, name: str) -> int:
        """The agent's latest version, read at most once per ``LATEST_SECONDS``."""
        key = (account_id, name)
        now = self._monotonic()
        known = self._latest.get(key)
        if known is not None and now - known[1] < LATEST_SECONDS:
            return known[0]
        version = self._agents.latest_version(account_id, name)
        self._latest[key] = (version, now)
        return version

    def prepared(self, account_id: str, name: str, version: int) -> Prepared:
        """The agent version ready to answer (prepared on first use in this process)."""
        key = (account_id, name, version)
        with self._lock:
            known = self._prepared.get(key)
            if known is not None:
                self._prepared.move_to_end(key)
                return known
        from chalicelib.speech.agent import read_zip

        record = self._agents.get_version(account_id, name, version)
        agent = read_zip(record.export) if record.export is not None else None
        if self._factory is not None:
            engine = self._factory(record, agent, self._agents.credentials)
        else:
            engine = build_engine(record, agent, self._agents.credentials, self._endpoint)
        prepared = Prepared(record, engine, agent)
        with self._lock:
            self._prepared[key] = prepared
            while len(self._prepared) > PREPARED_CAPACITY:
                self._prepared.popitem(last=False)
        return prepared

    @staticmethod
    def _failed(engine: str, reason: str, error: Exception) -> NotUnderstood:
        count(MetricName.SPEECH_ENGINE_FAILURES, engine=engine, reason=reason)
        logger.warning(
            "the intent engine could not answer",
            extra={"engine": engine, "reason": reason, "error": str(error)[:300]},
        )
        return NotUnderstood(f"{reason}: {error}")
