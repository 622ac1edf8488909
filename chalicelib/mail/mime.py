"""The MIME reading behind ``mail.message.parse``: headers, structure, text, attachments.

``email`` with ``email.policy.default`` (each header value cut to ``MAX_HEADER_CHARS``, see
``_CappedPolicy``) and ``html.parser`` for HTML bodies (scripts and styles dropped, a line per
<br>, <p> and <div>). Imported on first use by ``mail.message.parse``; imports only the
standard library and ``mail.message``.
"""

from __future__ import annotations

import contextlib
import re
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import SMTP, EmailPolicy
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import Any, Sequence

from chalicelib.mail.message import (
    MAX_DEPTH,
    MAX_HEADER_BYTES,
    MAX_HEADER_CHARS,
    MAX_MAIL_BYTES,
    MAX_PARTS,
    MAX_TEXT_CHARS,
    Attachment,
    InboundMail,
    Verdicts,
)


class _CappedPolicy(EmailPolicy):
    """``email.policy.default`` reading at most ``MAX_HEADER_CHARS`` of a header value.

    The structured header parsers are quadratic on some inputs (a megabyte of ``a;b=`` in a
    Content-Type takes minutes): the cap keeps every header's parse short.
    """

    def header_fetch_parse(self, name: str, value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_HEADER_CHARS:
            value = value[:MAX_HEADER_CHARS]
        return super().header_fetch_parse(name, value)


_POLICY = _CappedPolicy()


def read(
    raw: bytes, *, message_id: str, recipients: Sequence[str], verdicts: Verdicts
) -> InboundMail:
    """``mail.message.parse``'s work: one raw RFC 5322 message read; never raises."""
    envelope = tuple(r.strip().lower() for r in recipients if isinstance(r, str) and r.strip())
    empty = InboundMail(
        message_id=message_id,
        sender="",
        reply_to="",
        recipients=envelope,
        subject="",
        text="",
        verdicts=verdicts,
    )
    try:
        data = bytes(raw)
    except (TypeError, ValueError):
        return empty
    headers_only = len(data) > MAX_MAIL_BYTES
    try:
        message = BytesParser(policy=_POLICY).parsebytes(
            data[:MAX_HEADER_BYTES] if headers_only else data, headersonly=headers_only
        )
    except Exception:  # the parser is lenient; this is the last guard against garbage
        return empty
    sender = _first_address(message, "From")
    reply_to = _first_address(message, "Reply-To") or sender
    subject = _header_text(message, "Subject")
    header_id = _header_raw(message, "Message-ID").strip()
    text = ""
    attachments: tuple[Attachment, ...] = ()
    if not headers_only:
        try:
            body, parts = _walk(message)
            text = _body_text(body) if body is not None else ""
            attachments = tuple(_attachment(part) for part in parts)
        except Exception:  # recursion or a part the parser left half-built
            text, attachments = "", ()
    return InboundMail(
        message_id=message_id,
        sender=sender,
        reply_to=reply_to,
        recipients=envelope,
        subject=subject,
        text=text,
        verdicts=verdicts,
        attachments=attachments,
        header_message_id=header_id[:MAX_HEADER_CHARS] if header_id.startswith("<") else "",
    )


# -- headers ---------------------------------------------------------------------------------------


def _header_raw(message: Message, name: str) -> str:
    """A header's value as received (unparsed, unfolded, cut to the cap); "" when absent."""
    wanted = name.lower()
    for key, value in message.raw_items():
        if key.lower() == wanted:
            text = value if isinstance(value, str) else str(value)
            return re.sub(r"\r?\n[ \t]*", " ", text[:MAX_HEADER_CHARS])
    return ""


def _decoded(value: str) -> str:
    """RFC 2047 encoded-words decoded; the value as it stands when they cannot be."""
    try:
        return str(make_header(decode_header(value)))
    except Exception:
        return value


def _header_text(message: Message, name: str) -> str:
    return _clean(_decoded(_header_raw(message, name))).strip()


def _first_address(message: Message, name: str) -> str:
    value = _header_raw(message, name)
    if not value:
        return ""
    try:
        pairs = getaddresses([_decoded(value)])
    except Exception:
        return ""
    for _, found in pairs:
        address = found.strip().lower()
        if "@" in address and not any(c.isspace() or ord(c) < 32 for c in address):
            return address
    return ""


def _clean(text: str) -> str:
    """Control characters (but tabs and line breaks) removed."""
    return "".join(c for c in text if c in "\t\n" or (ord(c) >= 32 and ord(c) != 127))


# -- structure -------------------------------------------------------------------------------------


def _walk(message: Message) -> tuple[Message | None, list[Message]]:
    """The body part (text/plain preferred, else text/html) and the attached parts."""
    leaves: list[Message] = []
    _collect(message, leaves, 0)
    plain = html = None
    for part in leaves:
        if _is_attachment(part):
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part
        elif kind == "text/html" and html is None:
            html = part
    body = plain if plain is not None else html
    attached = [p for p in leaves if p is not body and _is_attachment(p)]
    return body, attached


def _collect(part: Message, leaves: list[Message], depth: int) -> None:
    if len(leaves) >= MAX_PARTS or depth > MAX_DEPTH:
        return
    if part.get_content_maintype() == "multipart":
        children = part.get_payload()
        for child in children if isinstance(children, list) else []:
            if isinstance(child, Message):
                _collect(child, leaves, depth + 1)
        return
    leaves.append(part)


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment" or _filename(part):
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        return ""
    name = _clean(_decoded(str(name))).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255]


