"""The payloads Lambda hands to event handlers, spelled once for the local event pump and for
running the built package (:mod:`infra.lambda_host`).

Owns the shapes of the SQS batch event, the EventBridge scheduled event, the SNS event and the
API Gateway (REST API) proxy event as the Lambda service builds them, and a Lambda context
object with the attributes handlers and powertools read. EventBridge pattern events and S3
notifications reach handlers exactly as the pump receives them from moto (their body already is
the Lambda event), so they are not rebuilt here; in particular S3 object keys stay URL-encoded,
as AWS sends them.

Imports the standard library only.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def iso_utc(moment: datetime) -> str:
    """``2026-01-02T03:04:05Z``: the time format of EventBridge events."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sqs_message_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for name, value in attributes.items():
        entry: dict[str, Any] = {
            "stringListValues": list(value.get("StringListValues", [])),
            "binaryListValues": [
                base64.b64encode(item).decode() for item in value.get("BinaryListValues", [])
            ],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        converted[name] = entry
    return converted


def sqs_record(message: Mapping[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One ``Records[]`` entry, from a ``ReceiveMessage`` message (all attributes asked for)."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": _sqs_message_attributes(message.get("MessageAttributes", {})),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The SQS batch event of one invocation."""
    return {"Records": [sqs_record(message, queue_arn, region) for message in messages]}


def scheduled_event(
    rule_arn: str, region: str, account: str, moment: datetime, event_id: str | None = None
) -> dict[str, Any]:
    """The event an EventBridge ``rate()``/``cron()`` rule sends to its Lambda target."""
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": iso_utc(moment),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def sns_event(envelope: Mapping[str, Any], subscription_arn: str) -> dict[str, Any]:
    """The SNS event of one notification, from the JSON envelope SNS delivers to SQS."""
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": envelope.get("SignatureVersion", "1"),
                    "Timestamp": envelope.get("Timestamp", ""),
                    "Signature": envelope.get("Signature", ""),
                    "SigningCertUrl": envelope.get("SigningCertURL", ""),
                    "MessageId": envelope.get("MessageId", ""),
                    "Message": envelope.get("Message", ""),
                    "MessageAttributes": dict(envelope.get("MessageAttributes", {})),
                    "Type": envelope.get("Type", "Notification"),
                    "UnsubscribeUrl": envelope.get("UnsubscribeURL", ""),
                    "TopicArn": envelope.get("TopicArn", ""),
                    "Subject": envelope.get("Subject"),
                },
            }
        ]
    }


def api_gateway_event(
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    resource: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage: str = "api",
) -> dict[str, Any]:
    """The REST API proxy event of one request (payload format 1.0), as API Gateway hands it to
    the function. ``resource`` is the route template (``/v1/flows/{flow_id}/listener``); it is
    ``path`` for routes without parameters. A body that is not UTF-8 travels base64-encoded."""
    try:
        text: str | None = body.decode() if body else None
        encoded = False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode(), True
    header_map = {
        "Host": "local.execute-api.eu-west-1.amazonaws.com",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    query_map = dict(query or {})
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": header_map,
        "multiValueHeaders": {k: [v] for k, v in header_map.items()},
        "queryStringParameters": query_map or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query_map.items()} or None,
        "pathParameters": dict(path_parameters) if path_parameters else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource or path,
            "httpMethod": method,
            "path": f"/{stage}{path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "apiId": "local",
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "ringflow-local"},
            "requestTimeEpoch": int(time.time() * 1000),
        },
        "body": text,
        "isBase64Encoded": encoded,
    }


@dataclass
class LambdaContext:
    """What Lambda passes as ``context``: the attributes handlers and powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 1024
    timeout_seconds: float = 60.0
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if not self.log_group_name:
            self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the configured timeout (never negative)."""
        left = self.timeout_seconds - (time.monotonic() - self._started)
        return max(0, int(left * 1000))
