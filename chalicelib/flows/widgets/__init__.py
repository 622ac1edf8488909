"""The widget registry: every widget the engine and the flow parser know, by name.

The platform's widgets live each in its own module here (configuration model + pure
``enter``/``resume``); a product keeps its widgets in its own package (``callback/widgets/``)
and adds them with ``register_widget`` at composition, before any flow is parsed. A name is
taken once: registering another widget under it raises, so a product cannot replace a
platform widget by accident.
"""

from __future__ import annotations

from typing import Any

from chalicelib.flows.widgets import (
    condition,
    connect,
    hangup,
    hours,
    input,
    language,
    menu,
    play,
    record,
    say,
    send_sms,
    set_variable,
    webhook,
)
from chalicelib.flows.widgets.base import Widget

WIDGETS: dict[str, Widget[Any]] = {
    widget.name: widget
    for widget in (
        say.WIDGET,
        play.WIDGET,
        menu.WIDGET,
        input.WIDGET,
        webhook.WIDGET,
        condition.WIDGET,
        set_variable.WIDGET,
        language.WIDGET,
        connect.WIDGET,
        record.WIDGET,
        send_sms.WIDGET,
        hangup.WIDGET,
        hours.WIDGET,
    )
}
"""Every widget by name: the platform's, then the ones products registered."""

PLATFORM_WIDGETS = frozenset(WIDGETS)
"""The names of the platform's own widgets."""


def register_widget(widget: Widget[Any]) -> None:
    """Add a product's widget (idempotent for the same widget). Its configuration model's
    ``widget`` field names it in flow documents. A name already taken by another widget:
    ``ValueError``."""
    known = WIDGETS.get(widget.name)
    if known is not None and known is not widget:
        raise ValueError(f"a widget named {widget.name!r} is already registered")
    WIDGETS[widget.name] = widget
