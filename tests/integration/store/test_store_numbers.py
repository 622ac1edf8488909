"""Numbers: GIVEN the numbers table, WHEN numbers are stored, bound and listed, THEN they
round-trip and each account sees only its own."""

from __future__ import annotations

import pytest
from storekit import RequestLog

from chalicelib.accounts.model import PhoneNumber
from chalicelib.settings import Settings
from chalicelib.store.errors import AlreadyExistsError, NotFoundError
from chalicelib.store.numbers import NumberRepository


@pytest.fixture
def numbers(store: Settings) -> NumberRepository:
    return NumberRepository()


def test_put_then_get_round_trips(numbers: NumberRepository) -> None:
    # GIVEN a number with every field set
    number = PhoneNumber("447700900001", "acc-1", flow_id="flow-1", language="en-GB", enabled=False)
    # WHEN stored and read / THEN it is the same
    numbers.put(number)
    assert numbers.get("447700900001") == number


def test_put_replaces(numbers: NumberRepository) -> None:
    # GIVEN a number / WHEN put again with other fields / THEN the new fields win
    numbers.put(PhoneNumber("447700900001", "acc-1", flow_id="flow-1", language="en-GB"))
    numbers.put(PhoneNumber("447700900001", "acc-2"))
    assert numbers.get("447700900001") == PhoneNumber("447700900001", "acc-2")


def test_unknown_number_is_not_found(numbers: NumberRepository) -> None:
    with pytest.raises(NotFoundError):
        numbers.get("447700900009")
    with pytest.raises(NotFoundError):
        numbers.attach("447700900009", "flow-1")
    with pytest.raises(NotFoundError):
        numbers.set_enabled("447700900009", False)


def test_list_by_account_is_sorted_and_per_account(numbers: NumberRepository) -> None:
    # GIVEN numbers of two accounts
    for digits, owner in [("3", "acc-1"), ("1", "acc-1"), ("2", "acc-2")]:
        numbers.put(PhoneNumber(f"44770090000{digits}", owner))
    # WHEN acc-1's are listed / THEN only its own, sorted
    listed = numbers.list_by_account("acc-1")
    assert [n.number for n in listed] == ["447700900001", "447700900003"]
    assert numbers.list_by_account("acc-none") == []


def test_attach_detach_and_switch(numbers: NumberRepository) -> None:
    # GIVEN a number without a flow
    numbers.put(PhoneNumber("447700900001", "acc-1"))
    # WHEN attached, disabled and detached
    attached = numbers.attach("447700900001", "flow-9")
    disabled = numbers.set_enabled("447700900001", False)
    detached = numbers.attach("447700900001", None)
    # THEN each step shows and stores the change
    assert attached.flow_id == "flow-9"
    assert disabled == PhoneNumber("447700900001", "acc-1", flow_id="flow-9", enabled=False)
    assert detached.flow_id is None
    assert numbers.get("447700900001") == PhoneNumber("447700900001", "acc-1", enabled=False)


def test_delete_is_idempotent(numbers: NumberRepository) -> None:
    # GIVEN a number / WHEN deleted twice / THEN it is gone and the repeat is harmless
    numbers.put(PhoneNumber("447700900001", "acc-1"))
    numbers.delete("447700900001")
    numbers.delete("447700900001")
    with pytest.raises(NotFoundError):
        numbers.get("447700900001")


def test_numbers_follow_newer_heads_of_their_flow_only(numbers: NumberRepository) -> None:
    from chalicelib.flows.records import FlowHead

    # GIVEN two numbers on flow-1 and one on flow-2
    for n, flow in (("447700900001", "flow-1"), ("447700900002", "flow-1"), ("447700900003", "f2")):
        numbers.put(PhoneNumber(n, "acc-1", flow))
    # WHEN flow-1's head at generation 3 is followed, then an older one arrives late
    assert numbers.follow_flow(FlowHead("flow-1", "acc-1", "F", 4, True, generation=3)) == 2
    assert numbers.follow_flow(FlowHead("flow-1", "acc-1", "F", 3, False, generation=2)) == 0
    # THEN flow-1's numbers hold the newest head, the other number nothing
    first = numbers.get("447700900001")
    assert (first.flow_version, first.flow_enabled, first.flow_generation) == (4, True, 3)
    assert numbers.get("447700900003").flow_version is None
    # AND attaching a number to another flow forgets the old flow's head
    assert numbers.attach("447700900001", "f2").flow_version is None


