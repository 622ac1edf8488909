"""Web callback: the PortaSIP seed's three modes of asking for a callback over HTTP, each a
request to one configured service (``WebService``), each ending in the one callback engine
(``PlaceCallback``), and the abuse guard in front of them.

- simple: an account id and the user's phone; the number to connect is the service's;
  the account pays;
- extended: account id, service password, the user's phone and the number to reach; the
  account pays, and the user hears the balance and the longest talk while it is dialled;
- hosted: the user's phone only, on the service's internal account (the provider pays), to the
  service's number; nothing about money is spoken.

Every request passes, in order: the service and mode exist and are enabled; the fields are
well formed; every number to dial is on the service's allow-list (required for hosted); the
velocity limits per client IP and per called number (``guards.limits``); the account (simple:
it exists and is enabled; extended: id and password; hosted: the internal account); a rate for
every number in the payer's tariff; the service's daily cap, which holds the worst case of each
accepted callback (both legs rated for ``max_minutes``, which is then the longest talk the
callback allows, so the cap is a hard limit). A repeated request (a double click, a retried
POST) within ``REPEAT_SECONDS`` is answered with the first one's id and places nothing. A
refused request changes nothing but the velocity counters and is counted
(``CallbackRefusals``, reason ``web_<why>``). Imports the billing and callback modules, the
guards and the store's web services; never pynamodb or Vonage modules.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from chalicelib.billing.accounts import AuthenticationFailedError, CallbackAccounts
from chalicelib.billing.bridge import BridgeRates, UserLeg
from chalicelib.billing.service import TariffService
from chalicelib.billing.wallet import CallbackAccount
from chalicelib.callback import catalogue, numbers
from chalicelib.callback.access import AccessNumber
from chalicelib.callback.access_service import AccessNumberService
from chalicelib.callback.model import Trigger
from chalicelib.callback.queries import PlaceCallback
from chalicelib.callback.service import spoken_language
from chalicelib.calls.tasks import encode_task
from chalicelib.errors import NotFoundError, RefusedError, RingflowError, ValidationError
from chalicelib.guards.limits import Counted, Guard, Velocity
from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.store.web_callbacks import StoredWebService, WebCallbackRepository

SERVICE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,47}$"
PREFIX_PATTERN = r"^[1-9][0-9]{0,14}$"
ORIGIN_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$"
MAX_PREFIXES = 200
MAX_ORIGINS = 20
MAX_FIELD = 64
REPEAT_SECONDS = 120
"""A request repeated within this time (same service, mode, account and numbers) is the same."""
DEFAULT_PER_IP = Velocity(10, 3600)
DEFAULT_PER_NUMBER = Velocity(3, 600)
DEFAULT_MAX_MINUTES = 10
_NUMBER_JUNK = re.compile(r"[\s().\-/]")
_SERVICE_ID = re.compile(SERVICE_ID_PATTERN)


class WebMode(StrEnum):
    """The seed's three kinds of web callback."""

    SIMPLE = "simple"
    EXTENDED = "extended"
    HOSTED = "hosted"


FIELDS: Mapping[WebMode, tuple[str, ...]] = {
    WebMode.SIMPLE: ("account", "phone"),
    WebMode.EXTENDED: ("account", "password", "phone", "destination"),
    WebMode.HOSTED: ("phone",),
}
"""The form parameters each mode takes (also ``language``, optional, in every mode)."""


class WebServiceNotFoundError(NotFoundError):
    """No enabled web callback service of this id offers this mode."""

    def __init__(self, service_id: str, mode: str) -> None:
        super().__init__(f"no web callback service {service_id!r} in {mode} mode")


