"""The local event pump: stands in for Lambda's event sources on moto, for any Chalice app.

moto stores queues, rules and schedules but runs no Lambda handler, fires no schedule and
expires no TTL item. The pump reads ``app.event_sources`` and does what the Lambda service,
EventBridge, EventBridge Scheduler and DynamoDB would do, calling the same handler objects Lambda
calls (``app.handler_map[name]``, i.e. the module-level names in ``handler_string``, with their
middleware):

- ``@app.on_sqs_message``: receives up to ``batch_size`` messages, calls the handler with an
  SQS batch event, deletes the batch on success and leaves it for redelivery (the queue's
  visibility timeout) when the handler raises; a ``{"batchItemFailures": [...]}`` answer keeps
  exactly the listed messages (an unknown ``itemIdentifier`` fails the whole batch, as on AWS).
- ``@app.schedule``: fires ``rate()``/``cron()`` handlers when due (anchored where the pump first
  saw them; missed fires are coalesced into one) with a scheduled-event payload.
- ``@app.on_cw_event``: creates a rule with that pattern on the default bus targeting a queue the
  pump owns (:func:`pump_resource_name`) and calls the handler with each event moto delivers.
- ``@app.on_sns_message``: subscribes a pump-owned queue to the topic; SNS events.
- ``@app.on_s3_event``: adds a queue notification to the bucket; S3 events as S3 sends them
  (object keys stay URL-encoded, as on AWS: consumers ``unquote_plus``; Chalice's
  ``S3Event.key`` already does). ``chalice package`` refuses this decorator, so deployed S3
  object-created events reach the app as an S3 -> SQS notification (``on_sqs_message``) or
  S3 -> EventBridge (``on_cw_event``), and both of those are pumped above: moto delivers them.
- EventBridge Scheduler: polls every group, validates each expression (moto accepts garbage: a
  bad one is logged once and skipped), delivers each due occurrence exactly once per pump
  process to its SQS target (``Target.Input`` as the body), SNS target, or Lambda target (the
  Chalice handler whose name matches, see :meth:`EventPump.handler_for_function`), and deletes
  the schedule when it completes with ``ActionAfterCompletion=DELETE``.
- DynamoDB TTL: every ``ttl_interval`` sweeps each table with TTL enabled and deletes items whose
  TTL attribute (a number, epoch seconds) is in the past, conditionally on it being unchanged.

Handlers invoked asynchronously on AWS (pattern, SNS and S3 events) get up to
``max_async_attempts`` deliveries, like Lambda's two retries, then the event is dropped with an
error log. Every handler failure is logged with the handler name and message ids and never stops
the pump; a resource that does not exist yet (or vanished after ``POST /moto-api/reset``) is
reported once and retried on the next pass.

Run it with ``python -m infra.local.pump --app-module app --endpoint-url http://127.0.0.1:5000``
or, in tests, build :class:`EventPump` and call :meth:`EventPump.run_once` with an injected time.
Imports boto3, chalice and ``infra.local`` only; never imported by ``chalicelib``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from chalice.app import (
    BaseEventSourceConfig,
    Chalice,
    CloudWatchEventConfig,
    S3EventConfig,
    ScheduledEventConfig,
    SNSEventConfig,
    SQSEventConfig,
)
from chalice.utils import to_cfn_resource_name

from infra.local.expressions import (
    At,
    Expression,
    ExpressionError,
    parse_rule_expression,
    parse_scheduler_expression,
)
from infra.local.lambda_events import LambdaContext, scheduled_event, sns_event, sqs_event

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger("infra.local.pump")

DEFAULT_ACCOUNT = "123456789012"
MISSING_QUEUE_CODES = {"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"}
TTL_MAX_AGE = timedelta(days=5 * 365)
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class NotReadyError(Exception):
    """A resource a source needs does not exist (yet); the pump retries on the next pass."""


@dataclass(frozen=True)
class Invocation:
    """One handler call made by the pump."""

    handler: str
    source: str
    ids: tuple[str, ...]
    error: str | None = None
    failed_ids: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """The handler returned and reported no failed item."""
        return self.error is None and not self.failed_ids


@dataclass
class PassReport:
    """What one :meth:`EventPump.run_once` did."""

    invocations: list[Invocation] = field(default_factory=list)
    delivered_schedules: list[str] = field(default_factory=list)
    deleted_schedules: list[str] = field(default_factory=list)
    invalid_schedules: list[str] = field(default_factory=list)
    expired_items: int = 0
    errors: list[str] = field(default_factory=list)

    def calls(self, handler: str) -> list[Invocation]:
        """The invocations of ``handler`` in this pass."""
        return [call for call in self.invocations if call.handler == handler]


def pump_resource_name(app_name: str, stage: str, handler: str, limit: int = 64) -> str:
    """The name of a queue or rule the pump owns for ``handler``: ``<app>-<stage>-pump-<name>``.

    Only ``[A-Za-z0-9_-]``; longer than ``limit`` (rules: 64) is cut and suffixed with a hash.
    """
    name = _NAME_UNSAFE.sub("-", f"{app_name}-{stage}-pump-{handler}")
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9]}-{digest}"


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_missing_queue(error: ClientError) -> bool:
    return _error_code(error) in MISSING_QUEUE_CODES


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Handler:
    """A Chalice handler as Lambda invokes it: ``handler(event, context)``."""

    def __init__(self, pump: EventPump, name: str, func: Callable[..., Any]) -> None:
        self.name = name
        self.function_name = f"{pump.app.app_name}-{pump.stage}-{name}"
        self._pump = pump
        self._func = func

    def invoke(self, event: dict[str, Any]) -> Any:
        context = LambdaContext(
            function_name=self.function_name,
            invoked_function_arn=(
                f"arn:aws:lambda:{self._pump.region}:{self._pump.account}"
                f":function:{self.function_name}"
            ),
            memory_limit_in_mb=self._pump.memory_mb,
            timeout_seconds=self._pump.timeout_seconds,
        )
        return self._func(event, context)


class _Source:
    """One event source the pump stands in for."""

    kind = "source"

    def __init__(self, pump: EventPump, name: str) -> None:
        self.pump = pump
        self.name = name

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"

    def prepare(self) -> None:
        """Resolve or create what the source needs; raise :class:`NotReadyError` to retry."""

    def run(self, now: datetime, report: PassReport) -> None:
        raise NotImplementedError


class _QueueSource(_Source):
    """Common plumbing of every source that drains one SQS queue."""

    def __init__(self, pump: EventPump, handler: _Handler) -> None:
        super().__init__(pump, handler.name)
        self.handler = handler
        self.queue_url = ""
        self.queue_arn = ""

    def resolve(self, queue_name: str) -> None:
        try:
            self.queue_url = self.pump.sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        except ClientError as error:
            if _is_missing_queue(error):
                raise NotReadyError(f"queue {queue_name} does not exist") from error
            raise
        attributes = self.pump.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]
        self.queue_arn = attributes["QueueArn"]

    def receive(self, limit: int) -> list[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        seen: set[str] = set()
        while len(received) < limit:
            wanted = min(10, limit - len(received))
            response = self.pump.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=wanted,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            messages: list[dict[str, Any]] = [
                dict(message)
                for message in response.get("Messages", [])
                if message["MessageId"] not in seen
            ]
            if not messages:
                break
            seen.update(message["MessageId"] for message in messages)
            received.extend(messages)
            if len(response.get("Messages", [])) < wanted:
                break
        return received

    def delete(self, messages: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            response = self.pump.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(chunk)
                ],
            )
            for failure in response.get("Failed", []):
                log.error(
                    "could not delete message %s from %s: %s",
                    chunk[int(failure["Id"])]["MessageId"],
                    self.queue_url,
                    failure.get("Message", failure.get("Code")),
                )


class SqsSource(_QueueSource):
    """``@app.on_sqs_message``: batches from the app's queue, with partial batch failures."""

    kind = "sqs"

    def __init__(self, pump: EventPump, handler: _Handler, config: SQSEventConfig) -> None:
        super().__init__(pump, handler)
        self.queue_name = config.queue or (config.queue_arn or "").rsplit(":", 1)[-1]
        self.batch_size = max(1, config.batch_size)

    def prepare(self) -> None:
        self.resolve(self.queue_name)

    def run(self, now: datetime, report: PassReport) -> None:
        messages = self.receive(self.batch_size)
        if not messages:
            return
        ids = tuple(message["MessageId"] for message in messages)
        try:
            result = self.handler.invoke(sqs_event(messages, self.queue_arn, self.pump.region))
        except Exception as error:
            log.exception(
                "handler %s failed on SQS messages %s; left for redelivery",
                self.name,
                ", ".join(ids),
            )
            report.invocations.append(Invocation(self.name, self.kind, ids, repr(error)))
            return
        failed = batch_item_failures(result, ids)
        if failed:
            log.warning(
                "handler %s reported failed SQS messages %s; left for redelivery",
                self.name,
                ", ".join(failed),
            )
        self.delete([message for message in messages if message["MessageId"] not in failed])
        report.invocations.append(Invocation(self.name, self.kind, ids, failed_ids=failed))


