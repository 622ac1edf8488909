"""The intent-engine port: what a widget asks of an engine (``IntentEngine.detect``), what it gets
back (``Detection``) and the two errors an engine or an agent raises. Pure: imports the standard
library and ``chalicelib.errors`` only; no engine, no Google client, no store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.errors import UnavailableError, ValidationError


@dataclass(frozen=True)
class Detection:
    """What an engine understood in one utterance."""

    intent: str | None  # the matched intent's display name; None: no match
    confidence: float  # 0.0 .. 1.0
    fulfilment: str = ""  # the intent's response text ("" if none)
    # parameter name -> value as text (a list joined with ", ")
    parameters: Mapping[str, str] = field(default_factory=dict)


class IntentEngine(Protocol):
    """An engine that understands utterances: the local matcher or Dialogflow."""

    def detect(self, session: str, text: str, language: str, timeout: float) -> Detection:
        """One utterance (text, or DTMF digits as text) of session ``session`` (one per call) in
        ``language`` (a BCP-47 code such as en-US); answers within ``timeout`` seconds or raises
        EngineUnavailableError. Never raises anything else for any text."""
        ...


class EngineUnavailableError(UnavailableError):
    """The engine did not answer in time, or failed: the widget takes its `error` branch."""


class AgentError(ValidationError):
    """An agent (an export, a configuration) that cannot be used; `problems` lists each reason
    with the file and field it is in."""
