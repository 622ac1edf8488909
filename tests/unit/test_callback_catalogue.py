"""The callback product's prompt catalogue: GIVEN a language code, THEN every prompt has its own
sentence in that language, amounts and durations are spoken as the language says them (plural
forms, minor units, rounding down), other codes of a language fall back by their primary
subtag, and a language the catalogue lacks is refused with the codes it has.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.callback.catalogue import (
    LANGUAGES,
    MAX_AMOUNT,
    Prompts,
    UnsupportedLanguageError,
    has_language,
    prompts,
)
from chalicelib.errors import ValidationError
from chalicelib.flows.languages import TEXT_TO_SPEECH

SENTENCES = (
    "greeting",
    "enter_pin",
    "wrong_pin",
    "locked",
    "enter_destination",
    "invalid_number",
    "no_rate",
    "insufficient_funds",
    "too_many_calls",
    "daily_cap",
    "account_disabled",
    "connecting",
    "busy",
    "no_answer",
    "failed",
    "declined",
    "call_ended",
    "another_call",
    "goodbye",
    "no_input",
)


def every_prompt(p: Prompts) -> dict[str, str]:
    said = {name: getattr(p, name)() for name in SENTENCES}
    said["balance"] = p.balance(Decimal("12.50"), "USD")
    said["max_duration"] = p.max_duration(23 * 60)
    said["language_option"] = p.language_option("1")
    said["calling_back"] = p.calling_back("+447700900001", "+420212345678")
    return said


# -- the languages ---------------------------------------------------------------------------


def test_the_catalogue_speaks_at_least_the_seeds_languages_as_carrier_tts_codes() -> None:
    assert {"en-US", "en-GB", "es-ES", "es-MX", "fr-FR", "vi-VN", "cmn-CN"} <= set(LANGUAGES)
    assert set(LANGUAGES) <= TEXT_TO_SPEECH


@pytest.mark.parametrize("code", LANGUAGES)
def test_each_language_speaks_with_its_own_voice(code: str) -> None:
    p = prompts(code)
    assert (p.code, p.language) == (code, code)


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_language_has_every_prompt_as_a_sentence(code: str) -> None:
    for name, text in every_prompt(prompts(code)).items():
        assert text.strip() == text and text, name
        assert text[-1] in ".。", (code, name, text)
        assert "{" not in text, (code, name, text)


@pytest.mark.parametrize("code", [c for c in LANGUAGES if not c.startswith("en-")])
def test_other_languages_differ_from_english_in_every_prompt(code: str) -> None:
    english = every_prompt(prompts("en-US"))
    theirs = every_prompt(prompts(code))
    same = [name for name in english if english[name] == theirs[name]]
    assert same == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_two_prompts_of_a_language_say_the_same(code: str) -> None:
    said = every_prompt(prompts(code))
    assert len(set(said.values())) == len(said)


def test_regional_wordings_differ_where_the_regions_speak_differently() -> None:
    assert "pound key" in prompts("en-US").enter_destination()
    assert "hash key" in prompts("en-GB").enter_destination()
    assert "almohadilla" in prompts("es-ES").enter_pin()
    assert "gato" in prompts("es-MX").enter_pin()
    assert prompts("es-ES").language_option("2") == "Para español, pulse 2."
    assert prompts("es-MX").language_option("2") == "Para español, marque 2."
    assert prompts("es-ES").greeting() == prompts("es-MX").greeting()


def test_the_sentences_read_as_the_brief_asks() -> None:
    en = prompts("en-US")
    assert en.greeting() == "Welcome to the callback service."
    assert en.no_rate() == "Sorry, this destination cannot be called."
    assert en.call_ended() == "Your call has ended."
    assert prompts("fr-FR").call_ended() == "Votre appel est terminé."
    assert prompts("cmn-CN").call_ended() == "您的通话已结束。"


# -- fallback by primary subtag and refusals -------------------------------------------------


@pytest.mark.parametrize(
    ("code", "language", "voice"),
    [
        ("en", "en-US", "en-US"),
        ("en-CA", "en-US", "en-US"),
        ("en-AU", "en-GB", "en-AU"),  # Commonwealth wording, the carrier's Australian voice
        ("en-IE", "en-GB", "en-GB"),  # no Irish voice: the catalogue language's
        ("EN-us", "en-US", "en-US"),
        ("en_GB", "en-GB", "en-GB"),
        ("es", "es-ES", "es-ES"),
        ("es-US", "es-MX", "es-US"),
        ("es-AR", "es-MX", "es-MX"),
        ("es-419", "es-MX", "es-MX"),
        ("fr", "fr-FR", "fr-FR"),
        ("fr-CA", "fr-FR", "fr-CA"),
        ("fr-BE", "fr-FR", "fr-FR"),
        ("vi", "vi-VN", "vi-VN"),
        ("zh", "cmn-CN", "cmn-CN"),
        ("zh-CN", "cmn-CN", "cmn-CN"),
        ("zh-Hans-CN", "cmn-CN", "cmn-CN"),
        ("cmn-TW", "cmn-CN", "cmn-CN"),  # Simplified text: the Mainland voice reads it
        ("zh-TW", "cmn-CN", "cmn-CN"),
    ],
)
def test_other_codes_fall_back_by_primary_subtag(code: str, language: str, voice: str) -> None:
    assert has_language(code)
    p = prompts(code)
    assert (p.language, p.code) == (language, voice)
    assert p.greeting() == prompts(language).greeting()


@pytest.mark.parametrize(
    "code",
    ["de-DE", "yue-CN", "ja-JP", "", "en-", "-US", "en--US", "en US", "en-US!", "x" * 40, "é"],
)
def test_a_language_the_catalogue_lacks_is_refused_with_the_codes_it_has(code: str) -> None:
    assert not has_language(code)
    with pytest.raises(UnsupportedLanguageError) as raised:
        prompts(code)
    assert isinstance(raised.value, ValidationError)
    for supported in LANGUAGES:
        assert supported in str(raised.value)


@pytest.mark.parametrize("code", [None, 12, b"en-US", ["en-US"]])
def test_a_language_that_is_no_text_is_refused(code: object) -> None:
    assert not has_language(code)
    with pytest.raises(UnsupportedLanguageError, match="supported: en-US"):
        prompts(code)


def test_a_long_unsupported_code_is_cut_in_the_message() -> None:
    with pytest.raises(UnsupportedLanguageError) as raised:
        prompts("q" * 10_000)
    assert len(str(raised.value)) < 300


# -- the language menu -----------------------------------------------------------------------


def test_the_menu_speaks_each_option_in_its_own_language_and_voice() -> None:
    menu = prompts("en-US").choose_language(
        [("1", "en-US"), ("2", "es-ES"), ("3", "fr-FR"), ("4", "vi-VN"), ("5", "cmn-CN")]
    )
    assert menu == [
        ("For English, press 1.", "en-US"),
        ("Para español, pulse 2.", "es-ES"),
        ("Pour le français, appuyez sur 3.", "fr-FR"),
        ("Để nghe tiếng Việt, xin bấm phím 4.", "vi-VN"),
        ("中文服务请按5。", "cmn-CN"),
    ]


def test_the_menu_is_the_same_whichever_language_asks() -> None:
    options = [("9", "es-MX"), ("0", "en-AU"), ("7", "zh-CN")]
    menus = {tuple(prompts(code).choose_language(options)) for code in LANGUAGES}
    assert menus == {
        (
            ("Para español, marque 9.", "es-MX"),
            ("For English, press 0.", "en-AU"),
            ("中文服务请按7。", "cmn-CN"),
        )
    }


@pytest.mark.parametrize(
    "options",
    [
        [],
        [("1", "en-US"), ("1", "fr-FR")],
        [("a", "en-US")],
        [("", "en-US")],
        [("123", "en-US")],
        [("#", "en-US")],
        [(1, "en-US")],
        [("1", "en-US", "extra")],
        ["1en-US"],
        "1:en-US",
        [(str(n), "en-US") for n in range(11)],
    ],
)
def test_a_bad_menu_is_refused(options: object) -> None:
    with pytest.raises(ValidationError):
        prompts("en-US").choose_language(options)  # type: ignore[arg-type]


def test_a_menu_option_in_a_language_the_catalogue_lacks_is_refused() -> None:
    with pytest.raises(UnsupportedLanguageError, match="'de-DE'"):
        prompts("en-US").choose_language([("1", "en-US"), ("2", "de-DE")])


# -- amounts ---------------------------------------------------------------------------------

AMOUNTS: list[tuple[str, str, str, str]] = [
    # language, amount, currency, spoken
    ("en-US", "12.50", "USD", "12 dollars and 50 cents"),
    ("en-US", "1", "USD", "1 dollar"),
    ("en-US", "1.01", "USD", "1 dollar and 1 cent"),
    ("en-US", "12", "USD", "12 dollars"),
    ("en-US", "12.00", "USD", "12 dollars"),
    ("en-US", "0", "USD", "0 dollars"),
    ("en-US", "0.50", "USD", "50 cents"),
    ("en-US", "0.01", "USD", "1 cent"),
    ("en-US", "1234.5", "USD", "1234 dollars and 50 cents"),
    ("en-US", "12.50", "EUR", "12 euros and 50 cents"),
    ("en-GB", "12.50", "GBP", "12 pounds and 50 pence"),
    ("en-GB", "1.01", "GBP", "1 pound and 1 penny"),
    ("en-US", "12.50", "CZK", "12.5 Czech korunas"),
    ("en-US", "1", "CZK", "1 Czech koruna"),
    ("en-US", "120000", "VND", "120000 dong"),
    ("en-US", "12.50", "CNY", "12.5 yuan"),
    ("en-US", "12.50", "CHF", "12.5 Swiss francs"),
    ("en-US", "12.50", "XQQ", "12.5 XQQ"),
    ("es-ES", "12.50", "USD", "12 dólares con 50 centavos"),
    ("es-ES", "1", "USD", "1 dólar"),
    ("es-ES", "0", "EUR", "0 euros"),
    ("es-ES", "0.01", "EUR", "1 céntimo"),
    ("es-ES", "1234.5", "EUR", "1234 euros con 50 céntimos"),
    ("es-ES", "1000000", "EUR", "1000000 de euros"),
    ("es-ES", "12.50", "CZK", "12,5 coronas checas"),
    ("es-MX", "12.50", "EUR", "12 euros con 50 centavos"),
    ("es-MX", "12.50", "CZK", "12.5 coronas checas"),
    ("fr-FR", "12.50", "EUR", "12 euros et 50 centimes"),
    ("fr-FR", "1.01", "EUR", "1 euro et 1 centime"),
    ("fr-FR", "0", "EUR", "0 euro"),
    ("fr-FR", "0.50", "EUR", "50 centimes"),
    ("fr-FR", "1234.5", "USD", "1234 dollars et 50 cents"),
    ("fr-FR", "1000000", "USD", "1000000 de dollars"),
    ("fr-FR", "12.50", "GBP", "12 livres sterling et 50 pence"),
    ("fr-FR", "12.50", "CZK", "12,5 couronnes tchèques"),
    ("vi-VN", "12.50", "USD", "12 đô la Mỹ 50 xu"),
    ("vi-VN", "0", "USD", "0 đô la Mỹ"),
    ("vi-VN", "0.50", "EUR", "50 xu"),
    ("vi-VN", "1234.5", "USD", "1234 đô la Mỹ 50 xu"),
    ("vi-VN", "150000", "VND", "150000 đồng"),
    ("vi-VN", "12.50", "CNY", "12,5 nhân dân tệ"),
    ("cmn-CN", "12.50", "USD", "12美元50美分"),
    ("cmn-CN", "1", "USD", "1美元"),
    ("cmn-CN", "0", "USD", "0美元"),
    ("cmn-CN", "0.05", "USD", "5美分"),
    ("cmn-CN", "1234.5", "EUR", "1234欧元50欧分"),
    ("cmn-CN", "12.50", "GBP", "12英镑50便士"),
    ("cmn-CN", "12.50", "CNY", "12元5角"),
    ("cmn-CN", "12.53", "CNY", "12元5角3分"),
    ("cmn-CN", "12.05", "CNY", "12元零5分"),
    ("cmn-CN", "0.53", "CNY", "5角3分"),
    ("cmn-CN", "0.05", "CNY", "5分"),
    ("cmn-CN", "12", "CNY", "12元"),
    ("cmn-CN", "0", "CNY", "0元"),
    ("cmn-CN", "1234.5", "CNY", "1234元5角"),
    ("cmn-CN", "150000", "VND", "150000越南盾"),
    ("cmn-CN", "12.50", "CZK", "12.5捷克克朗"),
]


@pytest.mark.parametrize(("code", "amount", "currency", "spoken"), AMOUNTS)
def test_amounts_are_spoken_as_each_language_says_them(
    code: str, amount: str, currency: str, spoken: str
) -> None:
    assert prompts(code).amount(Decimal(amount), currency) == spoken


def test_the_balance_prompt_carries_the_amount() -> None:
    assert (
        prompts("en-US").balance(Decimal("12.50"), "USD")
        == "Your balance is 12 dollars and 50 cents."
    )
    assert (
        prompts("es-ES").balance(Decimal("12.50"), "USD")
        == "Su saldo es de 12 dólares con 50 centavos."
    )
    assert (
        prompts("fr-FR").balance(Decimal("12.50"), "EUR")
        == "Votre solde est de 12 euros et 50 centimes."
    )
    assert (
        prompts("vi-VN").balance(Decimal("150000"), "VND")
        == "Số dư tài khoản của quý khách là 150000 đồng."
    )
    assert prompts("cmn-CN").balance(Decimal("12.50"), "CNY") == "您的余额为12元5角。"


@pytest.mark.parametrize(
    ("amount", "currency", "spoken"),
    [
        ("12.509", "USD", "12 dollars and 50 cents"),
        ("0.999", "USD", "99 cents"),
        ("0.009", "USD", "0 dollars"),
        ("120000.99", "VND", "120000 dong"),
        ("99.9999", "EUR", "99 euros and 99 cents"),
    ],
)
def test_amounts_are_rounded_down_to_the_minor_unit(
    amount: str, currency: str, spoken: str
) -> None:
    assert prompts("en-US").amount(Decimal(amount), currency) == spoken


def test_a_currency_code_is_read_in_any_case() -> None:
    assert prompts("en-US").amount(Decimal("1"), "usd") == "1 dollar"


def test_an_int_amount_is_exact_and_spoken() -> None:
    assert prompts("en-US").amount(3, "USD") == "3 dollars"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "amount",
    [12.5, 1.0, True, "12.50", None, Decimal("-0.01"), -1, Decimal("NaN"), Decimal("Infinity")],
)
def test_floats_negatives_and_non_numbers_are_refused(amount: object) -> None:
    with pytest.raises(ValidationError):
        prompts("en-US").balance(amount, "USD")  # type: ignore[arg-type]


def test_absurdly_large_amounts_are_refused() -> None:
    with pytest.raises(ValidationError, match="below"):
        prompts("en-US").amount(MAX_AMOUNT, "USD")
    with pytest.raises(ValidationError):
        prompts("en-US").amount(Decimal("1E+100000000"), "USD")
    assert prompts("en-US").amount(MAX_AMOUNT - 1, "USD") == f"{MAX_AMOUNT - 1} dollars"


@pytest.mark.parametrize("currency", ["", "US", "USDX", "U$D", "12 ", None, 840, "ÉUR"])
def test_a_malformed_currency_is_refused(currency: object) -> None:
    with pytest.raises(ValidationError, match="currency"):
        prompts("en-US").amount(Decimal("1"), currency)  # type: ignore[arg-type]


# -- durations -------------------------------------------------------------------------------

DURATIONS: list[tuple[str, int, str]] = [
    ("en-US", 23 * 60, "23 minutes"),
    ("en-US", 23 * 60 + 59, "23 minutes"),
    ("en-US", 60, "1 minute"),
    ("en-US", 119, "1 minute"),
    ("en-US", 59, "59 seconds"),
    ("en-US", 1, "1 second"),
    ("en-US", 0, "0 seconds"),
    ("en-US", 1234 * 60, "1234 minutes"),
    ("en-GB", 23 * 60, "23 minutes"),
    ("es-ES", 23 * 60, "23 minutos"),
    ("es-ES", 60, "1 minuto"),
    ("es-ES", 45, "45 segundos"),
    ("es-MX", 23 * 60, "23 minutos"),
    ("fr-FR", 23 * 60, "23 minutes"),
    ("fr-FR", 60, "1 minute"),
    ("fr-FR", 45, "45 secondes"),
    ("fr-FR", 1234 * 60, "1234 minutes"),
    ("vi-VN", 23 * 60, "23 phút"),
    ("vi-VN", 60, "1 phút"),
    ("vi-VN", 45, "45 giây"),
    ("cmn-CN", 23 * 60, "23分钟"),
    ("cmn-CN", 60, "1分钟"),
    ("cmn-CN", 45, "45秒钟"),
]


@pytest.mark.parametrize(("code", "seconds", "spoken"), DURATIONS)
def test_durations_are_whole_minutes_or_seconds_under_a_minute(
    code: str, seconds: int, spoken: str
) -> None:
    assert prompts(code).duration(seconds) == spoken


def test_the_max_duration_prompt_carries_the_duration() -> None:
    assert prompts("en-US").max_duration(1380) == "You can talk for 23 minutes."
    assert prompts("es-ES").max_duration(1380) == "Puede hablar durante 23 minutos."
    assert prompts("fr-FR").max_duration(60) == "Vous pouvez parler pendant 1 minute."
    assert prompts("vi-VN").max_duration(1380) == "Quý khách có thể gọi trong 23 phút."
    assert prompts("cmn-CN").max_duration(1380) == "您可以通话23分钟。"


def test_spoken_numbers_carry_no_grouping_or_no_break_spaces() -> None:
    # A voice reads "12345" as one number in every language; "12 345" may be two.
    for code in LANGUAGES:
        p = prompts(code)
        minutes = p.duration(12345 * 60)
        korunas = p.amount(Decimal("12345.67"), "CZK")
        dollars = p.amount(Decimal("12345.67"), "USD")
        for text in (minutes, korunas, dollars):
            assert "\u00a0" not in text and "\u202f" not in text, (code, text)
        assert minutes.startswith("12345"), (code, minutes)
        assert korunas.startswith(("12345.67", "12345,67")), (code, korunas)
        assert dollars.startswith("12345") and "67" in dollars, (code, dollars)


@pytest.mark.parametrize("seconds", [-1, 1.5, 60.0, True, "60", None, 10**12])
def test_a_bad_duration_is_refused(seconds: object) -> None:
    with pytest.raises(ValidationError):
        prompts("en-US").max_duration(seconds)  # type: ignore[arg-type]


def test_prompts_are_frozen_values() -> None:
    p = prompts("fr-FR")
    with pytest.raises(AttributeError):
        p.code = "en-US"  # type: ignore[misc]
    assert p == prompts("fr-FR")
    assert "fr-FR" in repr(p)
