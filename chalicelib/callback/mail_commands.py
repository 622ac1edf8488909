"""The e-mail callback's command grammar (PortaSIP's): one e-mail's subject and plain text read
into one typed ``CallRequest``, or refused with a ``CommandError`` whose message is the reply
e-mail's text saying what was wrong and the right form. Pure and total: any subject and text
either parse or raise ``CommandError``, in time linear in their length (only the first
``MAX_TEXT`` characters of a body are read). Imports the standard library and
``chalicelib.errors`` only (no store, no mail parsing, no account lookups: who sent it and
whether to trust it are the caller's).

The command::

    P <account> <password> SN <your number> DN <number to call>

e.g. ``P 6192345678 1ak45 SN 6581433653 DN 420212345678``: call the account's user back on the
``SN`` number, then dial the ``DN`` number.

Where: in the subject (after any ``Re:``/``Fwd:``-style prefixes) when its first word is ``P``;
else in the body, on the first line whose first word is ``P`` among the first
``MAX_LEADING_LINES`` non-empty lines (a greeting may come first). Quoted lines (``>``) are
skipped and reading stops at a signature delimiter (``--``) or a forwarded/original-message
header, so a command quoted from an earlier mail is never acted on. The command may run over up to
``MAX_COMMAND_LINES`` lines; it ends where its second number's line ends, and what follows (a
signature, a quoted reply, the rest of that line after a word) is ignored.

Tolerance, for what mail programs and people produce: words in any case (``p``, ``sn``,
``Dn``) and ``SN:``/``DN:`` with a colon (glued to the number or not); any whitespace between
words (spaces, tabs, new lines, non-breaking and zero-width spaces from HTML); ``SN`` and ``DN``
in either order; a trailing comma or full stop (or ``;``) after a number or the command; numbers
written with a leading ``+`` or ``00``, with spaces, dashes, dots, slashes or brackets inside
(``+44 (0)7700 900-300``: the ``(0)`` of an international number is dropped), in full-width
digits. A number's words are on one line (the first may be on the line after its ``SN``/``DN``).

Values: the account and the password are one word each (1 to 64 printable characters, kept as
sent; a password cannot be the word ``SN`` or ``DN``). A number is 3 to 20 digits and is
returned as ``+<digits>`` when it is international: written with ``+`` or ``00``, or without a
leading ``0`` (the seed's ``420212345678``: country code first); a number written with one
leading ``0`` is national and returned as written without separators (``07700900300``), for the
caller to read in its own country.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final, NamedTuple

from chalicelib.errors import ValidationError

MAX_TEXT: Final = 65536
"""The characters of a body read (the command is in the first lines; the rest is quotes)."""
MAX_SUBJECT: Final = 998
"""The longest subject line read (RFC 5322's line limit)."""
MAX_LEADING_LINES: Final = 5
"""Non-empty body lines before the command's (a greeting) at most."""
MAX_COMMAND_LINES: Final = 10
"""Lines one command may run over."""
MAX_CREDENTIAL: Final = 64
MIN_DIGITS: Final = 3
MAX_DIGITS: Final = 20
MAX_SHOWN: Final = 24
"""The characters of an offending word a reply quotes."""

FORM: Final = "P <account> <password> SN <your number> DN <number to call>"
EXAMPLE: Final = "P 6192345678 1ak45 SN 6581433653 DN 420212345678"
_HOW: Final = (
    f"Write {FORM} in the subject or the first line of the message, for example: {EXAMPLE}"
)

_INVISIBLE: Final = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_NUMBER_CHARS: Final = frozenset("0123456789+-()./,;")
_SEPARATORS: Final = "-()./"
_TRAILING: Final = ".,;:"
_REPLY_PREFIX: Final = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|tr|antw|rif|odp)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_STOP_LINES: Final = (
    "-----original message-----",
    "---------- forwarded message",
    "-------- original message",
    "begin forwarded message:",
)
_FIELDS: Final = {"SN": "source", "DN": "destination"}
_WHAT: Final = {"SN": "Your number (SN)", "DN": "The number to call (DN)"}

REASONS: Final = frozenset(
    {
        "no_command",
        "missing_account",
        "missing_password",
        "bad_account",
        "bad_password",
        "unexpected_word",
        "repeated_field",
        "missing_source",
        "missing_destination",
        "bad_source",
        "bad_destination",
    }
)


@dataclass(frozen=True)
class CallRequest:
    """``P <account> <password> SN <source> DN <destination>``: call ``source`` back, then
    dial ``destination``. Numbers are ``+<digits>`` (international) or ``0<digits>``
    (national, to be read in the service's country)."""

    account: str
    password: str
    source: str
    destination: str


class CommandError(ValidationError):
    """An e-mail that holds no valid command. ``reason`` is stable snake_case (``REASONS``);
    the message (``str(error)``) is the reply's text: what was wrong and the right form."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, problems=[message])
        self.reason = reason


class _Word(NamedTuple):
    line: int
    text: str


def _clean(line: str) -> str:
    """``line`` without invisible characters (zero-width spaces, soft hyphens from HTML)."""
    return line.translate(_INVISIBLE)


def _folded(word: str) -> str:
    return unicodedata.normalize("NFKC", word).upper()


def _starts_command(line: str) -> bool:
    words = line.split(maxsplit=1)
    return bool(words) and _folded(words[0]).rstrip(":") == "P"


def _stops_reading(line: str) -> bool:
    """A quoted line, a signature delimiter or a forwarded message's header."""
    lowered = line.lower()
    return (
        line.startswith(">")
        or line == "--"
        or lowered.startswith(_STOP_LINES)
        or (len(line) >= 10 and set(line) <= {"_"})
    )


