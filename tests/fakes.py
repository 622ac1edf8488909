"""In-memory fakes of the store ports the voice service uses, for unit tests without moto: calls
(a save raises ``StaleStateError`` on a version mismatch, and a hook lets a test play a concurrent
writer), numbers, flows, user variables, call records, an effect runner that records what it
ran and a carrier that records what is pushed to live legs. They raise the neutral errors of
``chalicelib.errors``, which services catch by class."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from chalicelib.accounts.model import PhoneNumber
from chalicelib.calls.model import CallRecord
from chalicelib.errors import AlreadyExistsError, NotFoundError, StaleStateError
from chalicelib.flows.outcomes import Effect
from chalicelib.flows.records import FlowHead, FlowRevision
from chalicelib.flows.state import CallState
from chalicelib.telephony.actions import Action


@dataclass
class MemoryCalls:
    """Live call states by id, versioned like ``CallRepository``."""

    items: dict[str, CallState] = field(default_factory=dict)
    before_save: Callable[[CallState], None] | None = None
    """Runs just before a save is checked: a test's concurrent writer."""
    saves: int = 0

    def get(self, call_id: str) -> CallState:
        if call_id not in self.items:
            raise NotFoundError(f"call {call_id!r} not found")
        return self.items[call_id]

    def create(self, state: CallState) -> CallState:
        if state.call_id in self.items:
            raise AlreadyExistsError(f"call {state.call_id!r} already exists")
        stored = replace(state, version=1)
        self.items[state.call_id] = stored
        self.saves += 1
        return stored

    def save(self, state: CallState) -> CallState:
        if self.before_save is not None:
            hook, self.before_save = self.before_save, None
            hook(state)
        stored = self.items.get(state.call_id)
        if (stored.version if stored else 0) != state.version:
            raise StaleStateError(f"call {state.call_id!r} is no longer at {state.version}")
        saved = replace(state, version=state.version + 1)
        self.items[state.call_id] = saved
        self.saves += 1
        return saved


@dataclass
class MemoryNumbers:
    """Numbers by E.164 digits."""

    items: dict[str, PhoneNumber] = field(default_factory=dict)

    def get(self, number: str) -> PhoneNumber:
        if number not in self.items:
            raise NotFoundError(f"number {number!r} not found")
        return self.items[number]


@dataclass
class MemoryFlows:
    """Flow heads and revisions (a ``FlowSource``)."""

    heads: dict[str, FlowHead] = field(default_factory=dict)
    revisions: dict[tuple[str, int], FlowRevision] = field(default_factory=dict)

    def add(self, account_id: str, document: dict[str, Any], enabled: bool = True) -> FlowHead:
        flow_id = str(document["id"])
        version = self.heads[flow_id].latest_version + 1 if flow_id in self.heads else 1
        self.revisions[(flow_id, version)] = FlowRevision(
            flow_id, version, account_id, json.dumps(document), datetime.now(UTC)
        )
        head = FlowHead(flow_id, account_id, str(document["name"]), version, enabled, version)
        self.heads[flow_id] = head
        return head

    def get_head(self, flow_id: str) -> FlowHead:
        if flow_id not in self.heads:
            raise NotFoundError(f"flow {flow_id!r} not found")
        return self.heads[flow_id]

    def get_revision(self, flow_id: str, version: int) -> FlowRevision:
        if (flow_id, version) not in self.revisions:
            raise NotFoundError(f"flow revision {flow_id}/{version} not found")
        return self.revisions[(flow_id, version)]


@dataclass
class MemoryUserVariables:
    """``$user.key`` values per account."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)

    def get_many(self, account_id: str, names: Iterable[str]) -> dict[str, str]:
        stored = self.values.get(account_id, {})
        return {name: stored[name] for name in names if name in stored}


@dataclass
class MemoryRecords:
    """Finished calls, each stored once."""

    items: dict[str, CallRecord] = field(default_factory=dict)

    def put(self, record: CallRecord) -> bool:
        if record.call_id in self.items:
            return False
        self.items[record.call_id] = record
        return True

    def put_once_per_call(self, record: CallRecord, claim_seconds: int) -> bool:
        return self.put(record)


@dataclass
class RecordingEffects:
    """Records every batch of effects it is asked to run."""

    runs: list[Sequence[Effect]] = field(default_factory=list)

    def run(self, effects: Sequence[Effect], state: CallState) -> None:
        self.runs.append(tuple(effects))


@dataclass
class RecordingCarrier:
    """The live-call port (``CallControl``): records what was pushed to legs; places no call."""

    pushed: list[tuple[str, str, tuple[Action, ...]]] = field(default_factory=list)

    def place_call(self, call: Any) -> Any:
        raise AssertionError("no call is placed here")

    def transfer(self, leg_id: str, actions: Sequence[Action], call_id: str) -> None:
        self.pushed.append(("transfer", leg_id, tuple(actions)))

    def hangup(self, leg_id: str) -> None:
        self.pushed.append(("hangup", leg_id, ()))
