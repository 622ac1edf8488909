"""The local run's mail: SES's receiving side on loopback, and the resources it writes to.

``provision_mail`` makes what SES's receipt rule uses in AWS (the mail bucket, the SNS topic, the
mail queue subscribed to it with its dead-letter queue) on the local endpoint, and verifies the
sender's domain in SES (moto refuses to send from an unverified one). ``SesSmtpListener`` is an
SMTP server (aiosmtpd) on loopback that does for each message what SES's receipt rule with an S3
action and a topic does: it adds SES's headers (``Return-Path``, ``Received``,
``X-SES-Spam-Verdict``, ``X-SES-Virus-Verdict``, ``Received-SPF``, ``Authentication-Results``)
to the raw message, stores it in the mail bucket under ``inbound/<messageId>`` and publishes
SES's "Received" notification to the topic, which moto delivers to the mail queue in its SNS
envelope; the event pump drains the queue into the app's mail handler, as Lambda would.

Every verdict is PASS, unless the message asks otherwise: a header
``X-Ringflow-Sim-Verdict: spam=FAIL, dkim=FAIL`` (any of spam, virus, spf, dkim, dmarc; statuses
PASS, FAIL, GRAY, PROCESSING_FAILED) sets those verdicts, so refusals can be tried. Imports
aiosmtpd (a development dependency), boto3 through ``chalicelib.ops.aws``, and
``chalicelib.mail``'s and ``chalicelib.settings``' names; never imported by ``chalicelib``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import string
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import formatdate, getaddresses
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from chalicelib.mail.bucket import OBJECT_PREFIX
from chalicelib.mail.message import MAX_MAIL_BYTES
from chalicelib.settings import Settings

log = logging.getLogger("infra.local.mail")

SIM_VERDICT_HEADER = "X-Ringflow-Sim-Verdict"
VERDICT_NAMES = ("spam", "virus", "spf", "dkim", "dmarc")
STATUSES = ("PASS", "FAIL", "GRAY", "PROCESSING_FAILED")
_ID_ALPHABET = string.ascii_lowercase + string.digits
_AUTH_WORDS = {"PASS": "pass", "FAIL": "fail", "GRAY": "none", "PROCESSING_FAILED": "temperror"}


def _client(settings: Settings, service: str, session: Any = None) -> Any:
    """A client of ``service`` on the settings' endpoint, from ``session`` (None: a new one)."""
    from chalicelib.ops.aws import boto3_session

    made: Any = session or boto3_session(settings.region)
    return made.client(service, endpoint_url=settings.aws_endpoint_url)


def topic_name(settings: Settings) -> str:
    """The SNS topic SES's receipt rule publishes to (named like the queue it feeds)."""
    return settings.mail_queue


