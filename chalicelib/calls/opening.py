"""The one rule for opening a call of a flow on a number, inbound or outbound: the call speaks
the number's language, else the flow's; it starts with the flow's ``$user.key`` values read by
name (its cost does not grow with the account) and the ``$flow.key`` values it was given.
Imports ``accounts.model``, ``flows`` and telephony types only; the user variables come in
through a port.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Protocol

from chalicelib.accounts.model import PhoneNumber
from chalicelib.flows.model import Flow
from chalicelib.flows.state import CallState
from chalicelib.telephony.events import Direction


class UserVariables(Protocol):
    """``$user.key.*`` values per account."""

    def get_many(self, account_id: str, names: Iterable[str]) -> dict[str, str]: ...


def open_call(
    *,
    call_id: str,
    number: PhoneNumber,
    flow: Flow,
    version: int,
    direction: Direction,
    from_number: str,
    to_number: str,
    started_at: datetime,
    user_vars: UserVariables,
    flow_vars: Mapping[str, str] | None = None,
    conversation_id: str | None = None,
    currency: str | None = None,
) -> CallState:
    """The state of a new call of ``flow`` (at ``version``) on ``number``, the account's;
    ``$call.cost.currency`` is ``currency`` (the carrier's) from the start."""
    return CallState(
        call_id=call_id,
        account_id=number.account_id,
        flow_id=flow.flow_id,
        flow_version=version,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        started_at=started_at,
        language=number.language or flow.language,
        conversation_id=conversation_id,
        flow_vars=dict(flow_vars or {}),
        user_vars=user_vars.get_many(number.account_id, flow.user_keys),
        call_vars={"cost.currency": currency} if currency else {},
    )
