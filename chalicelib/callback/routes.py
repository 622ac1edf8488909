"""The callback product's operator REST routes, as the blueprint ``callback``: access numbers
(the ANI, DNIS and PIN triggers' configuration), a dry run of caller-id translation, and PIN
lockouts of caller numbers.

``PUT /v1/operator/access-numbers/{number}`` creates (201) or replaces (200) an access number
from a JSON body whose ``kind`` says which fields it takes (DNIS: ``account_id``; PIN:
``internal_account``; any kind: a ``mail_address`` for the e-mail trigger, 409 when another
access number has it); ``GET`` reads it, ``DELETE`` removes it (204); ``GET
/v1/operator/access-numbers`` lists them a page at a time (``limit``, ``after``); ``POST
.../{number}/translate`` says what a caller id would be called back as. ``GET`` and ``DELETE
/v1/operator/lockouts/{number}`` read and lift a caller number's lock. Operator key auth and
problem+json as every operator route (``web.rest``); documented in ``/openapi.json``.

Owns the routes, their request and view models. Imports Chalice, pydantic, ``web.rest``,
``web.openapi``, ``web.schemas``' shared types, the wiring and the callback modules; must not
import pynamodb, the store or a core route module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, RootModel

from chalicelib.callback import catalogue
from chalicelib.callback.access import (
    ACCESS_NUMBER_PATTERN,
    CALLBACK_ACCOUNT_PATTERN,
    COUNTRIES,
    DEFAULT_LOCK_MINUTES,
    FLOW_ID_PATTERN,
    MAIL_ADDRESS_PATTERN,
    MAX_DELAY_SECONDS,
    MAX_LOCK_MINUTES,
    MAX_MAIL_ADDRESS,
    MAX_PAGE,
    MAX_RULES,
    MIN_LOCK_MINUTES,
    PREFIX_PATTERN,
    REPLACE_PATTERN,
    TENANT_PATTERN,
    AccessNumber,
    Translation,
    TranslationRule,
    TriggerKind,
)
from chalicelib.flows.languages import TEXT_TO_SPEECH
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    body,
    current_request,
    guarded,
    json_response,
    operation,
    operator_only,
    page_limit,
)
from chalicelib.web.schemas import Integer
from chalicelib.wiring import container

CatalogueLanguage = Annotated[
    str,
    Field(
        json_schema_extra={
            "enum": sorted(code for code in TEXT_TO_SPEECH if catalogue.has_language(code))
        }
    ),
]
"""A language the carrier speaks and the callback's catalogue has words for."""

callback = Blueprint(__name__)
ACCESS_PATH = "/v1/operator/access-numbers/{number}"
LOCKOUT_PATH = "/v1/operator/lockouts/{number}"
MAX_CALLER_ID = 64
Country = Annotated[str, Field(json_schema_extra={"enum": sorted(COUNTRIES)})]
CallbackAccount = Annotated[str, Field(pattern=CALLBACK_ACCOUNT_PATTERN)]


class RuleBody(BaseModel):
    """A translation rule: a caller id's leading ``prefix`` is replaced by ``replace``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    prefix: str = Field(pattern=PREFIX_PATTERN, description="leading digits to replace")
    replace: str = Field(pattern=REPLACE_PATTERN, description="the digits put in their place")


class _AccessBody(BaseModel):
    """What every kind of access number takes."""

    model_config = ConfigDict(extra="forbid", strict=True)
    tenant: str = Field(pattern=TENANT_PATTERN, description="the account whose calls these are")
    language: CatalogueLanguage
    rules: list[RuleBody] = Field(
        default_factory=list,
        max_length=MAX_RULES,
        description="caller-id translation rules, longest prefix first; each prefix once",
    )
    delay_seconds: Integer = Field(default=5, ge=0, le=MAX_DELAY_SECONDS)
    flow_id: str = Field(default="callback", pattern=FLOW_ID_PATTERN)
    country: Country | None = Field(
        default=None, description="the ISO region a national caller id is read as"
    )
    lock_minutes: Integer = Field(
        default=DEFAULT_LOCK_MINUTES, ge=MIN_LOCK_MINUTES, le=MAX_LOCK_MINUTES
    )
    enabled: bool = True
    mail_address: str | None = Field(
        default=None,
        pattern=MAIL_ADDRESS_PATTERN,
        max_length=MAX_MAIL_ADDRESS,
        description="e-mail to this address (any case; unique among access numbers) is a "
        "callback command: P <account> <password> SN <number> DN <number>",
    )


class AniBody(_AccessBody):
    """ANI: the caller id is called back."""

    kind: Literal["ani"]


class DnisBody(_AccessBody):
    """DNIS: the access number belongs to a callback account, whose number is called back."""

    kind: Literal["dnis"]
    account_id: CallbackAccount = Field(description="the callback account it belongs to")


class PinBody(_AccessBody):
    """PIN: the caller is called back on an internal account and asked for a PIN."""

    kind: Literal["pin"]
    internal_account: CallbackAccount = Field(
        description="the callback account (with its restricted tariff) calls back on"
    )


class AccessNumberRequest(
    RootModel[Annotated[AniBody | DnisBody | PinBody, Field(discriminator="kind")]]
):
    """An access number's configuration; ``kind`` says which fields it takes."""


class RuleView(BaseModel):
    """A translation rule as stored."""

    prefix: str
    replace: str


class AccessNumberView(BaseModel):
    """An access number's configuration."""

    number: str = Field(description="E.164 digits")
    kind: TriggerKind
    tenant: str
    language: str
    rules: list[RuleView]
    account_id: str | None
    internal_account: str | None
    delay_seconds: int
    flow_id: str
    country: str | None
    lock_minutes: int
    enabled: bool
    mail_address: str | None = Field(description="lower-cased")


