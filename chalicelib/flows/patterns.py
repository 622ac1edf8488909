"""Tenant regular expressions (the condition widget's ``matches``, the input widget's
``pattern``), matched in linear time by RE2 (google-re2, imported on first use).

Python's ``re`` backtracks: ``(a+)+b`` against 26 characters takes seconds, and every extra
character doubles it. RE2 never backtracks, so it refuses what needs backtracking
(backreferences, lookahead and lookbehind, possessive and atomic groups); ``check`` says so
in words. A pattern is also refused when it is longer than ``MAX_PATTERN_CHARS`` or compiles
to more than ``MAX_PATTERN_PROGRAM`` instructions (past that a match on a long subject is slow
even in linear time), and a subject longer than ``MAX_SUBJECT_CHARS`` is not matched. Matching
is always whole-subject (fullmatch); ``ignore_case`` uses RE2's Unicode simple case folding.
Pure: no I/O, no logging (RE2's own error log is switched off). Imports only the standard
library, ``flows.limits`` and, lazily, ``re2``; never ``re`` for tenant patterns.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.flows.limits import (
    MAX_PATTERN_CHARS,
    MAX_PATTERN_MEMORY,
    MAX_PATTERN_PROGRAM,
    MAX_SUBJECT_CHARS,
)

ENGINE = "re2"

_HINTS = (  # (what RE2's message ends with, what it means)
    (("(?=", "(?!", "(?<=", "(?<!"), "lookahead and lookbehind are not supported"),
    (("(?P",), "backreferences are not supported"),
    (("(?>", "++", "*+", "?+", "}+"), "possessive and atomic groups are not supported"),
    (("\\Z",), "write \\z for the end of the text"),
    (("(?(",), "conditionals are not supported"),
)


class PatternError(ValueError):
    """A pattern RE2 cannot compile, one over a size limit, or a subject too long to match."""


def _options(ignore_case: bool) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    options.max_mem = MAX_PATTERN_MEMORY
    options.case_sensitive = not ignore_case
    return options


def _why(message: str) -> str:
    """RE2's error message, with what it means for the constructs RE2 leaves out."""
    head, _, rest = message.partition(": ")
    if head == "invalid escape sequence" and rest[1:2].isdigit():
        return f"backreferences are not supported (RE2: {message})"
    if head == "invalid named capture group" and rest.startswith(("(?<=", "(?<!")):
        return f"lookahead and lookbehind are not supported (RE2: {message})"
    for endings, hint in _HINTS:
        if rest.startswith(endings):
            return f"{hint} (RE2: {message})"
    return message


@lru_cache(maxsize=128)
def compile_pattern(pattern: str, ignore_case: bool = False) -> Any:
    """The compiled pattern (the last 128 are cached), or ``PatternError`` saying why not."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise PatternError(
            f"pattern is {len(pattern)} characters long; at most {MAX_PATTERN_CHARS}"
        )
    import re2

    try:
        compiled = re2.compile(pattern, _options(ignore_case))
    except re2.error as error:
        raw = error.args[0] if error.args else ""
        message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if "pattern too large" in message:
            raise PatternError("pattern is too big to compile") from None
        raise PatternError(_why(message)) from None
    program = compiled._regexp.ProgramSize()
    if program > MAX_PATTERN_PROGRAM:
        raise PatternError(
            f"pattern is too big: {program} RE2 instructions; at most {MAX_PATTERN_PROGRAM}"
        )
    return compiled


def check(pattern: str) -> None:
    """Raise ``PatternError`` when ``pattern`` would be refused at run time."""
    compile_pattern(pattern)


def fullmatch(pattern: str, subject: str, ignore_case: bool = False) -> bool:
    """Whether all of ``subject`` matches ``pattern``; ``PatternError`` when the pattern is
    refused or the subject is longer than ``MAX_SUBJECT_CHARS``."""
    compiled = compile_pattern(pattern, ignore_case)
    if len(subject) > MAX_SUBJECT_CHARS:
        raise PatternError(
            f"text to match is {len(subject)} characters long; at most {MAX_SUBJECT_CHARS}"
        )
    return compiled.fullmatch(subject) is not None
