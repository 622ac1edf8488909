"""The hours widget, as Amazon Connect's "check hours of operation": GIVEN weekly hours in a time
zone, closed dates and a country's public holidays, THEN a call goes to ``open``, ``closed`` or
``holiday`` by the wall clock of the zone; and a flow author's mistakes are refused at load with
what to write instead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.flows.engine import step
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.flows.state import CallState
from chalicelib.telephony.actions import Say
from chalicelib.telephony.events import CallAnswered, Direction

WEEKDAYS = {day: ["09:00-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")}


def _flow(hours: dict[str, Any], timezone: str = "Europe/London") -> dict[str, Any]:
    return {
        "id": "desk",
        "name": "Help desk",
        "timezone": timezone,
        "start": "hours",
        "nodes": {
            "hours": {
                "widget": "hours",
                **hours,
                "next": {"open": "open", "closed": "closed", "holiday": "holiday"},
            },
            "open": {"widget": "hangup", "text": "open"},
            "closed": {"widget": "hangup", "text": "closed"},
            "holiday": {"widget": "hangup", "text": "holiday"},
        },
    }


def _branch(document: dict[str, Any], at: datetime) -> str:
    flow = parse_flow(document)
    state = CallState("c", "acme", "desk", 1, Direction.INBOUND, "1", "2", at)
    result = step(flow, state, CallAnswered("leg", "CON", "1", "2"), at)
    first = result.actions[0]
    assert isinstance(first, Say)
    return first.text


@pytest.mark.parametrize(
    ("at", "branch"),
    [
        (datetime(2026, 12, 1, 9, 0, tzinfo=UTC), "open"),  # Tuesday 09:00 in London
        (datetime(2026, 12, 1, 17, 30, tzinfo=UTC), "closed"),  # the end is not open
        (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), "closed"),  # Saturday
        (datetime(2026, 7, 1, 8, 30, tzinfo=UTC), "open"),  # 09:30 BST
        (datetime(2026, 7, 1, 16, 45, tzinfo=UTC), "closed"),  # 17:45 BST
    ],
)
def test_weekly_hours_are_read_on_the_zones_wall_clock(at: datetime, branch: str) -> None:
    assert _branch(_flow({"open": WEEKDAYS}), at) == branch


def test_the_nodes_zone_wins_over_the_flows() -> None:
    # Monday 23:30 UTC is Tuesday 12:30 in Auckland
    at = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    hours = {"timezone": "Pacific/Auckland", "open": {"tue": ["12:00-13:00"]}}
    assert _branch(_flow(hours), at) == "open"
    assert _branch(_flow({"open": {"tue": ["12:00-13:00"]}}), at) == "closed"


def test_public_holidays_and_closed_dates_take_the_holiday_branch() -> None:
    hours = {"open": WEEKDAYS, "holidays": {"country": "GB", "subdivision": "ENG"}}
    # Christmas Day 2026 is a Friday, in hours
    assert _branch(_flow(hours), datetime(2026, 12, 25, 10, 0, tzinfo=UTC)) == "holiday"
    # the business's own closed date
    closed = {**hours, "closed_on": ["2026-12-24"]}
    assert _branch(_flow(closed), datetime(2026, 12, 24, 10, 0, tzinfo=UTC)) == "holiday"
    # an ordinary Friday
    assert _branch(_flow(hours), datetime(2026, 12, 18, 10, 0, tzinfo=UTC)) == "open"


def test_a_holiday_goes_to_closed_when_no_holiday_branch_is_wired() -> None:
    document = _flow({"open": WEEKDAYS, "closed_on": ["2026-12-24"]})
    del document["nodes"]["hours"]["next"]["holiday"]
    del document["nodes"]["holiday"]
    assert _branch(document, datetime(2026, 12, 24, 10, 0, tzinfo=UTC)) == "closed"


@pytest.mark.parametrize(
    ("hours", "timezone", "says"),
    [
        ({"open": {"mon": ["9-5"]}}, "UTC", "write opening hours as HH:MM-HH:MM"),
        ({"open": {"mon": ["22:00-02:00"]}}, "UTC", "past midnight as two days' ranges"),
        ({"open": {"monday": ["09:00-17:00"]}}, "UTC", "the days are mon, tue"),
        ({"open": WEEKDAYS}, "London", "unknown time zone 'London'"),
        ({"open": WEEKDAYS, "timezone": "Mars/Olympus"}, "UTC", "unknown time zone"),
        ({"open": WEEKDAYS, "holidays": {"country": "XX"}}, "UTC", "no public holidays are known"),
        (
            {"open": WEEKDAYS, "holidays": {"country": "GB", "subdivision": "XYZ"}},
            "UTC",
            "unknown subdivision 'XYZ' of GB",
        ),
    ],
)
def test_an_authors_mistake_is_refused_at_load_with_what_to_write(
    hours: dict[str, Any], timezone: str, says: str
) -> None:
    with pytest.raises(FlowValidationError) as refused:
        parse_flow(_flow(hours, timezone))
    assert says in " ".join(refused.value.problems)


def test_sys_variables_are_the_flows_wall_clock() -> None:
    document = {
        "id": "clock",
        "name": "Clock",
        "timezone": "America/New_York",
        "start": "say",
        "nodes": {"say": {"widget": "hangup", "text": "$sys.datetime $sys.timezone"}},
    }
    assert (
        _branch(document, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
        == "2026-12-01 10:00:00 America/New_York"
    )