@dataclass(frozen=True)
class WebService:
    """A web callback service: whose it is, the access number whose flow and caller id its
    callbacks use, the modes it offers, and its guard."""

    service_id: str
    tenant: str
    access_number: str
    modes: tuple[WebMode, ...]
    destination: str | None = None
    """The number simple and hosted callbacks connect the user to (E.164 digits)."""
    internal_account: str | None = None
    """The callback account hosted callbacks are placed and paid on."""
    allow: tuple[str, ...] = ()
    """Number prefixes every number dialled must start with (empty: any rated number; hosted
    needs one)."""
    origins: tuple[str, ...] = ()
    """Web origins whose pages may post to the service from a browser (CORS)."""
    per_ip: Velocity = DEFAULT_PER_IP
    per_number: Velocity = DEFAULT_PER_NUMBER
    daily_cap: Decimal | None = None
    cap_currency: str | None = None
    """The currency of ``daily_cap``; accounts in another currency are refused while a cap is
    set."""
    max_minutes: int = DEFAULT_MAX_MINUTES
    enabled: bool = True

    def problems(self) -> list[str]:
        """What makes this configuration unusable (empty: none)."""
        found: list[str] = []
        if not _SERVICE_ID.fullmatch(self.service_id):
            found.append(f"service id {self.service_id!r} is not {SERVICE_ID_PATTERN}")
        if not self.modes:
            found.append("a service offers at least one mode")
        needs_destination = {WebMode.SIMPLE, WebMode.HOSTED} & set(self.modes)
        if needs_destination and not self.destination:
            names = " and ".join(sorted(needs_destination))
            found.append(f"{names} mode needs the service's destination")
        if WebMode.HOSTED in self.modes:
            if not self.internal_account:
                found.append("hosted mode needs the internal account it calls on")
            if not self.allow:
                found.append("hosted mode needs an allow-list of number prefixes")
        if self.daily_cap is not None and not self.cap_currency:
            found.append("a daily cap needs its currency")
        if not 1 <= self.max_minutes <= 240:
            found.append("max_minutes is 1 to 240")
        return found

    def allows(self, number: str) -> bool:
        """Whether ``number`` may be dialled by this service."""
        return not self.allow or any(number.startswith(prefix) for prefix in self.allow)

    def to_json(self) -> str:
        return json.dumps(
            {
                "access_number": self.access_number,
                "modes": [mode.value for mode in self.modes],
                "destination": self.destination,
                "internal_account": self.internal_account,
                "allow": list(self.allow),
                "origins": list(self.origins),
                "per_ip": [self.per_ip.limit, self.per_ip.seconds],
                "per_number": [self.per_number.limit, self.per_number.seconds],
                "daily_cap": None if self.daily_cap is None else str(self.daily_cap),
                "cap_currency": self.cap_currency,
                "max_minutes": self.max_minutes,
                "enabled": self.enabled,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_stored(cls, stored: StoredWebService) -> WebService:
        data: dict[str, Any] = json.loads(stored.config)
        cap = data.get("daily_cap")
        return cls(
            service_id=stored.service_id,
            tenant=stored.tenant,
            access_number=str(data["access_number"]),
            modes=tuple(WebMode(mode) for mode in data["modes"]),
            destination=data.get("destination"),
            internal_account=data.get("internal_account"),
            allow=tuple(data.get("allow") or ()),
            origins=tuple(data.get("origins") or ()),
            per_ip=Velocity(*data.get("per_ip", (DEFAULT_PER_IP.limit, DEFAULT_PER_IP.seconds))),
            per_number=Velocity(
                *data.get("per_number", (DEFAULT_PER_NUMBER.limit, DEFAULT_PER_NUMBER.seconds))
            ),
            daily_cap=None if cap is None else Decimal(cap),
            cap_currency=data.get("cap_currency"),
            max_minutes=int(data.get("max_minutes", DEFAULT_MAX_MINUTES)),
            enabled=bool(data.get("enabled", True)),
        )


@dataclass(frozen=True)
class Accepted:
    """A web callback accepted (or the earlier one a repeat stands for): ``request_id`` names
    it; the user is called on ``phone`` and connected to ``destination``."""

    request_id: str
    mode: WebMode
    phone: str
    destination: str
    repeated: bool = False


@dataclass(frozen=True)
class _Asked:
    """One request as read: its mode, fields, numbers (E.164), id and signed-in account."""

    mode: WebMode
    fields: Mapping[str, str]
    phone: str
    destination: str
    dialled: tuple[str, ...]
    request_id: str
    signed_in: str | None


class WebRefusal(RingflowError):
    """Marks why a request was refused, for the refusal count (mixed into the raised error)."""


@dataclass
class WebCallbacks:
    """The web callback services and the requests made to them."""

    repository: WebCallbackRepository
    access: AccessNumberService
    accounts: CallbackAccounts
    tariffs: TariffService
    guard: Guard
    enqueue: Callable[[str, int], None]
    clock: Callable[[], datetime]
    tenant_check: Callable[[str], Any] = field(default=lambda tenant: None)

    # -- configuration (operator) -------------------------------------------------------------
    def put(self, service: WebService) -> bool:
        """Create or replace a service (True if new) after checking what it names: the access
        number is the tenant's, the internal account exists."""
        problems = service.problems()
        if problems:
            raise ValidationError("the web callback service is not valid", problems)
        self.tenant_check(service.tenant)
        access = self.access.get(service.access_number)
        if access.tenant != service.tenant:
            raise NotFoundError(
                f"no access number {service.access_number} of tenant {service.tenant}"
            )
        if service.internal_account:
            self.accounts.get(service.internal_account)
        stored = StoredWebService(service.service_id, service.tenant, service.to_json())
        return self.repository.put(stored)

    def find(self, service_id: str) -> WebService | None:
        stored = self.repository.find(service_id) if _SERVICE_ID.fullmatch(service_id) else None
        return None if stored is None else WebService.from_stored(stored)

    def get(self, service_id: str) -> WebService:
        service = self.find(service_id)
        if service is None:
            raise NotFoundError(f"no web callback service {service_id!r}")
        return service

    def delete(self, service_id: str) -> None:
        if not _SERVICE_ID.fullmatch(service_id) or not self.repository.delete(service_id):
            raise NotFoundError(f"no web callback service {service_id!r}")

    def list(self, limit: int, after: str | None) -> tuple[list[WebService], str | None]:
        page = self.repository.list(limit, after)
        return [WebService.from_stored(item) for item in page.items], page.next

    # -- requests (public) -------------------------------------------------------------------
    def offering(self, service_id: str, mode: str, known: WebService | None = None) -> WebService:
        """The enabled service of ``service_id`` offering ``mode``; 404 otherwise."""
        service = known if known is not None else self.find(service_id)
        if service is None or not service.enabled or mode not in service.modes:
            raise WebServiceNotFoundError(service_id, mode)
        return service

    def request(
        self,
        service_id: str,
        mode: str,
        form: Mapping[str, Any],
        client_ip: str,
        service: WebService | None = None,
        signed_in: str | None = None,
    ) -> Accepted:
        """Accept a callback request (placed through the callback engine) or refuse it with a
        domain error saying why; refusals are counted by reason. ``service``: the service
        already read for this request (else read here); ``signed_in``: the account a web
        session already authenticated (its web page), which then needs no account id or
        password in ``form``."""
        try:
            return self._request(service_id, mode, form, client_ip, service, signed_in)
        except RingflowError as refused:
            count(MetricName.CALLBACK_REFUSALS, reason=f"web_{_reason(refused)}")
            logger.info(
                "web callback refused",
                extra={"service": service_id[:MAX_FIELD], "reason": _reason(refused)},
            )
            raise

    def _request(
        self,
        service_id: str,
        mode: str,
        form: Mapping[str, Any],
        client_ip: str,
        known: WebService | None,
        signed_in: str | None,
    ) -> Accepted:
        service = self.offering(service_id, mode, known)
        chosen = WebMode(mode)
        if signed_in is not None and chosen is not WebMode.EXTENDED:
            raise ValueError("a signed-in user asks in extended mode")
        fields = _fields(chosen, form, signed_in)
        phone = _number(fields["phone"], "phone")
        destination = (
            _number(fields["destination"], "destination")
            if chosen is WebMode.EXTENDED
            else str(service.destination)
        )
        dialled = (phone, destination) if chosen is WebMode.EXTENDED else (phone,)
        for number in dialled:
            if not service.allows(number):
                raise _NotAllowed(f"+{number} cannot be called by this service")
        secret = hashlib.sha256(fields.get("password", "").encode()).hexdigest()
        account_key = fields.get("account", service.internal_account or "")
        request_key = "\0".join((chosen.value, account_key, secret, phone, destination))
        scope = f"web:{service.service_id}"
        candidate = secrets.token_hex(8)
        request_id = self.guard.first(scope, request_key, candidate, REPEAT_SECONDS)
        if request_id != candidate:
            return Accepted(request_id, chosen, phone, destination, repeated=True)
        asked = _Asked(chosen, fields, phone, destination, dialled, request_id, signed_in)
        try:
            self._admit(service, scope, asked, client_ip)
        except BaseException:
            self.guard.forget(scope, request_key)  # a corrected request is not a repeat
            raise
        return Accepted(request_id, chosen, phone, destination)

    def _admit(self, service: WebService, scope: str, asked: _Asked, client_ip: str) -> None:
        phone, destination = asked.phone, asked.destination
        self.guard.admit(
            scope,
            [
                Counted("client IP", client_ip or "unknown", service.per_ip),
                *(Counted("called number", number, service.per_number) for number in asked.dialled),
            ],
        )
        payer = self._payer(service, asked)
        rates = self.tariffs.rate_each(payer.tariff, [phone, destination])
        for number in (phone, destination):
            if rates[number] is None:
                raise _NoRate(f"+{number} cannot be called on this account")
        if service.daily_cap is not None:
            if payer.currency != service.cap_currency:
                raise _NotAllowed(f"this service does not take accounts in {payer.currency}")
            worst = BridgeRates(rates[destination], rates[phone], UserLeg.ALWAYS)  # type: ignore[arg-type]
            cost = worst.reservation(service.max_minutes * 60)
            self.guard.commit(scope, self.clock().date(), cost, service.daily_cap)
        access = self.access.find(service.access_number)
        if access is None or not access.enabled:
            raise _NotAllowed("this service is not taking callbacks now")
        self._place(service, access, asked, payer)

    def _payer(self, service: WebService, asked: _Asked) -> CallbackAccount:
        fields = asked.fields
        if asked.mode is WebMode.EXTENDED and asked.signed_in is None:
            return self.accounts.authenticate(fields["account"], fields["password"])
        account_id = service.internal_account if asked.mode is WebMode.HOSTED else fields["account"]
        try:
            account = self.accounts.get(str(account_id))
        except (NotFoundError, ValidationError):
            raise AuthenticationFailedError() from None
        if not account.enabled:
            raise AuthenticationFailedError()
        return account

    def _place(
        self, service: WebService, access: AccessNumber, asked: _Asked, payer: CallbackAccount
    ) -> None:
        mode, request_id = asked.mode, asked.request_id
        language = asked.fields.get("language") or None
        placing = PlaceCallback(
            key=f"callback:web:{request_id}",
            tenant=service.tenant,
            flow_id=access.flow_id,
            trigger=Trigger.WEB,
            access_number=access.number,
            user_number=asked.phone,
            language=spoken_language(access.language, payer.language, language),
            delay_seconds=access.delay_seconds,
            account_id=payer.account_id,
            tariff=payer.tariff,
            currency=payer.currency,
            lock_minutes=access.lock_minutes,
            destination=asked.destination,
            quiet=mode is WebMode.HOSTED,
            max_talk=service.max_minutes * 60,
        )
        self.enqueue(encode_task(placing, service.tenant), placing.delay_seconds)
        logger.info(
            "web callback accepted",
            extra={"service": service.service_id, "mode": mode.value, "request": request_id},
        )


def _fields(mode: WebMode, form: Mapping[str, Any], signed_in: str | None) -> dict[str, str]:
    """The mode's fields from a form or JSON body: text, trimmed, bounded; 422 naming each
    missing or unusable one."""
    values: dict[str, str] = {} if signed_in is None else {"account": signed_in}
    problems: list[str] = []
    names = FIELDS[mode] if signed_in is None else ("phone", "destination")
    for name in (*names, "language"):
        raw = form.get(name)
        if isinstance(raw, list):
            raw = raw[0] if len(raw) == 1 else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if name != "language":
                problems.append(f"{name} is required")
            continue
        if not isinstance(raw, str) or len(raw) > MAX_FIELD:
            problems.append(f"{name} is text of at most {MAX_FIELD} characters")
            continue
        values[name] = raw.strip()
    language = values.get("language")
    if language is not None and not catalogue.has_language(language):
        problems.append(f"language {language!r} is not spoken by this service")
    if problems:
        raise _BadField("the request is not valid", problems)
    return values


def _number(text: str, name: str) -> str:
    """An international number as a web form gives it (``+44 20 7946 0000``, ``0044...``):
    E.164 digits; 422 if it is none."""
    compact = _NUMBER_JUNK.sub("", text)
    if compact.startswith("+"):
        compact = compact[1:]
    elif compact.startswith("00"):
        compact = compact[2:]
    else:
        raise _BadField(
            f"{name} must be an international number starting with + or 00",
            [f"{name}: start with + and the country code"],
        )
    number = numbers.international(compact) if compact.isdigit() else None
    if number is None:
        raise _BadField(f"{name} is not a phone number", [f"{name}: not a phone number"])
    return number


class _BadField(ValidationError, WebRefusal):
    reason = "bad_field"


class _NotAllowed(RefusedError, WebRefusal):
    reason = "not_allowed"


class _NoRate(RefusedError, WebRefusal):
    reason = "no_rate"


def _reason(error: BaseException) -> str:
    explicit = getattr(error, "reason", None)
    if isinstance(explicit, str):
        return explicit
    names = {
        "RateLimitedError": "rate_limited",
        "AuthenticationFailedError": "unauthenticated",
        "WebServiceNotFoundError": "no_service",
        "RefusedError": "daily_cap",
    }
    for cls in type(error).__mro__:
        if cls.__name__ in names:
            return names[cls.__name__]
    return "refused"
