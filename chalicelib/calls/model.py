"""The finished call: its record and how it ended, for the call records and metrics; and a
call in progress as an account's list of its live calls shows it.

The live call state the engine steps lives in ``flows.state``. Frozen dataclasses only. Imports
nothing but the standard library, ``telephony.events``, ``flows.path`` and ``flows.state``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from chalicelib.flows.path import PathStep
from chalicelib.flows.state import Leg
from chalicelib.telephony.events import Direction


class CallOutcome(StrEnum):
    """How a call ended, for records and metrics."""

    COMPLETED = "completed"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    MACHINE = "machine"
    NOT_IN_SERVICE = "not_in_service"
    """Refused at the answer: the number called is the account's but serves no flow (none
    attached, its listener off, the number disabled)."""


@dataclass(frozen=True)
class CallRecord:
    """A finished call, queryable by account and start time."""

    account_id: str
    call_id: str
    started_at: datetime
    flow_id: str
    direction: Direction
    from_number: str
    to_number: str
    outcome: CallOutcome
    ended_at: datetime | None = None
    answered_at: datetime | None = None
    duration: int = 0
    legs: tuple[Leg, ...] = ()
    cost: Decimal = Decimal("0")
    currency: str = "EUR"
    recording_uri: str | None = None
    path: tuple[PathStep, ...] = ()
    """The nodes the call went through (``flows.path``)."""
    price: Decimal | None = None
    """What a product charged its customer for the call (``$call.price``), in
    ``price_currency``; with ``cost`` (the carrier's) it gives the call's margin."""
    price_currency: str | None = None
    facts: Mapping[str, str] = field(default_factory=dict)
    """What a product noted about the call for its record (``$call.record.<name>``: the
    destination's name, how many calls a callback bridged ...)."""


@dataclass(frozen=True)
class CallInProgress:
    """A call of an account that has not finished: what it is (flow and version, numbers,
    direction, start) and where it is now (``node``, None between nodes; ``path`` so far)."""

    call_id: str
    flow_id: str
    flow_version: int
    direction: Direction
    from_number: str
    to_number: str
    started_at: datetime
    node: str | None
    path: tuple[PathStep, ...]
