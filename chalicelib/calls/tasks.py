"""Effects of calls and the tasks that run them: the one spelling of a task message, the table of
runners (one per kind of effect), and the worker that runs queued tasks.

Effects the engine asks for (send an SMS, copy a recording, wake the call up) are queued as task
messages (SQS, with a delay for a timer) and run by the task handler, each at most once per key
(a marker is claimed first; a failed task releases it so the queue's redelivery retries).
Saving ``$user.key`` values is cheap and idempotent, so its runner is inline. A product adds a
kind of effect with ``register_effect_type`` (its name in messages) and gives the composition
root a ``Runner`` for it: no ``isinstance`` here knows the kinds. Must not import pynamodb or
Vonage modules.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, is_dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence

from chalicelib.errors import OutcomeUnknownError
from chalicelib.flows.outcomes import (
    Effect,
    FetchRecording,
    HangUpLeg,
    PlaceLeg,
    SaveUserVariables,
    SayInto,
    ScheduleTimer,
    SendSms,
    TimerFired,
)
from chalicelib.flows.state import CallState
from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.telephony.actions import Conference
from chalicelib.telephony.errors import CarrierBusyError
from chalicelib.telephony.ports import CallControl, OutboundCall, SentSms, SmsSender

EFFECT_TYPES: dict[str, type[Any]] = {
    "send_sms": SendSms,
    "fetch_recording": FetchRecording,
    "save_user_variables": SaveUserVariables,
    "schedule_timer": ScheduleTimer,
    "hang_up_leg": HangUpLeg,
    "say_into": SayInto,
    "place_leg": PlaceLeg,
}
"""Every kind of effect by its name in task messages and saved steps."""
_NAME_OF: dict[type[Any], str] = {kind: name for name, kind in EFFECT_TYPES.items()}


class TaskError(ValueError):
    """A task message is malformed, or names a kind of effect nobody registered."""


def register_effect_type(name: str, kind: type[Any]) -> None:
    """Name a product's kind of effect (a frozen dataclass of JSON values with a ``key``) in
    task messages. A name or a kind already registered otherwise: ``ValueError``."""
    if not is_dataclass(kind) or "key" not in kind.__dataclass_fields__:
        raise ValueError(f"{kind.__name__} is not a dataclass with a key")
    if EFFECT_TYPES.get(name, kind) is not kind or _NAME_OF.get(kind, name) != name:
        raise ValueError(f"effect {name!r} or {kind.__name__} is already registered otherwise")
    EFFECT_TYPES[name] = kind
    _NAME_OF[kind] = name


def effect_name(effect: Effect) -> str:
    """The registered name of an effect's kind; ``TaskError`` for an unregistered kind."""
    try:
        return _NAME_OF[type(effect)]
    except KeyError:
        raise TaskError(f"no effect kind {type(effect).__name__} is registered") from None


def _fields(effect: Effect) -> dict[str, Any]:
    return asdict(effect)  # type: ignore[call-overload, no-any-return]


def encode_task(effect: Effect, account_id: str) -> str:
    """The queue message for an effect."""
    return json.dumps(
        {"kind": effect_name(effect), "account_id": account_id, "effect": _fields(effect)}
    )


def encode_effects(effects: Sequence[Effect]) -> str:
    """A step's effects as JSON (kept with the call state so a retry can run them again)."""
    return json.dumps([{"kind": effect_name(e), "effect": _fields(e)} for e in effects])


def decode_effects(text: str) -> list[Effect]:
    """The effects ``encode_effects`` wrote; raise ``TaskError`` when malformed."""
    try:
        return [EFFECT_TYPES[item["kind"]](**item["effect"]) for item in json.loads(text)]
    except (ValueError, KeyError, TypeError) as error:
        raise TaskError(f"malformed effects: {error}") from error


def decode_task(body: str) -> tuple[str, Effect]:
    """Account id and effect of a queue message; raise ``TaskError`` when malformed."""
    try:
        message = json.loads(body)
        kind = EFFECT_TYPES[message["kind"]]
        return str(message["account_id"]), kind(**message["effect"])
    except (ValueError, KeyError, TypeError) as error:
        raise TaskError(f"malformed task message: {error}") from error


