"""The seed's language tables (text to speech, speech to text) kept row by row: GIVEN each row
as the seed numbers and spells it, THEN it maps to a code the carrier supports for that
function; and the carrier's speech-recognition set is its ASR guide's, not its voices'."""

from __future__ import annotations

import pytest

from chalicelib.flows.languages import (
    SEED_SPEECH_TO_TEXT,
    SEED_TEXT_TO_SPEECH,
    SPEECH_TO_TEXT,
    TEXT_TO_SPEECH,
    SeedLanguage,
    is_stt_language,
    is_tts_language,
    markdown_table,
    unsupported,
)

TTS_ROWS = [
    (1, "Arabic", "", "ar"),
    (2, "Czech", "Czech Republic", "cs-CZ"),
    (3, "Danish", "Denmark", "da-DK"),
    (4, "Dutch", "Netherlands", "nl-NL"),
    (5, "English", "Australia", "en-AU"),
    (6, "English", "India", "en-IN"),
    (7, "English", "UK", "en-GB"),
    (8, "English", "US", "en-US"),
    (9, "Filipino", "Philippines", "fil-PH"),
    (10, "Finnish", "Finland", "fi-FI"),
    (11, "French", "Canada", "fr-CA"),
    (12, "German", "Germany", "de-DE"),
    (13, "Greek", "Greece", "el-GR"),
    (14, "Hindi", "India", "hi-IN"),
    (15, "Hungarian", "Hungry", "hu-HU"),
    (16, "Indonesian", "Indonesia", "id-ID"),
    (17, "Italian", "Italy", "it-IT"),
    (18, "Japanese", "Japan", "ja-JP"),
]
STT_ROWS = [
    (1, "English", "United States", "en-US"),
    (2, "English", "India", "en-IN"),
    (3, "Hindi", "India", "hi-IN"),
    (4, "Gujarati", "India", "gu-IN"),
    (5, "Marathi", "India", "mr-IN"),
    (6, "Bengali", "India", "bn-IN"),
    (7, "Telugu", "India", "te-IN"),
    (8, "Tamil", "India", "ta-IN"),
    (9, "Urdu", "India", "ur-IN"),
    (10, "Kannada", "India", "kn-IN"),
    (11, "Malayalam", "India", "ml-IN"),
    (12, "Chinese", "China", "zh"),
    (13, "Arabic", "Oman", "ar-OM"),
    (14, "Portuguese", "Portugal", "pt-PT"),
    (15, "Russian", "Russia", "ru-RU"),
    (16, "Japanese", "Japan", "ja-JP"),
    (17, "French", "France", "fr-FR"),
    (18, "German", "Germany", "de-DE"),
    (19, "Italian", "Italy", "it-IT"),
    (20, "Dutch", "Netherlands", "nl-NL"),
]


def _rows(table: tuple[SeedLanguage, ...]) -> list[tuple[int, str, str, str | None]]:
    return [(row.number, row.language, row.country, row.code) for row in table]


def test_the_text_to_speech_table_is_the_seeds_every_row_mapped() -> None:
    assert _rows(SEED_TEXT_TO_SPEECH) == TTS_ROWS


def test_the_speech_to_text_table_is_the_seeds_every_row_mapped() -> None:
    assert _rows(SEED_SPEECH_TO_TEXT) == STT_ROWS


@pytest.mark.parametrize("table", [SEED_TEXT_TO_SPEECH, SEED_SPEECH_TO_TEXT])
def test_the_numbers_are_the_seeds_one_to_n_in_order(table: tuple[SeedLanguage, ...]) -> None:
    assert [row.number for row in table] == list(range(1, len(table) + 1))


@pytest.mark.parametrize("row", SEED_TEXT_TO_SPEECH, ids=lambda r: f"tts-{r.number}")
def test_every_text_to_speech_row_is_a_voice_the_carrier_speaks(row: SeedLanguage) -> None:
    assert row.code is not None and is_tts_language(row.code), row


@pytest.mark.parametrize("row", SEED_SPEECH_TO_TEXT, ids=lambda r: f"stt-{r.number}")
def test_every_speech_to_text_row_is_a_locale_the_carrier_recognises(row: SeedLanguage) -> None:
    assert row.code is not None and is_stt_language(row.code), row


def test_no_row_pretends_and_the_odd_ones_say_why() -> None:
    rows = SEED_TEXT_TO_SPEECH + SEED_SPEECH_TO_TEXT
    assert all(row.code is not None for row in rows)  # every seed row has a carrier code
    notes = {(row.language, row.country): row.note for row in rows if row.note}
    assert set(notes) == {("Arabic", ""), ("Hungarian", "Hungry"), ("Chinese", "China")}
    assert "Hungary" in notes[("Hungarian", "Hungry")]
    assert "Mandarin" in notes[("Chinese", "China")]


def test_speech_recognition_is_the_carriers_asr_list_not_its_voices() -> None:
    assert len(SPEECH_TO_TEXT) == 116
    for code in ("zh", "ar-OM", "gu-IN", "ur-IN", "kn-IN", "en-US", "es-MX"):
        assert is_stt_language(code), code
    # voices the carrier speaks but does not recognise
    for code in ("cmn-CN", "cmn-TW", "yue-CN", "cy-GB", "en-GB-WLS", "fil-PH", "no-NO", "ar"):
        assert is_tts_language(code) and not is_stt_language(code), code
    # locales it recognises but has no voice for
    for code in ("gu-IN", "ar-OM", "zh", "sw-KE"):
        assert is_stt_language(code) and not is_tts_language(code), code


def test_the_existing_api_still_answers() -> None:
    assert is_tts_language("en-GB") and is_stt_language("en-GB")
    assert not is_tts_language("xx-XX") and not is_stt_language("xx-XX")
    assert len(TEXT_TO_SPEECH) == 50
    message = unsupported("xx-XX", "speech recognition")
    assert message.startswith("unsupported language 'xx-XX' for speech recognition; supported: ")
    assert "ar-OM" in message and "cy-GB" not in message
    assert "cy-GB" in unsupported("xx-XX")


def test_a_table_renders_as_markdown_with_every_row() -> None:
    text = markdown_table(SEED_SPEECH_TO_TEXT)
    lines = text.splitlines()
    assert lines[0] == "| # | Language | Country | Carrier code | Note |"
    assert len(lines) == 2 + len(SEED_SPEECH_TO_TEXT)
    assert "| 13 | Arabic | Oman | `ar-OM` |  |" in lines
    assert "| 1 | Arabic | - | `ar` |" in markdown_table(SEED_TEXT_TO_SPEECH)
    unknown = SeedLanguage(1, "Klingon", "Qo'noS", None, "the carrier has no voice | none")
    assert markdown_table([unknown]).splitlines()[2] == (
        "| 1 | Klingon | Qo'noS | none | the carrier has no voice \\| none |"
    )
