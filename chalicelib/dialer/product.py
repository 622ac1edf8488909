"""How the dialer product is composed: its kind of effect (an agent's wrap-up over, a queued task
timed for when it ends), its tables (``store.dialer_groups``, ``store.dialer_agents``, imported
here so they are known wherever the installed products are), its service (``dialer.agents`` on
those tables, its wrap-up timer on the container's), its routes (``dialer.routes``) and its
``ringflow dialer`` commands. Named in ``chalicelib.products.PRODUCT_MODULES`` after the
campaigns and the click-to-call. The core imports none of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.calls.tasks import Runner, encode_task, register_effect_type
from chalicelib.dialer.agents import Agents, WrapUpTimer
from chalicelib.dialer.model import Agent
from chalicelib.dialer.routes import dialer
from chalicelib.dialer.tasks import FinishWrapUp
from chalicelib.products import Product
from chalicelib.store import dialer_agents as agents_store
from chalicelib.store import dialer_groups as groups_store

if TYPE_CHECKING:
    from chalicelib.wiring import Container

WRAP_UP_EFFECT = "dialer_finish_wrap_up"


def register() -> None:
    """The product's effect (idempotent)."""
    register_effect_type(WRAP_UP_EFFECT, FinishWrapUp)


@dataclass
class DialerServices:
    """What the dialer product offers."""

    agents: Agents


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
    return DialerServices(
        Agents(
            groups=groups_store.AgentGroupRepository(),
            agents=agents_store.AgentRepository(),
            wrap_up_timer=wrap_up_timer(container),
        )
    )


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
    blueprints=(dialer,),
    cli=register_cli,
)
