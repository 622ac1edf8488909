"""The REST API's request and response models and the constrained types they are built from.

The same models validate what a request sends and describe it in the OpenAPI document
(``web.openapi``), so the two never disagree. Request models are strict (``extra="forbid"``, no
coercion but JSON Schema's own: 97.0 is an integer); response models shape what a route answers,
and ``number_view`` / ``call_view`` turn the domain's objects into them.

Owns the models, ``Language``, ``Integer``, ``E164`` and ``VARIABLE_NAME``, and how a field's
error is told to a client (``field_errors``: in words, never a raw regex). Imports pydantic and
the rules the domain states (patterns, limits, languages); must not import Chalice, the store,
pynamodb, the wiring or the routes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Callable, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from chalicelib.accounts.admin import FLOW_ID_PATTERN, number_problem
from chalicelib.accounts.model import PhoneNumber
from chalicelib.calls.model import CallRecord
from chalicelib.calls.outbound import MAX_VARIABLE_LENGTH
from chalicelib.flows.languages import TEXT_TO_SPEECH, unsupported
from chalicelib.flows.model import zones_schema
from chalicelib.flows.path import is_cut

E164 = r"^\+?[1-9][0-9]{6,14}$"
VARIABLE_NAME = r"^(\$flow\.key\.)?[^\x00-\x20\x7f${}]{1,64}$"
"""A ``$flow.key`` name given to an outbound call (the rule ``calls.outbound`` enforces)."""

_PATTERN_MEANINGS: dict[str, Callable[[Any], str]] = {
    E164: lambda given: number_problem(str(given)),
    VARIABLE_NAME: lambda given: (
        f"{given!r} is not a variable name: 1 to 64 characters without spaces, '$', '{{' or '}}',"
        " bare or as $flow.key.<name>"
    ),
    FLOW_ID_PATTERN: lambda given: (
        f"{given!r} is not a flow id: 1 to 63 lowercase letters, digits, '_' or '-', starting "
        "with a letter or a digit"
    ),
}
"""What each pattern of the API means, told in words (a client never sees a raw regex)."""


def field_errors(error: ValidationError, model: type[BaseModel]) -> list[dict[str, str]]:
    """Each field's error as a client can act on it: an unknown field names the allowed ones,
    a malformed value says what form it takes, an unsupported language lists the supported."""
    allowed = sorted(field.alias or name for name, field in model.model_fields.items())
    errors: list[dict[str, str]] = []
    for item in error.errors():
        location = ".".join(map(str, item["loc"]))
        kind, given = item["type"], item.get("input")
        message = str(item["msg"])
        if kind == "extra_forbidden" and len(item["loc"]) == 1:
            message = f"unknown field {location!r}; the fields are: {', '.join(allowed)}"
        elif kind == "string_pattern_mismatch":
            pattern = str((item.get("ctx") or {}).get("pattern", ""))
            meaning = _PATTERN_MEANINGS.get(pattern)
            message = meaning(given) if meaning else f"{given!r} does not have the expected form"
        elif location.endswith("language") and "unsupported language" in message:
            message = unsupported(given)
        errors.append({"field": location, "message": message})
    return errors


Language = Annotated[str, Field(json_schema_extra={"enum": sorted(TEXT_TO_SPEECH)})]


def _whole(value: Any) -> Any:
    """JSON Schema's integer includes 97.0; pydantic's strict int does not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Integer = Annotated[int, BeforeValidator(_whole)]
"""An integer as JSON Schema means it (request models are strict: no "60", no true)."""


class NumberRequest(BaseModel):
    """Attach a number the account holds to one of its flows."""

    model_config = ConfigDict(extra="forbid", strict=True)
    flow_id: str = Field(pattern=FLOW_ID_PATTERN)
    language: Language | None = None
    enabled: bool = True


class ListenerRequest(BaseModel):
    """Turn a flow's listener on or off."""

    model_config = ConfigDict(extra="forbid", strict=True)
    enabled: bool


