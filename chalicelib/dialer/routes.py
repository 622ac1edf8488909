"""The dialer's REST routes for its agents and groups, on the blueprint ``dialer``, with the
account's API key: ``PUT``/``GET /v1/dialer/groups/{group_id}`` and ``GET /v1/dialer/groups``;
``PUT``/``GET /v1/dialer/agents/{agent_id}`` (a phone agent with its number, a softphone with
its SIP address) and ``GET /v1/dialer/agents?group_id=``; ``POST
/v1/dialer/agents/{agent_id}/state`` (available, paused, logged_out, or wrap_up once a call
ended; a change the agent's state does not allow is a 409 saying why) and ``GET
/v1/dialer/agents/{agent_id}/events`` (its state changes, newest first); ``DELETE
/v1/dialer/agents/{agent_id}[?version=]`` (not while on a call or wrapping one up, nor at
another version than the one named: 409 saying why; its events kept, its password gone);
``PUT /v1/dialer/agents/{agent_id}/password`` (the password of the agent's page); ``GET
/v1/dialer/dispositions?call_id=&agent_id=`` (the dispositions agents set for their calls).

Imports Chalice, pydantic, the web helpers, the wiring and the product's service, model and
views; never the store.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, RootModel

from chalicelib.dialer.agent_logins import AgentLogins
from chalicelib.dialer.agents import Agents
from chalicelib.dialer.dispositions import CALL_ID_PATTERN, Dispositions
from chalicelib.dialer.model import ID_PATTERN, NUMBER_PATTERN, SIP_PATTERN
from chalicelib.dialer.views import (
    DialerAgentList,
    DialerAgentView,
    DialerDispositionList,
    DialerEventList,
    DialerGroupList,
    DialerGroupView,
    agent_view,
    disposition_view,
    event_view,
    group_view,
)
from chalicelib.errors import ValidationError
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    body,
    calling_account,
    current_request,
    guarded,
    json_response,
    operation,
)
from chalicelib.web.schemas import Integer
from chalicelib.wiring import container

dialer = Blueprint(__name__)
_ID: dict[str, Any] = {"type": "string", "pattern": ID_PATTERN}
GROUPS = "/v1/dialer/groups"
AGENTS = "/v1/dialer/agents"
EVENTS_LIMIT = 200
IdText = Annotated[str, Field(pattern=ID_PATTERN)]
Name = Annotated[str, Field(max_length=100)]
AgentType = Literal["dynamic", "direct dial"]


def _service() -> Agents:
    return container().services("dialer").agents  # type: ignore[no-any-return]


def _logins() -> AgentLogins:
    return container().services("dialer").logins  # type: ignore[no-any-return]


def _dispositions() -> Dispositions:
    return container().services("dialer").dispositions  # type: ignore[no-any-return]


def _query() -> dict[str, str]:
    return dict(current_request().query_params or {})


def _now() -> Any:
    return container().clock()


class DialerGroupBody(BaseModel):
    """An agent group: its agents' wrap-up time after a call, and how an agent's own leg is
    rung for a customer (seconds it rings, calls made)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Name = ""
    wrap_up_seconds: Integer = Field(default=30, ge=0, le=3600)
    ring_timeout: Integer = Field(default=30, ge=5, le=120)
    max_attempts: Integer = Field(default=2, ge=1, le=10)


class DialerPhoneAgentBody(BaseModel):
    """An agent on a mobile phone, a desk phone or a landline: reached on its number."""

    model_config = ConfigDict(extra="forbid", strict=True)
    group_id: IdText
    name: Name = ""
    login_type: Literal["mobile phone", "desk phone", "landline"]
    number: Annotated[
        str,
        Field(pattern=NUMBER_PATTERN, description="with its country code: +447700900123"),
    ]
    agent_type: AgentType = "dynamic"


class DialerSoftphoneAgentBody(BaseModel):
    """An agent on a softphone: reached on its SIP address."""

    model_config = ConfigDict(extra="forbid", strict=True)
    group_id: IdText
    name: Name = ""
    login_type: Literal["softphone"]
    sip: Annotated[str, Field(pattern=SIP_PATTERN, max_length=260)]
    agent_type: AgentType = "dynamic"


