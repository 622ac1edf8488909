"""How billing is composed: its error statuses, its tables (``store.tariffs``, ``store.wallets``
and ``store.vouchers``, imported here so they are known wherever the installed products are: the
local stack, the infra template, the tests), its services (tariffs, callback accounts, vouchers),
its operator routes and its CLI commands. Named in ``chalicelib.products.PRODUCT_MODULES``. Imports
the billing modules, the store's tariff, wallet and voucher repositories, the web layer's problem
registry and the wiring's types; the core imports none of it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.billing import account_routes, tariff_routes, voucher_routes
from chalicelib.billing.accounts import AuthenticationFailedError, CallbackAccounts
from chalicelib.billing.rest import billing
from chalicelib.billing.service import TariffService
from chalicelib.billing.tariffs import NoRateError, Rate, TariffNotFoundError
from chalicelib.billing.vouchers import Vouchers
from chalicelib.products import Product
from chalicelib.store import tariffs as tariff_store
from chalicelib.store import vouchers as voucher_store
from chalicelib.store import wallets as wallet_store
from chalicelib.web.problems import register_error

if TYPE_CHECKING:
    from chalicelib.wiring import Container


ROUTE_MODULES = (tariff_routes, account_routes, voucher_routes)
"""The modules whose routes register on the ``billing`` blueprint when imported (before the app
registers the blueprint)."""


def register() -> None:
    """Map billing's errors to their statuses (idempotent)."""
    register_error(NoRateError, 404)
    register_error(TariffNotFoundError, 404)
    # 403, not 401: the PIN and password come in the request (a web, e-mail or SMS trigger),
    # not as the route's HTTP credentials; 401 would tell the client its API key is wrong
    register_error(AuthenticationFailedError, 403)


@dataclass
class BillingServices:
    """What billing offers the rest of the platform."""

    tariffs: TariffService
    accounts: CallbackAccounts
    vouchers: Vouchers


def services(container: Container) -> BillingServices:
    """Billing's services, on the container's store and clock."""
    _ = container.store  # the store is bound before a product's repository is built
    repository = tariff_store.TariffRepository(Rate, clock=container.clock)
    tariffs = TariffService(repository)

    def tariff_exists(tariff_id: str) -> bool:
        return repository.head(tariff_id, cached=False) is not None

    def today() -> date:
        return container.clock().date()

    wallets = wallet_store.WalletRepository()
    accounts = CallbackAccounts(wallets, tariff_exists, today)

    def now() -> datetime:
        return container.clock()

    vouchers = Vouchers(voucher_store.VoucherRepository(), wallets, now)
    return BillingServices(tariffs, accounts, vouchers)


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.billing.cli import register as register_commands

    register_commands(commands)


PRODUCT = Product(
    name="billing",
    register=register,
    services=services,
    blueprints=(billing,),
    cli=register_cli,
)
