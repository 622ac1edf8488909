"""The SMS callback's command grammar (VoipSwitch's): one text message read into one typed
command, or refused with a ``CommandError`` whose message is the reply SMS (one message, at most
160 GSM characters) saying what was wrong and the right form. Pure and total: any text either
parses or raises ``CommandError``, in time linear in its length. Imports the standard library and
``chalicelib.errors`` only (no store, no carrier, no account lookups: who sent it is the caller's).

The commands::

    U.<user> P.<password> D.<destination> O.<source>   CallTwo: call source, then destination
    U.<user> P.<password> R.<number>                   RegisterNumber: a caller id for the user
    B.<name>                                           CallEntry: call a directory entry
    N<k>  (also N.<k>, N <k>)                          CallNumbered: the k-th entry, 1 to 99
    I                                                  Info: balance and last calls, by SMS
    V.<code>  (also VOUCHER <code>, VOUCHER.<code>)    RedeemVoucher: top up with a voucher PIN

The last four are sent from a registered number and take no ``U.`` nor ``P.``. The voucher is
spelt ``V.`` like the other one-letter fields; ``VOUCHER`` is accepted because it is what people
write when they do not know the letter.

Tolerance, for what phone keyboards produce: letters in any case (``u.``, ``voucher``); a ``:``
in place of the ``.``; any whitespace (spaces, tabs, new lines, non-breaking spaces) between
fields and around the separator (``U . name``); fields in any order; whitespace around the
message and one trailing full stop or comma (so a value cannot end with the message's last ``.``
or ``,``; a final ``R.`` or ``I.`` keeps its dot, the field's separator). A value is one run of
non-space characters after the field's first separator: it keeps its own dots and colons
(``P.pa.ss`` is the password ``pa.ss``) and its case (users and passwords are kept as sent).
When a separator stands alone (``U. name``) the next word is the value, unless that word is
itself a field (``U. P.x`` has no user). A field's letter needs its separator (``B office`` is
unknown); only ``N`` and ``V``/``VOUCHER`` also take their value after a space, and ``I`` stands
alone. A space ends a value, so ``O.4 56`` leaves ``56`` unknown.

Values: numbers are 3 to 20 digits with an optional leading ``+`` and ``-`` separators (no
spaces, no brackets), returned without the separators and with the ``+`` kept; directory names
are 1 to 32 letters (any script), digits, ``_`` or ``-``, returned lower-cased; voucher codes are
4 to 32 ASCII letters, digits or ``-``, returned upper-cased without the ``-``; users and
passwords are 1 to 64 characters. Messages over 1,000 characters, and control characters (other
than tab, carriage return and new line), are refused before anything else is read.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final, TypeAlias

from chalicelib.errors import ValidationError

MAX_LENGTH: Final = 1000
MAX_CREDENTIAL: Final = 64
MIN_DIGITS: Final = 3
MAX_DIGITS: Final = 20
MAX_NAME: Final = 32
MAX_INDEX: Final = 99
MIN_VOUCHER: Final = 4
MAX_VOUCHER: Final = 32

_SEPARATORS: Final = ".:"
_ASCII_DIGITS: Final = frozenset("0123456789")
_VOUCHER_CHARS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_ALLOWED_CONTROLS: Final = frozenset("\t\n\r")


@dataclass(frozen=True)
class CallTwo:
    """``U.<user> P.<password> D.<destination> O.<source>``: call source, then destination."""

    user: str
    password: str
    destination: str
    source: str


@dataclass(frozen=True)
class RegisterNumber:
    """``U.<user> P.<password> R.<number>``: register a number for caller-id authentication."""

    user: str
    password: str
    number: str


@dataclass(frozen=True)
class CallEntry:
    """``B.<name>``: call the directory entry of that name (lower-cased)."""

    name: str


@dataclass(frozen=True)
class CallNumbered:
    """``N<k>``: call the k-th directory entry (1-based)."""

    index: int


@dataclass(frozen=True)
class Info:
    """``I``: the balance and the last calls, replied by SMS."""


@dataclass(frozen=True)
class RedeemVoucher:
    """``V.<code>``: top up with a voucher's PIN (upper-cased, without ``-``)."""

    code: str