class DialerAgentBody(
    RootModel[
        Annotated[
            DialerPhoneAgentBody | DialerSoftphoneAgentBody, Field(discriminator="login_type")
        ]
    ]
):
    """An agent of a group, by its login type: a phone's number or a softphone's SIP address."""


class DialerStateBody(BaseModel):
    """The state an agent is to be in (``on_call`` is entered only when the dialer gives the
    agent a call; ``wrap_up`` only from it)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    state: Literal["available", "paused", "logged_out", "wrap_up"]
    reason: Annotated[str, Field(max_length=200)] = ""


@operation(
    dialer,
    Operation(
        GROUPS + "/{group_id}",
        "put",
        "Make or change an agent group",
        request=DialerGroupBody,
        response=DialerGroupView,
        path_parameters={"group_id": _ID},
    ),
)
@guarded
def put_group(group_id: str) -> Response:
    """The group, as stored."""
    account = calling_account()
    fields = body(DialerGroupBody).model_dump()
    made = _service().put_group(account.account_id, group_id, **fields, now=_now())
    return json_response(group_view(made))


@operation(
    dialer,
    Operation(
        GROUPS + "/{group_id}",
        "get",
        "One agent group",
        response=DialerGroupView,
        path_parameters={"group_id": _ID},
    ),
)
@guarded
def show_group(group_id: str) -> Response:
    """The group (404 for one the account has not)."""
    account = calling_account()
    return json_response(group_view(_service().group(account.account_id, group_id)))


@operation(dialer, Operation(GROUPS, "get", "The account's agent groups", response=DialerGroupList))
@guarded
def list_groups() -> Response:
    """Every group of the account, by group id."""
    account = calling_account()
    groups = _service().list_groups(account.account_id)
    return json_response({"groups": [group_view(g) for g in groups]})


@operation(
    dialer,
    Operation(
        AGENTS + "/{agent_id}",
        "put",
        "Make or change an agent (a new one is logged out)",
        request=DialerAgentBody,
        response=DialerAgentView,
        path_parameters={"agent_id": _ID},
    ),
)
@guarded
def put_agent(agent_id: str) -> Response:
    """The agent, as stored: its profile changed, its state kept."""
    account = calling_account()
    given = body(DialerAgentBody).root.model_dump()
    group_id, login_type = given.pop("group_id"), given.pop("login_type")
    made = _service().put_agent(
        account.account_id, agent_id, group_id, login_type, **given, now=_now()
    )
    return json_response(agent_view(made))


@operation(
    dialer,
    Operation(
        AGENTS + "/{agent_id}",
        "get",
        "One agent: how it is reached and its state",
        response=DialerAgentView,
        path_parameters={"agent_id": _ID},
    ),
)
@guarded
def show_agent(agent_id: str) -> Response:
    """The agent (404 for one the account has not)."""
    account = calling_account()
    return json_response(agent_view(_service().agent(account.account_id, agent_id)))


@operation(
    dialer,
    Operation(
        AGENTS,
        "get",
        "The account's agents (or one group's), by agent id",
        response=DialerAgentList,
        query={"group_id": _ID},
    ),
)
@guarded
def list_agents() -> Response:
    """The account's agents, or the group's (404 for a group the account has not)."""
    account = calling_account()
    group_id = _query().get("group_id")
    agents = _service().list_agents(account.account_id, group_id)
    return json_response({"agents": [agent_view(a) for a in agents]})


@operation(
    dialer,
    Operation(
        AGENTS + "/{agent_id}/state",
        "post",
        "Change an agent's state (409 when its state does not allow it)",
        request=DialerStateBody,
        response=DialerAgentView,
        path_parameters={"agent_id": _ID},
    ),
)
@guarded
def set_state(agent_id: str) -> Response:
    """The agent in its new state (asked for the state it is in: unchanged)."""
    account = calling_account()
    given = body(DialerStateBody)
    changed = _service().set_state(account.account_id, agent_id, given.state, _now(), given.reason)
    return json_response(agent_view(changed))


@operation(
    dialer,
    Operation(
        AGENTS + "/{agent_id}/events",
        "get",
        "An agent's state changes, newest first",
        response=DialerEventList,
        path_parameters={"agent_id": _ID},
        query={"limit": {"type": "integer", "minimum": 1, "maximum": EVENTS_LIMIT}},
    ),
)
@guarded
def list_events(agent_id: str) -> Response:
    """The agent's latest ``limit`` (50) state changes."""
    account = calling_account()
    text = _query().get("limit", "50")
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        raise ValidationError(f"limit is 1 to {EVENTS_LIMIT}")
    limit = int(text)
    if not 1 <= limit <= EVENTS_LIMIT:
        raise ValidationError(f"limit is 1 to {EVENTS_LIMIT}")
    events = _service().events(account.account_id, agent_id, limit)
    return json_response({"agent_id": agent_id, "events": [event_view(e) for e in events]})


