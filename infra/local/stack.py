"""Provision the AWS resources the app uses on a local endpoint (moto): the tables (from the
same pynamodb models as the app and infra), the recordings and uploads buckets, the tasks queue
with its dead-letter queue and the schedule group of one-time schedules. Idempotent. Used by
``make run`` and the functional tests.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.settings import Settings
from chalicelib.store.tables import create_tables


def provision(settings: Settings) -> dict[str, str]:
    """Create every resource the app needs; return their names. One boto3 session for all of
    it (a session costs about 50 ms to make; the functional tests provision once a test)."""
    from chalicelib.ops.aws import boto3_session

    session: Any = boto3_session(settings.region)

    def _client(service: str) -> Any:
        return session.client(service, endpoint_url=settings.aws_endpoint_url)

    create_tables(settings)
    s3 = _client("s3")
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    for bucket in (settings.recordings_bucket, settings.uploads_bucket):
        if bucket not in existing:
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": settings.region}
            )
    sqs = _client("sqs")
    dlq_url = sqs.create_queue(QueueName=settings.task_queue + "-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sqs.create_queue(
        QueueName=settings.task_queue,
        Attributes={
            "VisibilityTimeout": "30",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "5"}),
        },
    )
    scheduler = _client("scheduler")
    groups = {group["Name"] for group in scheduler.list_schedule_groups().get("ScheduleGroups", [])}
    if settings.schedule_group not in groups:
        scheduler.create_schedule_group(Name=settings.schedule_group)
    from infra.local.mail import provision_mail

    provision_mail(settings, session)
    return {"bucket": settings.recordings_bucket, "queue": settings.task_queue}
