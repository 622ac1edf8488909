"""Outgoing e-mail: the ``SendMail`` effect (task type "send_mail") and its runner through SES.

A product sends mail as it sends an SMS: ``enqueue(encode_task(SendMail(...), account_id), 0)``;
the task worker runs it once per ``key`` (a marker is claimed first; a failure before SES took
the message releases it so the queue retries). The SES client is made once, on first use, with
a single attempt per send: a send whose answer is lost may have been delivered, so it is
reported (``MailOutcomeUnknownError``), never sent again. A message SES refuses (an unverified
sender, a malformed address) fails the same way every time: logged, not retried. Every mail
goes out as raw MIME (``SendRawEmail``: one shape, UTF-8 plain text with its date), a reply
(``in_reply_to``) with ``In-Reply-To`` and ``References`` so mail clients thread it.
Registering "send_mail" happens on import (a task naming it is decoded wherever this module was
imported: the composition root imports it). ``reply`` builds the answer to a received mail.
Imports ``calls.tasks`` for the runner's shape and ``mail.message``'s types; never boto3 (the
client is given), pynamodb or a product.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from chalicelib.calls.tasks import Runner, register_effect_type
from chalicelib.errors import OutcomeUnknownError
from chalicelib.mail.message import InboundMail
from chalicelib.ops.observability import logger

MAX_SUBJECT_CHARS = 250
_HEADER_UNSAFE = re.compile(r"[\r\n\x00]")
_REFUSALS = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerifiedException",
        "InvalidParameterValue",
        "ValidationError",
        "ConfigurationSetDoesNotExist",
        "AccountSendingPausedException",
    }
)
"""SES's answers that will be the same on every retry."""


@dataclass(frozen=True)
class SendMail:
    """Send one e-mail (once per ``key``) through SES."""

    key: str
    from_address: str
    to_address: str
    subject: str
    text: str
    in_reply_to: str = ""  # the Message-ID header being answered, for threading


register_effect_type("send_mail", SendMail)


NEVER_ANSWERED = frozenset({"mailer-daemon", "postmaster"})
"""Local parts that are never sent a reply (RFC 3834: bounces and their managers)."""


def answerable(mail: InboundMail, ours: str) -> str | None:
    """Where an answer to ``mail`` from our address ``ours`` may go: its reply address, unless
    there is none, it is ours or one of the mail's recipients (a loop), or a mailer daemon or
    postmaster (RFC 3834); else None."""
    to = mail.reply_to.strip().lower()
    if (
        not to
        or "@" not in to
        or to == ours.strip().lower()
        or to in mail.recipients
        or to.partition("@")[0] in NEVER_ANSWERED
    ):
        return None
    return to


def reply(mail: InboundMail, *, key: str, from_address: str, text: str) -> SendMail:
    """The answer to ``mail``: to its reply address, "Re: " its subject, threaded to it.
    ``from_address`` must be at a domain SES verified (``Settings.mail_domain``)."""
    subject = mail.subject if mail.subject.lower().startswith("re:") else f"Re: {mail.subject}"
    return SendMail(
        key=key,
        from_address=from_address,
        to_address=mail.reply_to,
        subject=subject.strip()[:MAX_SUBJECT_CHARS],
        text=text,
        in_reply_to=mail.header_message_id,
    )


class MailOutcomeUnknownError(OutcomeUnknownError):
    """SES was asked to send but its answer was lost: the mail may have gone."""


def _header(value: str, most: int = 998) -> str:
    return _HEADER_UNSAFE.sub(" ", value).strip()[:most]


def raw_message(effect: SendMail) -> bytes:
    """The MIME message of a mail (plain text, UTF-8; threaded to ``in_reply_to`` if any)."""
    message = EmailMessage()
    message["From"] = _header(effect.from_address)
    message["To"] = _header(effect.to_address)
    message["Subject"] = _header(effect.subject, MAX_SUBJECT_CHARS)
    message["Date"] = formatdate(usegmt=True)
    answered = _header(effect.in_reply_to)
    if answered:
        message["In-Reply-To"] = answered
        message["References"] = answered
    from email.policy import SMTP  # its header registry only when a mail is sent

    message.set_content(effect.text, charset="utf-8")
    return message.as_bytes(policy=SMTP)


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else ""
    return ""


def _lost_answer(error: Exception) -> bool:
    """botocore's read timeout and closed connections after the request went out."""
    return type(error).__name__ in {"ReadTimeoutError", "ConnectionClosedError"}


def send(ses: Any, effect: SendMail) -> str:
    """Send one mail through SES; its SES message id ("" when SES refused it for good)."""
    try:
        answer = ses.send_raw_email(
            Source=effect.from_address,
            Destinations=[effect.to_address],
            RawMessage={"Data": raw_message(effect)},
        )
    except Exception as error:
        if _lost_answer(error):
            lost = f"send mail {effect.key}: SES's answer was lost"
            raise MailOutcomeUnknownError(lost) from error
        code = _error_code(error)
        if code in _REFUSALS:
            logger.error(
                "mail refused by SES", extra={"task": effect.key, "code": code, "error": str(error)}
            )
            return ""
        raise
    return str(answer.get("MessageId", ""))


def mail_runner(ses: Callable[[], Any]) -> Runner:
    """Send mail through SES (queued); ``ses`` gives the client (made on first use)."""

    def run(effect: SendMail, account_id: str) -> Mapping[str, Any]:
        message_id = send(ses(), effect)
        return {"mail": message_id or None, "refused": not message_id}

    return Runner(run)
