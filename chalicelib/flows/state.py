"""A call's state as the flow engine reads and writes it: the live call, its legs and what it
waits for. The engine's input and output, so it lives beside the engine; the shell (``calls/``)
and the store read it from here. Frozen dataclasses only; the engine produces new states with
``dataclasses.replace``. A product's data on the call is typed and namespaced (``data``, see
``flows.calldata``); the nodes it went through are its ``path`` (see ``flows.path``). Imports
nothing but the standard library, ``flows.calldata``, ``flows.path`` and ``telephony.events``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Mapping, TypeVar

from chalicelib.flows.calldata import CallData
from chalicelib.flows.path import PathStep
from chalicelib.telephony.events import CallStatus, Direction

D = TypeVar("D", bound=CallData)


class LegRole(StrEnum):
    """Which side of a call a leg is."""

    CALLER = "a"  # the first leg: the inbound caller, or the first outbound contact
    BRIDGED = "b"  # a leg dialled by a connect


@dataclass(frozen=True)
class Leg:
    """One leg of a call as the network reported it."""

    leg_id: str
    role: LegRole
    number: str | None = None
    status: CallStatus = CallStatus.STARTED
    direction: Direction = Direction.INBOUND
    started_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    duration: int | None = None
    rate: Decimal | None = None
    price: Decimal | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Awaiting:
    """What the call waits for: an event tagged ``ref`` for ``node`` of the flow."""

    node: str
    ref: str


@dataclass(frozen=True)
class CallState:
    """Everything a running call needs between webhooks. One item, one read, one write.

    ``version`` guards conditional writes. ``last_event_key``/``last_answer`` let a retried
    webhook get the same answer without a second step; ``last_effects`` (JSON) lets the retry run
    that step's effects again (each is idempotent by key) in case the first delivery died before
    it ran them. ``flow_vars`` are ``$flow.key.*``, ``user_vars`` a snapshot of ``$user.key.*``;
    ``call_vars`` hold ``$call.*`` values the engine sets (dtmf, recordingUri, ...); ``data``
    holds each product's own typed data, by namespace.
    """

    call_id: str
    account_id: str
    flow_id: str
    flow_version: int
    direction: Direction
    from_number: str
    to_number: str
    started_at: datetime
    language: str = "en-US"
    conversation_id: str | None = None
    node: str | None = None
    awaiting: Awaiting | None = None
    seq: int = 0
    flow_vars: Mapping[str, str] = field(default_factory=dict)
    call_vars: Mapping[str, str] = field(default_factory=dict)
    user_vars: Mapping[str, str] = field(default_factory=dict)
    legs: Mapping[str, Leg] = field(default_factory=dict)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    finished: bool = False
    attempt: int = 1
    last_event_key: str | None = None
    last_answer: str | None = None
    last_effects: str | None = None
    data: Mapping[str, CallData] = field(default_factory=dict)
    path: tuple[PathStep, ...] = ()
    version: int = 0

    def cost(self) -> Decimal | None:
        """What the carrier charged for the call's legs so far (None: no leg has a price)."""
        prices = [leg.price for leg in self.legs.values() if leg.price is not None]
        return sum(prices, Decimal(0)) if prices else None

    def data_of(self, kind: type[D]) -> D | None:
        """The call's data of a product's kind, or None."""
        item = self.data.get(kind.NAMESPACE)
        return item if isinstance(item, kind) else None

    def with_data(self, item: CallData) -> CallState:
        """This state with ``item`` as its data of ``item``'s namespace."""
        return replace(self, data={**self.data, item.NAMESPACE: item})
