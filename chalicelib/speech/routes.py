"""The speech product's tenant REST routes, as the blueprint ``speech``: an account's intent
agents, versioned like its flows.

``PUT /v1/agents/{name}`` stores an upload (``export``: the Dialogflow ES export zip in base64,
and/or ``dialogflow``: project, environment, the service account key; ``languages``) as the next
version: 201 with it, or 200 when the latest version has that content already. ``GET
/v1/agents`` lists the account's agents; ``GET /v1/agents/{name}`` shows one version (the
latest, or ``?version=N``: engine, languages, intents and entities, the Dialogflow target
without its key) and the version history; ``GET /v1/agents/{name}/export`` gives a version's
export (base64); ``POST /v1/agents/{name}/rollback`` makes an earlier version live again as the
next one; ``DELETE /v1/agents/{name}`` deletes the agent. The body's size is checked before it
is parsed (413 beyond ``MAX_BODY_BYTES``); a body that is not JSON is a 400, a broken export or
spec a 422 listing every problem. Account key auth and problem+json as every tenant route
(``web.rest``); documented in ``/openapi.json``; a key is never in an answer.

Owns the routes and their request and view models. Imports Chalice, pydantic, ``web.rest``,
``web.openapi``, ``web.schemas``' shared types, the wiring and the speech library; must not
import pynamodb, the store or a core route module.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.errors import TooLargeError
from chalicelib.speech.agents import (
    MAX_CREDENTIALS_CHARS,
    MAX_EXPORT_BYTES,
    MAX_LANGUAGES,
    NAME_PATTERN,
    AgentHead,
    AgentLibrary,
    DialogflowSpec,
    outline,
)
from chalicelib.speech.port import AgentError
from chalicelib.speech.records import AgentVersion
from chalicelib.web.openapi import Operation
from chalicelib.web.problems import problem
from chalicelib.web.rest import (
    Refused,
    body,
    calling_account,
    current_request,
    guarded,
    json_response,
    operation,
)
from chalicelib.web.schemas import RollbackRequest
from chalicelib.wiring import container

speech = Blueprint(__name__)

AGENT_PATH = "/v1/agents/{name}"
NAME_PARAMETER = {"name": {"type": "string", "pattern": NAME_PATTERN}}
MAX_BODY_BYTES = (MAX_EXPORT_BYTES + 2) // 3 * 4 + MAX_CREDENTIALS_CHARS + 16_384
"""The largest body ``PUT /v1/agents/{name}`` reads: the largest export in base64, the largest
key and room for the rest."""
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
"""Standard base64 with its padding: what the export is sent as."""
DIALOGFLOW_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,100}$"
"""A Dialogflow project or environment id (``speech.dialogflow.NAME``)."""
LANGUAGE_CODE_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$"
"""A language code, in either case (``speech.agents.LANGUAGE_PATTERN`` once lower-cased)."""
VERSION_QUERY = {
    "version": {
        "type": "integer",
        "minimum": 1,
        "maximum": 999_999_999,
        "description": "default: the latest",
    }
}


def _agents() -> AgentLibrary:
    library: AgentLibrary = container().services("speech").agents
    return library


class DialogflowBody(BaseModel):
    """A Dialogflow ES agent: where it is and the service account key to ask it with."""

    model_config = ConfigDict(extra="forbid", strict=True)
    project: str = Field(pattern=DIALOGFLOW_ID_PATTERN, description="its Google Cloud project id")
    environment: str | None = Field(
        default=None, pattern=DIALOGFLOW_ID_PATTERN, description="default: the draft agent"
    )
    credentials: dict[str, Any] | str = Field(
        description="the service account key (its JSON object, or that JSON as text); kept in "
        "the platform's secrets, never shown again"
    )


class AgentBody(BaseModel):
    """An upload of an agent: its export, its Dialogflow agent, or both."""

    model_config = ConfigDict(extra="forbid", strict=True)
    export: str | None = Field(
        default=None,
        max_length=(MAX_EXPORT_BYTES + 2) // 3 * 4,
        pattern=BASE64_PATTERN,
        description=f"the Dialogflow ES export zip in base64 (at most {MAX_EXPORT_BYTES} bytes)",
    )
    dialogflow: DialogflowBody | None = None
    languages: list[Annotated[str, Field(pattern=LANGUAGE_CODE_PATTERN)]] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_LANGUAGES,
        description="language codes (en, es, pt-br): required for a Dialogflow agent without "
        "an export; with one, among its languages (default: all of them)",
    )


class AgentStored(BaseModel):
    """The agent's latest version after an upload (``changed``: the upload made it)."""

    name: str
    version: int
    engine: str
    languages: list[str]
    digest: str
    created_at: datetime
    changed: bool


