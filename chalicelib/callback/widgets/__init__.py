"""The callback product's widgets, each a module (configuration model + pure ``enter`` /
``resume``), registered at composition by ``callback.product``. ``WIDGETS`` lists them."""

from __future__ import annotations

from typing import Any

from chalicelib.callback.widgets import (
    balance,
    bridge,
    destination,
    language,
    pin,
    retry,
    trigger,
    voucher,
)
from chalicelib.flows.widgets.base import Widget

WIDGETS: tuple[Widget[Any], ...] = (
    trigger.WIDGET,
    language.WIDGET,
    pin.WIDGET,
    balance.WIDGET,
    destination.WIDGET,
    voucher.WIDGET,
    bridge.WIDGET,
    retry.WIDGET,
)
