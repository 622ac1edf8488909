"""The languages a Dialogflow agent understands here: GIVEN the seed's DialogFlow table and a
carrier or BCP-47 locale, THEN ``dialogflow_code`` answers its Dialogflow ES root code (or
None), and ``speech_problems`` refuses a speech node whose locale the carrier does not
recognise or Dialogflow does not understand, naming the supported languages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.flows.languages import (
    SEED_SPEECH_TO_TEXT,
    SEED_TEXT_TO_SPEECH,
    SPEECH_TO_TEXT,
    TEXT_TO_SPEECH,
)
from chalicelib.speech.languages import (
    DIALOGFLOW,
    DIALOGFLOW_CODES,
    DialogflowLanguage,
    dialogflow_code,
    markdown_tables,
    speech_problems,
)

SEED_DIALOGFLOW = [
    (1, "English", "en"),
    (2, "Hindi", "hi"),
    (3, "Danish", "da"),
    (4, "German", "de"),
    (5, "Spanish", "es"),
    (6, "French", "fr"),
    (7, "Indonesian", "id"),
    (8, "Italian", "it"),
    (9, "Japanese", "ja"),
    (10, "Korean (South Korea)", "ko"),
    (11, "Dutch", "nl"),
    (12, "Norwegian", "no"),
    (13, "Polish", "pl"),
    (14, "Portuguese (European)", "pt"),
    (15, "Portuguese (Brazilian)", "pt-br"),
    (16, "Russian", "ru"),
    (17, "Swedish", "sv"),
    (18, "Thai", "th"),
    (19, "Turkish", "tr"),
    (20, "Ukrainian", "uk"),
    (21, "Chinese (Simplified)", "zh-cn"),
    (22, "Chinese (Hong Kong)", "zh-hk"),
    (23, "Chinese (Traditional)", "zh-tw"),
]


def test_the_dialogflow_table_is_the_seeds_23_rows() -> None:
    assert [(r.number, r.language, r.code) for r in DIALOGFLOW] == SEED_DIALOGFLOW
    assert {code for _, _, code in SEED_DIALOGFLOW} == DIALOGFLOW_CODES


@pytest.mark.parametrize("row", DIALOGFLOW, ids=lambda r: r.code)
def test_every_dialogflow_code_maps_to_itself(row: DialogflowLanguage) -> None:
    assert dialogflow_code(row.code) == row.code
    assert dialogflow_code(row.code.upper()) == row.code


@pytest.mark.parametrize(
    ("locale", "code"),
    [
        ("en-US", "en"),
        ("en-IN", "en"),
        ("en-GB", "en"),
        ("en-GB-WLS", "en"),
        ("es-ES", "es"),
        ("es-MX", "es"),
        ("es-419", "es"),
        ("es", "es"),
        ("fr-CA", "fr"),
        ("hi-IN", "hi"),
        ("ko-KR", "ko"),
        ("pt-BR", "pt-br"),
        ("pt-PT", "pt"),
        ("pt", "pt"),
        ("zh", "zh-cn"),
        ("zh-CN", "zh-cn"),
        ("cmn-CN", "zh-cn"),
        ("cmn-Hans-CN", "zh-cn"),
        ("zh-HK", "zh-hk"),
        ("yue-CN", "zh-hk"),
        ("yue-Hant-HK", "zh-hk"),
        ("zh-TW", "zh-tw"),
        ("cmn-TW", "zh-tw"),
        ("cmn-Hant-TW", "zh-tw"),
        ("nb-NO", "no"),
        ("no-NO", "no"),
        ("EN-us", "en"),
        ("en_US", "en"),
        (" pt-br ", "pt-br"),
    ],
)
def test_a_locale_maps_to_its_dialogflow_code(locale: str, code: str) -> None:
    assert dialogflow_code(locale) == code


@pytest.mark.parametrize(
    "locale",
    ["gu-IN", "cy-GB", "ar-OM", "ar", "fil-PH", "ta-IN", "nn-NO", "zh-MO", "", "en--US", "e", "x"],
)
def test_a_language_dialogflow_does_not_understand_here_has_no_code(locale: str) -> None:
    assert dialogflow_code(locale) is None


SEED_ROWS_IN_DIALOGFLOW = {
    # text to speech
    "ar": None,
    "cs-CZ": None,
    "da-DK": "da",
    "nl-NL": "nl",
    "en-AU": "en",
    "en-IN": "en",
    "en-GB": "en",
    "en-US": "en",
    "fil-PH": None,
    "fi-FI": None,
    "fr-CA": "fr",
    "de-DE": "de",
    "el-GR": None,
    "hi-IN": "hi",
    "hu-HU": None,
    "id-ID": "id",
    "it-IT": "it",
    "ja-JP": "ja",
    # speech to text (beyond the above)
    "gu-IN": None,
    "mr-IN": None,
    "bn-IN": None,
    "te-IN": None,
    "ta-IN": None,
    "ur-IN": None,
    "kn-IN": None,
    "ml-IN": None,
    "zh": "zh-cn",
    "ar-OM": None,
    "pt-PT": "pt",
    "ru-RU": "ru",
    "fr-FR": "fr",
}


def test_every_seed_row_maps_to_its_dialogflow_code_or_none() -> None:
    codes = {row.code for row in SEED_SPEECH_TO_TEXT + SEED_TEXT_TO_SPEECH}
    assert codes == set(SEED_ROWS_IN_DIALOGFLOW)
    assert {code: dialogflow_code(code) for code in codes} == SEED_ROWS_IN_DIALOGFLOW


def test_every_dialogflow_language_is_reached_from_some_carrier_code() -> None:
    reached = {dialogflow_code(code) for code in TEXT_TO_SPEECH | SPEECH_TO_TEXT}
    assert reached - {None} == DIALOGFLOW_CODES


@given(st.text(max_size=40))
def test_any_text_is_answered_without_raising(locale: str) -> None:
    answer = dialogflow_code(locale)
    assert answer is None or answer in DIALOGFLOW_CODES


def test_a_non_string_has_no_code() -> None:
    assert dialogflow_code(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", ["en-US", "en-IN", "hi-IN", "zh", "pt-BR", "es-MX", "nb-NO"])
def test_a_locale_both_recognise_and_understand_has_no_problem(locale: str) -> None:
    assert speech_problems(locale, "cy-GB") == []
    assert speech_problems(None, locale) == []


def test_the_node_language_wins_over_the_recognition_language() -> None:
    assert speech_problems("en-GB", "gu-IN") == []
    assert len(speech_problems("gu-IN", "en-GB")) == 1


def test_a_locale_dialogflow_does_not_understand_is_refused_naming_its_languages() -> None:
    (problem,) = speech_problems(None, "gu-IN")
    assert problem.startswith("Dialogflow does not understand 'gu-IN'; it understands: ")
    assert "English (en)" in problem and "Chinese (Traditional) (zh-tw)" in problem
    assert problem.count("(") >= 23


def test_a_locale_the_carrier_does_not_recognise_is_refused_naming_its_locales() -> None:
    (problem,) = speech_problems("cmn-CN", "en-US")  # a voice, not a recognition locale
    assert problem.startswith("the carrier does not recognise speech in 'cmn-CN'; it recognises: ")
    assert "zh" in problem.split(": ", 1)[1].split(", ")
    assert "ar-OM" in problem


def test_a_locale_neither_supports_gets_both_problems() -> None:
    problems = speech_problems("cy-GB", "en-US")
    assert [p.split(" ", 2)[:2] for p in problems] == [["the", "carrier"], ["Dialogflow", "does"]]


def test_case_matters_to_the_carrier_but_not_to_dialogflow() -> None:
    (problem,) = speech_problems("en-us", "en-US")
    assert problem.startswith("the carrier does not recognise speech in 'en-us'")


@pytest.mark.parametrize("given_language", ["", "   "])
def test_no_language_is_a_problem(given_language: str) -> None:
    assert speech_problems(None, given_language) == [
        f"speech recognition needs a language; got {given_language!r}"
    ]


def test_the_seed_tables_render_as_markdown() -> None:
    text = markdown_tables()
    for heading in ("#### Text to speech", "#### Speech to text", "#### Dialogflow"):
        assert f"{heading}\n\n| # |" in text
    assert "| 15 | Hungarian | Hungry | `hu-HU` | the seed's spelling of Hungary |" in text
    assert "| 12 | Chinese | China | `zh` |" in text
    assert "| 15 | Portuguese (Brazilian) | `pt-br` |" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 3 + 18 + 20 + 23
    assert text.endswith("| 23 | Chinese (Traditional) | `zh-tw` |\n")


def test_cantonese_and_traditional_mandarin_have_no_recognition_locale_at_the_carrier() -> None:
    # the carrier's ASR list has Mandarin (Simplified) only, so a speech node for a zh-hk or
    # zh-tw agent is refused by the carrier check, whatever Chinese tag it names
    recognised = {dialogflow_code(code) for code in SPEECH_TO_TEXT} - {None}
    assert recognised == DIALOGFLOW_CODES - {"zh-hk", "zh-tw"}
    for locale in ("zh-TW", "cmn-TW", "zh-HK", "yue-CN"):
        (problem,) = speech_problems(locale, "en-US")
        assert problem.startswith(f"the carrier does not recognise speech in {locale!r}")
