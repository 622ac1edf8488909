"""The local intent engine: ``LocalEngine(agent)`` answers ``IntentEngine.detect`` from a
Dialogflow ES agent export on this process, with no network (the default of ``make run`` and of
the flow tests). The agent is compiled once, at construction; a detection reads it only, so one
engine serves every call and thread. Sessions carry no state here (no contexts). Imports
``chalicelib.speech`` only.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from chalicelib.speech.agent import Agent, read_directory
from chalicelib.speech.matcher import compile_agent
from chalicelib.speech.port import Detection, EngineUnavailableError

LOG = logging.getLogger(__name__)


class LocalEngine:
    """An ``IntentEngine`` matching utterances against one agent's training phrases."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self._compiled = compile_agent(agent)

    @classmethod
    def from_directory(cls, path: str | Path) -> LocalEngine:
        """An engine for the export unpacked in ``path``; raises ``AgentError`` if broken."""
        return cls(read_directory(path))

    def detect(self, session: str, text: str, language: str, timeout: float) -> Detection:
        """See ``IntentEngine.detect``. A failure of the matcher itself, or an answer later
        than ``timeout``, is ``EngineUnavailableError``: the widget's error branch."""
        started = time.monotonic()
        if not timeout > 0:
            raise EngineUnavailableError("no time left to detect an intent")
        try:
            detection = self._compiled.match(str(text), str(language))
        except Exception as exc:  # the port promises nothing else escapes, whatever the text
            LOG.exception("local intent engine failed")
            raise EngineUnavailableError("the local intent engine failed") from exc
        if time.monotonic() - started > timeout:
            raise EngineUnavailableError("the local intent engine did not answer in time")
        return detection
