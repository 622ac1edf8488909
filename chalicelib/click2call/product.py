"""How the click-to-call product is composed: its kinds of effect (a request's call ended, its
contact concluded), its leg watcher (``click2call.watcher``), its hook on the campaigns' contacts
of ``c2c-`` campaigns (``campaigns.hooks``), its tables (``store.click2call``, and the failed
logins of ``store.portal_logins``), its service on the campaigns', billing's tariffs and the
guards, its routes (``click2call.routes``) and the company's pages (``click2call.site``, with
their logins). Named in ``chalicelib.products.PRODUCT_MODULES`` after the campaigns it rides on.
The core imports none of it.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.calls.tasks import Runner, encode_task, register_effect_type
from chalicelib.campaigns.hooks import register_contact_hook
from chalicelib.campaigns.model import Contact
from chalicelib.click2call import banner_routes, invoice_routes, stats_routes
from chalicelib.click2call.invoices import Invoices
from chalicelib.click2call.model import PREFIX
from chalicelib.click2call.routes import click2call
from chalicelib.click2call.service import Click2Call, next_open
from chalicelib.click2call.site import campaign_pages, report_pages, request_pages
from chalicelib.click2call.site.pages import company_id, company_site
from chalicelib.click2call.tasks import RemindCompany, RequestCallEnded, RequestConcluded
from chalicelib.click2call.watcher import watch
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.flows.engine import register_leg_watcher
from chalicelib.guards.limits import Guard
from chalicelib.products import Product
from chalicelib.store import click2call as c2c_store
from chalicelib.store import click2call_comments as c2c_comments_store
from chalicelib.store import click2call_invoices as c2c_invoices_store
from chalicelib.store import click2call_requests as c2c_requests_store
from chalicelib.store import portal_logins as portal_logins_store
from chalicelib.store.counters import CounterRepository
from chalicelib.web.logins import Logins

if TYPE_CHECKING:
    from chalicelib.wiring import Container

ROUTE_MODULES = (banner_routes, stats_routes, invoice_routes)
"""Route modules registering on the ``click2call`` blueprint when imported."""
SITE_MODULES = (request_pages, campaign_pages, report_pages)
"""The company's pages, registering on the ``company_site`` blueprint when imported."""
LOGIN_SCOPE = "company:"
"""The company pages' failed logins are counted apart from the callback user's."""


def _concluded(contact: Contact) -> None:
    """A request's contact is done in the campaigns' loop: the product's task is queued."""
    from chalicelib.wiring import container

    keys = contact.keys
    concluded = RequestConcluded(
        key=f"c2c-concluded:{contact.campaign_id}:{contact.contact_id}",
        request_id=keys.get("request", contact.contact_id),
        status=contact.status.value,
        first=keys.get("side", "visitor"),
        contact_id=contact.contact_id,
    )
    container().enqueue_task(encode_task(concluded, keys.get("company", "")), 0)


def register() -> None:
    """The product's effects, leg watcher and contact hook (idempotent)."""
    register_effect_type("c2c_call_ended", RequestCallEnded)
    register_effect_type("c2c_concluded", RequestConcluded)
    register_effect_type("c2c_remind", RemindCompany)
    register_leg_watcher(watch)
    register_contact_hook(PREFIX, _concluded)


@dataclass
class Click2CallServices:
    """What the click-to-call product offers."""

    click2call: Click2Call
    invoices: Invoices
    logins: Logins
    """Logins to the company's pages (``click2call.site``)."""


def services(container: Container) -> Click2CallServices:
    """The product's service on the container's store, the campaigns and the tariffs."""
    _ = container.store  # the store is bound before a product's repository is built

    def owner(number: str) -> tuple[str, str | None] | None:
        try:
            held = container.numbers.get(number)
        except NotFoundError:
            return None
        return held.account_id, held.flow_id

    service = Click2Call(
        companies=c2c_store.CompanyRepository(),
        operators=c2c_store.OperatorRepository(),
        campaigns=c2c_store.C2CCampaignRepository(),
        requests=c2c_requests_store.RequestRepository(),
        outbound=container.services("campaigns").campaigns,
        admin=container.admin,
        number_owner=owner,
        tariffs=container.services("billing").tariffs,
        guard=Guard(CounterRepository(), container.clock),
        clock=container.clock,
        new_id=lambda: uuid.uuid4().hex,
        opening=next_open,
        comment_types=c2c_comments_store.CommentTypeRepository(),
        run_at=container.timer.at,
        enqueue=container.enqueue_task,
        mail_from=container.settings.mail_from,
    )
    invoices = Invoices(
        requests=c2c_requests_store.RequestRepository(),
        campaigns=c2c_store.C2CCampaignRepository(),
        store=c2c_invoices_store.InvoiceRepository(),
        clock=container.clock,
        companies=c2c_store.CompanyRepository(),
    )
    logins = Logins(
        _login_id,
        service.authenticate,
        portal_logins_store.LoginFailuresRepository(),
        container.clock,
        LOGIN_SCOPE,
    )
    return Click2CallServices(service, invoices, logins)


def _login_id(text: str) -> str:
    """A company id as typed at the login; ``ValidationError`` for one no account can have."""
    try:
        return company_id(text)
    except ValueError:
        raise ValidationError("not a company id") from None


def runners(container: Container) -> Mapping[type, Runner]:
    """The product's effects, each a queued task."""

    def run(name: str) -> Any:
        def runner(effect: Any, account_id: str) -> Any:
            service = container.services("click2call").click2call
            return getattr(service, name)(effect, account_id)

        return runner

    return {
        RequestCallEnded: Runner(run("call_ended")),
        RequestConcluded: Runner(run("concluded")),
        RemindCompany: Runner(run("remind")),
    }


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.click2call.cli import register as register_commands

    register_commands(commands)


def demo(container: Container) -> Mapping[str, Any]:
    """The product's demo for the local run (``click2call.demo``)."""
    from chalicelib.click2call.demo import load

    return load(container)


PRODUCT = Product(
    name="click2call",
    register=register,
    services=services,
    runners=runners,
    blueprints=(click2call, company_site),
    cli=register_cli,
    demo=demo,
)
