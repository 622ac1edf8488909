"""An account's intent agents in DynamoDB: the ``speech_agents`` table's item
(``SpeechAgentItem``: an agent's head at version 0 and its immutable revisions from 1, keyed by
``agent_key`` = ``<account_id>#<name>``, with the sparse ``heads_by_account`` index), the plain
records it is read as (``StoredAgent``, ``AgentContent``, ``StoredAgentRevision``) and
``SpeechAgentRepository``.

Mirrors ``store.flows``: a new version moves the head and puts the revision in one transaction,
so concurrent uploads never write the same version; an upload whose digest is the latest
version's stores nothing (decided against the head the transaction is conditional on, so two
identical uploads racing make one version). A revision holds the export zip (zlib-compressed
when that makes it smaller), the Dialogflow target's fields (the name of the secret holding the
key, never the key), the languages, the digest and when it was made; at most
``MAX_EXPORT_BYTES`` of export are stored (``TooLargeError`` beyond: DynamoDB's item holds 400
KB). A deleted agent loses its head at once and its revisions are retired: readable (calls in
progress) until their ``expires_at`` passes and DynamoDB's TTL removes them; an agent later
stored under the same name numbers its versions after them.

The store does not know the speech product's types: it reads and writes the plain records
here, which ``speech.agents`` maps to its own. Items and pynamodb exceptions never leave this
module; each method's docstring gives its DynamoDB requests. Imports pynamodb, the store's base
helpers, ``chalicelib.errors`` and the standard library; must not import a product package.
Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Literal

from pynamodb.attributes import BinaryAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.errors import TooLargeError
from chalicelib.store.attributes import (
    IntegerAttribute,
    StringListAttribute,
    UtcDateTimeAttribute,
    require_aware,
)
from chalicelib.store.base import (
    Clock,
    condition_failed,
    get_item,
    if_absent,
    lost_races,
    translated,
    utc_now,
)
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import NotFoundError, StaleStateError
from chalicelib.store.registry import StoreItem
from chalicelib.store.versions import (
    HEAD_VERSION,
    highest_retired,
    live_versions,
    read_head,
    retire_revisions,
)

MAX_EXPORT_BYTES = 350_000
"""The most bytes of export one revision stores (after compression): the item, with its other
attributes (well under 4 KB), must fit DynamoDB's 400 KB."""
ZLIB = "zlib"
RAW = "raw"

Engine = Literal["local", "dialogflow"]


@dataclass(frozen=True)
class AgentContent:
    """What makes one version of an agent: the export zip (None: a Dialogflow agent without
    one), the languages, the digest of it all and, for a Dialogflow agent, its ``project``,
    ``environment``, the secret holding its key and that key's ``client_email``."""

    export: bytes | None
    languages: tuple[str, ...]
    digest: str
    project: str | None = None
    environment: str | None = None
    credentials_secret: str | None = None
    client_email: str = ""

    @property
    def engine(self) -> Engine:
        """``dialogflow`` when the content names a Dialogflow project, else ``local``."""
        return "local" if self.project is None else "dialogflow"


@dataclass(frozen=True)
class StoredAgent:
    """An agent's head: its latest version and what that version is."""

    account_id: str
    name: str
    latest_version: int
    engine: Engine
    languages: tuple[str, ...]
    digest: str
    updated: datetime


@dataclass(frozen=True)
class StoredAgentRevision:
    """One immutable version of an agent (``retired``: its agent was deleted)."""

    account_id: str
    name: str
    version: int
    content: AgentContent
    created_at: datetime
    retired: bool = False


def agent_key(account_id: str, name: str) -> str:
    """The hash key of an account's agent."""
    if not account_id or "#" in account_id or not name:
        raise ValueError(f"no agent key for account {account_id!r} and name {name!r}")
    return f"{account_id}#{name}"


class AgentHeadsByAccountIndex(GlobalSecondaryIndex["SpeechAgentItem"]):  # type: ignore[no-untyped-call]
    """An account's agent heads, sorted by name.

    Sparse: only heads carry ``name``, so revisions (which also carry ``account_id``) are not in
    this index.
    """

    class Meta:
        index_name = "heads_by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class SpeechAgentItem(StoreItem):
    """An agent's head (``version`` 0: name, latest version, its engine, languages and digest)
    or one immutable revision (``version`` >= 1: the export and the Dialogflow target) in
    ``speech_agents``."""

    LOGICAL_NAME: ClassVar[str] = "speech_agents"

    class Meta:
        table_name = "speech_agents"

    agent_key = UnicodeAttribute(hash_key=True)
    version = IntegerAttribute(range_key=True)
    account_id = UnicodeAttribute()
    engine = UnicodeAttribute(null=True)
    languages = StringListAttribute(null=True)
    digest = UnicodeAttribute(null=True)
    # head only
    name = UnicodeAttribute(null=True)
    latest_version = IntegerAttribute(null=True)
    updated = UtcDateTimeAttribute(null=True)
    # revision only
    export = BinaryAttribute(null=True, legacy_encoding=False)
    export_encoding = UnicodeAttribute(null=True)
    dialogflow_project = UnicodeAttribute(null=True)
    dialogflow_environment = UnicodeAttribute(null=True)
    credentials_secret = UnicodeAttribute(null=True)
    client_email = UnicodeAttribute(null=True)
    created_at = UtcDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    """Set on the revisions of a deleted agent: when DynamoDB may remove them."""
    heads_by_account = AgentHeadsByAccountIndex()


