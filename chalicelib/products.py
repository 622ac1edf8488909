"""What a product gives the composition root, and the list of products this deployment runs.

A product (callback, campaigns, speech ...) lives in its own package and is composed by one
small module exposing a ``Product``: its name, ``register`` (process-wide, pure registrations:
widgets, engine events and timers, kinds of effect, error statuses, and the import of its store
module so its tables are known), and functions the container calls lazily to build its
services, the runners of its effects, the resolvers of its widgets' queries (answered within a
call's step), its SMS and e-mail consumers, its REST routes (a Chalice blueprint), its
``ringflow`` commands (``cli``) and its demo data for the local run (``demo``). Adding a product
is a new package plus one line in ``PRODUCT_MODULES``; no core module changes. Imports nothing
from the rest of the platform at import time.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from chalicelib.calls.service import Resolver
    from chalicelib.calls.tasks import Runner
    from chalicelib.flows.model import Flow
    from chalicelib.mail.intake import MailConsumer
    from chalicelib.messaging.inbox import Consumer
    from chalicelib.wiring import Container

PRODUCT_MODULES: tuple[str, ...] = (
    "chalicelib.billing.product",
    "chalicelib.callback.product",
    "chalicelib.speech.product",
    "chalicelib.campaigns.product",
    "chalicelib.click2call.product",
    "chalicelib.dialer.product",
    "chalicelib.console.product",
)
"""Dotted names of the modules whose ``PRODUCT`` this deployment runs, in install order."""


def _nothing(container: Container) -> Any:
    return None


def _no_runners(container: Container) -> Mapping[type, Runner]:
    return {}


def _no_resolvers(container: Container) -> Mapping[type, Resolver]:
    return {}


def _no_consumers(container: Container) -> Sequence[Consumer]:
    return ()


def _no_mail_consumers(container: Container) -> Sequence[MailConsumer]:
    return ()


def _no_demo(container: Container) -> Mapping[str, Any]:
    return {}


def _no_registrations() -> None:
    return None


def _no_commands(commands: argparse._SubParsersAction[Any]) -> None:
    return None


def _no_companions(container: Container, account_id: str, flow: Flow, path: Path) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Product:
    """One product's composition: everything the core needs from it, nothing more."""

    name: str
    register: Callable[[], None] = _no_registrations
    services: Callable[[Container], Any] = _nothing
    runners: Callable[[Container], Mapping[type, Runner]] = _no_runners
    resolvers: Callable[[Container], Mapping[type, Resolver]] = _no_resolvers
    """Who answers each kind of its widgets' ``Query`` within a call's step."""
    sms_consumers: Callable[[Container], Sequence[Consumer]] = _no_consumers
    mail_consumers: Callable[[Container], Sequence[MailConsumer]] = _no_mail_consumers
    """Who takes received e-mail (``chalicelib.mail.intake``), in turn until one says it was
    addressed to it."""
    blueprints: Sequence[Any] = field(default_factory=tuple)
    cli: Callable[[argparse._SubParsersAction[Any]], None] = _no_commands
    """Adds the product's commands to ``ringflow`` (its subparsers: ``cli(sub)``)."""
    demo: Callable[[Container], Mapping[str, Any]] = _no_demo
    """Loads the product's demo data into the local run (idempotent), after the demo account,
    its flows and numbers; returns what it made, for the banner."""
    flow_companions: Callable[[Container, str, Flow, Path], Mapping[str, Any]] = _no_companions
    """Loads what a flow file loaded with ``ringflow flow load`` brings besides its document,
    from the files beside it (a speech flow's intent agents, ``agents/<name>/``), for the
    account; returns what it stored, printed with the flow."""


def installed(modules: Sequence[str] = PRODUCT_MODULES) -> tuple[Product, ...]:
    """The products of ``modules`` (each module's ``PRODUCT``), in order."""
    products: list[Product] = []
    for name in modules:
        product = getattr(importlib.import_module(name), "PRODUCT", None)
        if not isinstance(product, Product):
            raise TypeError(f"{name} has no PRODUCT (a chalicelib.products.Product)")
        products.append(product)
    return tuple(products)
