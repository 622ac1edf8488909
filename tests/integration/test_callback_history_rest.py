"""A callback account's call history through the operator REST route: GIVEN settled calls in the
history, WHEN listed (newest first, by whole UTC days) or exported as CSV, THEN each shows both
legs' numbers, the destination and its name, the talk time and the charge, and a CSV cell that
a spreadsheet would run as a formula is quoted."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from callbackkit import ACCOUNT_PIN, platform_with_an_account
from platformkit import Platform

from chalicelib.store.callback_history import HistoryRow

PIN = ACCOUNT_PIN
PATH = f"/v1/operator/callback-accounts/{PIN}/calls"


def row(day: int, key: str, name: str = "United Kingdom") -> HistoryRow:
    return HistoryRow(
        account_id=PIN,
        key=key,
        ended_at=datetime(2026, 11, day, 10, 0, tzinfo=UTC),
        call_id=f"call-{key}",
        user_number="447700900001",
        destination="447700900300",
        destination_name=name,
        seconds=95,
        charge=Decimal("0.32"),
        currency="EUR",
    )


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, str]]:
    with platform_with_an_account(monkeypatch) as (running, key):
        history = running.container.services("callback").engine.history
        history.add(row(1, "a"))
        history.add(row(2, "b", name="=HYPERLINK(evil)"))
        assert not history.add(row(2, "b"))  # a retried settlement adds nothing
        yield running, key


def get(platform: tuple[Platform, str], query: str = "") -> Any:
    running, key = platform
    headers = {"Authorization": f"Bearer {key}"}
    return running.client.http.request("GET", PATH + query, headers=headers)


def test_calls_are_listed_newest_first_and_by_day(platform: tuple[Platform, str]) -> None:
    listed = json.loads(get(platform).body)["calls"]
    assert [c["call_id"] for c in listed] == ["call-b", "call-a"]
    assert listed[1] | {"ended_at": ""} == {
        "ended_at": "",
        "call_id": "call-a",
        "user_number": "447700900001",
        "destination": "447700900300",
        "destination_name": "United Kingdom",
        "seconds": 95,
        "charge": "0.32",
        "currency": "EUR",
    }
    one_day = json.loads(get(platform, "?from=2026-11-01&to=2026-11-01").body)["calls"]
    assert [c["call_id"] for c in one_day] == ["call-a"]


def test_the_csv_export_quotes_what_a_spreadsheet_would_run(
    platform: tuple[Platform, str],
) -> None:
    answer = get(platform, "?format=csv")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.body.decode())))
    assert [r["destination_name"] for r in rows] == ["'=HYPERLINK(evil)", "United Kingdom"]


@pytest.mark.parametrize("query", ["?from=yesterday", "?limit=0", "?format=xml"])
def test_bad_queries_are_problems(platform: tuple[Platform, str], query: str) -> None:
    answer = get(platform, query)
    assert answer.status_code == 422, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
