"""One received e-mail: who sent it, to whom, its text, its attachments, SES's verdicts.

``parse`` reads raw MIME into an ``InboundMail`` with the standard library's parser (``email``
with ``email.policy.default``, in ``mail.mime``, imported on first use: a product's consumer
imports this module when the app starts, and a voice webhook's cold start must not pay for the
parser). ``parse`` never raises: garbage, broken MIME, unknown charsets and huge headers give a
mail with what could be read (empty fields for the rest). Attachments come through whole (the
bytes as sent, transfer encoding undone) so a product can take a file by mail. The caps and the
charset fallbacks are ``docs/decisions/0020``. Imports only the standard library (and
``mail.mime``, lazily).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

# SES receives at most 40 MB (headers included) into S3: a mail larger than that is not one SES
# delivered, so only its headers are read.
MAX_MAIL_BYTES = 40 * 1024 * 1024
# Where the header block is looked for when a mail is over the cap.
MAX_HEADER_BYTES = 256 * 1024
# A header value longer than this is cut before it is decoded (addresses, subjects).
MAX_HEADER_CHARS = 4096
# The body text handed on is cut here (commands read a line; files travel as attachments).
MAX_TEXT_CHARS = 256 * 1024
# Parts looked at; a mail with more is read up to here.
MAX_PARTS = 500
MAX_DEPTH = 20

_STATUSES = frozenset({"PASS", "FAIL", "GRAY", "PROCESSING_FAILED"})


@dataclass(frozen=True)
class Verdicts:
    """SES's receipt verdicts.

    Each is "PASS" | "FAIL" | "GRAY" | "PROCESSING_FAILED" | "" (unknown).
    """

    spam: str = ""
    virus: str = ""
    spf: str = ""
    dkim: str = ""
    dmarc: str = ""

    @property
    def trusted(self) -> bool:
        """Spam and virus PASS, DKIM or DMARC PASS, and none of SPF/DKIM/DMARC FAIL."""
        return self.refusal() is None

    def refusal(self) -> str | None:
        """None when trusted, else a short reason: "virus", "spam", "spf" or "dkim/dmarc"."""
        if self.virus != "PASS":
            return "virus"
        if self.spam != "PASS":
            return "spam"
        if self.spf == "FAIL":
            return "spf"
        if "FAIL" in (self.dkim, self.dmarc) or "PASS" not in (self.dkim, self.dmarc):
            return "dkim/dmarc"
        return None


def verdicts_from_receipt(receipt: Mapping[str, Any]) -> Verdicts:
    """The verdicts of an SES notification's ``receipt`` (``{"spamVerdict": {"status": ...}}``)."""

    def status(key: str) -> str:
        verdict = receipt.get(key) if isinstance(receipt, Mapping) else None
        value = verdict.get("status") if isinstance(verdict, Mapping) else None
        text = value.upper() if isinstance(value, str) else ""
        return text if text in _STATUSES else ""

    return Verdicts(
        spam=status("spamVerdict"),
        virus=status("virusVerdict"),
        spf=status("spfVerdict"),
        dkim=status("dkimVerdict"),
        dmarc=status("dmarcVerdict"),
    )


@dataclass(frozen=True)
class Attachment:
    """One attached file, whole."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InboundMail:
    """One received e-mail."""

    message_id: str  # SES's mail.messageId: the idempotency key of everything the mail causes
    sender: str  # bare address from From:, lower-cased ("" if none parsable)
    reply_to: str  # Reply-To: if present, else sender (where replies go)
    recipients: tuple[str, ...]  # envelope recipients SES received it for, lower-cased
    subject: str
    text: str  # text/plain preferred, else text/html as text; decoded
    verdicts: Verdicts
    attachments: tuple[Attachment, ...] = ()
    header_message_id: str = ""  # the mail's own Message-ID header: a reply's In-Reply-To


def parse(
    raw: bytes, *, message_id: str, recipients: Sequence[str], verdicts: Verdicts
) -> InboundMail:
    """Parse one raw RFC 5322 message received for ``recipients`` (SES's envelope recipients)
    under SES's ``message_id``, with SES's ``verdicts``; never raises."""
    from chalicelib.mail.mime import read

    return read(raw, message_id=message_id, recipients=recipients, verdicts=verdicts)
