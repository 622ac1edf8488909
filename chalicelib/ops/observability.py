"""Logging, metrics and tracing for the whole app (powertools), and the one enum of metric names.

``logger`` puts the call id on every line of a call (``bind_call``); ``metrics`` writes EMF;
the Tracer costs ~0.3 s to build (aws-xray-sdk), so it is made only on first use.
Imports powertools only; no capability imports this module's internals except these names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
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
    SIGNATURE_REJECTIONS = "SignatureRejections"
    NOT_SERVED = "NotServedCalls"
    WEBHOOK_RETRIES = "WebhookRetries"
    TASK_FAILURES = "TaskFailures"
    SMS_RECEIVED = "SmsReceived"


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
    """An X-Ray subsegment around a block when tracing is on; nothing otherwise."""
    if not tracing_enabled():
        yield
        return
    with tracer().provider.in_subsegment(name) as subsegment:
        for key, value in annotations.items():
            subsegment.put_annotation(key=key, value=value)
        yield


@lru_cache(maxsize=1)
def tracer() -> Any:
    """The powertools Tracer, built on first use."""
    from aws_lambda_powertools import Tracer

    return Tracer(service="ringflow")
