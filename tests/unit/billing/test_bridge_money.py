"""The money of a bridged call: both legs rated, the user's leg by the service's switch, the
reservation covering the worst case, the longest talk a balance pays for."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.billing.bridge import MAX_TALK_SECONDS, BridgeRates, UserLeg, max_talk
from chalicelib.billing.tariffs import Rate

UK = Rate("4420", "United Kingdom London", Decimal("0.06"), Decimal("0"), 60, 60)
MOBILE = Rate("447", "United Kingdom Mobile", Decimal("0.12"), Decimal("0.05"), 30, 6)


def test_the_destination_is_billed_by_its_increments_and_the_user_leg_for_the_talk() -> None:
    rates = BridgeRates(UK, MOBILE, UserLeg.ANSWERED, ring_timeout=30)
    # 61 s: two London minutes (0.12) + mobile 0.05 fee, 30 s then 6 s steps: 66 s (0.132)
    assert rates.cost(61, answered=True) == Decimal("0.12") + Decimal("0.182")
    # not answered: nothing at all when the user leg is billed on answer only
    assert rates.cost(0, answered=False, ringing=25) == 0


def test_always_bills_the_user_leg_from_the_dial_ringing_included() -> None:
    rates = BridgeRates(UK, MOBILE, UserLeg.ALWAYS, ring_timeout=30)
    assert rates.cost(0, answered=False, ringing=20) == MOBILE.price(20)
    assert rates.cost(60, answered=True, ringing=10) == UK.price(60) + MOBILE.price(70)


def test_an_unbilled_user_leg_costs_nothing() -> None:
    rates = BridgeRates(UK, None)
    assert rates.cost(120, answered=True) == UK.price(120)


def test_the_longest_talk_is_what_the_balance_pays_for_with_the_whole_ring_time() -> None:
    rates = BridgeRates(UK, None)
    # 1.00 at 0.06 a minute: 16 whole minutes (0.96); the 17th would cost 1.02
    assert max_talk(rates, Decimal("1.00")) == 16 * 60
    assert rates.reservation(16 * 60) == Decimal("0.96")
    assert max_talk(rates, Decimal("0.05")) == 0
    assert max_talk(rates, Decimal("1000")) == MAX_TALK_SECONDS
    assert max_talk(rates, Decimal("1000"), cap=600) == 600


@given(
    balance=st.decimals(min_value=0, max_value=50, places=2),
    talk=st.integers(min_value=0, max_value=MAX_TALK_SECONDS),
    ringing=st.integers(min_value=0, max_value=30),
    mode=st.sampled_from(list(UserLeg)),
)
def test_no_call_within_the_limit_costs_more_than_was_reserved(
    balance: Decimal, talk: int, ringing: int, mode: UserLeg
) -> None:
    rates = BridgeRates(UK, MOBILE, mode, ring_timeout=30)
    limit = max_talk(rates, balance)
    if limit:  # 0: nothing is dialled, nothing reserved
        reserved = rates.reservation(limit)
        assert reserved <= balance
        assert rates.cost(min(talk, limit), True, ringing) <= reserved
        assert rates.cost(0, False, ringing) <= reserved


def test_negative_times_are_refused() -> None:
    with pytest.raises(ValueError):
        BridgeRates(UK).cost(-1, answered=True)
