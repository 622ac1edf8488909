"""The composition root: builds the platform's services from settings, lazily, once per process.

Everything that talks to the outside (DynamoDB, SQS, S3, the carrier, HTTP for the webhook
widget) is built here and nowhere else; tests replace parts with ``override`` or build their own
``Container``. Products are composed by their own small modules (``chalicelib.products``): the
container installs each (its registrations), builds its services on first use
(``services(name)``) and takes the runners of its effects and its SMS consumers, so a product
never adds to this class. Heavy clients (boto3, the vonage SDK) are imported on first use, not
at import; ``Container.warm`` builds what the first voice webhook needs ahead of it (on Lambda,
during the init phase), without network I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cached_property, partial
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable

from chalicelib.accounts.admin import Administration
from chalicelib.calls.outbound import OutboundCalls
from chalicelib.calls.recordings import Recordings, StoredObject
from chalicelib.calls.service import Resolver, VoiceService
from chalicelib.calls.tasks import (
    EffectQueue,
    Runner,
    Runners,
    TaskWorker,
    live_call_runners,
    recording_runner,
    sms_runner,
    timer_runner,
    user_variables_runner,
)
from chalicelib.flows.catalogue import FlowCatalogue
from chalicelib.flows.outcomes import FetchRecording, SaveUserVariables, ScheduleTimer, SendSms
from chalicelib.flows.widgets.base import EngineEnv
from chalicelib.mail.outbox import SendMail, mail_runner
from chalicelib.messaging.inbox import Consumer, SmsInbox
from chalicelib.messaging.receipts import SmsDelivery
from chalicelib.ops.schedules import TaskTimer
from chalicelib.products import Product, installed
from chalicelib.settings import Settings, current
from chalicelib.telephony.actions import Action

if TYPE_CHECKING:
    from chalicelib.mail.intake import MailConsumer, MailIntake
    from chalicelib.store.repositories import (
        AccountRepository,
        CallRecordRepository,
        CallRepository,
        FlowRepository,
        MarkerRepository,
        NumberRepository,
        UserVariableRepository,
    )
    from chalicelib.telephony.vonage.client import VonageClient


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


class S3RecordingBucket:
    """The recordings bucket in S3 (the ``calls.recordings.RecordingBucket`` port). Presigned
    URLs are signed for the client's endpoint (the local stack's, when one is configured), so
    they work where the app's own S3 requests go."""

    def __init__(self, client: Any, bucket: str) -> None:
        self._client = client
        self._bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store an object with its content type. 1 PutObject."""
        self._client.put_object(Bucket=self._bucket, Key=key, Body=data, ContentType=content_type)

    def listing(self, prefix: str) -> list[StoredObject]:
        """The objects under ``prefix``. 1 ListObjectsV2 per 1,000 objects."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=prefix
        )
        return [
            StoredObject(str(item["Key"]), int(item["Size"]), item["LastModified"])
            for page in pages
            for item in page.get("Contents", [])
        ]

    def read(self, key: str) -> bytes:
        """An object's bytes; ``NotFoundError`` if there is none. 1 GetObject."""
        from chalicelib.errors import NotFoundError

        try:
            answer = self._client.get_object(Bucket=self._bucket, Key=key)
        except self._client.exceptions.NoSuchKey:
            raise NotFoundError(f"no object {key}") from None
        return bytes(answer["Body"].read())

    def presign(self, key: str, content_type: str, seconds: int) -> str:
        """A GET URL of the object, served with ``content_type``, valid ``seconds`` (signed
        here, no request)."""
        params = {"Bucket": self._bucket, "Key": key, "ResponseContentType": content_type}
        return str(self._client.generate_presigned_url("get_object", params, seconds))


