"""Failed logins to the user's web pages in DynamoDB: GIVEN the table on moto, WHEN failures are
counted, THEN they add up within a window (one UpdateItem each), a failure after the window
starts a new one, failures at once are all counted, a lock reads as such until it runs out, and
a login that worked clears them; the table declares its TTL attribute."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from motokit import serialize_dynamodb
from storekit import RequestLog

from chalicelib.settings import Settings
from chalicelib.store.portal_logins import LoginFailuresItem, LoginFailuresRepository
from chalicelib.store.tables import table_models, ttl_attribute

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)
ACCOUNT = "30000001"


def test_the_table_is_installed_with_its_ttl(store: Settings) -> None:
    assert LoginFailuresItem in table_models()
    assert ttl_attribute(LoginFailuresItem) == "expires"
    client = boto3.client("dynamodb", region_name=store.region)
    ttl = client.describe_time_to_live(TableName=store.table("callback_portal_logins"))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires"


def test_failures_add_up_within_a_window_and_start_again_after_it(
    store: Settings, sent: RequestLog
) -> None:
    repo = LoginFailuresRepository()
    # GIVEN no failure: the first starts a window (the UpdateItem's condition fails, a PutItem)
    sent.clear()
    assert repo.count(ACCOUNT, NOW, NOW + WINDOW) == 1
    assert sent.operations == ["UpdateItem", "PutItem"]
    # WHEN more fail within the window THEN each is one UpdateItem and they add up
    sent.clear()
    assert repo.count(ACCOUNT, NOW + timedelta(minutes=5), NOW + timedelta(minutes=20)) == 2
    assert repo.count(ACCOUNT, NOW + timedelta(minutes=14), NOW + timedelta(minutes=29)) == 3
    assert sent.operations == ["UpdateItem", "UpdateItem"]
    # WHEN one fails after the window ran out THEN a new window starts at 1
    later = NOW + WINDOW + timedelta(seconds=1)
    assert repo.count(ACCOUNT, later, later + WINDOW) == 1
    # AND another account id counts on its own
    assert repo.count("30000002", later, later + WINDOW) == 1


def test_a_lock_reads_as_such_until_it_runs_out_and_a_clear_forgets_it(store: Settings) -> None:
    repo = LoginFailuresRepository()
    assert repo.locked_until(ACCOUNT, NOW) is None
    repo.count(ACCOUNT, NOW, NOW + WINDOW)
    assert repo.locked_until(ACCOUNT, NOW) is None  # failures alone lock nothing
    repo.lock(ACCOUNT, NOW + WINDOW)
    assert repo.locked_until(ACCOUNT, NOW + timedelta(minutes=14)) == NOW + WINDOW
    assert repo.locked_until(ACCOUNT, NOW + WINDOW) is None  # ran out (TTL not yet run)
    repo.clear(ACCOUNT)
    assert repo.locked_until(ACCOUNT, NOW) is None
    assert repo.count(ACCOUNT, NOW, NOW + WINDOW) == 1


def test_failures_at_once_are_each_counted(
    store: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN DynamoDB's per-item atomicity on moto, and 8 failures at the same instant
    serialize_dynamodb(monkeypatch)
    repo = LoginFailuresRepository()
    counts: list[int] = []
    start = threading.Barrier(8)

    def fail() -> None:
        start.wait(10)
        counts.append(repo.count(ACCOUNT, NOW, NOW + WINDOW))

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # THEN none was lost: each saw its own count
    assert sorted(counts) == list(range(1, 9))