def batch_item_failures(result: Any, ids: Sequence[str]) -> tuple[str, ...]:
    """The message ids a handler's answer marks as failed (Lambda's ReportBatchItemFailures).

    No ``batchItemFailures`` key (or ``None``, or an empty list) means every message succeeded;
    an entry that names no message of the batch fails the whole batch, as Lambda does.
    """
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return ()
    entries = result["batchItemFailures"]
    failed: list[str] = []
    for entry in entries if isinstance(entries, list) else [None]:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if identifier not in ids:
            log.error("invalid batchItemFailures entry %r: the whole batch fails", entry)
            return tuple(ids)
        failed.append(str(identifier))
    return tuple(dict.fromkeys(failed))


class _AsyncQueueSource(_QueueSource):
    """A source Lambda invokes asynchronously, fed through a queue the pump owns."""

    def __init__(self, pump: EventPump, handler: _Handler) -> None:
        super().__init__(pump, handler)
        self.queue_name = pump_resource_name(pump.app.app_name, pump.stage, handler.name, 80)

    def prepare(self) -> None:
        try:
            self.resolve(self.queue_name)
        except NotReadyError:
            self.pump.sqs.create_queue(
                QueueName=self.queue_name,
                Attributes={"VisibilityTimeout": str(self.pump.async_retry_seconds)},
            )
            self.resolve(self.queue_name)
        self.connect()

    def connect(self) -> None:
        """Point the event's origin at ``self.queue_arn``."""
        raise NotImplementedError

    def event_for(self, message: dict[str, Any]) -> dict[str, Any] | None:
        """The Lambda event carried by ``message``, or ``None`` for a message to discard."""
        raise NotImplementedError

    def run(self, now: datetime, report: PassReport) -> None:
        for message in self.receive(10):
            self._dispatch(message, report)

    def _dispatch(self, message: dict[str, Any], report: PassReport) -> None:
        message_id = message["MessageId"]
        try:
            event = self.event_for(message)
        except ValueError:
            log.exception("undecodable %s message %s dropped", self.kind, message_id)
            self.delete([message])
            return
        if event is None:
            self.delete([message])
            return
        try:
            self.handler.invoke(event)
        except Exception as error:
            attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            final = attempts >= self.pump.max_async_attempts
            log.exception(
                "handler %s failed on %s message %s (attempt %d of %d)%s",
                self.name,
                self.kind,
                message_id,
                attempts,
                self.pump.max_async_attempts,
                "; dropped" if final else "; retried later",
            )
            if final:
                self.delete([message])
            report.invocations.append(Invocation(self.name, self.kind, (message_id,), repr(error)))
            return
        self.delete([message])
        report.invocations.append(Invocation(self.name, self.kind, (message_id,)))