class AccessNumberPageView(BaseModel):
    """A page of access numbers; ``next`` is the ``after`` of the next page (null: the last)."""

    items: list[AccessNumberView]
    next: str | None


class TranslateRequest(BaseModel):
    """A caller id as a carrier would deliver it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    caller_id: str = Field(max_length=MAX_CALLER_ID)


class TranslationView(BaseModel):
    """What a caller id is called back as: ``number``, or ``reason`` it is not."""

    access_number: str
    caller_id: str
    number: str | None = Field(description="E.164 digits to call back")
    reason: Literal["withheld", "garbled", "untranslatable"] | None
    detail: str
    candidate: str | None = Field(description="what the rules made of it, if no possible number")


class LockoutView(BaseModel):
    """A caller number's PIN lockout."""

    number: str
    locked: bool
    locked_until: datetime | None


def _view(access: AccessNumber) -> dict[str, Any]:
    return AccessNumberView(
        number=access.number,
        kind=access.kind,
        tenant=access.tenant,
        language=access.language,
        rules=[RuleView(prefix=rule.prefix, replace=rule.replace) for rule in access.rules],
        account_id=access.account_id,
        internal_account=access.internal_account,
        delay_seconds=access.delay_seconds,
        flow_id=access.flow_id,
        country=access.country,
        lock_minutes=access.lock_minutes,
        enabled=access.enabled,
        mail_address=access.mail_address,
    ).model_dump(mode="json")


def _translation_view(number: str, found: Translation) -> dict[str, Any]:
    return TranslationView(
        access_number=number,
        caller_id=found.caller_id,
        number=found.number,
        reason=None if found.reason is None else found.reason.value,
        detail=found.detail,
        candidate=found.candidate,
    ).model_dump(mode="json")


def _service() -> Any:
    return container().services("callback").access_numbers


NUMBER_QUERY: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
    "after": {"type": "string", "pattern": ACCESS_NUMBER_PATTERN},
}


@operation(
    callback,
    Operation(
        ACCESS_PATH,
        "put",
        "Operator: create or replace a callback access number (ANI, DNIS or PIN trigger)",
        request=AccessNumberRequest,
        response=AccessNumberView,
        status=201,
        auth="operator",
        also={200: "An existing access number replaced"},
    ),
)
@guarded
def put_access_number(number: str) -> Response:
    """Validate the body as the kind it names and store it; 404 if the tenant is no account."""
    operator_only()
    request = body(AccessNumberRequest).root
    fields = request.model_dump(exclude={"rules"})
    rules = tuple(TranslationRule(rule.prefix, rule.replace) for rule in request.rules)
    access = AccessNumber(number=number, rules=rules, **fields)
    new = _service().put(access)
    return json_response(_view(access), 201 if new else 200)


@operation(
    callback,
    Operation(
        ACCESS_PATH,
        "get",
        "Operator: a callback access number",
        response=AccessNumberView,
        auth="operator",
    ),
)
@guarded
def get_access_number(number: str) -> Response:
    """The access number's configuration; 404 if there is none."""
    operator_only()
    return json_response(_view(_service().get(number)))


@operation(
    callback,
    Operation(
        ACCESS_PATH,
        "delete",
        "Operator: delete a callback access number",
        status=204,
        auth="operator",
    ),
)
@guarded
def delete_access_number(number: str) -> Response:
    """204 when deleted; 404 when there is no such access number."""
    operator_only()
    _service().delete(number)
    return Response(body="", status_code=204)


@operation(
    callback,
    Operation(
        "/v1/operator/access-numbers",
        "get",
        "Operator: the callback access numbers, a page at a time",
        response=AccessNumberPageView,
        auth="operator",
        query=NUMBER_QUERY,
    ),
)
@guarded
def list_access_numbers() -> Response:
    """Up to ``limit`` access numbers after ``after`` (the previous page's ``next``)."""
    operator_only()
    query: dict[str, str] = dict(current_request().query_params or {})
    limit = page_limit(query.get("limit"), MAX_PAGE)
    page = _service().list(limit, query.get("after"))
    views = [_view(access) for access in page.items]
    return json_response({"items": views, "next": page.next})


@operation(
    callback,
    Operation(
        ACCESS_PATH + "/translate",
        "post",
        "Operator: what a caller id on a call to the access number is called back as (dry run)",
        request=TranslateRequest,
        response=TranslationView,
        auth="operator",
    ),
)
@guarded
def translate_caller_id(number: str) -> Response:
    """The E.164 digits the caller id translates to, or why it would not be called back."""
    operator_only()
    request: TranslateRequest = body(TranslateRequest)
    found = _service().translate(number, request.caller_id)
    return json_response(_translation_view(number.removeprefix("+"), found))


@operation(
    callback,
    Operation(
        LOCKOUT_PATH,
        "get",
        "Operator: whether a caller number is locked out of PIN callbacks, and until when",
        response=LockoutView,
        auth="operator",
    ),
)
@guarded
def get_lockout(number: str) -> Response:
    """Whether the caller number is locked (a lock that ran out is none) and until when."""
    operator_only()
    until = _service().locked_until(number)
    view = LockoutView(
        number=number.removeprefix("+"), locked=until is not None, locked_until=until
    )
    return json_response(view.model_dump(mode="json"))


@operation(
    callback,
    Operation(
        LOCKOUT_PATH,
        "delete",
        "Operator: lift a caller number's PIN lockout",
        status=204,
        auth="operator",
    ),
)
@guarded
def delete_lockout(number: str) -> Response:
    """204 when a lock was lifted; 404 when the number is not locked."""
    operator_only()
    _service().unlock(number)
    return Response(body="", status_code=204)
