"""Schedule expressions as AWS spells them, parsed strictly and turned into fire times.

Owns the grammar of EventBridge rule expressions (``rate()`` and ``cron()``, always UTC) and of
EventBridge Scheduler expressions (``at()``, ``rate()``, ``cron()`` in a schedule's time zone),
for the local event pump: moto stores these expressions but never fires them, and accepts
garbage, so every expression is validated here and a bad one raises :class:`ExpressionError`.

Supported, as documented by AWS:

- ``at(yyyy-mm-ddThh:mm:ss)``: one time, in the schedule's time zone (Scheduler only).
- ``rate(value unit)``: ``unit`` is ``minute``/``hour``/``day`` for a value of 1 and
  ``minutes``/``hours``/``days`` above 1 (AWS rejects the other spelling, so this does too).
  Fires every period after its anchor (rule: when the pump first saw it; Scheduler: the
  schedule's ``StartDate`` or creation time).
- ``cron(minutes hours day-of-month month day-of-week year)``: six fields; ``, - * /`` in every
  field, ``JAN``-``DEC`` and ``SUN``-``SAT`` (1 = Sunday, 7 = Saturday), ``?`` in exactly one of
  day-of-month and day-of-week, and the single-token forms ``L``, ``LW``, ``nW`` (day-of-month)
  and ``L``, ``nL``, ``n#k`` (day-of-week). Ranges must ascend (no wrap-around such as
  ``FRI-MON``). A local time that a DST change skips is resolved by ``zoneinfo`` (fold 0).

Imports the standard library only.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ExpressionError(ValueError):
    """A schedule expression that AWS would reject (or that moto accepted anyway)."""


_AT = re.compile(r"^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$")
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_CRON = re.compile(r"^cron\(([^()]+)\)$")
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_MONTH_NAMES = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAY_NAMES = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_YEARS = (1970, 2199)


def zone(name: str | None) -> ZoneInfo:
    """The IANA time zone ``name`` (``UTC`` when empty)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ExpressionError(f"unknown time zone {name!r}") from error


@dataclass(frozen=True)
class At:
    """A one-time schedule: fires once at ``when`` (an aware datetime)."""

    when: datetime

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """``when`` if it is later than ``after``, else nothing."""
        return self.when if self.when > after else None


@dataclass(frozen=True)
class Rate:
    """A fixed period, counted from an anchor."""

    period: timedelta

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """The first ``anchor + k * period`` (k >= 1) strictly later than ``after``."""
        if after < anchor:
            return anchor + self.period
        elapsed = (after - anchor) // self.period
        return anchor + (elapsed + 1) * self.period


@dataclass(frozen=True)
class DayOfMonth:
    """The day-of-month field: a set of days, or one of ``L``, ``LW``, ``nW``, or ``?``."""

    days: frozenset[int] = frozenset()
    last: bool = False
    last_weekday: bool = False
    nearest_weekday: int | None = None
    unspecified: bool = False

    def matches(self, day: date) -> bool:
        """Whether ``day`` is selected by this field."""
        length = calendar.monthrange(day.year, day.month)[1]
        if self.last:
            return day.day == length
        if self.last_weekday:
            return day == _nearest_weekday(date(day.year, day.month, length))
        if self.nearest_weekday is not None:
            if self.nearest_weekday > length:
                return False
            return day == _nearest_weekday(date(day.year, day.month, self.nearest_weekday))
        return day.day in self.days


@dataclass(frozen=True)
class DayOfWeek:
    """The day-of-week field (1 = Sunday): a set of days, ``nL``, ``n#k``, or ``?``."""

    days: frozenset[int] = frozenset()
    last_of: int | None = None
    nth: tuple[int, int] | None = None
    unspecified: bool = False

    def matches(self, day: date) -> bool:
        """Whether ``day`` is selected by this field."""
        weekday = day.isoweekday() % 7 + 1
        if self.last_of is not None:
            length = calendar.monthrange(day.year, day.month)[1]
            return weekday == self.last_of and day.day + 7 > length
        if self.nth is not None:
            wanted, k = self.nth
            return weekday == wanted and (day.day - 1) // 7 + 1 == k
        return weekday in self.days


