"""The SMS replies of the callback's catalogue (``catalogue.Replies``): every reply and every
refusal of the grammar in every language, English word for word as the grammar writes it, the
other languages in their own words, numbers and amounts as each writes them, and no reply longer
than a few SMS parts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from chalicelib.callback import catalogue
from chalicelib.callback.sms_commands import REASONS, CommandError, parse
from chalicelib.callback.sms_words import SMS_CATALOGUE
from chalicelib.callback.words import CATALOGUE
from chalicelib.simulator.sms import split

MAX_PARTS = 4
"""The most parts any reply may take in any language (a concatenated SMS of 4 parts)."""

EXAMPLES = {
    "empty": " ",
    "too_long": "x" * 1001,
    "control_character": "I\x00",
    "unknown_command": "hello",
    "repeated_field": "U.a U.b P.c D.123 O.456",
    "mixed_commands": "B.x I",
    "missing_command": "U.a P.b",
    "unexpected_credentials": "U.a P.b I",
    "unexpected_value": "I.x",
    "missing_user": "P.b D.123 O.456",
    "missing_password": "U.a D.123 O.456",
    "bad_user": "U." + "a" * 65 + " P.b D.123 O.456",
    "bad_password": "U.a P." + "b" * 65 + " R.123",
    "missing_destination": "U.a P.b O.456",
    "missing_source": "U.a P.b D.123",
    "missing_number": "U.a P.b R.",
    "bad_number": "U.a P.b D.12 O.456",
    "missing_name": "B.",
    "bad_name": "B.a!b",
    "bad_index": "N0",
    "missing_voucher": "V.",
    "bad_voucher": "V.12",
}
LANGUAGES = ("en-US", "es-ES", "fr-FR", "vi-VN", "cmn-CN")
WHEN = datetime(2026, 12, 1, 9, 5)


def refusal(text: str) -> CommandError:
    with pytest.raises(CommandError) as refused:
        parse(text)
    return refused.value


def test_every_reason_of_the_grammar_has_an_example_and_a_reply_in_every_language() -> None:
    assert set(EXAMPLES) == REASONS
    for language, words in SMS_CATALOGUE.items():
        assert set(words.errors) == REASONS, language
    assert set(SMS_CATALOGUE) == set(CATALOGUE)


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_the_english_refusal_is_the_grammars_own_text(reason: str) -> None:
    error = refusal(EXAMPLES[reason])
    assert error.reason == reason
    assert catalogue.replies("en-US").command_error(reason, error.values) == str(error)


@pytest.mark.parametrize(
    ("reason", "spanish"),
    [
        ("empty", "Mensaje vacío. Envíe U.<usuario> P.<clave> D.<destino> O.<su número>, o desde "
         "su número registrado B.<nombre>, N<k>, I o V.<código>"),
        ("too_long", "Mensaje de más de 1000 caracteres. Envíe un solo comando, p. ej. "
         "U.<usuario> P.<clave> D.<destino> O.<su número>"),
        ("repeated_field", "U. aparece dos veces. Envíe cada campo una vez: "
         "U.<usuario> P.<clave> D.<destino> O.<su número>"),
        ("unexpected_credentials", "I no lleva U. ni P.: envíelo solo desde su número registrado"),
        ("bad_password", "La clave tiene más de 64 caracteres. Envíe U.<usuario> P.<clave> "
         "R.<número>"),
        ("bad_number", "D. no es un número de teléfono: de 3 a 20 cifras, + delante si es "
         "internacional, sin espacios. Envíe U.<usuario> P.<clave> D.<destino> O.<su número>"),
        ("missing_name", "Falta el nombre. Envíe B.<nombre>, p. ej. B.oficina"),
        ("bad_voucher", "Un código de bono tiene de 4 a 32 letras o cifras. Envíe V.<código>, "
         "p. ej. V.12345678"),
    ],
)  # fmt: skip
def test_a_refusal_in_spanish(reason: str, spanish: str) -> None:
    error = refusal(EXAMPLES[reason])
    assert catalogue.replies("es-ES").command_error(reason, error.values) == spanish


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_refusal_is_worded_in_every_language(language: str, reason: str) -> None:
    error = refusal(EXAMPLES[reason])
    said = catalogue.replies(language).command_error(reason, error.values)
    assert ("{" not in said and said != str(error)) or language == "en-US"
    assert len(split(said)) <= MAX_PARTS, said


def test_money_is_written_as_the_language_writes_decimals() -> None:
    assert catalogue.replies("en-US").money(Decimal("10.00"), "EUR") == "10 EUR"
    assert catalogue.replies("en-GB").money(Decimal("0.160000"), "EUR") == "0.16 EUR"
    assert catalogue.replies("fr-FR").money(Decimal("0.160000"), "eur") == "0,16 EUR"
    assert catalogue.replies("es-ES").money(Decimal("1234.5"), "EUR") == "1234,5 EUR"
    assert catalogue.replies("cmn-CN").money(Decimal("12"), "CNY") == "12 CNY"


REPLIES = {
    "calling_two": lambda r: r.calling_two("447700900001", "447700900300"),
    "registered": lambda r: r.registered("447700900777"),
    "taken": lambda r: r.taken("447700900777"),
    "unregistered": lambda r: r.unregistered(),
    "unauthenticated": lambda r: r.unauthenticated(),
    "not_a_number": lambda r: r.not_a_number("D", "abc"),
    "no_rate": lambda r: r.no_rate("33123456789"),
    "calling_entry": lambda r: r.calling_entry("office", "447700900300"),
    "no_entry_index": lambda r: r.no_entry(3),
    "no_entry_name": lambda r: r.no_entry("gym"),
    "info": lambda r: r.info(Decimal("4.68"), "EUR"),
    "info_calls": lambda r: r.info(
        Decimal("4.68"), "EUR", [(WHEN, "447700900300", 90, Decimal("0.16"), "EUR")]
    ),
    "voucher_credited": lambda r: r.voucher_credited(Decimal("10"), Decimal("15"), "EUR"),
    "voucher_unknown": lambda r: r.voucher_refused("unknown"),
    "voucher_used": lambda r: r.voucher_refused("used"),
    "voucher_expired": lambda r: r.voucher_refused("expired"),
    "voucher_disabled": lambda r: r.voucher_refused("disabled"),
    "voucher_currency": lambda r: r.voucher_refused("currency"),
    "not_available": lambda r: r.not_available(),
    "unavailable": lambda r: r.unavailable(),
}
ENGLISH = {
    "calling_two": "Calling you back on +447700900001 to connect you with +447700900300.",
    "registered": "+447700900777 is registered: text I for your balance.",
    "taken": "+447700900777 is registered to another account.",
    "unregistered": "This number is not registered. Send U.<user> P.<password> R.<number> first.",
    "unauthenticated": "Wrong user or password.",
    "not_a_number": "D.abc is not a phone number.",
    "no_rate": "Sorry, +33123456789 cannot be called.",
    "calling_entry": "Calling you back to connect you with office (+447700900300).",
    "no_entry_index": "Sorry, no directory entry number 3.",
    "no_entry_name": "Sorry, no directory entry 'gym'.",
    "info": "Your balance is 4 euros and 68 cents.",
    "info_calls": "Your balance is 4 euros and 68 cents. "
    "Last calls: 01/12 09:05 +447700900300 1:30 0.16 EUR.",
    "voucher_credited": "10 EUR added. Your balance is 15 euros.",
    "voucher_unknown": "Sorry, that voucher code is not valid.",
    "voucher_used": "Sorry, that voucher has been used already.",
    "voucher_expired": "Sorry, that voucher has expired.",
    "voucher_disabled": "Sorry, that voucher has been withdrawn.",
    "voucher_currency": "Sorry, that voucher is for another currency.",
    "not_available": "Sorry, this command is not available on this service.",
    "unavailable": "Sorry, this service cannot take your command now. Please try again later.",
}
FRENCH = {
    "calling_two": "Nous vous rappelons au +447700900001 pour vous mettre en relation avec le "
    "+447700900300.",
    "registered": "Le +447700900777 est enregistré : envoyez I pour votre solde.",
    "taken": "Le +447700900777 est enregistré sur un autre compte.",
    "unregistered": "Ce numéro n'est pas enregistré. Envoyez d'abord U.<identifiant> "
    "P.<mot de passe> R.<numéro>.",
    "unauthenticated": "Identifiant ou mot de passe incorrect.",
    "not_a_number": "D.abc n'est pas un numéro de téléphone.",
    "no_rate": "Désolé, le +33123456789 ne peut pas être appelé.",
    "calling_entry": "Nous vous rappelons pour vous mettre en relation avec office "
    "(+447700900300).",
    "no_entry_index": "Désolé, votre répertoire n'a pas d'entrée numéro 3.",
    "no_entry_name": "Désolé, votre répertoire n'a pas d'entrée 'gym'.",
    "info": "Votre solde est de 4 euros et 68 centimes.",
    "info_calls": "Votre solde est de 4 euros et 68 centimes. "
    "Derniers appels : 01/12 09:05 +447700900300 1:30 0,16 EUR.",
    "voucher_credited": "Crédit ajouté : 10 EUR. Votre solde est de 15 euros.",
    "voucher_unknown": "Désolé, ce code de bon n'est pas valide.",
    "voucher_used": "Désolé, ce bon a déjà été utilisé.",
    "voucher_expired": "Désolé, ce bon a expiré.",
    "voucher_disabled": "Désolé, ce bon a été retiré.",
    "voucher_currency": "Désolé, ce bon est dans une autre devise.",
    "not_available": "Désolé, cette commande n'est pas disponible sur ce service.",
    "unavailable": "Désolé, le service ne peut pas traiter votre commande pour le moment. "
    "Réessayez plus tard.",
}


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_every_reply_in_english_and_in_french(name: str) -> None:
    assert set(REPLIES) == set(ENGLISH) == set(FRENCH)
    assert REPLIES[name](catalogue.replies("en-GB")) == ENGLISH[name]
    assert REPLIES[name](catalogue.replies("fr-FR")) == FRENCH[name]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_is_worded_in_every_language(language: str) -> None:
    replies = catalogue.replies(language)
    for name, reply in REPLIES.items():
        said = reply(replies)
        assert said and "{" not in said and "}" not in said, (language, name)
        if language != "en-US":
            assert said != ENGLISH[name], (language, name)


def test_a_regional_code_reads_its_languages_replies() -> None:
    assert catalogue.replies("es-MX").calling_two("1", "2").startswith("Le llamaremos al +1")
    assert catalogue.replies("zh-CN").unauthenticated() == "用户名或密码错误。"
    with pytest.raises(catalogue.UnsupportedLanguageError):
        catalogue.replies("de-DE")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_longest_reply_stays_within_a_few_parts(language: str) -> None:
    """The longest values a reply can carry: 20-digit numbers, 32-letter names, 64-character
    fields, three calls of the longest kind, the largest balance."""
    replies = catalogue.replies(language)
    number, name = "9" * 20, "w" * 32
    big = Decimal("999999999.99")
    calls = [(WHEN, number, 7199, big, "EUR")] * 3
    longest = [
        replies.calling_two(number, number),
        replies.registered(number),
        replies.taken(number),
        replies.unregistered(),
        replies.not_a_number("D", "x" * 64),
        replies.no_rate(number),
        replies.calling_entry(name, number),
        replies.no_entry(name),
        replies.info(big, "EUR", calls),
        replies.voucher_credited(big, big, "EUR"),
        replies.unavailable(),
        *(replies.command_error(r, refusal(EXAMPLES[r]).values) for r in REASONS),
    ]
    worst = max(longest, key=lambda text: len(split(text)))
    assert len(split(worst)) <= MAX_PARTS, (len(split(worst)), worst)
