"""Calling windows in the called party's local time: when a campaign may call a contact.

A ``CallingWindow`` is a set of weekdays and a time of day (``"Mon-Fri 09:00-18:00"``, parsed by
``parse_window`` and written back by ``str``). Whether a contact may be called now
(``is_open``), and when it next may be (``next_opening``), is read on the clocks of the zones of
the contact's number (``zones_of_number``: phonenumbers' prefix-to-zone data; a US number by its
area code). A number that maps to several zones (a US toll-free number, an Australian or Russian
mobile) is called only when the window is open in ALL of them: "local time at the called
party's location" (47 CFR 64.1200(c)(1)) read the safe way, the most restrictive window
(FACTS-operations section 4). A number with no known zone is read on a fallback zone (the
account's). ``US_TCPA`` and ``INDIA_TRAI`` are the regulatory defaults.

A window never crosses midnight: it ends after it starts on the same day (``"21:00-08:00"`` is
refused with a message saying so), which keeps "which day's window is this" unambiguous across
DST changes; a window is open from ``start`` (included) to ``end`` (excluded) on the wall clock.
On a day whose clocks jump over ``start`` it opens when they land past it; on a day whose clocks
fall back through it, it may open twice. ``next_opening`` is exact across DST changes: it
checks every instant at which any zone's window can open (its start on each day, and each of
the zone's offset changes) within a seven-day horizon.

Pure: no I/O, the moment is passed in. Imports the standard library, ``phonenumbers`` (its
time-zone data lazily, on the first lookup), ``chalicelib.flows.timezones`` and
``chalicelib.errors``; must not import the store, the web layer or the wiring.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache

from chalicelib.errors import ValidationError
from chalicelib.flows.timezones import DEFAULT_ZONE, zone

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Weekdays as windows name them; index 0 is Monday, as ``datetime.weekday()``."""
EVERY_DAY = frozenset(range(7))
SEARCH_HORIZON = timedelta(days=7)
"""How far ahead ``next_opening`` looks: a weekly window opens within it if it ever does."""
UNKNOWN_ZONE = "Etc/Unknown"
"""What phonenumbers answers for a number it cannot place."""
MAX_WINDOW_CHARS = 64
FORMS = (
    "'09:00-21:00' (every day), 'Mon-Fri 09:00-18:00', 'Mon,Wed,Fri 10:00-12:30' or "
    "'Sat-Sun 10:00-16:00' (days: Mon Tue Wed Thu Fri Sat Sun)"
)

_TIME = r"([0-9]{1,2}):([0-9]{2})"
_WINDOW = re.compile(rf"^(?:(?P<days>[A-Za-z,\- ]+?)\s+)?{_TIME}\s*-\s*{_TIME}$")
_DAY_ITEM = re.compile(r"^([A-Za-z]{3})(?:\s*-\s*([A-Za-z]{3}))?$")
_OFFSET_STEP = timedelta(hours=1)
"""How finely ``next_opening`` samples a zone's offset to find its changes (no zone changes its
offset twice within an hour)."""


@dataclass(frozen=True)
class CallingWindow:
    """The weekdays (0 = Monday .. 6 = Sunday) and the time of day, on the called party's wall
    clock, in which a campaign may call: from ``start`` (included) to ``end`` (excluded), which
    is later the same day."""

    days: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        days = frozenset(self.days)
        object.__setattr__(self, "days", days)
        if not days or not days <= EVERY_DAY:
            raise ValidationError(f"a calling window's days are some of 0 (Monday) to 6: {days}")
        for moment in (self.start, self.end):
            if moment.tzinfo is not None or moment.second or moment.microsecond:
                raise ValidationError(
                    f"a calling window's times are whole minutes of the wall clock: {moment}"
                )
        if self.end <= self.start:
            raise ValidationError(
                f"the calling window {_hhmm(self.start)}-{_hhmm(self.end)} does not end after it "
                "starts: a window ends later the same day (windows across midnight are not "
                "supported)"
            )

    def __str__(self) -> str:
        times = f"{_hhmm(self.start)}-{_hhmm(self.end)}"
        return times if self.days == EVERY_DAY else f"{_days_text(self.days)} {times}"

    def contains(self, wall: datetime) -> bool:
        """Whether a wall-clock moment (its weekday and time of day) is inside the window."""
        return wall.weekday() in self.days and self.start <= wall.time() < self.end


