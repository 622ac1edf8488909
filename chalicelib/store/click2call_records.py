"""The click-to-call product's records, as the store keeps them: companies (an account of the
platform allowed to run click-to-call campaigns, with the tariff its calls are rated by),
operators (the people who answer, on a number or a SIP address), campaigns (who answers, in
order or all at once, who is called first, the message, the redials, the price, the caller
ids, the opening hours, the sites its banner may be posted from) and requests (one visitor's
click: its status and the calls made for it). They live in ``store`` because the store may
not import a product package; ``click2call.model`` re-exports them. Frozen dataclasses and
enums; imports the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class FirstCall(StrEnum):
    """Who a click-to-call dials first."""

    VISITOR = "visitor"
    COMPANY = "company"


class Ring(StrEnum):
    """How a click-to-call rings its operators once the visitor is on the line."""

    ORDER = "order"
    """One after the other, in the campaign's order, until one answers."""
    ALL = "all"
    """All at once: the first to answer is bridged, the others stop ringing."""


class OutsideHours(StrEnum):
    """What a request made outside the campaign's opening hours gets."""

    QUEUE = "queue"
    """Accepted, and called when the hours open."""
    REFUSE = "refuse"


class RequestStatus(StrEnum):
    """Where a click-to-call request is (the seed's three final ones, and on the way)."""

    WAITING = "waiting"
    """Accepted outside the opening hours: called when they open."""
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED_USER = "failed_calling_to_user"
    FAILED_COMPANY = "failed_calling_to_company"

    @property
    def final(self) -> bool:
        return self in (
            RequestStatus.COMPLETED,
            RequestStatus.FAILED_USER,
            RequestStatus.FAILED_COMPANY,
        )

    @property
    def label(self) -> str:
        """As the seed writes it."""
        return {
            RequestStatus.WAITING: "WAITING FOR OPENING HOURS",
            RequestStatus.IN_PROGRESS: "IN PROGRESS",
            RequestStatus.COMPLETED: "COMPLETED",
            RequestStatus.FAILED_USER: "FAILED CALLING TO USER",
            RequestStatus.FAILED_COMPANY: "FAILED CALLING TO COMPANY",
        }[self]


@dataclass(frozen=True)
class Company:
    """A company (the seed's user): an account of the platform allowed to run click-to-call
    campaigns; its calls are rated by ``tariff`` (no rate: the destination is not supported)."""

    company_id: str
    """The platform account it is."""
    name: str
    tariff: str
    currency: str = "EUR"
    email: str = ""
    """Where reminders go."""
    allowed: bool = True
    created_at: datetime | None = None
    password_hash: str = field(default="", repr=False)
    """The scrypt hash of the password its people log in to the company's pages with (""
    until the platform's operator sets one: no login)."""


@dataclass(frozen=True)
class Operator:
    """A person of the company who answers: on a phone number (E.164 digits) or a SIP URI."""

    company_id: str
    operator_id: str
    name: str
    number: str = ""
    sip: str = ""
    enabled: bool = True

    @property
    def address(self) -> str:
        """Where it is called: the number, else the SIP URI."""
        return self.number or self.sip


