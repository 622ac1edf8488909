"""The outbound campaigns' vocabulary: the store's records of campaigns, contacts and settings
(``store.campaign_records``: a campaign is one trigger's contacts, a REST flow's calls, an
uploaded or e-mailed call list; a contact has its numbers, status and attempts; a flow and an
account have their campaign settings), and the data a campaign's call carries
(``CampaignCall``). The dialer product (agents, customer first then an agent) rides on the same
contacts, attempts and pacing. Imports the store's records and ``flows.calldata`` only.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.flows.calldata import CallData
from chalicelib.store.campaign_records import (
    DEFAULT_CALLS_PER_SECOND,
    MAX_CALLS_PER_SECOND,
    AccountSettings,
    Attempt,
    CallResult,
    Campaign,
    CampaignState,
    Contact,
    ContactStatus,
    FlowSettings,
    MachineHandling,
    Trigger,
)

__all__ = [
    "DEFAULT_CALLS_PER_SECOND",
    "MAX_CALLS_PER_SECOND",
    "AccountSettings",
    "Attempt",
    "CallResult",
    "Campaign",
    "CampaignCall",
    "CampaignState",
    "Contact",
    "ContactStatus",
    "FlowSettings",
    "MachineHandling",
    "Trigger",
]


@dataclass(frozen=True)
class CampaignCall(CallData):
    """The contact a campaign's call is for: which attempt of which contact."""

    NAMESPACE = "campaign"

    campaign_id: str
    contact_id: str
    attempt: int
    machine: str = MachineHandling.OFF.value
