"""``ringflow dialer ...``: an account's agent groups and agents, added to the CLI through
``Product.cli``.

``dialer group GROUP --account A [--name N] [--wrap-up S] [--ring-timeout S] [--max-attempts
N]`` makes or changes a group; ``dialer agent AGENT --account A --group G [--name N] (--number
+44... | --sip sip:user@host) --login-type "mobile phone" [--agent-type "direct dial"]`` makes or
changes an agent (with ``--password``, typed twice, or ``--password-stdin``, it also sets the
password of the agent's page); ``dialer agent-delete AGENT --account A [--version N]`` deletes
an agent that no call needs (its events kept); ``dialer state AGENT --account A
available|paused|logged_out|wrap_up [--reason R]`` changes its state; ``dialer agents --account
A [--group G]`` lists agents, ``dialer groups --account A`` the groups and ``dialer events
AGENT --account A [--limit N]`` an agent's state changes. Answers are JSON on stdout; refusals
are the platform's errors, printed by the CLI. Imports argparse, the billing CLI's password
reader, the product's model and views and (lazily) the wiring; must not import pynamodb, the
store or the web layer.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from chalicelib.billing.cli import read_password
from chalicelib.dialer import agent_rules
from chalicelib.dialer.model import AgentState, AgentType, LoginType
from chalicelib.dialer.views import agent_view, event_view, group_view

ASKED_STATES = tuple(s.value for s in AgentState if s is not AgentState.ON_CALL)


def _container() -> Any:
    from chalicelib.wiring import container

    return container()


def _service() -> Any:
    return _container().services("dialer").agents


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def group(args: argparse.Namespace) -> int:
    """Make or change a group."""
    made = _service().put_group(
        args.account,
        args.group,
        args.name or "",
        args.wrap_up,
        args.ring_timeout,
        args.max_attempts,
        now=_container().clock(),
    )
    _print(group_view(made))
    return 0


def groups(args: argparse.Namespace) -> int:
    """Print the account's groups."""
    _print([group_view(g) for g in _service().list_groups(args.account)])
    return 0


def agent(args: argparse.Namespace) -> int:
    """Make or change an agent (and set its password)."""
    asked = args.password or args.password_stdin
    password = agent_rules.password(read_password(args)) if asked else None
    made = _service().put_agent(
        args.account,
        args.agent,
        args.group,
        args.login_type,
        name=args.name or "",
        number=args.number or "",
        sip=args.sip or "",
        agent_type=args.agent_type,
        now=_container().clock(),
    )
    view = agent_view(made)
    if password is not None:
        services = _container().services("dialer")
        services.logins.set_password(made.account_id, made.agent_id, password)
        view["page_login"] = True
    _print(view)
    return 0


def agent_delete(args: argparse.Namespace) -> int:
    """Delete an agent no call needs."""
    deleted = _service().delete_agent(args.account, args.agent, _container().clock(), args.version)
    _print({**agent_view(deleted), "deleted": True})
    return 0


def agents(args: argparse.Namespace) -> int:
    """Print the account's agents, or one group's."""
    _print([agent_view(a) for a in _service().list_agents(args.account, args.group)])
    return 0


def state(args: argparse.Namespace) -> int:
    """Change an agent's state."""
    changed = _service().set_state(
        args.account, args.agent, args.state, _container().clock(), args.reason or ""
    )
    _print(agent_view(changed))
    return 0


def events(args: argparse.Namespace) -> int:
    """Print an agent's latest state changes, newest first."""
    found = _service().events(args.account, args.agent, args.limit)
    _print([event_view(e) for e in found])
    return 0


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``dialer`` to ``ringflow``."""
    parser = commands.add_parser("dialer", help="the dialer's agent groups and agents")
    sub = parser.add_subparsers(dest="dialer_command", required=True)
    made = sub.add_parser("group", help="make or change an agent group")
    made.add_argument("group")
    made.add_argument("--account", required=True)
    made.add_argument("--name")
    made.add_argument("--wrap-up", type=int, default=30, help="seconds of wrap-up after a call")
    made.add_argument("--ring-timeout", type=int, default=30, help="seconds an agent's phone rings")
    made.add_argument("--max-attempts", type=int, default=2, help="calls to an agent per customer")
    made.set_defaults(run=group)
    listing = sub.add_parser("groups", help="the account's agent groups")
    listing.add_argument("--account", required=True)
    listing.set_defaults(run=groups)
    person = sub.add_parser("agent", help="make or change an agent")
    person.add_argument("agent")
    person.add_argument("--account", required=True)
    person.add_argument("--group", required=True)
    person.add_argument("--name")
    reached = person.add_mutually_exclusive_group(required=True)
    reached.add_argument("--number", help="a phone number with its country code")
    reached.add_argument("--sip", help="a softphone's SIP address (sip:user@host)")
    person.add_argument("--login-type", required=True, choices=[t.value for t in LoginType])
    person.add_argument(
        "--agent-type", default=AgentType.DYNAMIC.value, choices=[t.value for t in AgentType]
    )
    secret = person.add_mutually_exclusive_group()
    secret.add_argument(
        "--password", action="store_true", help="set the agent's page password (typed twice)"
    )
    secret.add_argument(
        "--password-stdin", action="store_true", help="the agent's page password from stdin"
    )
    person.set_defaults(run=agent)
    gone = sub.add_parser("agent-delete", help="delete an agent (not while a call needs it)")
    gone.add_argument("agent")
    gone.add_argument("--account", required=True)
    gone.add_argument("--version", type=int, help="only if the agent is still at this version")
    gone.set_defaults(run=agent_delete)
    people = sub.add_parser("agents", help="the account's agents, or one group's")
    people.add_argument("--account", required=True)
    people.add_argument("--group")
    people.set_defaults(run=agents)
    change = sub.add_parser("state", help="change an agent's state")
    change.add_argument("agent")
    change.add_argument("state", choices=ASKED_STATES)
    change.add_argument("--account", required=True)
    change.add_argument("--reason")
    change.set_defaults(run=state)
    history = sub.add_parser("events", help="an agent's state changes, newest first")
    history.add_argument("agent")
    history.add_argument("--account", required=True)
    history.add_argument("--limit", type=int, default=50)
    history.set_defaults(run=events)