def provision_mail(settings: Settings, session: Any = None) -> dict[str, str]:
    """The mail bucket, topic, queue (subscribed, with its dead-letter queue) and the sender's
    verified domain, through ``session`` (None: a new one); idempotent. Returns the topic's ARN
    and the queue's name."""
    if session is None:
        from chalicelib.ops.aws import boto3_session

        session = boto3_session(settings.region)
    s3 = _client(settings, "s3", session)
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if settings.mail_bucket not in existing:
        s3.create_bucket(
            Bucket=settings.mail_bucket,
            CreateBucketConfiguration={"LocationConstraint": settings.region},
        )
    sqs = _client(settings, "sqs", session)
    dlq_url = sqs.create_queue(QueueName=settings.mail_queue + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=settings.mail_queue,
        Attributes={
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
        },
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns = _client(settings, "sns", session)
    topic_arn = str(sns.create_topic(Name=topic_name(settings))["TopicArn"])
    subscribed = sns.list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", [])
    if not any(s.get("Endpoint") == queue_arn for s in subscribed):
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    _client(settings, "ses", session).verify_domain_identity(Domain=settings.mail_domain)
    return {"topic": topic_arn, "queue": settings.mail_queue}


def ses_message_id() -> str:
    """An id shaped like SES's receiving ids (40 lower-case letters and digits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(40))


def sim_verdicts(raw: bytes) -> dict[str, str]:
    """Every verdict PASS, except those the message's ``X-Ringflow-Sim-Verdict`` sets."""
    verdicts = dict.fromkeys(VERDICT_NAMES, "PASS")
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("latin-1")
    pattern = rf"^{SIM_VERDICT_HEADER}:(.*(?:\r?\n[ \t].*)*)"
    for value in re.findall(pattern, head, flags=re.IGNORECASE | re.MULTILINE):
        for name, status in re.findall(r"([A-Za-z]+)\s*=\s*([A-Za-z_]+)", value):
            if name.lower() in verdicts and status.upper() in STATUSES:
                verdicts[name.lower()] = status.upper()
    return verdicts


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower() or "unknown"


def ses_headers(
    message_id: str,
    mail_from: str,
    recipients: Sequence[str],
    verdicts: Mapping[str, str],
    region: str,
    peer: str = "127.0.0.1",
) -> list[tuple[str, str]]:
    """The headers SES's receiving adds on top of a message, in its order."""
    domain = _domain(mail_from)
    words = {name: _AUTH_WORDS[status] for name, status in verdicts.items()}
    spf = (
        f"{words['spf']} (spfCheck: domain of {domain} designates {peer} as permitted sender) "
        f"client-ip={peer}; envelope-from={mail_from}; helo=localhost;"
    )
    return [
        ("Return-Path", f"<{mail_from}>"),
        (
            "Received",
            f"from localhost (localhost [{peer}]) by inbound-smtp.{region}.amazonaws.com with "
            f"SMTP id {message_id} for {', '.join(recipients)}; {formatdate(usegmt=True)}",
        ),
        ("X-SES-Spam-Verdict", verdicts["spam"]),
        ("X-SES-Virus-Verdict", verdicts["virus"]),
        ("Received-SPF", spf),
        (
            "Authentication-Results",
            f"amazonses.com; spf={spf} dkim={words['dkim']} header.i=@{domain}; "
            f"dmarc={words['dmarc']} header.from={domain};",
        ),
    ]


def _common_headers(raw: bytes, return_path: str) -> dict[str, Any]:
    try:
        message = message_from_bytes(raw[:65536], policy=policy.compat32)

        def addresses(name: str) -> list[str]:
            values = message.get_all(name) or []
            return [f"{n} <{a}>" if n else a for n, a in getaddresses([str(v) for v in values])]

        common: dict[str, Any] = {"returnPath": return_path}
        for key, name in (("from", "From"), ("to", "To"), ("cc", "Cc")):
            if message.get(name) is not None:
                common[key] = addresses(name)
        for key, name in (("date", "Date"), ("messageId", "Message-ID"), ("subject", "Subject")):
            if message.get(name) is not None:
                common[key] = str(message.get(name))
        return common
    except Exception:  # a message the compat parser cannot read still gets delivered
        return {"returnPath": return_path}


def ses_notification(
    *,
    message_id: str,
    mail_from: str,
    recipients: Sequence[str],
    headers: Sequence[tuple[str, str]],
    raw: bytes,
    verdicts: Mapping[str, str],
    topic_arn: str,
    bucket: str,
    key: str,
    received_at: datetime,
) -> dict[str, Any]:
    """SES's "Received" notification of an S3 action with a topic (what the topic publishes)."""
    stamp = received_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{received_at.microsecond // 1000:03d}Z"
    )
    receipt: dict[str, Any] = {
        "timestamp": stamp,
        "processingTimeMillis": 1,
        "recipients": list(recipients),
        **{f"{name}Verdict": {"status": verdicts[name]} for name in VERDICT_NAMES},
        "action": {
            "type": "S3",
            "topicArn": topic_arn,
            "bucketName": bucket,
            "objectKeyPrefix": key.rpartition("/")[0] + "/" if "/" in key else "",
            "objectKey": key,
        },
    }
    if verdicts["dmarc"] == "FAIL":
        receipt["dmarcPolicy"] = "reject"
    return {
        "notificationType": "Received",
        "mail": {
            "timestamp": stamp,
            "source": mail_from,
            "messageId": message_id,
            "destination": list(recipients),
            "headersTruncated": False,
            "headers": [{"name": name, "value": value} for name, value in headers],
            "commonHeaders": _common_headers(raw, mail_from),
        },
        "receipt": receipt,
    }


class SesReceiver:
    """What SES's receipt rule does with one accepted message: store it, notify the topic."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._s3 = _client(settings, "s3")
        self._sns = _client(settings, "sns")
        self._topic_arn = str(self._sns.create_topic(Name=topic_name(settings))["TopicArn"])

    def receive(self, raw: bytes, mail_from: str, recipients: Sequence[str]) -> str:
        """Store and announce one message; its SES message id."""
        message_id = ses_message_id()
        verdicts = sim_verdicts(raw)
        envelope = [r.lower() for r in recipients]
        added = ses_headers(message_id, mail_from, envelope, verdicts, self.settings.region)
        head = "".join(f"{name}: {value}\r\n" for name, value in added).encode("utf-8")
        stored = head + raw
        key = f"{OBJECT_PREFIX}{message_id}"
        self._s3.put_object(Bucket=self.settings.mail_bucket, Key=key, Body=stored)
        notification = ses_notification(
            message_id=message_id,
            mail_from=mail_from,
            recipients=envelope,
            headers=added,
            raw=raw,
            verdicts=verdicts,
            topic_arn=self._topic_arn,
            bucket=self.settings.mail_bucket,
            key=key,
            received_at=datetime.now(UTC),
        )
        self._sns.publish(
            TopicArn=self._topic_arn,
            Subject="Amazon SES Email Receipt Notification",
            Message=json.dumps(notification),
        )
        log.info("received mail %s from %s for %s", message_id, mail_from, envelope)
        return message_id


class _SesHandler:
    """aiosmtpd's handler: each message's DATA goes to the receiver (off the event loop)."""

    def __init__(self, receiver: SesReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        loop = asyncio.get_running_loop()
        try:
            message_id = await loop.run_in_executor(
                None,
                self.receiver.receive,
                data,
                envelope.mail_from or "",
                list(envelope.rcpt_tos),
            )
        except Exception:
            log.exception("could not store a received mail")
            return "451 Requested action aborted: local error in processing"
        return f"250 Ok {message_id}"


class _Controller(Controller):
    """aiosmtpd's threaded controller, also on port 0 (the port the system chose is read back
    before the controller connects to it to check the server started)."""

    def _trigger_server(self) -> None:
        sockets = getattr(self.server, "sockets", None)
        if self.port == 0 and sockets:
            self.port = int(sockets[0].getsockname()[1])
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SesSmtpListener:
    """SMTP on loopback that receives mail as SES does (``start``/``stop``, ``port``)."""

    def __init__(self, settings: Settings, port: int = 0, host: str = "127.0.0.1") -> None:
        self._controller = _Controller(
            _SesHandler(SesReceiver(settings)),
            hostname=host,
            port=port,
            data_size_limit=MAX_MAIL_BYTES,
            ready_timeout=10.0,
        )

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> SesSmtpListener:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()
