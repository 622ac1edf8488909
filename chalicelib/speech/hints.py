"""The speech-recognition hints of an agent: the words a caller is likely to say to it, for the
carrier's ``context`` (Vonage speech input), so "first option" is heard as such and not as "thirst
option". Entity synonyms come first (short, and the words that decide an intent), then the
training phrases, shortest first; duplicates (ignoring case and spacing) are dropped and the list
is capped. Pure: imports the standard library and ``speech.agent`` only.
"""

from __future__ import annotations

from chalicelib.speech.agent import Agent

MAX_HINTS = 100
"""The most hints sent with one speech input (the carrier's recogniser weighs a short list
best; an agent of hundreds of intents would otherwise send thousands)."""
MAX_HINT_CHARACTERS = 100
"""The longest hint kept (the recogniser's limit on one phrase)."""


def _primary(code: str) -> str:
    return code.lower().split("-", maxsplit=1)[0]


def _language_of(agent: Agent, language: str) -> str:
    """The agent's language closest to ``language`` (exact, then primary subtag), else its
    default."""
    lowered = language.lower()
    for code in agent.languages:
        if code.lower() == lowered:
            return code
    for code in agent.languages:
        if _primary(code) == _primary(language):
            return code
    return agent.language


def agent_hints(agent: Agent, language: str, limit: int = MAX_HINTS) -> tuple[str, ...]:
    """Up to ``limit`` hints for a caller speaking ``language`` to ``agent``."""
    code = _language_of(agent, language)
    candidates: list[str] = []
    for name in sorted(agent.entities):
        entries = agent.entities[name].entries
        for entry in entries.get(code, entries.get(agent.language, ())):
            candidates.extend((entry.value, *entry.synonyms))
    phrases = [
        "".join(segment.text for segment in phrase.segments)
        for intent in agent.intents
        if not intent.fallback
        for phrase in intent.phrases.get(code, ())
    ]
    candidates.extend(sorted(phrases, key=lambda text: (len(text), text)))
    hints: list[str] = []
    seen: set[str] = set()
    for candidate in candidates:
        hint = " ".join(candidate.split())
        folded = hint.casefold()
        if not hint or len(hint) > MAX_HINT_CHARACTERS or folded in seen:
            continue
        seen.add(folded)
        hints.append(hint)
        if len(hints) >= limit:
            break
    return tuple(hints)
