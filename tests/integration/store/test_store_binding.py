"""Binding: GIVEN settings, WHEN the store is bound, THEN every model talks to that stage's
tables through one client; rebinding switches cleanly; failures surface as store errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws
from storekit import account

from chalicelib.settings import Settings
from chalicelib.store import binding
from chalicelib.store.accounts import AccountRepository
from chalicelib.store.errors import NotFoundError, StoreError, StoreRequestError
from chalicelib.store.tables import create_tables, delete_tables, table_models


def test_bind_names_every_table_and_shares_one_connection(store: Settings) -> None:
    # GIVEN the store bound to the test stage
    # WHEN the models are inspected / THEN each points at the stage's table, via one connection
    for model in table_models():
        assert model.Meta.table_name == f"ringflow-test-{model.LOGICAL_NAME}"
        assert model.Meta.region == "eu-west-1"
        assert model.Meta.host is None
        assert model._get_connection().connection is binding.shared_connection()


def test_bind_twice_is_harmless(store: Settings) -> None:
    # GIVEN an account stored / WHEN bound again to the same settings / THEN it is still read
    AccountRepository().create(account())
    binding.bind(store)
    assert AccountRepository().get("acc-1") == account()


def test_rebinding_between_moto_instances(settings: Settings) -> None:
    # GIVEN an account stored in one moto instance
    with mock_aws():
        binding.bind(settings)
        create_tables(settings)
        AccountRepository().create(account())
    # WHEN the store is bound to a fresh instance
    with mock_aws():
        binding.bind(settings)
        create_tables(settings)
        # THEN the old data is gone and the new instance works
        with pytest.raises(NotFoundError):
            AccountRepository().get("acc-1")
        AccountRepository().create(account())


def test_other_stages_use_their_own_tables(settings: Settings) -> None:
    # GIVEN two stages in one moto instance, an account stored in the first
    other = Settings(stage="other", region=settings.region, table_prefix="ringflow-other-")
    with mock_aws():
        create_tables(settings)
        create_tables(other)
        binding.bind(settings)
        AccountRepository().create(account())
        # WHEN bound to the other stage / THEN the account is not there
        binding.bind(other)
        with pytest.raises(NotFoundError):
            AccountRepository().get("acc-1")


@pytest.fixture
def unbound(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(binding, "_bound", None)
    monkeypatch.setattr(binding, "_connection", None)
    yield


def test_repositories_refuse_to_work_unbound(unbound: None) -> None:
    # GIVEN a process that never called bind / WHEN a repository is built / THEN StoreError
    with pytest.raises(StoreError, match="bind"):
        AccountRepository()


def test_dynamodb_failures_surface_as_store_errors(store: Settings) -> None:
    # GIVEN the tables are gone
    repository = AccountRepository()
    delete_tables(store)
    # WHEN a repository reads / THEN a StoreRequestError, not a pynamodb exception
    with pytest.raises(StoreRequestError) as failed:
        repository.get("acc-1")
    assert "ResourceNotFoundException" in str(failed.value)
