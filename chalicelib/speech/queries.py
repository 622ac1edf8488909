"""What the speech widget asks within a call's step (``Query`` kinds, answered by the speech
service through ``speech.product``'s resolvers) and what it gets back.

``AgentHints``: which version of the account's agent this call uses and the phrases that help the
carrier's speech recognition hear it (its entity synonyms and training phrases). ``DetectIntent``:
what one utterance (or keys pressed, as text) means, asked of the agent's engine within
``timeout`` seconds; the answer is ``Understood`` (an intent, or no match) or ``NotUnderstood``
(the engine was slow or down, or the agent is unusable: the widget takes ``error``). Pure data:
imports the standard library and the speech port only.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.speech.port import Detection


@dataclass(frozen=True)
class AgentHints:
    """The agent ``agent`` of ``account_id`` for a call listening in ``language`` (a carrier
    locale such as ``en-GB``): its latest version unless ``version`` pins one."""

    account_id: str
    agent: str
    language: str
    version: int | None = None


@dataclass(frozen=True)
class Hints:
    """The version the call uses from now on, and the speech recognition's hints."""

    version: int
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class DetectIntent:
    """One utterance ``text`` of the call ``session`` in ``language``, for version ``version``
    of the agent; the engine has ``timeout`` seconds (less if the webhook has less left)."""

    account_id: str
    agent: str
    version: int
    session: str
    text: str
    language: str
    timeout: float


@dataclass(frozen=True)
class Understood:
    """The engine answered: ``detection.intent`` is None when nothing matched."""

    detection: Detection


@dataclass(frozen=True)
class NotUnderstood:
    """The engine could not answer (``reason`` for the logs, never for the caller)."""

    reason: str