class AgentRolledBack(AgentStored):
    """The agent's latest version after a rollback to ``copied_from``."""

    copied_from: int


class AgentView(BaseModel):
    """An agent in the account's list."""

    name: str
    latest_version: int
    engine: str
    languages: list[str]
    updated: datetime


class DialogflowView(BaseModel):
    """Where a Dialogflow agent is, and whose key the platform asks it with."""

    project: str
    environment: str | None
    client_email: str


class AgentVersionView(BaseModel):
    """One version in an agent's history."""

    version: int
    created_at: datetime


class AgentDetailView(BaseModel):
    """One version of an agent and the agent's history, newest first."""

    name: str
    version: int
    latest_version: int
    engine: str
    languages: list[str]
    dialogflow: DialogflowView | None
    has_export: bool
    intents: int
    intent_names: list[str]
    entity_names: list[str]
    created_at: datetime
    versions: list[AgentVersionView]


class AgentExportView(BaseModel):
    """One version's export zip, in base64."""

    name: str
    version: int
    export: str


def _stored(version: AgentVersion, changed: bool) -> dict[str, Any]:
    return AgentStored(
        name=version.name,
        version=version.version,
        engine=version.engine,
        languages=list(version.languages),
        digest=version.digest,
        created_at=version.created_at,
        changed=changed,
    ).model_dump(mode="json")


def _view(head: AgentHead) -> dict[str, Any]:
    return AgentView(
        name=head.name,
        latest_version=head.latest_version,
        engine=head.engine,
        languages=list(head.languages),
        updated=head.updated,
    ).model_dump(mode="json")


def _version_query() -> int | None:
    """``?version=N``, or None; refused 400 unless a whole number from 1."""
    query: dict[str, str] = dict(current_request().query_params or {})
    text = query.get("version")
    if text is None:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= len(text) <= 9 or int(text) < 1:
        raise Refused(problem(400, "version is a whole number from 1"))
    return int(text)


