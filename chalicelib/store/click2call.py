"""The click-to-call product's companies, operators and campaigns in DynamoDB: the
``c2c_companies`` table (one item per company), the ``c2c_operators`` table (a company's
operators, under its id, ordered by operator id) and the ``c2c_campaigns`` table (one item per
campaign, listed per company through the ``by_company`` index and found by the key its banner
posts with through the ``by_key`` index), with ``CompanyRepository``, ``OperatorRepository`` and
``C2CCampaignRepository``. A visitor's requests are in ``store.click2call_requests``.

A campaign is written with a version: created at 1, each save conditional on the version it was
read at, so two editors never overwrite each other. Prices are kept as their exact decimal text
(``1.50`` comes back as ``1.50``). Items and pynamodb exceptions never leave this module; each
method's docstring gives its DynamoDB requests. Imports pynamodb, the store's base helpers and
the click-to-call records; must not import the click-to-call services. Part of ``store``, the
only package that may import pynamodb.
"""

from __future__ import annotations

import builtins
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from pynamodb.attributes import BooleanAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.store.attributes import (
    EnumAttribute,
    IntegerAttribute,
    StringListAttribute,
    UtcDateTimeAttribute,
)
from chalicelib.store.base import condition_failed, get_item, save_if_absent, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.click2call_records import (
    Campaign,
    Company,
    FirstCall,
    Operator,
    OutsideHours,
    Ring,
)
from chalicelib.store.errors import NotFoundError, StaleStateError
from chalicelib.store.registry import StoreItem


def money_text(value: Decimal, what: str = "amount") -> str:
    """The exact text of a Decimal amount (kept as written: ``1.50`` stays ``1.50``); refuses
    floats and non-finite values."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{what}: expected a Decimal (never a float), got {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise ValueError(f"{what}: {amount} is not an amount")
    return str(amount)


def money(text: str | None) -> Decimal:
    """The Decimal of a text ``money_text`` wrote (absent: zero)."""
    try:
        return Decimal(text) if text else Decimal("0")
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not an amount") from error


class CompanyItem(StoreItem):
    """One click-to-call company (``c2c_companies``)."""

    LOGICAL_NAME: ClassVar[str] = "c2c_companies"

    class Meta:
        table_name = "c2c_companies"

    company_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    tariff = UnicodeAttribute()
    currency = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    allowed = BooleanAttribute()
    created_at = UtcDateTimeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)


def _company_item(company: Company) -> CompanyItem:
    return CompanyItem(
        company.company_id,
        name=company.name,
        tariff=company.tariff,
        currency=company.currency,
        email=company.email or None,
        allowed=company.allowed,
        created_at=company.created_at,
        password_hash=company.password_hash or None,
    )


def _company(item: CompanyItem) -> Company:
    return Company(
        company_id=item.company_id,
        name=item.name,
        tariff=item.tariff,
        currency=item.currency,
        email=item.email or "",
        allowed=bool(item.allowed),
        created_at=item.created_at,
        password_hash=item.password_hash or "",
    )


class CompanyRepository:
    """Click-to-call companies."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, company: Company) -> Company:
        """Store a company, new or changed (the last write wins). 1 PutItem."""
        _company_item(company).save()
        return company

    @translated
    def get(self, company_id: str) -> Company:
        """One company (``NotFoundError``). 1 consistent GetItem."""
        return _company(get_item(CompanyItem, "company", company_id, consistent=True))

    @translated
    def list(self, limit: int = 100) -> builtins.list[Company]:
        """The first ``limit`` companies by id (there are few: the table is read whole).
        Scans, paginated."""
        companies = sorted((_company(item) for item in CompanyItem.scan()), key=_company_id)
        return companies[: max(limit, 0)]


def _company_id(company: Company) -> str:
    return company.company_id


