"""The tenants' view of the SMS their flows sent: ``GET /v1/sms/{message_id}``, one sent SMS
(or one part of a long one) with its latest delivery status from the carrier's receipts.

Owns the ``sms_status`` blueprint and ``SentSmsView``. Errors are problem+json (``web.rest``);
an id that is not one of the account's sent SMS is 404. Imports ``web.rest``, ``web.openapi``,
pydantic and the wiring; must not import pynamodb, the store or another route module.
"""

from __future__ import annotations

import re
from datetime import datetime

from chalice.app import Blueprint, Response
from pydantic import BaseModel, Field

from chalicelib.errors import NotFoundError
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import calling_account, guarded, json_response, operation
from chalicelib.wiring import container

sms_status = Blueprint(__name__)

_MESSAGE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")


class SentSmsView(BaseModel):
    """A sent SMS and how far it got."""

    message_id: str
    to_number: str
    from_number: str | None
    client_ref: str | None
    part: int = Field(description="which part of the text this message carried (1-based)")
    parts: int
    status: str = Field(
        description="submitted (no receipt yet), accepted, buffered, delivered, expired, "
        "failed, rejected or unknown"
    )
    final: bool = Field(description="whether a later receipt can still change the status")
    error_code: str | None = Field(description="the carrier's err-code; 0 when all went well")
    sent_at: datetime | None
    status_at: datetime | None
    price: str | None


@operation(
    sms_status,
    Operation(
        "/v1/sms/{message_id}",
        "get",
        "One SMS the account's flows sent, with its delivery status",
        response=SentSmsView,
    ),
)
@guarded
def show_sent_sms(message_id: str) -> Response:
    """One sent SMS of the account, by the carrier's message id."""
    account = calling_account()
    found = None
    if _MESSAGE_ID.match(message_id):
        found = container().sms_delivery.find(account.account_id, message_id)
    if found is None:
        raise NotFoundError(f"no sent SMS {message_id!r}")
    view = SentSmsView(
        message_id=found.message_id,
        to_number=found.to_number,
        from_number=found.from_number,
        client_ref=found.client_ref,
        part=found.part,
        parts=found.parts,
        status=found.status,
        final=found.final,
        error_code=found.error_code,
        sent_at=found.sent_at,
        status_at=found.status_at,
        price=found.price,
    )
    return json_response(view.model_dump(mode="json"))
