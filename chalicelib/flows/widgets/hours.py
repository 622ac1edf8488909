"""The hours widget: is the business open now? Amazon Connect's "check hours of operation".

Weekly opening hours in an IANA time zone (the node's, else the flow's), closed dates of the
business's own, and the public holidays of a country (and subdivision) from the ``holidays``
library, imported only when a node names a country. Outputs ``open``, ``closed`` and
``holiday`` (a holiday goes to ``closed`` when ``holiday`` is not wired). Ranges are ``HH:MM-HH:MM``
in the zone's wall clock, ``24:00`` ends a day; a range past midnight is written as two days'
ranges. Pure: the moment comes from the engine; imports no I/O.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from typing import Any, ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chalicelib.flows.outcomes import Go, Outcome
from chalicelib.flows.timezones import check_zone, local
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(?P<start>[0-2]\d:[0-5]\d)-(?P<end>[0-2]\d:[0-5]\d)$")


def _minutes(text: str) -> int:
    hours, minutes = int(text[:2]), int(text[3:])
    if hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def parse_range(text: str) -> tuple[int, int]:
    """``HH:MM-HH:MM`` as minutes of the day [start, end); ``ValueError`` saying what is wrong."""
    match = _RANGE.match(text.strip())
    if match is None:
        raise ValueError(f"{text!r}: write opening hours as HH:MM-HH:MM, e.g. 09:00-17:30")
    start, end = _minutes(match["start"]), _minutes(match["end"])
    if end <= start:
        raise ValueError(
            f"{text!r} ends before it starts: write a range past midnight as two days' ranges "
            "(22:00-24:00 and 00:00-02:00)"
        )
    return start, end


class PublicHolidays(BaseModel):
    """Whose public holidays close the business: an ISO 3166 country and its subdivision."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str = Field(
        min_length=2,
        max_length=3,
        description="The country whose public holidays count, as an ISO 3166 code (`GB`).",
    )
    subdivision: str | None = Field(
        default=None,
        description="A state, province or nation of the country whose holidays count too (`ENG`).",
    )

    @model_validator(mode="after")
    def _known(self) -> PublicHolidays:
        supported = _supported()
        if self.country.upper() not in supported:
            raise ValueError(f"no public holidays are known for country {self.country!r}")
        subdivisions = supported[self.country.upper()]
        if self.subdivision is not None and self.subdivision not in subdivisions:
            known = ", ".join(subdivisions[:30]) or "none"
            country = self.country.upper()
            raise ValueError(
                f"unknown subdivision {self.subdivision!r} of {country} (known: {known})"
            )
        return self


class HoursConfig(WidgetConfig):
    """Is the business open now? Weekly opening hours in a time zone, closed dates and
    public holidays; days not listed in ``open`` are closed."""

    widget: Literal["hours"]
    AFTER_CALL: ClassVar[bool] = True
    timezone: str | None = Field(
        default=None,
        description="The IANA time zone of the opening hours (`Europe/London`); default: the "
        "flow's `timezone`.",
    )
    open: dict[str, list[str]] = Field(
        min_length=1,
        description="Each open day (`mon` .. `sun`) and its opening hours as `HH:MM-HH:MM` "
        "ranges (`24:00` ends a day); days not listed are closed.",
    )
    closed_on: list[date] = Field(
        default_factory=list,
        max_length=366,
        description="Dates (`YYYY-MM-DD`) the business is closed all day.",
    )
    holidays: PublicHolidays | None = Field(
        default=None, description="Whose public holidays close the business (`holiday`)."
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"open", "closed", "holiday"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"open", "closed"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "open": "Now is within today's opening hours.",
        "closed": "It is not (and a holiday, when `holiday` is not wired).",
        "holiday": "Today is one of `closed_on` or a public holiday of `holidays`.",
    }

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        return None if name is None else check_zone(name)

    @field_validator("open")
    @classmethod
    def _week(cls, week: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, ranges in week.items():
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r}: the days are {', '.join(DAYS)}")
            for text in ranges:
                parse_range(text)
        return week


@lru_cache(maxsize=1)
def _supported() -> dict[str, list[str]]:
    import holidays

    return {code: list(subdivs) for code, subdivs in holidays.list_supported_countries().items()}


@lru_cache(maxsize=256)
def _is_holiday(country: str, subdivision: str | None, day: date) -> bool:
    import holidays

    calendar: Any = holidays.country_holidays(country, subdiv=subdivision, years=day.year)
    return day in calendar


def _is_open(config: HoursConfig, wall: datetime) -> bool:
    minute = wall.hour * 60 + wall.minute
    ranges = config.open.get(DAYS[wall.weekday()], [])
    return any(start <= minute < end for start, end in map(parse_range, ranges))


def enter(config: HoursConfig, ctx: Ctx) -> Outcome:
    """Open, closed or a holiday, by the wall clock of the node's (or the flow's) zone."""
    wall = local(ctx.now, config.timezone or ctx.scope.zone)
    today = wall.date()
    holiday = today in config.closed_on or (
        config.holidays is not None
        and _is_holiday(config.holidays.country.upper(), config.holidays.subdivision, today)
    )
    if holiday:
        return Go("holiday" if "holiday" in config.edges() else "closed")
    return Go("open" if _is_open(config, wall) else "closed")


WIDGET = Widget("hours", HoursConfig, enter)
