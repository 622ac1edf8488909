"""User variables: GIVEN the user_variables table, WHEN values are set with timestamps, THEN
per account and name the value with the latest timestamp wins, whatever the order of writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storekit import NOW, RequestLog

from chalicelib.settings import Settings
from chalicelib.store.variables import UserVariableRepository


@pytest.fixture
def variables(store: Settings) -> UserVariableRepository:
    return UserVariableRepository()


def test_set_then_all_for(variables: UserVariableRepository) -> None:
    # GIVEN values of two accounts
    variables.set("acc-1", "greeting", "hello", NOW)
    variables.set("acc-1", "empty", "", NOW)
    variables.set("acc-2", "greeting", "bonjour", NOW)
    # WHEN acc-1's are read / THEN only its own
    assert variables.all_for("acc-1") == {"greeting": "hello", "empty": ""}
    assert variables.all_for("acc-9") == {}


def test_an_older_write_never_overwrites_a_newer_one(variables: UserVariableRepository) -> None:
    # GIVEN a value written at NOW
    assert variables.set("acc-1", "x", "new", NOW) is True
    # WHEN a write stamped earlier arrives late
    late = variables.set("acc-1", "x", "old", NOW - timedelta(seconds=1))
    # THEN it is dropped
    assert late is False
    assert variables.all_for("acc-1") == {"x": "new"}
    # AND a write stamped the same or later replaces it
    assert variables.set("acc-1", "x", "same", NOW) is True
    assert variables.set("acc-1", "x", "later", NOW + timedelta(microseconds=1)) is True
    assert variables.all_for("acc-1") == {"x": "later"}


def test_set_many_applies_latest_wins_per_name(
    variables: UserVariableRepository, sent: RequestLog
) -> None:
    # GIVEN "b" already written later than the batch
    variables.set("acc-1", "b", "newer", NOW + timedelta(seconds=5))
    sent.clear()
    # WHEN a batch a, b, c stamped NOW is written
    written = variables.set_many("acc-1", {"a": "1", "b": "2", "c": "3"}, NOW)
    # THEN a and c are written, b keeps its newer value, in two transactions
    assert written == {"a", "c"}
    assert sent.operations == ["TransactWriteItems", "TransactWriteItems"]
    assert variables.all_for("acc-1") == {"a": "1", "b": "newer", "c": "3"}


def test_set_many_of_one_name_is_one_put(
    variables: UserVariableRepository, sent: RequestLog
) -> None:
    # GIVEN nothing / WHEN one name is set through set_many / THEN one PutItem
    assert variables.set_many("acc-1", {"a": "1"}, NOW) == {"a"}
    assert sent.operations == ["PutItem"]


def test_set_many_beyond_one_transaction(
    variables: UserVariableRepository, sent: RequestLog
) -> None:
    # GIVEN 150 names (a transaction takes 100)
    values = {f"v{n:03}": str(n) for n in range(150)}
    # WHEN set in one call / THEN all are stored, in two transactions
    assert variables.set_many("acc-1", values, NOW) == set(values)
    assert sent.operations == ["TransactWriteItems", "TransactWriteItems"]
    assert variables.all_for("acc-1") == values


def test_naive_timestamps_are_refused(variables: UserVariableRepository) -> None:
    with pytest.raises(ValueError):
        variables.set("acc-1", "x", "1", NOW.replace(tzinfo=None))


def test_get_many_reads_only_the_names_asked_for(variables: UserVariableRepository) -> None:
    # GIVEN an account with many variables
    values = {f"v{i:04d}": str(i) for i in range(250)}
    variables.set_many("acc-1", values, NOW)
    # WHEN a call asks for three of them (one unknown), or for none
    got = variables.get_many("acc-1", ["v0001", "v0249", "missing"])
    # THEN it gets exactly those that exist
    assert got == {"v0001": "1", "v0249": "249"}
    assert variables.get_many("acc-1", []) == {}
    assert variables.get_many("acc-1", [f"v{i:04d}" for i in range(150)]) == {
        f"v{i:04d}": str(i) for i in range(150)
    }
