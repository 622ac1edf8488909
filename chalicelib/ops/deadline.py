"""Deadlines: how long the request being handled may still take, and the one error for "too late".

A voice webhook must answer within about 3 s whatever fails (the carrier reads for 5 s, then
retries and tries the fallback URL), so the web layer opens a ``deadline`` around its work and
every outgoing request takes its timeout from ``budget``: none starts once the time is spent, no
retry runs past it. ``bound_to_deadline`` fits a botocore client (DynamoDB, SQS, S3) to this:
each attempt's read timeout is the time left, and a retry whose back-off could outlive the
deadline is not made. The deadline lives in a context variable, so threads serving other
requests (``chalice local``) each have their own. Imports only the standard library and
``chalicelib.errors``; botocore clients are handled through their event hooks, without importing
botocore.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from chalicelib.errors import UnavailableError

MIN_ATTEMPT_SECONDS = 0.1
"""No request is started with less time than this left: it could not finish."""

MAX_BACKOFF_BASE_SECONDS = 1.0
"""botocore's standard retry mode sleeps up to ``base * 2 ** (attempt - 1)`` before a retry of
a throttled request (``retries/standard.py``, ``throttling_base_scale`` 1)."""

_ends_at: ContextVar[float | None] = ContextVar("ringflow_deadline", default=None)


class DeadlineExceededError(UnavailableError, TimeoutError):
    """The request's deadline passed (or would pass) before the work could be done."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run the block under a deadline ``seconds`` from now (a deadline already set and earlier
    stays in force)."""
    ends = time.monotonic() + seconds
    outer = _ends_at.get()
    token = _ends_at.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _ends_at.reset(token)


def remaining() -> float | None:
    """Seconds left before the deadline (may be negative), or None outside any deadline."""
    ends = _ends_at.get()
    return None if ends is None else ends - time.monotonic()


def budget(limit: float, reserve: float = 0.0) -> float:
    """The timeout for one request: ``limit``, shortened to the time left less ``reserve`` (what
    the work after this request needs). ``DeadlineExceededError`` if less than
    ``MIN_ATTEMPT_SECONDS`` would be left for it."""
    left = remaining()
    if left is None:
        return limit
    allowed = min(limit, left - reserve)
    if allowed < MIN_ATTEMPT_SECONDS:
        raise DeadlineExceededError(f"{max(left, 0.0):.3f} s left: too little for a request")
    return allowed


def _before_send(request: Any, **_: Any) -> None:
    """botocore ``before-send``: this attempt reads for at most the time left."""
    if remaining() is None:
        return
    context = getattr(request, "context", None)
    configured = context.get("read_timeout") if isinstance(context, dict) else None
    timeout = budget(float(configured) if configured else float("inf"))
    if isinstance(context, dict):
        context["read_timeout"] = timeout


def _needs_retry(attempts: int = 1, **_: Any) -> bool | None:
    """botocore ``needs-retry``, consulted before the retry handler: refuse a retry (False)
    when its longest back-off and one more attempt no longer fit before the deadline; say
    nothing (None) otherwise, leaving the decision to botocore's handler."""
    left = remaining()
    if left is None:
        return None
    longest_sleep = MAX_BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return False if left < longest_sleep + MIN_ATTEMPT_SECONDS else None


def bound_to_deadline(client: Any) -> Any:
    """Register the deadline hooks on a botocore client (idempotent); returns the client."""
    events = client.meta.events
    service = client.meta.service_model.service_id.hyphenize()
    events.register_first(
        f"before-send.{service}", _before_send, unique_id=f"ringflow-deadline-send-{service}"
    )
    events.register_first(
        f"needs-retry.{service}", _needs_retry, unique_id=f"ringflow-deadline-retry-{service}"
    )
    return client
