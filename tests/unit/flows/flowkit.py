"""Helpers for pure engine tests: build flows from node dicts and drive them with events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.flows.engine import EngineEvent, Step, step
from chalicelib.flows.model import Flow, parse_flow
from chalicelib.flows.state import CallState
from chalicelib.telephony.events import CallAnswered, Direction

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
CALLER = "447700900001"
DID = "447700900100"


def flow_of(nodes: dict[str, Any], start: str | None = None, **extra: Any) -> Flow:
    return parse_flow(
        {"id": "t", "name": "test", "start": start or next(iter(nodes)), "nodes": nodes, **extra}
    )


def new_state(flow: Flow, **changes: Any) -> CallState:
    base = CallState(
        call_id="call-1",
        account_id="acct",
        flow_id=flow.flow_id,
        flow_version=1,
        direction=Direction.INBOUND,
        from_number=CALLER,
        to_number=DID,
        started_at=NOW,
        language=flow.language,
    )
    return base.__class__(**{**base.__dict__, **changes})


class Driver:
    """Steps one call through a flow, remembering the last step."""

    def __init__(self, flow: Flow, **state: Any) -> None:
        self.flow = flow
        self.state = new_state(flow, **state)
        self.last: Step | None = None

    def send(self, event: EngineEvent) -> Step:
        self.last = step(self.flow, self.state, event, NOW)
        self.state = self.last.state
        return self.last

    def answer(self) -> Step:
        return self.send(CallAnswered("leg-a", "CON-1", CALLER, DID))

    @property
    def ref(self) -> str:
        assert self.state.awaiting is not None
        return self.state.awaiting.ref
