"""The ``sim mail`` and ``sim send-mail`` commands: the local stack's e-mail, both ways.

``sim send-mail`` sends real SMTP to the local run's listener (what SES receives in AWS; the
platform's mail intake gets it through the bucket, the topic and the mail queue), optionally
with attachments and with verdicts made to fail (``--verdict spam=FAIL``). ``sim mail`` lists
what the platform sent through SES, newest first, read from the local AWS endpoint's state
(moto's ``/moto-api/data.json``, which keeps every sent message). The SMTP listener is
``--smtp HOST:PORT``, else ``127.0.0.1:$RINGFLOW_SMTP_PORT``; the AWS endpoint ``--aws-url``,
else ``$RINGFLOW_AWS_ENDPOINT_URL``; ``--local`` sets both from the running local stack.
Imports the standard library and ``cli.local``; never the app.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import smtplib
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid
from pathlib import Path
from typing import Any, TextIO

from chalicelib.cli.local import LocalStackError, use_local_stack

DEFAULT_SMTP_PORT = 2525
DEFAULT_AWS_URL = "http://127.0.0.1:5055"
SIM_VERDICT_HEADER = "X-Ringflow-Sim-Verdict"


class MailUnreachableError(RuntimeError):
    """The SMTP listener or the AWS endpoint did not answer; ``str()`` says which."""


def smtp_address(given: str | None) -> tuple[str, int]:
    """``HOST:PORT`` of the SMTP listener: ``given``, else loopback on ``$RINGFLOW_SMTP_PORT``."""
    if given:
        host, _, port = given.rpartition(":")
        return host or "127.0.0.1", int(port)
    return "127.0.0.1", int(os.environ.get("RINGFLOW_SMTP_PORT") or DEFAULT_SMTP_PORT)


def aws_url(given: str | None) -> str:
    """The local AWS endpoint: ``given``, else ``$RINGFLOW_AWS_ENDPOINT_URL``, else the default."""
    return (given or os.environ.get("RINGFLOW_AWS_ENDPOINT_URL") or DEFAULT_AWS_URL).rstrip("/")


def compose(
    sender: str,
    to: str,
    subject: str,
    body: str,
    attachments: list[Path] | None = None,
    verdicts: list[str] | None = None,
) -> EmailMessage:
    """A mail as a mail client writes it (attachments typed by their name)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    if verdicts:
        message[SIM_VERDICT_HEADER] = ", ".join(verdicts)
    message.set_content(body)
    for path in attachments or []:
        kind, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (kind or "application/octet-stream").partition("/")
        message.add_attachment(
            path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name
        )
    return message


def send(message: EmailMessage, address: tuple[str, int]) -> str:
    """Send ``message`` over SMTP; the listener's last answer (SES's message id in it)."""
    sender = message["From"].addresses[0].addr_spec
    recipients = [a.addr_spec for a in message["To"].addresses]
    try:
        with smtplib.SMTP(address[0], address[1], timeout=10) as smtp:
            smtp.ehlo()
            for step, (code, answer) in (
                ("MAIL FROM", smtp.mail(sender)),
                *(("RCPT TO", smtp.rcpt(r)) for r in recipients),
                ("DATA", smtp.data(message.as_bytes(policy=policy.SMTP))),
            ):
                if code >= 400:
                    raise MailUnreachableError(f"the listener refused {step}: {code} {answer!r}")
            return answer.decode("utf-8", "replace")
    except (OSError, smtplib.SMTPException) as error:
        raise MailUnreachableError(
            f"cannot send to the SMTP listener at {address[0]}:{address[1]}: {error}; "
            "is `make run` running?"
        ) from None


def _data(url: str) -> Mapping[str, Any]:
    try:
        request = urllib.request.Request(url + "/moto-api/data.json")  # noqa: S310 (loopback moto)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            data = json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise MailUnreachableError(
            f"cannot read the sent mail from {url}: {error}; is `make run` running?"
        ) from None
    return data if isinstance(data, dict) else {}


def _text_of(raw: bytes) -> tuple[dict[str, str], str]:
    """Headers worth showing and the plain text of a raw message."""
    message = message_from_bytes(raw, policy=policy.default)
    shown = {
        name: str(message.get(name, ""))
        for name in ("From", "To", "Subject", "Date", "In-Reply-To")
    }
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        text = body.get_content() if body is not None else ""
    except (LookupError, KeyError, ValueError):
        text = ""
    return shown, str(text).replace("\r\n", "\n").strip()


