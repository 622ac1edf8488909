"""Call records: GIVEN the call_records table, WHEN finished calls are recorded and queried,
THEN a record is written once, round-trips, and lists newest first within a time range."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storekit import NOW, RequestLog, record

from chalicelib.settings import Settings
from chalicelib.store.errors import NotFoundError
from chalicelib.store.records import CallRecordRepository


@pytest.fixture
def records(store: Settings) -> CallRecordRepository:
    return CallRecordRepository()


def _hours(n: int) -> timedelta:
    return timedelta(hours=n)


def test_put_then_get_round_trips_every_field(records: CallRecordRepository) -> None:
    # GIVEN a record with legs, cost and recording
    original = record()
    # WHEN stored and read by account and call id / THEN the same record
    assert records.put(original) is True
    assert records.get("acc-1", "call-1") == original


def test_put_of_the_same_call_writes_once(records: CallRecordRepository) -> None:
    # GIVEN a stored record
    records.put(record())
    # WHEN the same call is recorded again (a retried event)
    again = records.put(record())
    # THEN nothing is written the second time, and there is one record
    assert again is False
    assert records.list_by_account("acc-1") == [record()]


def test_get_checks_the_account(records: CallRecordRepository) -> None:
    # GIVEN acc-1's record / WHEN acc-2 asks for it, or for an unknown call / THEN not found
    records.put(record())
    with pytest.raises(NotFoundError):
        records.get("acc-2", "call-1")
    with pytest.raises(NotFoundError):
        records.get("acc-1", "call-9")


def test_list_is_newest_first_and_limited(records: CallRecordRepository) -> None:
    # GIVEN five records an hour apart, stored out of order, and another account's record
    for n in [3, 0, 4, 1, 2]:
        records.put(record(f"call-{n}", NOW + _hours(n)))
    records.put(record("call-x", NOW + _hours(2), account_id="acc-2"))
    # WHEN listed with a limit of 3
    listed = records.list_by_account("acc-1", limit=3)
    # THEN the three newest of acc-1, newest first
    assert [r.call_id for r in listed] == ["call-4", "call-3", "call-2"]


def test_time_range_includes_since_and_excludes_until(records: CallRecordRepository) -> None:
    # GIVEN records at hours 0..4
    for n in range(5):
        records.put(record(f"call-{n}", NOW + _hours(n)))

    def ids(**window: object) -> list[str]:
        return [r.call_id for r in records.list_by_account("acc-1", **window)]  # type: ignore[arg-type]

    # WHEN listed by [since, until), since only, until only / THEN the bounds hold
    assert ids(since=NOW + _hours(1), until=NOW + _hours(3)) == ["call-2", "call-1"]
    assert ids(since=NOW + _hours(3)) == ["call-4", "call-3"]
    assert ids(until=NOW + _hours(1)) == ["call-0"]
    assert ids(since=NOW + _hours(9)) == []


def test_two_calls_started_in_the_same_microsecond_are_both_kept(
    records: CallRecordRepository,
) -> None:
    # GIVEN two calls with the same start time / WHEN both are recorded / THEN both are listed
    records.put(record("call-a", NOW))
    records.put(record("call-b", NOW))
    assert {r.call_id for r in records.list_by_account("acc-1")} == {"call-a", "call-b"}


def test_an_empty_window_sends_nothing(records: CallRecordRepository, sent: RequestLog) -> None:
    # GIVEN since after until / WHEN listed / THEN empty, without a request
    assert records.list_by_account("acc-1", since=NOW, until=NOW - _hours(1)) == []
    assert sent.operations == []


def test_a_query_is_one_request(records: CallRecordRepository, sent: RequestLog) -> None:
    # GIVEN records / WHEN a page is listed / THEN one Query
    for n in range(3):
        records.put(record(f"call-{n}", NOW + _hours(n)))
    sent.clear()
    records.list_by_account("acc-1", since=NOW, limit=2)
    assert sent.operations == ["Query"]


def test_limit_is_checked(records: CallRecordRepository) -> None:
    with pytest.raises(ValueError):
        records.list_by_account("acc-1", limit=0)
    with pytest.raises(ValueError):
        records.list_by_account("acc-1", limit=1001)
