"""E-mail end to end on loopback: a mail client sends real SMTP to the local listener, which
stores the message in the mail bucket with SES's headers and publishes SES's notification; the
mail queue's messages go to the app's mail handler, which hands the parsed mail once to the
products' consumers. The platform's own mail goes out through SES (moto's server), once per key,
and ``ringflow sim mail`` reads it back."""

from __future__ import annotations

import io
import json
import smtplib
import zipfile
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from platformkit import Platform, running_platform

from chalicelib.calls.tasks import encode_task
from chalicelib.mail.message import InboundMail
from chalicelib.mail.outbox import SendMail
from chalicelib.products import Product
from infra.local.mail import SesSmtpListener
from infra.local.moto import moto_server, reset

pytestmark = pytest.mark.http


@dataclass
class Mailroom:
    """The running platform, its SMTP listener and what the test consumer took."""

    platform: Platform
    listener: SesSmtpListener
    taken: list[InboundMail] = field(default_factory=list)

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP("127.0.0.1", self.listener.port, timeout=10) as smtp:
            smtp.send_message(message)

    def deliver(self) -> list[dict[str, Any]]:
        """The mail queue's messages to the app's handler, as Lambda's event source would."""
        container = self.platform.container
        url = container.sqs.get_queue_url(QueueName=container.settings.mail_queue)["QueueUrl"]
        got = container.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        messages = got.get("Messages", [])
        if messages:
            client = self.platform.client
            event = client.events.generate_sqs_event(
                message_bodies=[m["Body"] for m in messages],
                queue_name=container.settings.mail_queue,
            )
            result = client.lambda_.invoke("receive_mail", event)
            assert result.payload == {"batchItemFailures": []}, result.payload
            for message in messages:
                container.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return messages


@pytest.fixture
def mailroom(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailroom]:
    taken: list[InboundMail] = []

    def consumer(mail: InboundMail) -> bool:
        taken.append(mail)
        return True

    product = Product(name="mailroom", mail_consumers=lambda container: [consumer])
    with (
        moto_server(in_process=True) as aws,
        running_platform(monkeypatch, aws_endpoint_url=aws, products=[product]) as platform,
    ):
        listener = SesSmtpListener(platform.container.settings).start()
        try:
            yield Mailroom(platform, listener, taken)
        finally:
            listener.stop()
            reset(aws)  # moto's state is the process's: the next test starts afresh


def a_mail(subject: str = "contacts", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Ann Example <ann@example.com>"
    message["To"] = "inbox@ringflow.test"
    message["Subject"] = subject
    message["Message-ID"] = "<m-1@example.com>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Caf\u00e9 list attached.\n")
    return message


def test_a_mail_sent_over_smtp_reaches_the_consumer_whole(mailroom: Mailroom) -> None:
    csv = "name,number\r\nB\u00e9a,+33123456789\r\n".encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("list.csv", csv)
    message = a_mail()
    message.add_attachment(csv, maintype="text", subtype="csv", filename="list.csv")
    message.add_attachment(
        archive.getvalue(), maintype="application", subtype="zip", filename="list.zip"
    )
    mailroom.send(message)
    [notification] = mailroom.deliver()
    [mail] = mailroom.taken
    assert (mail.sender, mail.subject, mail.text) == (
        "ann@example.com",
        "contacts",
        "Caf\u00e9 list attached.",
    )
    assert mail.recipients == ("inbox@ringflow.test",)
    assert mail.header_message_id == "<m-1@example.com>"
    assert mail.verdicts.trusted
    assert [(a.filename, a.data) for a in mail.attachments] == [
        ("list.csv", csv),
        ("list.zip", archive.getvalue()),
    ]
    # stored as SES stores it: its headers on top, under the key the notification names
    ses = json.loads(json.loads(notification["Body"])["Message"])
    action = ses["receipt"]["action"]
    assert (action["type"], action["objectKey"]) == ("S3", f"inbound/{mail.message_id}")
    s3 = mailroom.platform.container.s3
    stored = s3.get_object(Bucket=action["bucketName"], Key=action["objectKey"])["Body"].read()
    assert stored.startswith(b"Return-Path: <ann@example.com>\r\nReceived: from localhost")
    assert b"\r\nX-SES-Spam-Verdict: PASS\r\nX-SES-Virus-Verdict: PASS\r\n" in stored
    assert b"\r\nAuthentication-Results: amazonses.com; spf=pass" in stored


