"""The click-to-call records (kept in ``store.click2call_records``, where the store can see
them) and the data its calls carry. Imports the store's records only.
"""

from __future__ import annotations

from chalicelib.store.click2call_records import (
    CallLeg,
    CallMade,
    Campaign,
    Comment,
    CommentField,
    CommentType,
    Company,
    FieldKind,
    FirstCall,
    Operator,
    OutsideHours,
    Request,
    RequestStatus,
    Ring,
)

PREFIX = "c2c-"
"""The ids of a click-to-call campaign's outbound flow and campaign: ``c2c-<campaign id>``."""


def flow_of(campaign_id: str) -> str:
    """The outbound flow (and the campaigns' campaign) of a click-to-call campaign."""
    return f"{PREFIX}{campaign_id}"


__all__ = [
    "PREFIX",
    "CallLeg",
    "CallMade",
    "Campaign",
    "Comment",
    "CommentField",
    "CommentType",
    "Company",
    "FieldKind",
    "FirstCall",
    "Operator",
    "OutsideHours",
    "Request",
    "RequestStatus",
    "Ring",
    "flow_of",
]
