"""The do-not-call table: GIVEN the ``do_not_call`` table on moto, WHEN numbers are listed,
checked, paged through, counted and taken off, THEN each account sees its own list only;
listing again keeps a number's first entry; a check of many numbers is one BatchGetItem per
100 and a listing of many one BatchWriteItem per 25, each sent again for what DynamoDB left
unprocessed; a page's cursor leads to the next page and one that is not a number is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from storekit import NOW, RequestLog

from chalicelib.errors import NotFoundError, UnavailableError, ValidationError
from chalicelib.settings import Settings
from chalicelib.store.binding import shared_connection
from chalicelib.store.do_not_call import DoNotCallRepository

UK = [f"4479111234{n:02d}" for n in range(100)]


@pytest.fixture
def pauses() -> list[float]:
    return []


@pytest.fixture
def lists(store: Settings, pauses: list[float]) -> Iterator[DoNotCallRepository]:
    yield DoNotCallRepository(pause=pauses.append)


def numbers(count: int, prefix: str = "1212555") -> list[str]:
    return [f"{prefix}{n:04d}" for n in range(count)]


def test_numbers_are_listed_checked_and_taken_off(lists: DoNotCallRepository) -> None:
    # GIVEN two numbers listed for acme
    assert lists.add("acme", UK[:2], NOW, "asked on the phone", "rest") == 2
    # THEN acme's check finds them, and only them
    assert lists.listed("acme", [UK[0], UK[1], UK[2]]) == {UK[0], UK[1]}
    entry = lists.entry("acme", UK[0])
    assert (entry.number, entry.added_at, entry.reason, entry.source) == (
        UK[0],
        NOW,
        "asked on the phone",
        "rest",
    )
    assert lists.count("acme") == 2
    # AND another account's list is its own
    assert lists.listed("globex", UK[:3]) == frozenset()
    assert lists.count("globex") == 0
    with pytest.raises(NotFoundError):
        lists.entry("globex", UK[0])
    assert lists.remove("globex", UK[0]) is False
    # WHEN one is taken off / THEN it is gone, once
    assert lists.remove("acme", UK[0]) is True
    assert lists.remove("acme", UK[0]) is False
    assert lists.listed("acme", UK[:2]) == {UK[1]}
    assert lists.count("acme") == 1


def test_listing_again_keeps_the_first_entry(lists: DoNotCallRepository) -> None:
    # GIVEN a number listed at NOW by the CLI
    assert lists.add("acme", [UK[0]], NOW, "first", "cli") == 1
    # WHEN it is listed again, alone and among new ones, later, from elsewhere
    later = NOW + timedelta(days=3)
    assert lists.add("acme", [UK[0]], later, "second", "rest") == 0
    assert lists.add("acme", UK[:3], later, "import", "import") == 2
    # THEN it keeps its first entry, and the new ones have theirs
    first = lists.entry("acme", UK[0])
    assert (first.added_at, first.reason, first.source) == (NOW, "first", "cli")
    assert lists.entry("acme", UK[2]).added_at == later
    assert lists.count("acme") == 3


def test_one_number_is_one_put_and_many_are_batched(
    lists: DoNotCallRepository, sent: RequestLog
) -> None:
    # WHEN one number is listed / THEN one conditional PutItem
    sent.clear()
    lists.add("acme", numbers(1), NOW, None, "rest")
    assert sent.operations == ["PutItem"]
    # WHEN 250 numbers are listed, one of them listed already
    sent.clear()
    assert lists.add("acme", numbers(250), NOW, None, "import") == 249
    # THEN 3 BatchGetItems (100 keys each at most), then 10 BatchWriteItems (25 each)
    assert sent.operations == ["BatchGetItem"] * 3 + ["BatchWriteItem"] * 10
    # AND a check of 250 numbers is 3 BatchGetItems, whatever the size of the list
    sent.clear()
    assert lists.listed("acme", numbers(250)) == frozenset(numbers(250))
    assert sent.operations == ["BatchGetItem"] * 3
    assert lists.count("acme") == 250
    # AND no numbers is no request
    sent.clear()
    assert lists.listed("acme", []) == frozenset()
    assert lists.add("acme", [], NOW, None, "rest") == 0
    assert sent.operations == []


class Unprocessed:
    """Moves part of the first answers' items into DynamoDB's "unprocessed" part, as a
    throttled table does (moto never does)."""

    def __init__(self, times: int) -> None:
        self.times = times

    def __call__(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if self.times <= 0:
            return
        self.times -= 1
        if model.name == "BatchGetItem":
            for table, items in parsed.get("Responses", {}).items():
                kept, dropped = items[:1], items[1:]
                parsed["Responses"][table] = kept
                keys = [{"account_id": {"S": "acme"}, "number": i["number"]} for i in dropped]
                parsed["UnprocessedKeys"] = {table: {"Keys": keys}}
        # a BatchWriteItem's unprocessed items are put back by the request hook below


def test_unprocessed_keys_are_asked_for_again(
    lists: DoNotCallRepository, pauses: list[float]
) -> None:
    # GIVEN 5 numbers listed, and DynamoDB answering only one key of the first two batches
    lists.add("acme", UK[:5], NOW, None, "rest")
    events = shared_connection().client.meta.events
    throttled = Unprocessed(2)
    events.register("after-call.dynamodb.BatchGetItem", throttled)
    try:
        # WHEN they are checked / THEN all are found, after two pauses that grow
        assert lists.listed("acme", UK[:5]) == frozenset(UK[:5])
    finally:
        events.unregister("after-call.dynamodb.BatchGetItem", throttled)
    assert len(pauses) == 2 and pauses[1] > pauses[0]


def test_unprocessed_items_are_written_again_and_a_table_that_never_takes_them_fails(
    lists: DoNotCallRepository, pauses: list[float]
) -> None:
    # GIVEN DynamoDB leaving all items of a BatchWriteItem unprocessed the first time
    events = shared_connection().client.meta.events
    left: list[int] = [1]

    def short_circuit(params: dict[str, Any], **_: Any) -> Any:
        if left[0] <= 0:
            return None  # sent to moto
        left[0] -= 1
        requested = json.loads(params["body"])["RequestItems"]
        return FakeHttp(), {"UnprocessedItems": requested}

    events.register("before-call.dynamodb.BatchWriteItem", short_circuit)
    try:
        # WHEN numbers are listed / THEN all are written, after one pause
        assert lists.add("acme", UK[:3], NOW, None, "import") == 3
        assert lists.listed("acme", UK[:3]) == frozenset(UK[:3])
        assert len(pauses) == 1
        # AND a table that never takes them is an error after a few sends, not a loop
        left[0] = 100
        with pytest.raises(UnavailableError, match="unprocessed"):
            lists.add("acme", UK[3:6], NOW, None, "import")
    finally:
        events.unregister("before-call.dynamodb.BatchWriteItem", short_circuit)


class FakeHttp:
    """The HTTP answer botocore reports for a short-circuited request."""

    status_code = 200
    headers: dict[str, str] = {}


def test_pages_follow_each_other_in_number_order(lists: DoNotCallRepository) -> None:
    # GIVEN 7 numbers listed, in no order, and one of another account
    listed = numbers(7)
    lists.add("acme", list(reversed(listed)), NOW, None, "import")
    lists.add("globex", ["1212555999"], NOW, None, "rest")
    # WHEN paged 3 at a time
    first, cursor = lists.page("acme", 3)
    assert [e.number for e in first] == listed[:3] and cursor is not None
    second, cursor = lists.page("acme", 3, cursor)
    assert [e.number for e in second] == listed[3:6] and cursor is not None
    third, cursor = lists.page("acme", 3, cursor)
    # THEN the last page ends the list, with no cursor
    assert [e.number for e in third] == listed[6:] and cursor is None
    # AND a page that ends exactly at the list's end says there is no next one
    whole, cursor = lists.page("acme", 7)
    assert len(whole) == 7 and cursor is None
    assert lists.page("nobody", 5) == ([], None)


@pytest.mark.parametrize("cursor", ["", "!!", "bm90LWRpZ2l0cw", "12a", "1" * 16])
def test_a_cursor_no_page_gave_is_refused(lists: DoNotCallRepository, cursor: str) -> None:
    with pytest.raises(ValidationError, match="cursor"):
        lists.page("acme", 5, cursor)


def test_what_is_not_a_listed_number_is_a_bug(lists: DoNotCallRepository) -> None:
    with pytest.raises(ValueError, match=r"E\.164 digits"):
        lists.add("acme", ["+441234567890"], NOW, None, "rest")
    with pytest.raises(ValueError, match="source"):
        lists.add("acme", ["441234567890"], NOW, None, "fax")
    with pytest.raises(ValueError, match="200"):
        lists.add("acme", ["441234567890"], NOW, "x" * 201, "rest")
    with pytest.raises(ValueError, match="timezone-aware"):
        lists.add("acme", ["441234567890"], NOW.replace(tzinfo=None), None, "rest")
