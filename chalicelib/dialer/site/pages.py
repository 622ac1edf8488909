"""The dialer agent's page as a ``web.site.Site``, on the blueprint ``agent_site``, served under
``/agent`` with its own session cookie (``ringflow_agent``) and key, so that no other site's
cookie opens it: ``login`` (GET the form; POST the account id, the agent id and the password,
checked by ``dialer.agent_logins`` under ``web.logins``' lockout, its own scope), ``logout``
(POST: the agent logged out too, unless on a call), ``home`` (the agent's state since when,
its buttons: Available, Pause with an optional reason, Done in a wrap-up; and while on a call or
wrapping one up the customer: number, campaign, contact, the contact's flow keys, and the
call's disposition form), ``state`` and ``disposition`` (POST, then back home), ``now`` (the
state and customer panels as JSON, which the page's script polls to show a new call without a
reload) and ``static/{name}``.

A session names its agent as ``<account>/<agent>``; an agent deleted since its login is logged
out on its next page. Forms, sessions, CSRF, redirects and the security headers are
``web.site``'s. Owns these routes and the words they show. Imports Chalice, ``web.site``, the
wiring, the platform's errors and the dialer's model, rules, agents' logins and dispositions;
must not import pynamodb or the store's repositories.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib import errors
from chalicelib.dialer import agent_rules as rules
from chalicelib.dialer.agent_logins import login_name, login_parts
from chalicelib.dialer.agents import Agents
from chalicelib.dialer.dispositions import (
    NOTES_LENGTH,
    Customer,
    Disposition,
    Dispositions,
    Outcome,
    call_id_of,
    customer_of,
)
from chalicelib.dialer.model import Agent, AgentState
from chalicelib.web.logins import LoginLockedError, LoginRefusedError
from chalicelib.web.site import FORM, Site, Visit, headers
from chalicelib.wiring import container

PREFIX = "/agent"
COOKIE = "ringflow_agent"
PURPOSE = b"ringflow dialer agent session v1"
POLL_MILLISECONDS = 1000
"""How often the page asks for the agent's state and call."""
STATE_WORDS = {
    AgentState.AVAILABLE: "Available",
    AgentState.ON_CALL: "On a call",
    AgentState.WRAP_UP: "Wrapping up",
    AgentState.PAUSED: "Paused",
    AgentState.LOGGED_OUT: "Logged out",
}
OUTCOME_WORDS = {
    Outcome.SALE: "Sale",
    Outcome.CALLBACK: "Callback",
    Outcome.NOT_INTERESTED: "Not interested",
    Outcome.WRONG_NUMBER: "Wrong number",
    Outcome.NO_DECISION: "No decision",
    Outcome.OTHER: "Other",
}
ON_A_CALL = "You are on a call: log out once it has ended."
GONE = "This agent no longer exists. Ask your supervisor."


def when(value: datetime | None) -> str:
    """A time as the page shows it: ``2026-12-01 09:05:03 UTC`` ("" for none)."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


SITE = Site(
    prefix=PREFIX,
    folder=Path(__file__).resolve().parent,
    static_types={
        "agent.css": "text/css; charset=utf-8",
        "agent.js": "text/javascript; charset=utf-8",
    },
    cookie=COOKIE,
    purpose=PURPOSE,
    filters={"when": when},
    max_form_bytes=32_768,
)
"""A disposition's notes are up to 2,000 characters, percent-encoded (up to 12 bytes each)."""
agent_site = Blueprint(__name__)
page = partial(SITE.handler, agent_site)


def _agents() -> Agents:
    found: Agents = container().services("dialer").agents
    return found


def _dispositions() -> Dispositions:
    found: Dispositions = container().services("dialer").dispositions
    return found


def _agent(visit: Visit) -> Agent | None:
    """The agent logged in, or None when it was deleted since."""
    account_id, agent_id = login_parts(visit.session.account_id)
    try:
        return _agents().agent(account_id, agent_id)
    except errors.NotFoundError:
        return None


def _customer(agent: Agent) -> Customer | None:
    """The customer of the agent's call (None: no call, or its state is gone)."""
    if not agent.call_ref:
        return None
    try:
        state = container().calls.get(call_id_of(agent.call_ref))
    except (errors.NotFoundError, errors.ValidationError):
        return None
    return customer_of(state, agent.account_id)


def _saved(agent: Agent) -> Disposition | None:
    """The agent's disposition of its call, if it set one."""
    if not agent.call_ref:
        return None
    try:
        call_id = call_id_of(agent.call_ref)
    except errors.ValidationError:
        return None
    return _dispositions().of(agent.account_id, call_id, agent.agent_id)


def panels(agent: Agent, typed: dict[str, str] | None = None) -> dict[str, Any]:
    """What the state and call panels show."""
    state = agent.state
    return {
        "agent": agent,
        "state_words": STATE_WORDS[state],
        "can_be_available": rules.allowed(state, AgentState.AVAILABLE),
        "can_pause": rules.allowed(state, AgentState.PAUSED),
        "wrapping_up": state is AgentState.WRAP_UP,
        "signature": f"{state.value}|{agent.state_since}|{agent.call_ref}",
        "customer": _customer(agent),
        "saved": _saved(agent),
        "outcomes": OUTCOME_WORDS,
        "notes_length": NOTES_LENGTH,
        "typed": typed or {},
        "poll": POLL_MILLISECONDS,
    }


def _home(
    visit: Visit, agent: Agent, status: int = 200, error: str = "", typed: Any = None
) -> Response:
    return visit.show("home.html", status, error=error, **panels(agent, typed))


