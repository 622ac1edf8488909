"""Tariffs (rate decks), pure: the ``Rate`` of a destination prefix, the price of a call leg of
N seconds under it, the prefixes of a number (longest first, the keys of a longest-prefix match)
and the parsing of a rate deck's CSV into rates, with every bad row reported by its line.

A call leg is billed by increments: ``first_increment`` seconds as soon as it is answered, then
whole ``next_increment`` steps, rounded up (60/60 bills minutes, 30/6 a first half minute then
6-second steps, 1/1 per second). The connection fee is charged once per answered leg, also for
one that lasts 0 s (answered, then hung up at once): the carrier connected it, so it costs the fee
and no increment. Prices are ``Decimal``, never float, rounded up to ``PRICE_PLACES``.

Owns the rate model, the CSV format of a rate deck and the errors of both. Imports the platform's
error hierarchy and the standard library only: no store, web, wiring or pynamodb.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from chalicelib import errors

COLUMNS = (
    "prefix",
    "destination",
    "price_per_minute",
    "connection_fee",
    "first_increment",
    "next_increment",
)
"""The columns of a rate deck's header row, in any order."""
MAX_PREFIX_DIGITS = 15
"""E.164 numbers have at most 15 digits, so a prefix does too (and a number has 15 prefixes)."""
MAX_INCREMENT_SECONDS = 3600
MAX_DESTINATION_CHARS = 100
MAX_PRICE_DECIMALS = 6
PRICE_PLACES = Decimal(1).scaleb(-MAX_PRICE_DECIMALS)
"""Prices of legs are rounded up to millionths of the currency."""
MAX_RATES = 25_000
MAX_DECK_BYTES = 1_000_000
"""The largest rate deck loaded in one go (REST answers 413 above it): about 25,000 rates, a
thousand batch writes, well inside a REST request's deadline."""
TARIFF_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
NUMBER_PATTERN = r"^\+?[1-9][0-9]{0,14}$"
NUMBER = re.compile(r"^\+?([1-9][0-9]{0,14})$")
TARIFF_ID = re.compile(TARIFF_ID_PATTERN)
PREFIX = re.compile(r"^\+?([0-9]{1,15})$")
AMOUNT = re.compile(r"^[0-9]{1,9}(\.[0-9]{1,6})?$")
INCREMENT = re.compile(r"^[0-9]{1,4}$")
SEPARATORS = (",", ";")


class TariffError(errors.ValidationError):
    """A rate deck that cannot be loaded; ``problems`` lists ``line N: what is wrong``."""


class TariffTooLargeError(errors.TooLargeError):
    """A rate deck larger than ``MAX_DECK_BYTES``."""


class NoRateError(errors.NotFoundError):
    """The tariff has no rate for the number's destination: it cannot be called."""

    def __init__(self, number: str, tariff_id: str) -> None:
        super().__init__(f"no rate for {number} in tariff {tariff_id}")
        self.number = number
        self.tariff_id = tariff_id


class TariffNotFoundError(errors.NotFoundError):
    """No tariff has this id."""

    def __init__(self, tariff_id: str) -> None:
        super().__init__(f"no tariff {tariff_id}")


class InvalidNumberError(errors.ValidationError):
    """A number to rate that is not E.164 digits."""


