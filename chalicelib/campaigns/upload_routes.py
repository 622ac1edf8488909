"""The call-list upload routes of the campaigns product (account key), on the ``campaigns``
blueprint: ``POST /v1/outbound/flows/{flow_id}/uploads`` (``{"filename": ...}``: a new upload,
201), ``PUT /v1/outbound/uploads/{upload_id}/parts/{number}`` (the file's bytes, in order, at
most 1 MB a part: API Gateway and Lambda take a few megabytes per request), ``POST
.../uploads/{upload_id}/load`` (202: the file is read and its campaign made by a task), ``GET
.../uploads/{upload_id}`` (its state, counts and rejected rows with their reasons) and ``GET
/v1/outbound/flows/{flow_id}/template`` (the template file). problem+json for every refusal.
Imports Chalice, pydantic, the web helpers, the wiring and the campaigns' uploads; never the
store.
"""

from __future__ import annotations

from typing import Annotated, Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.campaigns.routes import campaigns
from chalicelib.campaigns.uploads import MAX_PART_BYTES, CallLists
from chalicelib.errors import TooLargeError, ValidationError
from chalicelib.store.campaign_uploads import Upload
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    body,
    calling_account,
    current_request,
    guarded,
    json_response,
    operation,
)
from chalicelib.wiring import container

UPLOAD_PATH = "/v1/outbound/uploads/{upload_id}"
UPLOAD_PARAMETER = {"upload_id": {"type": "string", "pattern": r"^[0-9a-f]{32}$"}}
PART_PARAMETERS = {
    **UPLOAD_PARAMETER,
    "number": {"type": "string", "pattern": r"^[0-9]{1,2}$", "description": "from 0, in order"},
}


class UploadStart(BaseModel):
    """A call list about to be uploaded."""

    model_config = ConfigDict(extra="forbid")
    filename: Annotated[
        str, Field(min_length=5, max_length=200, pattern=r"\.([cC][sS][vV]|[zZ][iI][pP])$")
    ]


def _lists() -> CallLists:
    return container().services("campaigns").call_lists  # type: ignore[no-any-return]


def upload_view(upload: Upload) -> dict[str, Any]:
    """An upload as REST shows it."""
    return {
        "upload_id": upload.upload_id,
        "flow_id": upload.flow_id,
        "filename": upload.filename,
        "trigger": upload.trigger,
        "state": upload.state,
        "size": upload.size,
        "parts": upload.parts,
        "campaign_id": upload.campaign_id or None,
        "rows": upload.rows,
        "rejected_count": upload.rejected_count,
        "rejected": [{"row": row, "reason": reason} for row, reason in upload.rejected],
        "error": upload.error or None,
        "error_code": upload.error_code or None,
        "encoding": upload.encoding or None,
        "separator": upload.separator or None,
    }


@operation(
    campaigns,
    Operation(
        "/v1/outbound/flows/{flow_id}/uploads",
        "post",
        "Start uploading a call list (.csv or .zip) for an outbound flow",
        request=UploadStart,
        status=201,
    ),
)
@guarded
def start_upload(flow_id: str) -> Response:
    """A new upload waiting for its parts."""
    account = calling_account()
    started = _lists().start(account.account_id, flow_id, body(UploadStart).filename)
    return json_response(upload_view(started), 201)


@operation(
    campaigns,
    Operation(
        f"{UPLOAD_PATH}/parts/{{number}}",
        "put",
        "One part of the call list's bytes (at most 1 MB, in order from 0)",
        request_media="application/octet-stream",
        path_parameters=PART_PARAMETERS,
    ),
)
@guarded
def upload_part(upload_id: str, number: str) -> Response:
    """Keep one part of the file."""
    account = calling_account()
    if not number.isdigit() or len(number) > 2:
        raise ValidationError(f"part {number[:10]!r} is not a number from 0")
    data = current_request().raw_body or b""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_PART_BYTES:
        raise TooLargeError(f"a part is at most {MAX_PART_BYTES} bytes")
    upload = _lists().add_part(account.account_id, upload_id, int(number), data)
    return json_response(upload_view(upload))


@operation(
    campaigns,
    Operation(
        f"{UPLOAD_PATH}/load",
        "post",
        "Read the uploaded call list and make its campaign",
        status=202,
        path_parameters=UPLOAD_PARAMETER,
    ),
)
@guarded
def load_upload(upload_id: str) -> Response:
    """Queue the reading of the file; its result is the upload's state."""
    account = calling_account()
    return json_response(upload_view(_lists().load(account.account_id, upload_id)), 202)


@operation(
    campaigns,
    Operation(
        UPLOAD_PATH,
        "get",
        "An uploaded call list: its state, counts and rejected rows",
        path_parameters=UPLOAD_PARAMETER,
    ),
)
@guarded
def show_upload(upload_id: str) -> Response:
    """The upload's state and what its reading found."""
    account = calling_account()
    return json_response(upload_view(_lists().own(account.account_id, upload_id)))


@operation(
    campaigns,
    Operation(
        "/v1/outbound/flows/{flow_id}/template",
        "get",
        "The call-list template of an outbound flow (its variables as columns)",
        media="text/csv",
    ),
)
@guarded
def call_list_template(flow_id: str) -> Response:
    """A CSV with the columns the flow takes and one example row."""
    from chalicelib.campaigns.calllist import template

    account = calling_account()
    flow = _lists().campaigns.outbound_flow(account.account_id, flow_id)
    return Response(
        body=template(sorted(flow.variables)),
        status_code=200,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{flow_id}-template.csv"',
        },
    )
