"""The callback product's routes about one callback account (operator key, problem+json, in
``/openapi.json``), on the ``callback`` blueprint: its speed-dial directory (``GET
/v1/operator/callback-accounts/{pin}/directory``, ``PUT`` / ``DELETE .../directory/{name}``: a
new name goes last, an existing one keeps its place) and its settled calls (``GET
.../calls?from=&to=&limit=``, newest first; ``format=csv`` exports them with formula cells
quoted, through ``callback.call_history``). Owns these routes and their views. Imports Chalice,
pydantic, ``web.rest``, ``web.openapi``, the wiring and the callback modules; must not import
pynamodb, the store or a core route module.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.callback.call_history import HistoryView, calls, csv_headers, day, to_csv
from chalicelib.callback.routes import callback
from chalicelib.errors import ValidationError
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import (
    body,
    current_request,
    guarded,
    json_response,
    operation,
    operator_only,
)
from chalicelib.wiring import container

DIRECTORY_PATH = "/v1/operator/callback-accounts/{pin}/directory"
ENTRY_PATH = DIRECTORY_PATH + "/{name}"
DIRECTORY_PARAMETERS: dict[str, dict[str, Any]] = {
    "pin": {"type": "string", "pattern": r"^[0-9]{6,16}$", "description": "the account's PIN"},
}
ENTRY_PARAMETERS: dict[str, dict[str, Any]] = {
    **DIRECTORY_PARAMETERS,
    "name": {
        "type": "string",
        "pattern": r"^[^\s/]{1,32}$",
        "description": "the entry's name (letters, digits, _ or -; any case)",
    },
}


class EntryRequest(BaseModel):
    """The number a speed-dial entry calls."""

    model_config = ConfigDict(extra="forbid")

    number: str = Field(pattern=r"^\+?[1-9][0-9]{6,14}$", description="E.164, country code first")


class EntryView(BaseModel):
    """One speed-dial entry: ``N<position>`` or ``B.<name>`` calls it."""

    position: int
    name: str
    number: str


class DirectoryView(BaseModel):
    """A callback account's speed-dial directory, in order."""

    account_id: str
    entries: list[EntryView]


def _speed_dial() -> Any:
    return container().services("callback").speed_dial


def _directory(account_id: str) -> dict[str, Any]:
    entries = [EntryView(**vars(entry)) for entry in _speed_dial().entries(account_id)]
    return DirectoryView(account_id=account_id, entries=entries).model_dump()


@operation(
    callback,
    Operation(
        DIRECTORY_PATH,
        "get",
        "Operator: a callback account's speed-dial directory",
        response=DirectoryView,
        auth="operator",
        path_parameters=DIRECTORY_PARAMETERS,
    ),
)
@guarded
def get_directory(pin: str) -> Response:
    """The entries in order (an account with none has an empty directory)."""
    operator_only()
    container().services("billing").accounts.get(pin)
    return json_response(_directory(pin))


@operation(
    callback,
    Operation(
        ENTRY_PATH,
        "put",
        "Operator: set a speed-dial entry (a new name goes last; an existing one keeps its place)",
        request=EntryRequest,
        response=DirectoryView,
        auth="operator",
        path_parameters=ENTRY_PARAMETERS,
    ),
)
@guarded
def put_entry(pin: str, name: str) -> Response:
    """Set ``name`` to the body's number; 404 for an unknown account."""
    operator_only()
    container().services("billing").accounts.get(pin)
    _speed_dial().put(pin, name, body(EntryRequest).number)
    return json_response(_directory(pin))


@operation(
    callback,
    Operation(
        ENTRY_PATH,
        "delete",
        "Operator: remove a speed-dial entry",
        status=204,
        auth="operator",
        path_parameters=ENTRY_PARAMETERS,
    ),
)
@guarded
def delete_entry(pin: str, name: str) -> Response:
    """204 when removed; 404 when the account or the entry is unknown."""
    operator_only()
    container().services("billing").accounts.get(pin)
    _speed_dial().remove(pin, name)
    return Response(body="", status_code=204)


CALLS_PATH = "/v1/operator/callback-accounts/{pin}/calls"
CALLS_QUERY: dict[str, dict[str, Any]] = {
    "from": {"type": "string", "format": "date", "description": "the first day (UTC)"},
    "to": {"type": "string", "format": "date", "description": "the last day (UTC)"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
    "format": {"type": "string", "enum": ["json", "csv"]},
}


class HistoryPageView(BaseModel):
    """A callback account's calls, newest first."""

    account_id: str
    calls: list[HistoryView]


@operation(
    callback,
    Operation(
        CALLS_PATH,
        "get",
        "Operator: a callback account's calls (both legs, destination, duration, charge), "
        "newest first; `format=csv` exports them",
        response=HistoryPageView,
        auth="operator",
        path_parameters=DIRECTORY_PARAMETERS,
        query=CALLS_QUERY,
    ),
)
@guarded
def list_calls(pin: str) -> Response:
    """The calls that ended from ``from`` to ``to`` (whole UTC days), at most ``limit``."""
    operator_only()
    container().services("billing").accounts.get(pin)
    query: dict[str, str] = dict(current_request().query_params or {})
    first, last = day(query.get("from"), "from"), day(query.get("to"), "to")
    limit_text = query.get("limit", "100")
    if not (limit_text.isascii() and limit_text.isdigit() and 1 <= int(limit_text) <= 1000):
        raise ValidationError(f"limit {limit_text[:10]!r} is not 1 to 1000")
    history = container().services("callback").engine.history
    views = calls(history, pin, first, last, int(limit_text))
    if query.get("format", "json") == "csv":
        return Response(body=to_csv(views), status_code=200, headers=csv_headers(pin))
    if query.get("format", "json") != "json":
        raise ValidationError("format is json or csv")
    return json_response({"account_id": pin, "calls": views})