def test_provision_gives_a_free_number_once(numbers: NumberRepository, sent: RequestLog) -> None:
    # GIVEN a number no account holds
    # WHEN acc-1 is given it, then acc-2 and acc-1 ask for it again
    given = numbers.provision("447700900001", "acc-1")
    with pytest.raises(AlreadyExistsError):
        numbers.provision("447700900001", "acc-2")
    with pytest.raises(AlreadyExistsError):
        numbers.provision("447700900001", "acc-1")
    # THEN acc-1 holds it, enabled and bound to no flow, each ask one PutItem
    assert given == numbers.get("447700900001") == PhoneNumber("447700900001", "acc-1")
    assert sent.operations[:3] == ["PutItem"] * 3


def test_provision_keeps_an_existing_binding(numbers: NumberRepository) -> None:
    # GIVEN a number bound to a flow / WHEN provisioned again / THEN the binding is untouched
    numbers.put(PhoneNumber("447700900001", "acc-1", flow_id="flow-1", language="en-GB"))
    with pytest.raises(AlreadyExistsError):
        numbers.provision("447700900001", "acc-1")
    assert numbers.get("447700900001").flow_id == "flow-1"


def test_bind_only_the_holders_number(numbers: NumberRepository, sent: RequestLog) -> None:
    # GIVEN a number acc-1 holds
    numbers.provision("447700900001", "acc-1")
    sent.clear()
    # WHEN acc-1 binds it with a language, then rebinds it without one and disabled
    bound = numbers.bind("447700900001", "acc-1", "flow-1", "en-GB")
    rebound = numbers.bind("447700900001", "acc-1", "flow-2", None, enabled=False)
    # THEN each bind is one UpdateItem and the last one is stored
    assert bound == PhoneNumber("447700900001", "acc-1", "flow-1", "en-GB")
    assert rebound == PhoneNumber("447700900001", "acc-1", "flow-2", None, enabled=False)
    assert sent.operations == ["UpdateItem", "UpdateItem"]
    assert numbers.get("447700900001") == rebound


def test_bind_refuses_a_free_or_foreign_number_alike(numbers: NumberRepository) -> None:
    # GIVEN a number acc-1 holds and one nobody holds
    numbers.provision("447700900001", "acc-1")
    # WHEN acc-2 binds either / THEN both are "not found" and nothing is created or changed
    with pytest.raises(NotFoundError):
        numbers.bind("447700900001", "acc-2", "flow-9")
    with pytest.raises(NotFoundError):
        numbers.bind("447700900002", "acc-2", "flow-9")
    assert numbers.get("447700900001") == PhoneNumber("447700900001", "acc-1")
    with pytest.raises(NotFoundError):
        numbers.get("447700900002")


def test_release_only_by_the_holder(numbers: NumberRepository) -> None:
    # GIVEN a number acc-1 holds, bound to a flow
    numbers.provision("447700900001", "acc-1")
    numbers.bind("447700900001", "acc-1", "flow-1")
    # WHEN acc-2 releases it THEN it is "not found" and stays
    with pytest.raises(NotFoundError):
        numbers.release("447700900001", "acc-2")
    assert numbers.get("447700900001").account_id == "acc-1"
    # WHEN acc-1 releases it THEN it is gone, and may be provisioned to another account
    numbers.release("447700900001", "acc-1")
    with pytest.raises(NotFoundError):
        numbers.release("447700900001", "acc-1")
    assert numbers.provision("447700900001", "acc-2").account_id == "acc-2"
