"""The engine takes events by a table of handlers keyed by event type: GIVEN an event, THEN its
registered handler decides; an event type nobody registered is a typed error (logged and counted
by the shell), never silently ignored; a product can register its own kind of event, but cannot
take over a kind the engine already takes."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest
from flowkit import NOW, flow_of, new_state

from chalicelib.flows import engine
from chalicelib.flows.errors import FlowRuntimeError, UnknownEventError
from chalicelib.telephony.events import CallStatusChanged, CallTransferred, SmsReceived

FLOW = flow_of({"bye": {"widget": "hangup", "text": "Bye."}}, start="bye")


@dataclass(frozen=True)
class WokenUp:
    """A product's event: a timer fired for the call."""

    reason: str


def test_an_event_nobody_takes_is_a_typed_error() -> None:
    state = new_state(FLOW)
    sms = SmsReceived("m1", "447700900001", "447700900100", "hi")
    with pytest.raises(UnknownEventError, match="SmsReceived"):
        engine.step(FLOW, state, sms, NOW)
    assert issubclass(UnknownEventError, FlowRuntimeError)


def test_known_events_the_engine_leaves_alone_change_nothing() -> None:
    state = new_state(FLOW)
    result = engine.step(FLOW, state, CallTransferred("leg-1", "CON-1", "CON-2"), NOW)
    assert result.ignored and result.state == state


def test_a_product_registers_its_own_event(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "_HANDLERS", dict(engine._HANDLERS))

    def woken(flow, state, event, now, env):  # type: ignore[no-untyped-def]
        woke = {**state.call_vars, "woke": event.reason}
        return engine.Step((), (), replace(state, call_vars=woke))

    engine.register_event(WokenUp, woken)
    engine.register_event(WokenUp, woken)  # the same registration again is harmless
    result = engine.step(FLOW, new_state(FLOW), WokenUp("max duration"), NOW)
    assert result.state.call_vars["woke"] == "max duration"
    with pytest.raises(ValueError, match="CallStatusChanged"):
        engine.register_event(CallStatusChanged, woken)
