"""Account and number domain objects (frozen); storage lives in ``store``, rules in ``service``.

Imports nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Account:
    """A tenant. ``api_key_hashes`` holds sha256 hex digests of its API keys, never the keys."""

    account_id: str
    name: str
    language: str = "en-US"
    api_key_hashes: tuple[str, ...] = ()
    balance: Decimal = Decimal("0")
    currency: str = "EUR"
    enabled: bool = True
    created_at: datetime | None = None
    timezone: str = "UTC"
    """The IANA time zone a flow loaded without one takes (its ``$sys`` clock, its hours)."""


@dataclass(frozen=True)
class PhoneNumber:
    """A number (E.164 digits, no '+') the platform answers, bound to a flow.

    ``flow_version`` and ``flow_enabled`` copy the flow's live version and listener as of the
    flow head's ``flow_generation``, so answering a call reads the number alone; None for a
    number stored before numbers carried them (the head is then read).
    """

    number: str
    account_id: str
    flow_id: str | None = None
    language: str | None = None
    enabled: bool = True
    flow_version: int | None = None
    flow_enabled: bool = False
    flow_generation: int = 0
