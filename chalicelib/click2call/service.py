"""The click-to-call's imperative side: companies and their operators (set up by the platform's
operator), campaigns (run by the company itself, each deployed as an outbound flow of its own,
``click2call.flowgen``, with the campaigns' settings of its redials), the banner's requests, and
what the calls of a request come to.

A banner request passes, in order: the campaign (by its public key) exists, is enabled and its
company allowed; a browser's page (its ``Origin``) is on one of the campaign's sites (the app's
own banner page counts as none); the visitor agreed to be
called; the number is a number with its country code, not a premium or high-risk one
(``guards.prefixes``) and has a rate in the company's tariff (else "destination not
supported"); the same number again within ``REPEAT_SECONDS`` is the same request (a double
click, a retried POST: its id, nothing placed); the velocity limits per client IP and per
visitor number; the campaign's daily requests; its opening hours (outside them: refused, or
accepted and called when they open). Then the request is stored and its contact enrolled in the
campaign's outbound campaign (``campaigns.Campaigns.enrol``): the campaigns' loop calls it,
redials it ``redials`` times ``redial_pause`` apart, and paces it. A refusal changes nothing but
the velocity counters.

What happened comes back twice: each call's legs from the leg watcher (``RequestCallEnded``:
the first side answered and the second too, COMPLETED; the first answered, the second not,
FAILED CALLING TO the second), and the contact's end from the campaigns' hook
(``RequestConcluded``: never answered after the redials, FAILED CALLING TO the first side).
Each leg is rated by the company's tariff. Imports the billing tariffs, the guards, the
campaigns' service and model, the product's modules and the neutral errors; never pynamodb.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.billing.service import TariffService
from chalicelib.billing.tariffs import NoRateError
from chalicelib.billing.wallet import PasswordHash, decoy_hash, hash_password
from chalicelib.calls.tasks import encode_task
from chalicelib.campaigns.model import Contact, ContactStatus
from chalicelib.campaigns.service import Campaigns
from chalicelib.click2call import comments, flowgen
from chalicelib.click2call.direction import direction
from chalicelib.click2call.model import (
    CallLeg,
    CallMade,
    Campaign,
    Comment,
    CommentType,
    Company,
    FirstCall,
    Operator,
    OutsideHours,
    Request,
    RequestStatus,
    Ring,
    flow_of,
)
from chalicelib.click2call.tasks import RemindCompany, RequestCallEnded, RequestConcluded
from chalicelib.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    RefusedError,
    RingflowError,
    StaleStateError,
    ValidationError,
)
from chalicelib.guards.limits import Counted, Guard, Velocity
from chalicelib.guards.prefixes import denied
from chalicelib.mail.outbox import SendMail

REPEAT_SECONDS = 120
"""The same visitor number on the same campaign within this is the same request."""
PER_IP = Velocity(10, 3600)
PER_NUMBER = Velocity(3, 3600)
MAX_OPERATORS = 10
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_SIP = re.compile(r"^sips?:[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}(:\d{1,5})?$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]{1,200}(:\d{1,5})?$")
_NUMBER = re.compile(r"^[1-9]\d{6,14}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


class BannerRefusedError(RefusedError):
    """A banner request refused for a reason the banner shows: ``code`` names it."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class CompanyStore(Protocol):
    """Companies (``store.click2call``)."""

    def put(self, company: Company) -> Company: ...
    def get(self, company_id: str) -> Company: ...
    def list(self, limit: int = 100) -> list[Company]: ...


class OperatorStore(Protocol):
    """Operators (``store.click2call``)."""

    def put(self, operator: Operator) -> Operator: ...
    def get(self, company_id: str, operator_id: str) -> Operator: ...
    def list(self, company_id: str) -> list[Operator]: ...
    def delete(self, company_id: str, operator_id: str) -> None: ...


class CampaignStore(Protocol):
    """Click-to-call campaigns (``store.click2call``)."""

    def create(self, campaign: Campaign) -> Campaign: ...
    def save(self, campaign: Campaign) -> Campaign: ...
    def delete(self, campaign: Campaign) -> None: ...
    def get(self, company_id: str, campaign_id: str) -> Campaign: ...
    def by_key(self, public_key: str) -> Campaign: ...
    def list(self, company_id: str) -> list[Campaign]: ...


