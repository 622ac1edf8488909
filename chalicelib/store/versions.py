"""What the store's versioned documents share (a flow, a speech agent): a head item at version 0
and immutable revisions from 1 under one hash key, with ``created_at`` and, once retired, an
``expires_at`` for DynamoDB's TTL. Reading the head, the highest version a deleted document
left, the live versions, and retiring the revisions. Each function's docstring gives its
DynamoDB requests. Imports pynamodb and the store's attributes only; part of ``store``, the only
package that may import pynamodb.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist

HEAD_VERSION = 0
"""The sort key of a document's head item; revisions are numbered from 1."""


def read_head(model: Any, key: str) -> Any | None:
    """The head item as it is now (consistent), or None for a new document. 1 GetItem."""
    try:
        return model.get(key, HEAD_VERSION, consistent_read=True)
    except DoesNotExist:
        return None


def highest_retired(model: Any, key: str, key_attribute: str) -> int:
    """The highest version a deleted document of this key left (0: none). 1 Query."""
    items = model.query(
        key,
        range_key_condition=model.version > HEAD_VERSION,
        scan_index_forward=False,
        limit=1,
        consistent_read=True,
        attributes_to_get=[key_attribute, "version"],
    )
    return max((item.version for item in items), default=0)


def live_versions(
    model: Any, key: str, key_attribute: str, limit: int
) -> list[tuple[int, datetime]]:
    """The document's versions not retired and when each was made, newest first, at most
    ``limit`` (their documents are not read). 1 Query per MB."""
    items = model.query(
        key,
        range_key_condition=model.version > HEAD_VERSION,
        scan_index_forward=False,
        limit=limit,
        attributes_to_get=[key_attribute, "version", "created_at", "expires_at"],
    )
    return [
        (item.version, item.created_at)
        for item in items
        if item.created_at is not None and item.expires_at is None
    ]


def retire_revisions(
    model: Any, key: str, key_attribute: str, until: datetime, condition: Any = None
) -> int:
    """Give each revision not yet retired (and matching ``condition``) its ``expires_at``:
    readable until then (calls in progress), then removed by the TTL. Returns how many. 1 Query
    per MB of revision keys, 1 UpdateItem per revision."""
    pending = model.expires_at.does_not_exist()
    items = model.query(
        key,
        range_key_condition=model.version > HEAD_VERSION,
        filter_condition=pending if condition is None else condition & pending,
        attributes_to_get=[key_attribute, "version"],
    )
    retired = 0
    for item in items:
        item.update(actions=[model.expires_at.set(until)])
        retired += 1
    return retired
