"""The local event pump against moto in server mode, with a tiny Chalice app of its own.

Time is injected through ``run_once(now)``; SQS redelivery uses queues whose visibility timeout
is 0, so nothing here sleeps for a schedule or a timeout.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from chalice import Chalice, Cron, Rate

from infra.local.expressions import (
    ExpressionError,
    parse_rule_expression,
    parse_scheduler_expression,
)
from infra.local.moto import moto_server, reset
from infra.local.pump import EventPump, batch_item_failures, pump_resource_name

pytestmark = pytest.mark.http

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
T0 = datetime(2031, 3, 14, 9, 0, 0, tzinfo=UTC)
ROLE = "arn:aws:iam::123456789012:role/scheduler"

app = Chalice(app_name="pumptest")
CALLS: dict[str, list[Any]] = defaultdict(list)
FAILURES: dict[str, int] = {}


def _should_fail(key: str) -> bool:
    left = FAILURES.get(key, 0)
    if left:
        FAILURES[key] = left - 1
    return bool(left)


@app.on_sqs_message(queue="pumptest-jobs", batch_size=5)
def handle_jobs(event: Any) -> dict[str, Any]:
    records = [record.to_dict() for record in event]
    CALLS["jobs"].append(records)
    if any(_should_fail(record["body"]) for record in records):
        raise RuntimeError("job handler failed")
    return {
        "batchItemFailures": [
            {"itemIdentifier": record["messageId"]}
            for record in records
            if record["body"].startswith("partial")
        ]
    }


@app.schedule(Rate(5, unit=Rate.MINUTES))
def every_five_minutes(event: Any) -> None:
    CALLS["rate"].append(event.to_dict())


@app.schedule(Cron(30, 9, "?", "*", "MON-FRI", "*"))
def weekday_mornings(event: Any) -> None:
    CALLS["cron"].append(event.to_dict())


@app.on_cw_event({"source": ["pumptest.orders"], "detail-type": ["OrderPlaced"]})
def order_placed(event: Any) -> None:
    CALLS["orders"].append(event.to_dict())
    if _should_fail("order"):
        raise RuntimeError("order handler failed")


@app.on_sns_message(topic="pumptest-alerts")
def alerted(event: Any) -> None:
    CALLS["alerts"].append(event.to_dict())


@app.on_s3_event(bucket="pumptest-inbox", prefix="mail/")
def mail_arrived(event: Any) -> None:
    CALLS["mail"].append((event.key, event.to_dict()))


@app.lambda_function(name="on_reminder")
def on_reminder(event: dict[str, Any], context: Any) -> None:
    CALLS["reminder"].append((event, context.function_name))


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as env, moto_server(in_process=True) as url:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        env.delenv("AWS_SESSION_TOKEN", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield url


@pytest.fixture
def aws(moto_url: str) -> Iterator[dict[str, Any]]:
    reset(moto_url)
    CALLS.clear()
    FAILURES.clear()
    session = boto3.session.Session(region_name=REGION)
    yield {
        name: session.client(name, endpoint_url=moto_url)
        for name in ("sqs", "events", "scheduler", "dynamodb", "sns", "s3")
    }


@pytest.fixture
def pump(moto_url: str, aws: dict[str, Any]) -> EventPump:
    return EventPump(app, endpoint_url=moto_url, region=REGION, async_retry_seconds=0)


def _queue(aws: dict[str, Any], name: str, visibility: int = 0) -> str:
    return str(
        aws["sqs"].create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility)})[
            "QueueUrl"
        ]
    )


def _bodies_left(aws: dict[str, Any], url: str) -> list[str]:
    response = aws["sqs"].receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return sorted(message["Body"] for message in response.get("Messages", []))


# ---------------------------------------------------------------- SQS


def test_sqs_messages_reach_the_handler_as_a_lambda_event_and_are_deleted(aws, pump):
    # GIVEN the app's queue with two messages, one with a message attribute
    url = _queue(aws, "pumptest-jobs")
    aws["sqs"].send_message(
        QueueUrl=url,
        MessageBody="one",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "call"}},
    )
    aws["sqs"].send_message(QueueUrl=url, MessageBody="two")

    # WHEN the pump runs one pass
    report = pump.run_once(T0)

    # THEN the handler got one batch shaped as Lambda sends it, and the queue is empty
    assert [call.ok for call in report.calls("handle_jobs")] == [True]
    (records,) = CALLS["jobs"]
    assert sorted(record["body"] for record in records) == ["one", "two"]
    first = next(record for record in records if record["body"] == "one")
    assert first["eventSource"] == "aws:sqs"
    assert first["eventSourceARN"] == f"arn:aws:sqs:{REGION}:123456789012:pumptest-jobs"
    assert first["awsRegion"] == REGION
    assert first["receiptHandle"] and first["messageId"]
    assert first["attributes"]["ApproximateReceiveCount"] == "1"
    assert first["messageAttributes"]["kind"]["stringValue"] == "call"
    assert first["messageAttributes"]["kind"]["dataType"] == "String"
    assert _bodies_left(aws, url) == []


def test_a_failing_handlers_messages_are_redelivered_on_a_later_pass(aws, pump, caplog):
    # GIVEN a message the handler fails on the first time
    url = _queue(aws, "pumptest-jobs")
    aws["sqs"].send_message(QueueUrl=url, MessageBody="flaky")
    FAILURES["flaky"] = 1

    # WHEN the pump runs twice
    with caplog.at_level(logging.ERROR, logger="infra.local.pump"):
        first = pump.run_once(T0)
    second = pump.run_once(T0 + timedelta(seconds=1))

    # THEN the failure is logged with handler and message id, and the retry succeeds
    (failed,) = first.calls("handle_jobs")
    assert failed.error is not None
    assert "handle_jobs" in caplog.text and failed.ids[0] in caplog.text
    assert [call.ok for call in second.calls("handle_jobs")] == [True]
    assert CALLS["jobs"][1][0]["messageId"] == failed.ids[0]
    assert CALLS["jobs"][1][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert _bodies_left(aws, url) == []


def test_partial_batch_failures_keep_only_the_reported_messages(aws, pump):
    # GIVEN three messages, one of which the handler reports as failed
    url = _queue(aws, "pumptest-jobs")
    for body in ("ok-1", "partial-2", "ok-3"):
        aws["sqs"].send_message(QueueUrl=url, MessageBody=body)

    # WHEN the pump runs one pass
    report = pump.run_once(T0)

    # THEN only the reported message stays in the queue
    (call,) = report.calls("handle_jobs")
    assert len(call.ids) == 3 and len(call.failed_ids) == 1
    assert _bodies_left(aws, url) == ["partial-2"]


def test_batch_item_failures_follow_lambdas_rules():
    # GIVEN a batch of two message ids
    ids = ("a", "b")
    # WHEN / THEN no answer or an empty list is full success
    assert batch_item_failures(None, ids) == ()
    assert batch_item_failures({"batchItemFailures": []}, ids) == ()
    # AND listed ids fail alone
    assert batch_item_failures({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids) == ("b",)
    # AND an id outside the batch, or a malformed entry, fails the whole batch
    assert batch_item_failures({"batchItemFailures": [{"itemIdentifier": "z"}]}, ids) == ids
    assert batch_item_failures({"batchItemFailures": [{}]}, ids) == ids


def test_a_queue_created_after_the_pump_started_is_picked_up(aws, pump):
    # GIVEN a pump that ran before the app's queue existed
    assert pump.run_once(T0).calls("handle_jobs") == []

    # WHEN the queue appears with a message
    url = _queue(aws, "pumptest-jobs")
    aws["sqs"].send_message(QueueUrl=url, MessageBody="late")
    report = pump.run_once(T0 + timedelta(seconds=1))

    # THEN the message is delivered
    assert [call.ok for call in report.calls("handle_jobs")] == [True]


# ---------------------------------------------------------------- @app.schedule


def test_a_rate_schedule_fires_once_per_period(aws, pump):
    # GIVEN a pump started at T0 with a rate(5 minutes) handler
    pump.run_once(T0)

    # WHEN time passes to just before, at, and just after the first period
    before = pump.run_once(T0 + timedelta(minutes=4, seconds=59))
    at = pump.run_once(T0 + timedelta(minutes=5))
    after = pump.run_once(T0 + timedelta(minutes=5, seconds=1))
    late = pump.run_once(T0 + timedelta(minutes=17))

    # THEN it fired at 5 minutes, and once (coalesced) for the missed 10 and 15
    assert before.calls("every_five_minutes") == []
    assert len(at.calls("every_five_minutes")) == 1
    assert after.calls("every_five_minutes") == []
    assert len(late.calls("every_five_minutes")) == 1
    event = CALLS["rate"][0]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2031-03-14T09:05:00Z"


def test_a_cron_schedule_fires_on_weekday_mornings_only(aws, pump):
    # GIVEN a pump started on Friday 2031-03-14 at 09:00 with cron(30 9 ? * MON-FRI *)
    pump.run_once(T0)

    # WHEN it runs at 09:30 Friday, at 09:30 Saturday, and at 09:30 Monday
    friday = pump.run_once(T0 + timedelta(minutes=30))
    saturday = pump.run_once(T0 + timedelta(days=1, minutes=30))
    monday = pump.run_once(T0 + timedelta(days=3, minutes=30))

    # THEN it fired on Friday and Monday
    assert len(friday.calls("weekday_mornings")) == 1
    assert saturday.calls("weekday_mornings") == []
    assert len(monday.calls("weekday_mornings")) == 1
    assert [event["time"] for event in CALLS["cron"]] == [
        "2031-03-14T09:30:00Z",
        "2031-03-17T09:30:00Z",
    ]


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("rate(1 minute)", T0, T0 + timedelta(minutes=1)),
        ("cron(0/15 * * * ? *)", T0 + timedelta(minutes=1), T0 + timedelta(minutes=15)),
        ("cron(0 12 L * ? *)", T0, datetime(2031, 3, 31, 12, tzinfo=UTC)),
        ("cron(0 8 ? * 6#2 *)", T0, datetime(2031, 4, 11, 8, tzinfo=UTC)),
        ("cron(0 8 ? * 2L *)", T0, datetime(2031, 3, 31, 8, tzinfo=UTC)),
        ("cron(0 8 15W * ? *)", T0, datetime(2031, 4, 15, 8, tzinfo=UTC)),
        ("cron(0 0 1 JAN ? 2032)", T0, datetime(2032, 1, 1, tzinfo=UTC)),
        ("cron(0 0 29 FEB ? 2031)", T0, None),
    ],
)
def test_rule_expressions_give_the_next_fire_time(expression, after, expected):
    # GIVEN an expression WHEN asked for the next fire time after a moment
    parsed = parse_rule_expression(expression)
    # THEN it is the documented AWS occurrence
    assert parsed.next_after(after, after) == expected


def test_scheduler_expressions_honour_the_time_zone():
    # GIVEN an at() and a cron() in Madrid time (UTC+1 in winter, UTC+2 in summer)
    at = parse_scheduler_expression("at(2031-01-10T10:00:00)", "Europe/Madrid")
    cron = parse_scheduler_expression("cron(0 10 * * ? *)", "Europe/Madrid")
    # WHEN / THEN they fire at the UTC instants of those wall-clock times
    assert at.next_after(T0 - timedelta(days=90), T0) == datetime(2031, 1, 10, 9, tzinfo=UTC)
    summer = datetime(2031, 7, 1, tzinfo=UTC)
    assert cron.next_after(summer, summer) == datetime(2031, 7, 1, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression",
    [
        "at(2031-13-45T99:00:00)",
        "at(tomorrow)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 days)",
        "cron(0 12 * * * *)",
        "cron(0 12 ? * ? *)",
        "cron(61 12 * * ? *)",
        "cron(0 12 * * ?)",
        "cron(0 12 ? * FRI-MON *)",
        "every day",
    ],
)
def test_invalid_expressions_are_rejected(expression):
    # GIVEN an expression AWS rejects WHEN parsed THEN it raises
    with pytest.raises(ExpressionError):
        parse_scheduler_expression(expression, "UTC")


# ---------------------------------------------------------------- @app.on_cw_event


def test_matching_eventbridge_events_reach_the_cw_event_handler(aws, pump):
    # GIVEN the pump's rule and queue for the pattern handler
    pump.setup()

    # WHEN a matching and a non-matching event are put on the default bus
    aws["events"].put_events(
        Entries=[
            {"Source": "pumptest.orders", "DetailType": "OrderPlaced", "Detail": '{"id": "o-1"}'},
            {"Source": "pumptest.orders", "DetailType": "OrderShipped", "Detail": '{"id": "o-2"}'},
        ]
    )
    report = pump.run_once(T0)

    # THEN only the matching one reaches the handler, as an EventBridge event
    assert [call.ok for call in report.calls("order_placed")] == [True]
    (event,) = CALLS["orders"]
    assert event["detail"] == {"id": "o-1"}
    assert event["source"] == "pumptest.orders"
    assert event["detail-type"] == "OrderPlaced"
    rule = pump_resource_name("pumptest", "local", "order_placed")
    assert aws["events"].describe_rule(Name=rule)["EventPattern"]


def test_a_failing_cw_event_handler_is_retried_twice_then_the_event_dropped(aws, pump):
    # GIVEN a pattern handler that always fails
    pump.setup()
    FAILURES["order"] = 99
    aws["events"].put_events(
        Entries=[{"Source": "pumptest.orders", "DetailType": "OrderPlaced", "Detail": "{}"}]
    )

    # WHEN the pump runs four passes
    reports = [pump.run_once(T0 + timedelta(seconds=n)) for n in range(4)]

    # THEN the handler saw the event three times (Lambda's async retries) and then never again
    assert [len(report.calls("order_placed")) for report in reports] == [1, 1, 1, 0]


# ---------------------------------------------------------------- SNS and S3


def test_sns_notifications_reach_the_handler_as_sns_events(aws, pump):
    # GIVEN the app's topic and the pump subscribed to it
    topic = aws["sns"].create_topic(Name="pumptest-alerts")["TopicArn"]
    pump.setup()

    # WHEN a notification is published
    aws["sns"].publish(TopicArn=topic, Message="disk full", Subject="alert")
    report = pump.run_once(T0)

    # THEN the handler gets it as an SNS record
    assert [call.ok for call in report.calls("alerted")] == [True]
    (record,) = CALLS["alerts"][0]["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["Message"] == "disk full"
    assert record["Sns"]["TopicArn"] == topic


def test_s3_object_created_events_keep_aws_url_encoded_keys(aws, pump):
    # GIVEN the app's bucket and the pump's notification on it
    aws["s3"].create_bucket(
        Bucket="pumptest-inbox", CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    pump.setup()

    # WHEN objects are written inside and outside the prefix
    aws["s3"].put_object(Bucket="pumptest-inbox", Key="mail/in box/a+b.eml", Body=b"x")
    aws["s3"].put_object(Bucket="pumptest-inbox", Key="other/c.eml", Body=b"x")
    report = pump.run_once(T0)

    # THEN the handler sees the one in the prefix; the raw key is URL-encoded as on AWS
    assert [call.ok for call in report.calls("mail_arrived")] == [True]
    ((key, event),) = CALLS["mail"]
    assert key == "mail/in box/a+b.eml"
    raw = event["Records"][0]["s3"]["object"]["key"]
    assert "in+box" in raw and "a%2Bb.eml" in raw
    assert unquote_plus(raw) == key


# ---------------------------------------------------------------- EventBridge Scheduler


def _at(aws: dict[str, Any], name: str, when: datetime, target: dict[str, Any], **extra: Any):
    aws["scheduler"].create_schedule(
        Name=name,
        ScheduleExpression=f"at({when:%Y-%m-%dT%H:%M:%S})",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=target,
        **extra,
    )


def test_a_due_at_schedule_is_delivered_once_to_its_queue_and_deleted(aws, pump):
    # GIVEN a schedule group, a target queue and an at() schedule due at T0 + 1 h
    url = _queue(aws, "pumptest-tasks")
    arn = f"arn:aws:sqs:{REGION}:123456789012:pumptest-tasks"
    aws["scheduler"].create_schedule_group(Name="pumptest-local")
    _at(
        aws,
        "call-back-1",
        T0 + timedelta(hours=1),
        {"Arn": arn, "RoleArn": ROLE, "Input": '{"task": "callback", "id": 1}'},
        GroupName="pumptest-local",
        ActionAfterCompletion="DELETE",
    )

    # WHEN the pump runs before, at and after the due time
    before = pump.run_once(T0 + timedelta(minutes=59))
    due = pump.run_once(T0 + timedelta(hours=1))
    later = pump.run_once(T0 + timedelta(hours=2))

    # THEN it was delivered once, with Target.Input as the body, and then deleted
    assert before.delivered_schedules == []
    assert len(due.delivered_schedules) == 1 and due.deleted_schedules == due.delivered_schedules
    assert later.delivered_schedules == []
    assert _bodies_left(aws, url) == ['{"task": "callback", "id": 1}']
    names = [s["Name"] for s in aws["scheduler"].list_schedules()["Schedules"]]
    assert "call-back-1" not in names


def test_an_at_schedule_without_delete_is_delivered_once_and_kept(aws, pump):
    # GIVEN an at() schedule in the default group that is kept after completion
    url = _queue(aws, "pumptest-tasks")
    arn = f"arn:aws:sqs:{REGION}:123456789012:pumptest-tasks"
    _at(aws, "keep-me", T0, {"Arn": arn, "RoleArn": ROLE, "Input": "hello"})

    # WHEN the pump runs three times after it is due
    reports = [pump.run_once(T0 + timedelta(minutes=n)) for n in range(3)]

    # THEN it was delivered exactly once and the schedule still exists
    assert [len(report.delivered_schedules) for report in reports] == [1, 0, 0]
    assert _bodies_left(aws, url) == ["hello"]
    assert aws["scheduler"].get_schedule(Name="keep-me")["Name"] == "keep-me"


def test_an_invalid_at_expression_is_logged_and_skipped(aws, pump, caplog):
    # GIVEN an at() that moto accepted although AWS would not
    _queue(aws, "pumptest-tasks")
    arn = f"arn:aws:sqs:{REGION}:123456789012:pumptest-tasks"
    aws["scheduler"].create_schedule(
        Name="garbage",
        ScheduleExpression="at(2031-02-30T25:00:00)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": arn, "RoleArn": ROLE, "Input": "never"},
    )

    # WHEN the pump runs twice
    with caplog.at_level(logging.ERROR, logger="infra.local.pump"):
        first = pump.run_once(T0)
        second = pump.run_once(T0 + timedelta(days=3650))

    # THEN it is reported once, never delivered, and the pump carries on
    assert len(first.invalid_schedules) == 1 and second.invalid_schedules == []
    assert first.delivered_schedules == second.delivered_schedules == []
    assert "garbage" in caplog.text
    assert first.errors == second.errors == []


def test_an_at_schedule_with_a_lambda_target_calls_the_matching_handler(aws, pump):
    # GIVEN an at() schedule targeting the Lambda function chalice deploy would name
    function = f"arn:aws:lambda:{REGION}:123456789012:function:pumptest-local-on_reminder"
    _at(
        aws,
        "remind",
        T0,
        {"Arn": function, "RoleArn": ROLE, "Input": '{"call": "c-1"}'},
        ActionAfterCompletion="DELETE",
    )

    # WHEN the pump runs when it is due
    report = pump.run_once(T0)

    # THEN the handler got Target.Input as its event, and the schedule is gone
    assert CALLS["reminder"] == [({"call": "c-1"}, "pumptest-local-on_reminder")]
    assert len(report.deleted_schedules) == 1


def test_lambda_function_names_map_to_handlers(pump):
    # GIVEN the naming of chalice deploy, of a CloudFormation stack, and the bare name
    names = [
        "on_reminder",
        "pumptest-local-on_reminder",
        "ringflow-dev-OnReminder-AbC123xyz",
        "unknown-function",
    ]
    # WHEN resolved THEN the first three are the handler, the last is none
    resolved = [pump.handler_for_function(name) for name in names]
    assert [handler.name if handler else None for handler in resolved] == [
        "on_reminder",
        "on_reminder",
        "on_reminder",
        None,
    ]


# ---------------------------------------------------------------- DynamoDB TTL


def test_the_ttl_sweep_deletes_expired_items_and_keeps_live_ones(aws, pump):
    # GIVEN a table with TTL on expires_at and items expired, live, and without TTL
    dynamodb = aws["dynamodb"]
    dynamodb.create_table(
        TableName="pumptest-calls",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName="pumptest-calls",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    now = int(T0.timestamp())
    items = {
        "expired": {"expires_at": {"N": str(now - 1)}},
        "live": {"expires_at": {"N": str(now + 60)}},
        "forever": {},
        "not-a-number": {"expires_at": {"S": "0"}},
    }
    for key, extra in items.items():
        dynamodb.put_item(TableName="pumptest-calls", Item={"pk": {"S": key}, **extra})

    # WHEN the pump sweeps at T0
    report = pump.run_once(T0)

    # THEN only the expired item is gone
    assert report.expired_items == 1
    left = dynamodb.scan(TableName="pumptest-calls")["Items"]
    assert sorted(item["pk"]["S"] for item in left) == ["forever", "live", "not-a-number"]


def test_the_ttl_sweep_runs_at_its_interval(aws, pump):
    # GIVEN a swept table WHEN an item expires between sweeps
    dynamodb = aws["dynamodb"]
    dynamodb.create_table(
        TableName="pumptest-short",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName="pumptest-short",
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
    )
    pump.run_once(T0)
    expiry = str(int(T0.timestamp()) + 5)
    dynamodb.put_item(TableName="pumptest-short", Item={"pk": {"S": "a"}, "ttl": {"N": expiry}})

    # THEN it goes at the next sweep (30 s later), not before
    assert pump.run_once(T0 + timedelta(seconds=10)).expired_items == 0
    assert pump.run_once(T0 + timedelta(seconds=30)).expired_items == 1


# ---------------------------------------------------------------- moto and the command line


def test_moto_runs_as_a_process_and_resets():
    # GIVEN moto as a subprocess on loopback with a queue in it
    with moto_server() as url:
        sqs = boto3.client("sqs", region_name=REGION, endpoint_url=url)
        sqs.create_queue(QueueName="survivor")
        # WHEN it is reset
        reset(url)
        # THEN the queue is gone
        assert sqs.list_queues().get("QueueUrls", []) == []


def test_the_pump_command_delivers_and_stops_cleanly_on_sigterm(aws, moto_url, tmp_path):
    # GIVEN a project with a Chalice app whose SQS handler writes a file, and a queued message
    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text(
        json.dumps(
            {
                "version": "2.0",
                "app_name": "cli",
                "stages": {"local": {"environment_variables": {"CLI_QUEUE": "cli-jobs"}}},
            }
        )
    )
    done = tmp_path / "done.txt"
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            f"""
            import os
            from chalice import Chalice
            app = Chalice(app_name="cli")

            @app.on_sqs_message(queue=os.environ["CLI_QUEUE"])
            def handle(event):
                with open({str(done)!r}, "a") as out:
                    for record in event:
                        out.write(record.body)
            """
        )
    )
    url = _queue(aws, "cli-jobs", visibility=30)
    aws["sqs"].send_message(QueueUrl=url, MessageBody="from-cli")

    # WHEN the pump command runs until the file appears, then gets SIGTERM
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "infra.local.pump", "--project-dir", str(tmp_path)),
            *("--endpoint-url", moto_url, "--interval", "0.1"),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while not done.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()

    # THEN the message was handled (stage variables applied) and the pump exited with 0
    assert done.read_text() == "from-cli", output.decode()
    assert process.returncode == 0, output.decode()
    assert b"event pump stopped" in output
