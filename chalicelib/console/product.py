"""How the console is composed: its pages (``console.pages``, the ``console`` blueprint under
``/console``) and its service, the logins with an account's API key and their lockout under the
console's own scope (``web.key_logins`` on the accounts and the failed-login counter of
``store.portal_logins``). It adds no widget, effect or table of its own: it reads the flows,
the calls in progress (``store.calls``' index ``by_account``) and the call records. Named in
``chalicelib.products.PRODUCT_MODULES``; the core imports none of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chalicelib.console.pages import LOGIN_SCOPE, console
from chalicelib.products import Product
from chalicelib.store import portal_logins as portal_logins_store
from chalicelib.web.key_logins import key_logins
from chalicelib.web.logins import Logins

if TYPE_CHECKING:
    from chalicelib.wiring import Container


@dataclass
class ConsoleServices:
    """What the console offers."""

    logins: Logins
    """Logins to the console's pages (an account's API key), with their lockout."""


def services(container: Container) -> ConsoleServices:
    """The console's logins on the container's accounts and clock."""
    _ = container.store  # the store is bound before a product's repository is built
    failures = portal_logins_store.LoginFailuresRepository()
    return ConsoleServices(key_logins(container.accounts, failures, container.clock, LOGIN_SCOPE))


PRODUCT = Product(name="console", services=services, blueprints=(console,))