class CloudWatchEventSource(_AsyncQueueSource):
    """``@app.on_cw_event``: an EventBridge rule -> pump queue -> handler."""

    kind = "cw_event"

    def __init__(self, pump: EventPump, handler: _Handler, config: CloudWatchEventConfig) -> None:
        super().__init__(pump, handler)
        self.pattern = config.event_pattern
        self.rule_name = pump_resource_name(pump.app.app_name, pump.stage, handler.name, 64)

    def connect(self) -> None:
        self.pump.events.put_rule(
            Name=self.rule_name, EventPattern=json.dumps(self.pattern), State="ENABLED"
        )
        self.pump.events.put_targets(
            Rule=self.rule_name, Targets=[{"Id": "ringflow-local-pump", "Arn": self.queue_arn}]
        )

    def event_for(self, message: dict[str, Any]) -> dict[str, Any] | None:
        event = json.loads(message["Body"])
        if not isinstance(event, dict):
            return None
        # moto 5.2's default target template drops "account"; EventBridge always sends it.
        event.setdefault("account", self.pump.account)
        event.setdefault("version", "0")
        event.setdefault("region", self.pump.region)
        event.setdefault("resources", [])
        return event


class SnsSource(_AsyncQueueSource):
    """``@app.on_sns_message``: topic -> pump queue -> handler, with SNS event records."""

    kind = "sns"

    def __init__(self, pump: EventPump, handler: _Handler, config: SNSEventConfig) -> None:
        super().__init__(pump, handler)
        self.topic = config.topic
        self.subscription_arn = ""

    def _topic_arn(self) -> str:
        if self.topic.startswith("arn:"):
            return self.topic
        for page in self.pump.sns.get_paginator("list_topics").paginate():
            for topic in page.get("Topics", []):
                if topic["TopicArn"].rsplit(":", 1)[-1] == self.topic:
                    return str(topic["TopicArn"])
        raise NotReadyError(f"topic {self.topic} does not exist")

    def connect(self) -> None:
        response = self.pump.sns.subscribe(
            TopicArn=self._topic_arn(),
            Protocol="sqs",
            Endpoint=self.queue_arn,
            ReturnSubscriptionArn=True,
        )
        self.subscription_arn = response["SubscriptionArn"]

    def event_for(self, message: dict[str, Any]) -> dict[str, Any] | None:
        envelope = json.loads(message["Body"])
        return sns_event(envelope, self.subscription_arn) if isinstance(envelope, dict) else None


