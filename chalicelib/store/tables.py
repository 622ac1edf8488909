"""The one source of table definitions: which tables there are (``table_models()``), their
creation for the local stack and tests, deletion, and the CloudFormation resources of infra, all
derived from the pynamodb models.

The tables are the core ones (``store.core``, in their fixed order) and then every other model
registered with ``store.registry`` (products' tables, by logical name). Key schemas, attribute
definitions, secondary indexes and TTL attributes are read from the ``*Item`` classes, so the
app, the local stack and the deployed tables cannot disagree. Must not import an aggregate
module at import time (they import ``binding``, which imports this); boto3 is imported lazily
(it is present in Lambda, and only table management needs it). Part of ``store``, the only
package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.settings import Settings
from chalicelib.store.registry import StoreItem, registered

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = [
    "cloudformation_resources",
    "create_tables",
    "delete_tables",
    "logical_id",
    "table_definition",
    "table_models",
    "ttl_attribute",
]

BILLING_MODE = "PAY_PER_REQUEST"
_KEY_ORDER = {"HASH": 0, "RANGE": 1}


def table_models() -> tuple[type[StoreItem], ...]:
    """Every table of the platform, one model each: the core tables in their fixed order, then
    every other registered model (products' tables) by logical name. Imports the core
    aggregate modules and the installed products' modules (which define their tables) on first
    use."""
    from chalicelib.products import installed
    from chalicelib.store.core import CORE_MODELS  # lazily: core -> aggregates -> binding -> here

    installed()

    products = sorted(
        (model for model in registered() if model not in CORE_MODELS),
        key=lambda model: model.LOGICAL_NAME,
    )
    return (*CORE_MODELS, *products)


def _key_schema(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """A key schema in DynamoDB's required order: HASH, then RANGE."""
    keys = [{"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]} for e in entries]
    return sorted(keys, key=lambda key: _KEY_ORDER[key["KeyType"]])


def table_definition(model: type[StoreItem], table_name: str) -> dict[str, Any]:
    """The ``CreateTable`` arguments of ``model`` (also the core of its CloudFormation resource)."""
    schema = model._get_schema()
    definition: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": BILLING_MODE,
        "AttributeDefinitions": [
            {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
            for a in schema["attribute_definitions"]
        ],
        "KeySchema": _key_schema(schema["key_schema"]),
    }
    indexes = [
        {
            "IndexName": index["index_name"],
            "KeySchema": _key_schema(index["key_schema"]),
            "Projection": dict(index["projection"]),
        }
        for index in schema["global_secondary_indexes"]
    ]
    if indexes:
        definition["GlobalSecondaryIndexes"] = indexes
    return definition


def ttl_attribute(model: type[StoreItem]) -> str | None:
    """The name of the TTL attribute of ``model``, if it has one."""
    attribute = model._ttl_attribute()  # type: ignore[no-untyped-call]
    return None if attribute is None else str(attribute.attr_name)


def logical_id(model: type[StoreItem]) -> str:
    """The CloudFormation logical id of a table: ``call_records`` -> ``CallRecordsTable``."""
    return "".join(part.capitalize() for part in model.LOGICAL_NAME.split("_")) + "Table"


def _client(settings: Settings) -> DynamoDBClient:
    import boto3  # lazily: only table management needs boto3

    return boto3.client(
        "dynamodb", region_name=settings.region, endpoint_url=settings.aws_endpoint_url
    )


def _existing_tables(client: DynamoDBClient) -> set[str]:
    names: set[str] = set()
    for page in client.get_paginator("list_tables").paginate():
        names.update(page.get("TableNames", []))
    return names


def create_tables(settings: Settings, wait: bool = True) -> list[str]:
    """Create every missing table of ``settings`` and enable TTL where a model has one.

    Idempotent: existing tables are left as they are (their TTL is enabled if it was not).
    With ``wait`` it returns once the new tables are ACTIVE; without, TTL can be enabled only
    on tables that are already ACTIVE, so call it again later. Returns the names it created.
    """
    client = _client(settings)
    existing = _existing_tables(client)
    models = table_models()
    created: list[str] = []
    creating: list[str] = []
    for model in models:
        name = settings.table(model.LOGICAL_NAME)
        if name in existing:
            continue
        try:
            made = client.create_table(**table_definition(model, name))
        except client.exceptions.ResourceInUseException:
            continue  # created meanwhile by another process
        created.append(name)
        if made.get("TableDescription", {}).get("TableStatus") != "ACTIVE":
            creating.append(name)  # DynamoDB answers CREATING; a local endpoint, ACTIVE at once
    if wait:
        waiter = client.get_waiter("table_exists")
        for name in creating:
            waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    for model in models:
        attribute = ttl_attribute(model)
        if attribute is not None:
            _enable_ttl(client, settings.table(model.LOGICAL_NAME), attribute)
    return created


def _enable_ttl(client: DynamoDBClient, table_name: str, attribute: str) -> None:
    described = client.describe_time_to_live(TableName=table_name)
    status = described.get("TimeToLiveDescription", {}).get("TimeToLiveStatus", "DISABLED")
    if status in {"ENABLED", "ENABLING"}:
        return
    try:
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )
    except client.exceptions.ResourceInUseException:
        return  # the table is still being created: enabled by the next create_tables


def delete_tables(settings: Settings, wait: bool = True) -> list[str]:
    """Delete every table of ``settings`` that exists; returns the names it deleted."""
    client = _client(settings)
    existing = _existing_tables(client)
    deleted: list[str] = []
    for model in table_models():
        name = settings.table(model.LOGICAL_NAME)
        if name not in existing:
            continue
        try:
            client.delete_table(TableName=name)
        except client.exceptions.ResourceNotFoundException:
            continue
        deleted.append(name)
    if wait:
        waiter = client.get_waiter("table_not_exists")
        for name in deleted:
            waiter.wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    return deleted


def cloudformation_resources(stage: str) -> dict[str, Any]:
    """The ``AWS::DynamoDB::Table`` resources of ``stage``, keyed by logical id.

    Tables are named ``ringflow-<stage>-<name>`` (the default ``table_prefix`` of a stage), pay
    per request, keep point-in-time recovery and, where the model has one, a TTL attribute. On
    ``prod`` they also get deletion protection and are retained if removed from the stack.
    """
    production = stage == "prod"
    resources: dict[str, Any] = {}
    for model in table_models():
        properties = table_definition(model, f"ringflow-{stage}-{model.LOGICAL_NAME}")
        properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
        attribute = ttl_attribute(model)
        if attribute is not None:
            properties["TimeToLiveSpecification"] = {"AttributeName": attribute, "Enabled": True}
        resource: dict[str, Any] = {"Type": "AWS::DynamoDB::Table", "Properties": properties}
        if production:
            properties["DeletionProtectionEnabled"] = True
            resource["DeletionPolicy"] = "Retain"
            resource["UpdateReplacePolicy"] = "Retain"
        resources[logical_id(model)] = resource
    return resources
