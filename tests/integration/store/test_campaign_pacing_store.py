"""The pace of outbound calls in DynamoDB (moto): GIVEN the ``campaign_pacing`` table, WHEN
calls are granted, released and throttled under one or several keys (also by many threads at
once), THEN a grant is one consistent BatchGetItem and one TransactWriteItems conditioned on
every key's version, a lost race writes nothing, no window ever holds more than its N grants
and no cap is ever passed, call refs of any printable text are map keys, and a release is
idempotent and creates nothing."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from pacekit import most_in_any_window, serialize_whole_items
from storekit import NOW, RequestLog

from chalicelib.campaigns.pacing import (
    SAFETY_MARGIN,
    Granted,
    PaceLimit,
    Pacer,
    Wait,
    decide,
)
from chalicelib.settings import Settings
from chalicelib.store import campaign_pacing
from chalicelib.store.binding import shared_connection

S = timedelta(seconds=1)
MS = timedelta(milliseconds=1)
FLOW, ACCOUNT = "flow:acme:reminders", "account:acme"


@pytest.fixture
def paces(store: Settings) -> ModuleType:
    """GIVEN the store's tables on moto: the store module of paces."""
    return campaign_pacing


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


class TickingClock:
    """A clock shared by threads, 1 ms later at every reading."""

    def __init__(self) -> None:
        self.ticks = itertools.count()
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return NOW + next(self.ticks) * MS


def pacer_on(paces: ModuleType, clock: Callable[[], datetime]) -> Pacer:
    return Pacer(paces.CampaignPacingRepository(), clock, lambda seconds: None)


def test_a_grant_is_one_batch_read_and_one_transaction_on_both_keys(
    paces: ModuleType, sent: RequestLog
) -> None:
    clock = Clock()
    pacer = pacer_on(paces, clock)
    bodies: list[dict[str, Any]] = []
    shared_connection().client.meta.events.register(
        "before-call.dynamodb", lambda params, **_: bodies.append(json.loads(params["body"]))
    )
    limits = [PaceLimit(FLOW, 3, max_concurrent=5), PaceLimit(ACCOUNT)]
    assert pacer.try_acquire(limits, "camp-1:contact-9:attempt-2") == Granted(NOW)
    assert sent.operations == ["BatchGetItem", "TransactWriteItems"]
    # the read is strongly consistent, and every update is conditioned on its item's version
    (table,) = bodies[0]["RequestItems"].values()
    assert table["ConsistentRead"] is True and len(table["Keys"]) == 2
    updates = [action["Update"] for action in bodies[1]["TransactItems"]]
    assert len(updates) == 2 and all("ConditionExpression" in u for u in updates)
    stored = paces.CampaignPacingRepository().read([FLOW, ACCOUNT, "account:other"])
    for key in (FLOW, ACCOUNT):
        assert stored[key].grants == (NOW,) and stored[key].version == 1
        assert dict(stored[key].live) == {"camp-1:contact-9:attempt-2": NOW}
    assert stored["account:other"].version == 0 and stored["account:other"].grants == ()
    # AND the item expires (TTL) a day after its calls would be stale
    item = paces.CampaignPacingItem.get(FLOW, consistent_read=True)
    assert item.expires == NOW + timedelta(hours=3) + timedelta(days=1)


def test_the_rolling_window_and_the_cap_hold_in_the_store(paces: ModuleType) -> None:
    clock = Clock()
    pacer = pacer_on(paces, clock)
    limits = [PaceLimit(FLOW, 2.5, max_concurrent=4), PaceLimit(ACCOUNT)]
    outcomes = []
    for i in range(4):
        outcomes.append(pacer.try_acquire(limits, f"c{i}"))
        clock.now += MS
    assert outcomes[:3] == [Granted(NOW + i * MS) for i in range(3)]  # the account's 3 a second
    assert outcomes[3] == Wait(NOW + S + SAFETY_MARGIN, "rate")
    clock.now = NOW + S + SAFETY_MARGIN
    assert isinstance(pacer.try_acquire(limits, "c3"), Granted)
    assert pacer.try_acquire(limits, "c4") == Wait(clock.now + 5 * S, "concurrency")
    pacer.release([FLOW, ACCOUNT], "c0")
    clock.now += 2 * MS  # the account's window has rolled past c1 and c2
    assert isinstance(pacer.try_acquire(limits, "c4"), Granted)  # the flow's 5 per 2 s
    clock.now += S
    assert pacer.try_acquire(limits, "c5") == Wait(clock.now + 5 * S, "concurrency")


def test_a_write_whose_version_moved_writes_no_key(paces: ModuleType) -> None:
    repository = paces.CampaignPacingRepository()
    limits = [PaceLimit(FLOW), PaceLimit(ACCOUNT)]
    read = repository.read([FLOW, ACCOUNT])
    first = decide(limits, read, "a", NOW)
    second = decide(limits, read, "b", NOW)
    assert not isinstance(first, Wait) and not isinstance(second, Wait)
    assert repository.write(first.changes) is True
    # WHEN a worker writes what it decided on the same (now old) state / THEN nothing changes
    assert repository.write(second.changes) is False
    again = repository.read([FLOW, ACCOUNT])
    assert all(set(again[key].live) == {"a"} and again[key].version == 1 for key in again)
    # AND also when only one of the keys moved
    only_account = decide([PaceLimit(ACCOUNT)], again, "c", NOW + MS)
    assert not isinstance(only_account, Wait) and repository.write(only_account.changes)
    both = decide(limits, again, "d", NOW + MS)
    assert not isinstance(both, Wait) and repository.write(both.changes) is False
    assert set(repository.read([FLOW])[FLOW].live) == {"a"}