class RequestStore(Protocol):
    """Requests (``store.click2call_requests``)."""

    def create(self, request: Request) -> Request: ...
    def save(self, request: Request) -> Request: ...
    def get(self, request_id: str) -> Request: ...
    def list(
        self,
        company_id: str,
        since: datetime | None = None,
        until: datetime | None = None,
        campaign_id: str | None = None,
        status: RequestStatus | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[Request], str | None]: ...
    def every(
        self, company_id: str, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Request]: ...


class CommentTypeStore(Protocol):
    """A company's comment types (``store.click2call_comments``)."""

    def put(self, kind: CommentType) -> CommentType: ...
    def get(self, company_id: str, type_id: str) -> CommentType: ...
    def list(self, company_id: str) -> list[CommentType]: ...


class Admin(Protocol):
    """The platform's account administration (``accounts.admin.Admin``)."""

    def account(self, account_id: str) -> Any: ...
    def load_flow(self, account_id: str, document: Mapping[str, Any]) -> Any: ...
    def attach_number(self, account_id: str, number: str, flow_id: str) -> Any: ...
    def set_listener(self, account_id: str, flow_id: str, enabled: bool) -> Any: ...


NumberOwner = Callable[[str], tuple[str, str | None] | None]
"""(number) -> (its account, the flow it serves) or None when nobody holds it."""
Opening = Callable[[str, str, datetime], datetime | None]
"""(hours text, zone, now) -> when the hours next open (now when open; None: never)."""


def phone(text: object, field: str = "phone") -> str:
    """E.164 digits of a number written with its country code (``+44 7700 900001``)."""
    if not isinstance(text, str) or len(text) > 40:
        raise BannerRefusedError("invalid_number", f"{field}: give a phone number as text")
    digits = re.sub(r"[\s().-]", "", text.strip())
    if digits.startswith("00"):
        digits = digits[2:]
    digits = digits.removeprefix("+")
    if not _NUMBER.match(digits):
        raise BannerRefusedError(
            "invalid_number",
            f"{field}: {text.strip()[:40]!r} is not a phone number with its country code"
            " (e.g. +44 7700 900123)",
        )
    return digits


