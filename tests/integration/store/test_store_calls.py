"""Call states: GIVEN the calls table, WHEN states are created, read and saved, THEN every
field round-trips exactly, every write is guarded by the version, and a webhook step costs one
read and one write."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pytest
from storekit import NOW, RequestLog, full_state, minimal_state

from chalicelib.flows.state import CallState, LegRole
from chalicelib.settings import Settings
from chalicelib.store.calls import CallRepository
from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StaleStateError
from chalicelib.telephony.events import CallStatus, Direction


@pytest.fixture
def calls(store: Settings) -> CallRepository:
    return CallRepository(store, clock=lambda: NOW)


def _raw(settings: Settings, call_id: str) -> dict[str, object]:
    client = boto3.client("dynamodb", region_name=settings.region)
    item = client.get_item(TableName=settings.table("calls"), Key={"call_id": {"S": call_id}})
    return dict(item["Item"])


def test_create_then_get_round_trips_every_field(calls: CallRepository) -> None:
    # GIVEN a state with every field away from its default
    state = full_state()
    # WHEN created and read back
    created = calls.create(state)
    loaded = calls.get(state.call_id)
    # THEN it is the same state at version 1
    assert created == replace(state, version=1)
    assert loaded == created


def test_round_trip_keeps_types(calls: CallRepository) -> None:
    # GIVEN a stored full state
    calls.create(full_state())
    # WHEN read back
    loaded = calls.get("call-1")
    leg = loaded.legs["leg-b"]
    # THEN enums are enums, datetimes are UTC, Decimals are exact Decimals
    assert type(loaded.direction) is Direction and type(leg.status) is CallStatus
    assert type(leg.role) is LegRole and leg.role is LegRole.BRIDGED
    assert loaded.started_at.tzinfo == UTC
    assert loaded.started_at == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert leg.answered_at == NOW + timedelta(seconds=3, microseconds=250_000)
    assert isinstance(leg.rate, Decimal) and leg.rate == Decimal("0.0139")
    assert loaded.flow_vars == {"campaign": "spring", "empty": ""}


def test_minimal_state_round_trips(calls: CallRepository) -> None:
    # GIVEN a state with defaults only (empty maps, no legs, nothing awaited)
    state = minimal_state()
    # WHEN created and read back / THEN equal, with empty mappings
    calls.create(state)
    assert calls.get(state.call_id) == replace(state, version=1)


def test_create_twice_is_refused_and_keeps_the_first(calls: CallRepository) -> None:
    # GIVEN a created call (the answer webhook)
    calls.create(full_state())
    # WHEN the retried answer webhook creates it again, differently
    with pytest.raises(AlreadyExistsError):
        calls.create(replace(full_state(), node="other", seq=99))
    # THEN the first state stands
    assert calls.get("call-1") == replace(full_state(), version=1)


def test_get_of_an_unknown_call_is_not_found(calls: CallRepository) -> None:
    with pytest.raises(NotFoundError):
        calls.get("nope")


def test_save_advances_the_version(calls: CallRepository) -> None:
    # GIVEN a created call
    created = calls.create(minimal_state())
    # WHEN saved twice with changes
    second = calls.save(replace(created, node="a", seq=1))
    third = calls.save(replace(second, node="b", seq=2))
    # THEN each save returns and stores the next version
    assert (second.version, third.version) == (2, 3)
    assert calls.get(created.call_id) == third


def test_save_with_a_stale_version_is_refused_and_changes_nothing(calls: CallRepository) -> None:
    # GIVEN two webhooks that loaded the same version
    created = calls.create(minimal_state())
    winner = calls.save(replace(created, node="winner"))
    # WHEN the second one saves on the version it loaded
    with pytest.raises(StaleStateError):
        calls.save(replace(created, node="loser"))
    # THEN the stored state is the winner's
    assert calls.get(created.call_id) == winner


def test_save_of_a_new_state_does_not_overwrite_an_existing_one(calls: CallRepository) -> None:
    # GIVEN a stored call / WHEN a version-0 state with the same id is saved / THEN refused
    created = calls.create(minimal_state())
    with pytest.raises(StaleStateError):
        calls.save(replace(minimal_state(), node="fresh"))
    assert calls.get(created.call_id) == created


def test_save_of_a_version_0_state_creates_it(calls: CallRepository) -> None:
    # GIVEN no call / WHEN a new state is saved / THEN it is stored at version 1
    saved = calls.save(minimal_state())
    assert saved.version == 1
    assert calls.get(saved.call_id) == saved


def test_naive_datetimes_are_refused(calls: CallRepository) -> None:
    # GIVEN a state with a naive start time / WHEN created / THEN ValueError, nothing stored
    with pytest.raises(ValueError):
        calls.create(replace(minimal_state(), started_at=datetime(2024, 5, 1, 12, 0)))
    with pytest.raises(NotFoundError):
        calls.get("call-min")


def test_every_write_sets_the_ttl_from_the_clock(store: Settings) -> None:
    # GIVEN a repository whose clock says NOW, with a one hour TTL
    calls = CallRepository(store, clock=lambda: NOW)
    # WHEN a call is created, and later saved by a repository whose clock is an hour on
    calls.create(minimal_state())
    before = _raw(store, "call-min")["expires_at"]
    CallRepository(store, clock=lambda: NOW + timedelta(hours=1)).save(
        replace(minimal_state(), version=1)
    )
    after = _raw(store, "call-min")["expires_at"]
    # THEN expires_at is epoch seconds of clock + TTL each time
    assert before == {"N": str(int(NOW.timestamp()) + 3600)}
    assert after == {"N": str(int(NOW.timestamp()) + 7200)}


def test_a_webhook_step_is_one_read_and_one_write(calls: CallRepository, sent: RequestLog) -> None:
    # GIVEN a live call
    calls.create(full_state())
    sent.clear()
    # WHEN a webhook loads the state and saves the next one
    state = calls.get("call-1")
    calls.save(replace(state, seq=state.seq + 1))
    # THEN exactly one GetItem and one PutItem went to DynamoDB
    assert sent.operations == ["GetItem", "PutItem"]


def test_delete_is_idempotent(calls: CallRepository) -> None:
    # GIVEN a call / WHEN deleted twice / THEN gone, and the repeat is harmless
    calls.create(minimal_state())
    calls.delete("call-min")
    calls.delete("call-min")
    with pytest.raises(NotFoundError):
        calls.get("call-min")


def test_state_is_still_a_frozen_domain_object(calls: CallRepository) -> None:
    # GIVEN a stored state / WHEN read / THEN a CallState, not a pynamodb item
    calls.create(minimal_state())
    assert type(calls.get("call-min")) is CallState
