"""A campaign's settings as REST, the CLI and the pages give them (``service._changes``): GIVEN
typed values, WHEN they are read, THEN a price that is not a finite amount of zero or more, an
unknown setting, or a list given as text is refused in words."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.click2call.service import _changes
from chalicelib.errors import ValidationError


def test_a_price_is_a_finite_amount_of_zero_or_more() -> None:
    assert _changes({"price": "0.50"}, creating=False)["price"] == Decimal("0.50")
    for wrong in ("NaN", "Infinity", "-1", "-0.01", "ten"):
        with pytest.raises(ValidationError, match="price"):
            _changes({"price": wrong}, creating=False)


def test_unknown_settings_and_lists_as_text_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown campaign settings"):
        _changes({"colour": "blue"}, creating=False)
    with pytest.raises(ValidationError, match="operators is a list"):
        _changes({"operators": "op-1"}, creating=False)
    with pytest.raises(ValidationError, match="a campaign needs"):
        _changes({"name": "x"}, creating=True)
