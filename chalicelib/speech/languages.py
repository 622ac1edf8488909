"""The languages a Dialogflow ES agent understands here, and what is wrong with recognising a
caller's speech for one.

Owns the seed's DialogFlow table (23 languages, ``DIALOGFLOW``), the mapping of a carrier or
BCP-47 locale to its Dialogflow ES language code (``dialogflow_code``), the checks a speech node
must pass at load (``speech_problems``: the carrier recognises the locale and Dialogflow
understands it) and the three seed tables as Markdown for the README (``markdown_tables``).
Pure: imports ``chalicelib.flows.languages`` and the standard library only; nothing of Google,
the store or the engine.

Root codes, on purpose. Dialogflow ES also accepts locale-specific tags (``en-us``, ``en-gb``,
``es-419``, ``fr-ca`` ...; its language reference lists them), but an agent is designed in its
root languages and a locale is an optional refinement its author adds by hand ("design your
agent for root languages, and only customize for locale-specific languages as needed",
Dialogflow ES "Multilingual agents"). The agents this platform reads name root languages
(``agent.json``'s ``language`` and ``supportedLanguages``), and the seed's table lists root
codes only, so ``dialogflow_code`` answers the root: en-US, en-IN and en-GB are all ``en``.
The exceptions are the languages Dialogflow keeps apart as roots of their own: ``pt-br`` beside
``pt`` (European) and the three Chinese ``zh-cn`` (Mandarin, Simplified), ``zh-tw`` (Mandarin,
Traditional) and ``zh-hk`` (Cantonese).

Dialogflow ES's reference today lists more languages than these 23 (Gujarati, Welsh ... mostly
as text-only previews); the platform offers the seed's 23, and refuses the others.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.flows.languages import (
    SEED_SPEECH_TO_TEXT,
    SEED_TEXT_TO_SPEECH,
    SPEECH_TO_TEXT,
    is_stt_language,
    markdown_table,
)


@dataclass(frozen=True)
class DialogflowLanguage:
    """One row of the seed's DialogFlow table: its number, language and Dialogflow ES code."""

    number: int
    language: str
    code: str


DIALOGFLOW: tuple[DialogflowLanguage, ...] = (
    DialogflowLanguage(1, "English", "en"),
    DialogflowLanguage(2, "Hindi", "hi"),
    DialogflowLanguage(3, "Danish", "da"),
    DialogflowLanguage(4, "German", "de"),
    DialogflowLanguage(5, "Spanish", "es"),
    DialogflowLanguage(6, "French", "fr"),
    DialogflowLanguage(7, "Indonesian", "id"),
    DialogflowLanguage(8, "Italian", "it"),
    DialogflowLanguage(9, "Japanese", "ja"),
    DialogflowLanguage(10, "Korean (South Korea)", "ko"),
    DialogflowLanguage(11, "Dutch", "nl"),
    DialogflowLanguage(12, "Norwegian", "no"),
    DialogflowLanguage(13, "Polish", "pl"),
    DialogflowLanguage(14, "Portuguese (European)", "pt"),
    DialogflowLanguage(15, "Portuguese (Brazilian)", "pt-br"),
    DialogflowLanguage(16, "Russian", "ru"),
    DialogflowLanguage(17, "Swedish", "sv"),
    DialogflowLanguage(18, "Thai", "th"),
    DialogflowLanguage(19, "Turkish", "tr"),
    DialogflowLanguage(20, "Ukrainian", "uk"),
    DialogflowLanguage(21, "Chinese (Simplified)", "zh-cn"),
    DialogflowLanguage(22, "Chinese (Hong Kong)", "zh-hk"),
    DialogflowLanguage(23, "Chinese (Traditional)", "zh-tw"),
)
"""The seed's DialogFlow table, in its order."""

DIALOGFLOW_CODES: frozenset[str] = frozenset(row.code for row in DIALOGFLOW)

_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")

