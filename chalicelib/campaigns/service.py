"""The campaigns' imperative side: outbound flows' settings and activation, campaigns made from
the triggers, and the loop that calls their contacts.

Activation (the seed's "activate listener"): the flow is the account's and outbound, at least
one number (DID) is attached to it; its listener goes on and its DIDs are remembered. A trigger
is refused while the listener is off or when the flow's DIDs are no longer those it was
activated with (activate it again).

The loop: a campaign's *dispatch* (a task, planned once at a time per campaign: SQS's delay
within 15 minutes, a one-time schedule beyond) takes the contacts due within the next
``HORIZON`` (``store.campaign_contacts``' due index), no more than the concurrency caps have
room for, hands each to a *dial* task spread over the horizon at the campaign's pace, and plans
the next dispatch (within ``CONCURRENCY_RETRY`` when the caps held contacts back: they wait in
the index, not in the queue asking again each). A dial re-reads its contact, skips
numbers on the do-not-call list, waits for the calling window at the contact's local time,
takes a slot of the pace (the flow's and the account's calls per second and concurrent calls,
held in DynamoDB across invocations: ``campaigns.pacing``), marks the contact dialling
(conditional on its version: a repeated dial does nothing) and places the call from one of the
flow's DIDs with the contact's flow keys, ``$call.attemptnumber`` and machine detection as the
flow's settings say. A 429 from the carrier slows the pace and puts the contact back, never
losing it. The call's end comes back from the engine's leg watcher (``campaigns.watcher``):
``campaigns.attempts`` decides what follows (an alternate now, a retry round later, a final
status), the pace slot is freed, and a contact due soon gets its dial at once.

Imports the campaign modules, the outbound calls, the flows' catalogue, the neutral errors and
``calls.tasks``' encoding; never pynamodb, boto3 or the web layer (stores and clients come in).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from chalicelib.calls.outbound import OutboundCalls
from chalicelib.calls.tasks import encode_task
from chalicelib.campaigns import attempts, hooks, requests
from chalicelib.campaigns.attempts import Ended
from chalicelib.campaigns.model import (
    AccountSettings,
    CallResult,
    Campaign,
    CampaignCall,
    CampaignState,
    Contact,
    ContactStatus,
    FlowSettings,
    MachineHandling,
    Trigger,
)
from chalicelib.campaigns.pacing import MAX_WINDOW_CALLS
from chalicelib.campaigns.tasks import (
    CheckContactCall,
    ContactAnswered,
    ContactCallEnded,
    DialContact,
    DispatchCampaign,
)
from chalicelib.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    RefusedError,
    StaleStateError,
    ValidationError,
)
from chalicelib.flows.catalogue import FlowCatalogue
from chalicelib.flows.model import Flow, FlowKind
from chalicelib.ops.observability import logger
from chalicelib.telephony.actions import MachineDetection
from chalicelib.telephony.errors import CarrierBusyError, CarrierError, CarrierOutcomeUnknownError

HORIZON = timedelta(seconds=60)
"""How far ahead a dispatch hands contacts to the dialer."""
NEAR = timedelta(minutes=15)
"""A contact due within this after its call ended gets its dial at once (SQS's delay)."""
CONCURRENCY_RETRY = timedelta(seconds=5)
"""How soon a dispatch looks again when the concurrency caps held contacts back."""
WINDOW_HORIZON = timedelta(days=7)
CANCEL_AT_ONCE = 100
"""Waiting contacts a cancel request cancels itself; the campaign's dispatch does the rest."""
CANCEL_BATCH = 500
WAITING_AT_MOST = timedelta(days=400)
"""Later than any contact can wait (start times are at most a year ahead)."""
UNKNOWN_CALL_GRACE = timedelta(minutes=2)
"""After its ringing time, how long a call whose placing had no known outcome may take to be
reported by the carrier before it counts as failed."""
PACED_RETRY = timedelta(seconds=2)
"""How soon a campaign a product paces (the dialer, by its free agents) looks again when it
held contacts back."""
PACED_IDLE_RETRY = timedelta(seconds=30)
"""How soon it looks again when the product let none go (the product wakes it when it has
room: the dialer, when one of the group's agents is free): a backstop."""


class ForbiddenError(RefusedError):
    """The caller may not trigger this flow (security id, source address)."""


class Pace(Protocol):
    """Slots of the pace of calls (``campaigns.pacing.Pacer``)."""

    def acquire(self, limits: Sequence[Any], call_ref: str) -> Any: ...

    def release(self, keys: Sequence[str], call_ref: str) -> None: ...

    def in_progress(self, key: str) -> int: ...

    def free(self, limits: Sequence[Any]) -> int | None: ...

    def throttled(self, keys: Sequence[str]) -> timedelta: ...


class SettingsStore(Protocol):
    """Flows' and accounts' campaign settings (``store.campaigns``)."""

    def flow(self, flow_id: str) -> FlowSettings | None: ...

    def put_flow(self, settings: FlowSettings) -> FlowSettings: ...

    def flow_of_mail(self, token: str) -> tuple[str, str] | None: ...

    def account(self, account_id: str) -> AccountSettings: ...

    def put_account(self, settings: AccountSettings) -> AccountSettings: ...


class CampaignStore(Protocol):
    """Campaigns (``store.campaigns``)."""

    def create(self, campaign: Campaign) -> Campaign: ...

    def get(self, campaign_id: str) -> Campaign: ...

    def list(self, account_id: str, limit: int = 50) -> list[Campaign]: ...

    def add_contacts(self, campaign_id: str, added: int, rejected: int = 0) -> None: ...

    def add_chunk(self, campaign_id: str, chunk: int, added: int) -> bool: ...

    def set_state(self, campaign_id: str, state: CampaignState, reason: str = "") -> Campaign: ...

    def plan_dispatch(self, campaign_id: str, at: datetime) -> bool: ...

    def dispatching(self, campaign_id: str) -> Campaign: ...


class ContactStore(Protocol):
    """Campaigns' contacts (``store.campaign_contacts``)."""

    def add_counted(self, campaign_id: str, contacts: Sequence[Contact]) -> list[bool]: ...

    def load(self, contacts: Sequence[Contact]) -> None: ...

    def stored(self, campaign_id: str, contact_ids: Sequence[str]) -> frozenset[str]: ...

    def get(self, campaign_id: str, contact_id: str) -> Contact: ...

    def save(self, contact: Contact, old_status: ContactStatus) -> Contact: ...

    def due(self, campaign_id: str, until: datetime, limit: int) -> list[Contact]: ...

    def next_due(self, campaign_id: str) -> datetime | None: ...

    def every(self, campaign_id: str, status: ContactStatus | None = None) -> Iterator[Contact]: ...

    def page(
        self, campaign_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Contact], str | None]: ...