def packed(export: bytes) -> tuple[bytes, str]:
    """The export as stored: zlib-compressed when that is smaller, else as it is."""
    compressed = zlib.compress(export, 9)
    return (compressed, ZLIB) if len(compressed) < len(export) else (export, RAW)


def unpacked(data: bytes, encoding: str | None) -> bytes:
    """The export a stored value holds."""
    return zlib.decompress(data) if encoding == ZLIB else data


def head_from(item: SpeechAgentItem) -> StoredAgent:
    """The head a version-0 item holds."""
    if item.version != HEAD_VERSION or item.name is None or item.latest_version is None:
        raise ValueError(f"agent item {item.agent_key}/{item.version} is not a head")
    return StoredAgent(
        account_id=item.account_id,
        name=item.name,
        latest_version=item.latest_version,
        engine="dialogflow" if item.engine == "dialogflow" else "local",
        languages=tuple(item.languages or ()),
        digest=item.digest or "",
        updated=item.updated or datetime.min,
    )


def revision_item(revision: StoredAgentRevision) -> SpeechAgentItem:
    """The item of a revision (its export packed)."""
    content = revision.content
    export, encoding = (None, None) if content.export is None else packed(content.export)
    return SpeechAgentItem(
        agent_key(revision.account_id, revision.name),
        revision.version,
        account_id=revision.account_id,
        engine=content.engine,
        languages=list(content.languages),
        digest=content.digest,
        export=export,
        export_encoding=encoding,
        dialogflow_project=content.project,
        dialogflow_environment=content.environment,
        credentials_secret=content.credentials_secret,
        client_email=content.client_email or None,
        created_at=revision.created_at,
    )


def revision_from(item: SpeechAgentItem) -> StoredAgentRevision:
    """The revision an item of version >= 1 holds."""
    if item.version == HEAD_VERSION or item.digest is None or item.created_at is None:
        raise ValueError(f"agent item {item.agent_key}/{item.version} is not a revision")
    content = AgentContent(
        export=None if item.export is None else unpacked(item.export, item.export_encoding),
        languages=tuple(item.languages or ()),
        digest=item.digest,
        project=item.dialogflow_project,
        environment=item.dialogflow_environment,
        credentials_secret=item.credentials_secret,
        client_email=item.client_email or "",
    )
    return StoredAgentRevision(
        account_id=item.account_id,
        name=item.agent_key[len(item.account_id) + 1 :],
        version=item.version,
        content=content,
        created_at=item.created_at,
        retired=item.expires_at is not None,
    )


