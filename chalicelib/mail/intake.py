"""The mail intake: every e-mail SES received, once, parsed and handed to the products' consumers.

SES stores the raw message in the mail bucket and publishes a "Received" notification (SNS, then
SQS: a queue message's body is the SNS envelope whose ``Message`` is SES's JSON; SES's JSON on
its own is taken too). The intake claims the mail's ``messageId`` (a redelivered notification
acts once; a failure releases the claim so the queue's redelivery tries again), reads the object,
parses it (``mail.message``) and hands it to each consumer in turn until one says it was
addressed to it.

Mail whose verdicts are not trusted (spam, virus, SPF, DKIM, DMARC) is still handed over, with
its verdicts: the consumer refuses it (acts on nothing) and decides whether to answer, since only
it knows whether the recipient address is one of its own and how to say no; a reply to a forged
sender is backscatter, so a consumer answers such mail only where it would answer anyway.
``InboundMail.verdicts.trusted`` is the one test (``docs/decisions/0019``). A notification that
is not JSON, not SES's, for another bucket, or whose object is gone is logged, counted
(``MailDropped``) and dropped: never a retry loop. Must not import pynamodb, boto3 or any
product.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.mail.message import InboundMail, parse, verdicts_from_receipt
from chalicelib.ops.observability import MetricName, count, logger

MailConsumer = Callable[[InboundMail], bool]
"""Takes one mail; True when it was addressed to it and it acted (or replied)."""


class MailObjectMissingError(LookupError):
    """The raw message named by a notification is not in the bucket (deleted, expired)."""


class MailObjects(Protocol):
    """Where SES put the raw messages."""

    def read(self, bucket: str, key: str) -> bytes:
        """The object's bytes (at most what the parser reads); ``MailObjectMissingError``."""
        ...


class MailMarkers(Protocol):
    """Idempotency markers."""

    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool: ...

    def release(self, key: str) -> None: ...


class NotificationError(ValueError):
    """A queue message that is not an SES "Received" notification with an S3 action."""


@dataclass(frozen=True)
class Received:
    """What a "Received" notification says: where the raw message is, and SES's verdicts."""

    message_id: str
    bucket: str
    key: str
    recipients: tuple[str, ...]
    receipt: Mapping[str, Any]


def read_notification(body: str) -> Received | None:
    """The notification in a queue message; None for SES's set-up notification (a rule was
    created: nothing to do); ``NotificationError`` for anything else that is not one."""
    try:
        document = json.loads(body)
    except ValueError:
        raise NotificationError("not JSON") from None
    if isinstance(document, dict) and isinstance(document.get("Message"), str):
        try:
            document = json.loads(document["Message"])  # the SNS envelope
        except ValueError:
            raise NotificationError("the SNS message is not JSON") from None
    if not isinstance(document, dict):
        raise NotificationError("not a JSON object")
    kind = document.get("notificationType")
    if kind == "AMAZON_SES_SETUP_NOTIFICATION":
        return None
    if kind != "Received":
        raise NotificationError(f"not a Received notification ({str(kind)[:40]})")
    mail, receipt = document.get("mail"), document.get("receipt")
    if not isinstance(mail, dict) or not isinstance(receipt, dict):
        raise NotificationError("no mail or receipt")
    action = receipt.get("action")
    message_id = mail.get("messageId")
    if not isinstance(action, dict) or action.get("type") != "S3":
        raise NotificationError("not an S3 action: the message is not in a bucket")
    bucket, key = action.get("bucketName"), action.get("objectKey")
    if not (isinstance(message_id, str) and message_id and isinstance(bucket, str)):
        raise NotificationError("no message id or bucket")
    if not (isinstance(key, str) and key):
        raise NotificationError("no object key")
    recipients = receipt.get("recipients") or mail.get("destination") or []
    return Received(
        message_id=message_id,
        bucket=bucket,
        key=key,
        recipients=tuple(r for r in recipients if isinstance(r, str))
        if isinstance(recipients, list)
        else (),
        receipt=receipt,
    )


class MailIntake:
    """Receives SES's notifications of received mail."""

    def __init__(
        self,
        markers: MailMarkers,
        objects: MailObjects,
        consumers: Sequence[MailConsumer],
        clock: Callable[[], datetime],
        bucket: str,
        ttl_seconds: int = 7 * 24 * 3600,
    ) -> None:
        self._markers = markers
        self._objects = objects
        self._consumers = consumers
        self._clock = clock
        self._bucket = bucket
        self._ttl = ttl_seconds

    def run_batch(self, records: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, str]]]:
        """Take SQS records; answer Lambda's partial batch response naming the failed ones."""
        failures: list[dict[str, str]] = []
        for record in records:
            queue_id = str(record.get("messageId", ""))
            try:
                self.receive(str(record.get("body", "")))
            except Exception:
                logger.exception("mail intake failed", extra={"queue_message_id": queue_id})
                failures.append({"itemIdentifier": queue_id})
        return {"batchItemFailures": failures}

    def receive(self, body: str) -> InboundMail | None:
        """Take one notification; the mail when it was new and handed over, else None.

        Raises only for what a retry may cure (the bucket or the markers failing, a consumer
        failing); the claim is released first so the redelivery processes the mail again.
        """
        try:
            received = read_notification(body)
        except NotificationError as error:
            return self._drop("not-a-notification", str(error))
        if received is None:
            logger.info("mail set-up notification")
            return None
        if received.bucket != self._bucket:
            return self._drop("foreign-bucket", received.bucket, received.message_id)
        claim = f"mail:{received.message_id}"
        if not self._markers.claim(claim, self._clock(), self._ttl):
            logger.info("mail already received", extra={"mail_id": received.message_id})
            return None
        try:
            try:
                raw = self._objects.read(received.bucket, received.key)
            except MailObjectMissingError:
                return self._drop("missing-object", received.key, received.message_id)
            mail = parse(
                raw,
                message_id=received.message_id,
                recipients=received.recipients,
                verdicts=verdicts_from_receipt(received.receipt),
            )
            count(MetricName.MAIL_RECEIVED, trusted=str(mail.verdicts.trusted).lower())
            taken_by = self._hand_over(mail)
        except Exception:
            self._markers.release(claim)
            raise
        logger.info(
            "mail received",
            extra={
                "mail_id": mail.message_id,
                "refusal": mail.verdicts.refusal(),
                "attachments": len(mail.attachments),
                "taken_by": taken_by,
            },
        )
        return mail

    def _hand_over(self, mail: InboundMail) -> int | None:
        """The index of the consumer that took the mail; None when none did."""
        for index, consumer in enumerate(self._consumers):
            if consumer(mail):
                return index
        return None

    @staticmethod
    def _drop(reason: str, detail: str, mail_id: str = "") -> None:
        count(MetricName.MAIL_DROPPED, reason=reason)
        logger.warning(
            "mail dropped", extra={"reason": reason, "detail": detail[:200], "mail_id": mail_id}
        )
