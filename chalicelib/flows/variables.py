"""Flow variables: names, values and interpolation into text.

Namespaces, as the Phonon seed defines them: ``$flow.key.<name>`` (per call, set by widgets),
``$user.key.<name>`` (per account, latest value wins), ``$sys.datetime|date|time`` (the wall
clock of the flow's IANA time zone, ``$sys.timezone``) and the ``$call.*`` variables. A name
may also be written braced, ``${flow.key.any name}``, when it holds characters a bare name
cannot. Number parts (country code, national number, area code, type) come
from the ``phonenumbers`` library. Filling in a template stops with ``VariableLimitError`` as soon
as its text would pass ``MAX_VALUE_BYTES`` characters, before building it. Pure: the clock is a
parameter. Imports nothing from the shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Mapping

import phonenumbers

from chalicelib.flows.errors import VariableLimitError
from chalicelib.flows.limits import MAX_VALUE_BYTES
from chalicelib.flows.state import CallState
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

_BARE = re.compile(
    r"\$(?:(?P<ns>flow\.key|flow\.syskey|user\.key)\.(?P<key>[A-Za-z0-9_\-]+)"
    r"|sys\.(?P<sys>[A-Za-z]+)"
    r"|call\.(?P<call>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))"
)
_ANY_REFERENCE = re.compile(r"\$(?:\{(?P<braced>[^}]*)\}|(?P<head>[A-Za-z]+)\.)")
_REFERENCE = re.compile(r"\$\{(?P<braced>[^}]*)\}|" + _BARE.pattern)


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


def references(text: str) -> list[str]:
    """Problems with the variable references in ``text`` (empty when all are valid)."""
    problems: list[str] = []
    for match in _ANY_REFERENCE.finditer(text):
        braced = match.group("braced")
        if braced is not None:
            try:
                parse_name(braced)
            except ValueError as error:
                problems.append(str(error))
            continue
        start = match.start()
        bare = _BARE.match(text, start)
        head = match.group("head")
        if bare is None:
            if head in {"flow", "user", "sys", "call"}:
                problems.append(f"malformed variable reference at {text[start : start + 24]!r}")
            else:
                problems.append(f"unknown variable namespace ${head}.")
            continue
        if bare.group("sys") is not None and bare.group("sys") not in SYS_VARIABLES:
            problems.append(f"unknown system variable $sys.{bare.group('sys')}")
        if bare.group("call") is not None:
            name, _ = _longest_call_name(bare.group("call"))
            if name not in CALL_VARIABLES:
                problems.append(f"unknown call variable $call.{name}")
    return problems


def user_keys(text: str) -> set[str]:
    """The ``$user.key`` names ``text`` reads, bare or braced. Exact: a name is always written
    out in the template (a value is never read as a template, and ``$user.key.$flow.key.x`` is
    not a reference), so it cannot be computed at run time."""
    names: set[str] = set()
    for match in _REFERENCE.finditer(text):
        braced = match.group("braced")
        if braced is None:
            if match.group("ns") == "user.key":
                names.add(match.group("key"))
            continue
        try:
            ref = parse_name(braced)
        except ValueError:
            continue
        if ref.namespace == "user.key":
            names.add(ref.name)
    return names


def with_samples(text: str, sample: str = "x") -> str:
    """``text`` with every variable reference replaced by ``sample``: what a template looks
    like filled in, for checks made when the flow is loaded."""
    return _REFERENCE.sub(lambda _: sample, text)


@lru_cache(maxsize=512)
def _number_parts(digits: str) -> dict[str, str]:
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


def _iso(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def call_variables(state: CallState, now: datetime) -> dict[str, str]:
    """Every ``$call.*`` value of a call at ``now`` (unset ones are empty strings)."""
    values = {name: "" for name in CALL_VARIABLES}
    cli, dnis = state.from_number, state.to_number
    values.update(
        cdr=state.call_id,
        start=_iso(state.started_at),
        end=_iso(state.ended_at),
        connect=_iso(state.answered_at),  # a bridge, once answered, sets it to its own time
        isIncoming="true" if state.direction is Direction.INBOUND else "false",
        cli=cli,
        dnis=dnis,
        attemptnumber=str(state.attempt),
        language=state.language,
        state="Hangup" if state.finished else ("connected" if state.answered_at else "dialing"),
        duration=str(_duration(state, now)),
        recorded="false",
    )
    for prefix, number in (("cli", cli), ("dnis", dnis)):
        parts = _number_parts(number)
        for part in ("number", "countrycode", "type", "areacode", "numberWithoutArea"):
            values[f"{prefix}.{part}"] = parts[part]
    values.update({k: v for k, v in state.call_vars.items() if not k.startswith("_")})
    return values


def _duration(state: CallState, now: datetime) -> int:
    if state.answered_at is None:
        return 0
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

    @classmethod
    def of(cls, state: CallState, now: datetime, zone: str = DEFAULT_ZONE) -> Scope:
        """The scope of ``state`` at ``now``, in the flow's time zone ``zone``."""
        return cls(state.flow_vars, state.user_vars, call_variables(state, now), now, zone)

    def lookup(self, ref: VariableRef) -> str:
        """The value of ``ref`` ('' when unset)."""
        if ref.namespace in ("flow.key", "flow.syskey"):
            key = ref.name if ref.namespace == "flow.key" else "syskey." + ref.name
            return self.flow.get(key, "")
        if ref.namespace == "user.key":
            return self.user.get(ref.name, "")
        if ref.namespace == "sys":
            wall = local(self.now, self.zone) if self.now.tzinfo else self.now
            return {
                "datetime": wall.strftime("%Y-%m-%d %H:%M:%S"),
                "date": wall.strftime("%Y-%m-%d"),
                "time": wall.strftime("%H:%M:%S"),
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
        for match in _REFERENCE.finditer(text):
            literal, value = text[position : match.start()], self._value(match)
            length += len(literal) + len(value)
            if length > limit:
                raise VariableLimitError(f"a template's text would pass {limit} characters")
            parts += (literal, value)
            position = match.end()
        if length + len(text) - position > limit:
            raise VariableLimitError(f"a template's text would pass {limit} characters")
        parts.append(text[position:])
        return "".join(parts)

    def _value(self, match: re.Match[str]) -> str:
        braced = match.group("braced")
        if braced is not None:
            try:
                return self.lookup(parse_name(braced))
            except ValueError:
                return match.group(0)
        if match.group("ns"):
            return self.lookup(VariableRef(match.group("ns"), match.group("key")))
        if match.group("sys"):
            return self.lookup(VariableRef("sys", match.group("sys")))
        name, rest = _longest_call_name(match.group("call"))
        return self.lookup(VariableRef("call", name)) + rest
