"""Tariffs, pure: GIVEN rate decks as operators write them, WHEN parsed, THEN good decks give
their rates (BOM, spaces, ',' or ';', blank lines tolerated) and bad ones list every bad line
and give nothing; GIVEN a rate, WHEN a leg of N seconds is priced, THEN increments round up
(60/60, 30/6, 1/1) and the connection fee is charged once, also for 0 s; GIVEN a number, its
prefixes come longest first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.billing.tariffs import (
    InvalidNumberError,
    Rate,
    TariffError,
    TariffTooLargeError,
    check_deck_size,
    check_tariff_id,
    longest_match,
    parse_rates,
    prefixes,
)

HEADER = "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment"


def deck(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def problems(text: str | bytes) -> list[str]:
    with pytest.raises(TariffError) as raised:
        parse_rates(text)
    return raised.value.problems


def rate(first: int, step: int, price: str = "0.60", fee: str = "0") -> Rate:
    return Rate("44", "UK", Decimal(price), Decimal(fee), first, step)


# -- parsing ---------------------------------------------------------------------------------
def test_a_good_deck_gives_its_rates_as_decimals() -> None:
    rates = parse_rates(deck("44,United Kingdom,0.05,0.01,60,60", "447,UK mobile,0.1,0,30,6"))
    assert rates == [
        Rate("44", "United Kingdom", Decimal("0.05"), Decimal("0.01"), 60, 60),
        Rate("447", "UK mobile", Decimal("0.1"), Decimal("0"), 30, 6),
    ]
    assert all(isinstance(r.price_per_minute, Decimal) for r in rates)


def test_bom_spaces_semicolons_blank_lines_quotes_and_plus_are_tolerated() -> None:
    text = (
        "\ufeff Prefix ; Destination ; Price per minute ; connection-fee ; first_increment ;"
        ' next_increment\r\n\r\n+33 ; "France; fixed" ; 0.02 ; 0 ; 1 ; 1 \r\n'
    )
    assert parse_rates(text.encode()) == [
        Rate("33", "France; fixed", Decimal("0.02"), Decimal("0"), 1, 1)
    ]


def test_columns_may_come_in_any_order() -> None:
    header = "destination,prefix,first_increment,next_increment,price_per_minute,connection_fee"
    assert parse_rates(deck("Spain,34,30,6,0.03,0.005", header=header)) == [
        Rate("34", "Spain", Decimal("0.03"), Decimal("0.005"), 30, 6)
    ]


def test_every_bad_row_is_reported_by_line_and_nothing_is_loaded() -> None:
    found = problems(
        deck(
            "44,UK,0.05,0,60,60",
            "4x4,Bad prefix,0.05,0,60,60",
            "45,Denmark,-0.05,0,60,60",
            "46,Sweden,cheap,0,60,60",
            "47,Norway,0.05,0,0,60",
            "48,Poland,0.05,0,60,1.5",
            "49,Germany,0.05,0,60",
            "44,UK again,0.05,0,60,60",
            "50,,0.05,0,60,60",
            "51,Chile,0.05,1e3,60,60",
        )
    )
    assert found == [
        "line 3: prefix '4x4' is not 1 to 15 digits",
        "line 4: price_per_minute '-0.05' must not be negative"
        " (digits, a decimal point, up to 6 decimals)",
        "line 5: price_per_minute 'cheap' is not a price"
        " (digits, a decimal point, up to 6 decimals)",
        "line 6: first_increment '0' is not a whole number of seconds from 1 to 3600",
        "line 7: next_increment '1.5' is not a whole number of seconds from 1 to 3600",
        "line 8: 5 fields, the header has 6",
        "line 9: prefix 44 is already on line 2",
        "line 10: destination is empty",
        "line 11: connection_fee '1e3' is not a price (digits, a decimal point, up to 6 decimals)",
    ]


def test_a_row_with_several_faults_lists_each() -> None:
    assert problems(deck("x,UK,-1,abc,0,-6")) == [
        "line 2: prefix 'x' is not 1 to 15 digits",
        "line 2: price_per_minute '-1' must not be negative (digits, a decimal point, up to 6"
        " decimals)",
        "line 2: connection_fee 'abc' is not a price (digits, a decimal point, up to 6 decimals)",
        "line 2: first_increment '0' is not a whole number of seconds from 1 to 3600",
        "line 2: next_increment '-6' is not a whole number of seconds from 1 to 3600",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "line 1: the header row is missing"),
        ("prefix destination price\n1 a 2\n", "line 1: the header must separate its columns"),
        (HEADER.replace(",", ";", 1) + "\n", "line 1: the header must separate its columns"),
        (HEADER.replace("destination", "dest") + "\n", "line 1: unknown column 'dest'"),
        (HEADER.replace(",destination", "") + "\n", "line 1: missing column 'destination'"),
        (HEADER + ",prefix\n", "line 1: column 'prefix' appears twice"),
        (HEADER + "\n\n", "line 2: the rate deck holds no rates"),
        (b"prefix,destination\n\xff\n", "the file is not UTF-8 text"),
    ],
)
def test_a_deck_without_a_usable_header_or_rows_is_refused(
    text: str | bytes, expected: str
) -> None:
    assert any(problem.startswith(expected) for problem in problems(text))


def test_decimal_commas_are_refused_not_guessed() -> None:
    header = HEADER.replace(",", ";")
    assert problems(deck("44;UK;0,05;0;60;60", header=header)) == [
        "line 2: price_per_minute '0,05' is not a price (digits, a decimal point, up to 6 decimals)"
    ]


def test_tariff_ids_and_sizes_are_checked() -> None:
    assert check_tariff_id("retail-2026.v1") == "retail-2026.v1"
    for bad in ("", "-x", "a/b", "x" * 65, "ok\n"):
        with pytest.raises(TariffError):
            check_tariff_id(bad)
    check_deck_size(1_000_000)
    with pytest.raises(TariffTooLargeError):
        check_deck_size(1_000_001)


# -- increments and prices -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("first", "step", "seconds", "billed"),
    [
        (60, 60, 0, 0),
        (60, 60, 1, 60),
        (60, 60, 60, 60),
        (60, 60, 61, 120),
        (60, 60, 125, 180),
        (30, 6, 1, 30),
        (30, 6, 30, 30),
        (30, 6, 31, 36),
        (30, 6, 37, 42),
        (30, 6, 95, 96),
        (1, 1, 1, 1),
        (1, 1, 59, 59),
        (1, 1, 61, 61),
    ],
)
def test_legs_are_billed_by_increments_rounded_up(
    first: int, step: int, seconds: int, billed: int
) -> None:
    assert rate(first, step).billed_seconds(seconds) == billed


def test_the_price_is_the_fee_plus_the_billed_minutes_in_decimal() -> None:
    # GIVEN 0.60 a minute and a 0.05 connection fee
    assert rate(60, 60, fee="0.05").price(61) == Decimal("1.25")
    assert rate(30, 6, fee="0.05").price(31) == Decimal("0.41")
    assert rate(1, 1, fee="0.05").price(1) == Decimal("0.06")


def test_a_zero_second_answered_leg_costs_the_connection_fee_only() -> None:
    assert rate(60, 60, fee="0.05").price(0) == Decimal("0.05")
    assert rate(60, 60).price(0) == Decimal("0")


def test_prices_round_up_to_millionths() -> None:
    # 0.01 a minute for 7 s per second = 0.0011666... -> 0.001167
    assert rate(1, 1, price="0.01").price(7) == Decimal("0.001167")


def test_a_negative_duration_is_a_bug() -> None:
    with pytest.raises(ValueError):
        rate(1, 1).billed_seconds(-1)


# -- prefixes -------------------------------------------------------------------------------
def test_prefixes_come_longest_first() -> None:
    assert prefixes("+4477009") == ["4477009", "447700", "44770", "4477", "447", "44", "4"]
    assert len(prefixes("123456789012345")) == 15


@pytest.mark.parametrize("number", ["", "+", "0044", "44a", "1234567890123456", "44 77"])
def test_a_number_that_is_not_e164_is_refused(number: str) -> None:
    with pytest.raises(InvalidNumberError):
        prefixes(number)


def test_the_longest_priced_prefix_wins_and_shorter_ones_stand_in() -> None:
    uk = Rate("44", "UK", Decimal("0.05"), Decimal(0), 60, 60)
    mobile = Rate("447", "UK mobile", Decimal("0.10"), Decimal(0), 60, 60)
    assert longest_match("447700900100", [uk, mobile]) is mobile
    assert longest_match("442079460000", [uk, mobile]) is uk
    assert longest_match("33123456", [uk, mobile]) is None
