"""Callback access numbers and PIN lockouts in DynamoDB: GIVEN every table on moto (the callback
product installed, so its tables are among them), WHEN access numbers are put, read, listed and
deleted and caller numbers locked, extended and unlocked, THEN each is one request, a put says
whether it created, a lock only ever extends, a lock that ran out reads as none before TTL
deletes it, and the lockout table declares its TTL attribute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from storekit import RequestLog

from chalicelib.settings import Settings
from chalicelib.store.access_numbers import (
    AccessNumberItem,
    AccessNumberRepository,
    LockoutItem,
    LockoutRepository,
    MailAddressItem,
    StoredAccessNumber,
)
from chalicelib.store.errors import AlreadyExistsError, NotFoundError
from chalicelib.store.tables import table_models, ttl_attribute

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ANI = StoredAccessNumber(
    number="420234000111",
    kind="ani",
    tenant="acme",
    language="en-GB",
    rules=("0=420", "00="),
    country="CZ",
)
PIN = StoredAccessNumber(
    number="420234000113",
    kind="pin",
    tenant="acme",
    language="en-GB",
    internal_account="900001",
    delay_seconds=0,
    lock_minutes=45,
    enabled=False,
)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def requests(sent: RequestLog) -> list[str]:
    return [str(operation) for operation in sent.operations]


def test_the_tables_are_installed_with_the_lockouts_ttl(store: Settings) -> None:
    models = table_models()
    assert AccessNumberItem in models and LockoutItem in models
    assert ttl_attribute(LockoutItem) == "expires"
    client = boto3.client("dynamodb", region_name=store.region)
    ttl = client.describe_time_to_live(TableName=store.table("callback_lockouts"))
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires"


def test_an_access_number_is_created_replaced_read_and_deleted(
    store: Settings, sent: RequestLog
) -> None:
    repo = AccessNumberRepository()
    sent.clear()
    # WHEN it is put: new; THEN again, with changes: replaced, one PutItem each
    assert repo.put(ANI) is True
    assert repo.put(StoredAccessNumber(**{**ANI.__dict__, "language": "en-GB"})) is False
    assert requests(sent) == ["PutItem", "PutItem"]
    assert repo.get(ANI.number).language == "en-GB"
    assert repo.get(ANI.number).rules == ("0=420", "00=")
    # AND every field survives the round trip, absent ones included
    repo.put(PIN)
    assert repo.get(PIN.number) == PIN
    assert repo.find("999") is None
    with pytest.raises(NotFoundError, match="access number '999' not found"):
        repo.get("999")
    # WHEN deleted: gone; a second delete finds nothing
    sent.clear()
    assert repo.delete(PIN.number) is True
    assert requests(sent) == ["DeleteItem"]
    assert repo.find(PIN.number) is None
    assert repo.delete(PIN.number) is False


def test_access_numbers_are_listed_a_page_at_a_time(store: Settings, sent: RequestLog) -> None:
    repo = AccessNumberRepository()
    numbers = [f"42023400{i:04d}" for i in range(7)]
    for number in numbers:
        repo.put(StoredAccessNumber(**{**ANI.__dict__, "number": number}))
    sent.clear()
    seen: list[str] = []
    after = None
    for _ in range(10):
        page = repo.list(limit=3, after=after)
        assert len(page.items) <= 3
        assert [a.number for a in page.items] == sorted(a.number for a in page.items)
        seen += [a.number for a in page.items]
        after = page.next
        if after is None:
            break
    assert sorted(seen) == numbers
    assert set(requests(sent)) == {"Scan"}
    with pytest.raises(ValueError, match="limit must be 1 to 100"):
        repo.list(limit=101)


def test_a_lock_only_extends_and_reads_as_none_once_it_ran_out(
    store: Settings, sent: RequestLog
) -> None:
    clock = Clock()
    locks = LockoutRepository(clock=clock)
    caller = "420602123456"
    assert locks.locked_until(caller) is None
    sent.clear()
    # WHEN locked for 30 minutes: one conditional PutItem
    assert locks.lock(caller, NOW + timedelta(minutes=30)) is True
    assert requests(sent) == ["PutItem"]
    # THEN a shorter lock does not shorten it; a longer one extends it
    assert locks.lock(caller, NOW + timedelta(minutes=10)) is False
    assert locks.locked_until(caller) == NOW + timedelta(minutes=30)
    assert locks.lock(caller, NOW + timedelta(minutes=60)) is True
    sent.clear()
    assert locks.locked_until(caller) == NOW + timedelta(minutes=60)
    assert requests(sent) == ["GetItem"]
    # AND the item carries its expiry for TTL, the same instant
    item = LockoutItem.get(caller)
    assert item.expires == NOW + timedelta(minutes=60)
    # WHEN the time is past (TTL has not deleted it yet): no lock
    clock.now = NOW + timedelta(minutes=60)
    assert locks.locked_until(caller) is None
    # AND a new lock replaces the one that ran out
    assert locks.lock(caller, clock.now + timedelta(minutes=30)) is True


def test_unlock_lifts_a_lock(store: Settings) -> None:
    locks = LockoutRepository(clock=Clock())
    locks.lock("420602123456", NOW + timedelta(minutes=30))
    assert locks.unlock("420602123456") is True
    assert locks.locked_until("420602123456") is None
    assert locks.unlock("420602123456") is False


def test_a_naive_lock_time_is_refused(store: Settings) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        LockoutRepository().lock("420602123456", datetime(2024, 5, 1, 12, 0))


def test_a_mail_address_is_unique_and_finds_its_access_number_in_two_reads(
    store: Settings, sent: RequestLog
) -> None:
    repo = AccessNumberRepository()
    mailed = StoredAccessNumber(**{**ANI.__dict__, "mail_address": "callback@example.com"})
    sent.clear()
    # WHEN an access number is put with an address: a read of the old image, one transaction
    assert repo.put(mailed) is True
    assert requests(sent) == ["GetItem", "TransactWriteItems"]
    assert repo.get(ANI.number) == mailed
    # THEN it is found by its address, in any case, in two GetItems
    sent.clear()
    assert repo.find_by_mail("CallBack@Example.com") == mailed
    assert requests(sent) == ["GetItem", "GetItem"]
    assert repo.find_by_mail("other@example.com") is None
    # AND another access number cannot take the address: nothing of it is written
    other = StoredAccessNumber(**{**mailed.__dict__, "number": "420234000112"})
    with pytest.raises(AlreadyExistsError, match="is another access number's"):
        repo.put(other)
    assert repo.find(other.number) is None
    # AND putting the same again keeps it; without an address, the address's item goes
    assert repo.put(mailed) is False
    assert repo.put(ANI) is False
    assert repo.find_by_mail("callback@example.com") is None
    assert list(MailAddressItem.scan()) == []
    assert repo.put(other) is True
    # WHEN an access number with an address is deleted THEN its address goes with it
    sent.clear()
    assert repo.delete(other.number) is True
    assert requests(sent) == ["DeleteItem", "GetItem", "TransactWriteItems"]
    assert repo.find_by_mail("callback@example.com") is None
    assert repo.delete(other.number) is False


def test_an_address_item_that_names_another_number_is_not_followed(store: Settings) -> None:
    repo = AccessNumberRepository()
    repo.put(ANI)
    MailAddressItem("stale@example.com", number=ANI.number).save()  # ANI has no such address
    assert repo.find_by_mail("stale@example.com") is None
