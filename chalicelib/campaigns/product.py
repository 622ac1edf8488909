"""How the campaigns product is composed: its data on calls (``CampaignCall``), its kinds of
effect and their runners (dispatch, dial, answered, ended, reading a call list and loading its
chunks: queued tasks), its leg watcher (``campaigns.watcher``), its tables
(``store.campaigns``, ``store.campaign_contacts``, ``store.do_not_call``,
``store.campaign_pacing``, ``store.campaign_uploads``, imported here so they are known wherever
the installed products are), its services (``Campaigns`` on the store, the flows, the numbers,
the outbound calls, the pace, the timers, the calling windows and the do-not-call list; the
call lists on the uploads bucket), its e-mail consumer (``campaigns.mail``), its routes (the
seed's ``/outbound/create``, the tenant routes, uploads and their page, the do-not-call list)
and its CLI commands. Named in ``chalicelib.products.PRODUCT_MODULES``. The core imports none of it.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.calls.tasks import Runner, register_effect_type
from chalicelib.campaigns import (
    campaign_routes,
    dnc_routes,
    page_routes,
    trigger_routes,
    upload_routes,
)
from chalicelib.campaigns.dnc import DoNotCall
from chalicelib.campaigns.hooks import contact_concluded
from chalicelib.campaigns.model import CampaignCall
from chalicelib.campaigns.routes import campaigns
from chalicelib.campaigns.service import Campaigns
from chalicelib.campaigns.tasks import (
    CheckContactCall,
    ContactAnswered,
    ContactCallEnded,
    DialContact,
    DispatchCampaign,
)
from chalicelib.campaigns.uploads import CallLists, LoadContacts, ReadCallList
from chalicelib.campaigns.watcher import watch
from chalicelib.errors import NotFoundError
from chalicelib.flows.calldata import register_call_data
from chalicelib.flows.engine import register_leg_watcher
from chalicelib.products import Product
from chalicelib.store import campaign_contacts as contacts_store
from chalicelib.store import campaign_pacing as pacing_store
from chalicelib.store import campaign_uploads as uploads_store
from chalicelib.store import campaigns as campaigns_store
from chalicelib.store import do_not_call as dnc_store

if TYPE_CHECKING:
    from chalicelib.mail.intake import MailConsumer
    from chalicelib.wiring import Container

ROUTE_MODULES = (campaign_routes, dnc_routes, page_routes, trigger_routes, upload_routes)
"""Route modules registering on the ``campaigns`` blueprint when imported."""


def register() -> None:
    """The campaigns' call data, effects and leg watcher (idempotent)."""
    register_call_data(CampaignCall)
    register_effect_type("campaign_dispatch", DispatchCampaign)
    register_effect_type("campaign_dial", DialContact)
    register_effect_type("campaign_answered", ContactAnswered)
    register_effect_type("campaign_ended", ContactCallEnded)
    register_effect_type("campaign_check_call", CheckContactCall)
    register_effect_type("campaign_read_call_list", ReadCallList)
    register_effect_type("campaign_load_contacts", LoadContacts)
    register_leg_watcher(watch)


@dataclass
class CampaignServices:
    """What the campaigns product offers."""

    campaigns: Campaigns
    do_not_call: DoNotCall
    call_lists: CallLists


@dataclass
class S3Objects:
    """The uploads bucket."""

    client: Any
    bucket: str

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def read(self, key: str) -> bytes:
        return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())


def _attached(container: Container) -> Any:
    def attached(account_id: str, flow_id: str) -> tuple[str, ...]:
        numbers = container.numbers.list_by_account(account_id)
        return tuple(sorted(n.number for n in numbers if n.flow_id == flow_id and n.enabled))

    return attached


def _reported(container: Container) -> Callable[[str], bool]:
    """Whether the carrier reported anything of a call: a leg of it is known."""

    def reported(call_id: str) -> bool:
        try:
            return bool(container.calls.get(call_id).legs)
        except NotFoundError:
            return False

    return reported


def opening(window: str, number: str, now: datetime, fallback_zone: str) -> datetime | None:
    """When ``window`` is next open at ``number``'s local time (``campaigns.windows``)."""
    from chalicelib.campaigns.windows import next_opening, parse_window, zones_of_number

    return next_opening(parse_window(window), zones_of_number(number), now, fallback_zone)


