"""IANA time zones of flows: checking a zone's name when a flow is loaded, and the local time of
a moment in a zone. Zone data comes from the ``tzdata`` package when the system has none (the
Lambda runtime image may not). Imports only the standard library (and ``tzdata``'s list of
zones).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every zone a flow may name (the IANA names the zone data knows; flow documents publish
    them as an enum, so what the document allows is what loads). Read from the list the
    ``tzdata`` package ships (one small file, well under a millisecond), not by walking every
    zone file as ``available_timezones`` does (~30 ms, which the first parsed flow of a cold
    Lambda would pay); without ``tzdata``, the walk."""
    try:
        import tzdata

        listing = Path(tzdata.__file__).with_name("zones")
        return frozenset(listing.read_text(encoding="utf-8").split())
    except (ImportError, OSError):
        return frozenset(available_timezones()) - {"localtime"}


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
