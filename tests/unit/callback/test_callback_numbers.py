"""Destinations as callback users key them (``callback.numbers``): made E.164 in the user's
country, and refused when no carrier could bridge them."""

from __future__ import annotations

import pytest

from chalicelib.callback.numbers import destination
from chalicelib.telephony.vonage.ncco import E164

UK_USER = "447700900001"


@pytest.mark.parametrize(
    ("keyed", "e164"),
    [
        ("07700900300", "447700900300"),
        ("0033123456789#", "33123456789"),
        ("00447700900300", "447700900300"),
    ],
)
def test_a_keyed_number_is_made_e164_in_the_users_country(keyed: str, e164: str) -> None:
    assert destination(keyed, UK_USER) == e164
    assert E164.match(e164)


@pytest.mark.parametrize("keyed", ["0770", "123", "12", "07700900300000000000000", "07x00", ""])
def test_a_number_no_carrier_could_bridge_is_refused(keyed: str) -> None:
    # "0770" is possible only on the local exchange: bridged, it would fail the NCCO's E.164
    assert destination(keyed, UK_USER) is None
