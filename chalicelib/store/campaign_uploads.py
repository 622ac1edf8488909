"""Call-list uploads in DynamoDB: the ``campaign_uploads`` table, one item per uploaded or
e-mailed call list (its flow, file name, state, the campaign it made, its counts and the first
rejected rows), with ``UploadRepository``. The file itself is in the uploads bucket.

An upload moves ``receiving`` (parts arriving) -> ``loading`` (queued to be read) -> ``loaded``
(a campaign made) or ``refused`` (the file could not be used: ``error`` says why); each move is
conditional on the state it leaves, so a repeated request cannot load a file twice. The items
expire after ``KEEP_DAYS``. Items and pynamodb exceptions never leave this module; each method's
docstring gives its DynamoDB requests. Imports pynamodb, the store's base helpers and the
standard library. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException

from chalicelib.store.attributes import UtcDateTimeAttribute, require_aware
from chalicelib.store.base import condition_failed, get_item, save_if_absent, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem

KEEP_DAYS = 30
MAX_KEPT_REJECTIONS = 500
"""Rejected rows an upload keeps (the first ones; the count is always whole)."""


@dataclass(frozen=True)
class Upload:
    """One call list on its way to a campaign."""

    upload_id: str
    account_id: str
    flow_id: str
    filename: str
    trigger: str
    created_at: datetime
    state: str = "receiving"
    size: int = 0
    parts: int = 0
    campaign_id: str = ""
    rows: int = 0
    rejected_count: int = 0
    rejected: tuple[tuple[int, str], ...] = ()
    error: str = ""
    error_code: str = ""
    encoding: str = ""
    separator: str = ""
    sender: str = ""
    mail: str = ""
    """For an e-mailed list, how to answer it (JSON: the reply address, subject, message id)."""


class UploadItem(StoreItem):
    """One upload (``campaign_uploads``)."""

    LOGICAL_NAME: ClassVar[str] = "campaign_uploads"

    class Meta:
        table_name = "campaign_uploads"

    upload_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute()
    flow_id = UnicodeAttribute()
    filename = UnicodeAttribute()
    trigger = UnicodeAttribute()
    created_at = UtcDateTimeAttribute()
    state = UnicodeAttribute()
    size = NumberAttribute(default=0)
    parts = NumberAttribute(default=0)
    campaign_id = UnicodeAttribute(null=True)
    rows = NumberAttribute(default=0)
    rejected_count = NumberAttribute(default=0)
    rejected = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    error_code = UnicodeAttribute(null=True)
    encoding = UnicodeAttribute(null=True)
    separator = UnicodeAttribute(null=True)
    sender = UnicodeAttribute(null=True)
    mail = UnicodeAttribute(null=True)
    expires = TTLAttribute(null=True)


def _upload(item: UploadItem) -> Upload:
    rejected = tuple((int(r), str(t)) for r, t in json.loads(item.rejected or "[]"))
    return Upload(
        upload_id=item.upload_id,
        account_id=item.account_id,
        flow_id=item.flow_id,
        filename=item.filename,
        trigger=item.trigger,
        created_at=item.created_at,
        state=item.state,
        size=int(item.size or 0),
        parts=int(item.parts or 0),
        campaign_id=item.campaign_id or "",
        rows=int(item.rows or 0),
        rejected_count=int(item.rejected_count or 0),
        rejected=rejected,
        error=item.error or "",
        error_code=item.error_code or "",
        encoding=item.encoding or "",
        separator=item.separator or "",
        sender=item.sender or "",
        mail=item.mail or "",
    )


class UploadRepository:
    """Call-list uploads."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, upload: Upload) -> Upload:
        """Store a new upload (``AlreadyExistsError`` if its id is taken). 1 PutItem."""
        created = require_aware(upload.created_at, "created_at")
        item = UploadItem(
            upload.upload_id,
            account_id=upload.account_id,
            flow_id=upload.flow_id,
            filename=upload.filename,
            trigger=upload.trigger,
            created_at=created,
            state=upload.state,
            sender=upload.sender or None,
            mail=upload.mail or None,
            expires=created + timedelta(days=KEEP_DAYS),
        )
        save_if_absent(item, "upload", upload.upload_id)
        return upload

    @translated
    def get(self, upload_id: str) -> Upload:
        """One upload (``NotFoundError``). 1 consistent GetItem."""
        return _upload(get_item(UploadItem, "upload", upload_id, consistent=True))

    @translated
    def add_part(self, upload_id: str, number: int, size: int) -> Upload:
        """Count a part received (parts come in order: part ``number`` only after the ones
        before it), while the upload is ``receiving``; ``StaleStateError`` otherwise.
        1 conditional UpdateItem."""
        item = UploadItem(upload_id)
        try:
            item.update(
                actions=[UploadItem.parts.set(number + 1), UploadItem.size.add(size)],
                condition=(UploadItem.state == "receiving") & (UploadItem.parts == number),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError("upload", upload_id, "is not waiting for that part") from None
            raise
        return _upload(item)

    @translated
    def move(self, upload_id: str, from_state: str, to_state: str, **values: Any) -> Upload:
        """Move an upload on from ``from_state`` (``StaleStateError`` when it is elsewhere),
        setting ``values`` (counts, the campaign, the rejected rows, the error).
        1 conditional UpdateItem."""
        actions: list[Any] = [UploadItem.state.set(to_state)]
        for name, value in values.items():
            if name == "rejected":
                kept = list(value)[:MAX_KEPT_REJECTIONS]
                actions.append(UploadItem.rejected.set(json.dumps(kept)))
            else:
                actions.append(getattr(UploadItem, name).set(value))
        item = UploadItem(upload_id)
        try:
            item.update(actions=actions, condition=UploadItem.state == from_state)
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError("upload", upload_id, f"is not {from_state}") from None
            raise
        return _upload(item)
