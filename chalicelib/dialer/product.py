"""How the dialer product is composed: its widget (``agent``) and the leg watcher of its agent
legs, its kinds of effect (an agent's wrap-up over, a queued task timed for when it ends; an
agent let go; a customer's wait measured; a call's stage shown), the resolver of its widget's
question (``ClaimAgent``), the campaigns' dial budget of its campaigns, its tables
(``store.dialer_groups``, ``dialer_agents``, ``dialer_campaigns``, ``dialer_live``,
``dialer_logins``, ``dialer_dispositions``, imported here so they are known wherever the
installed products are), its services (``dialer.agents`` and ``dialer.calls`` on those tables,
the wrap-up timer on the container's; the agents' passwords, ``dialer.agent_logins``, with the
agent's page's logins and their lockout; ``dialer.dispositions``; the supervisors' board
logins), its routes (``dialer.routes``, ``dialer.trigger_routes``, ``dialer.board_routes``), the
agent's page (``dialer.site``), the supervisors' board (``dialer.board.pages``), its demo and its
``ringflow dialer`` commands. Named in
``chalicelib.products.PRODUCT_MODULES`` after the campaigns and the click-to-call. The core
imports none of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.calls.tasks import Runner, encode_task, register_effect_type
from chalicelib.campaigns.hooks import register_dial_budget
from chalicelib.campaigns.model import Campaign
from chalicelib.dialer import board_routes, trigger_routes, widget
from chalicelib.dialer.agent_logins import AgentLogins, login_parts
from chalicelib.dialer.agents import Agents, WrapUpTimer
from chalicelib.dialer.board import pages as board_pages
from chalicelib.dialer.calls import DialerCalls
from chalicelib.dialer.dispositions import Dispositions
from chalicelib.dialer.model import Agent
from chalicelib.dialer.queries import ClaimAgent
from chalicelib.dialer.routes import dialer
from chalicelib.dialer.site.pages import agent_site
from chalicelib.dialer.tasks import (
    CheckClaim,
    FinishWrapUp,
    LiveCallChanged,
    RecordAnswer,
    ReleaseAgent,
)
from chalicelib.errors import NotFoundError
from chalicelib.flows.engine import register_leg_watcher
from chalicelib.flows.widgets import register_widget
from chalicelib.ops.observability import logger
from chalicelib.products import Product
from chalicelib.store import dialer_agents as agents_store
from chalicelib.store import dialer_campaigns as campaigns_store
from chalicelib.store import dialer_dispositions as dispositions_store
from chalicelib.store import dialer_groups as groups_store
from chalicelib.store import dialer_live as live_store
from chalicelib.store import dialer_logins as logins_store
from chalicelib.store import portal_logins as portal_logins_store
from chalicelib.web.logins import Logins

if TYPE_CHECKING:
    from chalicelib.calls.service import Resolver
    from chalicelib.flows.model import Flow
    from chalicelib.flows.state import CallState
    from chalicelib.wiring import Container

WRAP_UP_EFFECT = "dialer_finish_wrap_up"
ROUTE_MODULES = (trigger_routes, board_routes, board_pages)
"""Route modules registering on the ``dialer`` blueprint when imported."""
LOGIN_SCOPE = "agent:"
"""The agent's page's failed logins are counted apart from the other sites'."""


def register() -> None:
    """The product's widget, effects, leg watcher and dial budget (idempotent)."""
    register_widget(widget.WIDGET)
    register_effect_type(WRAP_UP_EFFECT, FinishWrapUp)
    register_effect_type("dialer_release_agent", ReleaseAgent)
    register_effect_type("dialer_record_answer", RecordAnswer)
    register_effect_type("dialer_live_call", LiveCallChanged)
    register_effect_type("dialer_check_claim", CheckClaim)
    register_leg_watcher(widget.watch)
    register_dial_budget(_budget)


def _budget(campaign: Campaign, in_progress: Callable[[], int]) -> int | None:
    """The dialer's say in a campaign's dispatch (None for a flow with no agent node)."""
    from chalicelib.wiring import container

    calls: DialerCalls = container().services("dialer").calls
    return calls.budget(campaign, in_progress)


@dataclass
class DialerServices:
    """What the dialer product offers."""

    agents: Agents
    calls: DialerCalls
    logins: AgentLogins
    """Agents' passwords (``dialer.agent_logins``)."""
    site_logins: Logins
    """Logins to the agent's page (``dialer.site``), with their lockout."""
    dispositions: Dispositions
    board_logins: Logins
    """Logins to the supervisors' live board (``dialer.board.pages``)."""


