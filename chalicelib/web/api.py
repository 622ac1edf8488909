"""The tenants' REST API (``/health``, ``/v1/account``, ``/v1/flows``, ``/v1/numbers``,
``/v1/calls`` and their recordings), the OpenAPI 3 document of the whole API
(``/openapi.json``) and the JSON Schema of a flow file (``/v1/flow-schema``, for editors:
``flows/schema/flow.schema.json`` with the widgets of the products this deployment runs).

Tenants authenticate with ``Authorization: Bearer <api key>``. Requests are validated by the
models of ``web.schemas``, which also build the OpenAPI document (``web.openapi``), so the two
never disagree. Every error is problem+json (``web.rest.guarded``: domain errors carry no status,
``web.problems`` maps their classes). Routes are thin: parse, call a repository or service, shape
the answer. The document lists every operation a route module registered, whichever blueprint it
belongs to (the operator's, a product's): ``app`` imports them all before serving.

Owns the ``api`` blueprint and ``CALLS_LIMIT_MAX``. Imports ``web.rest``, ``web.schemas``,
``web.openapi``, the wiring and the domain's rules; must not import pynamodb or the store (the
errors it answers are the neutral classes of ``chalicelib.errors``), nor another route module.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Literal

from chalice.app import Blueprint, Response

from chalicelib.accounts.admin import check_document_size
from chalicelib.accounts.model import Account
from chalicelib.calls.recordings import URL_SECONDS, Recording
from chalicelib.calls.records import find_call
from chalicelib.flows.schema import flow_schema
from chalicelib.flows.widgets.record import recording_url
from chalicelib.telephony.actions import MachineDetection
from chalicelib.telephony.errors import CarrierOutcomeUnknownError
from chalicelib.web.openapi import Operation, flow_document_schema, openapi_document
from chalicelib.web.problems import problem
from chalicelib.web.rest import (
    Refused,
    body,
    calling_account,
    current_request,
    guarded,
    json_response,
    operation,
    raw_body,
)
from chalicelib.web.schemas import (
    AccountView,
    CallDetailView,
    CallStarted,
    CallView,
    FlowDetailView,
    FlowLoaded,
    FlowRolledBack,
    FlowVersionView,
    FlowView,
    ListenerRequest,
    NumberRequest,
    NumberView,
    RecordingView,
    RollbackRequest,
    StartCallRequest,
    TimezoneRequest,
    UserVariableView,
    call_detail_view,
    call_view,
    number_view,
)
from chalicelib.wiring import container

api = Blueprint(__name__)

CALLS_LIMIT_MAX = 100
MAX_VARIABLE_NAME_BYTES = 256
"""No ``$user.key`` name is longer (a flow's own limit is far below DynamoDB's key limit)."""


@operation(api, Operation("/health", "get", "Liveness", auth="none"))
def health() -> Response:
    """The app is up."""
    return json_response({"status": "ok"})


@operation(
    api,
    Operation(
        "/v1/flow-schema",
        "get",
        "The JSON Schema of a flow file (every widget's fields), for editors",
        auth="none",
        media="application/schema+json",
    ),
)
def get_flow_schema() -> Response:
    """The flow file's JSON Schema (draft 2020-12), built from the widgets registered now."""
    return Response(
        body=json.dumps(flow_schema(), indent=2),
        status_code=200,
        headers={"Content-Type": "application/schema+json"},
    )


@operation(api, Operation("/v1/account", "get", "The calling account", response=AccountView))
@guarded
def get_account() -> Response:
    """The account the API key belongs to."""
    return json_response(_account_view(calling_account()))


def _account_view(account: Account) -> dict[str, Any]:
    view = AccountView(
        account_id=account.account_id,
        name=account.name,
        language=account.language,
        currency=account.currency,
        balance=str(account.balance),
        timezone=account.timezone,
    )
    return view.model_dump()


