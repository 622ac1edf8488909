"""Recordings of calls, as a tenant gets them: the recordings of one call (listed from the
recordings bucket, where the key says the step, the node and the format), a short-lived URL that
fetches one, its bytes, and the storing of a recording copied from the carrier with the content
type of its format.

The bucket is reached through the ``RecordingBucket`` port (the composition root gives the S3
one); where a recording lives is the record widget's spelling (``flows.widgets.record``). A
call is known to an account by its live state or its record, and a call of another account is
not found, like one that never was. Must not import boto3, pynamodb or the web layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib import errors
from chalicelib.calls.model import CallRecord
from chalicelib.flows.state import CallState
from chalicelib.flows.widgets.record import call_prefix, parse_key

URL_SECONDS = 300
"""How long a presigned URL of a recording works."""
MAX_CALL_ID = 128
MAX_REF = 9


class CallNotFoundError(errors.NotFoundError):
    """The account has no such call (it never was, or it is another account's)."""


class RecordingNotFoundError(errors.NotFoundError):
    """The call has no such recording, or not yet (it is copied from the carrier once the
    recording ends)."""


@dataclass(frozen=True)
class StoredObject:
    """An object of the recordings bucket, as listed."""

    key: str
    size: int
    modified: datetime


class RecordingBucket(Protocol):
    """The recordings bucket."""

    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def listing(self, prefix: str) -> list[StoredObject]: ...

    def read(self, key: str) -> bytes: ...

    def presign(self, key: str, content_type: str, seconds: int) -> str: ...


class LiveCalls(Protocol):
    """Live call states (see ``store.calls.CallRepository``)."""

    def get(self, call_id: str) -> CallState: ...


class CallRecords(Protocol):
    """Finished calls (see ``store.records.CallRecordRepository``)."""

    def get(self, account_id: str, call_id: str) -> CallRecord: ...


@dataclass(frozen=True)
class Recording:
    """One stored recording of a call."""

    call_id: str
    ref: str
    node: str | None
    format: str
    content_type: str
    size: int
    created_at: datetime
    key: str


class Recordings:
    """The recordings of an account's calls."""

    def __init__(
        self,
        bucket: RecordingBucket,
        calls: LiveCalls,
        records: CallRecords,
        url_seconds: int = URL_SECONDS,
    ) -> None:
        self._bucket = bucket
        self._calls = calls
        self._records = records
        self._url_seconds = url_seconds

    def store(self, key: str, data: bytes) -> None:
        """Put a recording into the bucket with its format's content type."""
        parsed = parse_key(key)
        content_type = parsed.content_type if parsed else "application/octet-stream"
        self._bucket.put(key, data, content_type)

    def of_call(self, account_id: str, call_id: str) -> list[Recording]:
        """The call's stored recordings in the order they were made; ``CallNotFoundError`` if
        the account has no such call. 1 ListObjectsV2 (the call is looked up only when it has
        no recording)."""
        found = self._stored(account_id, call_id)
        if not found:
            self._check_call(account_id, call_id)
        return found

    def get(self, account_id: str, call_id: str, ref: str) -> Recording:
        """The recording of step ``ref``; ``CallNotFoundError`` if the account has no such call,
        ``RecordingNotFoundError`` if it has no such recording (yet)."""
        if ref.isdigit() and len(ref) <= MAX_REF:
            for recording in self._stored(account_id, call_id):
                if recording.ref == ref:
                    return recording
        self._check_call(account_id, call_id)
        raise RecordingNotFoundError(
            f"call {call_id} has no recording {ref[:MAX_REF]!r} (yet: a recording is stored "
            "a few seconds after it ends)"
        )

    def latest(self, account_id: str, call_id: str) -> Recording:
        """The call's last recording; ``CallNotFoundError`` or ``RecordingNotFoundError``."""
        found = self.of_call(account_id, call_id)
        if not found:
            raise RecordingNotFoundError(f"call {call_id} has no recording (yet)")
        return found[-1]

    def url(self, recording: Recording) -> str:
        """A URL that fetches the recording, with its content type, for ``URL_SECONDS``."""
        return self._bucket.presign(recording.key, recording.content_type, self._url_seconds)

    def read(self, recording: Recording) -> bytes:
        """The recording's bytes."""
        return self._bucket.read(recording.key)

    def _stored(self, account_id: str, call_id: str) -> list[Recording]:
        if not 0 < len(call_id) <= MAX_CALL_ID or "/" in call_id:
            return []
        recordings = []
        for stored in self._bucket.listing(call_prefix(account_id, call_id)):
            parsed = parse_key(stored.key)
            if parsed is None:
                continue
            recordings.append(
                Recording(
                    call_id=call_id,
                    ref=parsed.ref,
                    node=parsed.node,
                    format=parsed.format,
                    content_type=parsed.content_type,
                    size=stored.size,
                    created_at=stored.modified,
                    key=stored.key,
                )
            )
        return sorted(recordings, key=lambda r: int(r.ref))

    def _check_call(self, account_id: str, call_id: str) -> None:
        """``CallNotFoundError`` unless the account has the call (live, or finished)."""
        missing = CallNotFoundError(f"no call {call_id[:MAX_CALL_ID]!r}")
        if not 0 < len(call_id) <= MAX_CALL_ID:
            raise missing
        try:
            if self._calls.get(call_id).account_id == account_id:
                return
        except errors.NotFoundError:
            pass
        try:
            self._records.get(account_id, call_id)
        except errors.NotFoundError:
            raise missing from None
