"""Dispositions of the dialer's calls: what an agent says a call they were given came to (one
of ``Outcome``: sale, callback, not interested, wrong number, no decision, other) with notes of
up to ``NOTES_LENGTH`` characters, one per call and agent (saved again, it replaces the earlier
one); and the customer an agent's call is with, as the agent's page shows them (``customer_of``:
the number, the campaign and contact of a campaign's call, and the contact's flow keys but the
platform's own, ``syskey.*`` and ``_*``).

``Dispositions.save`` takes a disposition only for a call its agent was given (the dialer's
claim of the call names the agent); ``Dispositions.list`` lists a call's, an agent's or the
one of both. Pure rules and a small service: the store is behind ``DispositionStore``, the
claims behind ``Given``. Imports the flows' call state, the campaigns' call data, the store's
record of a disposition (a frozen dataclass) and the platform's errors; must not import
pynamodb, the store's repositories or the web layer.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chalicelib.campaigns.model import CampaignCall
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.flows.state import CallState
from chalicelib.store.dialer_dispositions import Disposition, Outcome
from chalicelib.telephony.events import Direction

NOTES_LENGTH = 2000
LIST_LIMIT = 200
HIDDEN_KEYS = ("syskey.", "_")
"""Flow keys the agent is not shown: the platform's own."""
CALL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
"""A call's id, as a disposition names it."""
_CALL_ID = re.compile(CALL_ID_PATTERN)

__all__ = [
    "CALL_ID_PATTERN",
    "NOTES_LENGTH",
    "Customer",
    "Disposition",
    "DispositionStore",
    "Dispositions",
    "Outcome",
    "call_id_of",
    "customer_of",
    "outcome_of",
]


@dataclass(frozen=True)
class Customer:
    """Who an agent's call is with: the number, the campaign and contact (a campaign's call),
    and the contact's flow keys the agent may see, by name."""

    call_id: str
    number: str
    campaign_id: str = ""
    contact_id: str = ""
    keys: tuple[tuple[str, str], ...] = ()


def call_id_of(call_ref: str) -> str:
    """The call id of an agent's call reference (``<call_id>:<ref>:<attempt>``, or a bare call
    id); ``ValidationError`` for a reference naming no call."""
    call_id = call_ref.split(":", 1)[0] if isinstance(call_ref, str) else ""
    if not _CALL_ID.fullmatch(call_id):
        raise ValidationError(f"{str(call_ref)[:60]!r} names no call")
    return call_id


def customer_of(state: CallState, account_id: str) -> Customer | None:
    """The customer of a call of the account (None: the call is another account's). On an
    outbound call the customer is the number called."""
    if state.account_id != account_id:
        return None
    campaign = state.data_of(CampaignCall)
    keys = tuple(
        (name, str(value))
        for name, value in sorted(state.flow_vars.items())
        if not name.startswith(HIDDEN_KEYS)
    )
    number = state.to_number if state.direction is Direction.OUTBOUND else state.from_number
    return Customer(
        call_id=state.call_id,
        number=number,
        campaign_id=campaign.campaign_id if campaign else "",
        contact_id=campaign.contact_id if campaign else "",
        keys=keys,
    )


def outcome_of(text: str | Outcome) -> Outcome:
    """The outcome named ``text`` (``ValidationError`` naming the outcomes otherwise)."""
    try:
        return Outcome(text)
    except ValueError:
        names = ", ".join(o.value for o in Outcome)
        raise ValidationError(f"disposition {str(text)[:40]!r} is not one of {names}") from None


def notes_of(text: str) -> str:
    """Notes as kept (trimmed), at most ``NOTES_LENGTH`` characters (``ValidationError``)."""
    if not isinstance(text, str) or len(text) > NOTES_LENGTH:
        raise ValidationError(f"notes are at most {NOTES_LENGTH:,} characters")
    return text.strip()


class DispositionStore(Protocol):
    """Where dispositions are kept (``store.dialer_dispositions``)."""

    def put(self, disposition: Disposition) -> Disposition: ...

    def get(self, account_id: str, call_id: str, agent_id: str) -> Disposition | None: ...

    def of_call(self, account_id: str, call_id: str, limit: int) -> builtins.list[Disposition]: ...

    def of_agent(
        self, account_id: str, agent_id: str, limit: int
    ) -> builtins.list[Disposition]: ...


Given = Callable[[str, str], "str | None"]
"""(account id, call reference): the agent the dialer gave that call, or None."""


@dataclass
class Dispositions:
    """Dispositions saved and listed (see the module)."""

    store: DispositionStore
    given: Given

    def save(
        self,
        account_id: str,
        agent_id: str,
        call_ref: str,
        outcome: str | Outcome,
        notes: str,
        now: datetime,
        customer: Customer | None = None,
    ) -> Disposition:
        """Keep the agent's disposition of the call ``call_ref`` (replacing an earlier one):
        ``ValidationError`` for an outcome or notes not allowed, ``NotFoundError`` when the
        dialer did not give the agent that call."""
        chosen = outcome_of(outcome)
        kept = notes_of(notes)
        call_id = call_id_of(call_ref)
        if self.given(account_id, call_ref) != agent_id:
            raise NotFoundError(f"agent {agent_id} was not given the call {call_ref[:100]!r}")
        disposition = Disposition(
            account_id=account_id,
            call_id=call_id,
            agent_id=agent_id,
            outcome=chosen,
            notes=kept,
            saved_at=now,
            call_ref=call_ref,
            customer=customer.number if customer else "",
            campaign_id=customer.campaign_id if customer else "",
            contact_id=customer.contact_id if customer else "",
        )
        return self.store.put(disposition)

    def of(self, account_id: str, call_id: str, agent_id: str) -> Disposition | None:
        """The agent's disposition of the call, or None."""
        return self.store.get(account_id, call_id, agent_id)

    def list(
        self,
        account_id: str,
        call_id: str | None = None,
        agent_id: str | None = None,
        limit: int = 50,
    ) -> builtins.list[Disposition]:
        """A call's dispositions (by agent id), an agent's (newest first), or the one of both;
        ``ValidationError`` when neither is named."""
        limit = max(1, min(limit, LIST_LIMIT))
        if call_id and agent_id:
            found = self.store.get(account_id, call_id, agent_id)
            return [] if found is None else [found]
        if call_id:
            return self.store.of_call(account_id, call_id, limit)
        if agent_id:
            return self.store.of_agent(account_id, agent_id, limit)
        raise ValidationError("name a call (call_id) or an agent (agent_id), or both")
