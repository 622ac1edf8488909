"""Call lists into campaigns: the upload (REST and the upload page), the e-mailed attachment,
and the loading of a list's rows as contacts, in chunks through the task queue.

An upload is started for an outbound flow whose listener is active, with the file's name
(``.csv`` or ``.zip``); its bytes come in parts of at most ``MAX_PART_BYTES``, in order (the
page shows its progress part by part; API Gateway and Lambda take bodies of a few megabytes
only), kept in the uploads bucket, at most ``MAX_UPLOAD_BYTES`` in all. ``load`` queues
the reading: a task reads the file (``campaigns.calllist``), refuses it whole with its reason or
makes the campaign, and hands its good rows on in chunks of ``CHUNK_ROWS``, each stored by its
own task (a BatchWriteItem of new contacts keyed by row, counted on the campaign once however
often the chunk is delivered) and followed by the campaign's dispatch. The upload keeps its
state, the counts and the first rejected rows with their reasons; an e-mailed list is answered
with them (``describe``). Imports the campaigns' service, call-list reader and tasks, the store's
upload record, the mail outbox's reply and ``calls.tasks``; never pynamodb or boto3.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.calls.tasks import encode_task
from chalicelib.campaigns.model import Campaign, Contact, Trigger
from chalicelib.campaigns.service import Campaigns
from chalicelib.errors import ConflictError, NotFoundError, TooLargeError, ValidationError
from chalicelib.ops.observability import logger
from chalicelib.store.campaign_uploads import Upload

if TYPE_CHECKING:
    from chalicelib.campaigns.calllist import Row

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
"""The largest call list (the seed's 5 MB; ``calllist.MAX_UPLOAD_BYTES`` checks the same)."""
MAX_PART_BYTES = 1024 * 1024
"""The largest part of an upload one request carries."""
CHUNK_ROWS = 1000
"""Rows one loading task stores (its message stays well under SQS's 256 KB)."""
_NAME = re.compile(r"[^A-Za-z0-9._ -]")


class UploadStore(Protocol):
    """Uploads (``store.campaign_uploads``)."""

    def create(self, upload: Upload) -> Upload: ...

    def get(self, upload_id: str) -> Upload: ...

    def add_part(self, upload_id: str, number: int, size: int) -> Upload: ...

    def move(self, upload_id: str, from_state: str, to_state: str, **values: Any) -> Upload: ...


class Objects(Protocol):
    """The uploads bucket."""

    def put(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...


@dataclass(frozen=True)
class ReadCallList:
    """Read an upload's file and make its campaign (a queued task)."""

    key: str
    upload_id: str


@dataclass(frozen=True)
class LoadContacts:
    """Store one chunk of a call list's rows as contacts (a queued task): ``rows`` is JSON,
    ``[[row, [numbers], {keys}, due ISO 8601], ...]``."""

    key: str
    campaign_id: str
    account_id: str
    chunk: int
    rows: str


def part_key(upload_id: str, number: int) -> str:
    """Where an upload's part is kept in the uploads bucket."""
    return f"call-lists/{upload_id}/part-{number:04d}"


def clean_name(filename: str) -> str:
    """A file name as kept and shown: its last path part, plain characters, at most 120."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip()
    name = _NAME.sub("_", name)[:120]
    if not name.lower().endswith((".csv", ".zip")):
        raise ValidationError(
            f"{filename[:120]!r}: a call list is a .csv file or a .zip holding one"
        )
    return name


@dataclass
class CallLists:
    """Uploads and e-mailed call lists, loaded into campaigns."""

    uploads: UploadStore
    objects: Objects
    campaigns: Campaigns
    enqueue: Callable[[str, int], None]
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    reply: Callable[[Upload, str], None] = lambda upload, text: None
    """Answer an e-mailed list (``campaigns.mail``)."""

    # -- receiving ------------------------------------------------------------------------
    def start(
        self,
        account_id: str,
        flow_id: str,
        filename: str,
        trigger: Trigger = Trigger.UPLOAD,
        sender: str = "",
        mail: str = "",
    ) -> Upload:
        """A new upload for the flow (its listener active), waiting for its parts."""
        name = clean_name(filename)
        self.campaigns.ready(account_id, flow_id)
        upload = Upload(
            upload_id=self.new_id(),
            account_id=account_id,
            flow_id=flow_id,
            filename=name,
            trigger=trigger.value,
            created_at=self.clock(),
            sender=sender,
            mail=mail,
        )
        return self.uploads.create(upload)

    def own(self, account_id: str, upload_id: str) -> Upload:
        """The account's upload (``NotFoundError`` for another account's, as for none)."""
        try:
            upload = self.uploads.get(upload_id)
        except (NotFoundError, ValidationError):
            upload = None
        if upload is None or upload.account_id != account_id:
            raise NotFoundError(f"no upload {upload_id[:80]!r}")
        return upload

    def add_part(self, account_id: str, upload_id: str, number: int, data: bytes) -> Upload:
        """Keep the upload's part ``number`` (parts come in order, from 0)."""
        upload = self.own(account_id, upload_id)
        if upload.state != "receiving":
            raise ConflictError(f"upload {upload_id} is {upload.state}: it takes no more parts")
        if number != upload.parts:
            raise ConflictError(f"upload {upload_id} waits for part {upload.parts}, not {number}")
        if not data:
            return upload  # nothing to keep
        if len(data) > MAX_PART_BYTES:
            raise TooLargeError(f"a part is at most {MAX_PART_BYTES} bytes")
        if upload.size + len(data) > MAX_UPLOAD_BYTES:
            raise TooLargeError(f"a call list is at most {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        self.objects.put(part_key(upload_id, number), data)
        return self.uploads.add_part(upload_id, number, len(data))

    def load(self, account_id: str, upload_id: str) -> Upload:
        """Every part is in: queue the reading of the file (a second request changes
        nothing)."""
        upload = self.own(account_id, upload_id)
        if upload.state != "receiving":
            return upload
        if upload.parts == 0:
            raise ConflictError(f"upload {upload_id} has no parts yet: send the file first")
        return self._queue_reading(upload)

    def _queue_reading(self, upload: Upload) -> Upload:
        moved = self.uploads.move(upload.upload_id, "receiving", "loading")
        task = ReadCallList(f"read-call-list:{upload.upload_id}", upload.upload_id)
        self.enqueue(encode_task(task, upload.account_id), 0)
        return moved

    def received(
        self, account_id: str, flow_id: str, filename: str, data: bytes, sender: str, mail: str
    ) -> Upload:
        """An e-mailed call list: kept whole as one part, then read like an upload."""
        upload = self.start(account_id, flow_id, filename, Trigger.EMAIL, sender, mail)
        if len(data) > MAX_UPLOAD_BYTES:
            refused = self.uploads.move(
                upload.upload_id,
                "receiving",
                "refused",
                error=f"the file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB",
                error_code="too_large",
            )
            self.reply(refused, describe_upload(refused))
            return refused
        self.objects.put(part_key(upload.upload_id, 0), data)
        self.uploads.add_part(upload.upload_id, 0, len(data))
        return self._queue_reading(self.uploads.get(upload.upload_id))

    # -- reading and loading (tasks) ------------------------------------------------------
    def read(self, effect: ReadCallList, account_id: str) -> dict[str, Any]:
        """Read the upload's file: refuse it, or make its campaign and queue its chunks."""
        upload = self.uploads.get(effect.upload_id)
        if upload.state != "loading":
            return {"call_list": upload.state}
        data = b"".join(
            self.objects.read(part_key(upload.upload_id, n)) for n in range(upload.parts)
        )
        from chalicelib.campaigns import calllist  # the reader: imported by the task only

        now = self.clock()
        try:
            flow = self.campaigns.outbound_flow(upload.account_id, upload.flow_id)
            result = calllist.read_call_list(
                data,
                upload.filename,
                declared=frozenset(flow.variables),
                zone=self.campaigns.account_zone(upload.account_id),
                now=now,
            )
            self.campaigns.ready(upload.account_id, upload.flow_id)
        except calllist.CallListError as refusal:
            return self._refuse(upload, str(refusal), refusal.code)
        except (ValidationError, NotFoundError, ConflictError) as refusal:
            # the flow is gone, or its listener went off meanwhile
            return self._refuse(upload, str(refusal), "flow")
        campaign = self.campaigns.new_campaign(
            f"list-{upload.upload_id}",  # a reading delivered again makes no second campaign
            upload.account_id,
            upload.flow_id,
            Trigger(upload.trigger),
            upload.filename,
            len(result.rejected),
        )
        chunks = _chunks(result.rows, now)
        for number, rows in enumerate(chunks):
            task = LoadContacts(
                f"load-contacts:{campaign.campaign_id}:{number}",
                campaign.campaign_id,
                upload.account_id,
                number,
                json.dumps(rows, separators=(",", ":")),
            )
            self.enqueue(encode_task(task, upload.account_id), 0)
        loaded = self.uploads.move(
            upload.upload_id,
            "loading",
            "loaded",
            campaign_id=campaign.campaign_id,
            rows=len(result.rows),
            rejected_count=len(result.rejected),
            rejected=[(r.row, r.reason) for r in result.rejected],
            encoding=result.encoding,
            separator=result.separator,
        )
        self.reply(loaded, describe_upload(loaded))
        return {"call_list": "loaded", "campaign": campaign.campaign_id, "chunks": len(chunks)}

    def _refuse(self, upload: Upload, error: str, code: str) -> dict[str, Any]:
        refused = self.uploads.move(
            upload.upload_id, "loading", "refused", error=error[:1000], error_code=code
        )
        logger.info("call list refused", extra={"upload": upload.upload_id, "code": code})
        self.reply(refused, describe_upload(refused))
        return {"call_list": "refused", "code": code}

    def load_chunk(self, effect: LoadContacts, account_id: str) -> dict[str, Any]:
        """Store one chunk's contacts and count them on the campaign, once: a chunk delivered
        again (or again after a crash part way) writes only the rows it did not write yet."""
        contacts = [
            Contact(
                campaign_id=effect.campaign_id,
                contact_id=f"r{row:07d}",
                numbers=tuple(numbers),
                keys=dict(keys),
                due_at=datetime.fromisoformat(due),
                row=row,
            )
            for row, numbers, keys, due in json.loads(effect.rows)
        ]
        # counted first: a chunk counted before holds rows that may have been called since
        # (a crash mid-chunk, a delivery again); only the rows not stored yet are written then
        counted = self.campaigns.campaigns.add_chunk(
            effect.campaign_id, effect.chunk, len(contacts)
        )
        if not counted:
            stored = self.campaigns.contacts.stored(
                effect.campaign_id, [c.contact_id for c in contacts]
            )
            contacts = [c for c in contacts if c.contact_id not in stored]
        self.campaigns.contacts.load(contacts)
        if contacts:
            earliest = min(c.due_at for c in contacts if c.due_at is not None)
            self.campaigns.plan(effect.campaign_id, effect.account_id, earliest)
        return {"chunk": effect.chunk, "contacts": len(contacts), "counted": counted}


def _chunks(rows: Sequence[Row], now: datetime) -> list[list[Any]]:
    chunks: list[list[Any]] = []
    for start in range(0, len(rows), CHUNK_ROWS):
        chunks.append(
            [
                [
                    row.row,
                    list(row.numbers),
                    dict(row.keys),
                    max(row.start_at or now, now).isoformat(),
                ]
                for row in rows[start : start + CHUNK_ROWS]
            ]
        )
    return chunks


def describe_upload(upload: Upload, limit: int = 50) -> str:
    """What became of a call list, for its sender: loaded with counts and the rejected rows
    with their reasons, or refused with the reason."""
    if upload.state == "refused":
        return (
            f"Your call list {upload.filename} was not loaded: {upload.error}\n\n"
            "Nothing was loaded and nobody will be called from it. Fix the file and send it "
            "again."
        )
    lines = [
        f"Your call list {upload.filename} was loaded: {upload.rows} contacts will be called"
        f" (campaign {upload.campaign_id}); {upload.rejected_count} rows were rejected."
    ]
    if upload.rejected:
        lines.append("")
        lines.append("Rejected rows (row numbers as your spreadsheet shows them):")
        for row, reason in upload.rejected[:limit]:
            lines.append(f"row {row}: {reason}")
        more = upload.rejected_count - min(limit, len(upload.rejected))
        if more > 0:
            lines.append(f"... and {more} more")
    return "\n".join(lines)


def campaign_of(upload: Upload, campaigns: Campaigns) -> Campaign | None:
    """The campaign an upload made (None while there is none)."""
    if not upload.campaign_id:
        return None
    return campaigns.campaigns.get(upload.campaign_id)
