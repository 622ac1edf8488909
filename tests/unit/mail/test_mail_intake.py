"""The mail intake and SES's verdicts: GIVEN SES "Received" notifications as SQS delivers them
(an SNS envelope around SES's JSON, or SES's JSON alone), WHEN the intake takes them, THEN each
mail reaches the consumers once, in turn until one takes it, with its verdicts; a failure
releases the claim so the redelivery retries; and what is not a notification, is for another
bucket or names a missing object is dropped, never retried."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.mail.intake import MailIntake, MailObjectMissingError, read_notification
from chalicelib.mail.message import InboundMail, Verdicts, verdicts_from_receipt

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BUCKET = "ringflow-test-mail"
RAW = (
    b"From: Ann <ann@example.com>\r\nTo: cb@mail.example\r\nSubject: hello\r\n"
    b"Message-ID: <x1@example.com>\r\n\r\nCALL 441234567890\r\n"
)


def receipt(**statuses: str) -> dict[str, Any]:
    verdicts = {"spam": "PASS", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"}
    verdicts |= statuses
    return {
        "timestamp": "2026-12-01T12:00:00.000Z",
        "processingTimeMillis": 222,
        "recipients": ["CB@mail.example"],
        **{f"{name}Verdict": {"status": status} for name, status in verdicts.items()},
        "action": {
            "type": "S3",
            "topicArn": "arn:aws:sns:eu-west-1:123456789012:ringflow-test-mail",
            "bucketName": BUCKET,
            "objectKey": "mail/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
        },
    }


def ses_json(message_id: str = "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1", **statuses: str) -> str:
    return json.dumps(
        {
            "notificationType": "Received",
            "mail": {
                "timestamp": "2026-12-01T12:00:00.000Z",
                "source": "ann@example.com",
                "messageId": message_id,
                "destination": ["cb@mail.example"],
                "headersTruncated": False,
                "headers": [],
                "commonHeaders": {"from": ["Ann <ann@example.com>"], "subject": "hello"},
            },
            "receipt": receipt(**statuses),
        }
    )


def sns_envelope(message: str) -> str:
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": "2f0d6b7a-0000-4000-8000-000000000001",
            "TopicArn": "arn:aws:sns:eu-west-1:123456789012:ringflow-test-mail",
            "Subject": "Amazon SES Email Receipt Notification",
            "Message": message,
            "Timestamp": "2026-12-01T12:00:00.000Z",
            "SignatureVersion": "1",
        }
    )


class Markers:
    def __init__(self) -> None:
        self.claimed: set[str] = set()

    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool:
        if key in self.claimed:
            return False
        self.claimed.add(key)
        return True

    def release(self, key: str) -> None:
        self.claimed.discard(key)


class Objects:
    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects
        self.reads = 0

    def read(self, bucket: str, key: str) -> bytes:
        self.reads += 1
        try:
            return self.objects[(bucket, key)]
        except KeyError:
            raise MailObjectMissingError(key) from None


def intake(
    *consumers: Any, objects: dict[tuple[str, str], bytes] | None = None
) -> tuple[MailIntake, Markers, Objects]:
    markers = Markers()
    store = Objects(
        {(BUCKET, "mail/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"): RAW}
        if objects is None
        else objects
    )
    return MailIntake(markers, store, list(consumers), lambda: NOW, BUCKET), markers, store


def test_a_notification_through_sns_reaches_the_consumer_once() -> None:
    seen: list[InboundMail] = []
    mails, _, _ = intake(lambda mail: seen.append(mail) or True)
    body = sns_envelope(ses_json())
    first = mails.receive(body)
    assert mails.receive(body) is None
    assert seen == [first]
    assert first is not None
    assert first.message_id == "o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1"
    assert (first.sender, first.subject, first.text) == (
        "ann@example.com",
        "hello",
        "CALL 441234567890",
    )
    assert first.recipients == ("cb@mail.example",)
    assert first.verdicts.trusted


def test_ses_json_on_its_own_is_taken_too() -> None:
    seen: list[InboundMail] = []
    mails, _, _ = intake(lambda mail: seen.append(mail) or True)
    assert mails.receive(ses_json()) is not None
    assert len(seen) == 1


def test_consumers_are_asked_in_turn_until_one_takes_the_mail() -> None:
    asked: list[str] = []

    def consumer(name: str, takes: bool) -> Any:
        return lambda mail: asked.append(name) or takes

    mails, _, _ = intake(consumer("a", False), consumer("b", True), consumer("c", True))
    mails.receive(ses_json())
    assert asked == ["a", "b"]


def test_untrusted_mail_is_handed_over_with_its_verdicts() -> None:
    seen: list[InboundMail] = []
    mails, _, _ = intake(lambda mail: seen.append(mail) or True)
    mails.receive(ses_json(spam="FAIL"))
    assert [(m.verdicts.trusted, m.verdicts.refusal()) for m in seen] == [(False, "spam")]


def test_a_failing_consumer_releases_the_claim_so_the_redelivery_acts() -> None:
    calls: list[str] = []

    def flaky(mail: InboundMail) -> bool:
        calls.append(mail.message_id)
        if len(calls) == 1:
            raise RuntimeError("the store hiccuped")
        return True

    mails, markers, _ = intake(flaky)
    answer = mails.run_batch([{"messageId": "q1", "body": sns_envelope(ses_json())}])
    assert answer == {"batchItemFailures": [{"itemIdentifier": "q1"}]}
    assert markers.claimed == set()
    assert mails.run_batch([{"messageId": "q1", "body": sns_envelope(ses_json())}]) == {
        "batchItemFailures": []
    }
    assert len(calls) == 2


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        json.dumps({"Type": "Notification", "Message": "{not json"}),
        json.dumps({"notificationType": "Bounce"}),
        json.dumps({"notificationType": "Received", "mail": {}, "receipt": {}}),
        json.dumps(
            {
                "notificationType": "Received",
                "mail": {"messageId": "m"},
                "receipt": {"action": {"type": "SNS", "topicArn": "arn:aws:sns:x"}},
            }
        ),
        json.dumps({"notificationType": "AMAZON_SES_SETUP_NOTIFICATION"}),
    ],
)
def test_what_is_not_a_received_notification_is_dropped_not_retried(body: str) -> None:
    seen: list[InboundMail] = []
    mails, markers, store = intake(lambda mail: seen.append(mail) or True)
    assert mails.run_batch([{"messageId": "q1", "body": body}]) == {"batchItemFailures": []}
    assert (seen, markers.claimed, store.reads) == ([], set(), 0)


def test_a_missing_object_is_dropped_not_retried() -> None:
    seen: list[InboundMail] = []
    mails, _, _ = intake(lambda mail: seen.append(mail) or True, objects={})
    assert mails.run_batch([{"messageId": "q1", "body": ses_json()}]) == {"batchItemFailures": []}
    assert seen == []


def test_a_notification_for_another_bucket_is_not_read() -> None:
    body = ses_json().replace(BUCKET, "someone-elses-bucket")
    mails, _, store = intake(lambda mail: True)
    assert mails.receive(body) is None
    assert store.reads == 0


def test_the_notification_names_the_object_and_the_envelope_recipients() -> None:
    received = read_notification(sns_envelope(ses_json("abc")))
    assert received is not None
    assert (received.message_id, received.bucket, received.key, received.recipients) == (
        "abc",
        BUCKET,
        "mail/o3vrnil0e2ic28trm7dfhrc2v0clambda4nbp0g1",
        ("CB@mail.example",),
    )


# -- verdicts --------------------------------------------------------------------------------------


def test_verdicts_are_read_from_the_receipt() -> None:
    assert verdicts_from_receipt(receipt(dmarc="GRAY", spf="processing_failed")) == Verdicts(
        spam="PASS", virus="PASS", spf="PROCESSING_FAILED", dkim="PASS", dmarc="GRAY"
    )
    assert verdicts_from_receipt({"spamVerdict": "PASS", "virusVerdict": {"status": 3}}) == (
        Verdicts()
    )


@pytest.mark.parametrize(
    ("verdicts", "refusal"),
    [
        (Verdicts("PASS", "PASS", "PASS", "PASS", "PASS"), None),
        (Verdicts("PASS", "PASS", "GRAY", "PASS", "GRAY"), None),  # DKIM alone suffices
        (Verdicts("PASS", "PASS", "PASS", "GRAY", "PASS"), None),  # DMARC alone suffices
        (Verdicts("PASS", "FAIL", "PASS", "PASS", "PASS"), "virus"),
        (Verdicts("FAIL", "PASS", "PASS", "PASS", "PASS"), "spam"),
        (Verdicts("GRAY", "PASS", "PASS", "PASS", "PASS"), "spam"),
        (Verdicts("PASS", "PASS", "FAIL", "PASS", "PASS"), "spf"),
        (Verdicts("PASS", "PASS", "PASS", "FAIL", "PASS"), "dkim/dmarc"),
        (Verdicts("PASS", "PASS", "PASS", "PASS", "FAIL"), "dkim/dmarc"),
        (Verdicts("PASS", "PASS", "PASS", "GRAY", "GRAY"), "dkim/dmarc"),
        (Verdicts(), "virus"),
    ],
)
def test_mail_is_trusted_only_when_every_verdict_allows_it(
    verdicts: Verdicts, refusal: str | None
) -> None:
    assert (verdicts.refusal(), verdicts.trusted) == (refusal, refusal is None)
