"""The billing product's REST blueprint, ``billing``, and what its route modules share: the
operator routes of tariffs (``tariff_routes``), callback accounts (``account_routes``) and
vouchers (``voucher_routes``) all register on it, and ``billing.product`` imports them. Money
in a request is decimal text, never a JSON number (a 422 that names the field). Imports Chalice,
pydantic, ``web.rest``, ``web.schemas``, the wiring and the billing modules; must not import
pynamodb or a core route module.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel
from pydantic import ValidationError as InvalidModelError

from chalicelib.billing.accounts import (
    PIN_PATTERN,
    CallbackAccounts,
)
from chalicelib.web.problems import problem
from chalicelib.web.rest import (
    Refused,
)
from chalicelib.web.schemas import field_errors
from chalicelib.wiring import container

billing = Blueprint(__name__)
ACCOUNT_MONEY = "a decimal amount as text (never a JSON number), in the account's currency"
PIN = {
    "pin": {
        "type": "string",
        "pattern": PIN_PATTERN,
        "description": "the callback account's id: the PIN its callers key in",
    }
}
MONEY_FIELDS = ("balance", "daily_cap", "amount", "value")


def whole_number(value: Any) -> Any:
    """JSON Schema's integer includes 3.0; pydantic's strict int does not (``web.schemas``'
    ``Integer``, whose bounds pydantic leaves out of the schema inside an optional field)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def accounts() -> CallbackAccounts:
    """The callback accounts service of the running container."""
    service: CallbackAccounts = container().services("billing").accounts
    return service


def no_float_money(raw: Any) -> None:
    """Refuse amounts sent as JSON numbers (422): money is decimal text, never a float."""
    if not isinstance(raw, dict):
        return
    wrong = [
        {"field": name, "message": f'{name} is a decimal string such as "10.00", never a number'}
        for name in MONEY_FIELDS
        if isinstance(raw.get(name), int | float) and not isinstance(raw.get(name), bool)
    ]
    if wrong:
        raise Refused(problem(422, "amounts are decimal strings, never numbers", errors=wrong))


def money(text: str | None) -> Decimal | None:
    """A decimal text of a validated request as ``Decimal`` (None stays None)."""
    return None if text is None else Decimal(text)


def validated(model: type[BaseModel], raw: Any) -> Any:
    """``raw`` validated by ``model``, refused 422 with every field's error (as ``body``)."""
    try:
        return model.model_validate(raw)
    except InvalidModelError as error:
        errors = field_errors(error, model)
        raise Refused(problem(422, "the request is not valid", errors=errors)) from None
