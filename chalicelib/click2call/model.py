"""The click-to-call records (kept in ``store.click2call_records``, where the store can see
them) and the data its calls carry. Imports the store's records only.
"""

from __future__ import annotations

import hashlib

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
"""The ids of a click-to-call campaign's outbound flow and campaign begin so."""
MAX_FLOW_ID = 63


def flow_of(company_id: str, campaign_id: str) -> str:
    """The outbound flow (and the campaigns' campaign) of a company's click-to-call campaign:
    ``c2c-<company>_<campaign>``. Flow ids are the platform's, not an account's, so two
    companies' ``spring`` campaigns are two flows; ``_`` is in neither kind of id, so no two
    pairs give one flow id. A pair too long for a flow id (63 characters) gives
    ``c2c-<campaign>_<8 hex digits of the company id's SHA-256>``."""
    readable = f"{PREFIX}{company_id}_{campaign_id}"
    if len(readable) <= MAX_FLOW_ID:
        return readable
    tag = hashlib.sha256(company_id.encode()).hexdigest()[:8]
    return f"{PREFIX}{campaign_id}_{tag}"


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
