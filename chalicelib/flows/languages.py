"""Languages the platform can speak and hear, as BCP-47 codes the carrier accepts, and the seed's
language tables mapped onto them.

One code set per function: text-to-speech (Vonage TTS, FACTS §2.1: the 46 codes of the API's
``language`` schema plus the NCCO schema's four Indian voices) and speech-to-text (Vonage ASR:
the ~120 locales of the carrier's speech-recognition guide, ``voice-api/guides/asr.md``, where
Mandarin Chinese is ``zh``). The two sets differ: a voice the carrier speaks is not always a
language it recognises (``cy-GB``, ``fil-PH``, ``cmn-CN`` ...) and the other way round.

The seed's "Supported Languages on central" tables (text to speech, speech to text) are kept
row by row as ``SeedLanguage`` with the carrier code each row maps to, in the seed's numbering
and spelling (its "Hungry" for Hungary included). Imports only the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

TEXT_TO_SPEECH: frozenset[str] = frozenset(
    [
        "ar",
        "ca-ES",
        "cmn-CN",
        "cmn-TW",
        "cs-CZ",
        "cy-GB",
        "da-DK",
        "de-DE",
        "el-GR",
        "en-AU",
        "en-GB",
        "en-GB-WLS",
        "en-IN",
        "en-US",
        "en-ZA",
        "es-ES",
        "es-MX",
        "es-US",
        "eu-ES",
        "fi-FI",
        "fil-PH",
        "fr-CA",
        "fr-FR",
        "he-IL",
        "hi-IN",
        "hu-HU",
        "id-ID",
        "is-IS",
        "it-IT",
        "ja-JP",
        "ko-KR",
        "nb-NO",
        "nl-NL",
        "no-NO",
        "pl-PL",
        "pt-BR",
        "pt-PT",
        "ro-RO",
        "ru-RU",
        "sk-SK",
        "sv-SE",
        "th-TH",
        "tr-TR",
        "uk-UA",
        "vi-VN",
        "yue-CN",
        "bn-IN",
        "ml-IN",
        "ta-IN",
        "te-IN",
    ]
)

SPEECH_TO_TEXT: frozenset[str] = frozenset(
    [
        "af-ZA",
        "sq-AL",
        "am-ET",
        "ar-AE",
        "ar-BH",
        "ar-DZ",
        "ar-EG",
        "ar-IL",
        "ar-IQ",
        "ar-JO",
        "ar-KW",
        "ar-LB",
        "ar-MA",
        "ar-OM",
        "ar-PS",
        "ar-QA",
        "ar-SA",
        "ar-TN",
        "hy-AM",
        "az-AZ",
        "eu-ES",
        "bn-BD",
        "bn-IN",
        "bg-BG",
        "ca-ES",
        "zh",
        "hr-HR",
        "cs-CZ",
        "da-DK",
        "nl-NL",
        "en-AU",
        "en-CA",
        "en-GB",
        "en-GH",
        "en-IE",
        "en-IN",
        "en-KE",
        "en-NG",
        "en-NZ",
        "en-PH",
        "en-TZ",
        "en-US",
        "en-ZA",
        "fi-FI",
        "fr-CA",
        "fr-FR",
        "gl-ES",
        "ka-GE",
        "de-DE",
        "el-GR",
        "gu-IN",
        "he-IL",
        "hi-IN",
        "hu-HU",
        "is-IS",
        "id-ID",
        "it-IT",
        "ja-JP",
        "jv-ID",
        "kn-IN",
        "km-KH",
        "ko-KR",
        "lo-LA",
        "lv-LV",
        "lt-LT",
        "ms-MY",
        "ml-IN",
        "mr-IN",
        "ne-NP",
        "nb-NO",
        "fa-IR",
        "pl-PL",
        "pt-BR",
        "pt-PT",
        "ro-RO",
        "ru-RU",
        "sr-RS",
        "si-LK",
        "sk-SK",
        "sl-SI",
        "es-AR",
        "es-BO",
        "es-CL",
        "es-CO",
        "es-CR",
        "es-DO",
        "es-EC",
        "es-ES",
        "es-GT",
        "es-HN",
        "es-MX",
        "es-NI",
        "es-PA",
        "es-PE",
        "es-PR",
        "es-PY",
        "es-SV",
        "es-US",
        "es-UY",
        "es-VE",
        "su-ID",
        "sw-KE",
        "sw-TZ",
        "sv-SE",
        "ta-IN",
        "ta-LK",
        "ta-MY",
        "ta-SG",
        "te-IN",
        "th-TH",
        "tr-TR",
        "uk-UA",
        "ur-IN",
        "ur-PK",
        "vi-VN",
        "zu-ZA",
    ]
)
"""The carrier's speech-recognition locales (its ASR guide's table; ``zh`` is Mandarin,
Simplified, China, which Google names ``cmn-Hans-CN``)."""


@dataclass(frozen=True)
class SeedLanguage:
    """One row of a seed language table: its number, language and country as the seed writes
    them, and the carrier code it maps to (``None``, with a ``note`` saying why, when the
    carrier has none for the table's function)."""

    number: int
    language: str
    country: str
    code: str | None
    note: str = ""


SEED_TEXT_TO_SPEECH: tuple[SeedLanguage, ...] = (
    SeedLanguage(1, "Arabic", "", "ar", "the seed names no country; the carrier's voice has none"),
    SeedLanguage(2, "Czech", "Czech Republic", "cs-CZ"),
    SeedLanguage(3, "Danish", "Denmark", "da-DK"),
    SeedLanguage(4, "Dutch", "Netherlands", "nl-NL"),
    SeedLanguage(5, "English", "Australia", "en-AU"),
    SeedLanguage(6, "English", "India", "en-IN"),
    SeedLanguage(7, "English", "UK", "en-GB"),
    SeedLanguage(8, "English", "US", "en-US"),
    SeedLanguage(9, "Filipino", "Philippines", "fil-PH"),
    SeedLanguage(10, "Finnish", "Finland", "fi-FI"),
    SeedLanguage(11, "French", "Canada", "fr-CA"),
    SeedLanguage(12, "German", "Germany", "de-DE"),
    SeedLanguage(13, "Greek", "Greece", "el-GR"),
    SeedLanguage(14, "Hindi", "India", "hi-IN"),
    SeedLanguage(15, "Hungarian", "Hungry", "hu-HU", "the seed's spelling of Hungary"),
    SeedLanguage(16, "Indonesian", "Indonesia", "id-ID"),
    SeedLanguage(17, "Italian", "Italy", "it-IT"),
    SeedLanguage(18, "Japanese", "Japan", "ja-JP"),
)
"""The seed's text-to-speech table, every row it shows (the seed cuts the table short after
Japanese); each code is one the carrier speaks."""

SEED_SPEECH_TO_TEXT: tuple[SeedLanguage, ...] = (
    SeedLanguage(1, "English", "United States", "en-US"),
    SeedLanguage(2, "English", "India", "en-IN"),
    SeedLanguage(3, "Hindi", "India", "hi-IN"),
    SeedLanguage(4, "Gujarati", "India", "gu-IN"),
    SeedLanguage(5, "Marathi", "India", "mr-IN"),
    SeedLanguage(6, "Bengali", "India", "bn-IN"),
    SeedLanguage(7, "Telugu", "India", "te-IN"),
    SeedLanguage(8, "Tamil", "India", "ta-IN"),
    SeedLanguage(9, "Urdu", "India", "ur-IN"),
    SeedLanguage(10, "Kannada", "India", "kn-IN"),
    SeedLanguage(11, "Malayalam", "India", "ml-IN"),
    SeedLanguage(12, "Chinese", "China", "zh", "Mandarin, Simplified (Google's cmn-Hans-CN)"),
    SeedLanguage(13, "Arabic", "Oman", "ar-OM"),
    SeedLanguage(14, "Portuguese", "Portugal", "pt-PT"),
    SeedLanguage(15, "Russian", "Russia", "ru-RU"),
    SeedLanguage(16, "Japanese", "Japan", "ja-JP"),
    SeedLanguage(17, "French", "France", "fr-FR"),
    SeedLanguage(18, "German", "Germany", "de-DE"),
    SeedLanguage(19, "Italian", "Italy", "it-IT"),
    SeedLanguage(20, "Dutch", "Netherlands", "nl-NL"),
)
"""The seed's speech-to-text table; each code is one the carrier recognises."""


def is_tts_language(code: str) -> bool:
    """True when the carrier can speak ``code``."""
    return code in TEXT_TO_SPEECH


def is_stt_language(code: str) -> bool:
    """True when the carrier can recognise speech in ``code``."""
    return code in SPEECH_TO_TEXT


def unsupported(code: object, purpose: str = "text-to-speech") -> str:
    """What to tell someone who named a language the platform cannot use for ``purpose``
    (``text-to-speech`` or ``speech recognition``): the code, and every supported one."""
    table = SPEECH_TO_TEXT if purpose == "speech recognition" else TEXT_TO_SPEECH
    return f"unsupported language {code!r} for {purpose}; supported: {', '.join(sorted(table))}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[SeedLanguage]) -> str:
    """``rows`` as a Markdown table: the seed's number, language and country, the carrier code
    (or "none") and the note."""
    lines = ["| # | Language | Country | Carrier code | Note |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        code = f"`{row.code}`" if row.code else "none"
        cells = (str(row.number), row.language, row.country or "-", code, row.note)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
