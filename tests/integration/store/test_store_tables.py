"""Table definitions: GIVEN the pynamodb models, WHEN tables are created locally and described
for CloudFormation, THEN both carry the same keys, indexes and TTL, for every table.

The click-to-call store's modules are imported here: their tables are registered wherever they
are imported, so the list of tables does not depend on which tests ran first."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from cfnlint.api import lint

from chalicelib.settings import Settings
from chalicelib.store import (  # noqa: F401 - registers their tables
    click2call,
    click2call_comments,
    click2call_invoices,
    click2call_requests,
)
from chalicelib.store.tables import (
    cloudformation_resources,
    create_tables,
    delete_tables,
    logical_id,
    table_models,
)

EXPECTED_KEYS = {
    "callback_access_numbers": [("number", "HASH", "S")],
    "callback_lockouts": [("number", "HASH", "S")],
    "callback_mail_addresses": [("address", "HASH", "S")],
    "accounts": [("account_id", "HASH", "S")],
    "numbers": [("number", "HASH", "S")],
    "flows": [("flow_id", "HASH", "S"), ("version", "RANGE", "N")],
    "speech_agents": [("agent_key", "HASH", "S"), ("version", "RANGE", "N")],
    "calls": [("call_id", "HASH", "S")],
    "call_records": [("account_id", "HASH", "S"), ("started_key", "RANGE", "S")],
    "user_variables": [("account_id", "HASH", "S"), ("name", "RANGE", "S")],
    "markers": [("key", "HASH", "S")],
    "sent_sms": [("message_id", "HASH", "S")],
    "callback_accounts": [("account_id", "HASH", "S")],
    "callback_account_lots": [("lot_id", "HASH", "S")],
    "callback_account_lot_members": [("lot_id", "HASH", "S"), ("account_id", "RANGE", "S")],
    "callback_card_purchases": [("session_id", "HASH", "S")],
    "callback_callers": [("number", "HASH", "S")],
    "callback_directories": [("account_id", "HASH", "S")],
    "callback_history": [("account_id", "HASH", "S"), ("sort", "RANGE", "S")],
    "callback_ledger": [("account_id", "HASH", "S"), ("entry", "RANGE", "S")],
    "callback_portal_logins": [("account_id", "HASH", "S")],
    "callback_vouchers": [("code", "HASH", "S")],
    "callback_web_services": [("service_id", "HASH", "S")],
    "campaign_contacts": [("part", "HASH", "S"), ("contact_id", "RANGE", "S")],
    "campaign_pacing": [("key", "HASH", "S")],
    "campaign_settings": [("key", "HASH", "S")],
    "campaign_uploads": [("upload_id", "HASH", "S")],
    "campaigns": [("campaign_id", "HASH", "S")],
    "c2c_campaigns": [("company_id", "HASH", "S"), ("campaign_id", "RANGE", "S")],
    "c2c_comment_types": [("company_id", "HASH", "S"), ("type_id", "RANGE", "S")],
    "c2c_companies": [("company_id", "HASH", "S")],
    "c2c_invoices": [("company_id", "HASH", "S"), ("period", "RANGE", "S")],
    "c2c_operators": [("company_id", "HASH", "S"), ("operator_id", "RANGE", "S")],
    "c2c_requests": [("request_id", "HASH", "S")],
    "dialer_agent_events": [("agent_key", "HASH", "S"), ("version", "RANGE", "N")],
    "dialer_agent_logins": [("account_id", "HASH", "S"), ("agent_id", "RANGE", "S")],
    "dialer_agents": [("account_id", "HASH", "S"), ("agent_id", "RANGE", "S")],
    "dialer_campaigns": [("campaign_id", "HASH", "S")],
    "dialer_dispositions": [("call_key", "HASH", "S"), ("agent_id", "RANGE", "S")],
    "dialer_groups": [("account_id", "HASH", "S"), ("group_id", "RANGE", "S")],
    "dialer_live": [("account_id", "HASH", "S"), ("call_id", "RANGE", "S")],
    "do_not_call": [("account_id", "HASH", "S"), ("number", "RANGE", "S")],
    "guard_counters": [("key", "HASH", "S")],
    "tariff_rates": [("tariff_version", "HASH", "S"), ("prefix", "RANGE", "S")],
    "tariffs": [("tariff_id", "HASH", "S")],
}
EXPECTED_INDEXES = {
    "numbers": {"by_account": [("account_id", "HASH"), ("number", "RANGE")]},
    "flows": {"heads_by_account": [("account_id", "HASH"), ("name", "RANGE")]},
    "calls": {"by_account": [("account_id", "HASH"), ("started_at", "RANGE")]},
    "speech_agents": {"heads_by_account": [("account_id", "HASH"), ("name", "RANGE")]},
    "call_records": {"by_call": [("call_id", "HASH")]},
    "callback_vouchers": {"by_lot": [("lot_id", "HASH"), ("code", "RANGE")]},
    "campaign_contacts": {"due": [("due_part", "HASH"), ("due_key", "RANGE")]},
    "campaigns": {"by_account": [("account_id", "HASH"), ("created_key", "RANGE")]},
    "c2c_campaigns": {
        "by_key": [("public_key", "HASH")],
    },
    "c2c_requests": {"by_company": [("company_id", "HASH"), ("created_key", "RANGE")]},
    "dialer_agents": {
        "by_group": [("group_key", "HASH"), ("agent_id", "RANGE")],
        "available": [("available_key", "HASH"), ("state_since", "RANGE")],
    },
    "dialer_campaigns": {
        "by_account": [("account_id", "HASH"), ("campaign_id", "RANGE")],
        "by_group": [("group_key", "HASH"), ("updated_at", "RANGE")],
    },
    "dialer_dispositions": {"by_agent": [("agent_key", "HASH"), ("saved_at", "RANGE")]},
}
EXPECTED_TTL = {
    "callback_lockouts": "expires",
    "callback_portal_logins": "expires",
    "calls": "expires_at",
    "flows": "expires_at",
    "speech_agents": "expires_at",
    "campaign_pacing": "expires",
    "campaign_uploads": "expires",
    "dialer_agent_events": "expires",
    "dialer_dispositions": "expires",
    "dialer_live": "expires",
    "guard_counters": "expires",
    "markers": "expires_at",
    "sent_sms": "expires_at",
    "tariff_rates": "expires_at",
}


def _keys(definition: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    types = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}
    return [
        (k["AttributeName"], k["KeyType"], types[k["AttributeName"]])
        for k in definition["KeySchema"]
    ]


def _indexes(definition: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    return {
        index["IndexName"]: [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]]
        for index in definition.get("GlobalSecondaryIndexes", [])
    }


def _resource(resources: dict[str, Any], name: str) -> dict[str, Any]:
    logical = "".join(part.capitalize() for part in name.split("_")) + "Table"
    return dict(resources[logical]["Properties"])


def test_cloudformation_has_every_table_with_keys_indexes_and_ttl() -> None:
    # GIVEN the models / WHEN described for the dev stage
    resources = cloudformation_resources("dev")
    # THEN one table per model, each named for the stage
    assert len(resources) == len(table_models()) == len(EXPECTED_KEYS)
    for name, keys in EXPECTED_KEYS.items():
        properties = _resource(resources, name)
        assert properties["TableName"] == f"ringflow-dev-{name}"
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"] == {
            "PointInTimeRecoveryEnabled": True
        }
        assert _keys(properties) == keys
        assert _indexes(properties) == EXPECTED_INDEXES.get(name, {})
        ttl = properties.get("TimeToLiveSpecification")
        expected_ttl = EXPECTED_TTL.get(name)
        assert ttl == (
            None if expected_ttl is None else {"AttributeName": expected_ttl, "Enabled": True}
        )
        assert "DeletionProtectionEnabled" not in properties


def test_prod_tables_are_protected_and_retained() -> None:
    # GIVEN the prod stage / WHEN described / THEN every table is protected and retained
    for resource in cloudformation_resources("prod").values():
        assert resource["Properties"]["DeletionProtectionEnabled"] is True
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
        assert resource["Properties"]["TableName"].startswith("ringflow-prod-")


def test_cloudformation_resources_pass_cfn_lint() -> None:
    # GIVEN a template made of the prod resources / WHEN linted / THEN no findings
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": cloudformation_resources("prod"),
    }
    assert [str(match) for match in lint(json.dumps(template), regions=["eu-west-1"])] == []


def test_created_tables_match_cloudformation(store: Settings) -> None:
    # GIVEN tables created by create_tables (the store fixture) and the CloudFormation resources
    client = boto3.client("dynamodb", region_name=store.region)
    resources = cloudformation_resources("test")
    for model in table_models():
        properties = resources[logical_id(model)]["Properties"]
        # WHEN the created table is described
        table = client.describe_table(TableName=store.table(model.LOGICAL_NAME))["Table"]
        ttl = client.describe_time_to_live(TableName=store.table(model.LOGICAL_NAME))
        # THEN keys, attribute types, indexes, projections, billing and TTL agree
        assert _keys(table) == _keys(properties)
        assert _indexes(table) == _indexes(properties)
        projections = {
            i["IndexName"]: i["Projection"] for i in table.get("GlobalSecondaryIndexes", [])
        }
        assert projections == {
            i["IndexName"]: i["Projection"] for i in properties.get("GlobalSecondaryIndexes", [])
        }
        assert table["BillingModeSummary"]["BillingMode"] == properties["BillingMode"]
        description = ttl["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in properties:
            assert description["TimeToLiveStatus"] == "ENABLED"
            assert (
                description["AttributeName"]
                == properties["TimeToLiveSpecification"]["AttributeName"]
            )
        else:
            assert description["TimeToLiveStatus"] == "DISABLED"


def test_create_tables_is_idempotent_and_delete_tables_removes_all(store: Settings) -> None:
    # GIVEN the tables exist / WHEN created again / THEN nothing new is created
    assert create_tables(store) == []
    # WHEN deleted / THEN all are gone, and a second delete finds nothing
    deleted = delete_tables(store)
    assert sorted(deleted) == sorted(store.table(m.LOGICAL_NAME) for m in table_models())
    assert delete_tables(store) == []
    # AND they can be created again from scratch
    assert len(create_tables(store)) == len(table_models())


@pytest.mark.parametrize("model", table_models(), ids=lambda m: m.__name__)
def test_models_are_named_items(model: type) -> None:
    assert model.__name__.endswith("Item")