def test_call_refs_of_any_printable_text_are_map_keys(paces: ModuleType) -> None:
    clock = Clock()
    pacer = pacer_on(paces, clock)
    refs = ["camp-1:contact-9:attempt-2", "a.b", "x[0]", "100%", "%5B", "#name :v", "é ü"]
    limits = [PaceLimit(FLOW, 50)]
    for ref in refs:
        assert isinstance(pacer.try_acquire(limits, ref), Granted)
        clock.now += MS
    repository = paces.CampaignPacingRepository()
    assert set(repository.read([FLOW])[FLOW].live) == set(refs)
    for ref in refs[::2]:
        pacer.release([FLOW], ref)
    assert set(repository.read([FLOW])[FLOW].live) == set(refs[1::2])


def test_a_release_is_idempotent_and_creates_no_item(paces: ModuleType, sent: RequestLog) -> None:
    clock = Clock()
    pacer = pacer_on(paces, clock)
    pacer.try_acquire([PaceLimit(FLOW)], "a")
    sent.clear()
    pacer.release([FLOW, ACCOUNT], "a")
    pacer.release([FLOW, ACCOUNT], "a")
    assert sent.operations == ["UpdateItem"] * 4
    stored = paces.CampaignPacingRepository().read([FLOW, ACCOUNT])
    assert dict(stored[FLOW].live) == {} and stored[FLOW].version == 1  # no version change
    assert stored[ACCOUNT].version == 0
    assert paces.CampaignPacingItem.count() == 1


def test_stale_calls_are_removed_in_the_grants_write(paces: ModuleType) -> None:
    clock = Clock()
    pacer = pacer_on(paces, clock)
    limits = [PaceLimit(FLOW, 3, max_concurrent=1)]
    pacer.try_acquire(limits, "never-ended")
    clock.now = NOW + timedelta(hours=3)
    assert pacer.try_acquire(limits, "next") == Granted(clock.now)
    stored = paces.CampaignPacingRepository().read([FLOW])[FLOW]
    assert dict(stored.live) == {"next": clock.now} and stored.grants == (clock.now,)


def test_a_429_is_stored_under_every_key_and_doubles_when_it_comes_again(
    paces: ModuleType,
) -> None:
    clock = Clock()
    pacer = pacer_on(paces, clock)
    limits = [PaceLimit(FLOW), PaceLimit(ACCOUNT)]
    assert pacer.throttled([FLOW, ACCOUNT]) == S
    assert pacer.throttled([FLOW, ACCOUNT]) == S  # the same burst
    assert pacer.try_acquire(limits, "a") == Wait(NOW + S, "backoff")
    clock.now = NOW + S
    assert isinstance(pacer.try_acquire(limits, "a"), Granted)
    assert pacer.throttled([FLOW, ACCOUNT]) == 2 * S
    stored = paces.CampaignPacingRepository().read([FLOW, ACCOUNT])
    for key in (FLOW, ACCOUNT):
        assert stored[key].backoff == 2 * S and stored[key].backoff_until == clock.now + 2 * S


def test_many_workers_at_once_never_pass_the_window_or_the_cap(
    paces: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialize_whole_items(monkeypatch)  # each request atomic, as DynamoDB's are (moto's are not)
    clock = TickingClock()  # every worker asks within the same few milliseconds
    limits = [PaceLimit(FLOW, 50, max_concurrent=2), PaceLimit(ACCOUNT, 3)]
    outcomes: list[Granted | Wait] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def worker(index: int) -> None:
        pacer = pacer_on(paces, clock)
        start.wait()
        outcome = pacer.try_acquire(limits, f"c{index}")
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    granted = [o for o in outcomes if isinstance(o, Granted)]
    assert len(outcomes) == 16 and len(granted) == 2  # the flow's cap
    stored = paces.CampaignPacingRepository().read([FLOW, ACCOUNT])
    assert len(stored[FLOW].live) == len(stored[ACCOUNT].live) == 2
    assert stored[FLOW].version == stored[ACCOUNT].version == 2


def test_a_race_of_workers_over_time_keeps_every_window_and_the_cap(
    paces: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialize_whole_items(monkeypatch)
    # GIVEN 8 workers placing 30 calls on the wall clock, at 10 a second and at most 3 at once
    flow = PaceLimit(FLOW, 10, max_concurrent=3)
    account = PaceLimit(ACCOUNT, 10)
    calls = [f"camp-1:contact-{i}:attempt-1" for i in range(30)]
    grants: dict[str, list[datetime]] = {}
    live = [0]
    most_live = [0]
    lock = threading.Lock()

    def worker() -> None:
        pacer = Pacer(
            paces.CampaignPacingRepository(), lambda: datetime.now(UTC), time.sleep, max_sleep=0.2
        )
        while True:
            with lock:
                if not calls:
                    return
                ref = calls.pop()
            while True:
                outcome = pacer.acquire([flow, account], ref)
                if isinstance(outcome, Granted):
                    break
                wait = (outcome.until - datetime.now(UTC)).total_seconds()
                time.sleep(min(max(wait, 0.0), 0.05))
            with lock:
                grants.setdefault(ref, []).append(outcome.at)
                live[0] += 1
                most_live[0] = max(most_live[0], live[0])
            time.sleep(random.uniform(0, 0.05))
            with lock:
                live[0] -= 1
            pacer.release([FLOW, ACCOUNT], ref)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every call was granted once, no second held more than 10, never more than 3 at once
    assert len(grants) == 30 and all(len(times) == 1 for times in grants.values())
    times = [at for ats in grants.values() for at in ats]
    assert most_in_any_window(times, S) <= 10
    assert most_live[0] <= 3
    stored = paces.CampaignPacingRepository().read([FLOW, ACCOUNT])
    assert dict(stored[FLOW].live) == {} and dict(stored[ACCOUNT].live) == {}