@dataclass(frozen=True)
class Cron:
    """A six-field AWS cron expression in time zone ``tz``."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    day_of_month: DayOfMonth
    months: frozenset[int]
    day_of_week: DayOfWeek
    years: frozenset[int]
    tz: ZoneInfo

    def _day_matches(self, day: date) -> bool:
        if self.day_of_month.unspecified:
            return self.day_of_week.matches(day)
        return self.day_of_month.matches(day)

    def next_after(self, after: datetime, anchor: datetime) -> datetime | None:
        """The first fire time strictly later than ``after`` (an aware datetime), or nothing."""
        local = after.astimezone(self.tz).replace(tzinfo=None)
        start = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        last_year = max(self.years)
        while day.year <= last_year:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if day.month not in self.months:
                day = _first_of_next_month(day)
                continue
            if self._day_matches(day):
                found = self._first_time_on(day, start, after)
                if found is not None:
                    return found
            day += timedelta(days=1)
        return None

    def _first_time_on(self, day: date, start: datetime, after: datetime) -> datetime | None:
        for hour in self.hours:
            for minute in self.minutes:
                wall = datetime.combine(day, time(hour, minute))
                if wall < start:
                    continue
                candidate = wall.replace(tzinfo=self.tz).astimezone(UTC)
                if candidate > after:
                    return candidate
        return None


Expression = At | Rate | Cron


def _nearest_weekday(day: date) -> date:
    """The weekday nearest to ``day`` within its month (AWS/Quartz ``W``)."""
    weekday = day.weekday()
    if weekday < 5:
        return day
    length = calendar.monthrange(day.year, day.month)[1]
    if weekday == 5:
        return day - timedelta(days=1) if day.day > 1 else day + timedelta(days=2)
    return day + timedelta(days=1) if day.day < length else day - timedelta(days=2)


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _value(token: str, low: int, high: int, names: dict[str, int], field: str) -> int:
    token = token.upper()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ExpressionError(f"bad {field} value {token!r}")
    value = int(token)
    if not low <= value <= high:
        raise ExpressionError(f"{field} value {value} outside {low}-{high}")
    return value


def _values(text: str, low: int, high: int, names: dict[str, int], field: str) -> frozenset[int]:
    selected: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ExpressionError(f"bad {field} step {step_text!r}")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            first_text, _, last_text = base.partition("-")
            first = _value(first_text, low, high, names, field)
            last = _value(last_text, low, high, names, field)
            if first > last:
                raise ExpressionError(f"descending {field} range {base!r}")
        else:
            first = _value(base, low, high, names, field)
            last = high if step_text else first
        selected.update(range(first, last + 1, step))
    return frozenset(selected)


def _day_of_month(text: str) -> DayOfMonth:
    if text == "?":
        return DayOfMonth(unspecified=True)
    if text == "L":
        return DayOfMonth(last=True)
    if text == "LW":
        return DayOfMonth(last_weekday=True)
    weekday = re.fullmatch(r"(\d{1,2})W", text)
    if weekday:
        return DayOfMonth(nearest_weekday=_value(weekday.group(1), 1, 31, {}, "day-of-month"))
    return DayOfMonth(days=_values(text, 1, 31, {}, "day-of-month"))


def _day_of_week(text: str) -> DayOfWeek:
    if text == "?":
        return DayOfWeek(unspecified=True)
    if text == "L":
        return DayOfWeek(days=frozenset({7}))
    last = re.fullmatch(r"([1-7]|[A-Za-z]{3})L", text)
    if last:
        return DayOfWeek(last_of=_value(last.group(1), 1, 7, _DAY_NAMES, "day-of-week"))
    nth = re.fullmatch(r"([1-7]|[A-Za-z]{3})#([1-5])", text)
    if nth:
        wanted = _value(nth.group(1), 1, 7, _DAY_NAMES, "day-of-week")
        return DayOfWeek(nth=(wanted, int(nth.group(2))))
    return DayOfWeek(days=_values(text, 1, 7, _DAY_NAMES, "day-of-week"))


def parse_cron(body: str, tz: ZoneInfo) -> Cron:
    """Parse the six fields inside ``cron(...)``."""
    fields = body.split()
    if len(fields) != 6:
        raise ExpressionError(f"cron needs 6 fields, got {len(fields)}")
    minutes, hours, dom, month, dow, year = fields
    day_of_month = _day_of_month(dom)
    day_of_week = _day_of_week(dow)
    if day_of_month.unspecified == day_of_week.unspecified:
        raise ExpressionError("cron needs '?' in exactly one of day-of-month and day-of-week")
    return Cron(
        minutes=tuple(sorted(_values(minutes, 0, 59, {}, "minutes"))),
        hours=tuple(sorted(_values(hours, 0, 23, {}, "hours"))),
        day_of_month=day_of_month,
        months=_values(month, 1, 12, _MONTH_NAMES, "month"),
        day_of_week=day_of_week,
        years=_values(year, *_YEARS, {}, "year"),
        tz=tz,
    )


def parse_rate(expression: str) -> Rate:
    """Parse ``rate(value unit)``."""
    match = _RATE.fullmatch(expression)
    if not match:
        raise ExpressionError(f"bad rate expression {expression!r}")
    value, unit = int(match.group(1)), match.group(2)
    if value == 0:
        raise ExpressionError("rate value must be positive")
    if (value == 1) == unit.endswith("s"):
        raise ExpressionError(f"rate unit {unit!r} does not agree with value {value}")
    return Rate(value * _UNITS[unit.rstrip("s")])


def parse_at(expression: str, tz: ZoneInfo) -> At:
    """Parse ``at(yyyy-mm-ddThh:mm:ss)`` in time zone ``tz``."""
    match = _AT.fullmatch(expression)
    if not match:
        raise ExpressionError(f"bad at() expression {expression!r}")
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        wall = datetime(year, month, day, hour, minute, second)
    except ValueError as error:
        raise ExpressionError(f"bad at() expression {expression!r}: {error}") from error
    return At(wall.replace(tzinfo=tz).astimezone(UTC))


def parse_rule_expression(expression: str) -> Rate | Cron:
    """An EventBridge rule expression (``@app.schedule``): ``rate()`` or ``cron()`` in UTC."""
    text = expression.strip()
    if text.startswith("rate("):
        return parse_rate(text)
    cron = _CRON.fullmatch(text)
    if cron:
        return parse_cron(cron.group(1), ZoneInfo("UTC"))
    raise ExpressionError(f"bad rule schedule expression {expression!r}")


def parse_scheduler_expression(expression: str, timezone_name: str | None = None) -> Expression:
    """An EventBridge Scheduler expression: ``at()``, ``rate()`` or ``cron()`` in its zone."""
    tz = zone(timezone_name)
    text = expression.strip()
    if text.startswith("at("):
        return parse_at(text, tz)
    if text.startswith("rate("):
        return parse_rate(text)
    cron = _CRON.fullmatch(text)
    if cron:
        return parse_cron(cron.group(1), tz)
    raise ExpressionError(f"bad schedule expression {expression!r}")