US_TCPA = CallingWindow(EVERY_DAY, time(8, 0), time(21, 0))
"""47 CFR 64.1200(c)(1) and the FTC's TSR: no telephone solicitation before 8 a.m. or after
9 p.m. at the called party's location (states may be stricter)."""
INDIA_TRAI = CallingWindow(EVERY_DAY, time(9, 0), time(21, 0))
"""TRAI: commercial calls only 09:00-21:00."""


def _hhmm(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _days_text(days: frozenset[int]) -> str:
    """Runs of three days or more as ranges (``Mon-Fri``), the rest one by one (``Sat,Sun``)."""
    ordered = sorted(days)
    runs: list[list[int]] = []
    for day in ordered:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[day] for day in run)
    return ",".join(parts)


def _day(name: str, text: str) -> int:
    lowered = [day.lower() for day in DAY_NAMES]
    if name.lower() not in lowered:
        raise ValidationError(
            f"calling window {text!r}: {name!r} is not a day (Mon Tue Wed Thu Fri Sat Sun)"
        )
    return lowered.index(name.lower())


def _parse_days(spec: str, text: str) -> frozenset[int]:
    days: set[int] = set()
    for item in spec.split(","):
        match = _DAY_ITEM.fullmatch(item.strip())
        if match is None:
            raise ValidationError(
                f"calling window {text!r}: {item.strip()!r} is neither a day nor a range of days "
                "('Mon', 'Mon-Fri')"
            )
        first = _day(match[1], text)
        last = first if match[2] is None else _day(match[2], text)
        # a range may wrap over the week's end: Fri-Mon is Fri, Sat, Sun, Mon
        span = (last - first) % 7
        days.update((first + step) % 7 for step in range(span + 1))
    return frozenset(days)


def _parse_time(hours: str, minutes: str, text: str) -> time:
    if int(hours) > 23 or int(minutes) > 59:
        raise ValidationError(
            f"calling window {text!r}: {hours}:{minutes} is not a time of day (00:00 to 23:59)"
        )
    return time(int(hours), int(minutes))


def parse_window(text: str) -> CallingWindow:
    """The window ``text`` names (days optional, English three-letter names in any case, then
    ``HH:MM-HH:MM``); ``ValidationError`` saying what is wrong and which forms are taken."""
    if not isinstance(text, str) or len(text) > MAX_WINDOW_CHARS:
        raise ValidationError(f"a calling window is a short text such as {FORMS}")
    stripped = " ".join(text.split())
    match = _WINDOW.fullmatch(stripped)
    if match is None:
        raise ValidationError(f"calling window {text!r} is not of the forms {FORMS}")
    days = EVERY_DAY if match["days"] is None else _parse_days(match["days"], text)
    start = _parse_time(match[2], match[3], text)
    end = _parse_time(match[4], match[5], text)
    if end <= start:
        raise ValidationError(
            f"calling window {text!r} does not end after it starts: a window ends later the "
            "same day (windows across midnight are not supported)"
        )
    return CallingWindow(days, start, end)


@lru_cache(maxsize=4096)
def zones_of_number(e164_digits: str) -> tuple[str, ...]:
    """The IANA zones of a number in E.164 digits (with or without '+'), as phonenumbers maps
    its prefix (a US number by its area code; a country with several zones, or a mobile number
    of one, may give several); ``()`` when the number or its zone is unknown. Zones the zone
    data does not know are left out."""
    import phonenumbers
    from phonenumbers.timezone import time_zones_for_number

    digits = e164_digits.strip().removeprefix("+")
    if not digits.isascii() or not digits.isdigit():
        return ()
    try:
        parsed = phonenumbers.parse(f"+{digits}")
    except phonenumbers.NumberParseException:
        return ()
    known: list[str] = []
    for name in time_zones_for_number(parsed):
        if name == UNKNOWN_ZONE:
            continue
        try:
            zone(name)
        except ValueError:
            continue
        known.append(name)
    return tuple(known)