def _attachment(part: Message) -> Attachment:
    return Attachment(
        filename=_filename(part), content_type=part.get_content_type(), data=_payload(part)
    )


def _payload(part: Message) -> bytes:
    """The part's bytes with its transfer encoding undone (what the parser could recover)."""
    try:
        if part.is_multipart():  # message/rfc822: the attached mail as it was sent
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0].as_bytes(policy=SMTP)
            return b""
        payload = part.get_payload(decode=True)
    except Exception:  # a part the parser left half-built
        return b""
    return payload if isinstance(payload, bytes) else b""


# -- text ------------------------------------------------------------------------------------------


def _body_text(part: Message) -> str:
    text = _decode(_payload(part), part.get_content_charset())
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    text = _clean(text.replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()[:MAX_TEXT_CHARS]


# What mail clients mean when they declare these (WHATWG's encoding labels).
_ALIASES = {
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
}


def _decode(data: bytes, charset: str | None) -> str:
    """Bytes as text in the declared charset; UTF-8, then Windows-1252, when it is unusable."""
    declared = (charset or "").strip().strip('"').lower()
    if declared in ("us-ascii", "ascii", "") and _is_utf8(data):
        return data.decode("utf-8")
    if declared:
        decoded = _decode_as(data, _ALIASES.get(declared, declared))
        if decoded is not None:
            return decoded
    if _is_utf8(data):
        return data.decode("utf-8")
    return data.decode("windows-1252", errors="replace")


def _decode_as(data: bytes, charset: str) -> str | None:
    try:
        return data.decode(charset, errors="replace")
    except Exception:  # unknown charset, a codec that is not a text codec, or one that refuses
        return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_BLOCKS = frozenset(
    {
        "p",
        "div",
        "tr",
        "li",
        "ul",
        "ol",
        "table",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "title",
    }
)
_HIDDEN = frozenset({"script", "style", "head", "template", "noscript"})


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._hidden = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self.chunks.append("\n")
        elif tag in _BLOCKS:
            self.chunks.append("\n")
            self._pre += tag == "pre"
        elif tag in ("td", "th"):
            self.chunks.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" or tag in _BLOCKS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.chunks.append("\n")
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        self.chunks.append(data if self._pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """HTML as the reader sees it: no scripts or styles, a line per <br>, <p> and <div> (and
    per line of a <pre>), each line stripped."""
    reader = _TextOfHtml()
    with contextlib.suppress(Exception):  # html.parser is lenient; a last guard
        reader.feed(html)
        reader.close()
    lines = [line.strip() for line in "".join(reader.chunks).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
