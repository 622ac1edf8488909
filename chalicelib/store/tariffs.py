"""Tariffs (rate decks) in DynamoDB: each tariff's head (``tariffs``) and its rates, one item
per prefix and version (``tariff_rates``), so that rating a number is ONE BatchGetItem over the
number's prefixes (at most 15 keys) under the live version.

Loading a tariff writes its rates under a new version (batch writes, key
``<tariff id>#<version id>`` + prefix; the version id is unique per load attempt, so the rows of a
load that failed half way are never mistaken for a later load's), then switches the head to that
version with ONE conditional PutItem (the head still names the version the load started from).
Until that write, readers see the old version whole; a load that fails or loses the race leaves
the old version live, and its own rows are marked to expire. The rows of the version a load
replaces are rewritten with ``expires_at`` (DynamoDB's TTL removes them later), not deleted at
once: a process whose head is still cached keeps rating against them meanwhile.

How a caller knows the live version without an extra read: each repository keeps a per-process
cache of heads for ``head_cache_seconds`` (30 s by default). A cached head makes rating exactly
one request (the BatchGetItem); a missing or expired one costs one GetItem first. Staleness is
bounded: a load made by another process is used everywhere at most ``head_cache_seconds`` after
it; a load made by this process is used by it at once. Retired rows live for
``RETIRED_ROWS_SECONDS``, far longer than any cached head.

The store does not know the billing product's types: rates are written from any object with a
rate's six attributes (``RateFields``) and read back through the ``make_rate`` factory the
product passes. Imports pynamodb, the store's base helpers and the standard library; must not
import a product package (the core imports none). Part of ``store``, the only package that may
import pynamodb.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar, Generic, Protocol, TypeVar

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PynamoDBException

from chalicelib.store.attributes import DecimalAttribute, IntegerAttribute, UtcDateTimeAttribute
from chalicelib.store.base import Clock, condition_failed, translated, utc_now
from chalicelib.store.binding import bound_settings
from chalicelib.store.errors import StaleStateError
from chalicelib.store.registry import StoreItem

HEAD_CACHE_SECONDS = 30.0
"""How long a process trusts a tariff head it read (the bound on a load's staleness)."""
RETIRED_ROWS_SECONDS = 3600
"""How long the rows of a replaced (or failed) version stay readable before TTL removes them."""
MAX_PREFIXES = 100

R = TypeVar("R")


class RateFields(Protocol):
    """What the store writes of a rate."""

    @property
    def prefix(self) -> str: ...
    @property
    def destination(self) -> str: ...
    @property
    def price_per_minute(self) -> Decimal: ...
    @property
    def connection_fee(self) -> Decimal: ...
    @property
    def first_increment(self) -> int: ...
    @property
    def next_increment(self) -> int: ...


class TariffItem(StoreItem):
    """A tariff's head: the live version and what it holds."""

    LOGICAL_NAME: ClassVar[str] = "tariffs"

    class Meta:
        table_name = "tariffs"

    tariff_id = UnicodeAttribute(hash_key=True)
    version = IntegerAttribute()
    version_id = UnicodeAttribute()
    rows = IntegerAttribute()
    loaded_at = UtcDateTimeAttribute()


class TariffRateItem(StoreItem):
    """One rate of one version of a tariff."""

    LOGICAL_NAME: ClassVar[str] = "tariff_rates"

    class Meta:
        table_name = "tariff_rates"

    tariff_version = UnicodeAttribute(hash_key=True)
    prefix = UnicodeAttribute(range_key=True)
    destination = UnicodeAttribute()
    price_per_minute = DecimalAttribute()
    connection_fee = DecimalAttribute()
    first_increment = IntegerAttribute()
    next_increment = IntegerAttribute()
    expires_at = TTLAttribute(null=True)


@dataclass(frozen=True)
class TariffHead:
    """The live version of a tariff."""

    tariff_id: str
    version: int
    version_id: str
    rows: int
    loaded_at: datetime


def _head(item: TariffItem) -> TariffHead:
    return TariffHead(item.tariff_id, item.version, item.version_id, item.rows, item.loaded_at)


def _version_key(tariff_id: str, version_id: str) -> str:
    return f"{tariff_id}#{version_id}"


class TariffRepository(Generic[R]):
    """Tariff heads (cached per process) and their versions' rates."""

    def __init__(
        self,
        make_rate: Callable[..., R],
        clock: Clock = utc_now,
        head_cache_seconds: float = HEAD_CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        bound_settings()
        self._make_rate = make_rate
        self._clock = clock
        self._cache_seconds = head_cache_seconds
        self._monotonic = monotonic
        self._heads: dict[str, tuple[TariffHead, float]] = {}

    @translated
    def head(self, tariff_id: str, cached: bool = True) -> TariffHead | None:
        """The tariff's head: from the cache while fresh (no request), else 1 GetItem."""
        if cached:
            hit = self._heads.get(tariff_id)
            if hit is not None and self._monotonic() - hit[1] < self._cache_seconds:
                return hit[0]
        try:
            item = TariffItem.get(tariff_id, consistent_read=True)
        except DoesNotExist:
            self._heads.pop(tariff_id, None)
            return None
        return self._remember(_head(item))

    def _remember(self, head: TariffHead) -> TariffHead:
        self._heads[head.tariff_id] = (head, self._monotonic())
        return head

    @translated
    def rates(self, head: TariffHead, prefixes: Sequence[str]) -> list[R]:
        """The rates of ``head``'s version among ``prefixes`` (those of one number or a few):
        1 BatchGetItem (at most its 100 keys)."""
        if len(prefixes) > MAX_PREFIXES:
            raise ValueError(f"at most {MAX_PREFIXES} prefixes, got {len(prefixes)}")
        key = _version_key(head.tariff_id, head.version_id)
        found = TariffRateItem.batch_get([(key, p) for p in prefixes], consistent_read=True)
        return [self._rate(item) for item in found]

    def _rate(self, item: TariffRateItem) -> R:
        return self._make_rate(
            prefix=item.prefix,
            destination=item.destination,
            price_per_minute=item.price_per_minute,
            connection_fee=item.connection_fee,
            first_increment=item.first_increment,
            next_increment=item.next_increment,
        )

    @translated
    def load(self, tariff_id: str, rates: Sequence[RateFields]) -> TariffHead:
        """Make ``rates`` the tariff's live version: 1 GetItem, a batch write per 25 rates,
        1 conditional PutItem; then the replaced version's rows are marked to expire. A failure
        before the PutItem leaves the previous version live (``StaleStateError`` if another
        load switched the head meanwhile)."""
        previous = self.head(tariff_id, cached=False)
        version = 1 if previous is None else previous.version + 1
        new = TariffHead(
            tariff_id, version, f"{version}-{secrets.token_hex(4)}", len(rates), self._clock()
        )
        try:
            self._write_rows(new, rates)
            self._switch(previous, new)
        except Exception:
            self._retire(new)
            raise
        if previous is not None:
            self._retire(previous)
        return self._remember(new)

    def _write_rows(self, head: TariffHead, rates: Sequence[RateFields]) -> None:
        key = _version_key(head.tariff_id, head.version_id)
        with TariffRateItem.batch_write() as batch:
            for rate in rates:
                batch.save(
                    TariffRateItem(
                        key,
                        rate.prefix,
                        destination=rate.destination,
                        price_per_minute=rate.price_per_minute,
                        connection_fee=rate.connection_fee,
                        first_increment=rate.first_increment,
                        next_increment=rate.next_increment,
                    )
                )

    def _switch(self, previous: TariffHead | None, new: TariffHead) -> None:
        """One conditional PutItem: the head still names ``previous`` (or there is none)."""
        item = TariffItem(
            new.tariff_id,
            version=new.version,
            version_id=new.version_id,
            rows=new.rows,
            loaded_at=new.loaded_at,
        )
        condition = (
            TariffItem.tariff_id.does_not_exist()
            if previous is None
            else TariffItem.version_id == previous.version_id
        )
        try:
            item.save(condition=condition)
        except PynamoDBException as error:
            if condition_failed(error):
                raise StaleStateError(
                    "tariff", new.tariff_id, "was loaded by another writer"
                ) from error
            raise

    def _retire(self, head: TariffHead) -> None:
        """Mark a version's rows to expire (1 Query page + a batch write per 25 rows). A failure
        is left alone: the rows are never read again once no head names them (they stay until
        deleted by hand)."""
        expires = self._clock() + timedelta(seconds=RETIRED_ROWS_SECONDS)
        key = _version_key(head.tariff_id, head.version_id)
        try:
            with TariffRateItem.batch_write() as batch:
                for item in TariffRateItem.query(key):
                    item.expires_at = expires
                    batch.save(item)
        except PynamoDBException:
            return
