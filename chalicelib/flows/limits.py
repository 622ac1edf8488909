"""The flow engine's size limits, in one place: the regular expressions tenants write (pattern
length, compiled size, memory, subject length). Imports nothing.
"""

from __future__ import annotations

MAX_PATTERN_CHARS = 1000
"""A regular expression, after its variables are filled in."""

MAX_PATTERN_PROGRAM = 1000
"""A regular expression's compiled size in RE2 instructions: past ~2,000 RE2's DFA runs out of
room on long subjects and one match takes hundreds of milliseconds."""

MAX_PATTERN_MEMORY = 1024 * 1024
"""RE2's memory budget for one compiled pattern (its program and its DFA cache)."""

MAX_SUBJECT_CHARS = 16 * 1024
"""The text a pattern is matched against."""
