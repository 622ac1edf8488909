"""Parsing received mail: GIVEN raw MIME as mail clients write it (plain, HTML only,
multipart/alternative, quoted-printable, base64, Latin-1, Windows-1252, UTF-8, attachments)
or garbage, WHEN it is parsed, THEN the sender, reply address, subject, text and whole
attachments come out, and nothing ever raises."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from email.policy import SMTP

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.mail.message import (
    MAX_HEADER_CHARS,
    MAX_MAIL_BYTES,
    MAX_TEXT_CHARS,
    InboundMail,
    Verdicts,
    parse,
)
from chalicelib.mail.mime import html_to_text

PASSED = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="PASS", dmarc="PASS")


def parsed(raw: bytes, recipients: tuple[str, ...] = ("Cb@Mail.Example",)) -> InboundMail:
    return parse(raw, message_id="ses-1", recipients=recipients, verdicts=PASSED)


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("latin-1")


def test_a_plain_mail_gives_its_sender_subject_and_text() -> None:
    mail = parsed(
        crlf(
            "From: Ann Example <Ann@Example.COM>\n"
            "To: cb@mail.example\n"
            "Subject: call me\n"
            "Message-ID: <m1@example.com>\n"
            "\n"
            "CALL 441234567890\n"
        )
    )
    assert mail.message_id == "ses-1"
    assert (mail.sender, mail.reply_to) == ("ann@example.com", "ann@example.com")
    assert mail.recipients == ("cb@mail.example",)
    assert (mail.subject, mail.text) == ("call me", "CALL 441234567890")
    assert mail.header_message_id == "<m1@example.com>"
    assert mail.attachments == ()
    assert mail.verdicts.trusted


def test_replies_go_to_reply_to_when_there_is_one() -> None:
    mail = parsed(crlf("From: a@example.com\nReply-To: Desk <Desk@Example.com>\n\nhi\n"))
    assert (mail.sender, mail.reply_to) == ("a@example.com", "desk@example.com")


def test_an_html_only_mail_is_read_as_text_without_scripts_or_styles() -> None:
    mail = parsed(
        crlf(
            "From: a@example.com\n"
            "Content-Type: text/html; charset=utf-8\n"
            "\n"
            "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
            "<body><p>Line   one</p><div>Line two<br>Line three</div>&amp; &eacute;</body></html>\n"
        )
    )
    assert mail.text == "Line one\n\nLine two\nLine three\n& \u00e9"


def test_multipart_alternative_prefers_the_plain_text() -> None:
    message = EmailMessage()
    message["From"] = "a@example.com"
    message["Subject"] = "both"
    message.set_content("the plain one")
    message.add_alternative("<p>the <b>html</b> one</p>", subtype="html")
    assert parsed(message.as_bytes(policy=SMTP)).text == "the plain one"


def test_quoted_printable_in_windows_1252_is_decoded() -> None:
    mail = parsed(
        crlf(
            "From: a@example.com\n"
            "Content-Type: text/plain; charset=windows-1252\n"
            "Content-Transfer-Encoding: quoted-printable\n"
            "\n"
            "Price =80 5 =96 caf=E9 and a soft=\n"
            " break\n"
        )
    )
    assert mail.text == "Price \u20ac 5 \u2013 caf\u00e9 and a soft break"


def test_latin_1_is_read_as_mail_clients_mean_it() -> None:
    # clients label Windows-1252 text iso-8859-1; 0x80 is the euro sign there
    mail = parsed(
        b"From: a@example.com\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        b"Gr\xfc\xdfe \x80\r\n"
    )
    assert mail.text == "Gr\u00fc\u00dfe \u20ac"


def test_base64_utf8_is_decoded() -> None:
    message = EmailMessage()
    message["From"] = "a@example.com"
    message.set_content("\u00bfQu\u00e9 tal? \u65e5\u672c", charset="utf-8", cte="base64")
    raw = message.as_bytes(policy=SMTP)
    assert b"base64" in raw
    assert parsed(raw).text == "\u00bfQu\u00e9 tal? \u65e5\u672c"


def test_encoded_words_in_headers_are_decoded() -> None:
    mail = parsed(
        crlf(
            "From: =?utf-8?q?J=C3=B6rg?= <joerg@example.com>\n"
            "Subject: =?iso-8859-1?q?caf=E9?= =?utf-8?b?4oKs?=\n"
            "\n"
            "x\n"
        )
    )
    assert (mail.sender, mail.subject) == ("joerg@example.com", "caf\u00e9\u20ac")


def test_an_unknown_or_unusable_charset_falls_back_safely() -> None:
    for charset in ("x-no-such-charset", "zlib_codec", "idna", '"utf-8"'):
        mail = parsed(
            b"From: a@example.com\r\nContent-Type: text/plain; charset="
            + charset.encode()
            + b"\r\n\r\ncaf\xc3\xa9\r\n"
        )
        assert mail.text == "caf\u00e9", charset
    undeclared = parsed(b"From: a@example.com\r\nContent-Type: text/plain\r\n\r\ncaf\xe9\r\n")
    assert undeclared.text == "caf\u00e9"


def test_attachments_come_through_whole() -> None:
    csv = "name,number\r\nAnn,+441234567890\r\nB\u00e9a,+33123456789\r\n".encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("list.csv", csv)
    zipped = archive.getvalue()
    message = EmailMessage()
    message["From"] = "a@example.com"
    message["Subject"] = "contacts"
    message.set_content("see attached")
    message.add_alternative("<p>see attached</p>", subtype="html")
    message.add_attachment(csv, maintype="text", subtype="csv", filename="list.csv")
    message.add_attachment(zipped, maintype="application", subtype="zip", filename="../x/all.zip")
    mail = parsed(message.as_bytes(policy=SMTP))
    assert mail.text == "see attached"
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("list.csv", "text/csv"),
        ("all.zip", "application/zip"),
    ]
    assert mail.attachments[0].data == csv
    assert mail.attachments[1].data == zipped
    assert zipfile.ZipFile(io.BytesIO(mail.attachments[1].data)).read("list.csv") == csv


def test_an_attached_mail_is_one_attachment() -> None:
    inner = EmailMessage()
    inner["From"] = "b@example.com"
    inner["Subject"] = "forwarded"
    inner.set_content("inner body")
    outer = EmailMessage()
    outer["From"] = "a@example.com"
    outer.set_content("outer body")
    outer.add_attachment(inner)
    mail = parsed(outer.as_bytes(policy=SMTP))
    assert mail.text == "outer body"
    assert [a.content_type for a in mail.attachments] == ["message/rfc822"]
    assert b"inner body" in mail.attachments[0].data


def test_broken_mime_gives_what_could_be_read() -> None:
    broken = crlf(
        "From: a@example.com\n"
        "Subject: broken\n"
        "Content-Type: multipart/mixed; boundary=never-closed\n"
        "\n"
        "--never-closed\n"
        "Content-Type: text/plain\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "aGVsbG8gd29ybGQ=!!!not base64\n"
    )
    mail = parsed(broken)
    assert (mail.sender, mail.subject) == ("a@example.com", "broken")
    assert mail.text.startswith("hello world")


def test_headers_too_large_are_cut_and_parsed_quickly() -> None:
    # the structured header parsers are quadratic on some inputs: a megabyte of parameters
    # in a Content-Type took minutes before the cap
    raw = (
        b"From: " + b"a@b.example, " * 100_000 + b"\r\n"
        b"Subject: " + b"x" * 1_000_000 + b"\r\n"
        b"Content-Type: text/plain; " + b"a;b=" * 200_000 + b"\r\n\r\nbody\r\n"
    )
    mail = parsed(raw)  # took minutes before the cap
    assert mail.sender == "a@b.example"
    assert len(mail.subject) <= MAX_HEADER_CHARS
    assert mail.text == "body"


def test_a_mail_over_the_size_cap_gives_its_headers_only() -> None:
    raw = b"From: a@example.com\r\nSubject: big\r\n\r\n" + b"x" * (MAX_MAIL_BYTES + 1)
    mail = parsed(raw)
    assert (mail.sender, mail.subject, mail.text, mail.attachments) == (
        "a@example.com",
        "big",
        "",
        (),
    )


def test_the_text_is_cut_at_its_cap() -> None:
    raw = b"From: a@example.com\r\n\r\n" + b"y" * (MAX_TEXT_CHARS + 10)
    assert len(parsed(raw).text) == MAX_TEXT_CHARS


def test_no_from_gives_no_sender() -> None:
    mail = parsed(b"Subject: anonymous\r\n\r\nhi\r\n", recipients=())
    assert (mail.sender, mail.reply_to, mail.recipients) == ("", "", ())


def test_html_line_breaks_and_preformatted_text() -> None:
    assert html_to_text("a<br/>b<p>c</p><pre>  x\n  y</pre>") == "a\nb\nc\n\nx\ny"
    assert html_to_text("<table><tr><td>1</td><td>2</td></tr></table>") == "1 2"
    assert html_to_text("<p>unclosed <script>never closed") == "unclosed"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_crash(raw: bytes) -> None:
    mail = parsed(raw)
    assert isinstance(mail.text, str)
    assert mail.message_id == "ses-1"


MIME_PIECES = st.sampled_from(
    [
        b"From: ",
        b"a@example.com",
        b"=?utf-8?b?",
        b"=?x-bad?q?=FF?=",
        b"\r\n",
        b"\n",
        b"Content-Type: multipart/mixed; boundary=b",
        b"Content-Type: text/html; charset=",
        b"Content-Type: message/rfc822",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Content-Disposition: attachment; filename*=utf-8''%FF",
        b"--b",
        b"--b--",
        b"<p>",
        b"<script>",
        b"=E9=",
        b"\xff\xfe\x00",
        b"aGVsbG8=",
        b":",
        b";",
        b'"',
        b" ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(MIME_PIECES, max_size=80))
def test_mangled_mime_never_crashes(pieces: list[bytes]) -> None:
    mail = parsed(b"".join(pieces))
    assert isinstance(mail.subject, str)
    assert all(isinstance(a.data, bytes) for a in mail.attachments)
