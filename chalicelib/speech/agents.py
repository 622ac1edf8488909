"""An account's intent agents, versioned like flows: ``AgentLibrary`` validates and stores them
(``put``, ``rollback``, ``delete``), lists and shows them, and is the ``records.AgentSource``
the speech service reads agents through during calls (``latest_version``, ``get_version``,
``credentials``).

An agent is a Dialogflow ES export (a zip, read and checked by ``speech.agent.read_zip``: a
broken one is refused with every problem and its file, and nothing is stored), a Dialogflow
target (``DialogflowSpec``: project, optional environment, the service account key as JSON
text), or both. The key is kept in the ``SecretStore`` under
``ringflow/<stage>/dialogflow/<account_id>/<name>`` (one secret per agent, shared by its
versions: an upload bringing another key replaces it), never in the store and never returned;
a version records the secret's name and the key's ``client_email``. An upload whose content
(export, target, languages) is the latest version's stores nothing and says so.

Imports the speech records, the agent reader, ``speech.dialogflow``'s key check (no Google
module: those are imported only when an engine detects), the secrets port, the plain records of
``store.speech_agents`` (whose repository, or a fake, is given), the platform's errors and the
standard library; must not import pynamodb, web or the wiring.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from chalicelib.errors import NotFoundError, TooLargeError, ValidationError
from chalicelib.speech.dialogflow import NAME, service_account_key
from chalicelib.speech.port import AgentError
from chalicelib.speech.records import AgentVersion, DialogflowTarget, Engine
from chalicelib.speech.secrets import SecretStore
from chalicelib.store.speech_agents import AgentContent, StoredAgent, StoredAgentRevision

if TYPE_CHECKING:
    from chalicelib.speech.agent import Agent

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
"""An agent's name, as it appears in URLs and in the secret's name."""
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[a-z0-9]{2,8}){0,2}$"
"""A language code as Dialogflow writes it (``en``, ``es``, ``pt-br``), lower-cased."""
MAX_EXPORT_BYTES = 350_000
"""The largest export zip stored (a version is one DynamoDB item: 400 KB)."""
MAX_CREDENTIALS_CHARS = 16_384
"""The longest service account key taken (Google's are about 2,400 characters)."""
MAX_LANGUAGES = 30
DELETED_REVISION_SECONDS = 2 * 24 * 3600
"""How long a deleted agent's versions stay readable for the calls still using them."""
SECRET_PREFIX = "ringflow/{stage}/dialogflow/"

_NAME = re.compile(NAME_PATTERN)
_LANGUAGE = re.compile(LANGUAGE_PATTERN)


@dataclass(frozen=True)
class DialogflowSpec:
    """A Dialogflow ES agent as an upload names it: its Google Cloud ``project``, optionally
    one of its ``environment``\\ s, and the service account key (``credentials``, JSON text)."""

    project: str
    credentials: str
    environment: str | None = None

    def __repr__(self) -> str:  # the key never reaches a log through a repr
        return f"DialogflowSpec(project={self.project!r}, environment={self.environment!r})"


@dataclass(frozen=True)
class AgentHead:
    """An agent as the account's list shows it: its latest version and what that version is."""

    account_id: str
    name: str
    latest_version: int
    engine: Engine
    languages: tuple[str, ...]
    updated: datetime


@dataclass(frozen=True)
class Outline:
    """What an export holds, for display: its intents' and entities' names, sorted."""

    intents: tuple[str, ...]
    entities: tuple[str, ...]


class AgentRepository(Protocol):
    """Where agents are stored (``store.speech_agents.SpeechAgentRepository``)."""

    def put_revision(
        self, account_id: str, name: str, content: AgentContent, created_at: datetime | None = None
    ) -> tuple[StoredAgentRevision, bool]: ...

    def get_head(self, account_id: str, name: str, consistent: bool = False) -> StoredAgent: ...

    def get_revision(self, account_id: str, name: str, version: int) -> StoredAgentRevision: ...

    def list_versions(
        self, account_id: str, name: str, limit: int = 100
    ) -> list[tuple[int, datetime]]: ...

    def delete(self, account_id: str, name: str, keep_seconds: int) -> int: ...

    def list_heads(self, account_id: str) -> list[StoredAgent]: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def check_name(name: str) -> str:
    """``name`` if it is an agent's name; ``ValidationError`` otherwise."""
    if not _NAME.fullmatch(name):
        raise ValidationError(
            f"agent name {name[:80]!r} is not 1 to 64 of a-z 0-9 _ - (starting with a letter or "
            "digit)"
        )
    return name


def check_export_size(size: int) -> None:
    """``TooLargeError`` naming the limit if an export of ``size`` bytes cannot be stored."""
    if size > MAX_EXPORT_BYTES:
        raise TooLargeError(
            f"the agent export is {size} bytes; at most {MAX_EXPORT_BYTES} bytes are stored"
        )


def read_zip(export: bytes) -> Agent:
    """The export read and checked (``speech.agent.read_zip``, imported on first use: a cold
    start that lists no agent does not pay for it)."""
    from chalicelib.speech import agent

    return agent.read_zip(export)


def outline(export: bytes) -> Outline:
    """The intents and entities of an export (one already stored: valid)."""
    agent = read_zip(export)
    return Outline(
        intents=tuple(sorted(intent.name for intent in agent.intents)),
        entities=tuple(sorted(agent.entities)),
    )


def digest_of(
    export: bytes | None, target: DialogflowTarget | None, languages: Sequence[str]
) -> str:
    """The SHA-256 of what makes a version: the export's bytes, the Dialogflow target (not the
    key itself, which is the agent's secret) and the languages."""
    parts = {
        "export": None if export is None else hashlib.sha256(export).hexdigest(),
        "dialogflow": None
        if target is None
        else [target.project, target.environment, target.credentials_secret, target.client_email],
        "languages": list(languages),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class AgentLibrary:
    """An account's intent agents and their versions (an ``AgentSource``)."""

    def __init__(
        self,
        repository: AgentRepository,
        secrets: SecretStore,
        stage: str,
        clock: Callable[[], datetime] = _utc_now,
        keep_seconds: int = DELETED_REVISION_SECONDS,
    ) -> None:
        self._repository = repository
        self._secrets = secrets
        self._prefix = SECRET_PREFIX.format(stage=stage)
        self._clock = clock
        self._keep_seconds = keep_seconds

    def secret_name(self, account_id: str, name: str) -> str:
        """The secret that holds the Dialogflow key of the account's agent ``name``."""
        return f"{self._prefix}{account_id}/{name}"

    # -- writing ----------------------------------------------------------------------
    def put(
        self,
        account_id: str,
        name: str,
        export: bytes | None,
        dialogflow: DialogflowSpec | None,
        languages: Sequence[str] | None = None,
    ) -> tuple[AgentVersion, bool]:
        """Validate an upload and store it as the agent's next version; returns it and True,
        or the latest version and False when that one has the same content (nothing stored).

        ``ValidationError`` for a bad name; ``TooLargeError`` for an export over
        ``MAX_EXPORT_BYTES`` (not read); ``AgentError`` listing every problem (the export's
        with their files, the Dialogflow spec's, the languages'). ``languages`` are required
        for a Dialogflow agent without an export; with an export they choose among its
        languages (default: all of them, its default first). A Dialogflow key different from
        the one kept is stored before the version (it is the agent's, for all its versions).
        """
        check_name(name)
        if export is None and dialogflow is None:
            raise AgentError(
                "an agent needs an export, a Dialogflow agent, or both",
                ["export: missing", "dialogflow: missing"],
            )
        problems: list[str] = []
        parsed: Agent | None = None
        if export is not None:
            check_export_size(len(export))
            try:
                parsed = read_zip(export)
            except AgentError as error:
                problems += [f"export: {problem}" for problem in error.problems or [str(error)]]
        key: dict[str, object] = {}
        if dialogflow is not None:
            key = self._check_dialogflow(dialogflow, problems)
        chosen = self._languages(parsed, export is not None, languages, problems)
        if problems:
            raise AgentError(f"agent {name!r} cannot be used", problems)
        target: DialogflowTarget | None = None
        if dialogflow is not None:
            target = DialogflowTarget(
                project=dialogflow.project,
                environment=dialogflow.environment,
                credentials_secret=self.secret_name(account_id, name),
                client_email=str(key.get("client_email", "")),
            )
            self._keep_key(target.credentials_secret, dialogflow.credentials)
        return self._store(account_id, name, export, target, chosen)

    def _check_dialogflow(self, spec: DialogflowSpec, problems: list[str]) -> dict[str, object]:
        if not NAME.fullmatch(spec.project):
            problems.append("dialogflow.project: a Dialogflow project id (letters, digits, - _ .)")
        if spec.environment is not None and not NAME.fullmatch(spec.environment):
            problems.append("dialogflow.environment: an environment id (letters, digits, - _ .)")
        if len(spec.credentials) > MAX_CREDENTIALS_CHARS:
            problems.append(
                f"dialogflow.credentials: over {MAX_CREDENTIALS_CHARS} characters (a service "
                "account key is expected)"
            )
            return {}
        found: list[str] = []
        key = service_account_key(spec.credentials, found)
        problems += [f"dialogflow.{problem}" for problem in found]
        return key

    def _languages(
        self,
        agent: Agent | None,
        has_export: bool,
        given: Sequence[str] | None,
        problems: list[str],
    ) -> tuple[str, ...]:
        """The version's languages: the export's, or those ``given`` (among the export's)."""
        if given is None:
            if agent is None and not has_export:
                problems.append("languages: a Dialogflow agent without an export must list them")
            return () if agent is None else agent.languages
        if not given or len(given) > MAX_LANGUAGES:
            problems.append(f"languages: 1 to {MAX_LANGUAGES} language codes")
            return ()
        chosen: list[str] = []
        for index, code in enumerate(given):
            lowered = code.lower() if isinstance(code, str) else ""
            if not _LANGUAGE.fullmatch(lowered):
                problems.append(f"languages[{index}]: not a language code such as en or pt-br")
            elif agent is not None and lowered not in agent.languages:
                problems.append(
                    f"languages[{index}]: {lowered} is not a language of the export "
                    f"({', '.join(agent.languages)})"
                )
            elif lowered not in chosen:
                chosen.append(lowered)
        return tuple(chosen)

    def _keep_key(self, secret: str, credentials: str) -> None:
        """Store the key in its secret unless it holds that key already."""
        try:
            if self._secrets.get(secret) == credentials:
                return
        except NotFoundError:
            pass
        self._secrets.put(secret, credentials)

    def _store(
        self,
        account_id: str,
        name: str,
        export: bytes | None,
        target: DialogflowTarget | None,
        languages: Sequence[str],
    ) -> tuple[AgentVersion, bool]:
        content = AgentContent(
            export=export,
            languages=tuple(languages),
            digest=digest_of(export, target, languages),
            project=None if target is None else target.project,
            environment=None if target is None else target.environment,
            credentials_secret=None if target is None else target.credentials_secret,
            client_email="" if target is None else target.client_email,
        )
        stored, changed = self._repository.put_revision(account_id, name, content, self._clock())
        return version_of(stored), changed

    def rollback(self, account_id: str, name: str, version: int) -> tuple[AgentVersion, bool]:
        """Make ``version`` of the agent live again: its content is stored as the next version
        (history stays append-only), or nothing is stored when the latest has that content
        (a retried rollback changes nothing); returns the latest version and whether it is
        new. ``NotFoundError`` for a version the agent does not have. A Dialogflow version uses
        the agent's key as it is now."""
        old = self.live(account_id, name, version)
        return self._store(account_id, name, old.export, old.dialogflow, old.languages)

    def delete(self, account_id: str, name: str) -> int:
        """Delete the account's agent: it no longer lists; its versions stay readable
        ``keep_seconds`` for the calls using them, then go. Returns how many versions were
        retired; ``NotFoundError`` if there is no such agent. The key's secret is kept (an
        agent stored again under the name takes it over)."""
        self._known_name(name)
        try:
            return self._repository.delete(account_id, name, self._keep_seconds)
        except NotFoundError:
            raise NotFoundError(f"no agent {name!r}") from None

    # -- reading ----------------------------------------------------------------------
    def latest_version(self, account_id: str, name: str) -> int:
        """The number of the agent's latest version (1 GetItem); ``NotFoundError`` if the
        account has no agent ``name``."""
        self._known_name(name)
        try:
            return self._repository.get_head(account_id, name).latest_version
        except NotFoundError:
            raise NotFoundError(f"no agent {name!r}") from None

    def get_version(self, account_id: str, name: str, version: int) -> AgentVersion:
        """One version, also one of a deleted agent still kept for the calls using it
        (immutable: callers may cache it for good); ``NotFoundError`` if absent."""
        self._known_name(name)
        try:
            return version_of(self._repository.get_revision(account_id, name, version))
        except NotFoundError:
            raise NotFoundError(f"agent {name!r} has no version {version}") from None

    def live(self, account_id: str, name: str, version: int | None = None) -> AgentVersion:
        """A version as the account sees it: the latest, or ``version`` (``NotFoundError``
        beyond the latest, or for a version a deleted agent of the same name left)."""
        latest = self._head(account_id, name).latest_version
        wanted = latest if version is None else version
        if not 1 <= wanted <= latest:
            raise NotFoundError(f"agent {name!r} has versions 1 to {latest}, not {wanted}")
        try:
            stored = self._repository.get_revision(account_id, name, wanted)
        except NotFoundError:
            stored = None
        if stored is None or stored.retired:
            raise NotFoundError(f"agent {name!r} has no version {wanted}")
        return version_of(stored)

    def latest(self, account_id: str, name: str) -> AgentVersion:
        """The agent's latest version; ``NotFoundError`` if there is no such agent."""
        return self.live(account_id, name)

    def list(self, account_id: str) -> list[AgentHead]:
        """The account's agents, by name."""
        return [head_of(head) for head in self._repository.list_heads(account_id)]

    def versions(self, account_id: str, name: str) -> builtins.list[tuple[int, datetime]]:
        """The agent's versions and when each was stored, newest first; ``NotFoundError`` if
        there is no such agent."""
        self._head(account_id, name)
        return self._repository.list_versions(account_id, name)

    def credentials(self, secret: str) -> str:
        """The service account key kept in ``secret`` (one of this library's secrets only);
        ``NotFoundError`` otherwise."""
        if not secret.startswith(self._prefix):
            raise NotFoundError("no such Dialogflow key")
        try:
            return self._secrets.get(secret)
        except NotFoundError:
            raise NotFoundError("no such Dialogflow key") from None

    def _head(self, account_id: str, name: str) -> StoredAgent:
        self._known_name(name)
        try:
            return self._repository.get_head(account_id, name, consistent=True)
        except NotFoundError:
            raise NotFoundError(f"no agent {name!r}") from None

    @staticmethod
    def _known_name(name: str) -> None:
        if not _NAME.fullmatch(name):
            raise NotFoundError(f"no agent {name[:80]!r}")


def version_of(stored: StoredAgentRevision) -> AgentVersion:
    """The speech record of a stored revision."""
    content = stored.content
    target = None
    if content.project is not None:
        target = DialogflowTarget(
            project=content.project,
            environment=content.environment,
            credentials_secret=content.credentials_secret or "",
            client_email=content.client_email,
        )
    return AgentVersion(
        account_id=stored.account_id,
        name=stored.name,
        version=stored.version,
        export=content.export,
        dialogflow=target,
        languages=content.languages,
        digest=content.digest,
        created_at=stored.created_at,
    )


def head_of(stored: StoredAgent) -> AgentHead:
    """The list entry of a stored head."""
    return AgentHead(
        account_id=stored.account_id,
        name=stored.name,
        latest_version=stored.latest_version,
        engine=stored.engine,
        languages=stored.languages,
        updated=stored.updated,
    )
