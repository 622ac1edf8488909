"""The pure rules of account lots and card payments: GIVEN a lot's id shape, a password key and
secret, an amount and its currency, and Stripe's form encoding, WHEN they are checked, derived
or converted, THEN ids keep 6 random digits after their prefix, a password is 12 digits fixed by
key, secret and account (and differs when any changes), amounts become Stripe's minor units or
are refused when finer than the currency, chunks cover a lot exactly, and the stand-in reads
Stripe's nested form keys as the library writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.billing.account_lots import (
    chunks,
    derived_password,
    id_shape,
    lot_size,
    new_account_id,
)
from chalicelib.billing.card import minor_units, session_id
from chalicelib.errors import ValidationError
from infra.local.stripe_api import nested

KEY = b"platform-key-0123456789"
OTHER_KEY = b"another-key-0123456789"


def test_ids_keep_six_random_digits_after_their_prefix() -> None:
    assert id_shape(10, "7777") == (10, "7777")
    for length, prefix in ((5, ""), (17, ""), (9, "1234"), (10, "12a"), (10, "1" * 11)):
        with pytest.raises(ValidationError):
            id_shape(length, prefix)
    made = {new_account_id(8, "42") for _ in range(50)}
    assert all(len(i) == 8 and i.startswith("42") and i.isdigit() for i in made)
    assert len(made) > 40  # drawn at random
    for wrong in (0, 1001, True, 2.0):
        with pytest.raises(ValidationError):
            lot_size(wrong)  # type: ignore[arg-type]


def test_a_password_is_twelve_digits_fixed_by_key_secret_and_account() -> None:
    one = derived_password(KEY, b"secret", "1234567890")
    assert len(one) == 12 and one.isdigit()
    assert one == derived_password(KEY, b"secret", "1234567890")
    others = {
        derived_password(OTHER_KEY, b"secret", "1234567890"),
        derived_password(KEY, b"other", "1234567890"),
        derived_password(KEY, b"secret", "1234567891"),
    }
    assert one not in others and len(others) == 3


def test_chunks_cover_a_lot_exactly() -> None:
    assert chunks(1) == [1]
    assert chunks(1000) == [40] * 25
    assert chunks(5, 2) == [2, 2, 1]


def test_amounts_become_minor_units_or_are_refused() -> None:
    assert minor_units(Decimal("12.50"), "EUR") == 1250
    assert minor_units(Decimal("500"), "JPY") == 500
    assert minor_units(Decimal("1.234"), "KWD") == 1234
    for value, currency in (
        (Decimal("0.001"), "EUR"),
        (Decimal("1.5"), "JPY"),
        (Decimal("1000000"), "EUR"),
        (Decimal("0"), "EUR"),
    ):
        with pytest.raises(ValidationError):
            minor_units(value, currency)
    assert session_id("cs_test_a1B2") == "cs_test_a1B2"
    for wrong in ("cs_", "pi_123", "cs_test_a/b", "cs_" + "a" * 251):
        with pytest.raises(ValidationError):
            session_id(wrong)


def test_the_stand_in_reads_stripes_form_encoding() -> None:
    pairs = [
        ("mode", "payment"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "750"),
        ("line_items[1][quantity]", "2"),
        ("metadata[account_id]", "20240501"),
    ]
    assert nested(pairs) == {
        "mode": "payment",
        "line_items": [
            {"quantity": "1", "price_data": {"currency": "eur", "unit_amount": "750"}},
            {"quantity": "2"},
        ],
        "metadata": {"account_id": "20240501"},
    }