def wrap_up_timer(container: Container) -> WrapUpTimer:
    """Queue ``FinishWrapUp`` for when an agent's wrap-up ends (a schedule when far off); its
    key names the wrap-up and its end, so a repeated timing runs it once."""

    def later(agent: Agent, ends: datetime) -> None:
        since = agent.state_since.isoformat() if agent.state_since else ""
        key = f"dialer-wrap-up:{agent.account_id}:{agent.agent_id}:{since}:{ends.isoformat()}"
        body = encode_task(FinishWrapUp(key, agent.agent_id, since), agent.account_id)
        container.timer.at(body, ends, key)

    return later


def _wake(container: Container) -> Callable[[Agent], None]:
    """An agent available again wakes the dispatch of its group's running campaigns (a failure
    is logged: the dispatch's own look again is the backstop)."""

    def wake(agent: Agent) -> None:
        try:
            calls: DialerCalls = container.services("dialer").calls
            campaigns = container.services("campaigns").campaigns
            for campaign_id in calls.campaigns_of(agent):
                campaigns.plan(campaign_id, agent.account_id, container.clock())
        except Exception:
            logger.exception(
                "waking the dialer's campaigns failed", extra={"agent": agent.agent_id}
            )

    return wake


def services(container: Container) -> DialerServices:
    """The product's service on the container's store and timer."""
    _ = container.store  # the store is bound before a product's repository is built
    agent_store = agents_store.AgentRepository()
    passwords = logins_store.AgentLoginRepository()
    agents = Agents(
        groups=groups_store.AgentGroupRepository(),
        agents=agent_store,
        wrap_up_timer=wrap_up_timer(container),
        on_available=_wake(container),
        deleted=lambda agent: passwords.delete(agent.account_id, agent.agent_id),
    )
    catalogue = container.catalogue

    def flow_of(flow_id: str) -> Flow:
        return catalogue.get(flow_id, catalogue.head(flow_id).latest_version)

    def check_later(check: CheckClaim, account_id: str, delay: int) -> None:
        container.enqueue_task(encode_task(check, account_id), min(delay, 900))

    def call_of(call_id: str) -> CallState | None:
        try:
            return container.calls.get(call_id)
        except NotFoundError:
            return None

    calls = DialerCalls(
        agents=agents,
        stats=campaigns_store.DialerCampaignRepository(),
        live=live_store.LiveCallRepository(),
        flow_of=flow_of,
        clock=container.clock,
        check_later=check_later,
        call_of=call_of,
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
    board_logins = board_pages.logins(
        container.accounts, portal_logins_store.LoginFailuresRepository(), container.clock
    )
    return DialerServices(agents, calls, logins, site_logins, dispositions, board_logins)


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

    def calls() -> DialerCalls:
        return container.services("dialer").calls  # type: ignore[no-any-return]

    def release(effect: ReleaseAgent, account_id: str) -> Mapping[str, Any]:
        agent = calls().release(effect, account_id)
        return {"agent": agent.agent_id, "state": agent.state.value}

    def record(effect: RecordAnswer, account_id: str) -> Mapping[str, Any]:
        stats = calls().record_answer(effect, account_id)
        return {"campaign": stats.campaign_id, "ratio": stats.ratio}

    def show(effect: LiveCallChanged, account_id: str) -> Mapping[str, Any]:
        return {"call_id": effect.call_id, "shown": calls().show(effect, account_id)}

    def check(effect: CheckClaim, account_id: str) -> Mapping[str, Any]:
        return {"claim": effect.call_ref, "found": calls().check_claim(effect, account_id)}

    return {
        CheckClaim: Runner(check),
        FinishWrapUp: Runner(finish),
        ReleaseAgent: Runner(release),
        RecordAnswer: Runner(record),
        LiveCallChanged: Runner(show),
    }


def resolvers(container: Container) -> Mapping[type, Resolver]:
    """Who answers the agent widget's question within a step."""

    def claim(query: ClaimAgent) -> object:
        return container.services("dialer").calls.claim(query)

    return {ClaimAgent: claim}


def demo(container: Container) -> Mapping[str, Any]:
    """The dialer's demo for the local run (``dialer.demo``)."""
    from chalicelib.dialer.demo import load

    return load(container)


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.dialer.cli import register as register_commands

    register_commands(commands)


PRODUCT = Product(
    name="dialer",
    register=register,
    services=services,
    runners=runners,
    resolvers=resolvers,
    blueprints=(dialer, agent_site),
    cli=register_cli,
    demo=demo,
)
