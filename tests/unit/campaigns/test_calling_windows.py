"""Calling windows in the contact's local time: GIVEN windows written as campaigns write them,
numbers of several countries and moments around weekends, midnight and DST changes, THEN a
window parses to its days and times (and back to its canonical text), anything else is refused
with a message saying what is wrong; a number maps to its zones (none when unknown); a window is
open only when it is open on the clock of EVERY zone of the number (the account's zone when the
number has none); and the next opening is the earliest such instant, exact across DST changes,
or None when the zones' windows never overlap."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from chalicelib.campaigns.windows import (
    EVERY_DAY,
    INDIA_TRAI,
    US_TCPA,
    CallingWindow,
    is_open,
    next_opening,
    parse_window,
    zones_of_number,
)
from chalicelib.errors import ValidationError

LONDON = ("Europe/London",)
NEW_YORK = ("America/New_York",)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# -- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "start", "end", "canonical"),
    [
        ("09:00-21:00", EVERY_DAY, time(9), time(21), "09:00-21:00"),
        ("Mon-Fri 09:00-18:00", {0, 1, 2, 3, 4}, time(9), time(18), "Mon-Fri 09:00-18:00"),
        ("Mon-Sat 08:00-21:00", {0, 1, 2, 3, 4, 5}, time(8), time(21), "Mon-Sat 08:00-21:00"),
        ("Mon,Wed,Fri 10:00-12:30", {0, 2, 4}, time(10), time(12, 30), "Mon,Wed,Fri 10:00-12:30"),
        ("mon-FRI 9:00 - 18:00", {0, 1, 2, 3, 4}, time(9), time(18), "Mon-Fri 09:00-18:00"),
        ("  Sat, sun   10:00-16:00 ", {5, 6}, time(10), time(16), "Sat,Sun 10:00-16:00"),
        ("Fri-Mon 10:00-11:00", {4, 5, 6, 0}, time(10), time(11), "Mon,Fri-Sun 10:00-11:00"),
        ("Mon-Sun 00:00-23:59", EVERY_DAY, time(0), time(23, 59), "00:00-23:59"),
        ("Tue 07:05-07:06", {1}, time(7, 5), time(7, 6), "Tue 07:05-07:06"),
    ],
)
def test_a_window_parses_to_its_days_and_times_and_back(
    text: str, days: set[int], start: time, end: time, canonical: str
) -> None:
    # WHEN the text is parsed
    window = parse_window(text)
    # THEN it holds those days and times, writes back canonically, and that text parses the same
    assert (window.days, window.start, window.end) == (frozenset(days), start, end)
    assert str(window) == canonical
    assert parse_window(str(window)) == window


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("21:00-08:00", "does not end after it starts"),
        ("09:00-09:00", "does not end after it starts"),
        ("Mon-Fry 09:00-18:00", "'Fry' is not a day"),
        ("Monday 09:00-18:00", "neither a day nor a range of days"),
        ("Mon,,Fri 09:00-18:00", "neither a day nor a range of days"),
        ("24:00-25:00", "is not a time of day"),
        ("09:60-10:00", "is not a time of day"),
        ("0900-1800", "is not of the forms"),
        ("Mon-Fri", "is not of the forms"),
        ("9-17", "is not of the forms"),
        ("", "is not of the forms"),
        ("Mon-Fri 09:00-18:00 UTC", "is not of the forms"),
        ("x" * 65, "a short text"),
    ],
)
def test_anything_else_is_refused_saying_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValidationError, match=says) as refused:
        parse_window(text)
    # AND the forms that are taken are named where the shape is wrong
    if "forms" in says or "short" in says:
        assert "Mon-Fri 09:00-18:00" in str(refused.value)


def test_a_window_is_refused_when_built_wrong() -> None:
    with pytest.raises(ValidationError, match="does not end after it starts"):
        CallingWindow(EVERY_DAY, time(21), time(8))
    with pytest.raises(ValidationError, match="days"):
        CallingWindow(frozenset(), time(8), time(21))
    with pytest.raises(ValidationError, match="days"):
        CallingWindow(frozenset({7}), time(8), time(21))
    with pytest.raises(ValidationError, match="whole minutes"):
        CallingWindow(EVERY_DAY, time(8, 0, 30), time(21))


def test_the_regulatory_presets() -> None:
    assert str(US_TCPA) == "08:00-21:00" and US_TCPA.days == EVERY_DAY
    assert str(INDIA_TRAI) == "09:00-21:00" and INDIA_TRAI.days == EVERY_DAY


# -- zones of numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "zones"),
    [
        ("442071234567", ("Europe/London",)),  # London landline
        # a UK mobile: the UK and the Crown Dependencies (one clock)
        (
            "+447911123456",
            ("Europe/Guernsey", "Europe/Isle_of_Man", "Europe/Jersey", "Europe/London"),
        ),
        ("447700900123", ()),  # Ofcom's drama range: not a number in service, no zone
        ("12125551234", ("America/New_York",)),  # Manhattan, by its area code
        ("13105551234", ("America/Los_Angeles",)),  # Los Angeles
        ("13125551234", ("America/Chicago",)),  # Chicago
        ("919876543210", ("Asia/Calcutta",)),  # an Indian mobile (tzdata's link to Kolkata)
        ("61291234567", ("Australia/Sydney",)),  # a Sydney landline
        ("15555555555", ()),  # a US number phonenumbers cannot place
        ("999123456789", ()),  # no such country code
        ("not-a-number", ()),
        ("", ()),
    ],
)
def test_a_number_maps_to_its_zones(number: str, zones: tuple[str, ...]) -> None:
    assert zones_of_number(number) == zones


def test_a_mobile_of_a_country_with_several_zones_maps_to_all_of_them() -> None:
    # GIVEN an Australian mobile number (not tied to a place)
    zones = zones_of_number("61412345678")
    # THEN every Australian zone is a candidate
    assert {"Australia/Perth", "Australia/Sydney", "Australia/Adelaide"} <= set(zones)
    assert len(zones) > 3


# -- is_open -------------------------------------------------------------------------------


def test_open_on_the_contacts_weekdays_and_hours_only() -> None:
    window = parse_window("Mon-Fri 09:00-18:00")
    # GIVEN a London contact in May (BST, UTC+1); 2024-05-03 is a Friday
    assert is_open(window, LONDON, utc(2024, 5, 3, 8, 0))  # 09:00 local: opens (included)
    assert is_open(window, LONDON, utc(2024, 5, 3, 16, 59, 59))
    assert not is_open(window, LONDON, utc(2024, 5, 3, 17, 0))  # 18:00 local: closed (excluded)
    assert not is_open(window, LONDON, utc(2024, 5, 3, 7, 59))  # 08:59 local
    assert not is_open(window, LONDON, utc(2024, 5, 4, 12, 0))  # Saturday
    # AND the same UTC instant is read on the contact's clock, not UTC's
    assert not is_open(window, NEW_YORK, utc(2024, 5, 3, 8, 0))  # 04:00 in New York


def test_the_day_is_the_contacts_day() -> None:
    # GIVEN Friday 23:30 UTC, already Saturday in Sydney
    window = parse_window("Mon-Fri 09:00-23:59")
    moment = utc(2024, 5, 3, 23, 30)
    assert is_open(window, ("UTC",), moment)
    assert not is_open(window, ("Australia/Sydney",), moment)  # Saturday 09:30 there


def test_a_number_without_a_known_zone_is_read_on_the_fallback_zone() -> None:
    window = parse_window("09:00-21:00")
    moment = utc(2024, 5, 3, 7, 30)  # 08:30 in London, 09:30 in Paris
    assert not is_open(window, (), moment, fallback_zone="Europe/London")
    assert is_open(window, (), moment, fallback_zone="Europe/Paris")
    assert not is_open(window, (), moment)  # the default fallback is UTC: 07:30


def test_several_zones_are_open_only_when_all_are() -> None:
    # GIVEN a contact whose number maps to London and New York, in May (UTC+1 and UTC-4):
    # 09:00-18:00 is 08:00-17:00 UTC in London, 13:00-22:00 UTC in New York
    window = parse_window("09:00-18:00")
    both = ("Europe/London", "America/New_York")
    assert not is_open(window, both, utc(2024, 5, 1, 12, 59))
    assert is_open(window, both, utc(2024, 5, 1, 13, 0))
    assert is_open(window, both, utc(2024, 5, 1, 16, 59))
    assert not is_open(window, both, utc(2024, 5, 1, 17, 0))
    # AND it opens when the later of the two opens
    assert next_opening(window, both, utc(2024, 5, 1, 6, 0)) == utc(2024, 5, 1, 13, 0)


def test_a_naive_moment_or_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        is_open(US_TCPA, NEW_YORK, datetime(2024, 5, 1, 12, 0))
    with pytest.raises(ValidationError, match="unknown time zone"):
        is_open(US_TCPA, ("Mars/Olympus_Mons",), utc(2024, 5, 1))


# -- next_opening --------------------------------------------------------------------------


def test_open_now_is_now() -> None:
    now = utc(2024, 5, 1, 15, 0, 0) + timedelta(microseconds=5)
    assert next_opening(US_TCPA, NEW_YORK, now) == now


def test_after_closing_it_is_the_next_days_opening() -> None:
    # GIVEN 21:30 in New York (EDT) / THEN 08:00 EDT the next morning, across midnight
    assert next_opening(US_TCPA, NEW_YORK, utc(2024, 5, 2, 1, 30)) == utc(2024, 5, 2, 12, 0)
    # AND before opening the same day it is that morning's opening
    assert next_opening(US_TCPA, NEW_YORK, utc(2024, 5, 2, 11, 0)) == utc(2024, 5, 2, 12, 0)


def test_after_fridays_close_it_is_mondays_opening() -> None:
    window = parse_window("Mon-Fri 09:00-18:00")
    # Friday 2024-05-03 18:00 BST -> Monday 2024-05-06 09:00 BST (08:00 UTC)
    assert next_opening(window, LONDON, utc(2024, 5, 3, 17, 0)) == utc(2024, 5, 6, 8, 0)


def test_a_weekly_window_opens_within_the_horizon() -> None:
    window = parse_window("Mon 10:00-11:00")
    # just after Monday's window closed: next Monday, six days and 23 hours on
    assert next_opening(window, ("UTC",), utc(2024, 5, 6, 11, 0)) == utc(2024, 5, 13, 10, 0)
    # AND with a shorter horizon it is not found
    short = timedelta(days=3)
    assert next_opening(window, ("UTC",), utc(2024, 5, 6, 11, 0), horizon=short) is None


def test_the_opening_follows_londons_clock_change() -> None:
    # GIVEN Europe/London springs forward on Sunday 2024-03-31 at 01:00 UTC (GMT -> BST)
    window = parse_window("09:00-21:00")
    # THEN Saturday's window opens at 09:00 GMT (09:00 UTC), Sunday's at 09:00 BST (08:00 UTC)
    assert next_opening(window, LONDON, utc(2024, 3, 29, 22, 0)) == utc(2024, 3, 30, 9, 0)
    assert next_opening(window, LONDON, utc(2024, 3, 30, 22, 0)) == utc(2024, 3, 31, 8, 0)
    # AND it closes at 21:00 BST on the Sunday (20:00 UTC)
    assert is_open(window, LONDON, utc(2024, 3, 31, 19, 59))
    assert not is_open(window, LONDON, utc(2024, 3, 31, 20, 0))
    # AND after falling back on Sunday 2024-10-27 it opens at 09:00 GMT again
    assert next_opening(window, LONDON, utc(2024, 10, 26, 22, 0)) == utc(2024, 10, 27, 9, 0)


def test_a_window_whose_start_the_clocks_jump_over_opens_when_they_land() -> None:
    # GIVEN a window from 01:30 and London's clocks jumping from 01:00 GMT to 02:00 BST
    window = parse_window("01:30-03:00")
    # THEN it opens at the jump (01:00 UTC, 02:00 BST), not an hour later
    assert next_opening(window, LONDON, utc(2024, 3, 31, 0, 0)) == utc(2024, 3, 31, 1, 0)
    # AND a window inside the hour that does not exist that day opens only the next day
    missing = parse_window("01:10-01:50")
    assert next_opening(missing, LONDON, utc(2024, 3, 31, 0, 0)) == utc(2024, 4, 1, 0, 10)


def test_the_opening_follows_new_yorks_clock_change() -> None:
    # GIVEN America/New_York springs forward on Sunday 2024-03-10 at 07:00 UTC (EST -> EDT)
    # THEN 08:00 local is 13:00 UTC on the Saturday and 12:00 UTC on the Sunday
    assert next_opening(US_TCPA, NEW_YORK, utc(2024, 3, 9, 3, 0)) == utc(2024, 3, 9, 13, 0)
    assert next_opening(US_TCPA, NEW_YORK, utc(2024, 3, 10, 3, 0)) == utc(2024, 3, 10, 12, 0)
    # AND it falls back on Sunday 2024-11-03 at 06:00 UTC: 08:00 EST is 13:00 UTC again
    assert next_opening(US_TCPA, NEW_YORK, utc(2024, 11, 3, 3, 0)) == utc(2024, 11, 3, 13, 0)


def test_a_window_in_the_hour_that_repeats_opens_twice() -> None:
    # GIVEN New York falling back at 06:00 UTC on 2024-11-03: 01:00-02:00 local happens twice
    window = parse_window("01:00-01:45")
    # THEN it opens at 01:00 EDT (05:00 UTC), closes at 01:45 EDT and opens again at 01:00 EST
    assert next_opening(window, NEW_YORK, utc(2024, 11, 3, 4, 0)) == utc(2024, 11, 3, 5, 0)
    assert not is_open(window, NEW_YORK, utc(2024, 11, 3, 5, 50))
    assert next_opening(window, NEW_YORK, utc(2024, 11, 3, 5, 50)) == utc(2024, 11, 3, 6, 0)


def test_two_zones_whose_clocks_change_on_different_dates() -> None:
    # GIVEN 2024-03-20: New York is on EDT (UTC-4) since 10 March, London still on GMT until
    # 31 March; 09:00-18:00 is 09:00-18:00 UTC in London and 13:00-22:00 UTC in New York
    window = parse_window("09:00-18:00")
    both = ("Europe/London", "America/New_York")
    assert next_opening(window, both, utc(2024, 3, 20, 0, 0)) == utc(2024, 3, 20, 13, 0)
    assert is_open(window, both, utc(2024, 3, 20, 17, 59))
    assert not is_open(window, both, utc(2024, 3, 20, 18, 0))


def test_zones_whose_windows_never_overlap_have_no_opening() -> None:
    # GIVEN Tokyo (UTC+9) and New York: 09:00-17:00 is 00:00-08:00 UTC in Tokyo and
    # 13:00-21:00 UTC in New York; never both
    window = parse_window("09:00-17:00")
    apart = ("Asia/Tokyo", "America/New_York")
    assert next_opening(window, apart, utc(2024, 5, 1)) is None
    assert not any(is_open(window, apart, utc(2024, 5, 1) + timedelta(hours=h)) for h in range(48))


def test_a_mobile_spanning_a_continent_is_called_when_every_zone_is_open() -> None:
    # GIVEN an Australian mobile: open only where every Australian zone is inside 09:00-21:00
    zones = zones_of_number("61412345678")
    opening = next_opening(INDIA_TRAI, zones, utc(2024, 5, 1))
    assert opening is not None
    for name in zones:
        local = opening.astimezone(__import__("zoneinfo").ZoneInfo(name))
        assert time(9) <= local.time() < time(21), name


@pytest.mark.parametrize(
    ("text", "zones", "start"),
    [
        ("09:00-21:00", LONDON, utc(2024, 3, 29, 12, 0)),
        ("Mon-Fri 08:00-09:30", NEW_YORK, utc(2024, 3, 8, 20, 0)),
        ("01:00-01:45", NEW_YORK, utc(2024, 11, 2, 12, 0)),
        ("01:00-04:00", ("Europe/London", "Europe/Paris"), utc(2024, 3, 30, 12, 0)),
        ("Sat,Sun 09:00-13:00", ("Australia/Sydney", "Australia/Perth"), utc(2024, 4, 3, 0, 0)),
    ],
)
def test_the_next_opening_is_the_first_open_minute(
    text: str, zones: tuple[str, ...], start: datetime
) -> None:
    # GIVEN a window and a start around DST changes / WHEN every minute after it is checked
    window = parse_window(text)
    opening = next_opening(window, zones, start)
    first = next(
        (
            start + timedelta(minutes=m)
            for m in range(4 * 24 * 60)
            if is_open(window, zones, start + timedelta(minutes=m))
        ),
        None,
    )
    # THEN next_opening found that first open minute
    assert opening is not None and opening == first