VERSION_MAX = 2**31 - 1
DISPOSITIONS = "/v1/dialer/dispositions"
DISPOSITIONS_LIMIT = 200


def _whole(name: str, low: int, high: int, default: int | None = None) -> int | None:
    """A whole-number query parameter of ``low`` to ``high`` (absent: ``default``)."""
    text = _query().get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or not low <= int(text) <= high:
        raise ValidationError(f"{name} is a whole number of {low} to {high}")
    return int(text)


class DialerPasswordBody(BaseModel):
    """The password the agent logs in to the agent's page with."""

    model_config = ConfigDict(extra="forbid", strict=True)
    password: Annotated[str, Field(min_length=8, max_length=200)]


@operation(
    dialer,
    Operation(
        AGENTS + "/{agent_id}",
        "delete",
        "Delete an agent (409 while on a call or wrapping one up, or at another version)",
        response=DialerAgentView,
        path_parameters={"agent_id": _ID},
        query={"version": {"type": "integer", "minimum": 1, "maximum": VERSION_MAX}},
    ),
)
@guarded
def delete_agent(agent_id: str) -> Response:
    """The agent as it was; its events are kept, its password is gone."""
    account = calling_account()
    version = _whole("version", 1, VERSION_MAX)
    deleted = _service().delete_agent(account.account_id, agent_id, _now(), version)
    return json_response(agent_view(deleted))


@operation(
    dialer,
    Operation(
        AGENTS + "/{agent_id}/password",
        "put",
        "Set the password an agent logs in to the agent's page with",
        request=DialerPasswordBody,
        response=DialerAgentView,
        path_parameters={"agent_id": _ID},
    ),
)
@guarded
def set_password(agent_id: str) -> Response:
    """The agent whose password was set (404 for one the account has not)."""
    account = calling_account()
    given = body(DialerPasswordBody)
    agent = _logins().set_password(account.account_id, agent_id, given.password)
    return json_response(agent_view(agent))


@operation(
    dialer,
    Operation(
        DISPOSITIONS,
        "get",
        "Dispositions agents set: a call's (by agent id), an agent's (newest first), or both's",
        response=DialerDispositionList,
        query={
            "call_id": {"type": "string", "pattern": CALL_ID_PATTERN},
            "agent_id": _ID,
            "limit": {"type": "integer", "minimum": 1, "maximum": DISPOSITIONS_LIMIT},
        },
    ),
)
@guarded
def list_dispositions() -> Response:
    """A call's or an agent's dispositions (422 when the request names neither)."""
    account = calling_account()
    query = _query()
    limit = _whole("limit", 1, DISPOSITIONS_LIMIT, 50) or 50
    call_id, agent_id = query.get("call_id"), query.get("agent_id")
    if call_id is not None and not re.fullmatch(CALL_ID_PATTERN, call_id):
        raise ValidationError(f"call_id {call_id[:60]!r} is not a call id")
    if agent_id is not None and not re.fullmatch(ID_PATTERN, agent_id):
        raise ValidationError(f"agent_id {agent_id[:60]!r} is not an agent id")
    found = _dispositions().list(account.account_id, call_id, agent_id, limit)
    return json_response({"dispositions": [disposition_view(d) for d in found]})
