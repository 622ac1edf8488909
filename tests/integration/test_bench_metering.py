"""``bench.metering.AwsMeter`` on moto in-process: GIVEN clients created while the meter is
installed, WHEN they make DynamoDB, SQS and S3 requests of known sizes, THEN the meter counts the
requests and the units AWS would bill (per item sizes, conditions, indexes, transactions, 64 KB
chunks, S3 tiers), and nothing for requests outside a span or for clients made before."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bench.metering import AwsMeter

TABLE = "metered"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def meter(aws: None) -> Iterator[AwsMeter]:
    with AwsMeter() as installed:
        yield installed


def client(service: str) -> Any:
    import boto3

    session: Any = boto3.session.Session(region_name="eu-west-1")
    return session.client(service)


@pytest.fixture
def dynamodb(meter: AwsMeter) -> Any:
    """A watched client and a table keyed on (pk, sk) with an index on "g" projecting all."""
    ddb = client("dynamodb")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "g")
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return ddb


def item(sk: str, size: int, **extra: str) -> dict[str, Any]:
    """An item of exactly ``size`` bytes (before ``extra``): pk "p", sk, and padding."""
    base = {"pk": {"S": "p"}, "sk": {"S": sk}}
    fixed = 2 + 1 + 2 + len(sk) + 3  # names, values and the padding's name "pad"
    return {
        **base,
        "pad": {"S": "x" * (size - fixed)},
        **{k: {"S": v} for k, v in extra.items()},
    }


def key(sk: str) -> dict[str, Any]:
    return {"pk": {"S": "p"}, "sk": {"S": sk}}


def test_writes_count_the_larger_of_old_and_new_and_the_index(
    meter: AwsMeter, dynamodb: Any
) -> None:
    # GIVEN a new 1,500-byte item, outside the index
    with meter.span() as created:
        dynamodb.put_item(TableName=TABLE, Item=item("a", 1500))
    # WHEN a small put fails its condition, THEN it still costs the stored item's 2 units
    with (
        meter.span() as refused,
        pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException),
    ):
        dynamodb.put_item(
            TableName=TABLE, Item=item("a", 100), ConditionExpression="attribute_not_exists(pk)"
        )
    # WHEN a small item with an index key replaces it: 2 units (the old size) + 1 index put
    with meter.span() as replaced:
        dynamodb.put_item(TableName=TABLE, Item=item("a", 100, g="one"))
    # WHEN an update moves the index key: 1 unit + 2 index writes (delete and put)
    with meter.span() as moved:
        dynamodb.update_item(
            TableName=TABLE,
            Key=key("a"),
            UpdateExpression="SET g = :g",
            ExpressionAttributeValues={":g": {"S": "two"}},
        )
    # WHEN it is deleted: 1 unit + 1 index delete
    with meter.span() as deleted:
        dynamodb.delete_item(TableName=TABLE, Key=key("a"))
    # THEN
    assert (created.write_units, refused.write_units) == (2, 2)
    assert (replaced.write_units, moved.write_units, deleted.write_units) == (3, 3, 2)
    assert created.requests == {"dynamodb:PutItem": 1}
    assert moved.requests == {"dynamodb:UpdateItem": 1}
    assert all(u.read_units == 0 for u in (created, refused, replaced, moved, deleted))


def test_a_fresh_meter_reads_what_a_write_replaces(aws: None) -> None:
    # GIVEN a 3,000-byte item written before the meter was installed
    with AwsMeter() as first:
        ddb = client("dynamodb")
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.put_item(TableName=TABLE, Item=item("a", 3000))
    assert first.unattributed.write_units == 3
    # WHEN a new meter watches a put of 100 bytes over it
    with AwsMeter() as second:
        watched = client("dynamodb")
        with second.span() as usage:
            watched.put_item(TableName=TABLE, Item=item("a", 100))
    # THEN the replaced item's 3 KB count; the meter's own read is not a request
    assert usage.write_units == 3
    assert usage.requests == {"dynamodb:PutItem": 1}


def test_reads_round_per_4_kb_and_halve_when_eventually_consistent(
    meter: AwsMeter, dynamodb: Any
) -> None:
    # GIVEN a 5,000-byte item
    with meter.span():
        dynamodb.put_item(TableName=TABLE, Item=item("big", 5000))
    # WHEN it is read both ways, and a missing item is read
    with meter.span() as eventual:
        dynamodb.get_item(TableName=TABLE, Key=key("big"))
    with meter.span() as strong:
        dynamodb.get_item(TableName=TABLE, Key=key("big"), ConsistentRead=True)
    with meter.span() as missing:
        dynamodb.get_item(TableName=TABLE, Key=key("none"), ConsistentRead=True)
    with meter.span() as projected:
        dynamodb.get_item(TableName=TABLE, Key=key("big"), ProjectionExpression="pk")
    # THEN 8 KB -> 2 units, half of that eventually consistent; nothing found still costs 1;
    # a projection does not make the item smaller
    assert (eventual.read_units, strong.read_units, missing.read_units) == (1.0, 2.0, 1.0)
    assert projected.read_units == 1.0
    assert strong.requests == {"dynamodb:GetItem": 1}


def test_a_query_counts_every_item_it_evaluated_as_one_read(meter: AwsMeter, dynamodb: Any) -> None:
    # GIVEN three 1,500-byte items in one partition (4.5 KB)
    for sk in ("1", "2", "3"):
        dynamodb.put_item(TableName=TABLE, Item=item(sk, 1500))
    query = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "p"}},
        "ConsistentRead": True,
    }
    # WHEN they are queried, and queried with a filter that keeps none of them
    with meter.span() as everything:
        dynamodb.query(**query)
    with meter.span() as filtered:
        dynamodb.query(
            **{
                **query,
                "FilterExpression": "#pad = :none",
                "ExpressionAttributeNames": {"#pad": "pad"},
                "ExpressionAttributeValues": {":p": {"S": "p"}, ":none": {"S": "-"}},
            }
        )
    # THEN both read 4.5 KB rounded up to 8 KB: 2 units
    assert (everything.read_units, filtered.read_units) == (2.0, 2.0)


def test_a_transaction_counts_double_and_a_batch_per_item(meter: AwsMeter, dynamodb: Any) -> None:
    with meter.span() as transaction:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("t1", 100)}},
                {"Put": {"TableName": TABLE, "Item": item("t2", 1500)}},
            ]
        )
    with meter.span() as batch:
        dynamodb.batch_get_item(
            RequestItems={TABLE: {"Keys": [key("t1"), key("t2")], "ConsistentRead": True}}
        )
    assert transaction.write_units == 2 * (1 + 2)
    assert batch.read_units == 2.0
    assert batch.requests == {"dynamodb:BatchGetItem": 1}


def test_sqs_requests_count_per_64_kb_chunk(meter: AwsMeter) -> None:
    sqs = client("sqs")
    queue = sqs.create_queue(QueueName="metered")["QueueUrl"]
    with meter.span() as usage:
        sqs.send_message(QueueUrl=queue, MessageBody="x" * 100_000)  # 2 chunks
        sqs.send_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": str(n), "MessageBody": "y" * 30_000} for n in range(3)],  # 2 chunks
        )
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1)  # 100 KB: 2 chunks
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=got["Messages"][0]["ReceiptHandle"])
    assert len(got["Messages"][0]["Body"]) == 100_000
    assert usage.sqs_requests == 2 + 2 + 2 + 1
    assert sum(usage.of("sqs").values()) == 4


def test_s3_requests_count_by_price_tier(meter: AwsMeter) -> None:
    s3 = client("s3")
    s3.create_bucket(
        Bucket="metered", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    with meter.span() as usage:
        s3.put_object(Bucket="metered", Key="k", Body=b"data")
        s3.get_object(Bucket="metered", Key="k")["Body"].read()
        s3.head_object(Bucket="metered", Key="k")
        s3.delete_object(Bucket="metered", Key="k")
    assert (usage.s3_put_requests, usage.s3_get_requests) == (1, 2)


def test_only_watched_clients_in_a_span_are_counted(aws: None) -> None:
    # GIVEN a client made before the meter and one made while it is installed
    before = client("sqs")
    queue = before.create_queue(QueueName="q")["QueueUrl"]
    with AwsMeter() as meter:
        watched = client("sqs")
        # WHEN both make requests inside a span, and the watched one outside
        with meter.span() as usage:
            before.get_queue_attributes(QueueUrl=queue)
            watched.get_queue_attributes(QueueUrl=queue)
        watched.get_queue_url(QueueName="q")
    # THEN only the watched client's are counted, the one outside as unattributed
    assert usage.requests == {"sqs:GetQueueAttributes": 1}
    assert meter.unattributed.requests == {"sqs:GetQueueUrl": 1}
    # AND after the meter is gone its hooks are too
    watched.get_queue_url(QueueName="q")
    assert meter.unattributed.requests == {"sqs:GetQueueUrl": 1}