Command: TypeAlias = CallTwo | RegisterNumber | CallEntry | CallNumbered | Info | RedeemVoucher


class CommandError(ValidationError):
    """An SMS that is no command. ``reason`` is stable snake_case (``REASONS``); the message
    (``str(error)``) is the English reply SMS: what was wrong and the right form, within one SMS.
    ``values`` fill the reply's template in another language (``callback.catalogue``'s
    ``Replies.command_error``): ``field`` (the field as shown, ``D``, ``B.``), ``form`` (the kind
    of command whose form is shown: ``call``, ``register``, ``entry``, ``numbered``, ``info``,
    ``voucher``), ``min`` and ``max`` (limits)."""

    def __init__(self, reason: str, message: str, **values: str) -> None:
        super().__init__(message, problems=[message])
        self.reason = reason
        self.values = values


# The right forms, as the replies show them.
_CALL = "U.<user> P.<password> D.<destination> O.<your number>"
_REGISTER = "U.<user> P.<password> R.<number>"
_HELP = f"Send {_CALL}, or from your registered number B.<name>, N<k>, I or V.<code>"

_CALL_KIND = "call"
_REGISTER_KIND = "register"
_KIND_OF_KEY: Final = {
    "D": _CALL_KIND,
    "O": _CALL_KIND,
    "R": _REGISTER_KIND,
    "B": "entry",
    "N": "numbered",
    "I": "info",
    "V": "voucher",
}
_KEYS: Final = frozenset({"U", "P", *_KIND_OF_KEY})
_ALIASES: Final = {"VOUCHER": "V"}
_BARE_WITH_VALUE: Final = frozenset({"N", "V"})  # ``N 2``, ``VOUCHER 1234``
_BARE: Final = frozenset({"I"})
_FORM_OF_KIND: Final = {
    _CALL_KIND: _CALL,
    _REGISTER_KIND: _REGISTER,
    "entry": "B.<name>",
    "numbered": "N<k>",
    "info": "I",
    "voucher": "V.<code>",
}
_SHOWN: Final = {key: key if key in ("N", "I") else key + "." for key in _KEYS}

REASONS: Final = frozenset(
    {
        "empty",
        "too_long",
        "control_character",
        "unknown_command",
        "repeated_field",
        "mixed_commands",
        "missing_command",
        "unexpected_credentials",
        "unexpected_value",
        "missing_user",
        "missing_password",
        "bad_user",
        "bad_password",
        "missing_destination",
        "missing_source",
        "missing_number",
        "bad_number",
        "missing_name",
        "bad_name",
        "bad_index",
        "missing_voucher",
        "bad_voucher",
    }
)


def _key_of(word: str) -> str | None:
    """The field key a word names (``u`` -> ``U``, ``voucher`` -> ``V``), or None."""
    if not word.isascii() or not word.isalpha():
        return None
    key = word.upper()
    key = _ALIASES.get(key, key)
    return key if key in _KEYS else None


def _split_head(token: str) -> tuple[str, str] | None:
    """``(word, rest)`` when ``token`` is ``word<sep>rest`` with an alphabetic word."""
    for position, char in enumerate(token):
        if char in _SEPARATORS:
            word = token[:position]
            return (word, token[position + 1 :]) if word.isalpha() else None
    return None


def _is_field(token: str) -> bool:
    """Whether ``token`` starts a field of its own (``P.x``, ``voucher:``), not a value."""
    head = _split_head(token)
    return head is not None and _key_of(head[0]) is not None