def services(container: Container) -> CampaignServices:
    """The campaigns' services on the container's store, flows, numbers, calls and timers."""
    from chalicelib.campaigns.pacing import Pacer

    _ = container.store  # the store is bound before a product's repository is built
    pacer = Pacer(pacing_store.CampaignPacingRepository(), container.clock, time.sleep)

    def zone_of(account_id: str) -> str:
        return container.accounts.get(account_id).timezone

    do_not_call = DoNotCall(dnc_store.DoNotCallRepository(), container.clock)

    service = Campaigns(
        settings=campaigns_store.CampaignSettingsRepository(),
        campaigns=campaigns_store.CampaignRepository(),
        contacts=contacts_store.ContactRepository(),
        flows=container.catalogue,
        attached=_attached(container),
        set_listener=container.admin.set_listener,
        outbound=lambda: container.outbound,
        pace=lambda: pacer,
        enqueue=container.enqueue_task,
        run_at=container.timer.at,
        clock=container.clock,
        new_id=lambda: uuid.uuid4().hex,
        account_zone=zone_of,
        opening=opening,
        listed=do_not_call.is_listed,
        reported=_reported(container),
        concluded=contact_concluded,
    )
    from chalicelib.campaigns.mail import answer_upload

    lists = CallLists(
        uploads=uploads_store.UploadRepository(),
        objects=S3Objects(container.s3, container.settings.uploads_bucket),
        campaigns=service,
        enqueue=container.enqueue_task,
        clock=container.clock,
        new_id=lambda: uuid.uuid4().hex,
        reply=answer_upload(container.enqueue_task),
    )
    return CampaignServices(service, do_not_call, lists)


def runners(container: Container) -> Mapping[type, Runner]:
    """The campaigns' effects, each a queued task (a dial held back by its delay)."""

    def service() -> Campaigns:
        return container.services("campaigns").campaigns  # type: ignore[no-any-return]

    def run(name: str) -> Any:
        def runner(effect: Any, account_id: str) -> Any:
            return getattr(service(), name)(effect, account_id)

        return runner

    def lists(name: str) -> Any:
        def runner(effect: Any, account_id: str) -> Any:
            return getattr(container.services("campaigns").call_lists, name)(effect, account_id)

        return runner

    return {
        DispatchCampaign: Runner(run("dispatch")),
        DialContact: Runner(run("dial"), delay=lambda effect: min(900, int(effect.delay_seconds))),
        ContactAnswered: Runner(run("answered")),
        ContactCallEnded: Runner(run("ended")),
        CheckContactCall: Runner(run("check")),
        ReadCallList: Runner(lists("read")),
        LoadContacts: Runner(lists("load_chunk")),
    }


def mail_consumers(container: Container) -> Sequence[MailConsumer]:
    """E-mailed call lists to the outbound flows' upload addresses (``campaigns.mail``)."""
    from chalicelib.campaigns.mail import REFUSAL_QUIET_SECONDS, CallListMail

    campaigns = container.services("campaigns").campaigns

    def may_refuse(address: str) -> bool:
        key = f"call-list-refusal:{address}"
        return container.markers.claim(key, container.clock(), REFUSAL_QUIET_SECONDS)

    return (
        CallListMail(
            flow_of_mail=campaigns.settings.flow_of_mail,
            allowed_senders=lambda account_id: (
                campaigns.settings.account(account_id).allowed_senders
            ),
            lists=lambda: container.services("campaigns").call_lists,
            enqueue=container.enqueue_task,
            mail_domain=container.settings.mail_domain,
            may_refuse=may_refuse,
        ),
    )


def demo(container: Container) -> Mapping[str, Any]:
    """The campaigns' demo for the local run (``campaigns.demo``)."""
    from chalicelib.campaigns.demo import load

    return load(container)


def register_cli(commands: argparse._SubParsersAction[Any]) -> None:
    """The product's ``ringflow`` commands (imported here, never on a Lambda cold start)."""
    from chalicelib.campaigns.cli import register as register_commands
    from chalicelib.campaigns.dnc_cli import register as register_dnc

    register_commands(commands)
    register_dnc(commands)


PRODUCT = Product(
    name="campaigns",
    register=register,
    services=services,
    runners=runners,
    mail_consumers=mail_consumers,
    blueprints=(campaigns,),
    cli=register_cli,
    demo=demo,
)