def _gone(visit: Visit) -> Response:
    return visit.log_out("/login", GONE)


def _words(refused: Exception) -> str:
    text = str(refused)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# -- entry ---------------------------------------------------------------------------------------
@agent_site.route(PREFIX, methods=["GET"])
@page(private=False)
def agent_root(visit: Visit) -> Response:
    """The page's entry: home when logged in, else the login."""
    return visit.go("/home" if visit.session.logged_in else "/login")


@agent_site.route(PREFIX + "/static/{name}", methods=["GET"])
def agent_static(name: str) -> Response:
    """The stylesheets and the script."""
    return SITE.static(name)


@agent_site.route(PREFIX + "/login", methods=["GET"])
@page(private=False)
def agent_login_form(visit: Visit) -> Response:
    """The login form (a logged-in agent goes home)."""
    if visit.session.logged_in:
        return visit.go("/home")
    return visit.show("login.html", account_id="", agent_id="")


@agent_site.route(PREFIX + "/login", methods=["POST"], content_types=FORM)
@page(private=False, post=True)
def agent_login(visit: Visit) -> Response:
    """Log in: a new session (a new CSRF token), or the form again with why not."""
    account_id = visit.form.get("account_id", "").strip()[:64]
    agent_id = visit.form.get("agent_id", "").strip()[:40]
    logins = container().services("dialer").site_logins
    try:
        name = logins.log_in(login_name(account_id, agent_id), visit.form.get("password", ""))
    except LoginRefusedError as refused:
        status = 429 if isinstance(refused, LoginLockedError) else 401
        words = str(refused).replace("this account id", "this agent")
        words = words.replace("The account id or", "The account id, the agent id or")
        return visit.show(
            "login.html", status, error=words, account_id=account_id, agent_id=agent_id
        )
    return visit.log_in(name, "/home")


@agent_site.route(PREFIX + "/logout", methods=["POST"], content_types=FORM)
@page(post=True)
def agent_logout(visit: Visit) -> Response:
    """Log out: the agent logged out too (not while on a call), the session replaced."""
    agent = _agent(visit)
    if agent is None:
        return _gone(visit)
    try:
        _agents().set_state(
            agent.account_id, agent.agent_id, AgentState.LOGGED_OUT, container().clock(), "page"
        )
    except rules.TransitionError:
        return _home(visit, agent, 409, ON_A_CALL)
    return visit.log_out("/login", "You are logged out.")


# -- home ----------------------------------------------------------------------------------------
@agent_site.route(PREFIX + "/home", methods=["GET"])
@page()
def agent_home(visit: Visit) -> Response:
    """The agent's state and buttons, and the customer of its call."""
    agent = _agent(visit)
    return _gone(visit) if agent is None else _home(visit, agent)


@agent_site.route(PREFIX + "/now", methods=["GET"])
@page()
def agent_now(visit: Visit) -> Response:
    """The state and call panels as JSON, for the page's script (``gone``: log in again)."""
    agent = _agent(visit)
    if agent is None:
        body: dict[str, Any] = {"gone": True}
    else:
        values = visit.context(**panels(agent))
        render = SITE.environment.get_template
        body = {
            "gone": False,
            "signature": values["signature"],
            "call_ref": agent.call_ref,
            "state": agent.state.value,
            "state_html": render("_state.html").render(**values),
            "call_html": render("_call.html").render(**values),
        }
    extra = {"Content-Type": "application/json"}
    return Response(body=json.dumps(body), status_code=200, headers=headers(extra))


@agent_site.route(PREFIX + "/state", methods=["POST"], content_types=FORM)
@page(post=True)
def agent_state(visit: Visit) -> Response:
    """Become available (also: wrap-up done) or paused (with an optional reason)."""
    agent = _agent(visit)
    if agent is None:
        return _gone(visit)
    to = visit.form.get("to", "")
    if to not in (AgentState.AVAILABLE.value, AgentState.PAUSED.value):
        return _home(visit, agent, 422, "Choose Available or Pause.")
    reason = visit.form.get("reason", "").strip()[: rules.REASON_LENGTH]
    if to == AgentState.AVAILABLE.value and agent.state is AgentState.WRAP_UP:
        reason = reason or "wrap-up done"
    try:
        changed = _agents().set_state(
            agent.account_id, agent.agent_id, to, container().clock(), reason
        )
    except errors.ConflictError as refused:
        return _home(visit, _agent(visit) or agent, 409, _words(refused))
    return visit.done("/home", f"You are {STATE_WORDS[changed.state].lower()}.")


@agent_site.route(PREFIX + "/disposition", methods=["POST"], content_types=FORM)
@page(post=True)
def agent_disposition(visit: Visit) -> Response:
    """Set the disposition and notes of the agent's call (saved again: replaced)."""
    agent = _agent(visit)
    if agent is None:
        return _gone(visit)
    call_ref = visit.form.get("call_ref", "")[:200]
    outcome = visit.form.get("disposition", "")
    notes = visit.form.get("notes", "")
    typed = {"call_ref": call_ref, "disposition": outcome[:40], "notes": notes[:NOTES_LENGTH]}
    customer = _customer(agent) if call_ref == agent.call_ref else None
    try:
        _dispositions().save(
            agent.account_id, agent.agent_id, call_ref, outcome, notes, container().clock(),
            customer,
        )  # fmt: skip
    except errors.NotFoundError:
        return _home(visit, agent, 404, "That call was not given to you.", typed)
    except errors.ValidationError as refused:
        return _home(visit, agent, 422, _words(refused), typed)
    return visit.done("/home", "The call's disposition is saved.")
