"""The SMS callback's command grammar: GIVEN an SMS's text, WHEN it is parsed, THEN it is the
seed's command (with the tolerance phone keyboards need) or a ``CommandError`` with a stable
reason and a reply that says what was wrong, shows the right form and fits one SMS."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.callback.sms_commands import (
    MAX_LENGTH,
    REASONS,
    CallEntry,
    CallNumbered,
    CallTwo,
    Command,
    CommandError,
    Info,
    RedeemVoucher,
    RegisterNumber,
    parse,
)
from chalicelib.errors import ValidationError
from chalicelib.simulator.sms import SINGLE_GSM, is_gsm, length

CALL_FORM = "U.<user> P.<password> D.<destination> O.<your number>"
REGISTER_FORM = "U.<user> P.<password> R.<number>"


def refused(text: str) -> CommandError:
    with pytest.raises(CommandError) as raised:
        parse(text)
    return raised.value


# The seed's examples


def test_the_seeds_callback_between_two_numbers() -> None:
    assert parse("U.callback P.pass D.48774417880 O.12345678") == CallTwo(
        user="callback", password="pass", destination="48774417880", source="12345678"
    )


def test_the_seeds_registration_of_a_number() -> None:
    assert parse("U.callback P.pass R.48600316058") == RegisterNumber(
        user="callback", password="pass", number="48600316058"
    )


def test_the_seeds_directory_entry_by_name() -> None:
    assert parse("B.office") == CallEntry(name="office")


def test_the_seeds_directory_entry_by_number() -> None:
    assert parse("N2") == CallNumbered(index=2)


def test_the_seeds_information_request() -> None:
    assert parse("I") == Info()


def test_a_voucher_is_redeemed_with_v_or_the_word_voucher() -> None:
    assert parse("V.12345678") == RedeemVoucher(code="12345678")
    assert parse("VOUCHER 1234-5678") == RedeemVoucher(code="12345678")
    assert parse("voucher:ab12cd") == RedeemVoucher(code="AB12CD")
    assert parse("Voucher . 9876") == RedeemVoucher(code="9876")


# What phone keyboards produce

SEED_CALL = CallTwo("callback", "pass", "48774417880", "12345678")


@pytest.mark.parametrize(
    "text",
    [
        "u.callback p.pass d.48774417880 o.12345678",  # letters in any case
        "U.callback P.pass D.48774417880 O.12345678.",  # a trailing full stop
        "U.callback P.pass D.48774417880 O.12345678 ,",  # a trailing comma
        "  U.callback   P.pass\tD.48774417880\nO.12345678  ",  # any whitespace
        "U.callback\u00a0P.pass\u00a0D.48774417880\u00a0O.12345678",  # non-breaking spaces
        "U . callback P .pass D. 48774417880 O .  12345678",  # whitespace around the dot
        "P.pass O.12345678 U.callback D.48774417880",  # any order
        "U:callback P:pass D:48774417880 O:12345678",  # a colon for the dot
        "U.callback P.pass D.4877-441-7880 O.1234-5678",  # separators in numbers
    ],
)
def test_a_call_is_read_whatever_the_keyboard_did(text: str) -> None:
    assert parse(text) == SEED_CALL


@pytest.mark.parametrize("text", ["N2", "n2", "N.2", "N 2", "n:2", "N02", "N2."])
def test_a_numbered_entry_in_any_spelling(text: str) -> None:
    assert parse(text) == CallNumbered(index=2)


@pytest.mark.parametrize("text", ["I", "i", " I. ", "I,", "I."])
def test_information_in_any_spelling(text: str) -> None:
    assert parse(text) == Info()


def test_values_keep_their_dots_colons_and_case() -> None:
    assert parse("U.Jo.Smith P.Pa.ss:W R.123") == RegisterNumber("Jo.Smith", "Pa.ss:W", "123")


def test_an_international_number_keeps_its_plus() -> None:
    assert parse("U.a P.b D.+48-774-417-880 O.0048123") == CallTwo(
        "a", "b", "+48774417880", "0048123"
    )


def test_a_directory_name_is_lower_cased_in_any_script() -> None:
    assert parse("B.Office") == CallEntry("office")
    assert parse("b:Büro_2-Ж") == CallEntry("büro_2-ж")


def test_a_detached_separator_takes_the_next_word_unless_it_is_a_field() -> None:
    assert parse("U. name P. pw R. 123") == RegisterNumber("name", "pw", "123")
    assert refused("U. P.pw R.123").reason == "missing_user"


def test_the_bounds_of_numbers_and_indexes_are_accepted() -> None:
    assert parse("U.a P.b R.123") == RegisterNumber("a", "b", "123")
    assert parse("U.a P.b R.+" + "9" * 20) == RegisterNumber("a", "b", "+" + "9" * 20)
    assert parse("N1") == CallNumbered(1)
    assert parse("N99") == CallNumbered(99)
    assert parse("B." + "x" * 32) == CallEntry("x" * 32)


# Every refusal: its reason, its reply


@pytest.mark.parametrize(
    ("text", "reason", "shown"),
    [
        ("", "empty", CALL_FORM),
        ("  \t\n ", "empty", CALL_FORM),
        (" . ", "empty", CALL_FORM),
        ("U" * (MAX_LENGTH + 1), "too_long", CALL_FORM),
        ("U.a\x00 P.b R.123", "control_character", CALL_FORM),
        ("B.office\x1b", "control_character", CALL_FORM),
        ("hello", "unknown_command", CALL_FORM),
        ("\U0001f600", "unknown_command", CALL_FORM),
        ("X.1", "unknown_command", CALL_FORM),
        ("B office", "unknown_command", CALL_FORM),
        ("U.a P.b D.123 O.456 thanks", "unknown_command", CALL_FORM),
        ("U.a P.b D.123 D.456 O.789", "repeated_field", CALL_FORM),
        ("V.1234 VOUCHER 5678", "repeated_field", "V.<code>"),
        ("U.a P.b D.123 O.456 R.789", "mixed_commands", REGISTER_FORM),
        ("I N2", "mixed_commands", "B.<name>"),
        ("U.a P.b", "missing_command", REGISTER_FORM),
        ("U.a P.b B.office", "unexpected_credentials", "B.<name>"),
        ("P.b I", "unexpected_credentials", "I"),
        ("I.now", "unexpected_value", "I alone"),
        ("P.b D.123 O.456", "missing_user", CALL_FORM),
        ("P.b R.123", "missing_user", REGISTER_FORM),
        ("U.a D.123 O.456", "missing_password", CALL_FORM),
        ("U.a R.123", "missing_password", REGISTER_FORM),
        ("U." + "a" * 65 + " P.b R.123", "bad_user", REGISTER_FORM),
        ("U.a P." + "b" * 65 + " D.123 O.456", "bad_password", CALL_FORM),
        ("U.a P.b O.456", "missing_destination", CALL_FORM),
        ("U.a P.b D.123", "missing_source", CALL_FORM),
        ("U.a P.b D.123 O.", "missing_source", CALL_FORM),
        ("U.a P.b R.", "missing_number", REGISTER_FORM),
        ("U.a P.b D.12 O.456", "bad_number", CALL_FORM),
        ("U.a P.b D.(123)456 O.456", "bad_number", CALL_FORM),
        ("U.a P.b D.123 O.4 56", "unknown_command", CALL_FORM),  # a space ends a number
        ("U.a P.b R." + "1" * 21, "bad_number", REGISTER_FORM),
        ("U.a P.b R.12a3", "bad_number", REGISTER_FORM),
        ("U.a P.b R.++123", "bad_number", REGISTER_FORM),
        ("U.a P.b R.\u0661\u0662\u0663", "bad_number", REGISTER_FORM),  # not ASCII digits
        ("B.", "missing_name", "B.<name>"),
        ("B.of.fice", "bad_name", "B.office"),
        ("B." + "x" * 33, "bad_name", "B.office"),
        ("N", "bad_index", "N2"),
        ("N0", "bad_index", "N2"),
        ("N100", "bad_index", "N2"),
        ("N-1", "bad_index", "N2"),
        ("N.two", "bad_index", "N2"),
        ("N\u00b2", "bad_index", "N2"),  # a superscript two is no index
        ("V.", "missing_voucher", "V.<code>"),
        ("VOUCHER", "missing_voucher", "V.<code>"),
        ("V.123", "bad_voucher", "V.<code>"),
        ("V.12#34", "bad_voucher", "V.<code>"),
        ("V." + "1" * 33, "bad_voucher", "V.<code>"),
    ],
)
def test_a_malformed_command_is_refused_with_its_reason_and_the_right_form(
    text: str, reason: str, shown: str
) -> None:
    error = refused(text)
    assert error.reason == reason
    assert shown in str(error)
    assert error.problems == [str(error)]


def test_every_reason_is_exercised_and_listed() -> None:
    texts = [
        "", "x" * 1001, "\x00", "hello", "N1 N2", "I N2", "U.a P.b", "U.a B.x", "I.x",
        "P.b R.123", "U.a R.123", "U." + "a" * 65 + " P.b R.123", "U.a P." + "b" * 65 + " R.123",
        "U.a P.b O.123", "U.a P.b D.123", "U.a P.b R.", "U.a P.b R.1", "B.", "B.a.b", "N0", "V.",
        "V.1",
    ]  # fmt: skip
    assert {refused(text).reason for text in texts} == REASONS


def test_a_refusal_is_a_validation_error() -> None:
    assert isinstance(refused("hello"), ValidationError)


def test_a_reply_names_the_field_in_trouble() -> None:
    assert str(refused("U.a P.b D.123 O.12")).startswith("O. ")
    assert str(refused("U.a P.b D.12 O.123")).startswith("D. ")
    assert str(refused("U.a P.b R.1")).startswith("R. ")
    assert str(refused("U.a P.b R.123 R.456")).startswith("R. is given twice")


# Every reply fits one SMS


REFUSED = [
    "", "x" * 1001, "\x00", "hello", "N1 N2", "V.1234 V.5678", "B.a B.b", "I I", "N1 N1",
    "U.a P.b D.1 D.2", "U.a U.b R.1", "I N2", "U.a P.b", "U.a B.x", "P.b N2", "U.a V.1234",
    "I.x", "P.b R.123", "U.a R.123", "P.b D.1 O.2", "U.a D.1 O.2",
    "U." + "a" * 65 + " P.b R.123", "U.a P." + "b" * 65 + " D.123 O.123", "U.a P.b O.123",
    "U.a P.b D.123", "U.a P.b R.", "U.a P.b R.1", "U.a P.b D.1 O.123", "U.a P.b D.123 O.1",
    "B.", "B.a.b", "N0", "V.", "V.1",
]  # fmt: skip


@pytest.mark.parametrize("text", REFUSED)
def test_every_reply_fits_one_gsm_sms(text: str) -> None:
    reply = str(refused(text))
    assert is_gsm(reply)
    assert length(reply) <= SINGLE_GSM


# Hostile input


def test_the_longest_accepted_message_of_pathological_shape_parses_or_is_refused() -> None:
    for unit in ("U.", ". ", "U ", "N", ".:", "U . ", "P.a", "\u00a0"):
        text = (unit * MAX_LENGTH)[:MAX_LENGTH]
        with pytest.raises(CommandError):
            parse(text)
    assert parse("U.a P.b R.123" + " " * (MAX_LENGTH - 13)) == RegisterNumber("a", "b", "123")


def _outcome(text: str) -> str:
    try:
        command = parse(text)
    except CommandError as error:
        assert error.reason in REASONS
        assert is_gsm(str(error)) and length(str(error)) <= SINGLE_GSM
        return error.reason
    assert isinstance(command, get_args(Command))
    return type(command).__name__


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=1200))
def test_arbitrary_text_parses_or_is_refused(text: str) -> None:
    assert _outcome(text)


TOKENS = st.sampled_from(
    [
        "U", "P", "D", "O", "R", "B", "N", "I", "V", "VOUCHER", "u", "voucher", "X",
        ".", ":", ",", " ", "\t", "\n", "\u00a0", "+", "-", "(", ")", "0", "2", "12345678",
        "48774417880", "office", "pa.ss", "Ж", "\U0001f600", "\x00", "\u200b", "N2", "U.",
    ]
)  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOKENS, max_size=40).map("".join))
def test_text_built_from_the_grammars_tokens_parses_or_is_refused(text: str) -> None:
    assert _outcome(text)


@settings(max_examples=200, deadline=None)
@given(
    user=st.text(st.characters(categories=["L", "N", "P"]), min_size=1, max_size=64),
    password=st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=64),
    destination=st.from_regex(r"\+?[0-9]{3,20}", fullmatch=True),
    source=st.from_regex(r"[0-9]{3,20}", fullmatch=True),
)
def test_any_well_formed_call_is_read_back(
    user: str, password: str, destination: str, source: str
) -> None:
    # Each value is glued to its field's separator: it keeps every character it has.
    text = f"O.{source} U.{user} P.{password} D.{destination}"
    assert parse(text) == CallTwo(user, password, destination, source)