class TimezoneRequest(BaseModel):
    """The account's time zone: flows loaded from now on without one take it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    timezone: str = Field(
        min_length=1,
        max_length=64,
        description="an IANA time zone (Europe/London)",
        json_schema_extra=zones_schema,
    )


class RollbackRequest(BaseModel):
    """Make an earlier version of a flow live again."""

    model_config = ConfigDict(extra="forbid", strict=True)
    version: Integer = Field(ge=1, le=999_999_999, description="the version to make live")


class StartCallRequest(BaseModel):
    """Start an outbound call of an outbound flow."""

    model_config = ConfigDict(extra="forbid", strict=True)
    flow_id: str = Field(pattern=FLOW_ID_PATTERN)
    to: str = Field(pattern=E164, description="E.164, country code first")
    from_: str = Field(
        alias="from",
        pattern=E164,
        description="a number of the account attached to the flow",
    )
    variables: dict[
        Annotated[str, StringConstraints(pattern=VARIABLE_NAME)],
        Annotated[str, StringConstraints(max_length=MAX_VARIABLE_LENGTH)],
    ] = Field(default_factory=dict, description="$flow.key values")
    ringing_timeout: Integer = Field(default=60, ge=1, le=120)
    machine_detection: Literal["continue", "hangup"] | None = None


class CallStarted(BaseModel):
    """A call the carrier accepted."""

    call_id: str
    leg_id: str
    status: str


class FlowRolledBack(BaseModel):
    """A flow rolled back: ``version`` is its live version now, a copy of ``copied_from``
    (``changed`` false: it already was, nothing was stored)."""

    flow_id: str
    version: int
    copied_from: int
    changed: bool
    warnings: list[str] = Field(default_factory=list)


class FlowLoaded(BaseModel):
    """A flow revision stored, with what the flow's author should look at (e.g. a loop in
    which no node waits for the caller)."""

    flow_id: str
    version: int
    warnings: list[str] = Field(default_factory=list)


class AccountView(BaseModel):
    """An account as the API shows it."""

    account_id: str
    name: str
    language: str
    currency: str
    balance: str
    timezone: str = Field(description="the IANA time zone flows loaded without one take")


class NumberView(BaseModel):
    """A number as the API shows it."""

    number: str
    flow_id: str | None
    language: str | None
    enabled: bool


class HeldNumberView(NumberView):
    """A number and the account holding it (operator routes)."""

    account_id: str


class FlowVersionView(BaseModel):
    """One version of a flow and when it was loaded."""

    version: int
    loaded_at: datetime


class FlowDetailView(BaseModel):
    """A flow: its head, the document of one version, and its version history."""

    flow_id: str
    name: str
    latest_version: int
    enabled: bool
    version: int
    document: dict[str, Any]
    versions: list[FlowVersionView]


class UserVariableView(BaseModel):
    """One ``$user.key`` value of the account."""

    name: str
    value: str


class FlowView(BaseModel):
    """A flow head."""

    flow_id: str
    name: str
    latest_version: int
    enabled: bool


class CallView(BaseModel):
    """A finished call."""

    call_id: str
    flow_id: str
    direction: str
    from_number: str
    to_number: str
    outcome: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    duration: int
    cost: str = Field(description="what the carrier charged for the call's legs")
    currency: str
    recording_uri: str | None
    price: str | None = Field(
        None, description="what a product charged its customer for the call (a callback)"
    )
    price_currency: str | None = None
    margin: str | None = Field(None, description="price less cost, when both are in one currency")
    facts: dict[str, str] = Field(
        default_factory=dict,
        description="what a product noted about the call (a callback's destination name ...)",
    )


class LegView(BaseModel):
    """One leg of a call as the carrier reported it."""

    leg_id: str
    role: str = Field(description="`a`: the caller's leg (or the first one dialled); `b`: bridged")
    number: str | None
    status: str
    duration: int | None = Field(None, description="seconds, as the carrier billed them")
    price: str | None = Field(None, description="the carrier's price of the leg")


class PathStepView(BaseModel):
    """A node the call went through."""

    node: str
    widget: str
    at: float = Field(description="seconds after the call started")
    output: str | None = Field(None, description="the output it left by (none: it ended there)")
    heard: str | None = Field(None, description="the keys pressed or words said at this node")
    status: str | None = Field(
        None, description="a webhook's HTTP status or error kind, or a dialled leg's status"
    )
    seconds: float | None = Field(None, description="how long the webhook took")


class CallDetailView(CallView):
    """One call, ended or going on, with the path it took through its flow."""

    live: bool = Field(description="the call is still going on")
    legs: list[LegView]
    path: list[PathStepView]
    path_cut: bool = Field(description="the call went on past the steps kept")


class RecordingView(BaseModel):
    """One stored recording of a call: ``uri`` is its lasting address (the API's route, as
    ``$call.recordingUri`` holds it), ``url`` fetches it without a key for ``expires_in``
    seconds."""

    ref: str
    node: str | None
    format: str
    content_type: str
    size: int
    created_at: datetime
    uri: str
    url: str
    expires_in: int


def number_view(number: PhoneNumber) -> dict[str, Any]:
    """``number`` as ``NumberView`` shows it, as JSON-ready data."""
    return NumberView(
        number=number.number,
        flow_id=number.flow_id,
        language=number.language,
        enabled=number.enabled,
    ).model_dump()


def call_detail_view(record: CallRecord, live: bool) -> dict[str, Any]:
    """``record`` with its path, as ``CallDetailView`` shows it (a live call's outcome is
    ``in_progress``)."""
    view = call_view(record)
    if live:
        view["outcome"] = "in_progress"
    path = [PathStepView(**step.to_json()).model_dump(mode="json") for step in record.path]
    legs = [
        LegView(
            leg_id=leg.leg_id,
            role=leg.role.value,
            number=leg.number,
            status=leg.status.value,
            duration=leg.duration,
            price=None if leg.price is None else str(leg.price),
        ).model_dump(mode="json")
        for leg in record.legs
    ]
    return {**view, "live": live, "legs": legs, "path": path, "path_cut": is_cut(record.path)}


def call_view(record: CallRecord) -> dict[str, Any]:
    """``record`` as ``CallView`` shows it, as JSON-ready data."""
    return CallView(
        call_id=record.call_id,
        flow_id=record.flow_id,
        direction=record.direction.value,
        from_number=record.from_number,
        to_number=record.to_number,
        outcome=record.outcome.value,
        started_at=record.started_at,
        answered_at=record.answered_at,
        ended_at=record.ended_at,
        duration=record.duration,
        cost=str(record.cost),
        currency=record.currency,
        recording_uri=record.recording_uri,
        price=None if record.price is None else str(record.price),
        price_currency=record.price_currency,
        margin=_margin(record),
        facts=dict(record.facts),
    ).model_dump(mode="json")


def _margin(record: CallRecord) -> str | None:
    """The call's price less its carrier cost, when both are known in one currency."""
    if record.price is None or record.price_currency != record.currency:
        return None
    return str(record.price - record.cost)
