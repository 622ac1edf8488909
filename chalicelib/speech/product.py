"""How the speech product is composed: its widget (``speech``), its table
(``store.speech_agents``, imported here so it is known wherever the installed products are: moto,
the local stack, the deployed stack), its services (``SpeechServices``: the account's intent
agents, on the store and Secrets Manager, and the speech service answering the widget's queries
within a call's step), the resolvers of those queries, its tenant routes (``speech.routes``), its
CLI commands (``speech.cli``), the agents a flow file brings (``agents/<name>/`` beside it, loaded
with the flow by ``ringflow flow load``) and its demo (the Eva agent and number). Named in
``chalicelib.products.PRODUCT_MODULES`` after callback. The core imports none of it.

Importing it must stay light: no Google or gRPC module (the Dialogflow engine imports them when
it first detects), so a Lambda cold start pays nothing for speech until a call asks it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.errors import NotFoundError
from chalicelib.flows.widgets import register_widget
from chalicelib.products import Product
from chalicelib.speech import widget
from chalicelib.speech.agents import AgentLibrary
from chalicelib.speech.queries import AgentHints, DetectIntent
from chalicelib.speech.routes import speech
from chalicelib.speech.secrets import SecretsManagerSecrets
from chalicelib.speech.service import SpeechService
from chalicelib.store import speech_agents as agents_store

if TYPE_CHECKING:
    from pathlib import Path

    from chalicelib.calls.service import Resolver
    from chalicelib.flows.model import Flow
    from chalicelib.wiring import Container


def register() -> None:
    """The speech widget (idempotent); the table is known once this module is imported."""
    _ = agents_store.SpeechAgentItem
    register_widget(widget.WIDGET)


@dataclass
class SpeechServices:
    """What the speech product offers: the accounts' intent agents, and the speech service that
    answers the widget's queries."""

    agents: AgentLibrary
    engine: SpeechService


def services(container: Container) -> SpeechServices:
    """Speech's services, on the container's store, Secrets Manager client, stage and clock."""
    _ = container.store  # the store is bound before a product's repository is built
    agents = AgentLibrary(
        agents_store.SpeechAgentRepository(clock=container.clock),
        SecretsManagerSecrets(lambda: container.secretsmanager),
        container.settings.stage,
        clock=container.clock,
    )
    engine = SpeechService(agents, dialogflow_endpoint=container.settings.dialogflow_endpoint)
    return SpeechServices(agents=agents, engine=engine)


def resolvers(container: Container) -> Mapping[type, Resolver]:
    """Who answers the speech widget's queries within a step."""

    def engine() -> SpeechService:
        return container.services("speech").engine  # type: ignore[no-any-return]

    return {
        AgentHints: lambda query: engine().hints(query),
        DetectIntent: lambda query: engine().detect(query),
    }


def flow_companions(
    container: Container, account_id: str, flow: Flow, path: Path
) -> Mapping[str, Any]:
    """The agents a flow file's speech nodes name, loaded from ``agents/<name>/`` beside the
    file (``flows/eva.json`` and ``flows/agents/eva/``), each as its next version when it
    changed; an agent Dialogflow answers is left as it is (its export is loaded with
    ``ringflow agent load``). Returns ``{"agents": {name: {"version", "changed"}}}``."""
    from chalicelib.speech.cli import zipped_directory

    names = sorted(
        {node.agent for node in flow.nodes.values() if isinstance(node, widget.SpeechConfig)}
    )
    agents = container.services("speech").agents
    loaded: dict[str, Any] = {}
    for name in names:
        directory = path.parent / "agents" / name
        if not (directory / "agent.json").is_file():
            continue
        try:
            if agents.latest(account_id, name).engine == "dialogflow":
                loaded[name] = {"skipped": "answered by Dialogflow: use ringflow agent load"}
                continue
        except NotFoundError:
            pass
        version, changed = agents.put(account_id, name, zipped_directory(directory), None)
        loaded[name] = {"version": version.version, "changed": changed}
    return {"agents": loaded} if loaded else {}


def demo(container: Container) -> Mapping[str, Any]:
    """The speech demo for the local run (``speech.demo``)."""
    from chalicelib.speech.demo import load

    return load(container)


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.speech.cli import register as register_commands

    register_commands(commands)


PRODUCT = Product(
    name="speech",
    register=register,
    services=services,
    resolvers=resolvers,
    blueprints=(speech,),
    cli=register_cli,
    demo=demo,
    flow_companions=flow_companions,
)