class SpeechAgentRepository:
    """Agent heads and their immutable revisions."""

    def __init__(self, clock: Clock | None = None, attempts: int = 5) -> None:
        bound_settings()
        self._clock = clock or utc_now
        self._attempts = attempts

    def _read_head(self, key: str) -> SpeechAgentItem | None:
        """The head item as it is now (consistent), or None for a new agent. 1 GetItem."""
        head: SpeechAgentItem | None = read_head(SpeechAgentItem, key)
        return head

    @translated
    def put_revision(
        self,
        account_id: str,
        name: str,
        content: AgentContent,
        created_at: datetime | None = None,
    ) -> tuple[StoredAgentRevision, bool]:
        """Store ``content`` as the agent's next version (latest + 1) and return it with True;
        when the latest version has the same digest, store nothing and return that version with
        False.

        One transaction moves the head (conditional on the latest version read, or creating
        it) and puts the revision (conditional on its key being new), so concurrent uploads
        never write the same version: the loser re-reads the head and takes the next version,
        or finds its content already latest. ``TooLargeError`` if the export takes more than
        ``MAX_EXPORT_BYTES`` stored. A new agent whose name a deleted one had numbers its
        versions after the deleted one's (1 Query more). 1 GetItem + 1 TransactWriteItems
        (again per lost race); 2 GetItems when unchanged.
        """
        if content.export is not None:
            size = len(packed(content.export)[0])
            if size > MAX_EXPORT_BYTES:
                raise TooLargeError(
                    f"the agent export takes {size} bytes stored (compressed); at most "
                    f"{MAX_EXPORT_BYTES} bytes are stored"
                )
        key = agent_key(account_id, name)
        at = require_aware(created_at or self._clock(), "created_at")
        for _ in range(self._attempts):
            head = self._read_head(key)
            if head is not None and head.latest_version and head.digest == content.digest:
                return self.get_revision(account_id, name, head.latest_version), False
            if head is None:
                latest = highest_retired(SpeechAgentItem, key, "agent_key")
            else:
                latest = head.latest_version or 0
            revision = StoredAgentRevision(account_id, name, latest + 1, content, at)
            if self._commit(revision, None if head is None else latest):
                return revision, True
        raise StaleStateError("agent", key, f"lost {self._attempts} races for a new version")

    def _commit(self, revision: StoredAgentRevision, expected_latest: int | None) -> bool:
        """Write head and revision in one transaction; False if another writer came first."""
        content = revision.content
        if expected_latest is None:
            condition = if_absent(SpeechAgentItem)
        else:
            condition = SpeechAgentItem.latest_version == expected_latest
        actions: list[Action] = [
            SpeechAgentItem.account_id.set(revision.account_id),
            SpeechAgentItem.name.set(revision.name),
            SpeechAgentItem.latest_version.set(revision.version),
            SpeechAgentItem.engine.set(content.engine),
            SpeechAgentItem.languages.set(list(content.languages)),
            SpeechAgentItem.digest.set(content.digest),
            SpeechAgentItem.updated.set(revision.created_at),
        ]
        head = SpeechAgentItem(agent_key(revision.account_id, revision.name), HEAD_VERSION)
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(head, actions, condition)
                transaction.save(revision_item(revision), condition=if_absent(SpeechAgentItem))
        except TransactWriteError as error:
            lost_races(error)  # re-raises anything but a lost condition or a conflict
            return False
        return True

    @translated
    def get_head(self, account_id: str, name: str, consistent: bool = False) -> StoredAgent:
        """The agent's head; ``NotFoundError`` if the account has no agent ``name``. 1
        GetItem."""
        key = agent_key(account_id, name)
        item: SpeechAgentItem = get_item(
            SpeechAgentItem, "agent", key, HEAD_VERSION, consistent=consistent
        )
        return head_from(item)

    @translated
    def get_revision(self, account_id: str, name: str, version: int) -> StoredAgentRevision:
        """One revision, retired or not (immutable, so an eventually consistent read is exact
        once it is there); ``NotFoundError`` if absent. 1 GetItem."""
        if version <= HEAD_VERSION:
            raise NotFoundError("agent revision", f"{account_id}#{name}/{version}")
        key = agent_key(account_id, name)
        item: SpeechAgentItem = get_item(SpeechAgentItem, "agent revision", key, version)
        return revision_from(item)

    @translated
    def list_versions(
        self, account_id: str, name: str, limit: int = 100
    ) -> list[tuple[int, datetime]]:
        """The agent's live versions and when each was made, newest first, at most ``limit``
        (exports are not read). 1 Query per MB."""
        return live_versions(SpeechAgentItem, agent_key(account_id, name), "agent_key", limit)

    @translated
    def delete(self, account_id: str, name: str, keep_seconds: int) -> int:
        """Delete the account's agent: retire each revision (readable ``keep_seconds`` more,
        for calls in progress, then removed by the TTL), then remove the head, so the agent no
        longer lists. Returns how many revisions were retired; ``NotFoundError`` if the account
        has no such agent. Retried after a failure, it finishes the work. 1 GetItem, 1 Query
        per MB of revision keys, 1 UpdateItem per revision, 1 DeleteItem."""
        if keep_seconds <= 0:
            raise ValueError(f"revisions must stay a while, got keep_seconds={keep_seconds}")
        key = agent_key(account_id, name)
        head = get_item(SpeechAgentItem, "agent", key, HEAD_VERSION, consistent=True)
        until = require_aware(self._clock(), "clock()") + timedelta(seconds=keep_seconds)
        retired = retire_revisions(SpeechAgentItem, key, "agent_key", until)
        try:
            head.delete(condition=SpeechAgentItem.agent_key.exists())
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            raise NotFoundError("agent", key) from error
        return retired

    @translated
    def list_heads(self, account_id: str) -> list[StoredAgent]:
        """An account's agents by name. 1 Query (index ``heads_by_account``) per MB of
        heads."""
        return [head_from(item) for item in SpeechAgentItem.heads_by_account.query(account_id)]
