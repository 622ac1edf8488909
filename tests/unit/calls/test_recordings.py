"""A call's recordings, over an in-memory bucket: GIVEN recordings stored under a call's prefix
(in the key form of today, with the node, and in the older one without it), WHEN the account
lists them or asks for one, THEN it gets them in the order they were made with their format's
content type; a call of another account, a call that never was and a recording not stored yet
are not found; a copied recording is stored with its format's content type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.calls.recordings import (
    CallNotFoundError,
    RecordingNotFoundError,
    Recordings,
    StoredObject,
)
from chalicelib.errors import NotFoundError
from chalicelib.flows.state import CallState
from chalicelib.flows.widgets.record import (
    RecordingKey,
    object_key,
    parse_key,
    recording_url,
)
from chalicelib.telephony.events import Direction

AT = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class MemoryBucket:
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = (data, content_type)

    def listing(self, prefix: str) -> list[StoredObject]:
        return [
            StoredObject(key, len(data), AT)
            for key, (data, _) in sorted(self.objects.items())
            if key.startswith(prefix)
        ]

    def read(self, key: str) -> bytes:
        if key not in self.objects:
            raise NotFoundError(key)
        return self.objects[key][0]

    def presign(self, key: str, content_type: str, seconds: int) -> str:
        return f"https://bucket.example/{key}?type={content_type}&expires={seconds}"


@dataclass
class Calls:
    states: dict[str, CallState] = field(default_factory=dict)

    def get(self, call_id: str) -> CallState:
        if call_id not in self.states:
            raise NotFoundError(call_id)
        return self.states[call_id]


@dataclass
class Records:
    records: dict[tuple[str, str], CallRecord] = field(default_factory=dict)

    def get(self, account_id: str, call_id: str) -> CallRecord:
        if (account_id, call_id) not in self.records:
            raise NotFoundError(call_id)
        return self.records[account_id, call_id]


def record(account_id: str, call_id: str) -> CallRecord:
    return CallRecord(
        account_id, call_id, AT, "f", Direction.INBOUND, "1", "2", CallOutcome.COMPLETED
    )


def live(account_id: str, call_id: str) -> CallState:
    return CallState(
        call_id=call_id,
        account_id=account_id,
        flow_id="f",
        flow_version=1,
        direction=Direction.INBOUND,
        from_number="1",
        to_number="2",
        started_at=AT,
    )


@pytest.fixture
def bucket() -> MemoryBucket:
    return MemoryBucket()


@pytest.fixture
def recordings(bucket: MemoryBucket) -> Recordings:
    calls = Calls({"live-1": live("acme", "live-1")})
    records = Records({("acme", "done-1"): record("acme", "done-1")})
    return Recordings(bucket, calls, records)


def test_keys_name_the_step_node_and_format_in_both_forms() -> None:
    key = object_key("acme", "c1", "3", "take message/1", "wav")
    assert key == "recordings/acme/c1/3-take%20message%2F1.wav"
    assert parse_key(key) == RecordingKey("3", "take message/1", "wav")
    assert parse_key("recordings/acme/c1/12.mp3") == RecordingKey("12", None, "mp3")
    assert parse_key("recordings/acme/c1/12.mp3").content_type == "audio/mpeg"  # type: ignore[union-attr]
    for other in ("recordings/acme/c1/x.mp3", "recordings/acme/c1/3.txt", "recordings/a/c/3-.ogg"):
        assert parse_key(other) is None
    assert recording_url("https://x.example", "c 1", "3") == (
        "https://x.example/v1/calls/c%201/recordings/3"
    )


def test_a_copied_recording_is_stored_with_its_formats_content_type(
    recordings: Recordings, bucket: MemoryBucket
) -> None:
    for fmt in ("mp3", "wav", "ogg"):
        recordings.store(object_key("acme", "done-1", "1", "r", fmt), b"audio")
    assert sorted(t for _, t in bucket.objects.values()) == ["audio/mpeg", "audio/ogg", "audio/wav"]


def test_the_recordings_of_a_call_are_listed_in_the_order_made(
    recordings: Recordings, bucket: MemoryBucket
) -> None:
    bucket.put("recordings/acme/done-1/10-late.ogg", b"x" * 10, "audio/ogg")
    bucket.put("recordings/acme/done-1/2.mp3", b"x" * 2, "binary/octet-stream")  # an old key
    bucket.put("recordings/acme/done-1/notes.txt", b"?", "text/plain")
    found = recordings.of_call("acme", "done-1")
    assert [(r.ref, r.node, r.format, r.content_type, r.size) for r in found] == [
        ("2", None, "mp3", "audio/mpeg", 2),
        ("10", "late", "ogg", "audio/ogg", 10),
    ]
    assert recordings.latest("acme", "done-1").ref == "10"
    assert recordings.get("acme", "done-1", "2").key == "recordings/acme/done-1/2.mp3"
    assert "type=audio/mpeg" in recordings.url(found[0])
    assert recordings.read(found[1]) == b"x" * 10


def test_a_call_with_no_recording_yet_lists_none_and_its_recording_is_not_found(
    recordings: Recordings,
) -> None:
    assert recordings.of_call("acme", "live-1") == []
    assert recordings.of_call("acme", "done-1") == []
    with pytest.raises(RecordingNotFoundError, match="yet"):
        recordings.get("acme", "live-1", "1")
    with pytest.raises(RecordingNotFoundError):
        recordings.latest("acme", "done-1")


@pytest.mark.parametrize("call_id", ["live-1", "done-1", "never", "", "a/b", "x" * 500])
def test_a_call_of_another_account_is_not_found_like_one_that_never_was(
    recordings: Recordings, bucket: MemoryBucket, call_id: str
) -> None:
    bucket.put("recordings/acme/live-1/1-r.mp3", b"x", "audio/mpeg")
    with pytest.raises(CallNotFoundError):
        recordings.of_call("other", call_id)
    with pytest.raises(CallNotFoundError):
        recordings.get("other", call_id, "1")


def test_a_ref_that_is_no_steps_number_is_not_found(
    recordings: Recordings, bucket: MemoryBucket
) -> None:
    bucket.put("recordings/acme/done-1/1-r.mp3", b"x", "audio/mpeg")
    for ref in ("x", "1-r", "../1", "1" * 12):
        with pytest.raises(RecordingNotFoundError):
            recordings.get("acme", "done-1", ref)
