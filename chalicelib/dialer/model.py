"""The dialer's records (kept in ``store.dialer_records``, where the store can see them) and the
patterns of the ids and addresses its agents and groups are given. Imports the store's records
and the standard library only.
"""

from __future__ import annotations

from chalicelib.store.dialer_records import (
    Agent,
    AgentEvent,
    AgentGroup,
    AgentState,
    AgentType,
    LoginType,
)

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
"""An agent's or a group's id: 1 to 40 of letters, digits, ``_`` and ``-`` (an agent id may be
the seed's numeric one: ``121163``)."""
NUMBER_PATTERN = r"^\+?[1-9][0-9]{6,14}$"
"""A phone number with its country code (E.164: 7 to 15 digits, an optional ``+``)."""
SIP_PATTERN = r"^sips?:[A-Za-z0-9._~!$&'()*+,;=?/%-]{1,64}@[A-Za-z0-9.-]{1,190}(:[0-9]{1,5})?$"
"""A SIP address: ``sip:user@host`` (or ``sips:``, an optional port); the user part in the
characters RFC 3261 allows it unescaped, spelled out so that every regex engine (the service's,
pydantic's, the OpenAPI document's readers') agrees."""

__all__ = [
    "ID_PATTERN",
    "NUMBER_PATTERN",
    "SIP_PATTERN",
    "Agent",
    "AgentEvent",
    "AgentGroup",
    "AgentState",
    "AgentType",
    "LoginType",
]
