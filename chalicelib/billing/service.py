"""The tariffs service: load a rate deck (parse, then store as the tariff's next version), read
a tariff's head, rate a number (the longest prefix the tariff prices).

Rating is one DynamoDB request when the tariff's head is cached (``store.tariffs``): the
number's prefixes are fetched in one BatchGetItem and the longest found wins. Owns the order of
those steps only; the rules are ``billing.tariffs``' and the items ``store.tariffs``'. Imports
the pure tariff module and the store's tariff repository; must not import web, wiring or
pynamodb.
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib.billing.tariffs import (
    NoRateError,
    Rate,
    TariffNotFoundError,
    check_deck_size,
    check_tariff_id,
    longest_match,
    parse_rates,
    prefixes,
)
from chalicelib.store.tariffs import TariffHead, TariffRepository


class TariffService:
    """Tariffs as operators load them and calls are rated against them."""

    def __init__(self, repository: TariffRepository[Rate]) -> None:
        self.repository = repository

    def load(self, tariff_id: str, deck: bytes | str) -> tuple[TariffHead, bool]:
        """Store a rate deck as the tariff's live version; (head, whether the tariff is new).
        A bad deck raises ``TariffError`` listing every bad line, and nothing is stored."""
        check_tariff_id(tariff_id)
        check_deck_size(len(deck.encode() if isinstance(deck, str) else deck))
        rates = parse_rates(deck)
        head = self.repository.load(tariff_id, rates)
        return head, head.version == 1

    def head(self, tariff_id: str) -> TariffHead:
        """The tariff's live version (read afresh: 1 GetItem)."""
        check_tariff_id(tariff_id)
        head = self.repository.head(tariff_id, cached=False)
        if head is None:
            raise TariffNotFoundError(tariff_id)
        return head

    def rate(self, tariff_id: str, number: str) -> Rate:
        """The rate of ``number`` in the tariff: ``NoRateError`` if no prefix of it is priced.
        1 BatchGetItem with the head cached (else 1 GetItem more)."""
        check_tariff_id(tariff_id)
        keys = prefixes(number)
        head = self.repository.head(tariff_id)
        if head is None:
            raise TariffNotFoundError(tariff_id)
        found = longest_match(number, self.repository.rates(head, keys))
        if found is None:
            raise NoRateError(keys[0], tariff_id)
        return found

    def rate_each(self, tariff_id: str, numbers: Sequence[str]) -> dict[str, Rate | None]:
        """The rate of each of ``numbers`` (None: no rate), all in 1 BatchGetItem with the head
        cached (the two legs of a bridged call are rated in one request)."""
        check_tariff_id(tariff_id)
        keys = {number: prefixes(number) for number in numbers}
        head = self.repository.head(tariff_id)
        if head is None:
            raise TariffNotFoundError(tariff_id)
        wanted = sorted({prefix for found in keys.values() for prefix in found})
        rates = self.repository.rates(head, wanted)
        return {number: longest_match(number, rates) for number in numbers}
