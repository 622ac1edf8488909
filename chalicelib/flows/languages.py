"""Languages the platform can speak and hear, as BCP-47 codes the carrier accepts.

One table per function: text-to-speech (Vonage TTS, FACTS §2.1) and speech-to-text (Vonage ASR,
including the Indian languages of the Phonon seed). Imports only the standard library.
"""

from __future__ import annotations

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

SPEECH_TO_TEXT: frozenset[str] = TEXT_TO_SPEECH | frozenset(
    [
        "en-NZ",
        "en-IE",
        "en-SG",
        "en-PH",
        "es-AR",
        "es-CO",
        "es-CL",
        "es-PE",
        "fr-BE",
        "fr-CH",
        "de-AT",
        "de-CH",
        "it-CH",
        "nl-BE",
        "zh-CN",
        "zh-TW",
        "zh-HK",
        "gu-IN",
        "mr-IN",
        "ur-IN",
        "kn-IN",
        "ar-OM",
        "ar-AE",
        "ar-SA",
    ]
)


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
