"""Where the carrier's prices become money: ``$call.cost`` and the record, in the carrier's
currency (the engine keeps prices per leg and knows no currency)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

from chalicelib.calls.records import cost_of, record_of, with_cost
from chalicelib.flows.state import CallState, Leg, LegRole
from chalicelib.telephony.events import CallStatus, Direction

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _state(*prices: Decimal | None) -> CallState:
    legs = {
        f"leg-{i}": Leg(
            f"leg-{i}",
            LegRole.CALLER if i == 0 else LegRole.BRIDGED,
            status=CallStatus.COMPLETED,
            price=price,
        )
        for i, price in enumerate(prices)
    }
    return CallState(
        "call-1",
        "acme",
        "pull",
        1,
        Direction.INBOUND,
        "447700900001",
        "447700900100",
        START,
        legs=legs,
    )


def test_completed_legs_add_their_price_to_call_cost_in_the_carriers_currency() -> None:
    # GIVEN a call whose two legs the carrier priced
    state = _state(Decimal("0.0030"), Decimal("0.0120"))
    # WHEN the shell prices it in the carrier's currency
    priced = with_cost(state, "GBP")
    # THEN $call.cost is the sum, in that currency; the record says the same
    assert priced.call_vars["cost"] == "0.0150" and priced.call_vars["cost.currency"] == "GBP"
    record = record_of(replace(priced, finished=True), "GBP")
    assert record.cost == Decimal("0.0150") and record.currency == "GBP"


def test_a_call_no_leg_of_which_is_priced_has_no_cost_yet() -> None:
    state = _state(None)
    assert cost_of(state) is None and with_cost(state, "EUR") is state
    assert record_of(state).cost == Decimal(0)


def test_pricing_again_with_nothing_new_changes_nothing() -> None:
    priced = with_cost(_state(Decimal("0.01")), "EUR")
    assert with_cost(priced, "EUR") is priced