@dataclass
class Click2Call:
    """Companies, operators, campaigns and the banner's requests (see the module)."""

    companies: CompanyStore
    operators: OperatorStore
    campaigns: CampaignStore
    requests: RequestStore
    outbound: Campaigns
    admin: Admin
    number_owner: NumberOwner
    tariffs: TariffService
    guard: Guard
    clock: Callable[[], datetime]
    new_id: Callable[[], str]
    opening: Opening
    comment_types: CommentTypeStore
    run_at: Callable[[str, datetime, str], object]
    """(task body, when, key): run a task at a time (``ops.schedules``)."""
    enqueue: Callable[[str, int], None]
    mail_from: str

    # -- companies and operators (the platform's operator) --------------------------------
    def put_company(
        self,
        company_id: str,
        name: str,
        tariff: str,
        currency: str = "EUR",
        email: str = "",
        allowed: bool = True,
        password: str | None = None,
    ) -> Company:
        """Allow an account to run click-to-call campaigns, rated by ``tariff``; ``password``
        (8 to 128 characters) opens the company's pages (None keeps the one set)."""
        self.admin.account(company_id)
        self.tariffs.head(tariff)
        if not name.strip() or len(name) > 100:
            raise ValidationError("a company's name is 1 to 100 characters")
        if not re.fullmatch(r"[A-Z]{3}", currency):
            raise ValidationError(f"currency {currency!r} is not an ISO 4217 code")
        if email and not re.fullmatch(r"[^@\s]{1,64}@[^@\s]{1,190}", email):
            raise ValidationError(f"{email!r} is not an e-mail address")
        hashed = "" if password is None else hash_password(password).encoded()
        try:
            current = self.companies.get(company_id)
            created, hashed = current.created_at, hashed or current.password_hash
        except NotFoundError:
            created = self.clock()
        company = Company(
            company_id,
            name.strip(),
            tariff,
            currency,
            email,
            allowed,
            created_at=created,
            password_hash=hashed,
        )
        return self.companies.put(company)

    def authenticate(self, company_id: str, password: str) -> bool:
        """Whether ``password`` opens the pages of an allowed company; an unknown company, one
        without a password and a stopped one cost the same scrypt work as a wrong password.
        1 GetItem."""
        try:
            company: Company | None = self.companies.get(company_id)
        except NotFoundError:
            company = None
        stored = company.password_hash if company is not None else ""
        hashed = PasswordHash.parse(stored) if stored else decoy_hash()
        matches = hashed.verify(password) if isinstance(password, str) else False
        return bool(company and stored and matches and company.allowed)

    def company(self, company_id: str) -> Company:
        return self.companies.get(company_id)

    def put_operator(
        self, company_id: str, operator_id: str, name: str, number: str = "", sip: str = ""
    ) -> Operator:
        """An operator of the company, reached on ``number`` or ``sip``. A changed operator's
        campaigns are deployed again (their flows hold its number); one refusing the change
        (a company-first campaign left with SIP operators only) puts it back as it was."""
        self.companies.get(company_id)
        if not _ID.match(operator_id):
            raise ValidationError("an operator id is 1 to 40 of a-z, 0-9 and -")
        if bool(number) == bool(sip):
            raise ValidationError("give an operator a phone number or a SIP address, one of them")
        digits = phone(number, "number") if number else ""
        if sip and not _SIP.match(sip):
            raise ValidationError(f"{sip[:80]!r} is not a SIP address (sip:user@host)")
        try:
            before: Operator | None = self.operators.get(company_id, operator_id)
        except NotFoundError:
            before = None
        made = Operator(company_id, operator_id, name.strip()[:100] or operator_id, digits, sip)
        saved = self.operators.put(made)
        if before is not None and before != saved:
            self._redeploy(saved, before)
        return saved

    def _redeploy(self, operator: Operator, before: Operator) -> None:
        """Deploy again the campaigns calling a changed operator; on a refusal, the operator
        is put back and the campaigns already deployed are deployed back."""
        using = self.using(operator.company_id, operator.operator_id)
        done: list[Campaign] = []
        for campaign in using:
            try:
                self._deploy(self._checked(campaign))
            except RingflowError as refused:
                self.operators.put(before)
                for deployed in done:
                    self._deploy(deployed)
                raise ValidationError(
                    f"campaign {campaign.name!r} refuses the change: {refused}"
                ) from None
            done.append(campaign)

    def using(self, company_id: str, operator_id: str) -> list[Campaign]:
        """The company's campaigns that call ``operator_id``."""
        return [c for c in self.campaigns.list(company_id) if operator_id in c.operators]

    def remove_operator(self, company_id: str, operator_id: str) -> Operator:
        """Remove an operator no campaign calls (``ConflictError`` naming those that do)."""
        operator = self.operators.get(company_id, operator_id)
        using = self.using(company_id, operator_id)
        if using:
            names = ", ".join(repr(c.name) for c in using)
            raise ConflictError(
                f"operator {operator.name} answers the calls of campaign {names}: take them off"
                " the campaign first"
            )
        self.operators.delete(company_id, operator_id)
        return operator

    # -- campaigns (the company) ------------------------------------------------------------
    def create_campaign(self, company_id: str, fields: Mapping[str, Any]) -> Campaign:
        """A new campaign of the company, deployed (its flow loaded and its listener on)."""
        company = self._allowed(company_id)
        campaign_id = str(fields.get("campaign_id") or self.new_id()[:12]).lower()
        if not _ID.match(campaign_id):
            raise ValidationError("a campaign id is 1 to 40 of a-z, 0-9 and -")
        draft = Campaign(
            campaign_id=campaign_id,
            company_id=company_id,
            name="",
            public_key=secrets.token_urlsafe(18),
            operators=(),
            caller_id="",
            currency=company.currency,
            created_at=self.clock(),
        )
        campaign = self._checked(replace(draft, **_changes(fields, creating=True)))
        try:
            created = self.campaigns.create(campaign)
        except AlreadyExistsError:
            raise ConflictError(f"campaign {campaign_id!r} exists") from None
        try:
            self._deploy(created)
        except BaseException:
            self.campaigns.delete(created)  # a campaign that cannot run is not kept
            raise
        return created

    def update_campaign(
        self, company_id: str, campaign_id: str, fields: Mapping[str, Any]
    ) -> Campaign:
        """Change a campaign's settings (its flow follows)."""
        current = self.campaign(company_id, campaign_id)
        updated = self._checked(replace(current, **_changes(fields, creating=False)))
        try:
            saved = self.campaigns.save(updated)
        except StaleStateError:
            raise ConflictError("the campaign changed meanwhile: read it and try again") from None
        self._deploy(saved)
        return saved

    def campaign(self, company_id: str, campaign_id: str) -> Campaign:
        try:
            campaign = self.campaigns.get(company_id, campaign_id)
        except NotFoundError:
            campaign = None
        if campaign is None or campaign.company_id != company_id:
            raise NotFoundError(f"no click-to-call campaign {campaign_id!r}")
        return campaign

    def _allowed(self, company_id: str) -> Company:
        try:
            company = self.companies.get(company_id)
        except NotFoundError:
            raise ConflictError(
                "this account may not run click-to-call campaigns: ask the platform's operator"
            ) from None
        if not company.allowed:
            raise ConflictError("this account's click-to-call campaigns are stopped")
        return company

    def _checked(self, campaign: Campaign) -> Campaign:
        """The campaign, its settings checked against the company's operators and numbers."""
        if not campaign.name.strip() or len(campaign.name) > 100:
            raise ValidationError("a campaign's name is 1 to 100 characters")
        if not campaign.operators or len(campaign.operators) > MAX_OPERATORS:
            raise ValidationError(f"a campaign has 1 to {MAX_OPERATORS} operators")
        dialled: list[Operator] = []
        for operator_id in campaign.operators:
            try:
                operator = self.operators.get(campaign.company_id, operator_id)
            except NotFoundError:
                raise ValidationError(f"no operator {operator_id!r}") from None
            dialled.append(operator)
        if campaign.first is FirstCall.COMPANY and not any(o.number for o in dialled):
            raise ValidationError(
                "a campaign that calls the company first needs an operator with a phone number"
                " (SIP operators are not called first)"
            )
        owner = self.number_owner(campaign.caller_id)
        if owner is None or owner[0] != campaign.company_id:
            raise ValidationError(f"caller_id {campaign.caller_id!r} is not one of your numbers")
        if campaign.company_caller_id:
            shown = self.number_owner(campaign.company_caller_id)
            if shown is None or shown[0] != campaign.company_id:
                raise ValidationError(
                    f"company_caller_id {campaign.company_caller_id!r} is not one of your numbers"
                )
        if owner[1] not in (None, flow_of(campaign.company_id, campaign.campaign_id)):
            raise ValidationError(
                f"caller_id {campaign.caller_id} serves flow {owner[1]!r}: a campaign calls"
                " from a number of its own"
            )
        if campaign.hours:
            from chalicelib.campaigns.windows import parse_window

            parse_window(campaign.hours)
        try:
            ZoneInfo(campaign.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(f"{campaign.timezone!r} is not an IANA time zone") from None
        for site in campaign.sites:
            if not _ORIGIN.match(site):
                raise ValidationError(f"{site[:80]!r} is not a site origin (https://host[:port])")
        if campaign.message_url and not campaign.message_url.startswith("https://"):
            raise ValidationError("message_url is the https URL of an mp3 or wav file")
        if not _LANGUAGE.match(campaign.language):
            raise ValidationError(f"{campaign.language!r} is not a language tag")
        bounds = {
            "redials": (campaign.redials, 0, 10),
            "redial_pause": (campaign.redial_pause, 10, 86_400),
            "ring_timeout": (campaign.ring_timeout, 5, 120),
            "reminder_minutes": (campaign.reminder_minutes, 1, 43_200),
            "daily_requests": (campaign.daily_requests, 1, 1_000_000),
        }
        for name, (value, low, high) in bounds.items():
            if not low <= value <= high:
                raise ValidationError(f"{name} is {low} to {high}")
        if campaign.price < 0:
            raise ValidationError("price is at least 0")
        return campaign

    def _deploy(self, campaign: Campaign) -> None:
        """Load the campaign's flow, attach its number, turn its listener on and give the
        campaigns' loop its redials."""
        operators = [self.operators.get(campaign.company_id, o) for o in campaign.operators]
        flow_id = flow_of(campaign.company_id, campaign.campaign_id)
        self.admin.load_flow(campaign.company_id, flowgen.flow_document(campaign, operators))
        self.admin.attach_number(campaign.company_id, campaign.caller_id, flow_id)
        self.admin.set_listener(campaign.company_id, flow_id, campaign.enabled)
        self.outbound.activate(campaign.company_id, flow_id)
        self.outbound.configure(
            campaign.company_id,
            flow_id,
            {
                "max_retries": campaign.redials,
                "retry_delay": campaign.redial_pause,
                "ringing_timeout": campaign.ring_timeout,
            },
        )

    # -- the banner -------------------------------------------------------------------------
    def ask(
        self, public_key: str, form: Mapping[str, Any], origin: str, client_ip: str
    ) -> dict[str, Any]:
        """A visitor's click (see the module): accepted with its request id, or
        ``BannerRefusedError`` (and the platform's ``RateLimitedError``)."""
        campaign, company = self._live(public_key)
        if origin and origin not in campaign.sites:  # a browser on another site
            raise BannerRefusedError("site_not_allowed", "this banner is not on its site", 403)
        if form.get("agree") not in (True, "true", "on", "yes", "1"):
            raise BannerRefusedError("consent_required", "the visitor must agree to be called")
        visitor = phone(form.get("phone"))
        prefix = denied(visitor)
        if prefix is not None:
            raise BannerRefusedError(
                "destination_not_supported", f"numbers starting +{prefix} are not called"
            )
        try:
            self.tariffs.rate(company.tariff, visitor)
        except NoRateError:
            raise BannerRefusedError(
                "destination_not_supported", f"+{visitor} cannot be called by this campaign"
            ) from None
        scope = f"c2c:{campaign.campaign_id}"
        candidate = self.new_id()
        request_id = self.guard.first(scope, visitor, candidate, REPEAT_SECONDS)
        if request_id != candidate:
            return {"request_id": request_id, "status": "accepted", "repeated": True}
        try:
            return self._admit(campaign, scope, visitor, request_id, client_ip)
        except BaseException:
            self.guard.forget(scope, visitor)  # a refused request is no request to repeat
            raise

    def by_key(self, public_key: str) -> Campaign:
        """The enabled campaign of a banner's key, of an allowed company."""
        return self._live(public_key)[0]

    def _live(self, public_key: str) -> tuple[Campaign, Company]:
        """The enabled campaign of a banner's key and its company, allowed. 1 Query (the key's
        index) and 1 GetItem."""
        try:
            campaign = self.campaigns.by_key(str(public_key)[:64])
        except NotFoundError:
            raise BannerRefusedError("unknown_campaign", "no campaign has this key", 404) from None
        company = self.companies.get(campaign.company_id)
        if not campaign.enabled or not company.allowed:
            raise BannerRefusedError("campaign_stopped", "this campaign takes no requests now")
        return campaign, company

    def _admit(
        self, campaign: Campaign, scope: str, visitor: str, request_id: str, client_ip: str
    ) -> dict[str, Any]:
        self.guard.admit(
            scope,
            [
                Counted("client IP", client_ip or "unknown", PER_IP),
                Counted("phone number", visitor, PER_NUMBER),
            ],
        )
        now = self.clock()
        try:
            self.guard.commit(scope, now.date(), Decimal(1), Decimal(campaign.daily_requests))
        except RefusedError:
            raise BannerRefusedError(
                "daily_limit", "this campaign takes no more requests today", 429
            ) from None
        due = now
        if campaign.hours:
            opens = self.opening(campaign.hours, campaign.timezone, now)
            if opens is None or (opens > now and campaign.outside_hours is OutsideHours.REFUSE):
                raise BannerRefusedError("outside_hours", "the company is closed now")
            due = opens
        request = Request(
            request_id=request_id,
            campaign_id=campaign.campaign_id,
            company_id=campaign.company_id,
            visitor=visitor,
            created_at=now,
            status=RequestStatus.WAITING if due > now else RequestStatus.IN_PROGRESS,
            client_ip=client_ip[:64],
            due_at=due,
            direction=direction(visitor),
        )
        # the contact first: a flow that may not run refuses the request and stores nothing
        self._enrol(campaign, request, FirstCall(campaign.first), due)
        self.requests.create(request)
        return {"request_id": request_id, "status": "accepted", "call_at": due.isoformat()}

    def _enrol(
        self, campaign: Campaign, request: Request, first: FirstCall, due: datetime, n: int = 0
    ) -> None:
        """The request's contact in the campaign's outbound campaign (``n``: a call back)."""
        if first is FirstCall.VISITOR:
            numbers: tuple[str, ...] = (request.visitor,)
        else:  # SIP operators are not called first (docs/decisions/0038)
            operators = [self.operators.get(campaign.company_id, o) for o in campaign.operators]
            numbers = tuple(o.number for o in operators if o.number)
            if not numbers:
                raise ValidationError(
                    "the campaign's operators are all on SIP: the company cannot be called first"
                    " (give an operator a phone number)"
                )
        contact = Contact(
            campaign_id=flow_of(campaign.company_id, campaign.campaign_id),
            contact_id=request.request_id if n == 0 else f"{request.request_id}-{n}",
            numbers=numbers,
            keys={
                "request": request.request_id,
                "visitor": request.visitor,
                "side": first.value,
                "company": campaign.company_id,
            },
            due_at=due,
            client_identifier=request.request_id,
            caller_id=(
                campaign.caller_id
                if first is FirstCall.VISITOR
                else campaign.company_caller_id or campaign.caller_id
            ),
        )
        flow_id = flow_of(campaign.company_id, campaign.campaign_id)
        try:
            self.outbound.enrol(
                campaign.company_id, flow_id, flow_id, f"Click to call: {campaign.name}", [contact]
            )
        except ConflictError:
            raise BannerRefusedError(
                "campaign_stopped", "this campaign takes no requests now"
            ) from None

    def call_back(self, company_id: str, request_id: str) -> Request:
        """The company calls a failed request back: an operator is called first (in the
        campaign's order, those with a phone number: SIP operators are not called first), then
        the visitor, and the two are bridged."""
        for _ in range(3):
            request = self.request(company_id, request_id)
            if not request.status.final or request.status is RequestStatus.COMPLETED:
                raise ConflictError(
                    f"request {request_id!r} is {request.status.label}: only a failed request is"
                    " called back"
                )
            campaign = self.campaign(company_id, request.campaign_id)
            again = replace(
                request,
                status=RequestStatus.IN_PROGRESS,
                called_back=request.called_back + 1,
                failed_at=None,
            )
            # the contact first (its id names this call back, so enrolling it again is a no-op):
            # a refusal leaves the request as it was, never in progress with nobody to call
            self._enrol(campaign, again, FirstCall.COMPANY, self.clock(), again.called_back)
            try:
                return self.requests.save(again)
            except StaleStateError:
                continue
        raise ConflictError(f"request {request_id!r} kept changing: try again")

    def request(self, company_id: str, request_id: str) -> Request:
        try:
            request = self.requests.get(request_id)
        except NotFoundError:
            request = None
        if request is None or request.company_id != company_id:
            raise NotFoundError(f"no click-to-call request {request_id!r}")
        return request

    # -- comments, the CSV export, reminders -----------------------------------------------
    def put_comment_type(
        self, company_id: str, type_id: str, name: str, fields: Sequence[Any]
    ) -> CommentType:
        """Define (or change) one of the company's comment types."""
        self._allowed(company_id)
        return self.comment_types.put(comments.checked_type(company_id, type_id, name, fields))

    def comment(
        self,
        company_id: str,
        request_id: str,
        type_id: str,
        text: object,
        values: Mapping[str, Any],
    ) -> Request:
        """Add a comment of ``type_id`` (``note``: text only) to one of the company's
        requests."""
        self.request(company_id, request_id)  # the company's (a 404 before the body's rules)
        kind = None
        if type_id != comments.NOTE:
            try:
                kind = self.comment_types.get(company_id, type_id)
            except NotFoundError:
                raise ValidationError(f"no comment type {type_id!r}") from None
        checked = comments.checked_values(kind, values)
        said = comments.comment_text(text)
        if not said and not checked:
            raise ValidationError("a comment has a text or values")
        for _ in range(3):
            request = self.request(company_id, request_id)
            if len(request.comments) >= comments.MAX_COMMENTS:
                raise ConflictError(f"a request holds at most {comments.MAX_COMMENTS} comments")
            added = Comment(self.clock(), type_id, said, checked)
            try:
                return self.requests.save(replace(request, comments=(*request.comments, added)))
            except StaleStateError:
                continue
        raise ConflictError(f"request {request_id!r} kept changing: try again")

    def requests_csv(
        self,
        company_id: str,
        since: datetime | None,
        until: datetime | None,
        campaign_id: str | None = None,
        status: RequestStatus | None = None,
    ) -> str:
        """The company's requests of a period (oldest first) with their comments, as CSV."""
        chosen = (
            r
            for r in self.requests.every(company_id, since, until)
            if (campaign_id is None or r.campaign_id == campaign_id)
            and (status is None or r.status is status)
        )
        return comments.requests_csv(chosen, self.comment_types.list(company_id))

    def _remind_later(self, request: Request) -> None:
        """Plan the reminder of a request that just failed (its campaign's time)."""
        campaign = self.campaigns.get(request.company_id, request.campaign_id)
        at = (request.failed_at or self.clock()) + timedelta(minutes=campaign.reminder_minutes)
        key = f"c2c-remind:{request.request_id}:{request.called_back}"
        body = encode_task(RemindCompany(key, request.request_id), request.company_id)
        self.run_at(body, at, key)

    def remind(self, effect: RemindCompany, account_id: str) -> Mapping[str, Any]:
        """A failed request still waits for a call back: the company is e-mailed, once."""
        request = self.requests.get(effect.request_id)
        if request.status not in _FAILED or request.reminded_at is not None:
            return {"remind": "not needed", "status": request.status.value}
        company = self.companies.get(request.company_id)
        if not company.email:
            return {"remind": "no address"}
        campaign = self.campaigns.get(request.company_id, request.campaign_id)
        text = (
            f"A click-to-call request of your campaign {campaign.name} waits for a call back.\n\n"
            f"Visitor: +{request.visitor}\n"
            f"Asked at: {request.created_at:%Y-%m-%d %H:%M} UTC\n"
            f"Status: {request.status.label}\n"
            f"Request: {request.request_id}\n\n"
            "Call it back from your click-to-call pages, or with\n"
            f"  ringflow click2call call-back --account {company.company_id}"
            f" {request.request_id}\n"
        )
        mail = SendMail(
            key=f"c2c-reminder:{request.request_id}",
            from_address=self.mail_from,
            to_address=company.email,
            subject=f"Call back +{request.visitor} ({campaign.name})"[:250],
            text=text,
        )
        self.enqueue(encode_task(mail, company.company_id), 0)
        for _ in range(3):
            try:
                self.requests.save(replace(request, reminded_at=self.clock()))
            except StaleStateError:
                request = self.requests.get(effect.request_id)
                continue
            break
        return {"remind": company.email, "request": request.request_id}

    # -- what the calls come to ---------------------------------------------------------------
    def call_ended(self, effect: RequestCallEnded, account_id: str) -> Mapping[str, Any]:
        """A call of the request ended: its legs rated and kept, the request's status from
        them (see the module)."""
        raw = json.loads(effect.legs)
        for _ in range(3):
            request = self.requests.get(effect.request_id)
            if any(call.call_id == effect.call_id for call in request.calls):
                return {"request": request.request_id, "call": "known"}
            company = self.companies.get(request.company_id)
            legs = self._rated(company, raw)
            first = FirstCall(effect.first)
            made = CallMade(
                effect.call_id,
                datetime.fromisoformat(effect.started_at),
                first,
                legs,
                datetime.fromisoformat(effect.ended_at),
            )
            status = request.status
            answered = {  # a side answered when any of its legs did (ring all: several)
                side: any(leg.status == "answered" for leg in legs if leg.side == side)
                for side in {leg.side for leg in legs}
            }
            if answered.get(first.value):
                status = (
                    RequestStatus.COMPLETED
                    if any(answered.get(s) for s in ("visitor", "company") if s != first.value)
                    else RequestStatus.FAILED_COMPANY
                    if first is FirstCall.VISITOR
                    else RequestStatus.FAILED_USER
                )
            updated = replace(request, calls=(*request.calls, made), status=status)
            if status is RequestStatus.COMPLETED:
                updated = replace(updated, completed_at=made.ended_at)
            elif status.final and status is not request.status:
                updated = replace(updated, failed_at=made.ended_at)
            try:
                saved = self.requests.save(updated)
            except StaleStateError:
                continue
            if saved.status is not request.status and saved.status in _FAILED:
                self._remind_later(saved)
            return {"request": saved.request_id, "status": saved.status.value}
        raise StaleStateError(f"request {effect.request_id} kept changing")

    def _rated(self, company: Company, raw: Sequence[Mapping[str, Any]]) -> tuple[CallLeg, ...]:
        """Each leg with its cost by the company's tariff (a SIP address has no rate: 0)."""
        numbers = [str(leg["number"]) for leg in raw if _NUMBER.match(str(leg.get("number")))]
        try:
            rates = self.tariffs.rate_each(company.tariff, numbers) if numbers else {}
        except NotFoundError:
            rates = {}
        legs = []
        for leg in raw:
            number, seconds = str(leg.get("number") or ""), int(leg.get("duration") or 0)
            rate = rates.get(number)
            cost = rate.price(seconds) if rate is not None and seconds else Decimal(0)
            status = "answered" if leg.get("answered") else str(leg.get("status") or "failed")
            legs.append(CallLeg(str(leg["side"]), number, status, seconds, cost))
        return tuple(legs)

    def concluded(self, effect: RequestConcluded, account_id: str) -> Mapping[str, Any]:
        """The campaigns' loop is done with the request's contact: never answered, the request
        failed calling to its first side (a request its calls settled keeps its status)."""
        if ContactStatus(effect.status) is ContactStatus.COMPLETED:
            return {"request": effect.request_id, "concluded": "answered"}
        for _ in range(3):
            request = self.requests.get(effect.request_id)
            if effect.contact_id and effect.contact_id != contact_of(request):
                return {"request": request.request_id, "concluded": "an earlier call"}
            if request.status.final:
                return {"request": request.request_id, "status": request.status.value}
            failed = (
                RequestStatus.FAILED_USER
                if FirstCall(effect.first) is FirstCall.VISITOR
                else RequestStatus.FAILED_COMPANY
            )
            try:
                saved = self.requests.save(replace(request, status=failed, failed_at=self.clock()))
            except StaleStateError:
                continue
            self._remind_later(saved)
            return {"request": saved.request_id, "status": saved.status.value}
        raise StaleStateError(f"request {effect.request_id} kept changing")


_FAILED = (RequestStatus.FAILED_USER, RequestStatus.FAILED_COMPANY)


def contact_of(request: Request) -> str:
    """The id of the request's latest contact in the campaigns' loop."""
    return (
        request.request_id
        if not request.called_back
        else (f"{request.request_id}-{request.called_back}")
    )


def _changes(fields: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    """A campaign's settings from a REST body or the CLI (known fields only, typed)."""
    known: dict[str, Callable[[Any], Any]] = {
        "name": str,
        "operators": lambda v: tuple(str(o) for o in v),
        "caller_id": lambda v: phone(str(v), "caller_id"),
        "company_caller_id": lambda v: phone(str(v), "company_caller_id") if v else "",
        "first": FirstCall,
        "message_text": str,
        "message_url": str,
        "language": str,
        "redials": int,
        "redial_pause": int,
        "ring_timeout": int,
        "ring": Ring,
        "reminder_minutes": int,
        "price": _price,
        "hours": str,
        "timezone": str,
        "outside_hours": OutsideHours,
        "sites": lambda v: tuple(str(s).rstrip("/") for s in v),
        "daily_requests": int,
        "enabled": bool,
    }
    unknown = sorted(set(fields) - set(known) - {"campaign_id"})
    if unknown:
        raise ValidationError(f"unknown campaign settings {unknown} (known: {sorted(known)})")
    if creating:
        missing = sorted({"name", "operators", "caller_id"} - set(fields))
        if missing:
            raise ValidationError(f"a campaign needs {missing}")
    changes: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "campaign_id":
            continue
        if name in ("operators", "sites") and not isinstance(value, list | tuple):
            raise ValidationError(f"{name} is a list")
        try:
            changes[name] = known[name](value)
        except BannerRefusedError as refused:
            raise ValidationError(str(refused)) from None
        except (ValueError, TypeError, InvalidOperation):
            raise ValidationError(f"{name}: {str(value)[:60]!r} is not a valid value") from None
    return changes


def _price(value: object) -> Decimal:
    """A campaign's price: a finite amount, not negative (``ValueError`` otherwise)."""
    price = Decimal(str(value))
    if not price.is_finite() or price < 0:
        raise ValueError(value)
    return price


def next_open(hours: str, zone: str, now: datetime) -> datetime | None:
    """When ``hours`` are next open in ``zone`` (``campaigns.windows``)."""
    from chalicelib.campaigns.windows import next_opening, parse_window

    return next_opening(parse_window(hours), (zone,), now, zone)
