"""How the dialer product is composed: its kind of effect (an agent's wrap-up over, a queued task
timed for when it ends), its tables (``store.dialer_groups``, ``store.dialer_agents``,
``store.dialer_logins``, ``store.dialer_dispositions``, imported here so they are known wherever
the installed products are), its services (``dialer.agents`` on those tables, its wrap-up timer
on the container's; the agents' passwords, ``dialer.agent_logins``, with the agent's page's
logins and their lockout; ``dialer.dispositions``), its routes (``dialer.routes``), the agent's
page (``dialer.site``) and its ``ringflow dialer`` commands. Named in
``chalicelib.products.PRODUCT_MODULES`` after the campaigns and the click-to-call. The core
imports none of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.calls.tasks import Runner, encode_task, register_effect_type
from chalicelib.dialer.agent_logins import AgentLogins, login_parts
from chalicelib.dialer.agents import Agents, WrapUpTimer
from chalicelib.dialer.dispositions import Dispositions
from chalicelib.dialer.model import Agent
from chalicelib.dialer.routes import dialer
from chalicelib.dialer.site.pages import agent_site
from chalicelib.dialer.tasks import FinishWrapUp
from chalicelib.products import Product
from chalicelib.store import dialer_agents as agents_store
from chalicelib.store import dialer_dispositions as dispositions_store
from chalicelib.store import dialer_groups as groups_store
from chalicelib.store import dialer_logins as logins_store
from chalicelib.store import portal_logins as portal_logins_store
from chalicelib.web.logins import Logins

if TYPE_CHECKING:
    from chalicelib.wiring import Container

WRAP_UP_EFFECT = "dialer_finish_wrap_up"
LOGIN_SCOPE = "agent:"
"""The agent's page's failed logins are counted apart from the other sites'."""


def register() -> None:
    """The product's effect (idempotent)."""
    register_effect_type(WRAP_UP_EFFECT, FinishWrapUp)


@dataclass
class DialerServices:
    """What the dialer product offers."""

    agents: Agents
    logins: AgentLogins
    """Agents' passwords (``dialer.agent_logins``)."""
    site_logins: Logins
    """Logins to the agent's page (``dialer.site``), with their lockout."""
    dispositions: Dispositions


def wrap_up_timer(container: Container) -> WrapUpTimer:
    """Queue ``FinishWrapUp`` for when an agent's wrap-up ends (a schedule when far off); its
    key names the wrap-up and its end, so a repeated timing runs it once."""

    def later(agent: Agent, ends: datetime) -> None:
        since = agent.state_since.isoformat() if agent.state_since else ""
        key = f"dialer-wrap-up:{agent.account_id}:{agent.agent_id}:{since}:{ends.isoformat()}"
        body = encode_task(FinishWrapUp(key, agent.agent_id, since), agent.account_id)
        container.timer.at(body, ends, key)

    return later


def services(container: Container) -> DialerServices:
    """The product's service on the container's store and timer."""
    _ = container.store  # the store is bound before a product's repository is built
    agent_store = agents_store.AgentRepository()
    passwords = logins_store.AgentLoginRepository()
    agents = Agents(
        groups=groups_store.AgentGroupRepository(),
        agents=agent_store,
        wrap_up_timer=wrap_up_timer(container),
        deleted=lambda agent: passwords.delete(agent.account_id, agent.agent_id),
    )
    logins = AgentLogins(passwords, agents, container.clock)
    site_logins = Logins(
        _login_name,
        logins.authenticate,
        portal_logins_store.LoginFailuresRepository(),
        container.clock,
        LOGIN_SCOPE,
    )
    dispositions = Dispositions(dispositions_store.DispositionRepository(), agent_store.claimed)
    return DialerServices(agents, logins, site_logins, dispositions)


def _login_name(text: str) -> str:
    """``<account>/<agent>`` as typed at the login; ``ValidationError`` for a text naming no
    agent of an account (never counted)."""
    account_id, agent_id = login_parts(text)
    return f"{account_id}/{agent_id}"


def runners(container: Container) -> Mapping[type, Runner]:
    """The wrap-up timer's task: the agent available again if still in that wrap-up."""

    def finish(effect: FinishWrapUp, account_id: str) -> Mapping[str, Any]:
        service: Agents = container.services("dialer").agents
        since = datetime.fromisoformat(effect.since) if effect.since else None
        agent = service.finish_wrap_up(account_id, effect.agent_id, container.clock(), since)
        return {"agent": agent.agent_id, "state": agent.state.value}

    return {FinishWrapUp: Runner(finish)}


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.dialer.cli import register as register_commands

    register_commands(commands)


PRODUCT = Product(
    name="dialer",
    register=register,
    services=services,
    runners=runners,
    blueprints=(dialer, agent_site),
    cli=register_cli,
)
