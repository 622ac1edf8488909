"""The console: a tenant's flows drawn as pictures, as a ``web.site.Site`` served under
``/console`` on its own blueprint (``console``), with its own session cookie
(``ringflow_console``) and key. The login takes the account id and one of the account's API keys
(``web.key_logins``, the lockout under its own scope). Pages: the account's flows
(``/console/flows``); a flow (``/console/flows/{flow_id}[?version=N]``: the shell its script
fills with the drawing, its versions with the live one marked, the calls in progress on it and
its recent calls to replay); two versions side by side (``/console/flows/{flow_id}/compare?a=&b=``)
and the draft check (``/console/draft``: a pasted document checked and drawn, never stored).

The script fetches JSON from the pages' origin (the sites' ``connect-src 'self'``): a version's
drawing (``.../drawing?version=N``), the calls in progress on the flow, polled every
``POLL_MILLISECONDS`` (``.../live``), its recent calls (``.../calls``), one call's path to replay
(``/console/calls/{call_id}``), the changes between two versions (``.../changes?a=&b=``) and a
draft's drawing (POST ``/console/draft``, the form with its CSRF token). dagre is vendored in
``static/vendor`` and served with a long cache.

Imports Chalice, ``web.site``, the wiring, the accounts' administration errors, the calls'
records and the console's pure modules; must not import pynamodb or the store.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.accounts.admin import MAX_FLOW_DOCUMENT_BYTES
from chalicelib.calls.records import find_call
from chalicelib.console.changes import side_by_side
from chalicelib.console.drafts import check_draft
from chalicelib.console.picture import drawing
from chalicelib.console.views import (
    history_view,
    live_view,
    recent_view,
    replay_view,
    version_at,
)
from chalicelib.errors import NotFoundError, RingflowError, ValidationError
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.web.problems import problem, status_for
from chalicelib.web.site import Site, Visit, headers
from chalicelib.wiring import container

console = Blueprint(__name__)
PREFIX = "/console"
COOKIE = "ringflow_console"
PURPOSE = b"ringflow console session v1"
LOGIN_SCOPE = "console:"
"""The lockout's scope: failures here never lock another site's logins."""
HOME = "/flows"
POLL_MILLISECONDS = 500
"""How often a flow's page asks where its calls are."""
LIVE_WINDOW = timedelta(hours=2)
"""Calls started this long ago or less are looked at for the calls in progress (the carrier's
default longest call)."""
RECENT_WINDOW = timedelta(days=7)
RECENT_RECORDS = 200
"""The account's newest call records read (1 Query) to find the flow's recent calls."""
DAGRE = "vendor/dagre-3.1.3.min.js"
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}

SITE = Site(
    prefix=PREFIX,
    folder=Path(__file__).resolve().parent,
    static_types={
        "console.css": "text/css; charset=utf-8",
        "console.js": "text/javascript; charset=utf-8",
        DAGRE: "text/javascript; charset=utf-8",
        "vendor/dagre.LICENSE.txt": "text/plain; charset=utf-8",
    },
    cookie=COOKIE,
    purpose=PURPOSE,
    max_form_bytes=3 * MAX_FLOW_DOCUMENT_BYTES + 4096,
    lasting=frozenset({DAGRE}),
)
page = partial(SITE.handler, console)

SITE.entry_routes(console, lambda: container().services("console").logins, "account_id", HOME, 63)


@console.route(PREFIX + "/static/vendor/{name}", methods=["GET"])
def console_vendor(name: str) -> Response:
    """The vendored scripts (dagre) and their licences."""
    return SITE.static(f"vendor/{name}")


def _json(value: Any, status: int = 200) -> Response:
    body = json.dumps(value, ensure_ascii=False)
    return Response(body=body, status_code=status, headers=headers(JSON_TYPE))


def _refused(error: RingflowError) -> Response:
    """A refusal as problem+json, its status by the error's class (``web.problems``), with
    the pages' security headers."""
    return problem(status_for(error) or 400, str(error), headers=headers())


def _version(visit: Visit, name: str = "version") -> int | None:
    """A version named in the query; ``ValidationError`` for one that is not a whole number."""
    text = visit.query.get(name)
    if text is None or text == "":
        return None
    if not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise ValidationError(f"{name} is a whole number from 1")
    return int(text)


def _history(visit: Visit, flow_id: str, version: int | None) -> Any:
    return container().admin.flow_history(visit.session.account_id, flow_id, version)


def _document_and_problems(document: str) -> tuple[Any, list[str]]:
    """A stored version's document and its warnings (or, for one that no longer passes the
    rules, its problems)."""
    parsed = json.loads(document)
    try:
        return parsed, list(parse_flow(parsed, stored=True).warnings)
    except FlowValidationError as error:
        return parsed, list(error.problems)


def _not_found(visit: Visit, message: str) -> Response:
    return visit.show("refused.html", 404, message=message)


@console.route(PREFIX + HOME, methods=["GET"])
@page()
def console_flows(visit: Visit) -> Response:
    """The account's flows: name, id, latest version, listener on or off."""
    heads = container().flow_repository.list_heads(visit.session.account_id)
    return visit.show("flows.html", account_id=visit.session.account_id, flows=heads, here="flows")