class Container:
    """Lazily built services for one settings object."""

    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], datetime] = utc_now,
        products: Sequence[Product] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.products: tuple[Product, ...] = installed() if products is None else tuple(products)
        for product in self.products:
            product.register()
        self._services: dict[str, Any] = {}

    def services(self, name: str) -> Any:
        """The services of the product ``name``, built on first use."""
        if name not in self._services:
            product = next((p for p in self.products if p.name == name), None)
            if product is None:
                raise KeyError(f"no product {name!r} is installed")
            self._services[name] = product.services(self)
        return self._services[name]

    def warm(self) -> None:
        """Build what the first request needs, before it comes: the store bound to these
        settings, the shared DynamoDB client, the voice service and the NCCO renderer.

        For Lambda's init phase (faster than an invocation's, and what SnapStart snapshots).
        Opens no network connection; SQS, S3 and the carrier stay lazy (not every call needs
        them). Never raises: a failure is logged once and left to the first request, where a
        voice webhook still gets the fallback NCCO (a failed import would answer nothing).
        """
        try:
            from chalicelib.store import binding
            from chalicelib.telephony.vonage import ncco, urls  # noqa: F401 - ahead of use

            _ = self.store
            binding.connect()
            _ = self.voice
        except Exception:
            from chalicelib.ops.observability import logger

            logger.warning("warming failed: the first request builds what it needs", exc_info=True)

    # -- storage --------------------------------------------------------------------------
    @cached_property
    def store(self) -> ModuleType:
        """The repositories module (pynamodb imported here, on first use), bound to this
        settings' tables."""
        from chalicelib.store import binding, repositories

        binding.bind(self.settings)
        return repositories

    @cached_property
    def accounts(self) -> AccountRepository:
        """Account repository."""
        repository: AccountRepository = self.store.AccountRepository()
        return repository

    @cached_property
    def numbers(self) -> NumberRepository:
        """Number repository."""
        repository: NumberRepository = self.store.NumberRepository()
        return repository

    @cached_property
    def flow_repository(self) -> FlowRepository:
        """Flow repository."""
        repository: FlowRepository = self.store.FlowRepository()
        return repository

    @cached_property
    def calls(self) -> CallRepository:
        """Live call repository."""
        repository: CallRepository = self.store.CallRepository(self.settings)
        return repository

    @cached_property
    def call_records(self) -> CallRecordRepository:
        """Call record repository."""
        repository: CallRecordRepository = self.store.CallRecordRepository()
        return repository

    @cached_property
    def user_variables(self) -> UserVariableRepository:
        """User variable repository."""
        repository: UserVariableRepository = self.store.UserVariableRepository()
        return repository

    @cached_property
    def markers(self) -> MarkerRepository:
        """Idempotency markers."""
        repository: MarkerRepository = self.store.MarkerRepository()
        return repository

    @cached_property
    def admin(self) -> Administration:
        """Operator actions (CLI and REST)."""
        return Administration(self.accounts, self.numbers, self.flow_repository, self.clock)

    @cached_property
    def catalogue(self) -> FlowCatalogue:
        """Parsed flows, cached per process."""
        return FlowCatalogue(self.flow_repository)

    # -- AWS clients ----------------------------------------------------------------------
    def _boto(self, service: str, **options: Any) -> Any:
        """A client with short timeouts, bound to the request's deadline (a hung queue or
        bucket must not hold a voice webhook past it); ``options`` add to its ``Config``."""
        from botocore.config import Config

        from chalicelib.ops.aws import boto3_session
        from chalicelib.ops.deadline import bound_to_deadline

        session: Any = boto3_session(self.settings.region)
        defaults: dict[str, Any] = {
            "connect_timeout": 1,
            "read_timeout": 5,
            "retries": {"mode": "standard", "total_max_attempts": 3},
        }
        config = Config(**(defaults | options))
        client = session.client(service, endpoint_url=self.settings.aws_endpoint_url, config=config)
        return bound_to_deadline(client)

    @cached_property
    def sqs(self) -> Any:
        """SQS client."""
        return self._boto("sqs")

    @cached_property
    def s3(self) -> Any:
        """S3 client (Signature Version 4, which presigned URLs need in every region)."""
        return self._boto("s3", signature_version="s3v4")

    @cached_property
    def secretsmanager(self) -> Any:
        """Secrets Manager client (the keys products keep for their tenants, such as the
        speech product's Dialogflow keys)."""
        return self._boto("secretsmanager")

    @cached_property
    def ses(self) -> Any:
        """SES client (sending mail): one attempt per request, since a retried send whose first
        answer was lost would send the mail twice."""
        return self._boto("ses", retries={"mode": "standard", "total_max_attempts": 1})

    @cached_property
    def task_queue_url(self) -> str:
        """URL of the tasks queue."""
        return str(self.sqs.get_queue_url(QueueName=self.settings.task_queue)["QueueUrl"])

    def enqueue_task(self, body: str, delay_seconds: int = 0) -> None:
        """Queue one task message, held back ``delay_seconds`` (at most 900: SQS's limit)."""
        extra = {"DelaySeconds": delay_seconds} if delay_seconds else {}
        self.sqs.send_message(QueueUrl=self.task_queue_url, MessageBody=body, **extra)

    @cached_property
    def scheduler(self) -> Any:
        """EventBridge Scheduler client (one-time schedules of tasks)."""
        return self._boto("scheduler")

    @cached_property
    def task_queue_arn(self) -> str:
        """ARN of the tasks queue (from the settings, else asked of SQS once)."""
        if self.settings.task_queue_arn:
            return self.settings.task_queue_arn
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.task_queue_url, AttributeNames=["QueueArn"]
        )
        return str(attributes["Attributes"]["QueueArn"])

    @cached_property
    def timer(self) -> TaskTimer:
        """Runs a task message at a time: SQS's delay within 15 minutes, else a schedule."""
        return TaskTimer(
            enqueue=self.enqueue_task,
            scheduler=lambda: self.scheduler,
            group=self.settings.schedule_group,
            queue_arn=lambda: self.task_queue_arn,
            role_arn=self.settings.scheduler_role_arn,
            clock=self.clock,
        )

    @cached_property
    def recordings(self) -> Recordings:
        """The recordings of calls, in the recordings bucket."""
        bucket = S3RecordingBucket(self.s3, self.settings.recordings_bucket)
        return Recordings(bucket, self.calls, self.call_records)

    def store_recording(self, key: str, data: bytes) -> None:
        """Put a recording into the recordings bucket, with its format's content type."""
        self.recordings.store(key, data)

    # -- carrier --------------------------------------------------------------------------
    @cached_property
    def carrier(self) -> VonageClient:
        """The Vonage client (SDK imported on first request)."""
        from chalicelib.telephony.vonage.client import VonageClient, VonageConfig

        return VonageClient(VonageConfig.from_settings(self.settings))

    def render(self, actions: Sequence[Action], call_id: str) -> str:
        """Render actions as the carrier's call-control JSON."""
        from chalicelib.telephony.vonage.ncco import dumps, render
        from chalicelib.telephony.vonage.urls import CallbackUrls

        return dumps(render(list(actions), CallbackUrls(self.settings.public_base_url, call_id)))

    # -- services -------------------------------------------------------------------------
    @cached_property
    def engine_env(self) -> EngineEnv:
        """What the engine needs to know about this deployment."""
        return EngineEnv(
            public_base_url=self.settings.public_base_url,
            webhook_max_timeout=self.settings.webhook_widget_max_timeout,
        )

    @cached_property
    def voice(self) -> VoiceService:
        """The voice service."""
        from chalicelib.calls.http import fetch

        return VoiceService(
            calls=self.calls,
            numbers=self.numbers,
            flows=self.catalogue,
            user_vars=self.user_variables,
            records=self.call_records,
            effects=EffectQueue(self.effect_runners, self.enqueue_task),
            fetch=partial(fetch, allow_private=self.settings.stage == "local"),
            render=self.render,
            clock=self.clock,
            env=self.engine_env,
            control=lambda: self.carrier,
            currency=self.settings.carrier_currency,
            resolvers=self.resolvers,
        )

    @cached_property
    def resolvers(self) -> dict[type, Resolver]:
        """Who answers each kind of query the products' widgets ask within a step."""
        resolvers: dict[type, Resolver] = {}
        for product in self.products:
            for kind, resolver in product.resolvers(self).items():
                if kind in resolvers:
                    raise ValueError(f"{product.name}: {kind.__name__} already has a resolver")
                resolvers[kind] = resolver
        return resolvers

    @cached_property
    def sms_inbox(self) -> SmsInbox:
        """The inbound SMS inbox (products register consumers here)."""
        from chalicelib.telephony.vonage.webhooks import join_sms_parts

        return SmsInbox(self.markers, join_sms_parts, self.sms_consumers, self.clock)

    @cached_property
    def sms_delivery(self) -> SmsDelivery:
        """Sent SMS and their delivery receipts (``store.sms``, imported on first use)."""
        from chalicelib.store.sms import SentSmsRepository

        _ = self.store  # binds the store to these settings
        return SmsDelivery(SentSmsRepository(), self.clock)

    @cached_property
    def sms_consumers(self) -> list[Consumer]:
        """Who gets each whole inbound SMS: the products' consumers."""
        return [consumer for p in self.products for consumer in p.sms_consumers(self)]

    @cached_property
    def mail_intake(self) -> MailIntake:
        """Received e-mail, once, to the products' mail consumers (the parser imported on
        first use, not on a voice webhook's cold start)."""
        from chalicelib.mail.bucket import S3MailObjects
        from chalicelib.mail.intake import MailIntake

        return MailIntake(
            self.markers,
            S3MailObjects(self.s3),
            self.mail_consumers,
            self.clock,
            self.settings.mail_bucket,
        )

    @cached_property
    def mail_consumers(self) -> list[MailConsumer]:
        """Who gets each received e-mail: the products' consumers, in turn."""
        return [consumer for p in self.products for consumer in p.mail_consumers(self)]

    @cached_property
    def effect_runners(self) -> Runners:
        """The runner of each kind of effect: the platform's, then the products'."""
        runners: dict[type, Runner] = {
            SendSms: sms_runner(
                lambda: self.carrier,
                lambda account_id, effect, sent: self.sms_delivery.sent(
                    account_id, effect.from_number, effect.to_number, effect.key[:40], sent
                ),
            ),
            FetchRecording: recording_runner(
                lambda url: bytes(self.carrier.download_recording(url)), self.store_recording
            ),
            SaveUserVariables: user_variables_runner(self.user_variables, self.clock),
            SendMail: mail_runner(lambda: self.ses),
            **live_call_runners(
                lambda: self.carrier,
                self.leg_event_url,
                lambda body, delay: self.enqueue_task(body, delay),  # noqa: PLW0108 - tests replace it
            ),
            ScheduleTimer: timer_runner(lambda call_id, event: self.voice.wake(call_id, event)),  # noqa: PLW0108 - the voice service is built after its runners
        }
        for product in self.products:
            for kind, runner in product.runners(self).items():
                if kind in runners:
                    raise ValueError(f"{product.name}: {kind.__name__} already has a runner")
                runners[kind] = runner
        return runners

    def leg_event_url(self, call_id: str, ref: str) -> str:
        """Where the status events of a leg placed for a node of a call go (its ref)."""
        from chalicelib.telephony.vonage.urls import CallbackUrls

        return CallbackUrls(self.settings.public_base_url, call_id).event(ref)

    def callback_urls(self, call_id: str) -> tuple[str, str]:
        """The answer and event URLs of an outbound call."""
        from chalicelib.telephony.vonage.urls import CallbackUrls

        urls = CallbackUrls(self.settings.public_base_url, call_id)
        return urls.answer(), urls.event()

    @cached_property
    def outbound(self) -> OutboundCalls:
        """Starts outbound calls of flows."""
        return OutboundCalls(
            calls=self.calls,
            numbers=self.numbers,
            flows=self.catalogue,
            user_vars=self.user_variables,
            records=self.call_records,
            carrier=lambda: self.carrier,
            urls=self.callback_urls,
            clock=self.clock,
            new_id=lambda: uuid.uuid4().hex,
            currency=self.settings.carrier_currency,
        )

    @cached_property
    def tasks(self) -> TaskWorker:
        """The task worker."""
        return TaskWorker(markers=self.markers, runners=self.effect_runners, clock=self.clock)


_container: Container | None = None


def container() -> Container:
    """The process-wide container (built on first use)."""
    global _container  # noqa: PLW0603
    if _container is None:
        _container = Container(current())
    return _container


def override(replacement: Container | None) -> None:
    """Swap the process-wide container (tests, the local run)."""
    global _container  # noqa: PLW0603
    _container = replacement
