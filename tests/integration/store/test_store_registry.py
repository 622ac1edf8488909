"""Products' tables: GIVEN a product that defines its own table model and repository in its own
module (here, this test module) with the store's base helpers, WHEN the model is defined, THEN
it is registered without editing the store: listed after the core tables, bound, created by
``create_tables`` and usable; a second model under a logical name already taken is refused.

The model is defined inside a fixture rather than at module level, so that collecting this
module registers nothing, and is unregistered afterwards: other tests compare the list of
tables with the core one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import pytest
from moto import mock_aws
from pynamodb.attributes import UnicodeAttribute

from chalicelib.settings import Settings
from chalicelib.store import (  # noqa: F401 - registers their tables
    binding,
    click2call,
    click2call_comments,
    click2call_invoices,
    click2call_requests,
)
from chalicelib.store.base import get_item, save_if_absent, translated
from chalicelib.store.errors import AlreadyExistsError, NotFoundError
from chalicelib.store.registry import StoreItem, registered, unregister
from chalicelib.store.tables import cloudformation_resources, create_tables, table_models

CORE_TABLES = [
    "accounts",
    "numbers",
    "flows",
    "calls",
    "call_records",
    "user_variables",
    "markers",
    "sent_sms",
]
INSTALLED_TABLES = [
    "c2c_campaigns",
    "c2c_comment_types",
    "c2c_companies",
    "c2c_invoices",
    "c2c_operators",
    "c2c_requests",
    "callback_access_numbers",
    "callback_account_lot_members",
    "callback_account_lots",
    "callback_accounts",
    "callback_callers",
    "callback_card_purchases",
    "callback_directories",
    "callback_history",
    "callback_ledger",
    "callback_lockouts",
    "callback_mail_addresses",
    "callback_portal_logins",
    "callback_vouchers",
    "callback_web_services",
    "campaign_contacts",
    "campaign_pacing",
    "campaign_settings",
    "campaign_uploads",
    "campaigns",
    "dialer_agent_events",
    "dialer_agent_logins",
    "dialer_agents",
    "dialer_campaigns",
    "dialer_dispositions",
    "dialer_groups",
    "dialer_live",
    "do_not_call",
    "guard_counters",
    "speech_agents",
    "tariff_rates",
    "tariffs",
]
"""The tables of the products this deployment installs (``PRODUCT_MODULES``: billing,
callback, speech, campaigns, dialer) and of the click-to-call store (imported above: its tables
are registered wherever its modules are imported), by logical name."""


def define_thing_item() -> type[StoreItem]:
    """What a product's ``store/<product>.py`` holds at module level: its table's model."""

    class ThingItem(StoreItem):
        """A thing of the example product (``example_things``)."""

        LOGICAL_NAME: ClassVar[str] = "example_things"

        class Meta:
            table_name = "example_things"

        thing_id = UnicodeAttribute(hash_key=True)
        label = UnicodeAttribute()

    return ThingItem


@dataclass(frozen=True)
class Thing:
    """The example product's domain object."""

    thing_id: str
    label: str


class ThingRepository:
    """The example product's repository, built from the store's base helpers only."""

    def __init__(self, model: type[StoreItem]) -> None:
        binding.bound_settings()
        self._model = model

    @translated
    def add(self, thing: Thing) -> Thing:
        save_if_absent(self._model(thing.thing_id, label=thing.label), "thing", thing.thing_id)
        return thing

    @translated
    def get(self, thing_id: str) -> Thing:
        item = get_item(self._model, "thing", thing_id, consistent=True)
        return Thing(item.thing_id, item.label)


@pytest.fixture
def thing_item(store: Settings) -> Iterator[type[StoreItem]]:
    """GIVEN the store bound, THEN a product's model defined (its module imported late)."""
    model = define_thing_item()
    try:
        yield model
    finally:
        unregister(model)


def test_a_product_table_comes_after_the_core_tables(thing_item: type[StoreItem]) -> None:
    # WHEN the tables are listed / THEN the core ones keep their order and the product's follows
    names = [model.LOGICAL_NAME for model in table_models()]
    assert names == [*CORE_TABLES, *sorted(["example_things", *INSTALLED_TABLES])]
    assert thing_item in table_models()
    # AND infra describes it like any other table
    properties = cloudformation_resources("dev")["ExampleThingsTable"]["Properties"]
    assert properties["TableName"] == "ringflow-dev-example_things"


def test_a_product_table_defined_after_bind_is_bound_created_and_used(
    store: Settings, thing_item: type[StoreItem]
) -> None:
    # GIVEN the model was defined after bind / THEN it is bound to the stage, on the one client
    assert thing_item.Meta.table_name == "ringflow-test-example_things"
    assert thing_item._get_connection().connection is binding.shared_connection()
    # WHEN the tables are created again / THEN only the product's table is new
    assert create_tables(store) == ["ringflow-test-example_things"]
    # AND its repository puts and gets through the base helpers
    things = ThingRepository(thing_item)
    assert things.add(Thing("t-1", "first")) == Thing("t-1", "first")
    assert things.get("t-1") == Thing("t-1", "first")
    with pytest.raises(AlreadyExistsError):
        things.add(Thing("t-1", "second"))
    assert things.get("t-1") == Thing("t-1", "first")
    with pytest.raises(NotFoundError):
        things.get("t-2")


def test_bind_binds_a_product_table_defined_before_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a process not bound yet, and a product's model defined
    monkeypatch.setattr(binding, "_bound", None)
    monkeypatch.setattr(binding, "_connection", None)
    model = define_thing_item()
    try:
        with mock_aws():
            # WHEN the store is bound and its tables created
            binding.bind(settings)
            assert settings.table("example_things") in create_tables(settings)
            # THEN the product's repository works
            ThingRepository(model).add(Thing("t-1", "first"))
            assert ThingRepository(model).get("t-1") == Thing("t-1", "first")
    finally:
        unregister(model)


def test_a_taken_logical_name_is_refused(thing_item: type[StoreItem]) -> None:
    before = registered()
    # WHEN a second model claims a core table's name or the product's / THEN it is refused
    for taken in ("accounts", "example_things"):
        with pytest.raises(ValueError, match="already defined"):

            class Clash(StoreItem):
                LOGICAL_NAME: ClassVar[str] = taken

                class Meta:
                    table_name = taken

                key = UnicodeAttribute(hash_key=True)

    # AND the registry is as it was
    assert registered() == before


def test_a_model_pynamodb_rejects_leaves_its_name_free(store: Settings) -> None:
    # GIVEN a model with two hash keys (pynamodb refuses it after it was registered)
    with pytest.raises(ValueError, match="more than one hash key"):

        class Broken(StoreItem):
            LOGICAL_NAME: ClassVar[str] = "example_things"

            class Meta:
                table_name = "example_things"

            one = UnicodeAttribute(hash_key=True)
            two = UnicodeAttribute(hash_key=True)

    # THEN the name is free again for a model that is right
    assert "example_things" not in [model.LOGICAL_NAME for model in table_models()]
    model = define_thing_item()
    unregister(model)
    assert [model.LOGICAL_NAME for model in table_models()] == CORE_TABLES + INSTALLED_TABLES


def test_a_subclass_without_its_own_logical_name_is_no_table(store: Settings) -> None:
    # GIVEN an abstract base of a product's models / WHEN defined / THEN it is no table
    class ProductItem(StoreItem):
        class Meta:
            table_name = "unused"

        key = UnicodeAttribute(hash_key=True)

    assert ProductItem not in table_models()
