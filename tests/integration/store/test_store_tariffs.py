"""Tariffs on moto: GIVEN rate decks loaded as versions, WHEN numbers are rated, THEN the
longest priced prefix wins (a shorter one stands in when a longer is absent) in ONE
BatchGetItem once the head is cached; a load that fails half way or loses a race leaves the
previous version live and whole, and the replaced version's rows are marked to expire."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from storekit import RequestLog

from chalicelib.billing.service import TariffService
from chalicelib.billing.tariffs import NoRateError, Rate, TariffNotFoundError, parse_rates
from chalicelib.settings import Settings
from chalicelib.store.errors import StaleStateError, StoreRequestError
from chalicelib.store.tariffs import TariffRateItem, TariffRepository

DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.05,0.01,60,60\n"
    "447,UK mobile,0.10,0,30,6\n"
    "4477009,UK mobile special,0.50,0,1,1\n"
)
DECK_2 = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.04,0,60,60\n"
)


@dataclass
class Ticker:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def service(store: Settings, ticker: Ticker) -> TariffService:
    return TariffService(TariffRepository(Rate, monotonic=ticker))


def test_the_longest_priced_prefix_wins(service: TariffService) -> None:
    # GIVEN a deck with 44, 447 and 4477009
    head, new = service.load("retail", DECK)
    assert (head.version, head.rows, new) == (1, 3, True)
    # WHEN numbers are rated / THEN the longest prefix present wins
    assert service.rate("retail", "447700900100").destination == "UK mobile special"
    assert service.rate("retail", "+447911123456").destination == "UK mobile"
    assert service.rate("retail", "442079460000").prefix == "44"
    rate = service.rate("retail", "442079460000")
    assert (rate.price_per_minute, rate.connection_fee) == (Decimal("0.05"), Decimal("0.01"))


def test_a_destination_without_a_rate_and_an_unknown_tariff_are_refused(
    service: TariffService,
) -> None:
    service.load("retail", DECK)
    with pytest.raises(NoRateError, match="no rate for 33123456789 in tariff retail"):
        service.rate("retail", "+33123456789")
    with pytest.raises(TariffNotFoundError):
        service.rate("wholesale", "447700900100")


def test_rating_is_one_request_with_the_head_cached(
    service: TariffService, sent: RequestLog, ticker: Ticker
) -> None:
    # GIVEN a tariff loaded by another process (this one has no head cached)
    TariffRepository(Rate).load("retail", parse_rates(DECK))
    sent.clear()
    # WHEN a number is rated twice
    service.rate("retail", "447700900100")
    first = list(sent.operations)
    sent.clear()
    service.rate("retail", "447911123456")
    # THEN the first rating reads the head, the next one is a single BatchGetItem
    assert first == ["GetItem", "BatchGetItem"]
    assert sent.operations == ["BatchGetItem"]
    # AND once the cache expires, the head is read again (staleness bounded by its TTL)
    ticker.now += 31
    sent.clear()
    service.rate("retail", "447911123456")
    assert sent.operations == ["GetItem", "BatchGetItem"]


def test_a_load_by_another_process_is_seen_once_the_cached_head_expires(
    service: TariffService, ticker: Ticker
) -> None:
    service.load("retail", DECK)
    assert service.rate("retail", "442079460000").price_per_minute == Decimal("0.05")
    TariffRepository(Rate).load("retail", parse_rates(DECK_2))
    # THEN the cached (old) version still rates whole until the cache expires
    assert service.rate("retail", "447700900100").destination == "UK mobile special"
    ticker.now += 31
    assert service.rate("retail", "442079460000").price_per_minute == Decimal("0.04")
    with pytest.raises(NoRateError):
        service.rate("retail", "33123456")


def test_a_new_version_replaces_the_old_and_its_rows_are_marked_to_expire(
    service: TariffService,
) -> None:
    first, _ = service.load("retail", DECK)
    second, new = service.load("retail", DECK_2)
    assert (second.version, second.rows, new) == (2, 1, False)
    assert service.head("retail") == second
    old = list(TariffRateItem.query(f"retail#{first.version_id}"))
    assert len(old) == 3 and all(item.expires_at is not None for item in old)
    live = list(TariffRateItem.query(f"retail#{second.version_id}"))
    assert [item.expires_at for item in live] == [None]


@dataclass(frozen=True)
class Breaking:
    """A rate whose destination cannot be read: the load fails while writing it."""

    prefix: str

    @property
    def destination(self) -> str:
        raise StoreRequestError("the store went away mid-load")

    price_per_minute = Decimal("0.01")
    connection_fee = Decimal("0")
    first_increment = 60
    next_increment = 60


def test_a_load_that_fails_half_way_leaves_the_previous_version_live(
    service: TariffService,
) -> None:
    # GIVEN a live version
    first, _ = service.load("retail", DECK)
    # WHEN a load of 60 rates fails at its 40th (after a batch of 25 was written)
    rates = [Rate(f"33{i:02d}", "France", Decimal("0.02"), Decimal(0), 1, 1) for i in range(60)]
    rates[39] = Breaking("3339")  # type: ignore[call-overload]
    repository = service.repository
    with pytest.raises(StoreRequestError):
        repository.load("retail", rates)
    # THEN the head still names the first version, which rates as before
    assert service.head("retail") == first
    assert service.rate("retail", "447700900100").destination == "UK mobile special"
    with pytest.raises(NoRateError):
        service.rate("retail", "33011234")
    # AND what the failed load wrote is marked to expire, never read
    written = [item for item in TariffRateItem.scan() if item.prefix.startswith("33")]
    assert written and all(item.expires_at is not None for item in written)


def test_a_load_that_loses_a_race_changes_nothing(service: TariffService) -> None:
    # GIVEN two loads that both start from version 1
    service.load("retail", DECK)
    slow = TariffRepository(Rate)
    original = slow.head

    def then_someone_else_loads(tariff_id: str, cached: bool = True) -> object:
        found = original(tariff_id, cached)
        TariffRepository(Rate).load("retail", parse_rates(DECK_2))
        return found

    slow.head = then_someone_else_loads  # type: ignore[method-assign,assignment]
    # WHEN the slower one switches the head / THEN it is refused and the other's version is live
    with pytest.raises(StaleStateError):
        slow.load("retail", parse_rates(DECK))
    assert service.head("retail").version == 2
    assert service.rate("retail", "447700900100").destination == "United Kingdom"