class OperatorItem(StoreItem):
    """One operator of a company (``c2c_operators``)."""

    LOGICAL_NAME: ClassVar[str] = "c2c_operators"

    class Meta:
        table_name = "c2c_operators"

    company_id = UnicodeAttribute(hash_key=True)
    operator_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    number = UnicodeAttribute(null=True)
    sip = UnicodeAttribute(null=True)
    enabled = BooleanAttribute()


def _operator(item: OperatorItem) -> Operator:
    return Operator(
        company_id=item.company_id,
        operator_id=item.operator_id,
        name=item.name,
        number=item.number or "",
        sip=item.sip or "",
        enabled=bool(item.enabled),
    )


class OperatorRepository:
    """A company's operators."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, operator: Operator) -> Operator:
        """Store an operator, new or changed (the last write wins). 1 PutItem."""
        OperatorItem(
            operator.company_id,
            operator.operator_id,
            name=operator.name,
            number=operator.number or None,
            sip=operator.sip or None,
            enabled=operator.enabled,
        ).save()
        return operator

    @translated
    def get(self, company_id: str, operator_id: str) -> Operator:
        """One operator of a company (``NotFoundError``). 1 consistent GetItem."""
        item = get_item(OperatorItem, "operator", company_id, operator_id, consistent=True)
        return _operator(item)

    @translated
    def list(self, company_id: str) -> builtins.list[Operator]:
        """The company's operators, by operator id. 1 consistent Query (paginated)."""
        return [_operator(item) for item in OperatorItem.query(company_id, consistent_read=True)]

    @translated
    def delete(self, company_id: str, operator_id: str) -> None:
        """Remove an operator; removing one that is not there changes nothing. 1 DeleteItem."""
        OperatorItem(company_id, operator_id).delete()


class CampaignsByKeyIndex(GlobalSecondaryIndex["C2CCampaignItem"]):  # type: ignore[no-untyped-call]
    """The campaign a banner's public key belongs to (sparse: a campaign with no key is not in
    it)."""

    class Meta:
        index_name = "by_key"
        projection = AllProjection()

    public_key = UnicodeAttribute(hash_key=True)


class C2CCampaignItem(StoreItem):
    """One click-to-call campaign (``c2c_campaigns``)."""

    LOGICAL_NAME: ClassVar[str] = "c2c_campaigns"

    class Meta:
        table_name = "c2c_campaigns"

    company_id = UnicodeAttribute(hash_key=True)
    campaign_id = UnicodeAttribute(range_key=True)
    """A campaign's id is the company's own: two companies may both have a ``spring``."""
    name = UnicodeAttribute()
    public_key = UnicodeAttribute(null=True)
    operators = StringListAttribute(null=True)
    caller_id = UnicodeAttribute(null=True)
    first = EnumAttribute(FirstCall)
    message_text = UnicodeAttribute(null=True)
    message_url = UnicodeAttribute(null=True)
    language = UnicodeAttribute()
    redials = IntegerAttribute()
    redial_pause = IntegerAttribute()
    ring_timeout = IntegerAttribute()
    ring = EnumAttribute(Ring, null=True)
    company_caller_id = UnicodeAttribute(null=True)
    """Absent on campaigns stored before it existed: ``order``."""
    reminder_minutes = IntegerAttribute()
    price = UnicodeAttribute()
    """The exact decimal text (``money_text``)."""
    currency = UnicodeAttribute()
    hours = UnicodeAttribute(null=True)
    timezone = UnicodeAttribute()
    outside_hours = EnumAttribute(OutsideHours)
    sites = StringListAttribute(null=True)
    daily_requests = IntegerAttribute()
    enabled = BooleanAttribute()
    created_at = UtcDateTimeAttribute(null=True)
    version = IntegerAttribute()
    by_key = CampaignsByKeyIndex()