@dataclass(frozen=True)
class Runner:
    """How the shell runs one kind of effect: ``run(effect, account_id)`` does it and says what
    was done (for the logs); ``inline`` runners run right after the step (cheap, idempotent
    work), the others are queued as tasks, held back ``delay(effect)`` seconds."""

    run: Callable[[Any, str], Mapping[str, Any]]
    inline: bool = False
    delay: Callable[[Any], int] | None = None


Runners = Mapping[type[Any], Runner]
"""The runner of each kind of effect, built by the composition root."""


class Markers(Protocol):
    """Idempotency markers."""

    def claim(self, key: str, now: datetime, ttl_seconds: int) -> bool: ...

    def is_claimed(self, key: str, now: datetime) -> bool: ...

    def hold(self, key: str, now: datetime, ttl_seconds: int) -> None: ...

    def release(self, key: str) -> None: ...


class UserVariableWriter(Protocol):
    """Writes ``$user.key`` values, latest wins."""

    def set_many(self, account_id: str, values: Mapping[str, str], at: datetime) -> object: ...


class EffectQueue:
    """Runs effects after a step: inline ones now, the rest queued as tasks."""

    def __init__(self, runners: Runners, enqueue: Callable[[str, int], None]) -> None:
        self._runners = runners
        self._enqueue = enqueue

    def run(self, effects: Sequence[Effect], state: CallState) -> None:
        """Queue every queued effect, then run the inline ones: an inline one that fails (the
        webhook's time ran out) raises, but never keeps a queued one from going. ``TaskError``
        for a kind with no runner, before anything is done."""
        paired = [(effect, _runner(self._runners, effect)) for effect in effects]
        for effect, runner in paired:
            if not runner.inline:
                delay = runner.delay(effect) if runner.delay else 0
                self._enqueue(encode_task(effect, state.account_id), delay)
        for effect, runner in paired:
            if runner.inline:
                runner.run(effect, state.account_id)


def _runner(runners: Runners, effect: Effect) -> Runner:
    try:
        return runners[type(effect)]
    except KeyError:
        raise TaskError(f"no runner for {type(effect).__name__} effects") from None


def task_marker(key: str) -> str:
    """The marker a task's key is claimed under (in flight, then done)."""
    return f"task:{key}"


class TaskBusyError(RuntimeError):
    """Another worker is running the same task right now; the message is retried later."""


class TaskWorker:
    """Runs task messages once per key, with one marker per task: a short in-flight claim keeps
    two deliveries from running it at once (and expires if a worker dies, so the queue's
    redelivery runs it again: at least once, and in practice once); once the task is done the
    claim is held for ``ttl_seconds``, so a delivery that finds it claimed for longer than an
    in-flight claim lasts knows the task done. Two requests per task (a conditional put, a
    put); a refused claim reads the marker once to tell done from busy."""

    def __init__(
        self,
        markers: Markers,
        runners: Runners,
        clock: Callable[[], datetime],
        ttl_seconds: int = 7 * 24 * 3600,
        in_flight_seconds: int = 120,
    ) -> None:
        self._markers = markers
        self._runners = runners
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
        marker, now = task_marker(effect.key), self._clock()
        if not self._markers.claim(marker, now, self._in_flight):
            beyond_in_flight = now + timedelta(seconds=self._in_flight + 1)
            if self._markers.is_claimed(marker, beyond_in_flight):
                return {"task": effect.key, "done": "already"}
            raise TaskBusyError(f"task {effect.key} is running elsewhere")
        try:
            outcome = self._perform(account_id, effect)
        except OutcomeUnknownError as error:
            # it may have happened: never send twice; say so loudly instead
            logger.error("task outcome unknown, not retried", extra={"task": effect.key})
            outcome = {"task": effect.key, "done": "unknown", "error": str(error)}
        except Exception:
            self._markers.release(marker)
            raise
        self._markers.hold(marker, self._clock(), self._ttl)
        return outcome

    def _perform(self, account_id: str, effect: Effect) -> dict[str, Any]:
        done = _runner(self._runners, effect).run(effect, account_id)
        return {"task": effect.key, "account_id": account_id, **done}


# the platform's own runners --------------------------------------------------------------------


SentHook = Callable[[str, SendSms, SentSms], None]
"""Told of every SMS the carrier accepted (account id, effect, answer); must not raise."""


