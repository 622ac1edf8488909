"""Call tasks (send an SMS, copy a recording) on the real markers table: GIVEN queued task
messages, WHEN they are delivered (again, concurrently, after a failure), THEN each effect happens
exactly once, a failure is retried, and an unknown outcome is never repeated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from platformkit import Platform, running_platform

from chalicelib.calls.tasks import TaskBusyError, TaskError, encode_task
from chalicelib.flows.outcomes import FetchRecording, SendSms
from chalicelib.telephony.errors import CarrierOutcomeUnknownError, CarrierUnavailableError
from chalicelib.telephony.ports import SentSms


class Carrier:
    """A fake carrier that fails as told."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failures: list[Exception] = []

    def send_sms(self, from_number: str, to_number: str, text: str, client_ref: str) -> SentSms:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(text)
        return SentSms(f"m{len(self.sent)}", "0")

    def download_recording(self, url: str) -> bytes:
        return b"ID3-fake-mp3:" + url.encode()


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        yield running


@pytest.fixture
def carrier(platform: Platform) -> Carrier:
    fake = Carrier()
    platform.container.__dict__["carrier"] = fake
    return fake


SMS = encode_task(SendSms("call-1:3:text", "447700900100", "447700900001", "Hello"), "acme")


def test_a_task_delivered_twice_sends_once(platform: Platform, carrier: Carrier) -> None:
    assert platform.container.tasks.run(SMS)["sms"] == "m1"
    assert platform.container.tasks.run(SMS) == {"task": "call-1:3:text", "done": "already"}
    assert carrier.sent == ["Hello"]


def test_a_failed_task_is_retried_and_then_sends(platform: Platform, carrier: Carrier) -> None:
    carrier.failures.append(CarrierUnavailableError("send SMS: cannot reach Vonage"))
    with pytest.raises(CarrierUnavailableError):
        platform.container.tasks.run(SMS)
    platform.container.tasks.run(SMS)
    assert carrier.sent == ["Hello"]


def test_a_task_running_elsewhere_is_left_for_later(platform: Platform, carrier: Carrier) -> None:
    markers = platform.container.markers
    assert markers.claim("task:call-1:3:text", platform.clock(), 120)
    with pytest.raises(TaskBusyError):
        platform.container.tasks.run(SMS)
    platform.clock.advance(121)  # the other worker died: its claim expires
    platform.container.tasks.run(SMS)
    assert carrier.sent == ["Hello"]


def test_an_unknown_outcome_is_never_repeated(platform: Platform, carrier: Carrier) -> None:
    carrier.failures.append(CarrierOutcomeUnknownError("send SMS: the answer was lost"))
    assert platform.container.tasks.run(SMS)["done"] == "unknown"
    assert platform.container.tasks.run(SMS)["done"] == "already"
    assert carrier.sent == []


def test_a_recording_is_copied_into_the_bucket(platform: Platform, carrier: Carrier) -> None:
    key = "recordings/acme/call-1/2.mp3"
    body = encode_task(
        FetchRecording("call-1:recording:r1", "https://api.nexmo.com/v1/files/r1", key), "acme"
    )
    platform.container.tasks.run(body)
    container = platform.container
    data = container.s3.get_object(Bucket=container.settings.recordings_bucket, Key=key)[
        "Body"
    ].read()
    assert data == b"ID3-fake-mp3:https://api.nexmo.com/v1/files/r1"


def test_a_batch_reports_only_its_failed_messages(platform: Platform, carrier: Carrier) -> None:
    records: list[dict[str, Any]] = [
        {"messageId": "good", "body": SMS},
        {"messageId": "garbled", "body": "{not json"},
    ]
    result = platform.container.tasks.run_batch(records)
    assert result == {"batchItemFailures": [{"itemIdentifier": "garbled"}]}
    assert carrier.sent == ["Hello"]
    with pytest.raises(TaskError):
        platform.container.tasks.run("{not json")