def test_a_verdict_made_to_fail_reaches_the_consumer_as_untrusted(mailroom: Mailroom) -> None:
    mailroom.send(a_mail(X_Ringflow_Sim_Verdict="spam=FAIL, dkim=FAIL"))
    mailroom.deliver()
    [mail] = mailroom.taken
    assert (mail.verdicts.spam, mail.verdicts.dkim, mail.verdicts.dmarc) == ("FAIL", "FAIL", "PASS")
    assert (mail.verdicts.trusted, mail.verdicts.refusal()) == (False, "spam")


def test_the_same_notification_delivered_twice_acts_once(mailroom: Mailroom) -> None:
    mailroom.send(a_mail())
    container = mailroom.platform.container
    url = container.sqs.get_queue_url(QueueName=container.settings.mail_queue)["QueueUrl"]
    [message] = container.sqs.receive_message(QueueUrl=url)["Messages"]
    records = [{"messageId": "q1", "body": message["Body"]}]
    assert container.mail_intake.run_batch(records) == {"batchItemFailures": []}
    assert container.mail_intake.run_batch(records) == {"batchItemFailures": []}
    assert len(mailroom.taken) == 1


def run_tasks(platform: Platform) -> None:
    container = platform.container
    while bodies := platform.queued_task_bodies():
        for body in bodies:
            container.tasks.run(body)
        container.sqs.purge_queue(QueueUrl=container.task_queue_url)


def sim_mail(aws: str, *args: str) -> Any:
    from chalicelib.cli.main import main

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["sim", "mail", "--aws-url", aws, "--json", *args]) == 0
    return json.loads(out.getvalue())


def test_mail_goes_out_through_ses_once_per_key_and_the_cli_lists_it(mailroom: Mailroom) -> None:
    container = mailroom.platform.container
    sender = container.settings.mail_from
    reply = SendMail(
        key="mail-reply:m-1",
        from_address=sender,
        to_address="ann@example.com",
        subject="Re: contacts",
        text="Got it: 1 contact.\nThanks.",
        in_reply_to="<m-1@example.com>",
    )
    notice = SendMail(
        key="mail-notice:1",
        from_address=sender,
        to_address="bob@example.com",
        subject="Notice",
        text="Plain \u00e9t\u00e9.",
    )
    for effect in (reply, notice, reply):  # the reply queued twice: sent once
        container.enqueue_task(encode_task(effect, "acme"))
    run_tasks(mailroom.platform)
    aws = str(container.settings.aws_endpoint_url)
    sent = sim_mail(aws)
    assert [(m["to"], m["subject"]) for m in sent] == [
        (["bob@example.com"], "Notice"),
        (["ann@example.com"], "Re: contacts"),
    ]
    assert sent[1]["in_reply_to"] == "<m-1@example.com>"
    assert sent[1]["text"] == "Got it: 1 contact.\nThanks."
    assert sent[0]["text"] == "Plain \u00e9t\u00e9."
    assert [m["subject"] for m in sim_mail(aws, "--to", "ANN@example.com")] == ["Re: contacts"]


def test_mail_ses_refuses_is_not_retried(mailroom: Mailroom) -> None:
    container = mailroom.platform.container
    refused = SendMail(
        key="mail-refused:1",
        from_address="someone@unverified.example",
        to_address="ann@example.com",
        subject="x",
        text="x",
    )
    outcome = container.tasks.run(encode_task(refused, "acme"))
    assert (outcome["mail"], outcome["refused"]) == (None, True)
    assert sim_mail(str(container.settings.aws_endpoint_url)) == []