class S3Source(_AsyncQueueSource):
    """``@app.on_s3_event``: bucket notification -> pump queue -> handler (local only)."""

    kind = "s3"

    def __init__(self, pump: EventPump, handler: _Handler, config: S3EventConfig) -> None:
        super().__init__(pump, handler)
        self.bucket = config.bucket
        self.s3_events = list(config.events)
        self.rules = [
            {"Name": rule, "Value": value}
            for rule, value in (("prefix", config.prefix), ("suffix", config.suffix))
            if value
        ]

    def connect(self) -> None:
        s3 = self.pump.s3
        try:
            s3.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            raise NotReadyError(f"bucket {self.bucket} does not exist") from error
        current: dict[str, Any] = dict(s3.get_bucket_notification_configuration(Bucket=self.bucket))
        current.pop("ResponseMetadata", None)
        queues = [dict(entry) for entry in current.get("QueueConfigurations", [])]
        config_id = self.queue_name
        if any(entry.get("Id") == config_id for entry in queues):
            return
        entry: dict[str, Any] = {"Id": config_id, "QueueArn": self.queue_arn}
        entry["Events"] = self.s3_events
        if self.rules:
            entry["Filter"] = {"Key": {"FilterRules": self.rules}}
        current["QueueConfigurations"] = [*queues, entry]
        s3.put_bucket_notification_configuration(
            Bucket=self.bucket,
            NotificationConfiguration=current,  # type: ignore[arg-type]
        )

    def event_for(self, message: dict[str, Any]) -> dict[str, Any] | None:
        event = json.loads(message["Body"])
        if not isinstance(event, dict) or event.get("Event") == "s3:TestEvent":
            return None
        return event if event.get("Records") else None


class RuleScheduleSource(_Source):
    """``@app.schedule``: a ``rate()``/``cron()`` rule firing its handler."""

    kind = "schedule"

    def __init__(self, pump: EventPump, handler: _Handler, config: ScheduledEventConfig) -> None:
        super().__init__(pump, handler.name)
        self.handler = handler
        expression = config.schedule_expression
        self.expression_text = expression if isinstance(expression, str) else expression.to_string()
        self.expression: Expression | None = None
        self.anchor: datetime | None = None
        self.next_due: datetime | None = None
        self.rule_arn = ""

    def prepare(self) -> None:
        try:
            self.expression = parse_rule_expression(self.expression_text)
        except ExpressionError as error:
            raise NotReadyError(f"invalid schedule {self.expression_text!r}: {error}") from error
        self.rule_arn = (
            f"arn:aws:events:{self.pump.region}:{self.pump.account}:rule/"
            f"{self.pump.app.app_name}-{self.pump.stage}-{self.name}"
        )

    def run(self, now: datetime, report: PassReport) -> None:
        assert self.expression is not None
        if self.anchor is None:
            self.anchor = now
            self.next_due = self.expression.next_after(now, now)
        if self.next_due is None or now < self.next_due:
            return
        due, self.next_due = self.next_due, self.expression.next_after(now, self.anchor)
        event = scheduled_event(self.rule_arn, self.pump.region, self.pump.account, due)
        try:
            self.handler.invoke(event)
        except Exception as error:
            log.exception("handler %s failed on scheduled event %s", self.name, event["id"])
            report.invocations.append(Invocation(self.name, self.kind, (event["id"],), repr(error)))
            return
        report.invocations.append(Invocation(self.name, self.kind, (event["id"],)))


@dataclass
class _Tracked:
    """The pump's memory of one version of one Scheduler schedule."""

    expression: Expression | None
    anchor: datetime
    end: datetime | None
    next_due: datetime | None
    done: bool = False
    retry_at: datetime | None = None


