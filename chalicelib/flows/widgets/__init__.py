"""The widget registry: the one place that lists every widget the engine knows.

Each widget lives in its own module (configuration model + pure ``enter``/``resume``)."""

from __future__ import annotations

from typing import Any, Mapping

from chalicelib.flows.widgets import (
    condition,
    connect,
    hangup,
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

WIDGETS: Mapping[str, Widget[Any]] = {
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
    )
}
