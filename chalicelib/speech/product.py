"""How the speech product is composed: its table (``store.speech_agents``, imported here so it
is known wherever the installed products are: moto, the local stack, the deployed stack), its
services (``SpeechServices``: the account's intent agents, on the store and Secrets Manager),
its tenant routes (``speech.routes``) and its CLI commands (``speech.cli``). Named in
``chalicelib.products.PRODUCT_MODULES`` after callback. The core imports none of it.

Importing it must stay light: no Google or gRPC module (the Dialogflow engine imports them when
it first detects), so a Lambda cold start pays nothing for speech until a call asks it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.products import Product
from chalicelib.speech.agents import AgentLibrary
from chalicelib.speech.routes import speech
from chalicelib.speech.secrets import SecretsManagerSecrets
from chalicelib.store import speech_agents as agents_store

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def register() -> None:
    """The speech product's registrations (its table is known once this module is imported)."""
    _ = agents_store.SpeechAgentItem


@dataclass
class SpeechServices:
    """What the speech product offers: the accounts' intent agents."""

    agents: AgentLibrary


def services(container: Container) -> SpeechServices:
    """Speech's services, on the container's store, Secrets Manager client, stage and clock."""
    _ = container.store  # the store is bound before a product's repository is built
    agents = AgentLibrary(
        agents_store.SpeechAgentRepository(clock=container.clock),
        SecretsManagerSecrets(lambda: container.secretsmanager),
        container.settings.stage,
        clock=container.clock,
    )
    return SpeechServices(agents=agents)


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.speech.cli import register as register_commands

    register_commands(commands)


PRODUCT = Product(
    name="speech",
    register=register,
    services=services,
    blueprints=(speech,),
    cli=register_cli,
)