@operation(
    api,
    Operation(
        "/v1/account/timezone",
        "put",
        "Set the time zone flows loaded from now on without one take",
        request=TimezoneRequest,
        response=AccountView,
    ),
)
@guarded
def set_timezone() -> Response:
    """The account's IANA time zone (a flow loaded without ``timezone`` is stored with it)."""
    account = calling_account()
    request = body(TimezoneRequest)
    return json_response(
        _account_view(container().admin.set_timezone(account.account_id, request.timezone))
    )


@operation(api, Operation("/v1/flows", "get", "List flows", response=FlowView, many=True))
@guarded
def list_flows() -> Response:
    """The account's flows."""
    account = calling_account()
    heads = container().flow_repository.list_heads(account.account_id)
    return json_response([FlowView(**h.__dict__).model_dump() for h in heads])


@operation(
    api,
    Operation(
        "/v1/flows/{flow_id}",
        "get",
        "A flow: one version's document and its version history",
        response=FlowDetailView,
        query={
            "version": {
                "type": "integer",
                "minimum": 1,
                "maximum": 999_999_999,
                "description": "default: the latest",
            }
        },
    ),
)
@guarded
def show_flow(flow_id: str) -> Response:
    """The flow's latest document (or ``?version=N``'s) and every version, newest first."""
    account = calling_account()
    query: dict[str, str] = dict(current_request().query_params or {})
    text = query.get("version")
    version: int | None = None
    if text is not None:
        if not text.isdigit() or not 1 <= len(text) <= 9 or int(text) < 1:
            return problem(400, "version is a whole number from 1")
        version = int(text)
    head, revision, versions = container().admin.flow_history(account.account_id, flow_id, version)
    view = FlowDetailView(
        flow_id=head.flow_id,
        name=head.name,
        latest_version=head.latest_version,
        enabled=head.enabled,
        version=revision.version,
        document=json.loads(revision.document),
        versions=[FlowVersionView(version=v, loaded_at=at) for v, at in versions],
    )
    return json_response(view.model_dump(mode="json"))


@operation(
    api,
    Operation(
        "/v1/flows",
        "post",
        "Load a flow (a new version)",
        request_schema=flow_document_schema,
        response=FlowLoaded,
        status=201,
    ),
)
@guarded
def load_flow() -> Response:
    """Validate and store a flow document as the flow's next version. Its size is checked
    first, on the body as received: a document too large to store is never parsed."""
    account = calling_account()
    check_document_size(len(current_request().raw_body or b""))
    raw = raw_body()
    if not isinstance(raw, dict):
        return problem(422, "a flow document is a JSON object")
    loaded = container().admin.load_flow(account.account_id, raw)
    view = FlowLoaded(
        flow_id=loaded.revision.flow_id,
        version=loaded.revision.version,
        warnings=list(loaded.flow.warnings),
    )
    return json_response(view.model_dump(), 201)


@operation(
    api,
    Operation(
        "/v1/flows/{flow_id}/listener",
        "put",
        "Activate or stop a flow's listener",
        request=ListenerRequest,
        response=FlowView,
    ),
)
@guarded
def set_listener(flow_id: str) -> Response:
    """Enable or disable the flow (a disabled flow serves no number)."""
    account = calling_account()
    request = body(ListenerRequest)
    head = container().admin.set_listener(account.account_id, flow_id, request.enabled)
    return json_response(FlowView(**head.__dict__).model_dump())


@operation(
    api,
    Operation(
        "/v1/flows/{flow_id}/rollback",
        "post",
        "Make an earlier version live again (stored as the next version)",
        request=RollbackRequest,
        response=FlowRolledBack,
        status=201,
        also={200: "that version's document is live already: nothing was stored"},
    ),
)
@guarded
def rollback_flow(flow_id: str) -> Response:
    """Store the document of ``version`` as the flow's next version (history stays
    append-only); the numbers serving the flow answer with it from the next call."""
    account = calling_account()
    request: RollbackRequest = body(RollbackRequest)
    rolled = container().admin.rollback_flow(account.account_id, flow_id, request.version)
    view = FlowRolledBack(
        flow_id=rolled.loaded.revision.flow_id,
        version=rolled.loaded.revision.version,
        copied_from=rolled.copied_from,
        changed=rolled.changed,
        warnings=list(rolled.loaded.flow.warnings),
    )
    return json_response(view.model_dump(), 201 if rolled.changed else 200)