Opening = Callable[[str, str, datetime, str], datetime | None]
"""(window text, number, now, the account's zone for a number of no known zone) -> when the
window is next open at the number's local time (``now`` when open now; None: never)."""
Listed = Callable[[str, Sequence[str]], frozenset[str]]
"""(account, numbers) -> those on the account's do-not-call list."""
Attached = Callable[[str, str], tuple[str, ...]]
"""(account, flow) -> the enabled numbers attached to the flow, sorted."""
Reported = Callable[[str], bool]
"""(call id) -> whether the carrier reported anything of the call (a leg of it is known)."""


def _never_reported(call_id: str) -> bool:
    return False


def _nobody_told(contact: Contact) -> None:
    return None


def _always_open(window: str, number: str, now: datetime, zone: str) -> datetime | None:
    return now


def _none_listed(account_id: str, numbers: Sequence[str]) -> frozenset[str]:
    return frozenset()


def usable_rate(value: Decimal | float | int) -> Decimal:
    """A pace as the pacer's windows hold it, never above what was asked: tenths of a call per
    second (2.5 is 5 calls in 2 s), whole calls per second above 10, at least 0.1."""
    tenths = max(1, math.floor(Decimal(str(value)) * 10))
    rate = Fraction(tenths, 10)
    if rate.numerator > MAX_WINDOW_CALLS:
        rate = Fraction(math.floor(rate))
    return Decimal(rate.numerator) / Decimal(rate.denominator)


def hash_secret(secret: str) -> str:
    """How a security id is kept: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def pace_limits(flow: FlowSettings, account: AccountSettings) -> list[Any]:
    """The flow's and the account's pace (``campaigns.pacing.PaceLimit``)."""
    from chalicelib.campaigns.pacing import PaceLimit

    return [
        PaceLimit(f"flow:{flow.flow_id}", flow.calls_per_second, flow.max_concurrent),
        PaceLimit(
            f"account:{account.account_id}", account.calls_per_second, account.max_concurrent
        ),
    ]


def pace_keys(flow_id: str, account_id: str) -> list[str]:
    """The keys a campaign call's pace slot is held under."""
    return [f"flow:{flow_id}", f"account:{account_id}"]


def rest_campaign_id(flow_id: str) -> str:
    """The campaign of a flow's REST calls (one per flow: its client identifiers are unique)."""
    return f"api-{flow_id}"


