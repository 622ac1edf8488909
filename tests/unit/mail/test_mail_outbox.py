"""Outgoing mail: GIVEN a ``SendMail`` effect, WHEN its task runs, THEN SES gets one raw MIME
message (UTF-8 text, threaded to the mail it answers), a lost answer is reported and never sent
again, a refusal is logged and not retried, and anything else fails the task for a retry."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from chalicelib.calls.tasks import TaskWorker, decode_task, encode_task
from chalicelib.mail.message import InboundMail, Verdicts
from chalicelib.mail.outbox import SendMail, mail_runner, raw_message, reply

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
REPLY = SendMail(
    key="mail-reply:abc",
    from_address="callback@ringflow.test",
    to_address="ann@example.com",
    subject="Re: call me\r\nBcc: victim@example.com",
    text="Calling you back on +441234567890.\nCaf\u00e9.",
    in_reply_to="<m-1@example.com>",
)


class Ses:
    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.sent: list[dict[str, Any]] = []

    def send_raw_email(self, **request: Any) -> dict[str, str]:
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(request)
        return {"MessageId": f"ses-{len(self.sent)}"}


class Markers:
    def __init__(self) -> None:
        self.claimed: set[str] = set()

    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool:
        if key in self.claimed:
            return False
        self.claimed.add(key)
        return True

    def is_claimed(self, key: str, now: datetime) -> bool:
        return key in self.claimed

    def hold(self, key: str, now: datetime, ttl_seconds: int) -> None:
        self.claimed.add(key)

    def release(self, key: str) -> None:
        self.claimed.discard(key)


def worker(ses: Ses) -> TaskWorker:
    return TaskWorker(Markers(), {SendMail: mail_runner(lambda: ses)}, lambda: NOW)


def test_a_reply_is_raw_utf8_mime_threaded_to_the_mail_it_answers() -> None:
    message = message_from_bytes(raw_message(REPLY), policy=policy.default)
    assert message["From"] == "callback@ringflow.test"
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "Re: call me  Bcc: victim@example.com"  # no header injection
    assert message["Bcc"] is None
    assert (message["In-Reply-To"], message["References"]) == ("<m-1@example.com>",) * 2
    assert message["Date"]
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == "Calling you back on +441234567890.\r\nCaf\u00e9.\r\n"


def test_a_mail_that_answers_nothing_has_no_threading_headers() -> None:
    plain = SendMail("k", "a@ringflow.test", "b@example.com", "Hi", "text")
    message = message_from_bytes(raw_message(plain), policy=policy.default)
    assert message["In-Reply-To"] is None and message["References"] is None


def test_the_effect_travels_as_a_send_mail_task() -> None:
    body = encode_task(REPLY, "acme")
    assert '"kind": "send_mail"' in body
    assert decode_task(body) == ("acme", REPLY)


def test_a_task_sends_once_per_key() -> None:
    ses = Ses()
    tasks = worker(ses)
    body = encode_task(REPLY, "acme")
    assert tasks.run(body)["mail"] == "ses-1"
    assert tasks.run(body)["done"] == "already"
    [request] = ses.sent
    assert (request["Source"], request["Destinations"]) == (
        "callback@ringflow.test",
        ["ann@example.com"],
    )
    assert b"In-Reply-To: <m-1@example.com>" in request["RawMessage"]["Data"]


def test_a_lost_answer_is_reported_and_never_sent_again() -> None:
    ses = Ses(ReadTimeoutError(endpoint_url="https://email.eu-west-1.amazonaws.com"))
    tasks = worker(ses)
    body = encode_task(REPLY, "acme")
    assert tasks.run(body)["done"] == "unknown"
    assert tasks.run(body)["done"] == "already"
    assert ses.sent == []


def test_a_refused_mail_is_logged_not_retried() -> None:
    refused = ClientError(
        {"Error": {"Code": "MessageRejected", "Message": "Email address is not verified."}},
        "SendRawEmail",
    )
    ses = Ses(refused)
    outcome = worker(ses).run(encode_task(REPLY, "acme"))
    assert (outcome["mail"], outcome["refused"]) == (None, True)


def test_a_failure_before_ses_took_the_mail_is_retried() -> None:
    ses = Ses(EndpointConnectionError(endpoint_url="https://email.eu-west-1.amazonaws.com"))
    tasks = worker(ses)
    body = encode_task(REPLY, "acme")
    with pytest.raises(EndpointConnectionError):
        tasks.run(body)
    assert tasks.run(body)["mail"] == "ses-1"


def test_a_reply_answers_the_reply_address_threaded_to_the_mail() -> None:
    mail = InboundMail(
        message_id="ses-1",
        sender="ann@example.com",
        reply_to="desk@example.com",
        recipients=("callback@ringflow.test",),
        subject="call me",
        text="CALL 441234567890",
        verdicts=Verdicts(),
        header_message_id="<m-1@example.com>",
    )
    answer = reply(mail, key="k", from_address="callback@ringflow.test", text="Done.")
    assert answer == SendMail(
        key="k",
        from_address="callback@ringflow.test",
        to_address="desk@example.com",
        subject="Re: call me",
        text="Done.",
        in_reply_to="<m-1@example.com>",
    )
    again = replace(mail, subject="RE: call me")
    assert reply(again, key="k", from_address="a@ringflow.test", text="").subject == "RE: call me"
