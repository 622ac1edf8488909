"""How the callback product is composed: its tables (``store.access_numbers``, imported here so
they are known wherever the installed products are), its services (access numbers and PIN
lockouts), its operator routes and its CLI commands. Named in
``chalicelib.products.PRODUCT_MODULES``. Imports the callback modules, the store's access-number
repositories and the wiring's types; the core imports none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.callback.access_service import AccessNumberService
from chalicelib.callback.cli import register as register_cli
from chalicelib.callback.routes import callback
from chalicelib.products import Product
from chalicelib.store import access_numbers as access_store

if TYPE_CHECKING:
    from chalicelib.wiring import Container


def register() -> None:
    """Callback's errors are the platform's classes (``ValidationError`` 422, ``NotFoundError``
    404), mapped already; its tables are registered by importing ``store.access_numbers``."""


@dataclass
class CallbackServices:
    """What the callback product offers the rest of the platform."""

    access_numbers: AccessNumberService


def services(container: Container) -> CallbackServices:
    """Callback's services, on the container's store, accounts and clock."""
    _ = container.store  # the store is bound before a product's repository is built
    service = AccessNumberService(
        access_store.AccessNumberRepository(),
        access_store.LockoutRepository(clock=container.clock),
        tenant_check=container.accounts.get,
        clock=container.clock,
    )
    return CallbackServices(service)


PRODUCT = Product(
    name="callback",
    register=register,
    services=services,
    blueprints=(callback,),
    cli=register_cli,
)
