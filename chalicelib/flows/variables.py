"""Flow variables: names, values and interpolation into text.

Namespaces, as the Phonon seed defines them: ``$flow.key.<name>`` (per call, set by widgets),
``$user.key.<name>`` (per account, latest value wins), ``$sys.datetime|date|time`` (the wall
clock of the flow's IANA time zone, ``$sys.timezone``) and the ``$call.*`` variables. A name
may also be written braced, ``${flow.key.any name}``, when it holds characters a bare name
cannot. A bare ``$flow.key.<name>`` / ``$user.key.<name>`` may hold the special characters the
seed allows (``first.name``, ``a@b``, ``50%off``): it is read as the longest name the flow
declares or assigns (``Names``) that ends where a word ends, else as letters, digits, ``_`` and
``-``. ``references`` refuses at load what that reading leaves ambiguous (a declared ``first``
before ``.name``) and a ``$flow.key`` nothing declares, sets or saves. Number parts (country
code, national number, area code, type) come
from the ``phonenumbers`` library. Filling in a template stops with ``VariableLimitError`` as soon
as its text would pass ``MAX_VALUE_BYTES`` characters, before building it. Pure: the clock is a
parameter. Imports nothing from the shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Iterable, Iterator, Mapping

import phonenumbers

from chalicelib.flows.errors import VariableLimitError
from chalicelib.flows.limits import MAX_VALUE_BYTES
from chalicelib.flows.state import CallState, LegRole
from chalicelib.flows.timezones import DEFAULT_ZONE, local
from chalicelib.telephony.events import Direction

NAMESPACES = ("flow.key", "flow.syskey", "user.key", "sys", "call")

SYS_VARIABLES = frozenset({"datetime", "date", "time", "timezone"})

CALL_VARIABLES = frozenset(
    [
        "cdr",
        "start",
        "end",
        "dtmf",
        "state",
        "connect",
        "isIncoming",
        "cli",
        "dnis",
        "cli.number",
        "cli.countrycode",
        "cli.type",
        "cli.numberWithoutArea",
        "cli.areacode",
        "dnis.number",
        "dnis.countrycode",
        "dnis.numberWithoutArea",
        "dnis.type",
        "dnis.areacode",
        "remoteHangup",
        "isdn",
        "cost",
        "cost.currency",
        "recorded",
        "recordingUri",
        "lastdtmfreceived",
        "lastspeechreceived",
        "attemptnumber",
        "amd",
        "lastlabelreceived",
        "lastWebhookStatus",
        "duration",
        "language",
        "agent.connect",
        "agent.dnis",
        "agent.dnis.number",
        "agent.dnis.countrycode",
        "agent.cli",
        "agent.cli.countrycode",
        "agent.cli.number",
        "agent.cli.numberWithoutArea",
        "agent.cli.areaCode",
        "agent.cdr",
        "agent.recordingUri",
        "flow.recordingUri",
        "play_and_record.recordingUri",
        "agent_dialer.recordingUri",
        "ivr_recording.recordingUri",
        "queue.recordingUri",
    ]
)

_ANY_REFERENCE = re.compile(r"\$(?:\{(?P<braced>[^}]*)\}|(?P<head>[A-Za-z]+)\.)")
_REFERENCE = re.compile(
    r"\$(?:\{(?P<braced>[^}]*)\}"
    r"|(?P<named>flow\.key|user\.key)\."
    r"|flow\.syskey\.(?P<syskey>agent\.attempt_number|agent\.type|[A-Za-z0-9_\-]+)"
    r"|sys\.(?P<sys>[A-Za-z]+)"
    r"|call\.(?P<call>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))"
)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_GLUE = frozenset(".@#%&+*^~=|-")
"""Characters a name may hold that also end one in running text: a declared name read before
one of them, followed by a letter or digit, could be a longer name."""
_SPELLED = re.compile(r"[^\s,;:!?'\"()\[\]{}<>$]+")


@dataclass(frozen=True)
class Names:
    """The ``$flow.key`` and ``$user.key`` names a flow declares or assigns, longest first: a
    bare reference is read as the longest of them that ends where a word ends."""

    flow: tuple[str, ...] = ()
    user: tuple[str, ...] = ()

    @classmethod
    def of(cls, flow: Iterable[str] = (), user: Iterable[str] = ()) -> Names:
        """Names from any iterables (duplicates and order do not matter)."""
        return cls(_longest_first(flow), _longest_first(user))

    def known(self, namespace: str) -> tuple[str, ...]:
        """The names of ``namespace`` (``flow.key`` or ``user.key``)."""
        return self.flow if namespace == "flow.key" else self.user


def _longest_first(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(names), key=lambda name: (-len(name), name)))


NO_NAMES = Names()


def name_at(text: str, position: int, known: tuple[str, ...]) -> tuple[str, int]:
    """The name a bare reference spells from ``position`` and where it ends: the longest of
    ``known`` that ends where a word ends, else letters, digits, ``_`` and ``-``."""
    for name in known:
        end = position + len(name)
        if text.startswith(name, position) and (end == len(text) or text[end] not in _WORD):
            return name, end
    match = _PLAIN_NAME.match(text, position)
    return (match.group(), match.end()) if match else ("", position)


def _runs_on(text: str, end: int) -> bool:
    """Whether a name read up to ``end`` is followed by a character a name may hold and then a
    letter or digit (``first`` in ``first.name``): another name could be meant."""
    return end + 1 < len(text) and text[end] in _GLUE and text[end + 1] in _WORD


@dataclass(frozen=True)
class VariableRef:
    """A parsed variable reference: namespace and name."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"${self.namespace}.{self.name}"


