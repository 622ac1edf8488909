"""The tip jar's domain: what a call keeps (``TipJar``), the effect that records a tip, the
event an operator sends to a call, and its error. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from chalicelib.errors import ConflictError
from chalicelib.flows.calldata import CallData


@dataclass(frozen=True)
class TipJar(CallData):
    """What a call collected so far."""

    NAMESPACE: ClassVar[str] = "tipjar"

    total: Decimal = Decimal(0)
    tips: int = 0
    thanked_by: str | None = None


@dataclass(frozen=True)
class RecordTip:
    """Effect: record one tip of ``amount`` for ``account_id`` (once per ``key``)."""

    key: str
    account_id: str
    call_id: str
    amount: str


@dataclass(frozen=True)
class Thank:
    """Event: an operator thanks the caller (changes the call's data only)."""

    by: str


class JarFullError(ConflictError):
    """The jar takes no more tips (answered 402 by REST)."""