def _command_words(subject: str, text: str) -> list[_Word]:
    """The words from the command's ``P`` on; ``CommandError`` when there is no command."""
    line = _REPLY_PREFIX.sub("", _clean(subject[:MAX_SUBJECT]).replace("\n", " "))
    if _starts_command(line):
        return [_Word(0, word) for word in line.split()]
    lines = _clean(text[:MAX_TEXT]).splitlines()
    leading = 0
    for index, body_line in enumerate(lines):
        stripped = body_line.strip()
        if not stripped or stripped.startswith(">"):
            continue  # a quote of an earlier mail: never a command of this one
        if _stops_reading(stripped):
            break
        if _starts_command(stripped):
            words: list[_Word] = []
            for number, later in enumerate(lines[index : index + MAX_COMMAND_LINES]):
                if number and _stops_reading(later.strip()):
                    break
                words += [_Word(number, word) for word in later.split()]
            return words
        leading += 1
        if leading >= MAX_LEADING_LINES:
            break
    raise CommandError("no_command", f"No callback command was found in your message. {_HOW}")


def _shown(word: str) -> str:
    printable = "".join(c if c.isprintable() else "?" for c in word)
    return printable if len(printable) <= MAX_SHOWN else printable[: MAX_SHOWN - 1] + "…"


def _keyword(word: str) -> tuple[str, str] | None:
    """``(SN|DN, glued value)`` when ``word`` is ``SN``, ``dn:``, ``SN:0044...``; else None."""
    folded = _folded(word)
    for key in _FIELDS:
        if folded == key or folded == key + ":":
            return key, ""
        if folded.startswith(key + ":"):
            return key, word.split(":", 1)[1] if ":" in word else folded[len(key) + 1 :]
    return None


def _is_number_word(word: str) -> bool:
    return bool(word) and set(unicodedata.normalize("NFKC", word)) <= _NUMBER_CHARS


def _credential(words: list[_Word], at: int, what: str) -> str:
    if at >= len(words) or _keyword(words[at].text) is not None:
        raise CommandError(f"missing_{what}", f"Your {what} is missing. {_HOW}")
    value = words[at].text
    if len(value) > MAX_CREDENTIAL or not value.isprintable():
        raise CommandError(
            f"bad_{what}",
            f"Your {what} must be one word of 1 to {MAX_CREDENTIAL} printable characters. {_HOW}",
        )
    return value


def _number(parts: list[str], key: str) -> str:
    """A number's words as ``+<digits>`` or ``0<digits>``; ``CommandError`` if it is none."""
    text = unicodedata.normalize("NFKC", "".join(parts)).strip(_TRAILING)
    plus = text.startswith("+")
    body = text[1:] if plus else text
    international = plus or _digits(body).startswith("00")
    if international:
        body = body.replace("(0)", "")  # +44 (0)7700 ...: the national trunk prefix
    digits = _digits(body)
    if international and not plus:
        digits = digits[2:]
    if not digits.isascii() or not digits.isdigit() or not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise CommandError(
            f"bad_{_FIELDS[key]}",
            f"{_WHAT[key]} '{_shown(' '.join(parts))}' is not a phone number: "
            f"write {MIN_DIGITS} to {MAX_DIGITS} digits, country code first "
            f"(+ or 00 before it may be left out). {_HOW}",
        )
    if international or not digits.startswith("0"):
        return "+" + digits
    return digits


def _digits(text: str) -> str:
    return "".join(char for char in text if char not in _SEPARATORS)


def _missing(key: str) -> CommandError:
    return CommandError(f"missing_{_FIELDS[key]}", f"{_WHAT[key]} is missing. {_HOW}")


def parse(subject: str, text: str) -> CallRequest:
    """The command an e-mail's subject or plain text holds; ``CommandError`` (the reply's
    text) when it holds none."""
    words = _command_words(subject, text)
    account = _credential(words, 1, "account")
    password = _credential(words, 2, "password")
    found: dict[str, str] = {}
    at = 3
    while len(found) < len(_FIELDS):
        if at >= len(words):
            raise _missing(next(key for key in _FIELDS if key not in found))
        keyword = _keyword(words[at].text)
        if keyword is None:
            if not found:
                raise CommandError(
                    "unexpected_word",
                    f"'{_shown(words[at].text)}' is not expected after the password. {_HOW}",
                )
            raise _missing(next(key for key in _FIELDS if key not in found))
        key, glued = keyword
        if key in found:
            raise CommandError("repeated_field", f"{key} is given twice. {_HOW}")
        at += 1
        parts: list[str] = [glued] if glued else []
        line = words[at - 1].line if glued else None
        while at < len(words) and _is_number_word(words[at].text):
            if line is not None and words[at].line != line:
                break
            line = words[at].line
            parts.append(words[at].text)
            at += 1
        if not parts:
            if at < len(words) and _keyword(words[at].text) is None:
                parts = [words[at].text]  # a word where the number should be
            else:
                raise _missing(key)
        found[key] = _number(parts, key)
    return CallRequest(account, password, found["SN"], found["DN"])