class SchedulerSource(_Source):
    """EventBridge Scheduler: ``at()``/``rate()``/``cron()`` schedules in every group."""

    kind = "scheduler"

    def __init__(self, pump: EventPump) -> None:
        super().__init__(pump, "scheduler")
        self._details: dict[tuple[str, str], dict[str, Any]] = {}
        self._tracked: dict[tuple[str, str], _Tracked] = {}

    def _summaries(self) -> Iterator[dict[str, Any]]:
        for page in self.pump.scheduler.get_paginator("list_schedules").paginate():
            for summary in page.get("Schedules", []):
                yield dict(summary)

    def run(self, now: datetime, report: PassReport) -> None:
        live: set[tuple[str, str]] = set()
        for summary in self._summaries():
            key = (summary["Arn"], str(summary.get("LastModificationDate", "")))
            live.add(key)
            if summary.get("State", "ENABLED") != "ENABLED":
                continue
            tracked = self._tracked.get(key) or self._track(key, summary, report)
            if tracked is None or tracked.done:
                continue
            self._step(key, tracked, now, report)
        for stale in set(self._tracked) - live:
            del self._tracked[stale]
            self._details.pop(stale, None)

    def _track(
        self, key: tuple[str, str], summary: dict[str, Any], report: PassReport
    ) -> _Tracked | None:
        try:
            detail: dict[str, Any] = dict(
                self.pump.scheduler.get_schedule(
                    Name=summary["Name"], GroupName=summary["GroupName"]
                )
            )
        except ClientError as error:
            if _error_code(error) == "ResourceNotFoundException":
                return None
            raise
        self._details[key] = detail
        created = _aware(detail.get("CreationDate") or datetime.now(UTC))
        anchor = _aware(detail["StartDate"]) if detail.get("StartDate") else created
        end = _aware(detail["EndDate"]) if detail.get("EndDate") else None
        try:
            expression = parse_scheduler_expression(
                detail["ScheduleExpression"], detail.get("ScheduleExpressionTimezone")
            )
        except ExpressionError as error:
            log.error("schedule %s skipped: %s", detail["Arn"], error)
            report.invalid_schedules.append(detail["Arn"])
            tracked = _Tracked(None, anchor, end, None, done=True)
        else:
            first = (
                expression.when
                if isinstance(expression, At)
                else expression.next_after(anchor - timedelta(microseconds=1), anchor)
            )
            tracked = _Tracked(expression, anchor, end, first)
        self._tracked[key] = tracked
        return tracked

    def _step(
        self, key: tuple[str, str], tracked: _Tracked, now: datetime, report: PassReport
    ) -> None:
        detail = self._details[key]
        arn = detail["Arn"]
        if (
            tracked.end is not None
            and tracked.next_due is not None
            and tracked.next_due > tracked.end
        ):
            tracked.next_due = None
        if tracked.next_due is None:
            self._complete(detail, tracked, report)
            return
        if now < tracked.next_due or (tracked.retry_at is not None and now < tracked.retry_at):
            return
        try:
            self._deliver(detail, tracked.next_due, report)
        except NotReadyError as error:
            log.warning("schedule %s not delivered yet: %s", arn, error)
            tracked.retry_at = now + timedelta(seconds=self.pump.schedule_retry_seconds)
            return
        except (ClientError, BotoCoreError) as error:
            log.warning("schedule %s not delivered yet: %s", arn, error)
            tracked.retry_at = now + timedelta(seconds=self.pump.schedule_retry_seconds)
            return
        except ValueError as error:
            log.error("schedule %s cannot be delivered and is skipped: %s", arn, error)
            report.invalid_schedules.append(arn)
            tracked.done = True
            return
        report.delivered_schedules.append(arn)
        tracked.retry_at = None
        assert tracked.expression is not None
        if isinstance(tracked.expression, At):
            tracked.next_due = None
        else:
            tracked.next_due = tracked.expression.next_after(now, tracked.anchor)
            if tracked.end is not None and tracked.next_due and tracked.next_due > tracked.end:
                tracked.next_due = None
        if tracked.next_due is None:
            self._complete(detail, tracked, report)

    def _complete(self, detail: dict[str, Any], tracked: _Tracked, report: PassReport) -> None:
        tracked.done = True
        if detail.get("ActionAfterCompletion") != "DELETE":
            return
        try:
            self.pump.scheduler.delete_schedule(Name=detail["Name"], GroupName=detail["GroupName"])
        except ClientError as error:
            if _error_code(error) != "ResourceNotFoundException":
                raise
        report.deleted_schedules.append(detail["Arn"])

    def _deliver(self, detail: dict[str, Any], due: datetime, report: PassReport) -> None:
        target = detail["Target"]
        target_arn: str = target["Arn"]
        payload: str | None = target.get("Input")
        parts = target_arn.split(":")
        service = parts[2] if len(parts) > 5 else ""
        if service == "sqs":
            self._send_to_queue(parts[5], payload, target, detail["Arn"], due)
        elif service == "sns":
            self.pump.sns.publish(TopicArn=target_arn, Message=payload or "{}")
        elif service == "lambda":
            self._invoke_lambda(parts[6], payload, detail["Arn"], report)
        else:
            raise ValueError(f"unsupported target {target_arn}")

    def _send_to_queue(
        self, queue: str, payload: str | None, target: dict[str, Any], arn: str, due: datetime
    ) -> None:
        try:
            url = self.pump.sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        except ClientError as error:
            if _is_missing_queue(error):
                raise NotReadyError(f"target queue {queue} does not exist") from error
            raise
        if queue.endswith(".fifo"):
            group = target.get("SqsParameters", {}).get("MessageGroupId") or "default"
            digest = hashlib.sha256(f"{arn}@{due.isoformat()}".encode()).hexdigest()
            self.pump.sqs.send_message(
                QueueUrl=url,
                MessageBody=payload or "{}",
                MessageGroupId=group,
                MessageDeduplicationId=digest[:64],
            )
        else:
            self.pump.sqs.send_message(QueueUrl=url, MessageBody=payload or "{}")

    def _invoke_lambda(
        self, function_name: str, payload: str | None, arn: str, report: PassReport
    ) -> None:
        handler = self.pump.handler_for_function(function_name)
        if handler is None:
            raise NotReadyError(f"no handler of this app is Lambda function {function_name}")
        try:
            event = json.loads(payload) if payload else {}
        except json.JSONDecodeError as error:
            raise ValueError(f"Lambda target input is not JSON: {error}") from error
        try:
            handler.invoke(event)
        except Exception as error:
            log.exception("handler %s failed on schedule %s", handler.name, arn)
            report.invocations.append(Invocation(handler.name, self.kind, (arn,), repr(error)))
            return
        report.invocations.append(Invocation(handler.name, self.kind, (arn,)))