def source_allowed(whitelist: Sequence[str], address: str) -> bool:
    """Whether ``address`` is on the whitelist (addresses or CIDR blocks)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for entry in whitelist:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


@dataclass
class Campaigns:
    """Outbound flows' settings, campaigns and the loop that calls their contacts."""

    settings: SettingsStore
    campaigns: CampaignStore
    contacts: ContactStore
    flows: FlowCatalogue
    attached: Attached
    set_listener: Callable[[str, str, bool], object]
    outbound: Callable[[], OutboundCalls]
    pace: Callable[[], Pace]
    enqueue: Callable[[str, int], None]
    run_at: Callable[[str, datetime, str], object]
    """(task body, when, key): queue a task message to run at a time (``ops.schedules``)."""
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    account_zone: Callable[[str], str]
    opening: Opening = _always_open
    listed: Listed = _none_listed
    reported: Reported = _never_reported
    concluded: Callable[[Contact], None] = _nobody_told
    """Told of each contact that reached a final status (``campaigns.hooks``)."""

    # -- settings -------------------------------------------------------------------------
    def outbound_flow(self, account_id: str, flow_id: str) -> Flow:
        """The account's outbound flow ``flow_id`` (its live version)."""
        try:
            head = self.flows.head(flow_id)
        except NotFoundError:
            head = None
        if head is None or head.account_id != account_id:
            raise NotFoundError(f"no flow {flow_id!r}")
        flow = self.flows.get(head.flow_id, head.latest_version)
        if flow.kind is not FlowKind.OUTBOUND:
            raise ValidationError(f"flow {flow_id!r} is an inbound flow: campaigns call out")
        return flow

    def flow_settings(self, account_id: str, flow_id: str) -> FlowSettings:
        self.outbound_flow(account_id, flow_id)
        return self.settings.flow(flow_id) or FlowSettings(account_id, flow_id)

    def activate(self, account_id: str, flow_id: str) -> tuple[FlowSettings, str | None]:
        """Activate the flow's listener with the DIDs attached to it now; the flow's security
        id is made the first time (returned once, else None)."""
        self.outbound_flow(account_id, flow_id)
        dids = self.attached(account_id, flow_id)
        if not dids:
            raise ValidationError(
                f"attach at least one of the account's numbers (a DID) to flow {flow_id!r}"
                " before activating its listener: campaigns call from them"
            )
        current = self.settings.flow(flow_id) or FlowSettings(account_id, flow_id)
        secret = None
        if not current.security_hash:
            secret = secrets.token_urlsafe(24)
        self.set_listener(account_id, flow_id, True)
        updated = replace(
            current,
            caller_ids=dids,
            activated_at=self.clock(),
            security_hash=hash_secret(secret) if secret else current.security_hash,
            mail_token=current.mail_token or secrets.token_hex(8),
        )
        return self.settings.put_flow(updated), secret

    def rotate_security_id(self, account_id: str, flow_id: str) -> str:
        """A new security id for the flow (the old one stops working at once)."""
        current = self.flow_settings(account_id, flow_id)
        secret = secrets.token_urlsafe(24)
        self.settings.put_flow(replace(current, security_hash=hash_secret(secret)))
        return secret

    def configure(self, account_id: str, flow_id: str, changes: Mapping[str, Any]) -> FlowSettings:
        """Change a flow's campaign settings (pace, window, attempts, machine handling)."""
        current = self.flow_settings(account_id, flow_id)
        allowed = {
            "calls_per_second",
            "max_concurrent",
            "window",
            "max_retries",
            "retry_delay",
            "ringing_timeout",
            "machine",
        }
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise ValidationError(f"unknown settings {unknown} (known: {sorted(allowed)})")
        values = dict(changes)
        if "calls_per_second" in values:
            values["calls_per_second"] = usable_rate(values["calls_per_second"])
        if "machine" in values:
            values["machine"] = MachineHandling(values["machine"])
        if values.get("window"):
            from chalicelib.campaigns.windows import parse_window

            values["window"] = str(parse_window(str(values["window"])))
        return self.settings.put_flow(replace(current, **values))

    def account_settings(self, account_id: str) -> AccountSettings:
        return self.settings.account(account_id)

    def configure_account(self, account_id: str, changes: Mapping[str, Any]) -> AccountSettings:
        """Change an account's whitelist, allowed senders or pace."""
        current = self.settings.account(account_id)
        values = dict(changes)
        if "calls_per_second" in values:
            values["calls_per_second"] = usable_rate(values["calls_per_second"])
        for entry in values.get("ip_whitelist", ()):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValidationError(f"{entry!r} is not an IP address or CIDR block") from None
        return self.settings.put_account(replace(current, **values))

    def ready(self, account_id: str, flow_id: str) -> tuple[FlowSettings, Flow]:
        """The flow's settings and flow, when a trigger may run it (else a clear refusal)."""
        flow = self.outbound_flow(account_id, flow_id)
        settings = self.settings.flow(flow_id)
        head = self.flows.head(flow_id)
        if settings is None or not settings.active or not head.enabled:
            raise ConflictError(
                f"flow {flow_id!r} has its listener off: activate it (with its DIDs attached)"
                " before triggering it"
            )
        dids = self.attached(account_id, flow_id)
        if dids != settings.caller_ids:
            added = sorted(set(dids) - set(settings.caller_ids))
            gone = sorted(set(settings.caller_ids) - set(dids))
            change = ", ".join([*(f"+{n}" for n in added), *(f"-{n}" for n in gone)])
            raise ConflictError(
                f"the DIDs attached to flow {flow_id!r} changed since its listener was"
                f" activated ({change}): activate it again"
            )
        return settings, flow

    # -- the REST trigger -----------------------------------------------------------------
    def create_from_rest(
        self,
        body: Mapping[str, Any],
        source_ip: str,
        check: Callable[[Flow], None] | None = None,
    ) -> dict[str, Any]:
        """``POST /outbound/create``: the seed's body, its calls accepted or rejected each.
        ``check`` refuses a flow the route does not run (a dialer's trigger, a flow with no
        agent node) once the flow is known to be the caller's."""
        requests.check_envelope(body)
        flow_id = str(body["flow-id"]).strip()
        settings = self.settings.flow(flow_id)
        given = hash_secret(str(body["security-id"]).strip())
        if settings is None or not hmac.compare_digest(given, settings.security_hash or "-"):
            raise ForbiddenError("the security-id does not match the flow-id")
        account_id = settings.account_id
        whitelist = self.settings.account(account_id).ip_whitelist
        if not source_allowed(whitelist, source_ip):
            raise ForbiddenError(
                f"requests from {source_ip or 'this address'} are not allowed: add it to the"
                " account's IP whitelist"
            )
        settings, flow = self.ready(account_id, flow_id)
        if check is not None:
            check(flow)
        now = self.clock()
        campaign_id = rest_campaign_id(flow_id)
        self._campaign(campaign_id, account_id, flow_id, Trigger.REST, f"{flow_id} (REST)", now)
        declared = frozenset(flow.variables)
        accepted, rejected = requests.read_calls(
            body, campaign_id, declared, self.account_zone(account_id), now
        )
        answers: list[dict[str, Any]] = []
        earliest: datetime | None = None
        stored = self.contacts.add_counted(campaign_id, [call.contact for call in accepted])
        for call, new in zip(accepted, stored, strict=True):
            contact = call.contact
            if new:
                answers.append(_accepted(call.client_identifier, contact_ref(contact)))
                due = contact.due_at or now
                earliest = due if earliest is None or due < earliest else earliest
                continue
            kept = self.contacts.get(campaign_id, contact.contact_id)
            if requests.same_request(kept, contact):
                answers.append(_accepted(call.client_identifier, contact_ref(kept), resent=True))
            else:
                rejected.append(
                    requests.Rejected(
                        call.client_identifier,
                        "duplicate: this client-identifier was used before with other numbers"
                        " or keys",
                        -1,
                    )
                )
        if rejected:
            self.campaigns.add_contacts(campaign_id, 0, len(rejected))
        if earliest is not None:
            self.plan(campaign_id, account_id, earliest)
        answers.extend(requests.rejections(rejected))
        return {
            "api-version": requests.API_VERSIONS[0],
            "flow-id": flow_id,
            "campaign-id": campaign_id,
            "accepted": sum(1 for a in answers if a["status"] == "accepted"),
            "rejected": len(rejected),
            "calls": answers,
        }

    def _campaign(
        self,
        campaign_id: str,
        account_id: str,
        flow_id: str,
        trigger: Trigger,
        name: str,
        now: datetime,
    ) -> Campaign:
        try:
            return self.campaigns.get(campaign_id)
        except NotFoundError:
            pass
        campaign = Campaign(campaign_id, account_id, flow_id, trigger, now, name=name[:200])
        try:
            return self.campaigns.create(campaign)
        except AlreadyExistsError:  # made meanwhile by a concurrent request
            return self.campaigns.get(campaign_id)

    # -- another product's contacts ---------------------------------------------------------
    def enrol(
        self,
        account_id: str,
        flow_id: str,
        campaign_id: str,
        name: str,
        contacts: Sequence[Contact],
    ) -> list[bool]:
        """Add contacts another product decided to call (a click-to-call's visitor) to its
        campaign of the flow (made the first time; the flow's listener must be on): each is
        stored unless its id is taken (per contact, whether it was) and the campaign's dispatch
        is planned for the earliest. ``ConflictError`` when the flow may not run."""
        self.ready(account_id, flow_id)
        now = self.clock()
        campaign = self._campaign(campaign_id, account_id, flow_id, Trigger.PRODUCT, name, now)
        if campaign.state is CampaignState.CANCELLED:
            raise ConflictError(f"campaign {campaign_id!r} is cancelled")
        stored = self.contacts.add_counted(campaign_id, list(contacts))
        due = [c.due_at or now for c, new in zip(contacts, stored, strict=True) if new]
        if due:
            self.plan(campaign_id, account_id, min(due))
        return stored

    # -- call lists -----------------------------------------------------------------------
    def new_campaign(
        self,
        campaign_id: str,
        account_id: str,
        flow_id: str,
        trigger: Trigger,
        name: str,
        rejected: int,
    ) -> Campaign:
        """The campaign of a call list (its contacts come in chunks: ``campaigns.uploads``),
        made once: asked again with its id (the reading task delivered again), the one made."""
        campaign = Campaign(
            campaign_id,
            account_id,
            flow_id,
            trigger,
            self.clock(),
            name=name[:200],
            rejected=rejected,
        )
        try:
            return self.campaigns.create(campaign)
        except AlreadyExistsError:
            return self.campaigns.get(campaign_id)

    # -- the loop -------------------------------------------------------------------------
    def plan(self, campaign_id: str, account_id: str, at: datetime) -> None:
        """Plan the campaign's dispatch at ``at`` unless one is planned sooner."""
        at = max(at, self.clock())
        if not self.campaigns.plan_dispatch(campaign_id, at):
            return
        key = f"dispatch:{campaign_id}:{int(at.timestamp())}:{self.new_id()[:8]}"
        body = encode_task(DispatchCampaign(key, campaign_id), account_id)
        self.run_at(body, at, key)

    def dispatch(self, effect: DispatchCampaign, account_id: str) -> Mapping[str, Any]:
        """Hand the contacts due within the horizon to dial tasks, spread at the pace."""
        campaign = self.campaigns.dispatching(effect.campaign_id)
        if campaign.state is CampaignState.CANCELLED:
            return {"dispatch": "cancelled", "contacts": self._cancel_waiting(campaign)}
        if campaign.state is not CampaignState.RUNNING:
            return {"dispatch": campaign.state.value}
        now = self.clock()
        flow = self.settings.flow(campaign.flow_id) or FlowSettings(
            campaign.account_id, campaign.flow_id
        )
        account = self.settings.account(campaign.account_id)
        rate = min(flow.calls_per_second, account.calls_per_second)
        budget = max(1, int(rate * int(HORIZON.total_seconds())))
        # no more than the concurrency caps let in: the rest wait in the due index (not in the
        # queue, asking again each) for a dispatch soon that finds room
        free = self.pace().free(pace_limits(flow, account))
        capped = free is not None and free < budget
        if capped and free == 0:
            if not campaign.finished:
                self.plan(campaign.campaign_id, campaign.account_id, now + CONCURRENCY_RETRY)
            return {"dispatched": 0, "campaign": campaign.campaign_id, "free": 0}
        budget = free if capped and free is not None else budget
        keys = pace_keys(campaign.flow_id, campaign.account_id)
        paced = hooks.dial_budget(campaign, lambda: self.pace().in_progress(keys[0]))
        if paced is not None:  # a product (the dialer) says how many may go now
            if paced == 0:  # the product wakes the dispatch when it has room; a backstop
                if not campaign.finished:
                    self.plan(campaign.campaign_id, campaign.account_id, now + PACED_IDLE_RETRY)
                return {"dispatched": 0, "campaign": campaign.campaign_id, "paced": 0}
            capped, budget = True, min(budget, paced)
        due = self.contacts.due(campaign.campaign_id, now + HORIZON, budget)
        handed = 0
        for contact in due:
            offset = max((contact.due_at or now) - now, timedelta(0))
            spread = timedelta(seconds=float(handed / rate)) if rate else timedelta(0)
            delay = int(max(offset, spread).total_seconds())
            try:  # out of the due index while its dial task is on the way
                taken = self._save(replace(contact, due_at=None), contact)
            except StaleStateError:
                continue
            self._dial_later(taken, campaign.account_id, delay)
            handed += 1
        if len(due) >= budget:  # more may be due: look again soon when the caps held them
            wait = PACED_RETRY if paced is not None else CONCURRENCY_RETRY if capped else HORIZON
            self.plan(campaign.campaign_id, campaign.account_id, now + wait)
        else:
            following = self.contacts.next_due(campaign.campaign_id)
            if following is not None:
                self.plan(campaign.campaign_id, campaign.account_id, max(following, now + HORIZON))
        return {"dispatched": handed, "campaign": campaign.campaign_id}

    def _dial_later(self, contact: Contact, account_id: str, delay: int) -> None:
        """A dial task for the contact at its version, held back ``delay`` seconds."""
        key = f"dial:{contact.campaign_id}:{contact.contact_id}:{contact.version}"
        task = DialContact(key, contact.campaign_id, contact.contact_id, contact.version, delay)
        self.enqueue(encode_task(task, account_id), min(delay, 900))

    def dial(self, effect: DialContact, account_id: str) -> Mapping[str, Any]:
        """Dial one contact (see the module)."""
        try:
            contact = self.contacts.get(effect.campaign_id, effect.contact_id)
        except NotFoundError:
            return {"dial": "no_contact"}
        if contact.version != effect.version or not contact.status.is_pending:
            return {"dial": "moved_on", "status": contact.status.value}
        original = contact
        campaign = self.campaigns.get(contact.campaign_id)
        if campaign.state is CampaignState.CANCELLED:
            self._save(attempts.cancelled(contact), original)
            return {"dial": "cancelled"}
        now = self.clock()
        if campaign.state is CampaignState.PAUSED:  # back in the due index for the resume
            self._save(replace(contact, due_at=now), original)
            return {"dial": "paused"}
        flow = self.settings.flow(campaign.flow_id) or FlowSettings(
            campaign.account_id, campaign.flow_id
        )
        if contact.due_at is not None and contact.due_at > now:  # the queue woke it early
            wait = int((contact.due_at - now).total_seconds() + 0.999)
            self._redial(contact, campaign.account_id, wait, effect)
            return {"dial": "not_due", "wait": wait}
        listed = self.listed(campaign.account_id, contact.numbers)
        while contact.status.is_pending and contact.numbers[contact.next_number] in listed:
            contact = attempts.skip_listed(contact, flow, now)
        if contact is not original and (
            not contact.status.is_pending or (contact.due_at and contact.due_at > now)
        ):  # every number left this round is listed: done, or the next round later
            saved = self._save(contact, original)
            self._follow(saved, campaign.account_id)
            return {"dial": "skipped_dnc", "status": saved.status.value}
        number = contact.numbers[contact.next_number]
        if flow.window:
            zone = self.account_zone(campaign.account_id)
            opening = self.opening(flow.window, number, now, zone)
            if opening is None or opening - now > WINDOW_HORIZON:
                self._save(attempts.outside_window(contact), original)
                return {"dial": "outside_window"}
            if opening > now:
                self._save(attempts.postponed(contact, opening), original)
                self.plan(campaign.campaign_id, campaign.account_id, opening)
                return {"dial": "waits_for_window", "until": opening.isoformat()}
        keys = pace_keys(campaign.flow_id, campaign.account_id)
        if hooks.dial_budget(campaign, lambda: self.pace().in_progress(keys[0])) == 0:
            # the product that paces it has no room now (the dialer: no agent free, the
            # customers already on their way handed out by a dispatch just before): back to
            # wait in the due index for a dispatch the product wakes
            self._save(replace(contact, due_at=now), original)
            self.plan(campaign.campaign_id, campaign.account_id, now + PACED_IDLE_RETRY)
            return {"dial": "paced", "reason": "product"}
        account = self.settings.account(campaign.account_id)
        call_id = self.new_id()
        ref = f"{contact.campaign_id}:{contact.contact_id}:{call_id}"
        granted = self.pace().acquire(pace_limits(flow, account), ref)
        until = getattr(granted, "until", None)
        if until is not None and getattr(granted, "reason", "") == "concurrency":
            # the caps are full: back to wait in the due index for a dispatch that finds room
            self._save(replace(contact, due_at=now), original)
            self.plan(campaign.campaign_id, campaign.account_id, now + CONCURRENCY_RETRY)
            return {"dial": "paced", "reason": "concurrency"}
        if until is not None:
            wait = max(1, int((until - now).total_seconds() + 0.999))
            self._redial(contact, campaign.account_id, wait, effect)
            return {"dial": "paced", "wait": wait, "reason": getattr(granted, "reason", "")}
        try:
            dialling = self._save(attempts.dialling(contact, number, call_id, now), original)
        except StaleStateError:
            self.pace().release(keys, ref)
            return {"dial": "moved_on"}
        caller_id = (
            contact.caller_id
            if contact.caller_id in flow.caller_ids
            else flow.caller_ids[contact.calls_made % len(flow.caller_ids)]
            if flow.caller_ids
            else ""
        )
        data = CampaignCall(
            contact.campaign_id, contact.contact_id, contact.calls_made + 1, flow.machine.value
        )
        machine = (
            None
            if flow.machine is MachineHandling.OFF
            else MachineDetection.CONTINUE
            if flow.machine is MachineHandling.CONTINUE
            else MachineDetection.HANGUP
        )
        try:
            self.outbound().place_for_product(
                campaign.account_id,
                campaign.flow_id,
                number,
                caller_id,
                (data,),
                ringing_timeout=flow.ringing_timeout,
                call_id=call_id,
                flow_vars=contact.keys,
                attempt=contact.calls_made + 1,
                machine_detection=machine,
            )
        except CarrierBusyError:
            backoff = self.pace().throttled(keys)
            self.pace().release(keys, ref)
            back = replace(dialling, attempts=dialling.attempts[:-1], status=contact.status)
            back = replace(back, due_at=now + backoff)
            saved = self._save(back, dialling)
            self._dial_later(saved, campaign.account_id, max(1, int(backoff.total_seconds())))
            return {"dial": "throttled", "backoff": backoff.total_seconds()}
        except CarrierOutcomeUnknownError:
            # it may ring (its webhooks are answered): look again once it would have been
            # reported, so that a call never placed does not leave its contact dialling
            logger.error("campaign call outcome unknown", extra={"call_id": call_id})
            check = CheckContactCall(
                f"check:{contact.campaign_id}:{contact.contact_id}:{call_id}",
                contact.campaign_id,
                contact.contact_id,
                call_id,
            )
            wait = flow.ringing_timeout + int(UNKNOWN_CALL_GRACE.total_seconds())
            self.enqueue(encode_task(check, campaign.account_id), wait)
            return {"dial": "unknown", "call_id": call_id}
        except (CarrierError, ValidationError, NotFoundError, ConflictError) as error:
            self.pace().release(keys, ref)
            if not isinstance(error, CarrierError):
                # a rule of the platform refused it (listener off, DID gone): pause, keep it
                back = replace(dialling, attempts=dialling.attempts[:-1], status=contact.status)
                self._save(back, dialling)
                self.campaigns.set_state(campaign.campaign_id, CampaignState.PAUSED, str(error))
                return {"dial": "paused", "error": str(error)}
            ended = Ended(CallResult.FAILED, self.clock(), detail=str(error)[:200])
            saved = self._save(attempts.conclude(dialling, ended, flow), dialling)
            self._follow(saved, campaign.account_id)
            return {"dial": "refused", "error": str(error)[:200]}
        return {"dial": "placed", "call_id": call_id, "to": number}

    def _redial(self, contact: Contact, account_id: str, wait: int, effect: DialContact) -> None:
        key = f"{effect.key}:w{int(self.clock().timestamp())}"
        task = DialContact(key, contact.campaign_id, contact.contact_id, contact.version, wait)
        self.enqueue(encode_task(task, account_id), min(wait, 900))

    def _save(self, contact: Contact, before: Contact) -> Contact:
        saved = self.contacts.save(replace(contact, version=before.version), before.status)
        if not before.status.is_final and saved.status.is_final:
            self.concluded(saved)
        return saved

    def _follow(self, contact: Contact, account_id: str) -> None:
        """After a contact changed: dial it again soon, or plan the dispatch that will."""
        if not contact.status.is_pending or contact.due_at is None:
            return
        if contact.due_at - self.clock() <= NEAR:
            delay = max(0, int((contact.due_at - self.clock()).total_seconds()))
            self._dial_later(contact, account_id, delay)
        else:
            self.plan(contact.campaign_id, account_id, contact.due_at)

    def answered(self, effect: ContactAnswered, account_id: str) -> Mapping[str, Any]:
        """The contact's call was answered."""
        for _ in range(3):
            contact = self.contacts.get(effect.campaign_id, effect.contact_id)
            current = contact.current
            if current is None or current.call_id != effect.call_id:
                return {"answered": "stale"}
            try:
                self._save(attempts.answered(contact), contact)
            except StaleStateError:
                continue
            return {"answered": effect.contact_id}
        return {"answered": "busy"}

    def ended(self, effect: ContactCallEnded, account_id: str) -> Mapping[str, Any]:
        """The contact's call ended: decide what follows and free its pace slot."""
        contact = self.contacts.get(effect.campaign_id, effect.contact_id)
        campaign = self.campaigns.get(effect.campaign_id)
        ref = f"{effect.campaign_id}:{effect.contact_id}:{effect.call_id}"
        self.pace().release(pace_keys(campaign.flow_id, campaign.account_id), ref)
        flow = self.settings.flow(campaign.flow_id) or FlowSettings(
            campaign.account_id, campaign.flow_id
        )
        ended = Ended(
            CallResult(effect.result),
            datetime.fromisoformat(effect.ended_at),
            effect.detail,
            effect.rescheduled,
            effect.duration,
            effect.keep_agent,
        )
        for _ in range(3):
            current = contact.current
            if current is None or current.call_id != effect.call_id:
                last = contact.attempts[-1] if contact.attempts else None
                if last and last.call_id == effect.call_id and contact.status.is_final:
                    self.concluded(contact)  # concluded by this task's earlier run
                return {"ended": "stale"}
            decided = attempts.conclude(contact, ended, flow)
            if campaign.state is CampaignState.CANCELLED:
                decided = attempts.cancelled(decided)
            try:
                saved = self._save(decided, contact)
            except StaleStateError:
                contact = self.contacts.get(effect.campaign_id, effect.contact_id)
                continue
            if campaign.state is CampaignState.RUNNING:
                self._follow(saved, campaign.account_id)
            return {"ended": saved.status.value, "contact": saved.contact_id}
        raise StaleStateError(f"contact {effect.contact_id} kept changing")

    def check(self, effect: CheckContactCall, account_id: str) -> Mapping[str, Any]:
        """A call whose placing had no known outcome: reported by the carrier since, its own
        events conclude it; never reported, it failed (its pace slot is freed and the contact
        goes on to its next number or round)."""
        contact = self.contacts.get(effect.campaign_id, effect.contact_id)
        current = contact.current
        if current is None or current.call_id != effect.call_id or current.result is not None:
            return {"check": "moved_on"}
        if self.reported(effect.call_id):
            return {"check": "reported"}
        failed = ContactCallEnded(
            effect.key,
            effect.campaign_id,
            effect.contact_id,
            effect.call_id,
            CallResult.FAILED.value,
            self.clock().isoformat(),
            "the carrier never reported the call",
        )
        return {"check": "never_reported", **self.ended(failed, account_id)}

    # -- control --------------------------------------------------------------------------
    def campaign(self, account_id: str, campaign_id: str) -> Campaign:
        try:
            campaign = self.campaigns.get(campaign_id)
        except NotFoundError:
            campaign = None
        if campaign is None or campaign.account_id != account_id:
            raise NotFoundError(f"no campaign {campaign_id!r}")
        return campaign

    def pause(self, account_id: str, campaign_id: str) -> Campaign:
        campaign = self.campaign(account_id, campaign_id)
        if campaign.state is CampaignState.CANCELLED:
            raise ConflictError(f"campaign {campaign_id!r} is cancelled")
        return self.campaigns.set_state(campaign_id, CampaignState.PAUSED, "paused by the account")

    def resume(self, account_id: str, campaign_id: str) -> Campaign:
        """Run a paused campaign again: its waiting contacts are dispatched (those whose dial
        came during the pause went back to wait)."""
        campaign = self.campaign(account_id, campaign_id)
        if campaign.state is CampaignState.CANCELLED:
            raise ConflictError(f"campaign {campaign_id!r} is cancelled")
        self.ready(account_id, campaign.flow_id)
        resumed = self.campaigns.set_state(campaign_id, CampaignState.RUNNING)
        self.plan(campaign_id, resumed.account_id, self.clock())
        return resumed

    def cancel(self, account_id: str, campaign_id: str) -> Campaign:
        """No contact of the campaign is called any more (calls going on end as they end):
        the first waiting contacts are cancelled at once, the rest by the campaign's dispatch,
        a batch at a time; a dial already queued finds the campaign cancelled."""
        self.campaign(account_id, campaign_id)
        cancelled = self.campaigns.set_state(
            campaign_id, CampaignState.CANCELLED, "cancelled by the account"
        )
        self._cancel_waiting(cancelled, CANCEL_AT_ONCE)
        return self.campaigns.get(campaign_id)

    def _cancel_waiting(self, campaign: Campaign, most: int = CANCEL_BATCH) -> int:
        """Cancel up to ``most`` of the campaign's waiting contacts (a full batch plans the
        next dispatch, which goes on); how many were taken."""
        waiting = self.contacts.due(campaign.campaign_id, self.clock() + WAITING_AT_MOST, most)
        for contact in waiting:
            try:
                self._save(attempts.cancelled(contact), contact)
            except StaleStateError:
                continue
        if len(waiting) >= most:
            self.plan(campaign.campaign_id, campaign.account_id, self.clock())
        return len(waiting)


def contact_ref(contact: Contact) -> str:
    """How a contact is named to the client: its campaign and id."""
    return f"{contact.campaign_id}/{contact.contact_id}"


def _accepted(identifier: str, ref: str, resent: bool = False) -> dict[str, Any]:
    answer: dict[str, Any] = {"client-identifier": identifier, "status": "accepted", "id": ref}
    if resent:
        answer["resent"] = True
    return answer