def _fields(tokens: list[str]) -> list[tuple[str, str | None]]:
    """The message's ``(key, value)`` fields, in order; an unknown word is refused."""
    fields: list[tuple[str, str | None]] = []
    index = 0
    count = len(tokens)

    def value_at(position: int) -> tuple[str | None, int]:
        if position < count and not _is_field(tokens[position]):
            return tokens[position], position + 1
        return None, position

    while index < count:
        token = tokens[index]
        head = _split_head(token)
        value: str | None
        if head is not None:  # U.name, U., voucher:1234
            key = _key_of(head[0])
            if key is None:
                raise CommandError("unknown_command", f"Unknown command. {_HELP}")
            if head[1]:
                value, index = head[1], index + 1
            else:
                value, index = value_at(index + 1)
            fields.append((key, value))
            continue
        key = _key_of(token)
        if key is not None:  # U . name, U .name, N 2, I
            following = tokens[index + 1] if index + 1 < count else ""
            if following and following[0] in _SEPARATORS:
                rest = following[1:]
                if rest:
                    value, index = rest, index + 2
                else:
                    value, index = value_at(index + 2)
            elif key in _BARE_WITH_VALUE:
                value, index = value_at(index + 1)
            elif key in _BARE:
                value, index = None, index + 1
            else:  # ``B office``: a field's letter needs its separator
                raise CommandError("unknown_command", f"Unknown command. {_HELP}")
            fields.append((key, value))
            continue
        if len(token) > 1 and token[0] in "Nn" and not token[1].isalpha():  # N2, n02, N-1
            fields.append(("N", token[1:]))
            index += 1
            continue
        raise CommandError("unknown_command", f"Unknown command. {_HELP}")
    return fields


_MISSING_NUMBER: Final = {
    "missing_destination": "Destination missing. Send ",
    "missing_source": "Your number is missing. Send ",
    "missing_number": "Number to register is missing. Send ",
}


def _number(value: str | None, key: str, kind: str, missing: str) -> str:
    """A number field's value without separators, a leading ``+`` kept."""
    form = _FORM_OF_KIND[kind]
    if value is None:
        raise CommandError(missing, _MISSING_NUMBER[missing] + form, form=kind)
    body = value[1:] if value.startswith("+") else value
    digits = sum(1 for char in body if char in _ASCII_DIGITS)
    if (
        not body
        or any(char not in _ASCII_DIGITS and char != "-" for char in body)
        or not MIN_DIGITS <= digits <= MAX_DIGITS
    ):
        raise CommandError(
            "bad_number",
            f"{key}. is no phone number: give 3 to 20 digits, + first if international, "
            f"no spaces. Send {form}",
            field=key,
            form=kind,
        )
    return ("+" if value.startswith("+") else "") + body.replace("-", "")


def _credentials(found: dict[str, str | None], kind: str) -> tuple[str, str]:
    user, password = found.get("U"), found.get("P")
    form = _FORM_OF_KIND[kind]
    limit = str(MAX_CREDENTIAL)
    if not user:
        raise CommandError("missing_user", f"User missing. Send {form}", form=kind)
    if not password:
        raise CommandError("missing_password", f"Password missing. Send {form}", form=kind)
    if len(user) > MAX_CREDENTIAL:
        raise CommandError(
            "bad_user", f"User is over {limit} characters. Send {form}", form=kind, max=limit
        )
    if len(password) > MAX_CREDENTIAL:
        raise CommandError(
            "bad_password",
            f"Password is over {limit} characters. Send {form}",
            form=kind,
            max=limit,
        )
    return user, password


def _ends_with_key(text: str) -> bool:
    words = text.split()
    return bool(words) and _key_of(words[-1]) is not None


def _check_text(text: str) -> str:
    """The message stripped of surrounding space and one trailing ``.`` or ``,``."""
    if len(text) > MAX_LENGTH:
        raise CommandError(
            "too_long",
            f"Message over {MAX_LENGTH} characters. Send one command, e.g. {_CALL}",
            max=str(MAX_LENGTH),
        )
    for char in text:
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) in ("Cc", "Cs"):
            raise CommandError("control_character", f"Message has a control character. {_HELP}")
    stripped = text.strip()
    if stripped[-1:] == "," or (stripped[-1:] == "." and not _ends_with_key(stripped[:-1])):
        stripped = stripped[:-1].rstrip()  # (``R.`` ends in its separator, not a full stop)
    if not stripped:
        raise CommandError("empty", f"Empty message. {_HELP}")
    return stripped