def _expired(value: Any, epoch: int, floor: int) -> bool:
    """DynamoDB's rule: a Number TTL in epoch seconds, past, and not older than five years.

    Filtered here rather than in a Scan FilterExpression: moto answers 500 when one compares a
    Number with an item whose TTL attribute is of another type; DynamoDB just skips that item.
    """
    try:
        seconds = float(value["N"])
    except (KeyError, TypeError, ValueError):
        return False
    return floor < seconds < epoch


class TtlSweeper(_Source):
    """DynamoDB TTL: deletes expired items of every table that has TTL enabled."""

    kind = "ttl"

    def __init__(self, pump: EventPump, interval: timedelta) -> None:
        super().__init__(pump, "ttl")
        self.interval = interval
        self.next_sweep: datetime | None = None

    def run(self, now: datetime, report: PassReport) -> None:
        if self.next_sweep is not None and now < self.next_sweep:
            return
        self.next_sweep = now + self.interval
        report.expired_items += self.sweep(now)

    def sweep(self, now: datetime) -> int:
        """Delete every expired item now; return how many went."""
        dynamodb = self.pump.dynamodb
        deleted = 0
        for page in dynamodb.get_paginator("list_tables").paginate():
            for table in page.get("TableNames", []):
                ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
                if ttl.get("TimeToLiveStatus") != "ENABLED" or not ttl.get("AttributeName"):
                    continue
                deleted += self._sweep_table(table, ttl["AttributeName"], now)
        return deleted

    def _sweep_table(self, table: str, attribute: str, now: datetime) -> int:
        dynamodb = self.pump.dynamodb
        keys = [
            key["AttributeName"]
            for key in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
        ]
        names = {f"#k{index}": key for index, key in enumerate(keys)} | {"#ttl": attribute}
        epoch = int(now.timestamp())
        floor = int((now - TTL_MAX_AGE).timestamp())
        deleted = 0
        pages = dynamodb.get_paginator("scan").paginate(
            TableName=table,
            ProjectionExpression=", ".join(names),
            ExpressionAttributeNames=names,
        )
        for page in pages:
            for item in page.get("Items", []):
                if not _expired(item.get(attribute, {}), epoch, floor):
                    continue
                try:
                    dynamodb.delete_item(
                        TableName=table,
                        Key={key: item[key] for key in keys},
                        ConditionExpression="#ttl = :old",
                        ExpressionAttributeNames={"#ttl": attribute},
                        ExpressionAttributeValues={":old": item[attribute]},
                    )
                except ClientError as error:
                    if _error_code(error) != "ConditionalCheckFailedException":
                        raise
                    continue
                deleted += 1
        if deleted:
            log.info("TTL sweep deleted %d expired items from %s", deleted, table)
        return deleted


