"""The flow engine's size limits, in one place: variable values, the call's variables in all,
and the regular expressions tenants write (pattern length, compiled size, memory, subject).

A call's state is one DynamoDB item (at most 400 KB, names included), and its variables must
leave room for the rest of it (legs, the last answer, the last effects). Values are measured
in UTF-8 bytes, as DynamoDB measures them; text still being built is measured in characters,
each at least one byte, so a count in characters over a byte limit is over it in bytes too.
Imports only ``flows.errors``.
"""

from __future__ import annotations

from typing import Mapping

from chalicelib.flows.errors import VariableLimitError

MAX_VALUE_BYTES = 16 * 1024
"""One variable's value, and any text a template expands to."""

MAX_VARIABLES_BYTES = 96 * 1024
"""All of a call's stored variables ($flow.key, $user.key, $call), names and values."""

MAX_PATTERN_CHARS = 1000
"""A regular expression, after its variables are filled in."""

MAX_PATTERN_PROGRAM = 1000
"""A regular expression's compiled size in RE2 instructions: past ~2,000 RE2's DFA runs out of
room on long subjects and one match takes hundreds of milliseconds."""

MAX_PATTERN_MEMORY = 1024 * 1024
"""RE2's memory budget for one compiled pattern (its program and its DFA cache)."""

MAX_SUBJECT_CHARS = MAX_VALUE_BYTES
"""The text a pattern is matched against."""


MAX_DTMF_DIGITS = 1024
"""``$call.dtmf`` keeps the most recent keys of a call, so a long call cannot outgrow its item."""


def pressed(previous: str, digits: str) -> str:
    """``$call.dtmf`` after ``digits`` were pressed: the latest ``MAX_DTMF_DIGITS`` keys."""
    return (previous + digits)[-MAX_DTMF_DIGITS:]


def size(text: str) -> int:
    """``text``'s size in UTF-8 bytes (a lone surrogate counts three)."""
    return len(text.encode("utf-8", "surrogatepass"))


def check_value(label: str, value: str) -> None:
    """Raise ``VariableLimitError`` when ``value`` is over ``MAX_VALUE_BYTES``."""
    if len(value) * 4 <= MAX_VALUE_BYTES:
        return
    held = size(value)
    if held > MAX_VALUE_BYTES:
        raise VariableLimitError(
            f"{label} would hold {held} bytes; a variable holds at most {MAX_VALUE_BYTES}"
        )


def check_total(*namespaces: Mapping[str, str]) -> None:
    """Raise ``VariableLimitError`` when the variables of ``namespaces``, names and values, hold
    more than ``MAX_VARIABLES_BYTES`` in all."""
    pairs = [(name, value) for values in namespaces for name, value in values.items()]
    if sum(len(name) + len(value) for name, value in pairs) * 4 <= MAX_VARIABLES_BYTES:
        return
    total = sum(size(name) + size(value) for name, value in pairs)
    if total > MAX_VARIABLES_BYTES:
        raise VariableLimitError(
            f"the call's variables would hold {total} bytes; at most {MAX_VARIABLES_BYTES}"
        )


def truncate(text: str, limit: int = MAX_VALUE_BYTES) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, on a character boundary."""
    if len(text) * 4 <= limit or size(text) <= limit:
        return text
    return text.encode("utf-8", "surrogatepass")[:limit].decode("utf-8", "ignore")
