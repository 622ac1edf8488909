"""How the callback product is composed: its widgets, its data on calls, its kinds of effect and
their runners, the resolvers of its queries, its leg watcher (dials settled from the dialled
legs' events), its tables (``store.access_numbers``, ``store.portal_logins``, imported here so
they are known wherever the installed products are), its services (access numbers and lockouts,
the callback engine's resolvers and runners, web callbacks, the web pages' logins), its SMS and
e-mail command consumers, its operator routes, its users' web pages (``callback.portal``) and
its CLI commands. Named in ``chalicelib.products.PRODUCT_MODULES`` after billing, whose money
and tariffs it uses. The core imports none of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.callback import account_routes, web_admin_routes, web_routes
from chalicelib.callback.access_service import AccessNumberService
from chalicelib.callback.model import CallbackCall
from chalicelib.callback.portal.logins import Logins
from chalicelib.callback.portal.routes import portal
from chalicelib.callback.queries import (
    BalanceQuery,
    CallbackRequested,
    DialQuery,
    LockCaller,
    PinQuery,
    PlaceCallback,
    SettleDial,
    VoucherQuery,
)
from chalicelib.callback.routes import callback
from chalicelib.callback.service import CallbackService
from chalicelib.callback.settlement import watch
from chalicelib.callback.speed_dial import SpeedDial
from chalicelib.callback.web import WebCallbacks
from chalicelib.callback.widgets import WIDGETS
from chalicelib.calls.tasks import Runner, register_effect_type
from chalicelib.flows.calldata import register_call_data
from chalicelib.flows.engine import register_leg_watcher
from chalicelib.flows.widgets import register_widget
from chalicelib.guards.limits import Guard
from chalicelib.products import Product
from chalicelib.store import access_numbers as access_store
from chalicelib.store import callback_history as history_store
from chalicelib.store import portal_logins as portal_logins_store
from chalicelib.store import speed_dial as speed_dial_store
from chalicelib.store import web_callbacks as web_store
from chalicelib.store.counters import CounterRepository

if TYPE_CHECKING:
    from chalicelib.calls.service import Resolver
    from chalicelib.mail.intake import MailConsumer
    from chalicelib.messaging.inbox import Consumer
    from chalicelib.wiring import Container


ROUTE_MODULES = (account_routes, web_routes, web_admin_routes)
"""Route modules registering on the ``callback`` blueprint (besides ``callback.routes``) when
imported, before the app registers the blueprint."""


def register() -> None:
    """The callback's widgets, call data, effects and leg watcher (idempotent)."""
    for widget in WIDGETS:
        register_widget(widget)
    register_call_data(CallbackCall)
    register_effect_type("callback_requested", CallbackRequested)
    register_effect_type("place_callback", PlaceCallback)
    register_effect_type("settle_dial", SettleDial)
    register_effect_type("lock_caller", LockCaller)
    register_leg_watcher(watch)


@dataclass
class CallbackServices:
    """What the callback product offers: its access numbers, and the engine's side effects."""

    access_numbers: AccessNumberService
    engine: CallbackService
    speed_dial: SpeedDial
    web: WebCallbacks
    portal_logins: Logins


def services(container: Container) -> CallbackServices:
    """Callback's services, on the container's store, accounts and clock and billing's tariffs."""
    _ = container.store  # the store is bound before a product's repository is built
    access = AccessNumberService(
        access_store.AccessNumberRepository(),
        access_store.LockoutRepository(clock=container.clock),
        tenant_check=container.accounts.get,
        clock=container.clock,
    )
    engine = CallbackService(
        accounts=container.services("billing").accounts,
        tariffs=container.services("billing").tariffs,
        access=access,
        outbound=lambda: container.outbound,
        enqueue=container.enqueue_task,
        clock=container.clock,
        history=history_store.CallbackHistoryRepository(),
        vouchers=container.services("billing").vouchers,
    )
    web = WebCallbacks(
        web_store.WebCallbackRepository(),
        access,
        container.services("billing").accounts,
        container.services("billing").tariffs,
        Guard(CounterRepository(), container.clock),
        container.enqueue_task,
        container.clock,
        tenant_check=container.accounts.get,
    )
    logins = Logins(
        container.services("billing").accounts,
        portal_logins_store.LoginFailuresRepository(),
        container.clock,
    )
    speed_dial = SpeedDial(speed_dial_store.SpeedDialRepository())
    return CallbackServices(access, engine, speed_dial, web, logins)


def _engine(container: Container) -> CallbackService:
    return container.services("callback").engine  # type: ignore[no-any-return]


def resolvers(container: Container) -> Mapping[type, Resolver]:
    """Who answers the callback widgets' queries within a step."""

    def service() -> CallbackService:
        return _engine(container)

    return {
        BalanceQuery: lambda query: service().balance(query),
        PinQuery: lambda query: service().pin(query),
        DialQuery: lambda query: service().dial(query),
        VoucherQuery: lambda query: service().voucher(query),
    }


def runners(container: Container) -> Mapping[type, Runner]:
    """The callback's effects: decided and placed through the task queue (a placing held back
    by its delay), dials settled and callers locked out as queued tasks (retried until done)."""

    def service() -> CallbackService:
        return _engine(container)

    def run(name: str) -> Any:
        def runner(effect: Any, account_id: str) -> Any:
            return getattr(service(), name)(effect, account_id)

        return runner

    return {
        CallbackRequested: Runner(run("requested")),
        PlaceCallback: Runner(run("place"), delay=lambda effect: int(effect.delay_seconds)),
        SettleDial: Runner(run("settle")),
        LockCaller: Runner(run("lock")),
    }


def sms_consumers(container: Container) -> Sequence[Consumer]:
    """SMS commands to the access numbers (``callback.sms``)."""
    from chalicelib.callback.sms import SmsCommands

    billing = container.services("billing")
    access = container.services("callback").access_numbers
    speed_dial = container.services("callback").speed_dial
    return (
        SmsCommands(
            access.find,
            billing.accounts,
            billing.tariffs,
            container.enqueue_task,
            speed_dial,
            container.services("callback").engine.history,
            billing.vouchers,
        ),
    )


def mail_consumers(container: Container) -> Sequence[MailConsumer]:
    """E-mail commands to the access numbers' mail addresses (``callback.mail``)."""
    from chalicelib.callback.mail import REFUSAL_QUIET_SECONDS, MailCommands

    billing = container.services("billing")
    access = container.services("callback").access_numbers

    def may_refuse(address: str) -> bool:
        key = f"callback-mail-refusal:{address}"
        return container.markers.claim(key, container.clock(), REFUSAL_QUIET_SECONDS)

    return (
        MailCommands(
            access.find_by_mail,
            billing.accounts,
            billing.tariffs,
            container.enqueue_task,
            may_refuse,
        ),
    )


def demo(container: Container) -> Mapping[str, Any]:
    """The callback's demo data for the local run (``callback.demo``)."""
    from chalicelib.callback.demo import load

    return load(container)


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.callback.cli import register as register_commands
    from chalicelib.callback.web_cli import register as register_web_commands

    register_commands(commands)
    register_web_commands(commands)


PRODUCT = Product(
    name="callback",
    register=register,
    services=services,
    resolvers=resolvers,
    runners=runners,
    sms_consumers=sms_consumers,
    mail_consumers=mail_consumers,
    blueprints=(callback, portal),
    cli=register_cli,
    demo=demo,
)
