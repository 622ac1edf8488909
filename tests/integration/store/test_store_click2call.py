"""Click-to-call store: GIVEN the c2c tables on moto, WHEN companies, operators, campaigns and
requests are written, read and listed, THEN every field round-trips exactly (Decimal text, calls
with their legs, instants), versioned saves refuse a stale version, creates refuse a taken id,
a campaign is found by its banner's key, and a company's requests list newest first, filtered
and paged with a cursor, and all of them oldest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from storekit import RequestLog

from chalicelib.errors import ValidationError
from chalicelib.settings import Settings
from chalicelib.store import click2call_requests
from chalicelib.store.click2call import (
    C2CCampaignRepository,
    CompanyRepository,
    OperatorRepository,
)
from chalicelib.store.click2call_records import (
    CallLeg,
    CallMade,
    Campaign,
    Company,
    FirstCall,
    Operator,
    OutsideHours,
    Request,
    RequestStatus,
)
from chalicelib.store.click2call_requests import RequestRepository, decode_cursor
from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StaleStateError

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))


def company(company_id: str = "co-1", **changes: object) -> Company:
    fields: dict[str, object] = {
        "company_id": company_id,
        "name": "Acme Shop",
        "tariff": "tariff-gold",
        "currency": "GBP",
        "email": "ops@acme.example",
        "allowed": False,
        "created_at": datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=PLUS_TWO),
    }
    fields.update(changes)
    return Company(**fields)  # type: ignore[arg-type]


def operator(operator_id: str = "op-1", company_id: str = "co-1", **changes: object) -> Operator:
    fields: dict[str, object] = {
        "company_id": company_id,
        "operator_id": operator_id,
        "name": "Ann",
        "number": "447700900100",
        "sip": "sip:ann@pbx.acme.example",
        "enabled": False,
    }
    fields.update(changes)
    return Operator(**fields)  # type: ignore[arg-type]


def campaign(campaign_id: str = "cmp-1", company_id: str = "co-1", **changes: object) -> Campaign:
    """A campaign with every field away from its default."""
    fields: dict[str, object] = {
        "campaign_id": campaign_id,
        "company_id": company_id,
        "name": "Spring sale",
        "public_key": f"pk-{campaign_id}",
        "operators": ("op-2", "op-1", "op-3"),
        "caller_id": "441632960000",
        "first": FirstCall.COMPANY,
        "message_text": "Bitte warten Sie, wir verbinden Sie. Grüße",
        "message_url": "https://cdn.acme.example/hold.mp3",
        "language": "de-DE",
        "redials": 5,
        "redial_pause": 90,
        "ring_timeout": 25,
        "reminder_minutes": 15,
        "price": Decimal("0.50"),
        "currency": "GBP",
        "hours": "Mon-Fri 09:00-17:00",
        "timezone": "Europe/Berlin",
        "outside_hours": OutsideHours.REFUSE,
        "sites": ("https://shop.acme.example", "https://acme.example"),
        "daily_requests": 42,
        "enabled": False,
        "created_at": NOW,
        "version": 0,
    }
    fields.update(changes)
    return Campaign(**fields)  # type: ignore[arg-type]


def call_made(call_id: str = "call-1", at: datetime = NOW) -> CallMade:
    return CallMade(
        call_id=call_id,
        started_at=at.astimezone(PLUS_TWO),
        first=FirstCall.COMPANY,
        legs=(
            CallLeg(
                side="company",
                number="447700900100",
                status="completed",
                duration=61,
                cost=Decimal("0.01390000"),
                operator_id="op-1",
            ),
            CallLeg(side="visitor", number="447700900555", status="busy", cost=Decimal("1E-8")),
        ),
        ended_at=at + timedelta(seconds=75, microseconds=5),
    )


def request(
    request_id: str = "req-1",
    created_at: datetime = NOW,
    campaign_id: str = "cmp-1",
    status: RequestStatus = RequestStatus.FAILED_USER,
    company_id: str = "co-1",
) -> Request:
    """A request with every field away from its default."""
    return Request(
        request_id=request_id,
        campaign_id=campaign_id,
        company_id=company_id,
        visitor="447700900555",
        created_at=created_at,
        status=status,
        client_ip="203.0.113.7",
        due_at=created_at + timedelta(minutes=1),
        calls=(call_made("call-1", created_at), call_made("call-2", created_at)),
        completed_at=created_at + timedelta(minutes=3),
        failed_at=created_at + timedelta(minutes=4),
        called_back=2,
        reminded_at=created_at + timedelta(hours=1),
        direction="United Kingdom, mobile",
        facts={"utm_source": "banner", "page": "/pricing?a=1&b=ü"},
        version=0,
    )


@pytest.fixture
def companies(store: Settings) -> CompanyRepository:
    return CompanyRepository()


@pytest.fixture
def operators(store: Settings) -> OperatorRepository:
    return OperatorRepository()


@pytest.fixture
def campaigns(store: Settings) -> C2CCampaignRepository:
    return C2CCampaignRepository()


@pytest.fixture
def requests(store: Settings) -> RequestRepository:
    return RequestRepository()


# companies


def test_a_company_round_trips_and_put_replaces_it(companies: CompanyRepository) -> None:
    # GIVEN a company with every field set, and one with its defaults
    full, plain = company(), Company("co-2", "Plain", "tariff-std")
    # WHEN stored and read back / THEN the same companies (the instant in UTC)
    assert companies.put(full) == full
    companies.put(plain)
    loaded = companies.get("co-1")
    assert loaded == full
    assert loaded.created_at is not None and loaded.created_at.utcoffset() == timedelta(0)
    assert companies.get("co-2") == plain
    # AND a second put replaces the first
    changed = replace(full, name="Acme Ltd", allowed=True, email="")
    companies.put(changed)
    assert companies.get("co-1") == changed


def test_companies_list_by_id_and_limit(companies: CompanyRepository) -> None:
    for company_id in ["co-3", "co-1", "co-2"]:
        companies.put(company(company_id))
    assert [c.company_id for c in companies.list()] == ["co-1", "co-2", "co-3"]
    assert [c.company_id for c in companies.list(limit=2)] == ["co-1", "co-2"]


def test_a_naive_instant_is_refused(companies: CompanyRepository) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        companies.put(company(created_at=datetime(2024, 5, 1, 12, 0)))
    with pytest.raises(NotFoundError):
        companies.get("co-1")


# operators


def test_operators_round_trip_list_in_order_and_delete_idempotently(
    operators: OperatorRepository, sent: RequestLog
) -> None:
    # GIVEN three operators of co-1, stored out of order, and one of co-2
    for operator_id in ["op-3", "op-1", "op-2"]:
        operators.put(operator(operator_id))
    operators.put(operator("op-1", company_id="co-2", sip="", number="447700900999"))
    plain = Operator("co-1", "op-4", "Bob", sip="sip:bob@pbx.acme.example")
    operators.put(plain)
    # WHEN read / THEN the same operators
    assert operators.get("co-1", "op-1") == operator("op-1")
    assert operators.get("co-1", "op-4") == plain
    assert operators.get("co-1", "op-4").address == "sip:bob@pbx.acme.example"
    # AND co-1's list is ordered by id, in one Query
    sent.clear()
    assert [o.operator_id for o in operators.list("co-1")] == ["op-1", "op-2", "op-3", "op-4"]
    assert sent.operations == ["Query"]
    # WHEN one is deleted, twice / THEN it is gone, and the second delete changes nothing
    operators.delete("co-1", "op-2")
    operators.delete("co-1", "op-2")
    with pytest.raises(NotFoundError):
        operators.get("co-1", "op-2")
    assert [o.operator_id for o in operators.list("co-1")] == ["op-1", "op-3", "op-4"]
    assert operators.get("co-2", "op-1").number == "447700900999"


# campaigns


def test_a_campaign_round_trips_at_version_one(
    campaigns: C2CCampaignRepository, sent: RequestLog
) -> None:
    # GIVEN a campaign with every field away from its default
    original = campaign()
    # WHEN created / THEN at version 1, in one PutItem
    created = campaigns.create(original)
    assert created == replace(original, version=1)
    assert sent.operations == ["PutItem"]
    # AND read back the same, the price its exact text
    loaded = campaigns.get("co-1", "cmp-1")
    assert loaded == created
    assert str(loaded.price) == "0.50"
    assert loaded.operators == ("op-2", "op-1", "op-3")


def test_a_campaign_of_defaults_round_trips(campaigns: C2CCampaignRepository) -> None:
    # GIVEN a campaign with its defaults, no key, no operators, no sites, no message
    plain = Campaign("cmp-0", "co-1", "Plain", "", (), "", message_text="")
    # WHEN created and read / THEN the same
    assert campaigns.get("co-1", campaigns.create(plain).campaign_id) == replace(plain, version=1)
    # AND a campaign without a key is found by no key
    with pytest.raises(NotFoundError):
        campaigns.by_key("")


def test_create_refuses_a_taken_id_and_keeps_the_first(campaigns: C2CCampaignRepository) -> None:
    campaigns.create(campaign())
    with pytest.raises(AlreadyExistsError):
        campaigns.create(campaign(name="Other"))
    assert campaigns.get("co-1", "cmp-1").name == "Spring sale"


def test_save_is_conditional_on_the_version(campaigns: C2CCampaignRepository) -> None:
    # GIVEN a campaign read by two editors
    first = campaigns.create(campaign())
    second = campaigns.get("co-1", "cmp-1")
    # WHEN the first saves / THEN it is stored at version 2
    saved = campaigns.save(replace(first, price=Decimal("1.2500"), redials=0))
    assert saved.version == 2
    assert campaigns.get("co-1", "cmp-1") == saved
    assert str(campaigns.get("co-1", "cmp-1").price) == "1.2500"
    # WHEN the second saves what it read at version 1 / THEN refused, and nothing changed
    with pytest.raises(StaleStateError):
        campaigns.save(replace(second, name="Lost"))
    assert campaigns.get("co-1", "cmp-1") == saved
    # AND a save of a campaign never created is refused too
    with pytest.raises(StaleStateError):
        campaigns.save(campaign("cmp-9", version=1))
    with pytest.raises(NotFoundError):
        campaigns.get("co-1", "cmp-9")


def test_a_campaign_is_found_by_its_key(campaigns: C2CCampaignRepository, sent: RequestLog) -> None:
    campaigns.create(campaign("cmp-1"))
    campaigns.create(campaign("cmp-2"))
    sent.clear()
    assert campaigns.by_key("pk-cmp-2") == campaigns.get("co-1", "cmp-2")
    assert sent.operations[0] == "Query"
    with pytest.raises(NotFoundError):
        campaigns.by_key("pk-unknown")


def test_a_companys_campaigns_are_listed_by_id(campaigns: C2CCampaignRepository) -> None:
    for campaign_id in ["cmp-3", "cmp-1", "cmp-2"]:
        campaigns.create(campaign(campaign_id))
    campaigns.create(campaign("cmp-0", company_id="co-2"))
    campaigns.create(campaign("cmp-1", company_id="co-2"))  # another company's id of its own
    assert [c.campaign_id for c in campaigns.list("co-1")] == ["cmp-1", "cmp-2", "cmp-3"]
    assert [c.campaign_id for c in campaigns.list("co-2")] == ["cmp-0", "cmp-1"]
    assert campaigns.get("co-2", "cmp-1").company_id == "co-2"
    assert campaigns.list("co-9") == []


def test_unknown_ids_are_not_found(
    companies: CompanyRepository,
    operators: OperatorRepository,
    campaigns: C2CCampaignRepository,
    requests: RequestRepository,
) -> None:
    for read in (
        lambda: companies.get("co-9"),
        lambda: operators.get("co-1", "op-9"),
        lambda: campaigns.get("co-1", "cmp-9"),
        lambda: requests.get("req-9"),
    ):
        with pytest.raises(NotFoundError):
            read()


# requests


def test_a_request_round_trips_exactly(requests: RequestRepository, sent: RequestLog) -> None:
    # GIVEN a request with every field set, two calls with two legs each
    original = request(created_at=datetime(2024, 5, 1, 14, 0, 0, 7, tzinfo=PLUS_TWO))
    # WHEN created / THEN at version 1, in one PutItem
    created = requests.create(original)
    assert created == replace(original, version=1)
    assert sent.operations == ["PutItem"]
    # AND read back the same: calls, legs, exact costs, instants, facts
    loaded = requests.get("req-1")
    assert loaded == created
    assert [str(leg.cost) for leg in loaded.calls[0].legs] == ["0.01390000", "1E-8"]
    assert loaded.calls[1].ended_at == original.calls[1].ended_at
    assert loaded.facts == {"utm_source": "banner", "page": "/pricing?a=1&b=ü"}


def test_a_request_of_defaults_round_trips(requests: RequestRepository) -> None:
    plain = Request("req-0", "cmp-1", "co-1", "447700900555", NOW)
    assert requests.get(requests.create(plain).request_id) == replace(plain, version=1)


def test_request_create_refuses_a_taken_id(requests: RequestRepository) -> None:
    requests.create(request())
    with pytest.raises(AlreadyExistsError):
        requests.create(request(status=RequestStatus.COMPLETED))
    assert requests.get("req-1").status is RequestStatus.FAILED_USER


def test_request_save_is_conditional_on_the_version(requests: RequestRepository) -> None:
    # GIVEN a request read by the call engine and by an operator
    engine = requests.create(replace(request(), calls=(), status=RequestStatus.IN_PROGRESS))
    operator_view = requests.get("req-1")
    # WHEN the engine records a call / THEN version 2 holds it
    saved = requests.save(replace(engine, calls=(call_made(),), status=RequestStatus.COMPLETED))
    assert saved.version == 2
    assert requests.get("req-1") == saved
    # WHEN the operator saves what it read at version 1 / THEN refused, nothing changed
    with pytest.raises(StaleStateError):
        requests.save(replace(operator_view, called_back=3))
    assert requests.get("req-1") == saved
    # AND after reading again it saves
    again = requests.save(replace(requests.get("req-1"), called_back=3))
    assert (again.version, requests.get("req-1").called_back) == (3, 3)


def _minutes(n: int) -> datetime:
    return NOW + timedelta(minutes=n)


@pytest.fixture
def ten(requests: RequestRepository) -> RequestRepository:
    """GIVEN co-1's requests 0..9 a minute apart (stored out of order): even ones of cmp-1,
    odd ones of cmp-2, every third completed; and a request of co-2."""
    for n in [5, 0, 9, 3, 7, 1, 8, 2, 6, 4]:
        requests.create(
            request(
                f"req-{n}",
                _minutes(n),
                campaign_id="cmp-1" if n % 2 == 0 else "cmp-2",
                status=RequestStatus.COMPLETED if n % 3 == 0 else RequestStatus.FAILED_USER,
            )
        )
    requests.create(request("req-x", _minutes(5), company_id="co-2"))
    return requests


def _ids(found: list[Request]) -> list[str]:
    return [r.request_id for r in found]


def test_list_is_newest_first_within_since_and_until(ten: RequestRepository) -> None:
    found, cursor = ten.list("co-1")
    assert _ids(found) == [f"req-{n}" for n in range(9, -1, -1)]
    assert cursor is None
    # since is included, until is not
    found, _ = ten.list("co-1", since=_minutes(3), until=_minutes(6))
    assert _ids(found) == ["req-5", "req-4", "req-3"]
    assert _ids(ten.list("co-1", since=_minutes(8))[0]) == ["req-9", "req-8"]
    assert _ids(ten.list("co-1", until=_minutes(2))[0]) == ["req-1", "req-0"]
    # an empty or inverted range finds nothing
    assert ten.list("co-1", since=_minutes(4), until=_minutes(4)) == ([], None)
    assert ten.list("co-1", since=_minutes(6), until=_minutes(3)) == ([], None)
    assert ten.list("co-9") == ([], None)


def test_list_filters_by_campaign_and_status(ten: RequestRepository) -> None:
    assert _ids(ten.list("co-1", campaign_id="cmp-2")[0]) == [
        "req-9",
        "req-7",
        "req-5",
        "req-3",
        "req-1",
    ]
    completed = RequestStatus.COMPLETED
    assert _ids(ten.list("co-1", status=completed)[0]) == ["req-9", "req-6", "req-3", "req-0"]
    assert _ids(ten.list("co-1", campaign_id="cmp-1", status=completed)[0]) == ["req-6", "req-0"]
    assert ten.list("co-1", status=RequestStatus.WAITING) == ([], None)


def _pages(repo: RequestRepository, limit: int, **options: object) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        found, cursor = repo.list("co-1", limit=limit, cursor=cursor, **options)  # type: ignore[arg-type]
        pages.append(_ids(found))
        if cursor is None:
            return pages
        assert len(pages) < 20


def test_list_pages_with_a_cursor(ten: RequestRepository) -> None:
    # WHEN listed 3 at a time / THEN every request once, newest first, no empty last page
    assert _pages(ten, 3) == [
        ["req-9", "req-8", "req-7"],
        ["req-6", "req-5", "req-4"],
        ["req-3", "req-2", "req-1"],
        ["req-0"],
    ]
    assert _pages(ten, 5) == [
        [f"req-{n}" for n in range(9, 4, -1)],
        [f"req-{n}" for n in range(4, -1, -1)],
    ]
    # AND the pages keep the range and the filters
    assert _pages(ten, 2, since=_minutes(2), until=_minutes(8)) == [
        ["req-7", "req-6"],
        ["req-5", "req-4"],
        ["req-3", "req-2"],
    ]
    assert _pages(ten, 2, campaign_id="cmp-2") == [
        ["req-9", "req-7"],
        ["req-5", "req-3"],
        ["req-1"],
    ]
    assert _pages(ten, 1, campaign_id="cmp-1", status=RequestStatus.COMPLETED) == [
        ["req-6"],
        ["req-0"],
    ]


def test_a_cursor_is_opaque_and_a_garbled_one_is_refused(ten: RequestRepository) -> None:
    _, cursor = ten.list("co-1", limit=3)
    assert cursor is not None and "req-" not in cursor
    assert decode_cursor(cursor).endswith("#req-7")
    for garbled in (
        "",
        "not a cursor!",
        cursor[:-2],
        cursor + "A",
        "x" * 600,
        "AAAA",
        "MjAyNC0wNS0wMVQxMjowMDowMA",  # base64 of a time with no request id
    ):
        with pytest.raises(ValidationError):
            ten.list("co-1", cursor=garbled)


def test_a_limit_out_of_bounds_is_refused(ten: RequestRepository) -> None:
    for limit in (0, -1, 1001):
        with pytest.raises(ValidationError):
            ten.list("co-1", limit=limit)


def test_every_returns_all_oldest_first(ten: RequestRepository) -> None:
    assert _ids(list(ten.every("co-1"))) == [f"req-{n}" for n in range(10)]
    assert _ids(list(ten.every("co-1", since=_minutes(7)))) == ["req-7", "req-8", "req-9"]
    assert _ids(list(ten.every("co-1", until=_minutes(2)))) == ["req-0", "req-1"]
    window = ten.every("co-1", since=_minutes(2), until=_minutes(4))
    assert _ids(list(window)) == ["req-2", "req-3"]
    assert list(ten.every("co-1", since=_minutes(5), until=_minutes(1))) == []
    assert _ids(list(ten.every("co-2"))) == ["req-x"]


def test_every_reads_page_after_page(requests: RequestRepository, sent: RequestLog) -> None:
    # GIVEN enough requests (with their calls) to fill more than one 1 MB Query page
    big = replace(request(), facts={"note": "x" * 60_000})
    for n in range(40):
        requests.create(replace(big, request_id=f"req-{n:02d}", created_at=_minutes(n)))
    sent.clear()
    # WHEN all are read / THEN all of them, oldest first, in more than one Query
    assert _ids(list(requests.every("co-1"))) == [f"req-{n:02d}" for n in range(40)]
    assert sent.operations.count("Query") > 1


def test_a_filtered_page_reads_on_until_it_is_full(
    ten: RequestRepository, sent: RequestLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN Query pages of two items, and a filter most requests fail
    monkeypatch.setattr(click2call_requests, "FILTERED_PAGE", 2)
    sent.clear()
    # WHEN a page of two is asked for / THEN it holds two, read over several Queries
    found, cursor = ten.list("co-1", limit=2, status=RequestStatus.COMPLETED)
    assert _ids(found) == ["req-9", "req-6"]
    assert sent.operations.count("Query") > 1
    # AND the next page holds the rest, and is the last
    found, cursor = ten.list("co-1", limit=2, status=RequestStatus.COMPLETED, cursor=cursor)
    assert (_ids(found), cursor) == (["req-3", "req-0"], None)


def test_a_campaign_is_deleted_as_it_was_read(campaigns: C2CCampaignRepository) -> None:
    created = campaigns.create(campaign())
    changed = campaigns.save(replace(created, name="Changed"))
    with pytest.raises(StaleStateError):
        campaigns.delete(created)  # changed meanwhile: kept
    assert campaigns.get("co-1", "cmp-1") == changed
    campaigns.delete(changed)
    with pytest.raises(NotFoundError):
        campaigns.get("co-1", "cmp-1")
