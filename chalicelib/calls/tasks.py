"""Background tasks of calls: the one spelling of a task message, and the worker that runs them.

Effects the engine asks for (send an SMS, copy a recording) are queued as task messages (SQS) and
run by the task handler, each at most once per key (a marker is claimed first; a failed task
releases it so the queue's redelivery retries). Saving ``$user.key`` values is cheap and
idempotent, so it runs inline. Must not import pynamodb or Vonage modules.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from chalicelib.flows.outcomes import Effect, FetchRecording, SaveUserVariables, SendSms
from chalicelib.flows.state import CallState
from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.telephony.errors import CarrierOutcomeUnknownError
from chalicelib.telephony.ports import SmsSender

TASK_KINDS: dict[str, type[SendSms] | type[FetchRecording]] = {
    "send_sms": SendSms,
    "fetch_recording": FetchRecording,
}
EFFECT_KINDS: dict[str, type[SendSms] | type[FetchRecording] | type[SaveUserVariables]] = {
    **TASK_KINDS,
    "save_user_variables": SaveUserVariables,
}
_KIND_OF = {kind: name for name, kind in EFFECT_KINDS.items()}


class TaskError(ValueError):
    """A task message is malformed."""


def encode_task(effect: SendSms | FetchRecording, account_id: str) -> str:
    """The queue message for an effect."""
    return json.dumps(
        {"kind": _KIND_OF[type(effect)], "account_id": account_id, "effect": asdict(effect)}
    )


def encode_effects(effects: Sequence[Effect]) -> str:
    """A step's effects as JSON (kept with the call state so a retry can run them again)."""
    return json.dumps([{"kind": _KIND_OF[type(e)], "effect": asdict(e)} for e in effects])


def decode_effects(text: str) -> list[Effect]:
    """The effects ``encode_effects`` wrote; raise ``TaskError`` when malformed."""
    try:
        return [EFFECT_KINDS[item["kind"]](**item["effect"]) for item in json.loads(text)]
    except (ValueError, KeyError, TypeError) as error:
        raise TaskError(f"malformed effects: {error}") from error


def decode_task(body: str) -> tuple[str, SendSms | FetchRecording]:
    """Account id and effect of a queue message; raise ``TaskError`` when malformed."""
    try:
        message = json.loads(body)
        kind = TASK_KINDS[message["kind"]]
        return str(message["account_id"]), kind(**message["effect"])
    except (ValueError, KeyError, TypeError) as error:
        raise TaskError(f"malformed task message: {error}") from error


class Markers(Protocol):
    """Idempotency markers."""

    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool: ...

    def is_claimed(self, key: str, now: datetime) -> bool: ...

    def release(self, key: str) -> None: ...


class UserVariableWriter(Protocol):
    """Writes ``$user.key`` values, latest wins."""

    def set_many(self, account_id: str, values: Mapping[str, str], at: datetime) -> object: ...


class EffectQueue:
    """Runs effects after a step: user variables inline, the rest queued as tasks."""

    def __init__(
        self,
        user_vars: UserVariableWriter,
        enqueue: Callable[[str], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._user_vars = user_vars
        self._enqueue = enqueue
        self._clock = clock

    def run(self, effects: Sequence[Effect], state: CallState) -> None:
        """Run or queue every effect."""
        for effect in effects:
            if isinstance(effect, SaveUserVariables):
                self._user_vars.set_many(effect.account_id, dict(effect.values), self._clock())
            else:
                self._enqueue(encode_task(effect, state.account_id))


class TaskBusyError(RuntimeError):
    """Another worker is running the same task right now; the message is retried later."""


class TaskWorker:
    """Runs task messages once per key: a task marked done is skipped; a short in-flight claim
    keeps two deliveries from running it at once, and expires if a worker dies, so the queue's
    redelivery runs it again (at least once, and in practice once)."""

    def __init__(
        self,
        markers: Markers,
        sms: Callable[[], SmsSender],
        download: Callable[[str], bytes],
        store_object: Callable[[str, bytes], None],
        clock: Callable[[], datetime],
        ttl_seconds: int = 7 * 24 * 3600,
        in_flight_seconds: int = 120,
    ) -> None:
        self._markers = markers
        self._sms = sms
        self._download = download
        self._store_object = store_object
        self._clock = clock
        self._ttl = ttl_seconds
        self._in_flight = in_flight_seconds

    def run_batch(self, records: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, str]]]:
        """Run SQS records; answer Lambda's partial batch response naming the failed ones."""
        failures: list[dict[str, str]] = []
        for record in records:
            message_id = str(record.get("messageId", ""))
            try:
                logger.info("task done", extra=self.run(str(record.get("body", ""))))
            except Exception:
                count(MetricName.TASK_FAILURES)
                logger.exception("task failed", extra={"message_id": message_id})
                failures.append({"itemIdentifier": message_id})
        return {"batchItemFailures": failures}

    def run(self, body: str) -> dict[str, Any]:
        """Run one task message; returns what was done (for logs). Raises to retry."""
        account_id, effect = decode_task(body)
        done, running = f"task-done:{effect.key}", f"task-running:{effect.key}"
        if self._markers.is_claimed(done, self._clock()):
            return {"task": effect.key, "done": "already"}
        if not self._markers.claim(running, self._clock(), self._in_flight):
            raise TaskBusyError(f"task {effect.key} is running elsewhere")
        try:
            outcome = self._perform(account_id, effect)
        except CarrierOutcomeUnknownError as error:
            # it may have happened: never send twice; say so loudly instead
            logger.error("task outcome unknown, not retried", extra={"task": effect.key})
            outcome = {"task": effect.key, "done": "unknown", "error": str(error)}
        except Exception:
            self._markers.release(running)
            raise
        self._markers.claim(done, self._clock(), self._ttl)
        self._markers.release(running)
        return outcome

    def _perform(self, account_id: str, effect: SendSms | FetchRecording) -> dict[str, Any]:
        if isinstance(effect, SendSms):
            sms = self._sms()
            sent = sms.send_sms(effect.from_number, effect.to_number, effect.text, effect.key[:40])
            return {"task": effect.key, "account_id": account_id, "sms": sent.message_id}
        data = self._download(effect.url)
        self._store_object(effect.object_key, data)
        return {"task": effect.key, "account_id": account_id, "stored": effect.object_key}