def parse_name(text: str) -> VariableRef:
    """Parse ``$flow.key.x`` (or ``flow.key.x``) into a reference; raise ``ValueError``."""
    body = text[1:] if text.startswith("$") else text
    body = body[1:-1] if body.startswith("{") and body.endswith("}") else body
    for namespace in NAMESPACES:
        prefix = namespace + "."
        if body.startswith(prefix) and len(body) > len(prefix):
            ref = VariableRef(namespace, body[len(prefix) :])
            _check_known(ref)
            return ref
    raise ValueError(f"unknown variable namespace in {text!r} (use $flow.key., $user.key., ...)")


def _check_known(ref: VariableRef) -> None:
    if ref.namespace == "sys" and ref.name not in SYS_VARIABLES:
        raise ValueError(f"unknown system variable ${ref.namespace}.{ref.name}")
    if ref.namespace == "call" and ref.name not in CALL_VARIABLES:
        raise ValueError(f"unknown call variable $call.{ref.name}")


def _longest_call_name(dotted: str) -> tuple[str, str]:
    """Split ``cli.number.`` style matches into the longest known name and the rest."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if name in CALL_VARIABLES:
            rest = ".".join(parts[end:])
            return name, ("." + rest if rest else "")
    return dotted, ""


def _spelled(text: str, position: int) -> str:
    """The name as written from ``position``, for a message: up to a space or punctuation."""
    match = _SPELLED.match(text, position)
    return match.group().rstrip(".") if match else ""


def _named_problem(text: str, match: re.Match[str], names: Names | None) -> str | None:
    """What is wrong with the bare ``$flow.key`` / ``$user.key`` reference at ``match``."""
    namespace = match.group("named")
    name, end = name_at(text, match.end(), names.known(namespace) if names else ())
    if not name:
        return f"malformed variable reference at {text[match.start() : match.start() + 24]!r}"
    if names is None:
        return None
    written = _spelled(text, match.end())
    if _runs_on(text, end):
        return (
            f"${namespace}.{written}: reads as ${namespace}.{name} followed by "
            f"{text[end : match.end() + len(written)]!r}; if the name is {written!r}, declare it"
            f" under variables (or set it), else write ${{{namespace}.{name}}}"
        )
    if namespace == "flow.key" and name not in names.flow:
        return _undeclared(name)
    return None


def _undeclared(name: str) -> str:
    return (
        f"$flow.key.{name}: no flow variable of that name (nothing declares, sets or saves it);"
        f" declare it under variables"
    )


def references(text: str, names: Names | None = None) -> list[str]:
    """Problems with the variable references in ``text`` (empty when all are valid). Given
    ``names`` (every name the flow declares or assigns), a bare name that reads ambiguously
    and a ``$flow.key`` nothing declares, sets or saves are problems too."""
    problems: list[str] = []
    for match in _ANY_REFERENCE.finditer(text):
        braced = match.group("braced")
        if braced is not None:
            try:
                ref = parse_name(braced)
            except ValueError as error:
                problems.append(str(error))
                continue
            if names is not None and ref.namespace == "flow.key" and ref.name not in names.flow:
                problems.append(_undeclared(ref.name))
            continue
        start = match.start()
        found = _REFERENCE.match(text, start)
        head = match.group("head")
        if found is None:
            if head in {"flow", "user", "sys", "call"}:
                problems.append(f"malformed variable reference at {text[start : start + 24]!r}")
            else:
                problems.append(f"unknown variable namespace ${head}.")
            continue
        if found.group("named") is not None:
            problem = _named_problem(text, found, names)
            if problem:
                problems.append(problem)
        if found.group("sys") is not None and found.group("sys") not in SYS_VARIABLES:
            problems.append(f"unknown system variable $sys.{found.group('sys')}")
        if found.group("call") is not None:
            name, _ = _longest_call_name(found.group("call"))
            if name not in CALL_VARIABLES:
                problems.append(f"unknown call variable $call.{name}")
    return problems


def scan(text: str, names: Names = NO_NAMES) -> Iterator[tuple[int, int, VariableRef | None, str]]:
    """Each variable reference in ``text``: its span, what it names (None: a braced name that
    is not a variable, left as written) and the text after a ``$call`` name that is not part of
    it (``$call.cli.`` at the end of a sentence)."""
    position = 0
    while (match := _REFERENCE.search(text, position)) is not None:
        start, end = match.span()
        ref: VariableRef | None = None
        tail = ""
        if (braced := match.group("braced")) is not None:
            try:
                ref = parse_name(braced)
            except ValueError:
                ref = None
        elif (namespace := match.group("named")) is not None:
            name, end = name_at(text, end, names.known(namespace))
            if not name:
                position = end
                continue
            ref = VariableRef(namespace, name)
        elif match.group("syskey") is not None:
            ref = VariableRef("flow.syskey", match.group("syskey"))
        elif match.group("sys") is not None:
            ref = VariableRef("sys", match.group("sys"))
        else:
            name, tail = _longest_call_name(match.group("call"))
            ref = VariableRef("call", name)
        yield start, end, ref, tail
        position = end


def user_keys(text: str, names: Names = NO_NAMES) -> set[str]:
    """The ``$user.key`` names ``text`` reads, bare or braced. Exact: a name is always written
    out in the template (a value is never read as a template, and ``$user.key.$flow.key.x`` is
    not a reference), so it cannot be computed at run time."""
    return {ref.name for _, _, ref, _ in scan(text, names) if ref and ref.namespace == "user.key"}


def with_samples(text: str, sample: str = "x", names: Names = NO_NAMES) -> str:
    """``text`` with every variable reference replaced by ``sample``: what a template looks
    like filled in, for checks made when the flow is loaded."""
    parts: list[str] = []
    position = 0
    for start, end, _, tail in scan(text, names):
        parts += (text[position:start], sample, tail)
        position = end
    parts.append(text[position:])
    return "".join(parts)


@lru_cache(maxsize=512)
def number_parts(digits: str) -> dict[str, str]:
    """A number's parts: ``number`` (national), ``countrycode``, ``type``, ``areacode`` and
    ``numberWithoutArea`` ('' where unknown; ``number`` is the digits given when it cannot be
    read). Do not change the dict returned: it is cached."""
    parts = {
        "number": digits,
        "countrycode": "",
        "type": "",
        "areacode": "",
        "numberWithoutArea": "",
    }
    if not digits:
        return parts
    try:
        parsed = phonenumbers.parse("+" + digits.lstrip("+"), None)
    except phonenumbers.NumberParseException:
        return parts
    national = phonenumbers.national_significant_number(parsed)
    area_length = phonenumbers.length_of_geographical_area_code(parsed)
    kind = phonenumbers.number_type(parsed)
    type_names = {
        v: k.lower() for k, v in vars(phonenumbers.PhoneNumberType).items() if k.isupper()
    }
    parts.update(
        number=national,
        countrycode=str(parsed.country_code),
        type=type_names.get(kind, "unknown"),
        areacode=national[:area_length],
        numberWithoutArea=national[area_length:],
    )
    return parts


def wall_clock(moment: datetime | None, zone: str = DEFAULT_ZONE) -> str:
    """``moment`` as the flow's variables show a time: ``YYYY-MM-DD HH:MM:SS`` on the wall clock
    of ``zone`` ('' for None; a naive moment is shown as it is)."""
    if moment is None:
        return ""
    wall = local(moment, zone) if moment.tzinfo else moment
    return wall.strftime("%Y-%m-%d %H:%M:%S")


def call_variables(state: CallState, now: datetime, zone: str = DEFAULT_ZONE) -> dict[str, str]:
    """Every ``$call.*`` value of a call at ``now`` (unset ones are empty strings), its times on
    the wall clock of the flow's ``zone``."""
    values = {name: "" for name in CALL_VARIABLES}
    cli, dnis = state.from_number, state.to_number
    values.update(
        cdr=state.call_id,
        start=wall_clock(state.started_at, zone),
        end=wall_clock(state.ended_at, zone),
        connect=wall_clock(
            state.answered_at, zone
        ),  # a bridge, once answered, sets it to its own time
        isIncoming="true" if state.direction is Direction.INBOUND else "false",
        cli=cli,
        dnis=dnis,
        attemptnumber=str(state.attempt),
        language=state.language,
        state="Hangup" if state.finished else ("connected" if state.answered_at else "dialing"),
        duration=str(_duration(state, now)),
        recorded="false",
    )
    cost = state.cost()
    if cost is not None:
        values["cost"] = str(cost)
    for prefix, number in (("cli", cli), ("dnis", dnis)):
        parts = number_parts(number)
        for part in ("number", "countrycode", "type", "areacode", "numberWithoutArea"):
            values[f"{prefix}.{part}"] = parts[part]
    values.update({k: v for k, v in state.call_vars.items() if not k.startswith("_")})
    return values


