"""Numbers as callback users key them: a destination keyed on a phone's keypad made E.164, read
in the country of the user's own number (``00`` or the country's international prefix makes it
international; a national number is the user's country's). Pure: imports ``phonenumbers`` and the
standard library only."""

from __future__ import annotations

import phonenumbers

MIN_DIGITS = 3
MAX_KEYED = 20


def region_of(number: str) -> str | None:
    """The country (ISO region) of an E.164 number's country code, or None."""
    try:
        parsed = phonenumbers.parse("+" + number.lstrip("+"))
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code is None:
        return None
    region = phonenumbers.region_code_for_country_code(parsed.country_code)
    return None if region in (None, "ZZ") else region


def destination(keyed: str, user_number: str) -> str | None:
    """The E.164 digits (no ``+``) of a destination keyed by the user of ``user_number``, or
    None when it is no possible number (too short, too long, not digits)."""
    digits = keyed.strip().rstrip("#")
    if not digits.isdigit() or not MIN_DIGITS <= len(digits) <= MAX_KEYED:
        return None
    region = region_of(user_number) or "US"
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164.lstrip("+")


def international(digits: str) -> str | None:
    """The E.164 digits of ``digits`` read as country code and number (what follows ``+`` or
    ``00``), or None when that is no possible number."""
    if not digits.isdigit() or not MIN_DIGITS <= len(digits) <= MAX_KEYED:
        return None
    try:
        parsed = phonenumbers.parse("+" + digits)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
