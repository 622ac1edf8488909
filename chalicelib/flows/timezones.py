"""IANA time zones of flows: checking a zone's name when a flow is loaded, and the local time of
a moment in a zone. Zone data comes from the ``tzdata`` package when the system has none (the
Lambda runtime image may not). Imports only the standard library.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every zone a flow may name (the IANA names the zone data knows; flow documents publish
    them as an enum, so what the document allows is what loads)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone named ``name``; ``ValueError`` saying how to name one when it is unknown."""
    if name in zone_names():
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ValueError(
        f"unknown time zone {name!r}: use an IANA name such as 'Europe/London', "
        f"'America/New_York' or 'UTC' ({len(zone_names())} are known)"
    )


def check_zone(name: str) -> str:
    """Validator helper: ``name`` if it names a zone, else ``ValueError``."""
    zone(name)
    return name


def local(moment: datetime, name: str) -> datetime:
    """``moment`` (aware) as the wall clock of zone ``name`` shows it."""
    return moment.astimezone(zone(name))