def _duration(state: CallState, now: datetime) -> int:
    """Seconds since the call was answered; once it has ended, the carrier's own count."""
    if state.answered_at is None:
        return 0
    if state.finished:
        caller = next((leg for leg in state.legs.values() if leg.role is LegRole.CALLER), None)
        if caller is not None and caller.duration is not None:
            return caller.duration
    end = state.ended_at or now
    return max(0, int((end - state.answered_at).total_seconds()))


@dataclass(frozen=True)
class Scope:
    """The values visible to a flow at one moment of one call."""

    flow: Mapping[str, str]
    user: Mapping[str, str]
    call: Mapping[str, str]
    now: datetime
    zone: str = DEFAULT_ZONE
    """The flow's IANA time zone: ``$sys.datetime|date|time`` are its wall clock."""
    names: Names = NO_NAMES
    """The names the flow declares or assigns: how a bare name is read."""

    @classmethod
    def of(
        cls, state: CallState, now: datetime, zone: str = DEFAULT_ZONE, names: Names = NO_NAMES
    ) -> Scope:
        """The scope of ``state`` at ``now``, in the flow's time zone ``zone``."""
        call = call_variables(state, now, zone)
        return cls(state.flow_vars, state.user_vars, call, now, zone, names)

    def lookup(self, ref: VariableRef) -> str:
        """The value of ``ref`` ('' when unset)."""
        if ref.namespace in ("flow.key", "flow.syskey"):
            key = ref.name if ref.namespace == "flow.key" else "syskey." + ref.name
            return self.flow.get(key, "")
        if ref.namespace == "user.key":
            return self.user.get(ref.name, "")
        if ref.namespace == "sys":
            wall = wall_clock(self.now, self.zone)
            return {
                "datetime": wall,
                "date": wall[:10],
                "time": wall[11:],
                "timezone": self.zone,
            }.get(ref.name, "")
        return self.call.get(ref.name, "")

    def interpolate(self, text: str, limit: int = MAX_VALUE_BYTES) -> str:
        """``text`` with every variable reference replaced by its value, in one pass: a value
        is never read as a template itself. ``VariableLimitError`` when the result would be
        longer than ``limit`` characters; it is never built."""
        if "$" not in text:
            return text
        parts: list[str] = []
        length = position = 0
        for start, end, ref, tail in scan(text, self.names):
            literal = text[position:start]
            value = (self.lookup(ref) if ref else text[start:end]) + tail
            length += len(literal) + len(value)
            if length > limit:
                raise VariableLimitError(f"a template's text would pass {limit} characters")
            parts += (literal, value)
            position = end
        if length + len(text) - position > limit:
            raise VariableLimitError(f"a template's text would pass {limit} characters")
        parts.append(text[position:])
        return "".join(parts)