def parse(text: str) -> Command:
    """The command an SMS's text spells; ``CommandError`` (the reply) when it spells none."""
    fields = _fields(_check_text(text).split())
    kinds = {_KIND_OF_KEY[key] for key, _ in fields if key in _KIND_OF_KEY}
    found: dict[str, str | None] = {}
    for key, value in fields:
        if key in found:
            shown = _SHOWN[key]
            kind = next(iter(kinds)) if len(kinds) == 1 else _CALL_KIND
            form = _FORM_OF_KIND[kind]
            raise CommandError(
                "repeated_field",
                f"{shown} is given twice. Send each once: {form}",
                field=shown,
                form=kind,
            )
        found[key] = value
    if len(kinds) > 1:
        raise CommandError(
            "mixed_commands",
            f"One command per message: {_CALL}, or {_REGISTER}, or B.<name>, N<k>, I or V.<code>",
        )
    if not kinds:
        raise CommandError(
            "missing_command",
            f"Nothing to do. Send {_CALL} to call, or {_REGISTER} to register a number",
        )
    (kind,) = kinds
    if kind == _CALL_KIND:
        user, password = _credentials(found, _CALL_KIND)
        destination = _number(found.get("D"), "D", _CALL_KIND, "missing_destination")
        source = _number(found.get("O"), "O", _CALL_KIND, "missing_source")
        return CallTwo(user, password, destination, source)
    if kind == _REGISTER_KIND:
        user, password = _credentials(found, _REGISTER_KIND)
        number = _number(found["R"], "R", _REGISTER_KIND, "missing_number")
        return RegisterNumber(user, password, number)
    if "U" in found or "P" in found:
        raise CommandError(
            "unexpected_credentials",
            f"{_FORM_OF_KIND[kind]} takes no U. or P.: send it alone from your registered number",
            form=kind,
        )
    if kind == "info":
        if found["I"] is not None:
            raise CommandError(
                "unexpected_value", "I takes nothing after it: send I alone for your balance"
            )
        return Info()
    if kind == "numbered":
        return CallNumbered(_index(found["N"]))
    if kind == "entry":
        return CallEntry(_name(found["B"]))
    return RedeemVoucher(_voucher(found["V"]))


def _index(value: str | None) -> int:
    digits = value.lstrip("0") if value is not None else ""
    if (
        value is None
        or not value
        or any(char not in _ASCII_DIGITS for char in value)
        or len(digits) > 2
        or not 1 <= int(digits or "0") <= MAX_INDEX
    ):
        raise CommandError(
            "bad_index",
            f"N needs an entry number from 1 to {MAX_INDEX}: N2 calls your 2nd entry",
            max=str(MAX_INDEX),
        )
    return int(digits)


def _name(value: str | None) -> str:
    if value is None:
        raise CommandError("missing_name", "Name missing. Send B.<name>, e.g. B.office")
    if len(value) > MAX_NAME or any(not (c.isalnum() or c in "_-") for c in value):
        raise CommandError(
            "bad_name",
            f"B. needs a directory name of 1 to {MAX_NAME} letters, digits, _ or -, e.g. B.office",
            max=str(MAX_NAME),
        )
    return value.lower()


def _voucher(value: str | None) -> str:
    if value is None:
        raise CommandError(
            "missing_voucher", "Voucher code missing. Send V.<code>, e.g. V.12345678"
        )
    code = value.replace("-", "")
    if (
        any(char not in _VOUCHER_CHARS for char in value)
        or not MIN_VOUCHER <= len(code) <= MAX_VOUCHER
    ):
        raise CommandError(
            "bad_voucher",
            f"A voucher code is {MIN_VOUCHER} to {MAX_VOUCHER} letters or digits. "
            "Send V.<code>, e.g. V.12345678",
            min=str(MIN_VOUCHER),
            max=str(MAX_VOUCHER),
        )
    return code.upper()
