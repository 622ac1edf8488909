"""Calls refused as not in service leave a record, on in-memory fakes: GIVEN a number the
account holds that serves no flow (none attached, or the number disabled), WHEN a call to it is
answered, THEN the caller hears it is not in service and the account has a record of the call
(outcome ``not_in_service``); a number no account holds leaves no record, only a metric; a store
that fails the record still lets the caller be answered."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes import (
    MemoryCalls,
    MemoryFlows,
    MemoryNumbers,
    MemoryRecords,
    MemoryUserVariables,
    RecordingEffects,
)

from chalicelib.accounts.model import PhoneNumber
from chalicelib.calls import service as service_module
from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.calls.service import VoiceService
from chalicelib.flows.catalogue import FlowCatalogue
from chalicelib.flows.widgets.base import EngineEnv
from chalicelib.telephony.actions import Action
from chalicelib.telephony.events import CallAnswered, Direction

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HELD = "447700900100"
CALLER = "447700900001"


def render(actions: Sequence[Action], call_id: str) -> str:
    return json.dumps([getattr(action, "text", type(action).__name__) for action in actions])


def voice(numbers: MemoryNumbers, records: Any) -> VoiceService:
    return VoiceService(
        calls=MemoryCalls(),
        numbers=numbers,
        flows=FlowCatalogue(MemoryFlows()),
        user_vars=MemoryUserVariables(),
        records=records,
        effects=RecordingEffects(),
        fetch=lambda request: None,  # type: ignore[arg-type, return-value]
        render=render,
        clock=lambda: NOW,
        env=EngineEnv(),
        currency="GBP",
    )


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, str]]]:
    seen: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setattr(
        service_module, "count", lambda name, value=1, **dims: seen.append((name.value, dims))
    )
    return seen


@pytest.mark.parametrize(
    "number",
    [PhoneNumber(HELD, "acme"), PhoneNumber(HELD, "acme", "pull", enabled=False)],
    ids=["no flow attached", "number disabled"],
)
def test_a_call_to_a_held_number_that_serves_no_flow_leaves_a_record(
    number: PhoneNumber, counted: list[tuple[str, dict[str, str]]]
) -> None:
    records = MemoryRecords()
    service = voice(MemoryNumbers({HELD: number}), records)
    answer = service.answer(CallAnswered("leg-1", "CON-1", CALLER, HELD), "key-1")
    assert "not in service" in str(answer.body)
    assert records.items["leg-1"] == CallRecord(
        account_id="acme",
        call_id="leg-1",
        started_at=NOW,
        flow_id=number.flow_id or "",
        direction=Direction.INBOUND,
        from_number=CALLER,
        to_number=HELD,
        outcome=CallOutcome.NOT_IN_SERVICE,
        ended_at=NOW,
        currency="GBP",
    )
    assert ("NotServedCalls", {"number": "held"}) in counted
    assert ("Calls", {"outcome": "not_in_service"}) in counted


def test_a_number_no_account_holds_leaves_no_record_only_a_metric(
    counted: list[tuple[str, dict[str, str]]],
) -> None:
    records = MemoryRecords()
    answer = voice(MemoryNumbers(), records).answer(
        CallAnswered("leg-1", "CON-1", CALLER, "447700900777"), "key-1"
    )
    assert "not in service" in str(answer.body)
    assert records.items == {}
    assert counted == [("NotServedCalls", {"number": "unknown"})]


class BrokenRecords(MemoryRecords):
    def put_once_per_call(self, record: CallRecord, claim_seconds: int) -> bool:
        raise RuntimeError("the store is down")


def test_a_record_the_store_refuses_still_lets_the_caller_be_answered(
    counted: list[tuple[str, dict[str, str]]],
) -> None:
    service = voice(MemoryNumbers({HELD: PhoneNumber(HELD, "acme")}), BrokenRecords())
    answer = service.answer(CallAnswered("leg-1", "CON-1", CALLER, HELD), "key-1")
    assert "not in service" in str(answer.body)
    assert ("CallRecordFailures", {}) in counted