def sms_runner(sender: Callable[[], SmsSender], on_sent: SentHook | None = None) -> Runner:
    """Send an SMS through the carrier (queued); ``on_sent`` records it."""

    def send(effect: SendSms, account_id: str) -> Mapping[str, Any]:
        sent = sender().send_sms(effect.from_number, effect.to_number, effect.text, effect.key[:40])
        if on_sent is not None:
            on_sent(account_id, effect, sent)
        return {"sms": sent.message_id}

    return Runner(send)


def recording_runner(
    download: Callable[[str], bytes], store_object: Callable[[str, bytes], None]
) -> Runner:
    """Copy a finished recording from the carrier into the recordings bucket (queued)."""

    def fetch(effect: FetchRecording, account_id: str) -> Mapping[str, Any]:
        store_object(effect.object_key, download(effect.url))
        return {"stored": effect.object_key}

    return Runner(fetch)


def user_variables_runner(writer: UserVariableWriter, clock: Callable[[], datetime]) -> Runner:
    """Save ``$user.key`` values, latest wins (inline: cheap and idempotent)."""

    def save(effect: SaveUserVariables, account_id: str) -> Mapping[str, Any]:
        writer.set_many(effect.account_id, dict(effect.values), clock())
        return {"saved": len(effect.values)}

    return Runner(save, inline=True)


PLACE_RETRIES = 10
"""How often a leg the carrier throttled (HTTP 429) is placed again, a second apart."""


def live_call_runners(
    control: Callable[[], CallControl],
    event_url: Callable[[str, str], str] | None = None,
    enqueue: Callable[[str, int], None] | None = None,
) -> dict[type[Any], Runner]:
    """Hang up one leg, speak into one leg: inline, since the caller waits for it (a retried
    webhook tries again; a leg that already ended is logged, nothing more). With ``event_url``
    ((call id, ref) -> the URL a leg's status events go to), place one more leg of a call into
    a named conversation (queued: several legs ring at once without holding the webhook up); a
    leg the carrier throttled is queued again a second later (``enqueue``), ``PLACE_RETRIES``
    times, rather than left to the queue's redelivery minutes later while its caller waits."""

    def hang_up(effect: HangUpLeg, account_id: str) -> Mapping[str, Any]:
        control().hangup(effect.leg_id)
        return {"hung_up": effect.leg_id}

    def say(effect: SayInto, account_id: str) -> Mapping[str, Any]:
        control().say_into(effect.leg_id, effect.text, effect.language)
        return {"said_into": effect.leg_id}

    runners: dict[type[Any], Runner] = {
        HangUpLeg: Runner(hang_up, inline=True),
        SayInto: Runner(say, inline=True),
    }
    if event_url is not None:
        events = event_url

        def place(effect: PlaceLeg, account_id: str) -> Mapping[str, Any]:
            try:
                placed = control().place_call(
                    OutboundCall(
                        to_number=effect.to,
                        from_number=effect.from_number,
                        actions=(Conference(effect.room, start_on_enter=True, end_on_exit=True),),
                        event_url=events(effect.call_id, effect.ref),
                        ringing_timeout=effect.ring_timeout,
                        length_timeout=effect.max_duration,
                        call_id=effect.call_id,
                    )
                )
            except CarrierBusyError:
                base, _, tries = effect.key.partition(":throttled:")
                retried = int(tries or 0) + 1
                if enqueue is None or retried > PLACE_RETRIES:
                    raise
                again = replace(effect, key=f"{base}:throttled:{retried}")
                enqueue(encode_task(again, account_id), 1)
                return {"throttled": effect.to, "call_id": effect.call_id, "again": retried}
            return {"placed": placed.leg_id, "call_id": effect.call_id, "to": effect.to}

        runners[PlaceLeg] = Runner(place)
    return runners


def timer_runner(wake: Callable[[str, TimerFired], object]) -> Runner:
    """Wake a call up when its timer is due (queued, held back by the queue until then)."""

    def fire(effect: ScheduleTimer, account_id: str) -> Mapping[str, Any]:
        wake(effect.call_id, TimerFired(effect.name, effect.ref, effect.key))
        return {"timer": effect.name, "call_id": effect.call_id}

    return Runner(fire, delay=lambda effect: int(effect.delay_seconds))