@console.route(PREFIX + "/flows/{flow_id}", methods=["GET"])
@page()
def console_flow(visit: Visit, flow_id: str) -> Response:
    """A flow's page: its drawing (the script fetches it), its versions, its calls."""
    try:
        version = _version(visit)
        head, revision, versions = _history(visit, flow_id, version)
    except (NotFoundError, ValidationError) as error:
        return _not_found(visit, str(error))
    history = history_view(head, versions)
    return visit.show(
        "flow.html",
        here="flows",
        account_id=visit.session.account_id,
        head=head,
        version=revision.version,
        history=history,
        older=history[1]["version"] if len(history) > 1 else head.latest_version,
        poll=POLL_MILLISECONDS,
    )


@console.route(PREFIX + "/flows/{flow_id}/drawing", methods=["GET"])
@page()
def console_drawing(visit: Visit, flow_id: str) -> Response:
    """One version's drawing (default: the latest), its warnings on its nodes."""
    try:
        head, revision, _ = _history(visit, flow_id, _version(visit))
        document, problems = _document_and_problems(revision.document)
        picture = drawing(document, problems)
    except (NotFoundError, ValidationError) as error:
        return _refused(error)
    live = head.enabled and revision.version == head.latest_version
    return _json({**picture, "version": revision.version, "live": live})


@console.route(PREFIX + "/flows/{flow_id}/live", methods=["GET"])
@page()
def console_live(visit: Visit, flow_id: str) -> Response:
    """The calls in progress on the flow and the node each is at (1 Query, 1 BatchGetItem:
    ``CallRepository.in_progress``). A flow of another account has none."""
    box = container()
    now = box.clock()
    calls = box.calls.in_progress(visit.session.account_id, now - LIVE_WINDOW)
    return _json(live_view(calls, flow_id, now))


@console.route(PREFIX + "/flows/{flow_id}/calls", methods=["GET"])
@page()
def console_recent(visit: Visit, flow_id: str) -> Response:
    """The flow's recent finished calls, newest first, to replay (1 Query of the account's
    newest records of the last week)."""
    box = container()
    now = box.clock()
    records = box.call_records.list_by_account(
        visit.session.account_id, now - RECENT_WINDOW, now + timedelta(minutes=1), RECENT_RECORDS
    )
    return _json({"calls": recent_view(records, flow_id)})


@console.route(PREFIX + "/calls/{call_id}", methods=["GET"])
@page()
def console_call(visit: Visit, call_id: str) -> Response:
    """One call's path to replay, with the drawing of the version it ran (the one live when it
    started)."""
    box = container()
    account_id = visit.session.account_id
    try:
        record, live = find_call(
            box.call_records, box.calls, account_id, call_id, box.settings.carrier_currency
        )
        head, _, versions = _history(visit, record.flow_id, None)
        version = version_at(versions, record.started_at) or head.latest_version
        _, revision, _ = _history(visit, record.flow_id, version)
        document, problems = _document_and_problems(revision.document)
        picture = drawing(document, problems)
    except (NotFoundError, ValidationError) as error:
        return _refused(error)
    return _json({**replay_view(record, live, version), "drawing": picture})


@console.route(PREFIX + "/flows/{flow_id}/compare", methods=["GET"])
@page()
def console_compare(visit: Visit, flow_id: str) -> Response:
    """Two versions side by side (``a`` the older, ``b`` the newer; default: the two latest)."""
    try:
        head, _, versions = _history(visit, flow_id, None)
        old = _version(visit, "a") or max(1, head.latest_version - 1)
        new = _version(visit, "b") or head.latest_version
        for wanted in (old, new):
            if not 1 <= wanted <= head.latest_version:
                raise ValidationError(f"flow {flow_id!r} has versions 1 to {head.latest_version}")
    except (NotFoundError, ValidationError) as error:
        return _not_found(visit, str(error))
    return visit.show(
        "compare.html",
        here="flows",
        account_id=visit.session.account_id,
        head=head,
        old=old,
        new=new,
        history=history_view(head, versions),
    )


@console.route(PREFIX + "/flows/{flow_id}/changes", methods=["GET"])
@page()
def console_changes(visit: Visit, flow_id: str) -> Response:
    """Both versions' drawings, each node marked added, removed or changed."""
    try:
        old, new = _version(visit, "a"), _version(visit, "b")
        if old is None or new is None:
            raise ValidationError("name the versions to compare: a and b")
        _, older, _ = _history(visit, flow_id, old)
        _, newer, _ = _history(visit, flow_id, new)
        old_doc, old_problems = _document_and_problems(older.document)
        new_doc, new_problems = _document_and_problems(newer.document)
        compared = side_by_side(old_doc, new_doc, tuple(old_problems), tuple(new_problems))
    except (NotFoundError, ValidationError) as error:
        return _refused(error)
    return _json({**compared, "a": old, "b": new})


@console.route(PREFIX + "/draft", methods=["GET"])
@page()
def console_draft_form(visit: Visit) -> Response:
    """The draft check's form."""
    return visit.show(
        "draft.html",
        account_id=visit.session.account_id,
        most=MAX_FLOW_DOCUMENT_BYTES,
        here="draft",
    )


@console.route(
    PREFIX + "/draft", methods=["POST"], content_types=["application/x-www-form-urlencoded"]
)
@page(post=True)
def console_draft(visit: Visit) -> Response:
    """A draft checked and drawn (nothing is stored): its drawing with every problem, or why
    it cannot be read (422; 413 when too large)."""
    try:
        return _json(check_draft(visit.form.get("document", "")))
    except ValidationError as error:
        return _refused(error)
