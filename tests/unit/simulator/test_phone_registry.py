"""The dev phones' numbers (``phones.PhoneRegistry``): GIVEN tabs claiming numbers on a clock the
test moves, THEN a number is one tab's while the tab keeps asking, another tab is refused it
(a conflict) until the first went quiet, a tab holds one number at a time, the account's
numbers are never a phone, and a new tab is offered the first free number."""

from __future__ import annotations

import pytest

from chalicelib.simulator.phones import (
    HOLD_SECONDS,
    PhoneError,
    PhoneRegistry,
    number_of,
    tab_of,
)

ACCOUNT = frozenset({"447700900100", "447700900002"})


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_two_tabs_may_not_hold_one_number_until_the_first_goes_quiet() -> None:
    clock = Clock()
    phones = PhoneRegistry(clock)
    phones.claim("447700900001", "tab-aaaaaaaa", ACCOUNT)
    with pytest.raises(PhoneError) as refused:
        phones.claim("447700900001", "tab-bbbbbbbb", ACCOUNT)
    assert refused.value.conflict
    # the first tab keeps asking: still its
    clock.now += HOLD_SECONDS - 1
    phones.owned("447700900001", "tab-aaaaaaaa")
    clock.now += HOLD_SECONDS - 1
    with pytest.raises(PhoneError):
        phones.claim("447700900001", "tab-bbbbbbbb", ACCOUNT)
    # it goes quiet: the other tab may take it, and the first no longer holds it
    clock.now += HOLD_SECONDS + 1
    phones.claim("447700900001", "tab-bbbbbbbb", ACCOUNT)
    with pytest.raises(PhoneError, match="does not hold"):
        phones.owned("447700900001", "tab-aaaaaaaa")


def test_a_tab_holds_one_number_and_lets_it_go() -> None:
    phones = PhoneRegistry(Clock())
    phones.claim("447700900001", "tab-aaaaaaaa", ACCOUNT)
    phones.claim("447700900003", "tab-aaaaaaaa", ACCOUNT)
    assert not phones.is_phone("447700900001") and phones.is_phone("447700900003")
    phones.release("447700900003", "tab-bbbbbbbb")  # not its: nothing happens
    assert phones.is_phone("447700900003")
    phones.release("447700900003", "tab-aaaaaaaa")
    assert not phones.is_phone("447700900003")


def test_the_account_s_numbers_are_never_a_phone() -> None:
    phones = PhoneRegistry(Clock())
    with pytest.raises(PhoneError, match="account's numbers") as refused:
        phones.claim("447700900100", "tab-aaaaaaaa", ACCOUNT)
    assert not refused.value.conflict


def test_a_new_tab_is_offered_the_first_free_number() -> None:
    clock = Clock()
    phones = PhoneRegistry(clock)
    assert phones.suggest(ACCOUNT) == "447700900001"
    phones.claim("447700900001", "tab-aaaaaaaa", ACCOUNT)
    assert phones.suggest(ACCOUNT) == "447700900003"  # ...002 is the account's
    clock.now += HOLD_SECONDS + 1
    assert phones.suggest(ACCOUNT) == "447700900001"


def test_the_phone_remembers_its_latest_leg() -> None:
    phones = PhoneRegistry(Clock())
    phones.set_leg("447700900001", "leg-0")  # no phone: ignored
    phones.claim("447700900001", "tab-aaaaaaaa", ACCOUNT)
    assert phones.leg_of("447700900001") is None
    phones.set_leg("447700900001", "leg-1")
    assert phones.leg_of("447700900001") == "leg-1"


@pytest.mark.parametrize("bad", ["", "12345", "+0447700900001", "4477009000011234", 447700, None])
def test_a_number_that_is_not_e164_is_refused(bad: object) -> None:
    with pytest.raises(PhoneError, match=r"E\.164"):
        number_of(bad)


def test_numbers_and_tabs_are_read_plainly() -> None:
    assert number_of(" +447700900001 ") == "447700900001"
    assert tab_of("Ab-_12345678") == "Ab-_12345678"
    for bad in ("short", "x" * 65, "tab with space", 12345678, None):
        with pytest.raises(PhoneError, match="tab"):
            tab_of(bad)
