"""Flows in DynamoDB: the ``flows`` table's item (``FlowItem``: a flow's head at version 0 and
its immutable revisions from 1, with the ``heads_by_account`` index), its mapping to and from
``flows.records.FlowHead`` and ``FlowRevision``, and ``FlowRepository``.

A new version moves the head and puts the revision in one transaction, so concurrent loaders
never write the same version. A deleted flow loses its head at once and its revisions are
retired: they stay readable (calls in progress read the version they started with) until their
``expires_at`` passes and DynamoDB's TTL removes them; a flow later loaded under the same id
numbers its versions after them, so no version is ever written twice. Items and pynamodb
exceptions never leave this module; each method's docstring gives its DynamoDB requests. Imports
no other aggregate module of the store. Part of ``store``, the only package that may import
pynamodb.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar

from pynamodb.attributes import BooleanAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.flows.records import FlowHead, FlowRevision
from chalicelib.store.attributes import IntegerAttribute, UtcDateTimeAttribute, require_aware
from chalicelib.store.base import (
    Clock,
    condition_failed,
    get_item,
    if_absent,
    lost_races,
    translated,
    update_item,
    utc_now,
)
from chalicelib.store.binding import bound_settings, shared_connection
from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StaleStateError
from chalicelib.store.registry import StoreItem
from chalicelib.store.versions import (
    HEAD_VERSION,
    highest_retired,
    live_versions,
    read_head,
    retire_revisions,
)

MAX_DOCUMENT_BYTES = 350_000
"""A flow document must fit in one item (400 KB with its other attributes)."""


class FlowHeadsByAccountIndex(GlobalSecondaryIndex["FlowItem"]):  # type: ignore[no-untyped-call]
    """An account's flow heads, sorted by name.

    Sparse: only heads carry ``name``, so revisions (which also carry ``account_id``) are not in
    this index.
    """

    class Meta:
        index_name = "heads_by_account"
        projection = AllProjection()

    account_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class FlowItem(StoreItem):
    """A flow's head (``version`` 0: name, owner, latest version, enabled) or one immutable
    revision (``version`` >= 1: the JSON document) in ``flows``."""

    LOGICAL_NAME: ClassVar[str] = "flows"

    class Meta:
        table_name = "flows"

    flow_id = UnicodeAttribute(hash_key=True)
    version = IntegerAttribute(range_key=True)
    account_id = UnicodeAttribute()
    # head only
    name = UnicodeAttribute(null=True)
    latest_version = IntegerAttribute(null=True)
    enabled = BooleanAttribute(null=True)
    generation = IntegerAttribute(null=True)
    # revision only
    document = UnicodeAttribute(null=True)
    created_at = UtcDateTimeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    """Set on the revisions of a deleted flow: when DynamoDB may remove them."""
    heads_by_account = FlowHeadsByAccountIndex()


def flow_head_from(item: FlowItem) -> FlowHead:
    """The head a version-0 item holds."""
    if item.version != HEAD_VERSION or item.name is None or item.latest_version is None:
        raise ValueError(f"flow item {item.flow_id}/{item.version} is not a head")
    return FlowHead(
        flow_id=item.flow_id,
        account_id=item.account_id,
        name=item.name,
        latest_version=item.latest_version,
        enabled=bool(item.enabled),
        generation=item.generation or 0,
    )


def flow_revision_item(revision: FlowRevision) -> FlowItem:
    """The item of a revision."""
    return FlowItem(
        revision.flow_id,
        revision.version,
        account_id=revision.account_id,
        document=revision.document,
        created_at=revision.created_at,
    )


def flow_revision_from(item: FlowItem) -> FlowRevision:
    """The revision an item of version >= 1 holds."""
    if item.version == HEAD_VERSION or item.document is None or item.created_at is None:
        raise ValueError(f"flow item {item.flow_id}/{item.version} is not a revision")
    return FlowRevision(
        flow_id=item.flow_id,
        version=item.version,
        account_id=item.account_id,
        document=item.document,
        created_at=item.created_at,
        retired=item.expires_at is not None,
    )


class FlowRepository:
    """Flow heads and their immutable revisions."""

    def __init__(self, clock: Clock | None = None, attempts: int = 5) -> None:
        bound_settings()
        self._clock = clock or utc_now
        self._attempts = attempts

    def _read_head(self, flow_id: str) -> FlowItem | None:
        """The head item as it is now (consistent), or None for a new flow. 1 GetItem."""
        head: FlowItem | None = read_head(FlowItem, flow_id)
        return head

    @translated
    def add_revision(
        self,
        flow_id: str,
        account_id: str,
        name: str,
        document: str,
        created_at: datetime | None = None,
    ) -> FlowRevision:
        """Store ``document`` as the flow's next version (latest + 1) and return it.

        One transaction moves the head's ``latest_version`` (conditional on the value read, or
        creating the head with ``enabled`` False) and puts the revision (conditional on its key
        being new), so concurrent loaders never write the same version: the loser re-reads and
        takes the next one. The head's name becomes ``name``. ``AlreadyExistsError`` if the flow
        id belongs to another account. A new flow whose id a deleted one had numbers its
        versions after the deleted one's (1 Query more). 1 GetItem + 1 TransactWriteItems
        (again per lost race).
        """
        if not name:
            raise ValueError("a flow needs a non-empty name")
        if len(document.encode()) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"flow document exceeds {MAX_DOCUMENT_BYTES} bytes")
        at = require_aware(created_at or self._clock(), "created_at")
        for _ in range(self._attempts):
            head = self._read_head(flow_id)
            if head is not None and head.account_id != account_id:
                raise AlreadyExistsError("flow", flow_id, "belongs to another account")
            if head is None:
                latest = highest_retired(FlowItem, flow_id, "flow_id")
            else:
                latest = head.latest_version or 0
            revision = FlowRevision(flow_id, latest + 1, account_id, document, at)
            if self._commit(revision, name, None if head is None else latest):
                return revision
        raise StaleStateError("flow", flow_id, f"lost {self._attempts} races for a new version")

    def _commit(self, revision: FlowRevision, name: str, expected_latest: int | None) -> bool:
        """Write head and revision in one transaction; False if another writer came first."""
        if expected_latest is None:
            condition = if_absent(FlowItem)
            actions: list[Action] = [
                FlowItem.account_id.set(revision.account_id),
                FlowItem.enabled.set(False),
            ]
        else:
            condition = (FlowItem.latest_version == expected_latest) & (
                FlowItem.account_id == revision.account_id
            )
            actions = []
        actions += [
            FlowItem.name.set(name),
            FlowItem.latest_version.set(revision.version),
            FlowItem.generation.add(1),
        ]
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.update(FlowItem(revision.flow_id, HEAD_VERSION), actions, condition)
                transaction.save(flow_revision_item(revision), condition=if_absent(FlowItem))
        except TransactWriteError as error:
            lost_races(error)  # re-raises anything but a lost condition or a conflict
            return False
        return True

    @translated
    def get_head(self, flow_id: str, consistent: bool = False) -> FlowHead:
        """The flow's head; ``NotFoundError`` if absent. 1 GetItem."""
        item: FlowItem = get_item(FlowItem, "flow", flow_id, HEAD_VERSION, consistent=consistent)
        return flow_head_from(item)

    @translated
    def get_revision(self, flow_id: str, version: int) -> FlowRevision:
        """One revision (immutable, so an eventually consistent read is exact once it is
        there); ``NotFoundError`` if absent. 1 GetItem."""
        if version <= HEAD_VERSION:
            raise ValueError(f"flow versions start at 1, got {version}")
        item: FlowItem = get_item(FlowItem, "flow revision", flow_id, version)
        return flow_revision_from(item)

    @translated
    def set_enabled(self, flow_id: str, enabled: bool) -> FlowHead:
        """Switch the flow's listener on or off; returns the head as it now is. 1 UpdateItem."""
        item = FlowItem(flow_id, HEAD_VERSION)
        actions: list[Action] = [FlowItem.enabled.set(enabled), FlowItem.generation.add(1)]
        update_item(item, FlowItem.flow_id.exists(), "flow", flow_id, actions)
        return flow_head_from(item)

    @translated
    def list_versions(self, flow_id: str, limit: int = 100) -> list[tuple[int, datetime]]:
        """The flow's versions and when each was loaded, newest first, at most ``limit``
        (documents are not read). 1 Query per MB."""
        return live_versions(FlowItem, flow_id, "flow_id", limit)

    @translated
    def delete(self, flow_id: str, account_id: str, keep_seconds: int) -> int:
        """Delete the account's flow: retire each revision (readable ``keep_seconds`` more, for
        calls in progress, then removed by the TTL), then remove the head, conditional on its
        owner, so the flow no longer lists. Returns how many revisions were retired;
        ``NotFoundError`` if the account has no such flow. Retried after a failure, it finishes
        the work. 1 Query per MB of revision keys, 1 UpdateItem per revision, 1 DeleteItem."""
        if keep_seconds <= 0:
            raise ValueError(f"revisions must stay a while, got keep_seconds={keep_seconds}")
        head = get_item(FlowItem, "flow", flow_id, HEAD_VERSION, consistent=True)
        if head.account_id != account_id:
            raise NotFoundError("flow", flow_id)
        until = require_aware(self._clock(), "clock()") + timedelta(seconds=keep_seconds)
        owned = FlowItem.account_id == account_id
        retired = retire_revisions(FlowItem, flow_id, "flow_id", until, owned)
        try:
            head.delete(condition=FlowItem.account_id == account_id)
        except PynamoDBException as error:
            if not condition_failed(error):
                raise
            raise NotFoundError("flow", flow_id) from error
        return retired

    @translated
    def list_heads(self, account_id: str) -> list[FlowHead]:
        """An account's flows by name. 1 Query (index ``heads_by_account``) per MB of heads."""
        return [flow_head_from(item) for item in FlowItem.heads_by_account.query(account_id)]
