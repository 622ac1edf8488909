"""The e-mail callback's command grammar: GIVEN an e-mail's subject and plain text, WHEN they are
parsed, THEN they hold the seed's ``P <account> <password> SN <number> DN <number>`` (with the
tolerance mail programs need) or a ``CommandError`` with a stable reason and a reply that says
what was wrong and shows the right form."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.callback.mail_commands import (
    EXAMPLE,
    FORM,
    REASONS,
    CallRequest,
    CommandError,
    parse,
)
from chalicelib.errors import ValidationError

SEED = CallRequest("6192345678", "1ak45", "+6581433653", "+420212345678")


def refused(subject: str, text: str = "") -> CommandError:
    with pytest.raises(CommandError) as raised:
        parse(subject, text)
    assert raised.value.reason in REASONS
    assert FORM in str(raised.value) and EXAMPLE in str(raised.value)
    return raised.value


# The seed's example, where people put it


def test_the_seeds_example_in_the_body() -> None:
    assert parse("", "P 6192345678 1ak45 SN 6581433653 DN 420212345678") == SEED


def test_the_seeds_example_in_the_subject_with_the_seeds_trailing_comma() -> None:
    assert parse("P 6192345678 1ak45 SN 6581433653 DN 420212345678,", "") == SEED


def test_the_subject_wins_over_the_body() -> None:
    body = "P 1111111 other SN 447700900001 DN 447700900002"
    assert parse("P 6192345678 1ak45 SN 6581433653 DN 420212345678", body) == SEED


def test_a_subject_that_is_no_command_leaves_the_body_to_be_read() -> None:
    assert parse("Callback please", "P 6192345678 1ak45 SN 6581433653 DN 420212345678") == SEED


@pytest.mark.parametrize("prefix", ["Re: ", "RE:", "Fwd: ", "FW: Re: ", "AW: ", "Re[2]: "])
def test_reply_and_forward_prefixes_of_the_subject_are_skipped(prefix: str) -> None:
    assert parse(prefix + "P 6192345678 1ak45 SN 6581433653 DN 420212345678", "") == SEED


# Tolerance


@pytest.mark.parametrize(
    "text",
    [
        "p 6192345678 1ak45 sn 6581433653 dn 420212345678",
        "P 6192345678 1ak45 Sn 6581433653 dN 420212345678.",
        "P 6192345678 1ak45 SN 6581433653 DN 420212345678;",
        "  P   6192345678\t1ak45  SN\t6581433653   DN  420212345678  ",
        "P 6192345678 1ak45\nSN 6581433653\nDN 420212345678",
        "P\n6192345678\n1ak45\nSN\n6581433653\nDN\n420212345678",
        "P 6192345678 1ak45 DN 420212345678 SN 6581433653",
        "P 6192345678 1ak45 SN: 6581433653 DN: 420212345678",
        "P: 6192345678 1ak45 SN:6581433653 DN:420212345678",
        "P 6192345678 1ak45 SN 6581433653, DN 420212345678,",
    ],
)
def test_case_spacing_order_colons_and_trailing_punctuation(text: str) -> None:
    assert parse("", text) == SEED


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("+420212345678", "+420212345678"),
        ("00420212345678", "+420212345678"),
        ("+420 212 345 678", "+420212345678"),
        ("00 420 212-345-678", "+420212345678"),
        ("+420.212.345.678", "+420212345678"),
        ("+420 (212) 345/678", "+420212345678"),
        ("+44 (0)7700 900300", "+447700900300"),
        ("0044 (0)7700 900300", "+447700900300"),
        ("\uff14\uff12\uff10212345678", "+420212345678"),  # full-width digits
        ("07700 900300", "07700900300"),  # national: read in the service's country
        ("(0)7700 900300", "07700900300"),
    ],
)
def test_numbers_with_prefixes_separators_and_brackets(written: str, read: str) -> None:
    command = parse("", f"P 6192345678 1ak45 SN {written} DN {written}")
    assert (command.source, command.destination) == (read, read)


def test_the_command_after_a_greeting_and_before_a_signature_and_quote() -> None:
    text = (
        "Hello,\n\nplease call me back.\n\n"
        "P 6192345678 1ak45 SN 6581433653 DN 420212345678\n"
        "Thanks\n-- \nJohn Smith\n+44 1234 567890\n\n"
        "On Mon, 1 Dec 2025, Callback <callback@example.com> wrote:\n"
        "> P 1111111 old SN 447700900001 DN 447700900002\n"
    )
    assert parse("", text) == SEED


def test_text_after_the_destination_on_its_line_is_ignored() -> None:
    text = "P 6192345678 1ak45 SN 6581433653 DN 420212345678 thanks a lot +44 1234\n+44 5678"
    assert parse("", text) == SEED


def test_a_number_never_runs_onto_the_next_line() -> None:
    text = "P 6192345678 1ak45 SN 6581433653 DN 420212345678\n+44 7700 900123"
    assert parse("", text).destination == "+420212345678"


def test_html_derived_text_with_non_breaking_and_zero_width_spaces() -> None:
    text = "\u00a0\nP\u00a06192345678\u200b 1ak45\u00a0SN\u00a06581433653"
    text += " DN\u202f420212345678\u00ad."
    assert parse("", text) == SEED


def test_a_quoted_command_is_never_taken_for_one() -> None:
    text = "> P 6192345678 1ak45 SN 6581433653 DN 420212345678\n\nNo, thanks."
    assert refused("Re: callback", text).reason == "no_command"


def test_a_forwarded_command_is_never_taken_for_one() -> None:
    text = "FYI\n---------- Forwarded message ---------\nP 6192345678 1ak45 SN 1234567 DN 1234567"
    assert refused("Fwd: callback", text).reason == "no_command"


def test_the_account_and_password_are_kept_as_sent() -> None:
    command = parse("", "P Acc.One pa$$:W0rd SN 6581433653 DN 420212345678")
    assert (command.account, command.password) == ("Acc.One", "pa$$:W0rd")


# Errors: which part, which number


def test_no_command_anywhere() -> None:
    error = refused("Hello", "Can you call me back?")
    assert error.reason == "no_command"
    assert str(error).startswith("No callback command was found in your message.")


def test_an_empty_mail_has_no_command() -> None:
    assert refused("", "").reason == "no_command"


def test_a_command_after_too_many_lines_is_not_looked_for() -> None:
    text = "a\nb\nc\nd\ne\nP 6192345678 1ak45 SN 6581433653 DN 420212345678"
    assert refused("", text).reason == "no_command"


@pytest.mark.parametrize(
    ("text", "reason", "says"),
    [
        ("P", "missing_account", "Your account is missing."),
        ("P SN 6581433653 DN 420212345678", "missing_account", "Your account is missing."),
        ("P 6192345678", "missing_password", "Your password is missing."),
        ("P 6192345678 SN 6581433653 DN 420", "missing_password", "Your password is missing."),
        ("P 6192345678 1ak45", "missing_source", "Your number (SN) is missing."),
        ("P 6192345678 1ak45 DN 420212345678", "missing_source", "Your number (SN) is missing."),
        ("P 6192345678 1ak45 SN DN 420212345678", "missing_source", "Your number (SN) is"),
        ("P 6192345678 1ak45 SN 6581433653", "missing_destination", "The number to call (DN)"),
        ("P 6192345678 1ak45 SN 6581433653 DN", "missing_destination", "(DN) is missing."),
        ("P 6192345678 1ak45 SN 6581433653 thanks", "missing_destination", "(DN) is missing."),
        ("P 6192345678 1ak45 6581433653 DN 420", "unexpected_word", "'6581433653' is not"),
        ("P 6192345678 1ak45 SN 1 SN 2 DN 3", "bad_source", "Your number (SN) '1'"),
        ("P 6192345678 1ak45 SN 6581433653 SN 2", "repeated_field", "SN is given twice."),
    ],
)
def test_a_missing_part_is_named(text: str, reason: str, says: str) -> None:
    error = refused("", text)
    assert error.reason == reason and says in str(error), str(error)


@pytest.mark.parametrize(
    ("text", "reason", "shown"),
    [
        ("P 6192345678 1ak45 SN abc DN 420212345678", "bad_source", "Your number (SN) 'abc'"),
        ("P 6192345678 1ak45 SN 12 DN 420212345678", "bad_source", "Your number (SN) '12'"),
        ("P 6192345678 1ak45 SN 6581433653x DN 4202123", "bad_source", "'6581433653x'"),
        ("P 6192345678 1ak45 SN 65+81433653 DN 4202123", "bad_source", "'65+81433653'"),
        ("P 6192345678 1ak45 SN 6581433653 DN 4" * 1, "bad_destination", "(DN) '4'"),
        ("P 6192345678 1ak45 SN 6581433653 DN " + "1" * 21, "bad_destination", "(DN) '111"),
        ("P 6192345678 1ak45 SN 6581433653 DN 42,02", "bad_destination", "(DN) '42,02'"),
        ("P 6192345678 1ak45 SN 6581433653 DN +", "bad_destination", "(DN) '+'"),
    ],
)
def test_a_bad_number_is_named(text: str, reason: str, shown: str) -> None:
    error = refused("", text)
    assert error.reason == reason and shown in str(error), str(error)
    assert "is not a phone number" in str(error)


def test_an_overlong_or_unprintable_credential_is_refused() -> None:
    long = "a" * 65
    assert refused("", f"P {long} x SN 6581433653 DN 420212345678").reason == "bad_account"
    assert refused("", f"P 619 {long} SN 6581433653 DN 420212345678").reason == "bad_password"
    assert refused("", "P 619 pa\x07ss SN 6581433653 DN 420212345678").reason == "bad_password"


def test_a_long_offending_word_is_shortened_in_the_reply() -> None:
    error = refused("", "P 619 pass SN " + "x" * 500 + " DN 420212345678")
    assert "x" * 23 + "…'" in str(error) and "x" * 30 not in str(error)


def test_a_command_error_is_a_validation_error() -> None:
    assert isinstance(refused("", "nothing"), ValidationError)


# Fuzz: any subject and text parse or are refused, never another exception


def _outcome(subject: str, text: str) -> bool:
    try:
        command = parse(subject, text)
    except CommandError as error:
        assert error.reason in REASONS and str(error)
        return True
    assert isinstance(command, CallRequest)
    for number in (command.source, command.destination):
        digits = number.removeprefix("+")
        assert digits.isascii() and digits.isdigit() and 3 <= len(digits) <= 20
    assert 1 <= len(command.account) <= 64 and 1 <= len(command.password) <= 64
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.text(max_size=3000))
def test_arbitrary_subjects_and_texts_parse_or_are_refused(subject: str, text: str) -> None:
    assert _outcome(subject, text)


WORDS = st.sampled_from(
    [
        "P", "p", "SN", "dn", "SN:", "DN:", "Re:", "6192345678", "1ak45", "+", "00", "0", "(0)",
        "420", "212-345", ".", ",", ";", ":", " ", "\t", "\n", "\n\n", "\u00a0", "\u200b", ">",
        "-- ", "\uff14", "x", "\x00", "\U0001f600", "(", ")", "/", "1" * 21,
    ]
)  # fmt: skip


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, max_size=30).map("".join), st.lists(WORDS, max_size=40).map("".join))
def test_text_built_from_the_grammars_words_parses_or_is_refused(subject: str, text: str) -> None:
    assert _outcome(subject, text)


@settings(max_examples=200, deadline=None)
@given(
    account=st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=64),
    password=st.text(st.characters(categories=["L", "N", "P", "S"]), min_size=1, max_size=64),
    source=st.from_regex(r"[1-9][0-9]{2,19}", fullmatch=True),
    destination=st.from_regex(r"[1-9][0-9]{2,19}", fullmatch=True),
)
def test_any_well_formed_command_is_read_back(
    account: str, password: str, source: str, destination: str
) -> None:
    if password.upper().rstrip(":") in ("SN", "DN") or password.upper().startswith(("SN:", "DN:")):
        return
    if account.upper().rstrip(":") in ("SN", "DN") or account.upper().startswith(("SN:", "DN:")):
        return
    text = f"P {account} {password} SN {source} DN {destination}"
    assert parse("", text) == CallRequest(account, password, "+" + source, "+" + destination)
