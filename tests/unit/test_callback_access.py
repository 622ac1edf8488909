"""Callback access numbers and caller-id translation: GIVEN access numbers with translation
rules and countries, WHEN carriers deliver caller ids in the forms they do (``+420...``,
``420...``, ``00420...``, national ``0...``, withheld, garbled), THEN each is translated to E.164
digits or refused with its reason; an access number's configuration is valid or refused with
every problem named; the PIN lockout's rules lock from the third wrong PIN."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.callback.access import (
    MAX_PIN_ATTEMPTS,
    AccessNumber,
    InvalidAccessNumberError,
    InvalidCallerNumberError,
    PinVerdict,
    TranslationRule,
    TriggerKind,
    Untranslated,
    after_wrong_pin,
    caller_digits,
    is_locked,
    translate,
)
from chalicelib.errors import ValidationError

CZ_RULE = AccessNumber(
    "+420234000111", TriggerKind.ANI, "acme", "en-GB", (TranslationRule("0", "420"),)
)
CZ_COUNTRY = AccessNumber("420234000111", TriggerKind.ANI, "acme", "en-GB", country="cz")
NO_HINT = AccessNumber("442071838750", TriggerKind.ANI, "acme", "en-GB")
GB = AccessNumber("442071838750", TriggerKind.ANI, "acme", "en-GB", country="GB")
LONGEST = AccessNumber(
    "420234000111",
    TriggerKind.ANI,
    "acme",
    "en-GB",
    (TranslationRule("0", "420"), TranslationRule("09", "4219"), TranslationRule("011", "1")),
)


@pytest.mark.parametrize(
    ("access", "caller_id", "number"),
    [
        # the rule turns a national caller id into E.164
        (CZ_RULE, "0602123456", "420602123456"),
        # a leading + or 00 is international already: no rule applies
        (CZ_RULE, "+420602123456", "420602123456"),
        (CZ_RULE, "00420602123456", "420602123456"),
        (CZ_RULE, "0033612345678", "33612345678"),
        (CZ_RULE, "+33 6 12-34-56-78", "33612345678"),
        # no rule matches: the digits are international already
        (CZ_RULE, "420602123456", "420602123456"),
        # a country reads national numbers, with or without their country code
        (CZ_COUNTRY, "602123456", "420602123456"),
        (CZ_COUNTRY, "420602123456", "420602123456"),
        (CZ_COUNTRY, "00420602123456", "420602123456"),
        (GB, "07700900123", "447700900123"),
        (GB, "447700900123", "447700900123"),
        # a valid international reading beats a national one that is merely possible
        (CZ_COUNTRY, "33612345678", "33612345678"),
        # without rule or country, digits are international
        (NO_HINT, "447700900123", "447700900123"),
        # the longest matching prefix wins, whatever the rules' order
        (LONGEST, "0905123456", "421905123456"),
        (LONGEST, "0602123456", "420602123456"),
        (LONGEST, "0112025550123", "12025550123"),
    ],
)
def test_caller_ids_are_translated_to_e164_digits(
    access: AccessNumber, caller_id: str, number: str
) -> None:
    found = translate(access, caller_id)
    assert (found.number, found.reason) == (number, None), found
    assert found.ok


@pytest.mark.parametrize(
    ("access", "caller_id", "reason"),
    [
        (CZ_RULE, "", Untranslated.WITHHELD),
        (CZ_RULE, "   ", Untranslated.WITHHELD),
        (CZ_RULE, "anonymous", Untranslated.WITHHELD),
        (CZ_RULE, "Private", Untranslated.WITHHELD),
        (CZ_RULE, "UNKNOWN", Untranslated.WITHHELD),
        (CZ_RULE, "restricted", Untranslated.WITHHELD),
        # only the last four digits came through
        (CZ_RULE, "5464", Untranslated.GARBLED),
        (CZ_RULE, "+12", Untranslated.GARBLED),
        (CZ_RULE, "0602x23456", Untranslated.GARBLED),
        (CZ_RULE, "+", Untranslated.GARBLED),
        (CZ_RULE, "++420602123456", Untranslated.GARBLED),
        (CZ_RULE, "٤٢٠٦٠٢١٢٣٤٥٦", Untranslated.GARBLED),  # digits, but not ASCII ones
        (CZ_RULE, "4" * 40, Untranslated.GARBLED),
        # a national number with nothing to read it by
        (NO_HINT, "07700900123", Untranslated.UNTRANSLATABLE),
        (NO_HINT, "0602123456", Untranslated.UNTRANSLATABLE),
        # no country code starts with 0, and 999 is none
        (CZ_RULE, "+0602123456", Untranslated.UNTRANSLATABLE),
        (NO_HINT, "99912345678", Untranslated.UNTRANSLATABLE),
    ],
)
def test_withheld_garbled_and_untranslatable_caller_ids_are_not_called_back(
    access: AccessNumber, caller_id: str, reason: Untranslated
) -> None:
    found = translate(access, caller_id)
    assert (found.number, found.reason) == (None, reason), found
    assert not found.ok and found.detail


def test_the_seeds_example_is_translated_by_its_rule() -> None:
    # GIVEN the seed's example: 02345464 on a Czech access number with the rule 0 -> 420
    found = translate(CZ_RULE, "02345464")
    # THEN the rule makes +4202345464 of it (shorter than the Czech plan's numbers, but the
    # operator's rule is trusted for a known country code)
    assert found.number == "4202345464"
    assert "kept as the operator's rule made it" in found.detail
    # AND the same rule on a full-length national number translates it as a possible number
    assert translate(CZ_RULE, "0234546400").number == "420234546400"
    # AND a rule's result with an unknown country code, or too short, is untranslatable
    assert translate(CZ_RULE, "0234").reason is Untranslated.GARBLED
    unknown = AccessNumber("420234000111", "ani", "acme", "en-GB", (TranslationRule("0", "999"),))
    assert translate(unknown, "0234546").reason is Untranslated.UNTRANSLATABLE


def test_a_rule_whose_prefix_covers_00_wins_over_the_international_prefix() -> None:
    access = AccessNumber("420234000111", "ani", "acme", "en-GB", (TranslationRule("000", "420"),))
    assert translate(access, "000602123456").number == "420602123456"
    assert translate(access, "00420602123456").number == "420602123456"


def test_an_access_number_is_normalised() -> None:
    assert CZ_RULE.number == "420234000111"
    assert CZ_COUNTRY.country == "CZ"
    assert AccessNumber("420234000111", "pin", "acme", "en-GB", internal_account="900001").kind is (
        TriggerKind.PIN
    )


def test_an_access_number_breaking_every_rule_is_refused_naming_each_problem() -> None:
    with pytest.raises(InvalidAccessNumberError) as refused:
        AccessNumber(
            "12",
            "dnis",  # type: ignore[arg-type]
            "Acme",
            "xx-XX",
            (TranslationRule("0", "42"), TranslationRule("0", "4x"), TranslationRule("", "")),
            internal_account="1",
            delay_seconds=-1,
            flow_id="Bad Flow",
            country="ZZ",
            lock_minutes=0,
        )
    assert isinstance(refused.value, ValidationError)
    assert refused.value.problems == [
        "number: '12' is not E.164 digits (country code first, 7 to 15 digits)",
        "tenant: 'Acme' is not an account id (^[a-z0-9][a-z0-9-]{0,62}$)",
        "language: 'xx-XX' is not a text-to-speech language",
        "rules.1.replace: '4x' is not 0 to 15 digits",
        "rules.1.prefix: '0' has another rule already",
        "rules.2.prefix: '' is not 1 to 15 digits",
        "account_id: a dnis access number needs one",
        "internal_account: only a pin access number has one, not a dnis one",
        "delay_seconds: -1 is not 0 to 900",
        "flow_id: 'Bad Flow' is not a flow id (^[a-z0-9][a-z0-9_-]{0,62}$)",
        "country: 'ZZ' is not an ISO region (such as CZ or GB)",
        "lock_minutes: 0 is not 1 to 1440",
    ]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"kind": "sms"}, "kind: 'sms' is not one of ani, dnis, pin"),
        ({"kind": "pin"}, "internal_account: a pin access number needs one"),
        ({"account_id": "123456"}, "account_id: only a dnis access number has one, not a ani one"),
        (
            {"kind": "dnis", "account_id": "12"},
            "account_id: '12' is not a callback account id (6 to 16 digits)",
        ),
        ({"delay_seconds": 901}, "delay_seconds: 901 is not 0 to 900"),
        ({"delay_seconds": True}, "delay_seconds: True is not 0 to 900"),
        ({"lock_minutes": 1441}, "lock_minutes: 1441 is not 1 to 1440"),
        (
            {"rules": tuple(TranslationRule(str(i), "") for i in range(21))},
            "rules: 21 rules, at most 20",
        ),
        ({"enabled": "yes"}, "enabled: 'yes' is not true or false"),
    ],
)
def test_each_rule_of_an_access_number_is_enforced(
    changes: dict[str, object], problem: str
) -> None:
    fields: dict[str, object] = {
        "number": "420234000111",
        "kind": "ani",
        "tenant": "acme",
        "language": "en-GB",
        **changes,
    }
    with pytest.raises(InvalidAccessNumberError) as refused:
        AccessNumber(**fields)  # type: ignore[arg-type]
    assert refused.value.problems == [problem]


def test_dnis_and_pin_access_numbers_name_their_callback_accounts() -> None:
    dnis = AccessNumber("420234000112", "dnis", "acme", "en-GB", account_id="6192345678")
    pin = AccessNumber("420234000113", "pin", "acme", "en-GB", internal_account="900001")
    assert (dnis.kind, dnis.account_id) == (TriggerKind.DNIS, "6192345678")
    assert (pin.kind, pin.internal_account) == (TriggerKind.PIN, "900001")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("0=420", TranslationRule("0", "420")),
        ("00=", TranslationRule("00", "")),
        (" 9 = 1 ", TranslationRule("9", "1")),
    ],
)
def test_rules_are_parsed_from_prefix_equals_replace(text: str, rule: TranslationRule) -> None:
    assert TranslationRule.parse(text) == rule
    assert TranslationRule.parse(str(rule)) == rule


@pytest.mark.parametrize("text", ["0", "=420", "a=1", "0=1b", "0=" + "1" * 16])
def test_malformed_rules_are_refused(text: str) -> None:
    with pytest.raises(InvalidAccessNumberError):
        TranslationRule.parse(text)


def test_three_wrong_pins_lock_the_caller_for_the_access_numbers_lock_minutes() -> None:
    assert MAX_PIN_ATTEMPTS == 3
    assert [after_wrong_pin(n) for n in (1, 2, 3, 4)] == [
        PinVerdict.RETRY,
        PinVerdict.RETRY,
        PinVerdict.LOCK,
        PinVerdict.LOCK,
    ]
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    pin = AccessNumber(
        "420234000113", "pin", "acme", "en-GB", internal_account="900001", lock_minutes=45
    )
    until = pin.lock_until(now)
    assert until == now + timedelta(minutes=45)
    assert CZ_RULE.lock_until(now) == now + timedelta(minutes=30)
    assert is_locked(until, now + timedelta(minutes=44))
    assert not is_locked(until, until)
    assert not is_locked(None, now)


def test_caller_numbers_of_lockouts_are_e164_digits() -> None:
    assert caller_digits("+420602123456") == "420602123456"
    for bad in ("0602123456", "42060212345678901", "abc", ""):
        with pytest.raises(InvalidCallerNumberError):
            caller_digits(bad)
