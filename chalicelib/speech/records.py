"""An account's intent agents as the speech product keeps them: ``AgentVersion`` (one immutable
version of a named agent: its export and, for a Dialogflow agent, where Dialogflow has it) and
``AgentSource``, what the speech service reads agents from at call time (``speech.agents``
implements it on ``store.speech_agents``). Pure: imports the standard library only.

An agent is versioned like a flow: each upload that changes it is a new version numbered from 1;
the latest version is the one new calls use; versions are never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

Engine = Literal["local", "dialogflow"]


@dataclass(frozen=True)
class DialogflowTarget:
    """Where a Dialogflow ES agent lives: its Google Cloud ``project``, optionally one of its
    ``environment``\\ s (the draft agent when None), and the Secrets Manager secret holding the
    service account key the platform asks it with (``client_email`` is that key's e-mail, for
    display; the key itself is never in a record)."""

    project: str
    environment: str | None
    credentials_secret: str
    client_email: str = ""


@dataclass(frozen=True)
class AgentVersion:
    """One version of an account's agent ``name``.

    ``export`` is the Dialogflow ES export as a zip (what ``speech.agent.read_zip`` reads): the
    local engine matches with it, and for either engine it gives the speech recognition its
    hints and the flow its languages. A Dialogflow agent may have none (``None``). ``dialogflow``
    is None for an agent the local engine answers. ``languages`` are the export's (the default
    first), or those given for a Dialogflow agent without an export. ``digest`` is the SHA-256
    of what makes the version (an upload with the same digest as the latest makes no new one).
    """

    account_id: str
    name: str
    version: int
    export: bytes | None
    dialogflow: DialogflowTarget | None
    languages: tuple[str, ...]
    digest: str
    created_at: datetime

    @property
    def engine(self) -> Engine:
        """Which engine answers this agent."""
        return "local" if self.dialogflow is None else "dialogflow"


class AgentSource(Protocol):
    """Agents as the speech service reads them during calls."""

    def latest_version(self, account_id: str, name: str) -> int:
        """The number of the agent's latest version (one small read); ``NotFoundError`` if the
        account has no agent ``name``."""
        ...

    def get_version(self, account_id: str, name: str, version: int) -> AgentVersion:
        """One version (immutable: callers may cache it for good); ``NotFoundError`` if absent."""
        ...

    def credentials(self, secret: str) -> str:
        """The service account key (JSON text) kept in the secret ``secret``; ``NotFoundError``
        if there is no such secret."""
        ...
