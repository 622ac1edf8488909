"""IANA time zones of flows: checking a zone's name when a flow is loaded, and the local time of
a moment in a zone. Zone data comes from the ``tzdata`` package when the system has none (the
Lambda runtime image may not). Imports only the standard library.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_ZONE = "UTC"


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone named ``name``; ``ValueError`` saying how to name one when it is unknown."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")) or ".." in name:
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        known = len(available_timezones())
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/London', "
            f"'America/New_York' or 'UTC' ({known} are known)"
        ) from None


def check_zone(name: str) -> str:
    """Validator helper: ``name`` if it names a zone, else ``ValueError``."""
    zone(name)
    return name


def local(moment: datetime, name: str) -> datetime:
    """``moment`` (aware) as the wall clock of zone ``name`` shows it."""
    return moment.astimezone(zone(name))
