"""Builders of domain objects for the store tests: every field set to a non-default value, so
a round trip that drops or bends a field fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from chalicelib.accounts.model import Account
from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.flows.state import Awaiting, CallState, Leg, LegRole
from chalicelib.telephony.events import CallStatus, Direction

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def account(account_id: str = "acc-1", **changes: object) -> Account:
    fields: dict[str, object] = {
        "account_id": account_id,
        "name": "Acme Telecom",
        "language": "de-DE",
        "api_key_hashes": ("a" * 64, "b" * 64),
        "balance": Decimal("12.3456"),
        "currency": "USD",
        "enabled": False,
        "created_at": NOW,
    }
    fields.update(changes)
    return Account(**fields)  # type: ignore[arg-type]


def full_leg(leg_id: str = "leg-a", role: LegRole = LegRole.CALLER) -> Leg:
    return Leg(
        leg_id=leg_id,
        role=role,
        number="447700900001",
        status=CallStatus.COMPLETED,
        direction=Direction.OUTBOUND,
        started_at=NOW,
        answered_at=NOW + timedelta(seconds=3, microseconds=250_000),
        ended_at=NOW + timedelta(seconds=63),
        duration=60,
        rate=Decimal("0.01390000"),
        price=Decimal("0.01390000"),
        detail="ok",
    )


def full_state(call_id: str = "call-1") -> CallState:
    """A call state with every field away from its default."""
    return CallState(
        call_id=call_id,
        account_id="acc-1",
        flow_id="flow-1",
        flow_version=7,
        direction=Direction.OUTBOUND,
        from_number="447700900000",
        to_number="447700900001",
        # a non-UTC offset: must come back as the same instant, in UTC
        started_at=datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
        language="fr-FR",
        conversation_id="CON-1",
        node="menu",
        awaiting=Awaiting(node="menu", ref="r1"),
        seq=4,
        flow_vars={"campaign": "spring", "empty": ""},
        call_vars={"dtmf": "12#"},
        user_vars={"greeting": "héllo wörld"},
        legs={"leg-a": full_leg("leg-a"), "leg-b": full_leg("leg-b", LegRole.BRIDGED)},
        answered_at=NOW + timedelta(seconds=3),
        ended_at=NOW + timedelta(minutes=2),
        finished=True,
        attempt=2,
        last_event_key="input:r1:3",
        last_answer='[{"action":"talk","text":"hi"}]',
        last_effects='[{"kind": "send_sms", "key": "k"}]',
        version=0,
    )


def minimal_state(call_id: str = "call-min") -> CallState:
    """A call state with every optional field left at its default."""
    return CallState(
        call_id=call_id,
        account_id="acc-1",
        flow_id="flow-1",
        flow_version=1,
        direction=Direction.INBOUND,
        from_number="447700900000",
        to_number="447700900001",
        started_at=NOW,
    )


def record(
    call_id: str = "call-1",
    started_at: datetime = NOW,
    account_id: str = "acc-1",
) -> CallRecord:
    return CallRecord(
        account_id=account_id,
        call_id=call_id,
        started_at=started_at,
        flow_id="flow-1",
        direction=Direction.INBOUND,
        from_number="447700900000",
        to_number="447700900001",
        outcome=CallOutcome.NO_ANSWER,
        ended_at=started_at + timedelta(seconds=30),
        answered_at=started_at + timedelta(seconds=2),
        duration=28,
        legs=(full_leg("leg-a"), full_leg("leg-b", LegRole.BRIDGED)),
        cost=Decimal("0.0417"),
        currency="GBP",
        recording_uri="s3://bucket/rec.mp3",
    )


class RequestLog:
    """The DynamoDB operations the store sent, in order."""

    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, **kwargs: Any) -> None:
        self.operations.append(kwargs["model"].name)

    def clear(self) -> None:
        self.operations.clear()