class EventPump:
    """Stands in for Lambda's event sources of ``app`` against moto (or any AWS endpoint)."""

    def __init__(
        self,
        app: Chalice,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        stage: str = "local",
        session: boto3.session.Session | None = None,
        scheduler: bool = True,
        ttl_sweep: bool = True,
        ttl_interval: timedelta = timedelta(seconds=30),
        max_async_attempts: int = 3,
        async_retry_seconds: int = 30,
        schedule_retry_seconds: float = 5.0,
        memory_mb: int = 1024,
        timeout_seconds: float = 60.0,
    ) -> None:
        self.app = app
        self.stage = stage
        self.max_async_attempts = max_async_attempts
        self.async_retry_seconds = async_retry_seconds
        self.schedule_retry_seconds = schedule_retry_seconds
        self.memory_mb = memory_mb
        self.timeout_seconds = timeout_seconds
        self._session = session or boto3.session.Session(region_name=region)
        self.region = region or self._session.region_name or "us-east-1"
        self._endpoint_url = endpoint_url
        self.sqs: SQSClient = self._client("sqs")
        self.scheduler: EventBridgeSchedulerClient = self._client("scheduler")
        self.dynamodb: DynamoDBClient = self._client("dynamodb")
        self.s3: S3Client = self._client("s3")
        self.events: Any = self._client("events")
        self.sns: Any = self._client("sns")
        self._account: str | None = None
        self._handlers: dict[str, _Handler] = {}
        self.sources: list[_Source] = []
        for config in app.event_sources:
            source = self._source_for(config)
            if source is not None:
                self.sources.append(source)
        if scheduler:
            self.sources.append(SchedulerSource(self))
        if ttl_sweep:
            self.sources.append(TtlSweeper(self, ttl_interval))
        self._ready: set[str] = set()
        self._reported: dict[str, str] = {}

    def _client(self, service: str) -> Any:
        return self._session.client(
            service,
            region_name=self.region,
            endpoint_url=self._endpoint_url,  # type: ignore[call-overload]
        )

    @property
    def account(self) -> str:
        """The account id of the endpoint (moto's default when it cannot be asked)."""
        if self._account is None:
            try:
                sts = self._client("sts")
                self._account = str(sts.get_caller_identity()["Account"])
            except (ClientError, BotoCoreError):
                self._account = DEFAULT_ACCOUNT
        return self._account

    def handler(self, name: str, handler_string: str = "") -> _Handler:
        """The handler Lambda would call for the function ``name`` of the app."""
        if name not in self._handlers:
            func = self.app.handler_map.get(name)
            if func is None and handler_string:
                module_name, _, attribute = handler_string.rpartition(".")
                func = getattr(importlib.import_module(module_name), attribute)
            if func is None:
                raise KeyError(f"app {self.app.app_name} has no handler {name}")
            self._handlers[name] = _Handler(self, name, func)
        return self._handlers[name]

    def handler_for_function(self, function_name: str) -> _Handler | None:
        """The handler deployed as Lambda function ``function_name`` (qualifier stripped).

        Matches, for a handler named ``name``: ``name`` itself; ``<app>-<stage>-<name>`` (what
        ``chalice deploy`` names functions, with the pump's stage); and
        ``<stack>-<LogicalId>-<suffix>`` (what CloudFormation names the functions of a
        ``chalice package`` template, ``LogicalId`` being Chalice's CamelCase of ``name``).
        """
        names = [config.name for config in self.app.event_sources]
        names += [function.name for function in self.app.pure_lambda_functions]
        for name in names:
            logical = to_cfn_resource_name(name)
            if function_name in (name, f"{self.app.app_name}-{self.stage}-{name}") or re.search(
                rf"-{re.escape(logical)}-[A-Za-z0-9]+$", function_name
            ):
                return self.handler(name)
        return None

    def _handler_of(self, config: BaseEventSourceConfig) -> _Handler:
        return self.handler(config.name, config.handler_string)

    def _source_for(self, config: BaseEventSourceConfig) -> _Source | None:
        if isinstance(config, SQSEventConfig):
            return SqsSource(self, self.handler(config.name, config.handler_string), config)
        if isinstance(config, ScheduledEventConfig):
            return RuleScheduleSource(
                self, self.handler(config.name, config.handler_string), config
            )
        if isinstance(config, CloudWatchEventConfig):
            return CloudWatchEventSource(
                self, self.handler(config.name, config.handler_string), config
            )
        if isinstance(config, SNSEventConfig):
            return SnsSource(self, self.handler(config.name, config.handler_string), config)
        if isinstance(config, S3EventConfig):
            return S3Source(self, self.handler(config.name, config.handler_string), config)
        log.warning(
            "no local stand-in for %s handler %s: it will not be called",
            type(config).__name__,
            config.name,
        )
        return None

    def setup(self) -> None:
        """Prepare every source now (rules, pump queues, subscriptions); retried on each pass."""
        for source in self.sources:
            self._prepare(source)

    def _prepare(self, source: _Source) -> bool:
        if source.label in self._ready:
            return True
        try:
            source.prepare()
        except NotReadyError as error:
            self._report_once(source.label, f"{source.label} waiting: {error}")
            return False
        except (ClientError, BotoCoreError) as error:
            self._report_once(source.label, f"{source.label} cannot be prepared: {error}")
            return False
        self._ready.add(source.label)
        if self._reported.pop(source.label, None) is not None:
            log.info("%s ready", source.label)
        return True

    def _report_once(self, label: str, message: str) -> None:
        if self._reported.get(label) != message:
            self._reported[label] = message
            log.warning("%s", message)

    def run_once(self, now: datetime | None = None) -> PassReport:
        """One pass over every source at ``now`` (default: the wall clock, UTC)."""
        moment = _aware(now) if now is not None else datetime.now(UTC)
        report = PassReport()
        for source in self.sources:
            if not self._prepare(source):
                continue
            try:
                source.run(moment, report)
            except ClientError as error:
                if _is_missing_queue(error):
                    self._ready.discard(source.label)
                    self._report_once(source.label, f"{source.label}: queue vanished, re-preparing")
                    continue
                log.exception("%s failed", source.label)
                report.errors.append(f"{source.label}: {error}")
            except Exception as error:
                log.exception("%s failed", source.label)
                report.errors.append(f"{source.label}: {error!r}")
        return report

    def run(self, stop: threading.Event, interval: float = 0.25) -> None:
        """Pass after pass every ``interval`` seconds until ``stop`` is set."""
        log.info("event pump running %d sources every %.2f s", len(self.sources), interval)
        while not stop.is_set():
            started = time.monotonic()
            self.run_once()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
        log.info("event pump stopped")


