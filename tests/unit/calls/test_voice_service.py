"""The voice service on in-memory fakes of its store ports (no moto, no network): GIVEN a call
and a flow, WHEN a webhook is delivered again, or its save loses the version race to another
writer, THEN the retry replays the stored answer (its effects run again, nothing is decided
twice) and a lost race decides again without making the flow's HTTP request a second time."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from fakes import (
    MemoryCalls,
    MemoryFlows,
    MemoryNumbers,
    MemoryRecords,
    MemoryUserVariables,
    RecordingEffects,
)

from chalicelib.calls.service import VoiceService
from chalicelib.flows.catalogue import FlowCatalogue
from chalicelib.flows.outcomes import HttpRequest, HttpResult
from chalicelib.flows.state import CallState
from chalicelib.flows.widgets.base import EngineEnv
from chalicelib.telephony.actions import Action
from chalicelib.telephony.events import CallAnswered, Direction

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOOKED = {
    "id": "hooked",
    "name": "Asks a tenant service, then speaks and texts",
    "kind": "outbound",
    "language": "en-GB",
    "start": "ask",
    "nodes": {
        "ask": {
            "widget": "webhook",
            "method": "POST",
            "url": "https://tenant.example.com/hook",
            "body": {"cli": "$call.cli"},
            "save": {"greeting": "greeting"},
            "next": {"success": "speak", "failure": "speak"},
        },
        "speak": {"widget": "say", "text": "$flow.key.greeting", "next": "text"},
        "text": {"widget": "sms", "text": "Thanks", "next": "menu"},
        "menu": {
            "widget": "menu",
            "prompt": "Press 1.",
            "options": {"1": "bye"},
            "next": {"timeout": "bye", "invalid": "bye"},
        },
        "bye": {"widget": "hangup", "text": "Bye."},
    },
}


class Tenant:
    """The tenant's web service: counts the requests it gets."""

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []

    def __call__(self, request: HttpRequest) -> HttpResult:
        self.requests.append(request)
        return HttpResult(200, json.dumps({"greeting": "Hello from the tenant"}), 0.01)


def render(actions: Sequence[Action], call_id: str) -> str:
    return json.dumps([type(action).__name__ for action in actions])


@pytest.fixture
def calls() -> MemoryCalls:
    return MemoryCalls()


@pytest.fixture
def tenant() -> Tenant:
    return Tenant()


@pytest.fixture
def effects() -> RecordingEffects:
    return RecordingEffects()


@pytest.fixture
def service(calls: MemoryCalls, tenant: Tenant, effects: RecordingEffects) -> VoiceService:
    flows = MemoryFlows()
    flows.add("acme", HOOKED)
    calls.items["c1"] = CallState(
        call_id="c1",
        account_id="acme",
        flow_id="hooked",
        flow_version=1,
        direction=Direction.OUTBOUND,
        from_number="447700900150",
        to_number="447700900444",
        started_at=NOW,
        language="en-GB",
        version=1,
    )
    return VoiceService(
        calls=calls,
        numbers=MemoryNumbers(),
        flows=FlowCatalogue(flows),
        user_vars=MemoryUserVariables(),
        records=MemoryRecords(),
        effects=effects,
        fetch=tenant,
        render=render,
        clock=lambda: NOW,
        env=EngineEnv(),
    )


ANSWERED = CallAnswered("leg-1", "CON-1", "447700900150", "447700900444")


def test_a_retried_webhook_replays_its_answer_and_runs_its_effects_again(
    service: VoiceService, calls: MemoryCalls, tenant: Tenant, effects: RecordingEffects
) -> None:
    # GIVEN the answer webhook was handled once
    first = service.answer(ANSWERED, "key-1", "c1")
    saves = calls.saves
    # WHEN the carrier delivers it again
    again = service.answer(ANSWERED, "key-1", "c1")
    # THEN the stored answer is replayed: nothing is decided, asked or saved again, and the
    # effects (idempotent by key) are run once more in case the first delivery died before them
    assert again.replayed and again.body == first.body
    assert first.body == json.dumps(["Say", "Say", "Ask"])
    assert len(tenant.requests) == 1
    assert calls.saves == saves
    assert len(effects.runs) == 2 and effects.runs[0] == effects.runs[1]


def test_a_lost_version_race_decides_again_without_asking_the_tenant_twice(
    service: VoiceService, calls: MemoryCalls, tenant: Tenant, effects: RecordingEffects
) -> None:
    # GIVEN another writer (a status event) saves the call while the answer is being decided
    def status_event_wins(_: CallState) -> None:
        stored = calls.items["c1"]
        calls.items["c1"] = replace(
            stored, version=stored.version + 1, call_vars={**stored.call_vars, "amd": "human"}
        )

    calls.before_save = status_event_wins
    # WHEN the answer's save loses that race
    answer = service.answer(ANSWERED, "key-1", "c1")
    # THEN the step is decided again on the new state and saved once, the tenant's POST was
    # made once, and both writers' changes are kept
    saved = calls.items["c1"]
    assert answer.body == json.dumps(["Say", "Say", "Ask"]) and not answer.replayed
    assert len(tenant.requests) == 1
    assert saved.call_vars["amd"] == "human" and saved.flow_vars["greeting"] == (
        "Hello from the tenant"
    )
    assert saved.last_event_key == "key-1" and saved.version == 3
    assert len(effects.runs) == 1