@dataclass(frozen=True)
class Campaign:
    """One click-to-call campaign of a company (see the module)."""

    campaign_id: str
    company_id: str
    name: str
    public_key: str
    """What its banner posts with (public: it is in the marketing site's page)."""
    operators: tuple[str, ...]
    """The operators' ids, in the order they are called."""
    caller_id: str
    """The company's number both sides see the calls come from (one of its numbers)."""
    first: FirstCall = FirstCall.VISITOR
    message_text: str = "Thank you for your request. Please hold while we connect you."
    message_url: str = ""
    """An mp3 or wav the visitor hears instead of the text."""
    language: str = "en-GB"
    redials: int = 2
    """How many times a visitor who could not be reached is called again (X)."""
    redial_pause: int = 60
    """Seconds between those calls (Y)."""
    ring_timeout: int = 30
    ring: Ring = Ring.ORDER
    """How the operators are rung when the visitor is called first."""
    company_caller_id: str = ""
    """The company's number its operators see the calls come from ("": ``caller_id``, the
    one the visitor sees). Vonage shows only the account's own numbers, never the visitor's."""
    reminder_minutes: int = 60
    """A failed request waiting this long without a call back reminds the company."""
    price: Decimal = Decimal("0")
    """What a completed click-to-call costs the company (its invoices)."""
    currency: str = "EUR"
    hours: str = ""
    """Opening hours (``campaigns.windows``' text, e.g. ``Mon-Fri 09:00-17:00``); '' = always."""
    timezone: str = "UTC"
    """The zone of the opening hours."""
    outside_hours: OutsideHours = OutsideHours.QUEUE
    sites: tuple[str, ...] = ()
    """The origins (``https://shop.example.com``) its banner may be posted from."""
    daily_requests: int = 500
    """The most requests it takes in a day."""
    enabled: bool = True
    created_at: datetime | None = None
    version: int = 0


@dataclass(frozen=True)
class CallLeg:
    """One of the two real calls of a click-to-call: who, how it ended, how long, its cost."""

    side: str
    """``visitor`` or ``company``."""
    number: str
    status: str
    duration: int = 0
    cost: Decimal = Decimal("0")
    operator_id: str = ""


@dataclass(frozen=True)
class CallMade:
    """One call made for a request (its first leg, and the second when it was dialled)."""

    call_id: str
    started_at: datetime
    first: FirstCall
    legs: tuple[CallLeg, ...] = ()
    ended_at: datetime | None = None


class FieldKind(StrEnum):
    """What a comment type's field holds."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    CHOICE = "choice"


@dataclass(frozen=True)
class CommentField:
    """One field of a comment type (``sale``: ``amount`` money, ``product`` choice ...)."""

    name: str
    kind: FieldKind = FieldKind.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class CommentType:
    """A kind of comment a company writes on its requests, with the fields it defines."""

    company_id: str
    type_id: str
    name: str
    fields: tuple[CommentField, ...] = ()


@dataclass(frozen=True)
class Comment:
    """A comment on a request: its type, text and its fields' values (as text)."""

    at: datetime
    type_id: str
    text: str = ""
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Request:
    """One visitor's click: whom to call, where it is, and the calls made for it."""

    request_id: str
    campaign_id: str
    company_id: str
    visitor: str
    """The visitor's number, E.164 digits."""
    created_at: datetime
    status: RequestStatus = RequestStatus.IN_PROGRESS
    client_ip: str = ""
    due_at: datetime | None = None
    """When it is (or was) first called."""
    calls: tuple[CallMade, ...] = ()
    completed_at: datetime | None = None
    failed_at: datetime | None = None
    called_back: int = 0
    """How many times the company asked to call it back."""
    reminded_at: datetime | None = None
    direction: str = ""
    """Where the visitor's number is (country, region or city, or mobile carrier)."""
    facts: dict[str, str] = field(default_factory=dict)
    comments: tuple[Comment, ...] = ()
    version: int = 0


@dataclass(frozen=True)
class InvoiceLine:
    """One completed click-to-call on an invoice, at its campaign's price."""

    request_id: str
    campaign_id: str
    campaign_name: str
    visitor: str
    completed_at: datetime
    price: Decimal


@dataclass(frozen=True)
class Invoice:
    """A company's invoice for one calendar month (``period``, ``YYYY-MM``, UTC): its completed
    click-to-calls and their exact total. ``number`` is the company's sequence, from 1;
    ``number_text`` shows it as ``<company>-<YYYY>-<NNNN>``."""

    company_id: str
    period: str
    number: int
    issued_at: datetime
    currency: str
    lines: tuple[InvoiceLine, ...]
    total: Decimal

    @property
    def number_text(self) -> str:
        """The invoice number as printed: the company, the period's year, the sequence."""
        return f"{self.company_id}-{self.period[:4]}-{self.number:04d}"