def _stage_config(project_dir: Path, stage: str) -> tuple[dict[str, Any], dict[str, Any]]:
    config: dict[str, Any] = json.loads((project_dir / ".chalice" / "config.json").read_text())
    return config, config.get("stages", {}).get(stage, {})


def stage_environment(project_dir: Path, stage: str) -> dict[str, str]:
    """The environment variables ``.chalice/config.json`` gives ``stage`` (as chalice local)."""
    config, section = _stage_config(project_dir, stage)
    variables = dict(config.get("environment_variables", {}))
    variables.update(section.get("environment_variables", {}))
    return {str(key): str(value) for key, value in variables.items()}


def stage_limits(project_dir: Path, stage: str) -> tuple[int, float]:
    """``lambda_memory_size`` and ``lambda_timeout`` of ``stage`` (Chalice's defaults)."""
    config, section = _stage_config(project_dir, stage)
    memory = section.get("lambda_memory_size", config.get("lambda_memory_size", 128))
    timeout = section.get("lambda_timeout", config.get("lambda_timeout", 60))
    return int(memory), float(timeout)


def load_app(project_dir: Path, module: str, attribute: str = "app") -> Chalice:
    """Import ``module`` from ``project_dir`` and return its Chalice app object."""
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    app = getattr(importlib.import_module(module), attribute)
    if not isinstance(app, Chalice):
        raise TypeError(f"{module}.{attribute} is not a Chalice app")
    return app


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.local.pump --app-module app --endpoint-url http://127.0.0.1:5000``."""
    parser = argparse.ArgumentParser(description="Local stand-in for Lambda's event sources.")
    parser.add_argument("--app-module", default="app")
    parser.add_argument("--app-attribute", default="app")
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--stage", default="local")
    parser.add_argument("--endpoint-url", default=os.environ.get("RINGFLOW_AWS_ENDPOINT_URL"))
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--ttl-interval", type=float, default=30.0)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not args.endpoint_url:
        parser.error("--endpoint-url (or RINGFLOW_AWS_ENDPOINT_URL) is required: moto's URL")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    project_dir = args.project_dir.resolve()
    os.environ.update(stage_environment(project_dir, args.stage))
    os.environ["RINGFLOW_AWS_ENDPOINT_URL"] = args.endpoint_url
    app = load_app(project_dir, args.app_module, args.app_attribute)
    memory_mb, timeout_seconds = stage_limits(project_dir, args.stage)
    pump = EventPump(
        app,
        endpoint_url=args.endpoint_url,
        region=os.environ["AWS_DEFAULT_REGION"],
        stage=args.stage,
        ttl_interval=timedelta(seconds=args.ttl_interval),
        memory_mb=memory_mb,
        timeout_seconds=timeout_seconds,
    )
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    pump.run(stop, args.interval)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
