"""Where a visitor's number is (the seed's "Direction"): its city or region, else its mobile
carrier, and its country, from phonenumbers' offline geocoder and carrier data (which the
package ships for this: docs/decisions/0002). Imports phonenumbers only, when first asked.
"""

from __future__ import annotations


def direction(number: str, language: str = "en") -> str:
    """``London, United Kingdom``, ``T-Mobile, Germany``, ``United Kingdom``; '' when the number
    is not a known one."""
    import phonenumbers
    from phonenumbers import carrier, geocoder

    try:
        parsed = phonenumbers.parse("+" + number.lstrip("+"))
    except phonenumbers.NumberParseException:
        return ""
    country = geocoder.country_name_for_number(parsed, language)
    place = geocoder.description_for_number(parsed, language)
    if place == country:
        place = ""
    if not place and phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        place = carrier.name_for_number(parsed, language)
    return ", ".join(part for part in (place, country) if part)