def sent_mail(url: str) -> list[dict[str, Any]]:
    """The mail sent through SES at ``url`` (a moto server), newest first."""
    ses = _data(url).get("ses", {})
    found: list[dict[str, Any]] = []
    for item in ses.get("Message", []):
        destinations = item.get("destinations") or {}
        to = [a for key in ("ToAddresses", "CcAddresses") for a in destinations.get(key, [])]
        found.append(
            {
                "id": item.get("id", ""),
                "from": item.get("source", ""),
                "to": to,
                "subject": item.get("subject", ""),
                "text": item.get("body", ""),
                "in_reply_to": "",
                "date": "",
            }
        )
    for item in ses.get("RawMessage", []):
        raw = str(item.get("raw_data", "")).encode("utf-8", "surrogateescape")
        headers, text = _text_of(raw)
        found.append(
            {
                "id": item.get("id", ""),
                "from": item.get("source", ""),
                "to": sorted({a for _, a in getaddresses(item.get("destinations") or []) if a}),
                "subject": headers["Subject"],
                "text": text,
                "in_reply_to": headers["In-Reply-To"],
                "date": headers["Date"],
            }
        )
    found.reverse()  # moto keeps them in the order they were sent
    return found


def _addressed_to(mail: Mapping[str, Any], address: str) -> bool:
    wanted = address.strip().lower()
    return any(a.strip().lower() == wanted for _, a in getaddresses(mail["to"]))


def _cmd_mail(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    mails = sent_mail(aws_url(args.aws_url))
    if args.to:
        mails = [m for m in mails if _addressed_to(m, args.to)]
    if args.json:
        print(json.dumps(mails, indent=2), file=out)
        return 0
    for mail in mails:
        when = f"{mail['date']}  " if mail["date"] else ""
        print(f"{when}{mail['from']} -> {', '.join(mail['to'])}: {mail['subject']}", file=out)
        for line in str(mail["text"]).splitlines():
            print(f"  {line}", file=out)
    if not mails:
        print("no mail was sent" + (f" to {args.to}" if args.to else ""), file=err)
    return 0


def _cmd_send_mail(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    message = compose(
        args.from_,
        args.to,
        args.subject,
        args.body,
        [Path(p) for p in args.attach or []],
        args.verdict,
    )
    answer = send(message, smtp_address(args.smtp))
    print(f"sent {message['Message-ID']} to {args.to}: {answer}", file=out)
    return 0


def _guarded(command: Callable[[argparse.Namespace, TextIO, TextIO], int]) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            if getattr(args, "local", False):
                use_local_stack()
            return int(command(args, sys.stdout, sys.stderr))
        except (MailUnreachableError, LocalStackError, OSError) as error:
            print(str(error), file=sys.stderr)
            return 2

    return run


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sim mail`` and ``sim send-mail`` to the ``sim`` commands."""
    listed = commands.add_parser(
        "mail",
        help="the e-mail the platform sent through SES (local stack), newest first",
        description="The e-mail the platform sent through SES on the local stack, newest "
        "first; --to keeps those sent to an address.",
    )
    listed.add_argument("--to", metavar="ADDRESS", help="only those sent to ADDRESS")
    listed.add_argument("--json", action="store_true", help="print them as JSON")
    listed.add_argument("--aws-url", default=None, help="the local AWS endpoint (moto)")
    listed.add_argument(
        "--local",
        action="store_true",
        default=argparse.SUPPRESS,
        help="read the running local stack's (reads .local/env.json)",
    )
    listed.set_defaults(func=_guarded(_cmd_mail))

    sent = commands.add_parser(
        "send-mail",
        help="send an e-mail to the platform (SMTP to the local run's listener)",
        description="Send an e-mail over SMTP to the local run's listener, which receives it "
        "as SES does and hands it to the platform.",
    )
    sent.add_argument("--to", required=True, metavar="ADDRESS")
    sent.add_argument("--from", dest="from_", required=True, metavar="ADDRESS")
    sent.add_argument("--subject", default="")
    sent.add_argument("--body", default="")
    sent.add_argument("--attach", action="append", metavar="FILE", help="attach FILE (repeat)")
    sent.add_argument(
        "--verdict",
        action="append",
        metavar="NAME=STATUS",
        help="make an SES verdict come out so, e.g. spam=FAIL or dkim=FAIL (repeat)",
    )
    sent.add_argument("--smtp", default=None, metavar="HOST:PORT", help="the SMTP listener")
    sent.add_argument(
        "--local",
        action="store_true",
        default=argparse.SUPPRESS,
        help="send to the running local stack's listener (reads .local/env.json)",
    )
    sent.set_defaults(func=_guarded(_cmd_send_mail))
