"""How the tip jar is composed: its registrations (widgets, event, timer-free effect kind, error
status, call data) and the services, runners and store the container builds for it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping

from chalicelib.calls.service import Answer, VoiceService
from chalicelib.calls.tasks import Runner, register_effect_type
from chalicelib.flows.calldata import register_call_data
from chalicelib.flows.engine import Step, register_event
from chalicelib.flows.model import Flow
from chalicelib.flows.state import CallState
from chalicelib.flows.widgets import register_widget
from chalicelib.flows.widgets.base import EngineEnv
from chalicelib.products import Product
from chalicelib.web.problems import register_error
from chalicelib.wiring import Container
from exampleproduct.model import JarFullError, RecordTip, Thank, TipJar
from exampleproduct.store import tip_item
from exampleproduct.widgets import PAUSE, TIP


def take_thanks(flow: Flow, state: CallState, event: Thank, now: datetime, env: EngineEnv) -> Step:
    """An operator's thanks change the call's jar only."""
    jar = state.data_of(TipJar) or TipJar()
    return Step((), (), state.with_data(replace(jar, thanked_by=event.by)))


def register() -> None:
    register_widget(TIP)
    register_widget(PAUSE)
    register_event(Thank, take_thanks)
    register_effect_type("example_record_tip", RecordTip)
    register_call_data(TipJar)
    register_error(JarFullError, 402)
    tip_item()  # the tips table is known before the store's tables are created


@dataclass
class TipServices:
    """What the tip jar offers the rest of the platform."""

    voice: VoiceService
    tips: Any  # exampleproduct.store.TipRepository, built on first use

    def thank(self, call_id: str, by: str) -> Answer:
        return self.voice.handle(call_id, Thank(by), f"thank:{call_id}:{by}")


def services(container: Container) -> TipServices:
    from exampleproduct.store import TipRepository

    _ = container.store  # the store is bound before a product's repository is built
    return TipServices(container.voice, TipRepository())


def runners(container: Container) -> Mapping[type, Runner]:
    def record(effect: RecordTip, account_id: str) -> Mapping[str, Any]:
        written = container.services("tipjar").tips.add(effect)
        return {"tip": effect.amount, "written": written}

    return {RecordTip: Runner(record)}


PRODUCT = Product(name="tipjar", register=register, services=services, runners=runners)