@operation(api, Operation("/v1/flows/{flow_id}", "delete", "Delete a flow", status=204))
@guarded
def delete_flow(flow_id: str) -> Response:
    """Delete the flow and every version of it; 409 while a number is attached to it. Calls in
    progress on it go on with the version they started with."""
    account = calling_account()
    container().admin.delete_flow(account.account_id, flow_id)
    return Response(body="", status_code=204)


@operation(api, Operation("/v1/numbers", "get", "List numbers", response=NumberView, many=True))
@guarded
def list_numbers() -> Response:
    """The account's numbers."""
    account = calling_account()
    numbers = container().numbers.list_by_account(account.account_id)
    return json_response([number_view(n) for n in numbers])


@operation(
    api,
    Operation(
        "/v1/numbers/{number}",
        "put",
        "Attach a number the account holds to a flow",
        request=NumberRequest,
        response=NumberView,
    ),
)
@guarded
def put_number(number: str) -> Response:
    """Bind a number (E.164 digits) the account holds to one of its flows; a number never
    provisioned to the account is not found, whoever holds it."""
    account = calling_account()
    request = body(NumberRequest)
    phone = container().admin.attach_number(
        account.account_id, number, request.flow_id, request.language, request.enabled
    )
    return json_response(number_view(phone))


@operation(
    api,
    Operation(
        "/v1/numbers/{number}/flow",
        "delete",
        "Detach a number the account holds from its flow",
        response=NumberView,
    ),
)
@guarded
def detach_number(number: str) -> Response:
    """Unbind a number from its flow (it stays the account's; callers hear it is not in
    service); a number the account does not hold is not found."""
    account = calling_account()
    return json_response(number_view(container().admin.detach_number(account.account_id, number)))


@operation(
    api,
    Operation(
        "/v1/user-variables",
        "get",
        "The account's $user.key values, by name",
        response=UserVariableView,
        many=True,
    ),
)
@guarded
def list_user_variables() -> Response:
    """Every ``$user.key`` value of the account (what its flows saved), sorted by name."""
    account = calling_account()
    values = container().user_variables.all_for(account.account_id)
    return json_response(
        [UserVariableView(name=n, value=values[n]).model_dump() for n in sorted(values)]
    )


@operation(
    api,
    Operation(
        "/v1/user-variables/{name}",
        "get",
        "One $user.key value",
        response=UserVariableView,
    ),
)
@guarded
def get_user_variable(name: str) -> Response:
    """One ``$user.key`` value (the bare name, or ``$user.key.<name>``); 404 if none is set."""
    account = calling_account()
    name = name.removeprefix("$user.key.")
    found: dict[str, str] = {}
    try:
        storable = 0 < len(name.encode()) <= MAX_VARIABLE_NAME_BYTES
    except UnicodeEncodeError:  # a lone surrogate: no variable can have such a name
        storable = False
    if storable:
        found = container().user_variables.get_many(account.account_id, [name])
    if name not in found:
        return problem(404, f"no $user.key.{name[:64]} is set for this account")
    return json_response(UserVariableView(name=name, value=found[name]).model_dump())


@operation(
    api,
    Operation(
        "/v1/calls",
        "post",
        "Start an outbound call",
        request=StartCallRequest,
        response=CallStarted,
        status=202,
    ),
)
@guarded
def start_call() -> Response:
    """Place a call of an outbound flow (its listener on, the caller id attached to it)."""
    account = calling_account()
    request: StartCallRequest = body(StartCallRequest)
    detection = MachineDetection(request.machine_detection) if request.machine_detection else None
    try:
        started = container().outbound.start(
            account.account_id,
            request.flow_id,
            request.to,
            request.from_,
            request.variables,
            request.ringing_timeout,
            detection,
        )
    except CarrierOutcomeUnknownError as error:
        return problem(504, f"the carrier's answer was lost; the call may ring: {error}")
    view = CallStarted(call_id=started.call_id, leg_id=started.leg_id, status="started")
    return json_response(view.model_dump(), 202)


