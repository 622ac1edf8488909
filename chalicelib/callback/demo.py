"""The callback's demo for the local run: a retail tariff, an account with a balance whose
registered caller and associated number is the demo caller, an internal account on a free UK
tariff, and one access number of each kind (ANI, DNIS, PIN) attached to the callback trigger of
the demo account, and a web callback service offering the three modes (``demo-desk``).
Idempotent: an existing tariff, account or caller is left as it is. Imports the
billing and callback services and the operator actions only (never the store)."""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.callback.access import AccessNumber, TranslationRule, TriggerKind
from chalicelib.callback.web import WebMode, WebService
from chalicelib.errors import ConflictError, NotFoundError

if TYPE_CHECKING:
    from chalicelib.wiring import Container

TENANT = "demo"
DEMO_CALLER = "447700900001"
ACCOUNT = "20261201"
PASSWORD = "demo-callback"
INTERNAL_ACCOUNT = "99000001"
WEB_SERVICE = "demo-desk"
HELPDESK = "447700900300"
"""The number simple and hosted web callbacks of the demo connect the user to."""
ANI_NUMBER, DNIS_NUMBER, PIN_NUMBER = "447700900500", "447700900501", "447700900502"
RETAIL = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n"
    "447,United Kingdom Mobile,0.15,0.02,30,6\n"
    "4477009003,United Kingdom Demo Friends,0.06,0,60,60\n"
    "33,France,0.08,0,60,60\n"
    "34,Spain,0.08,0,60,60\n"
)
INTERNAL = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0,0,1,1\n"
)


def _tariff(container: Container, tariff_id: str, deck: str) -> None:
    tariffs = container.services("billing").tariffs
    try:
        tariffs.head(tariff_id)
    except NotFoundError:
        tariffs.load(tariff_id, deck)


def _account(container: Container, account_id: str, tariff: str, balance: str) -> None:
    accounts = container.services("billing").accounts
    with contextlib.suppress(ConflictError):  # made by an earlier run
        accounts.create(
            account_id,
            PASSWORD,
            currency="EUR",
            language="en-GB",
            tariff=tariff,
            balance=Decimal(balance),
            dnis=DEMO_CALLER if account_id == ACCOUNT else None,
            max_concurrent=2,
        )


def load(container: Container) -> dict[str, Any]:
    """Load the callback demo; returns what the local run's banner shows."""
    _tariff(container, "demo-retail", RETAIL)
    _tariff(container, "demo-internal", INTERNAL)
    _account(container, ACCOUNT, "demo-retail", "10.00")
    _account(container, INTERNAL_ACCOUNT, "demo-internal", "100.00")  # hosted web callbacks
    with contextlib.suppress(ConflictError):
        container.services("billing").accounts.register_caller(ACCOUNT, DEMO_CALLER)
    admin = container.admin
    access = container.services("callback").access_numbers
    common: dict[str, Any] = {"tenant": TENANT, "language": "en-GB", "delay_seconds": 5}
    numbers = (
        AccessNumber(ANI_NUMBER, TriggerKind.ANI, rules=(TranslationRule("0", "44"),), **common),
        AccessNumber(DNIS_NUMBER, TriggerKind.DNIS, account_id=ACCOUNT, **common),
        AccessNumber(PIN_NUMBER, TriggerKind.PIN, internal_account=INTERNAL_ACCOUNT, **common),
    )
    for number in numbers:
        admin.provision_number(TENANT, number.number)
        admin.attach_number(TENANT, number.number, "callback-trigger")
        access.put(number)
    container.services("callback").web.put(
        WebService(
            WEB_SERVICE,
            TENANT,
            ANI_NUMBER,
            (WebMode.SIMPLE, WebMode.EXTENDED, WebMode.HOSTED),
            destination=HELPDESK,
            internal_account=INTERNAL_ACCOUNT,
            allow=("44",),
        )
    )
    return {
        "callback": {
            "web": [f"/v1/web-callbacks/{WEB_SERVICE}/{mode.value}/form" for mode in WebMode],
            "account": ACCOUNT,
            "balance": "10.00 EUR",
            "ani": ANI_NUMBER,
            "dnis": DNIS_NUMBER,
            "pin": PIN_NUMBER,
            "caller": DEMO_CALLER,
        }
    }