def _campaign_item(campaign: Campaign) -> C2CCampaignItem:
    return C2CCampaignItem(
        campaign.company_id,
        campaign.campaign_id,
        name=campaign.name,
        public_key=campaign.public_key or None,
        operators=list(campaign.operators) or None,
        caller_id=campaign.caller_id or None,
        first=campaign.first,
        message_text=campaign.message_text or None,
        message_url=campaign.message_url or None,
        language=campaign.language,
        redials=campaign.redials,
        redial_pause=campaign.redial_pause,
        ring_timeout=campaign.ring_timeout,
        ring=campaign.ring,
        company_caller_id=campaign.company_caller_id or None,
        reminder_minutes=campaign.reminder_minutes,
        price=money_text(campaign.price, "price"),
        currency=campaign.currency,
        hours=campaign.hours or None,
        timezone=campaign.timezone,
        outside_hours=campaign.outside_hours,
        sites=list(campaign.sites) or None,
        daily_requests=campaign.daily_requests,
        enabled=campaign.enabled,
        created_at=campaign.created_at,
        version=campaign.version,
    )


def _campaign(item: C2CCampaignItem) -> Campaign:
    return Campaign(
        campaign_id=item.campaign_id,
        company_id=item.company_id,
        name=item.name,
        public_key=item.public_key or "",
        operators=tuple(item.operators or ()),
        caller_id=item.caller_id or "",
        first=item.first,
        message_text=item.message_text or "",
        message_url=item.message_url or "",
        language=item.language,
        redials=item.redials,
        redial_pause=item.redial_pause,
        ring_timeout=item.ring_timeout,
        ring=item.ring or Ring.ORDER,
        company_caller_id=item.company_caller_id or "",
        reminder_minutes=item.reminder_minutes,
        price=money(item.price),
        currency=item.currency,
        hours=item.hours or "",
        timezone=item.timezone,
        outside_hours=item.outside_hours,
        sites=tuple(item.sites or ()),
        daily_requests=item.daily_requests,
        enabled=bool(item.enabled),
        created_at=item.created_at,
        version=item.version,
    )


class C2CCampaignRepository:
    """Click-to-call campaigns: made, changed (on their version), read, found by their banner's
    key and listed per company."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def create(self, campaign: Campaign) -> Campaign:
        """Store a new campaign at version 1 (``AlreadyExistsError`` if the company has one of
        its id). 1 conditional PutItem."""
        created = replace(campaign, version=1)
        save_if_absent(_campaign_item(created), "campaign", campaign.campaign_id)
        return created

    @translated
    def save(self, campaign: Campaign) -> Campaign:
        """Write a campaign changed from version ``campaign.version``: stored (and returned) at
        the next version, or ``StaleStateError`` when another change came first or the campaign
        is gone. 1 conditional PutItem."""
        saved = replace(campaign, version=campaign.version + 1)
        try:
            _campaign_item(saved).save(condition=C2CCampaignItem.version == campaign.version)
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError("campaign", campaign.campaign_id) from None
            raise
        return saved

    @translated
    def get(self, company_id: str, campaign_id: str) -> Campaign:
        """One of the company's campaigns (``NotFoundError``). 1 consistent GetItem."""
        return _campaign(
            get_item(C2CCampaignItem, "campaign", company_id, campaign_id, consistent=True)
        )

    @translated
    def delete(self, campaign: Campaign) -> None:
        """Remove a campaign as it was read (at its version: one changed meanwhile stays).
        1 conditional DeleteItem."""
        try:
            _campaign_item(campaign).delete(condition=C2CCampaignItem.version == campaign.version)
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError("campaign", campaign.campaign_id) from None
            raise

    @translated
    def by_key(self, public_key: str) -> Campaign:
        """The campaign whose banner posts with ``public_key`` (``NotFoundError``). 1 Query of
        the ``by_key`` index (eventually consistent: a key just made may take a moment)."""
        if public_key:
            for item in C2CCampaignItem.by_key.query(public_key, limit=1):
                return _campaign(item)
        raise NotFoundError("campaign key", public_key)

    @translated
    def list(self, company_id: str) -> builtins.list[Campaign]:
        """The company's campaigns, by campaign id. 1 consistent Query (paginated)."""
        items = C2CCampaignItem.query(company_id, consistent_read=True)
        return [_campaign(item) for item in items]