def _zones(zones: Iterable[str], fallback_zone: str) -> tuple[tzinfo, ...]:
    names = tuple(zones) or (fallback_zone,)
    try:
        return tuple(zone(name) for name in dict.fromkeys(names))
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"the moment must be timezone-aware, got {now.isoformat()}")
    return now.astimezone(UTC)


def _open_everywhere(window: CallingWindow, zones: Sequence[tzinfo], moment: datetime) -> bool:
    return all(window.contains(moment.astimezone(place)) for place in zones)


def is_open(
    window: CallingWindow,
    zones: Sequence[str],
    now: datetime,
    fallback_zone: str = DEFAULT_ZONE,
) -> bool:
    """Whether ``window`` is open at ``now`` (aware) on the wall clock of every zone in
    ``zones`` (no zones: ``fallback_zone``'s)."""
    return _open_everywhere(window, _zones(zones, fallback_zone), _aware(now))


def _openings(
    window: CallingWindow, place: tzinfo, since: datetime, until: datetime
) -> Iterable[datetime]:
    """Instants (UTC) in [since, until] at which the window may open in zone ``place``: its
    start on each of its days, on either side of a fall-back (both folds), and every change
    of the zone's offset (a spring-forward that jumps over the start, a fall-back that jumps
    back into the window)."""
    first: date = since.astimezone(place).date() - timedelta(days=1)
    last: date = until.astimezone(place).date() + timedelta(days=1)
    day = first
    while day <= last:
        if day.weekday() in window.days:
            wall = datetime.combine(day, window.start)
            for fold in (0, 1):
                yield wall.replace(tzinfo=place, fold=fold).astimezone(UTC)
        day += timedelta(days=1)
    yield from _offset_changes(place, since, until)


def _offset_at(place: tzinfo, seconds: int) -> timedelta | None:
    return datetime.fromtimestamp(seconds, UTC).astimezone(place).utcoffset()


def _offset_changes(place: tzinfo, since: datetime, until: datetime) -> Iterable[datetime]:
    """The instants (UTC, whole seconds) in (since, until] at which ``place`` changes its
    offset: sampled hourly, each change then found to the second by bisection."""
    step = int(_OFFSET_STEP.total_seconds())
    low = int(since.timestamp())
    end = int(until.timestamp())
    before = _offset_at(place, low)
    while low < end:
        high = min(low + step, end)
        after = _offset_at(place, high)
        if after != before:
            left, right = low, high  # offset(left) == before, offset(right) != before
            while right - left > 1:
                middle = (left + right) // 2
                if _offset_at(place, middle) == before:
                    left = middle
                else:
                    right = middle
            yield datetime.fromtimestamp(right, UTC)
        low, before = high, after


def next_opening(
    window: CallingWindow,
    zones: Sequence[str],
    now: datetime,
    fallback_zone: str = DEFAULT_ZONE,
    horizon: timedelta = SEARCH_HORIZON,
) -> datetime | None:
    """The earliest instant (aware, UTC) at or after ``now`` at which ``window`` is open on the
    wall clock of every zone in ``zones`` (no zones: ``fallback_zone``'s); ``now`` itself when
    it is open already; None when that never happens within ``horizon`` (zones so far apart
    that their windows never overlap: the contact is outside the window)."""
    places = _zones(zones, fallback_zone)
    start = _aware(now)
    until = start + horizon
    if _open_everywhere(window, places, start):
        return start
    candidates = sorted(
        {
            moment
            for place in places
            for moment in _openings(window, place, start, until)
            if start <= moment <= until
        }
    )
    for moment in candidates:
        if _open_everywhere(window, places, moment):
            return moment
    return None