# Tags (lower case) whose Dialogflow code is not their primary language subtag.
_CHINESE: dict[str, str] = {
    # Mandarin, Simplified: the carrier's ASR ``zh``, its TTS ``cmn-CN``, Google's cmn-Hans-CN
    "zh": "zh-cn",
    "zh-cn": "zh-cn",
    "zh-sg": "zh-cn",
    "zh-hans": "zh-cn",
    "zh-hans-cn": "zh-cn",
    "cmn": "zh-cn",
    "cmn-cn": "zh-cn",
    "cmn-hans": "zh-cn",
    "cmn-hans-cn": "zh-cn",
    # Mandarin, Traditional: the carrier's TTS ``cmn-TW``, Google's cmn-Hant-TW
    "zh-tw": "zh-tw",
    "zh-hant": "zh-tw",
    "zh-hant-tw": "zh-tw",
    "cmn-tw": "zh-tw",
    "cmn-hant": "zh-tw",
    "cmn-hant-tw": "zh-tw",
    # Cantonese, which Dialogflow calls Chinese (Hong Kong): the carrier's TTS ``yue-CN``
    "zh-hk": "zh-hk",
    "zh-yue": "zh-hk",
    "yue": "zh-hk",
    "yue-cn": "zh-hk",
    "yue-hk": "zh-hk",
    "yue-hant-hk": "zh-hk",
}
# Primary subtags Dialogflow reads under another code (Norwegian Bokmål is its Norwegian).
_PRIMARY: dict[str, str] = {"nb": "no"}


def dialogflow_code(locale: str) -> str | None:
    """The Dialogflow ES language code for a carrier or BCP-47 ``locale`` (any case, ``-`` or
    ``_``): its root language when Dialogflow understands it (en-US, en-IN -> ``en``; es-MX ->
    ``es``; nb-NO, no-NO -> ``no``), ``pt-br`` for Brazilian Portuguese and ``pt`` for any other,
    ``zh-cn``/``zh-tw``/``zh-hk`` for Mandarin Simplified, Mandarin Traditional and Cantonese;
    ``None`` for a language Dialogflow does not understand here (gu-IN, cy-GB) or a malformed
    tag."""
    if not isinstance(locale, str):
        return None
    tag = locale.strip().lower().replace("_", "-")
    if not _TAG.match(tag):
        return None
    if tag in _CHINESE:
        return _CHINESE[tag]
    primary, _, region = tag.partition("-")
    if primary in ("zh", "cmn", "yue"):
        return None  # a Chinese tag whose script or variety is not clear
    if primary == "pt":
        return "pt-br" if region.split("-")[0] == "br" else "pt"
    code = _PRIMARY.get(primary, primary)
    return code if code in DIALOGFLOW_CODES else None


def _dialogflow_list() -> str:
    return ", ".join(f"{row.language} ({row.code})" for row in DIALOGFLOW)


def speech_problems(node_language: str | None, recognition_language: str) -> list[str]:
    """What is wrong with recognising a caller's speech for a Dialogflow agent in the node's
    own ``node_language`` or, when the node names none, in ``recognition_language`` (the flow's
    or the call's): each problem one sentence naming the function and the languages it
    supports; empty when the carrier recognises the locale and Dialogflow understands it."""
    locale = node_language if node_language is not None else recognition_language
    if not isinstance(locale, str) or not locale.strip():
        return [f"speech recognition needs a language; got {locale!r}"]
    problems = []
    if not is_stt_language(locale):
        problems.append(
            f"the carrier does not recognise speech in {locale!r}; it recognises: "
            + ", ".join(sorted(SPEECH_TO_TEXT))
        )
    if dialogflow_code(locale) is None:
        problems.append(
            f"Dialogflow does not understand {locale!r}; it understands: {_dialogflow_list()}"
        )
    return problems


def _dialogflow_table(rows: Sequence[DialogflowLanguage]) -> str:
    lines = ["| # | Language | Dialogflow code |", "| --- | --- | --- |"]
    lines += [f"| {row.number} | {row.language} | `{row.code}` |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown_tables() -> str:
    """The seed's three language tables as Markdown for the README: text to speech and speech
    to text with the carrier code each row maps to, and Dialogflow with its codes."""
    return (
        "#### Text to speech\n\n"
        + markdown_table(SEED_TEXT_TO_SPEECH)
        + "\n#### Speech to text\n\n"
        + markdown_table(SEED_SPEECH_TO_TEXT)
        + "\n#### Dialogflow\n\n"
        + _dialogflow_table(DIALOGFLOW)
    )
