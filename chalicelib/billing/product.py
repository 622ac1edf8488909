"""How billing is composed: its error statuses, its kinds of queued task and their runners (the
chunks of an account lot), its tables (``store.tariffs``, ``store.wallets``, ``store.vouchers``,
``store.account_lots`` and ``store.card_purchases``, imported here so they are known wherever the
installed products are: the local stack, the infra template, the tests), its services (tariffs,
callback accounts, vouchers, account lots, card payments through Stripe), its operator routes,
Stripe's webhook and its CLI commands. Named in ``chalicelib.products.PRODUCT_MODULES``. Imports
the billing modules, the store's billing repositories, the task registry, the web layer's problem
registry and the wiring's types; the core imports none of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalicelib import errors
from chalicelib.billing import (
    account_lot_routes,
    account_routes,
    payment_routes,
    tariff_routes,
    voucher_routes,
)
from chalicelib.billing.account_lots import AccountLots, DisableLotAccounts, MakeLotAccounts
from chalicelib.billing.accounts import AuthenticationFailedError, CallbackAccounts
from chalicelib.billing.card import CardPayments
from chalicelib.billing.rest import billing
from chalicelib.billing.service import TariffService
from chalicelib.billing.tariffs import NoRateError, Rate, TariffNotFoundError
from chalicelib.billing.vouchers import Vouchers
from chalicelib.calls.tasks import Runner, register_effect_type
from chalicelib.products import Product
from chalicelib.store import account_lots as lot_store
from chalicelib.store import card_purchases as purchase_store
from chalicelib.store import tariffs as tariff_store
from chalicelib.store import vouchers as voucher_store
from chalicelib.store import wallets as wallet_store
from chalicelib.web.problems import register_error

if TYPE_CHECKING:
    from chalicelib.wiring import Container


ROUTE_MODULES = (tariff_routes, account_routes, voucher_routes, account_lot_routes, payment_routes)
"""The modules whose routes register on the ``billing`` blueprint when imported (before the app
registers the blueprint)."""


def register() -> None:
    """Map billing's errors to their statuses (idempotent)."""
    register_error(NoRateError, 404)
    register_error(TariffNotFoundError, 404)
    # 403, not 401: the PIN and password come in the request (a web, e-mail or SMS trigger),
    # not as the route's HTTP credentials; 401 would tell the client its API key is wrong
    register_error(AuthenticationFailedError, 403)
    register_effect_type("make_lot_accounts", MakeLotAccounts)
    register_effect_type("disable_lot_accounts", DisableLotAccounts)


@dataclass
class BillingServices:
    """What billing offers the rest of the platform."""

    tariffs: TariffService
    accounts: CallbackAccounts
    vouchers: Vouchers
    account_lots: AccountLots
    card_payments: CardPayments


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
    lots = AccountLots(
        lot_store.AccountLotRepository(),
        tariff_exists,
        container.enqueue_task,
        now,
        container.settings.account_password_key.encode(),
    )
    settings = container.settings
    payments = CardPayments(
        accounts,
        purchase_store.CardPurchaseRepository(),
        _stripe_client(settings.stripe_secret_key, settings.stripe_api_base),
        settings.stripe_webhook_secret,
        settings.account_password_key.encode(),
        settings.public_base_url,
        now,
    )
    return BillingServices(tariffs, accounts, vouchers, lots, payments)


def _stripe_client(secret_key: str, api_base: str) -> Callable[[], Any]:
    """The Stripe client, made on first use (``stripe`` is imported then, not at a cold
    start), its API requests sent to ``api_base`` with a timeout inside the REST deadline."""
    made: list[Any] = []

    def client() -> Any:
        if not secret_key:
            raise errors.UnavailableError("the stage has no Stripe secret key set")
        if not made:
            import stripe

            made.append(
                stripe.StripeClient(
                    secret_key,
                    base_addresses={"api": api_base},
                    http_client=stripe.RequestsClient(timeout=4),
                    max_network_retries=0,
                )
            )
        return made[0]

    return client


def runners(container: Container) -> Mapping[type, Runner]:
    """Billing's queued tasks: the chunks of an account lot, made and disabled."""

    def lots() -> AccountLots:
        return container.services("billing").account_lots  # type: ignore[no-any-return]

    return {
        MakeLotAccounts: Runner(lambda effect, account: lots().run_make(effect, account)),
        DisableLotAccounts: Runner(lambda effect, account: lots().run_disable(effect, account)),
    }


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.billing.cli import register as register_commands

    register_commands(commands)


PRODUCT = Product(
    name="billing",
    register=register,
    services=services,
    runners=runners,
    blueprints=(billing,),
    cli=register_cli,
)