def _export(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise AgentError(
            "the agent upload is not valid", ["export: not base64 (the export zip, encoded)"]
        ) from None


@operation(
    speech,
    Operation(
        AGENT_PATH,
        "put",
        "Store an intent agent (a new version)",
        request=AgentBody,
        response=AgentStored,
        status=201,
        also={200: "the latest version has this content already: nothing was stored"},
        path_parameters=NAME_PARAMETER,
    ),
)
@guarded
def put_agent(name: str) -> Response:
    """Validate an upload and store it as the agent's next version. The body's size is checked
    first, as received: a body too large to store is never parsed."""
    account = calling_account()
    size = len(current_request().raw_body or b"")
    if size > MAX_BODY_BYTES:
        raise TooLargeError(f"the body is {size} bytes; at most {MAX_BODY_BYTES} are read")
    request: AgentBody = body(AgentBody)
    spec: DialogflowSpec | None = None
    if request.dialogflow is not None:
        credentials = request.dialogflow.credentials
        spec = DialogflowSpec(
            project=request.dialogflow.project,
            environment=request.dialogflow.environment,
            credentials=credentials if isinstance(credentials, str) else json.dumps(credentials),
        )
    version, changed = _agents().put(
        account.account_id, name, _export(request.export), spec, request.languages
    )
    return json_response(_stored(version, changed), 201 if changed else 200)


@operation(
    speech, Operation("/v1/agents", "get", "List intent agents", response=AgentView, many=True)
)
@guarded
def list_agents() -> Response:
    """The account's agents, by name."""
    account = calling_account()
    return json_response([_view(head) for head in _agents().list(account.account_id)])


@operation(
    speech,
    Operation(
        AGENT_PATH,
        "get",
        "An intent agent: one version and the version history",
        response=AgentDetailView,
        query=VERSION_QUERY,
        path_parameters=NAME_PARAMETER,
    ),
)
@guarded
def show_agent(name: str) -> Response:
    """The agent's latest version (or ``?version=N``'s) and every version, newest first."""
    account = calling_account()
    library = _agents()
    version = library.live(account.account_id, name, _version_query())
    latest = library.latest_version(account.account_id, name)
    versions = library.versions(account.account_id, name)
    shape = outline(version.export) if version.export is not None else None
    target = version.dialogflow
    view = AgentDetailView(
        name=version.name,
        version=version.version,
        latest_version=latest,
        engine=version.engine,
        languages=list(version.languages),
        dialogflow=None
        if target is None
        else DialogflowView(
            project=target.project, environment=target.environment, client_email=target.client_email
        ),
        has_export=version.export is not None,
        intents=0 if shape is None else len(shape.intents),
        intent_names=[] if shape is None else list(shape.intents),
        entity_names=[] if shape is None else list(shape.entities),
        created_at=version.created_at,
        versions=[AgentVersionView(version=v, created_at=at) for v, at in versions],
    )
    return json_response(view.model_dump(mode="json"))


@operation(
    speech,
    Operation(
        f"{AGENT_PATH}/export",
        "get",
        "An intent agent's export zip (base64)",
        response=AgentExportView,
        query=VERSION_QUERY,
        path_parameters=NAME_PARAMETER,
    ),
)
@guarded
def get_agent_export(name: str) -> Response:
    """The export of the agent's latest version (or ``?version=N``'s); 404 for a Dialogflow
    version stored without one."""
    account = calling_account()
    version = _agents().live(account.account_id, name, _version_query())
    if version.export is None:
        return problem(404, f"version {version.version} of agent {name!r} has no export")
    view = AgentExportView(
        name=version.name,
        version=version.version,
        export=base64.b64encode(version.export).decode("ascii"),
    )
    return json_response(view.model_dump())


@operation(
    speech,
    Operation(
        f"{AGENT_PATH}/rollback",
        "post",
        "Make an earlier version of an intent agent live again (stored as the next version)",
        request=RollbackRequest,
        response=AgentRolledBack,
        status=201,
        also={200: "the latest version has that content already: nothing was stored"},
        path_parameters=NAME_PARAMETER,
    ),
)
@guarded
def rollback_agent(name: str) -> Response:
    """Store the content of ``version`` as the agent's next version (history stays
    append-only); calls starting from now use it."""
    account = calling_account()
    request: RollbackRequest = body(RollbackRequest)
    version, changed = _agents().rollback(account.account_id, name, request.version)
    view = {**_stored(version, changed), "copied_from": request.version}
    return json_response(AgentRolledBack(**view).model_dump(mode="json"), 201 if changed else 200)


@operation(
    speech,
    Operation(
        AGENT_PATH, "delete", "Delete an intent agent", status=204, path_parameters=NAME_PARAMETER
    ),
)
@guarded
def delete_agent(name: str) -> Response:
    """Delete the agent and every version; calls in progress go on with the version they
    started with."""
    account = calling_account()
    _agents().delete(account.account_id, name)
    return Response(body="", status_code=204)