@dataclass(frozen=True)
class Rate:
    """What calling the destinations under ``prefix`` costs."""

    prefix: str
    destination: str
    price_per_minute: Decimal
    connection_fee: Decimal
    first_increment: int
    next_increment: int

    def billed_seconds(self, seconds: int) -> int:
        """The seconds a leg of ``seconds`` is billed for: 0 for 0, else the first increment
        and then whole next increments, rounded up."""
        if seconds < 0:
            raise ValueError("a leg cannot last less than 0 s")
        if seconds == 0:
            return 0
        beyond = max(0, seconds - self.first_increment)
        steps = -(-beyond // self.next_increment)
        return self.first_increment + steps * self.next_increment

    def price(self, seconds: int) -> Decimal:
        """The price of an answered leg of ``seconds``: the connection fee plus the billed
        seconds at the price per minute, rounded up to ``PRICE_PLACES``."""
        talk = self.price_per_minute * self.billed_seconds(seconds) / 60
        return (self.connection_fee + talk).quantize(PRICE_PLACES, rounding=ROUND_CEILING)


def e164_digits(number: str) -> str:
    """The digits of an E.164 number (``+`` allowed); ``InvalidNumberError`` otherwise."""
    found = NUMBER.match(number.strip())
    if found is None:
        raise InvalidNumberError(f"{number!r} is not an E.164 number (up to 15 digits)")
    return found.group(1)


def prefixes(number: str) -> list[str]:
    """Every prefix of ``number``, longest (the number itself) first."""
    digits = e164_digits(number)
    return [digits[:length] for length in range(len(digits), 0, -1)]


def longest_match(number: str, rates: Sequence[Rate]) -> Rate | None:
    """The rate of the longest prefix of ``number`` among ``rates``, or None."""
    by_prefix = {rate.prefix: rate for rate in rates}
    return next((by_prefix[p] for p in prefixes(number) if p in by_prefix), None)


def check_tariff_id(tariff_id: str) -> str:
    """``tariff_id`` if it is 1 to 64 letters, digits, ``_``, ``.`` or ``-`` (a letter or digit
    first); ``TariffError`` otherwise."""
    if not TARIFF_ID.fullmatch(tariff_id):
        raise TariffError(
            f"{tariff_id!r} is not a tariff id (1 to 64 letters, digits, '_', '.', '-')"
        )
    return tariff_id


def check_deck_size(size: int) -> None:
    """``TariffTooLargeError`` when a deck of ``size`` bytes is larger than the limit."""
    if size > MAX_DECK_BYTES:
        raise TariffTooLargeError(
            f"the rate deck is {size} bytes, more than the {MAX_DECK_BYTES} one load takes"
        )


# -- the CSV of a rate deck -------------------------------------------------------------------
def _separator(header: str) -> str:
    """``,`` or ``;``, read from the header row, which holds exactly one of them."""
    present = [sep for sep in SEPARATORS if sep in header]
    if len(present) != 1:
        raise TariffError(
            "the rate deck cannot be read",
            ["line 1: the header must separate its columns with ',' or ';' (one of them)"],
        )
    return present[0]


def _header(fields: list[str]) -> dict[str, int]:
    """Column name -> position; ``TariffError`` naming what is missing, unknown or repeated."""
    names = [field.strip().lower().replace(" ", "_").replace("-", "_") for field in fields]
    problems = [f"line 1: unknown column {name!r}" for name in names if name not in COLUMNS]
    problems += [f"line 1: column {n!r} appears twice" for n in COLUMNS if names.count(n) > 1]
    problems += [f"line 1: missing column {n!r}" for n in COLUMNS if n not in names]
    if problems:
        raise TariffError("the rate deck cannot be read", problems)
    return {name: names.index(name) for name in COLUMNS}


def _amount(name: str, text: str) -> tuple[Decimal | None, str | None]:
    if not AMOUNT.match(text):
        why = "must not be negative" if text.startswith("-") else "is not a price"
        return None, f"{name} {text!r} {why} (digits, a decimal point, up to 6 decimals)"
    return Decimal(text), None


def _increment(name: str, text: str) -> tuple[int | None, str | None]:
    if not INCREMENT.match(text) or not 0 < int(text) <= MAX_INCREMENT_SECONDS:
        return None, f"{name} {text!r} is not a whole number of seconds from 1 to 3600"
    return int(text), None


def _rate(values: dict[str, str]) -> tuple[Rate | None, list[str]]:
    """The rate of one row's values, or the reasons it is bad."""
    problems = [f"{name} is empty" for name in COLUMNS if not values[name]]
    if problems:
        return None, problems
    prefix = PREFIX.match(values["prefix"])
    if prefix is None:
        problems.append(f"prefix {values['prefix']!r} is not 1 to 15 digits")
    destination = values["destination"]
    if len(destination) > MAX_DESTINATION_CHARS:
        problems.append(f"destination is longer than {MAX_DESTINATION_CHARS} characters")
    price, bad_price = _amount("price_per_minute", values["price_per_minute"])
    fee, bad_fee = _amount("connection_fee", values["connection_fee"])
    first, bad_first = _increment("first_increment", values["first_increment"])
    step, bad_step = _increment("next_increment", values["next_increment"])
    problems += [p for p in (bad_price, bad_fee, bad_first, bad_step) if p is not None]
    if problems or prefix is None or price is None or fee is None or first is None:
        return None, problems
    assert step is not None
    return Rate(prefix.group(1), destination, price, fee, first, step), []


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of every non-blank row, header first; lines count from 1."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise TariffError("the rate deck cannot be read", ["line 1: the header row is missing"])
    reader = csv.reader(lines, delimiter=_separator(lines[0]), skipinitialspace=True)
    for fields in reader:
        if any(field.strip() for field in fields):
            yield reader.line_num, fields


def parse_rates(data: bytes | str) -> list[Rate]:
    """The rates of a rate deck's CSV (a header row naming ``COLUMNS``, then one rate a row).

    Tolerates a byte order mark, spaces around fields, blank lines and either ``,`` or ``;``
    between fields (whichever the header uses). Every bad row is reported as
    ``line N: what is wrong`` in one ``TariffError``; nothing is returned then.
    """
    text = _text(data)
    rows = _rows(text)
    try:
        _, header_fields = next(rows)
    except StopIteration:
        raise TariffError(
            "the rate deck cannot be read", ["line 1: the header row is missing"]
        ) from None
    columns = _header(header_fields)
    rates: list[Rate] = []
    seen: dict[str, int] = {}
    problems: list[str] = []
    for line, fields in rows:
        if len(fields) != len(header_fields):
            problems.append(
                f"line {line}: {len(fields)} fields, the header has {len(header_fields)}"
            )
            continue
        values = {name: fields[at].strip() for name, at in columns.items()}
        rate, bad = _rate(values)
        if rate is not None and rate.prefix in seen:
            bad = [f"prefix {rate.prefix} is already on line {seen[rate.prefix]}"]
        if bad or rate is None:
            problems += [f"line {line}: {reason}" for reason in bad]
            continue
        seen[rate.prefix] = line
        rates.append(rate)
    if not problems and not rates:
        problems.append("line 2: the rate deck holds no rates")
    if len(rates) > MAX_RATES:
        problems.append(f"the rate deck holds {len(rates)} rates, more than {MAX_RATES}")
    if problems:
        raise TariffError(
            f"the rate deck has {len(problems)} problem(s); nothing was loaded", problems
        )
    return rates


def _text(data: bytes | str) -> str:
    """The deck as text, without a byte order mark; ``TariffError`` if it is not UTF-8."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise TariffError(
                "the rate deck cannot be read", [f"the file is not UTF-8 text: {error}"]
            ) from None
    return data.removeprefix("\ufeff")