def _instant(name: str, text: str) -> datetime | Literal["before", "after"]:
    """A query bound in UTC: ISO 8601 (RFC 3339 included; no offset means UTC). An instant
    that UTC cannot hold (year 1 with a positive offset, year 9999 with a negative one) is
    ``"before"`` or ``"after"`` every instant that it can."""
    try:
        moment = datetime.fromisoformat(text.strip().upper())
    except ValueError:
        raise Refused(problem(400, f"{name} is not an ISO 8601 date or date-time")) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return "before" if moment.year == datetime.min.year else "after"


@operation(
    api,
    Operation(
        "/v1/calls",
        "get",
        "Finished calls, newest first",
        response=CallView,
        many=True,
        query={
            "since": {"type": "string", "format": "date-time", "description": "from (included)"},
            "until": {"type": "string", "format": "date-time", "description": "to (excluded)"},
            "limit": {"type": "integer", "minimum": 1, "maximum": CALLS_LIMIT_MAX, "default": 50},
        },
    ),
)
@guarded
def list_calls() -> Response:
    """Call records of the account that started in ``[since, until)``, ``limit`` 1-100."""
    account = calling_account()
    query: dict[str, str] = dict(current_request().query_params or {})
    since = _instant("since", query["since"]) if "since" in query else None
    until = _instant("until", query["until"]) if "until" in query else None
    try:
        limit = int(query.get("limit", "50"))
    except ValueError:
        return problem(400, "limit is a whole number")
    if not 1 <= limit <= CALLS_LIMIT_MAX:
        return problem(400, f"limit must be between 1 and {CALLS_LIMIT_MAX}")
    if since == "after" or until == "before":
        return json_response([])
    records = container().call_records.list_by_account(
        account.account_id,
        None if since == "before" else since,
        None if until == "after" else until,
        limit,
    )
    return json_response([call_view(r) for r in records])


@operation(
    api,
    Operation(
        "/v1/calls/{call_id}",
        "get",
        "One call, ended or going on, with the path it took through its flow",
        response=CallDetailView,
    ),
)
@guarded
def show_call(call_id: str) -> Response:
    """One call of the account: its record (or its live state) and path."""
    account = calling_account()
    box = container()
    record, live = find_call(
        box.call_records, box.calls, account.account_id, call_id, box.settings.carrier_currency
    )
    return json_response(call_detail_view(record, live))


def _recording_view(recording: Recording) -> dict[str, object]:
    base = container().settings.public_base_url
    view = RecordingView(
        ref=recording.ref,
        node=recording.node,
        format=recording.format,
        content_type=recording.content_type,
        size=recording.size,
        created_at=recording.created_at,
        uri=recording_url(base, recording.call_id, recording.ref),
        url=container().recordings.url(recording),
        expires_in=URL_SECONDS,
    )
    return view.model_dump(mode="json")


@operation(
    api,
    Operation(
        "/v1/calls/{call_id}/recordings",
        "get",
        "A call's recordings, with URLs that fetch them for a few minutes",
        response=RecordingView,
        many=True,
    ),
)
@guarded
def list_recordings(call_id: str) -> Response:
    """The recordings of one of the account's calls (live or finished), in the order they were
    made; a call of another account is not found."""
    account = calling_account()
    recordings = container().recordings.of_call(account.account_id, call_id)
    return json_response([_recording_view(r) for r in recordings])


@operation(
    api,
    Operation(
        "/v1/calls/{call_id}/recordings/{ref}",
        "get",
        "Fetch a recording (a redirect to a URL that works for a few minutes)",
        status=302,
    ),
)
@guarded
def get_recording(call_id: str, ref: str) -> Response:
    """Redirect to a short-lived URL of the recording (what ``$call.recordingUri`` names);
    404 while it is not stored yet, and for a call of another account."""
    account = calling_account()
    recordings = container().recordings
    recording = recordings.get(account.account_id, call_id, ref)
    return Response(
        body="",
        status_code=302,
        headers={"Location": recordings.url(recording), "Cache-Control": "no-store"},
    )


@api.route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    """This API's OpenAPI document."""
    return json_response(openapi_document())
