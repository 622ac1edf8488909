"""Guard counters: GIVEN the counters table, WHEN requests are counted against limits (also
from many threads at once), THEN a counter never passes its limit, each window counts alone, a
daily cap holds amounts exactly, and the first writer's value is what repeats are told, until it
expires or is forgotten."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from motokit import serialize_dynamodb
from storekit import NOW, RequestLog

from chalicelib.errors import RateLimitedError, RefusedError
from chalicelib.guards.limits import Counted, Guard, Velocity
from chalicelib.settings import Settings
from chalicelib.store.counters import CounterRepository


@pytest.fixture
def counters(store: Settings) -> CounterRepository:
    return CounterRepository()


def test_concurrent_requests_never_pass_a_limit(
    counters: CounterRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialize_dynamodb(monkeypatch)  # each request atomic, as DynamoDB's are (moto's are not)
    passed: list[bool] = []

    def one() -> None:
        passed.append(counters.add_within("k", Decimal(1), Decimal(5), NOW + timedelta(hours=1)))

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert passed.count(True) == 5 and counters.total("k") == Decimal(5)


def test_velocity_windows_count_alone_and_say_when_to_retry(
    counters: CounterRepository, sent: RequestLog
) -> None:
    now = [NOW.replace(minute=0, second=0)]
    guard = Guard(counters, lambda: now[0])
    limit = [Counted("client IP", "198.51.100.7", Velocity(2, 600))]
    guard.admit("web:x", limit)
    guard.admit("web:x", limit)
    with pytest.raises(RateLimitedError) as refused:
        guard.admit("web:x", limit)
    assert refused.value.retry_after == 600 and "2 per 10 minutes" in str(refused.value)
    guard.admit("web:y", limit)  # another scope counts alone
    now[0] += timedelta(minutes=10)  # the next window
    guard.admit("web:x", limit)
    assert set(sent.operations) == {"UpdateItem"}


def test_a_daily_cap_holds_amounts_exactly(counters: CounterRepository) -> None:
    guard = Guard(counters, lambda: NOW)
    guard.commit("web:x", NOW.date(), Decimal("1.20"), Decimal("3.00"))
    guard.commit("web:x", NOW.date(), Decimal("1.80"), Decimal("3.00"))
    with pytest.raises(RefusedError):
        guard.commit("web:x", NOW.date(), Decimal("0.0001"), Decimal("3.00"))
    assert guard.committed("web:x", NOW.date()) == Decimal("3.00")
    guard.commit("web:x", NOW.date() + timedelta(days=1), Decimal("3.00"), Decimal("3.00"))


def test_the_first_value_is_kept_until_it_expires_or_is_forgotten(
    counters: CounterRepository,
) -> None:
    now = [NOW]
    guard = Guard(counters, lambda: now[0])
    assert guard.first("web:x", "request", "a", 120) == "a"
    assert guard.first("web:x", "request", "b", 120) == "a"
    now[0] += timedelta(seconds=121)
    assert guard.first("web:x", "request", "c", 120) == "c"
    guard.forget("web:x", "request")
    assert guard.first("web:x", "request", "d", 120) == "d"
