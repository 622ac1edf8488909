"""Logging, metrics and tracing for the whole app (powertools), and the one enum of metric names.

``logger`` puts the call id on every line of a call (``bind_call``); ``metrics`` writes EMF;
the Tracer costs ~0.3 s to build (aws-xray-sdk), so it is made only on first use (or by
:func:`warm_tracing` in Lambda's init phase). Tracing is optional: when the Tracer cannot be
built (aws-xray-sdk missing, a broken SDK), one warning is logged and tracing stays off for the
process, so a missing optional dependency can never turn a voice webhook into the fallback.
Imports powertools only; no capability imports this module's internals except these names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from enum import StrEnum
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

logger = Logger(service="ringflow")
metrics = Metrics(namespace="Ringflow", service="ringflow")
metrics.set_default_dimensions(stage=os.environ.get("RINGFLOW_STAGE", "local"))


class MetricName(StrEnum):
    """Every custom metric the platform emits."""

    WEBHOOK_LATENCY = "WebhookLatency"
    CALLS_BY_OUTCOME = "Calls"
    FLOW_FAILURES = "FlowFailures"
    FALLBACK_ANSWERS = "FallbackAnswers"
    FLOW_NOTICES = "FlowNotices"
    UNKNOWN_EVENTS = "UnknownEvents"
    SIGNATURE_REJECTIONS = "SignatureRejections"
    NOT_SERVED = "NotServedCalls"
    WEBHOOK_RETRIES = "WebhookRetries"
    TASK_FAILURES = "TaskFailures"
    RECORD_FAILURES = "CallRecordFailures"
    SMS_RECEIVED = "SmsReceived"
    RECEIPT_FAILURES = "SmsReceiptFailures"
    UNANSWERED_QUERIES = "UnansweredQueries"
    CALLBACK_REFUSALS = "CallbackRefusals"
    MAIL_RECEIVED = "MailReceived"
    MAIL_DROPPED = "MailDropped"
    SPEECH_ENGINE_FAILURES = "SpeechEngineFailures"


def count(name: MetricName, value: float = 1, **dimensions: str) -> None:
    """Add ``value`` to a count metric (dimensions go into a single-metric EMF blob)."""
    if dimensions:
        with single_metric(
            name=name.value, unit=MetricUnit.Count, value=value, namespace="Ringflow"
        ) as metric:
            for key, dim in dimensions.items():
                metric.add_dimension(name=key, value=dim)
        return
    metrics.add_metric(name=name.value, unit=MetricUnit.Count, value=value)


def milliseconds(name: MetricName, value: float) -> None:
    """Record a latency in milliseconds."""
    metrics.add_metric(name=name.value, unit=MetricUnit.Milliseconds, value=value)


def bind_call(call_id: str | None, **extra: Any) -> None:
    """Put the call id (and extra keys) on every following log line of this invocation."""
    logger.append_keys(call_id=call_id, **extra)


def tracing_enabled() -> bool:
    """Tracing runs only where X-Ray is (``RINGFLOW_TRACING=true``, set by the deployment)."""
    return os.environ.get("RINGFLOW_TRACING", "").lower() == "true"


@contextmanager
def traced(name: str, **annotations: str) -> Iterator[None]:
    """An X-Ray subsegment around a block when tracing is on and works; nothing otherwise.

    Only the tracer's own failures are absorbed (building it, opening the subsegment); an
    exception of the block itself always propagates unchanged.
    """
    active = tracer() if tracing_enabled() else None
    if active is None:
        yield
        return
    with ExitStack() as stack:
        try:
            subsegment = stack.enter_context(active.provider.in_subsegment(name))
            for key, value in annotations.items():
                subsegment.put_annotation(key=key, value=value)
        except Exception:
            _tracing_failed("the X-Ray subsegment could not be opened")
            stack.close()
            yield
            return
        yield


def warm_tracing() -> None:
    """Build the Tracer now when tracing is on (Lambda's init phase), not in the first request."""
    if tracing_enabled():
        tracer()


_broken = False
TRACED_LIBRARIES = ("botocore",)
"""What the Tracer patches: botocore, so every DynamoDB, SQS and S3 request is a subsegment.
Not X-Ray's default of every library it knows: that imports requests, sqlite3 and more on the
first traced request (~0.15 s) and records DynamoDB twice (botocore and pynamodb)."""


def _tracing_failed(what: str) -> None:
    """Turn tracing off for this process, with one warning saying why."""
    global _broken  # noqa: PLW0603 - one flag per process
    if not _broken:
        logger.warning(f"tracing is off: {what}", exc_info=True)
    _broken = True


@lru_cache(maxsize=1)
def _build_tracer() -> Any | None:
    try:
        from aws_lambda_powertools import Tracer

        return Tracer(service="ringflow", patch_modules=TRACED_LIBRARIES)
    except Exception:
        _tracing_failed("the X-Ray tracer could not be built (is aws-xray-sdk installed?)")
        return None


def tracer() -> Any | None:
    """The powertools Tracer, built on first use; ``None`` when tracing failed in this process."""
    return None if _broken else _build_tracer()


def reset_tracing() -> None:
    """Forget the Tracer and any failure (tests)."""
    global _broken  # noqa: PLW0603 - one flag per process
    _build_tracer.cache_clear()
    _broken = False
