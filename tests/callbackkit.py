"""Test kit for the callback's operator routes: the platform on moto with an operator key, a
tariff and one callback account (PIN ``ACCOUNT_PIN``, 1.00 EUR)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any

from platformkit import Platform, running_platform

from chalicelib.accounts.keys import new_operator_key

ACCOUNT_PIN = "20240501"
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,UK,0.05,0,60,60\n"
)


@contextmanager
def platform_with_an_account(monkeypatch: Any) -> Iterator[tuple[Platform, str]]:
    """The running platform and its operator key, with tariff ``retail`` and one account."""
    with running_platform(monkeypatch) as running:
        key, digest = new_operator_key()
        running.container.settings = replace(running.container.settings, operator_key_hash=digest)
        billing = running.container.services("billing")
        billing.tariffs.load("retail", DECK)
        billing.accounts.create(
            ACCOUNT_PIN,
            "correct horse",
            currency="EUR",
            language="en-GB",
            tariff="retail",
            balance=Decimal("1"),
        )
        yield running, key
