"""The voice service: the imperative shell around the flow engine for one webhook.

parse (done by the web layer) -> load the call state (one read) -> ``engine.step`` (pure) ->
save with a version condition (one write) -> run effects (idempotent, keyed) -> render. A retried
webhook (same event key) gets the stored answer and causes nothing new. The service knows no
provider: it is handed a renderer and a fetcher. Must not import pynamodb or Vonage modules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Mapping, Protocol, Sequence

from chalicelib.accounts.model import PhoneNumber
from chalicelib.calls.apologies import LanguageMemory, texts_for
from chalicelib.calls.model import CallOutcome, CallRecord
from chalicelib.calls.opening import UserVariables, open_call
from chalicelib.calls.records import record_of, with_cost
from chalicelib.calls.tasks import decode_effects, encode_effects
from chalicelib.errors import AlreadyExistsError, NotFoundError, StaleStateError
from chalicelib.flows.catalogue import FlowCatalogue
from chalicelib.flows.engine import EngineEvent, Step, is_settled, step
from chalicelib.flows.errors import UnknownEventError
from chalicelib.flows.model import Flow
from chalicelib.flows.outcomes import (
    Consulted,
    Effect,
    HttpRequest,
    HttpResponded,
    HttpResult,
    Notice,
    TimerFired,
    Unanswered,
)
from chalicelib.flows.state import CallState, LegRole
from chalicelib.flows.widgets.base import EngineEnv
from chalicelib.ops.deadline import DeadlineExceededError, budget
from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.telephony.actions import Action, Bridge, Hangup, Say
from chalicelib.telephony.events import CallAnswered, Direction
from chalicelib.telephony.ports import CallControl


class CallStore(Protocol):
    """Live call state (see ``store.calls.CallRepository``)."""

    def get(self, call_id: str) -> CallState: ...

    def create(self, state: CallState) -> CallState: ...

    def save(self, state: CallState) -> CallState: ...


class NumberDirectory(Protocol):
    """Numbers and the flows they serve."""

    def get(self, number: str) -> PhoneNumber: ...


class CallRecords(Protocol):
    """Finished calls."""

    def put(self, record: CallRecord) -> bool: ...

    def put_once_per_call(self, record: CallRecord, claim_seconds: int) -> bool: ...


class EffectRunner(Protocol):
    """Runs effects after the state is saved; each effect at most once per key."""

    def run(self, effects: Sequence[Effect], state: CallState) -> None: ...


Renderer = Callable[[Sequence[Action], str], str]
Fetcher = Callable[[HttpRequest], HttpResult]
Resolver = Callable[[Any], object]
"""Answers one kind of a product's ``Query`` (rate and reserve, check a PIN) within a step."""


class NotServedError(Exception):
    """The number called serves no enabled flow."""


REFUSAL_CLAIM_SECONDS = 24 * 3600
"""How long a refused call's id keeps a retried answer from recording it again (the carrier
retries an answer within seconds)."""

SAVE_RESERVE_SECONDS = 0.5
"""What a webhook keeps of its deadline for the work after a flow's HTTP request (the save,
the effects, the render): the request gets the rest."""


@dataclass(frozen=True)
class Answer:
    """What to send back to the provider: a rendered body (None: nothing to say) and whether it
    was replayed from a previous delivery; ``actions`` and ``state`` are what the step decided
    and saved (for pushing them to a live call when no webhook waits for them)."""

    body: str | None
    replayed: bool = False
    call_id: str | None = None
    actions: tuple[Action, ...] = ()
    state: CallState | None = None


def event_key(route: str, payload: Mapping[str, object]) -> str:
    """A stable key for one delivery of a webhook (identical retries share it)."""
    canonical = "&".join(f"{k}={payload[k]}" for k in sorted(payload))
    return hashlib.sha256(f"{route}?{canonical}".encode()).hexdigest()[:32]


@dataclass
class VoiceService:
    """Answers voice webhooks by stepping the flow engine."""

    calls: CallStore
    numbers: NumberDirectory
    flows: FlowCatalogue
    user_vars: UserVariables
    records: CallRecords
    effects: EffectRunner
    fetch: Fetcher
    render: Renderer
    clock: Callable[[], datetime]
    env: EngineEnv
    control: Callable[[], CallControl] | None = None
    currency: str = "EUR"
    max_attempts: int = 3
    languages: LanguageMemory = field(default_factory=LanguageMemory)
    resolvers: Mapping[type, Resolver] = field(default_factory=dict)

    # -- answer -------------------------------------------------------------------------
    def answer(self, event: CallAnswered, key: str, call_id: str | None = None) -> Answer:
        """A leg was answered: start its flow (a new inbound call, or an outbound call we
        placed and stored before)."""
        if call_id is not None:  # a call we placed: its state was stored before we dialled
            try:
                placed: CallState | None = self.calls.get(call_id)
            except NotFoundError:
                placed = None
            if placed is not None:
                return self._advance(placed, event, key, created=True)
        call_id = call_id or event.leg_id
        # A new inbound call: no read of the call, its creation is conditional (a retried answer
        # loses the create, reads the call and replays the stored answer).
        fresh = self._new_inbound(call_id, event)
        if not isinstance(fresh, CallState):
            count(MetricName.NOT_SERVED, number="unknown" if fresh is None else "held")
            if fresh is not None:
                self._record_refusal(fresh, call_id, event)
            texts, language = texts_for(self.languages.recall(event.to_number))
            body = self.render([Say(texts.not_in_service, language), Hangup()], call_id)
            return Answer(body, call_id=call_id)
        return self._advance(fresh, event, key, created=False)

    def _record_refusal(self, number: PhoneNumber, call_id: str, event: CallAnswered) -> None:
        """Leave the record of a call refused as not in service, listed under the account that
        holds the number: one per call id, however often the answer is retried. A failure is
        logged and counted; the caller is answered all the same."""
        now = self.clock()
        record = CallRecord(
            account_id=number.account_id,
            call_id=call_id,
            started_at=now,
            flow_id=number.flow_id or "",
            direction=Direction.INBOUND,
            from_number=event.from_number or event.from_user or "",
            to_number=event.to_number,
            outcome=CallOutcome.NOT_IN_SERVICE,
            ended_at=now,
            currency=self.currency,
        )
        try:
            if self.records.put_once_per_call(record, REFUSAL_CLAIM_SECONDS):
                count(MetricName.CALLS_BY_OUTCOME, outcome=record.outcome.value)
        except Exception:
            count(MetricName.RECORD_FAILURES)
            logger.exception(
                "the record of a refused call was not stored", extra={"call_id": call_id}
            )

    def language_of(self, call_id: str | None, number: str | None) -> str | None:
        """The language a call (or else a number) was last seen speaking in this process."""
        return self.languages.recall(call_id, number)

    def _new_inbound(self, call_id: str, event: CallAnswered) -> CallState | PhoneNumber | None:
        """The state of a new call of the number called; else the number, when it is an
        account's but serves no flow; None when no account holds it."""
        try:
            number = self.numbers.get(event.to_number)
        except NotFoundError:
            return None
        if not number.enabled or not number.flow_id:
            return number
        if number.flow_version is not None:  # the number carries its flow's live version
            if not number.flow_enabled:
                return number
            version = number.flow_version
        else:  # a number stored before numbers carried it: read the flow's head
            try:
                head = self.flows.head(number.flow_id)
            except NotFoundError:
                return number
            if not head.enabled or head.account_id != number.account_id:
                return number
            version = head.latest_version
        state = open_call(
            call_id=call_id,
            number=number,
            flow=self.flows.get(number.flow_id, version),
            version=version,
            direction=Direction.INBOUND,
            from_number=event.from_number or event.from_user or "",
            to_number=event.to_number,
            started_at=self.clock(),
            user_vars=self.user_vars,
            currency=self.currency,
            conversation_id=event.conversation_id,
        )
        self.languages.remember(event.to_number, state.language)
        return state

    # -- every other event ----------------------------------------------------------------
    def handle(self, call_id: str, event: EngineEvent, key: str) -> Answer:
        """An event for a known call; unknown calls are ignored."""
        try:
            state = self.calls.get(call_id)
        except NotFoundError:
            return Answer(None, call_id=call_id)
        return self._advance(state, event, key, created=True)

    def wake(self, call_id: str, event: TimerFired) -> Answer:
        """A timer of the call is due: step the call, then push what the flow decided to the
        live call over the carrier's REST API (hang up, or transfer it to the new actions),
        since no webhook waits for the answer. A replayed wake-up pushes nothing again."""
        answer = self.handle(call_id, event, f"timer:{event.key or event.ref}")
        if answer.replayed or not answer.actions or answer.state is None:
            return answer
        leg = next(
            (
                leg
                for leg in answer.state.legs.values()
                if leg.role is LegRole.CALLER and not leg.status.is_final
            ),
            None,
        )
        if leg is None or self.control is None:
            logger.warning(
                "timer decided actions for a call with no live leg", extra={"call_id": call_id}
            )
            return answer
        if all(isinstance(action, Hangup) for action in answer.actions):
            self.control().hangup(leg.leg_id)
        else:
            self.control().transfer(leg.leg_id, answer.actions, call_id)
        return answer

    # -- the loop -----------------------------------------------------------------------
    def _advance(self, state: CallState, event: EngineEvent, key: str, created: bool) -> Answer:
        self.languages.remember(state.call_id, state.language)
        answered: dict[object, object] = {}  # a lost race decides again, asks once
        for _ in range(self.max_attempts):
            if state.last_event_key == key:
                count(MetricName.WEBHOOK_RETRIES)
                if state.last_effects:  # the first delivery may have died before running them
                    self._run_effects(decode_effects(state.last_effects), state)
                return Answer(state.last_answer, replayed=True, call_id=state.call_id)
            flow = self.flows.get(state.flow_id, state.flow_version)
            result, actions, effects = self._decide(flow, state, event, answered)
            if result.ignored:
                return Answer(None, call_id=state.call_id)
            body = self.render(actions, state.call_id) if actions else None
            new_state = replace(
                with_cost(result.state, self.currency),
                last_event_key=key,
                last_answer=body,
                last_effects=encode_effects(effects) if effects else None,
            )
            try:
                saved = self.calls.save(new_state) if created else self.calls.create(new_state)
            except (StaleStateError, AlreadyExistsError):
                state = self.calls.get(state.call_id)
                created = True
                continue
            if effects:
                self._run_effects(effects, saved)
            if is_settled(saved):
                record = record_of(saved, self.currency)
                if self.records.put(record):
                    count(MetricName.CALLS_BY_OUTCOME, outcome=record.outcome.value)
            return Answer(body, call_id=saved.call_id, actions=tuple(actions), state=saved)
        raise RuntimeError(
            f"call {state.call_id}: state kept changing under {self.max_attempts} attempts"
        )

    def _run_effects(self, effects: Sequence[Effect], state: CallState) -> None:
        """Run effects; a failure is logged and counted but never spoils the call's answer (the
        state is saved; a retried webhook runs them again)."""
        try:
            self.effects.run(effects, state)
        except Exception:
            count(MetricName.TASK_FAILURES)
            logger.exception("effects of a step failed", extra={"effects": len(effects)})

    def _decide(
        self,
        flow: Flow,
        state: CallState,
        event: EngineEvent,
        answered: dict[object, object],
    ) -> tuple[Step, list[Action], list[Effect]]:
        """Step, making any HTTP request the flow asks for and answering any product query,
        until the call waits. A request made or query answered already for this event
        (``answered``: the save of an earlier decision lost the version race) is not made again;
        its answer is used."""
        try:
            result = step(flow, state, event, self.clock(), self.env)
        except UnknownEventError:
            count(MetricName.UNKNOWN_EVENTS, kind=type(event).__name__)
            logger.error("an event nobody takes", extra={"kind": type(event).__name__})
            raise
        _report(result.notices)
        actions, effects = list(result.actions), list(result.effects)
        while result.request is not None and result.state.awaiting is not None:
            request, ref = result.request, result.state.awaiting.ref
            resumed: HttpResponded | Consulted
            if isinstance(request, HttpRequest):
                resumed = HttpResponded(ref, self._fetch(request, answered))
            else:
                resumed = Consulted(ref, request, self._resolve(request, answered))
            result = step(flow, result.state, resumed, self.clock(), self.env)
            _report(result.notices)
            actions.extend(result.actions)
            effects.extend(result.effects)
        return result, actions, effects

    def _resolve(self, query: object, answered: dict[object, object]) -> object:
        """Answer a product's query (once per event) by its registered resolver, within the
        webhook's deadline; a failure or no time left answers ``Unanswered`` (the widget takes
        its error branch), logged and counted."""
        if query in answered:
            return answered[query]
        resolver = self.resolvers.get(type(query))
        answer: object
        if resolver is None:
            answer = Unanswered(f"no resolver for {type(query).__name__}")
        else:
            try:
                budget(1.0, reserve=SAVE_RESERVE_SECONDS)
                answer = resolver(query)
            except DeadlineExceededError:
                answer = Unanswered("no time left in the webhook")
            except Exception as error:
                answer = Unanswered(f"{type(error).__name__}: {error}")
        if isinstance(answer, Unanswered):
            count(MetricName.UNANSWERED_QUERIES, kind=type(query).__name__)
            logger.error(
                "a query went unanswered",
                extra={"query": type(query).__name__, "reason": answer.reason},
            )
        answered[query] = answer
        return answer

    def _fetch(self, request: HttpRequest, answered: dict[object, object]) -> HttpResult:
        """Make a flow's HTTP request (once per event) within what the webhook's deadline leaves
        it; with too little left it times out at once (the flow takes its failure branch)."""
        key = _request_key(request)
        if key in answered:
            known = answered[key]
            assert isinstance(known, HttpResult)
            return known
        try:
            timeout = budget(request.timeout, reserve=SAVE_RESERVE_SECONDS)
        except DeadlineExceededError:
            response = HttpResult(None, "", 0.0, "TIMEOUT")
        else:
            response = self.fetch(replace(request, timeout=timeout))
        answered[key] = response
        return response


RequestKey = tuple[str, str, tuple[tuple[str, str], ...], str | None]


def _request_key(request: HttpRequest) -> RequestKey:
    """What makes two of a flow's HTTP requests the same request (the timeout does not)."""
    return (request.method, request.url, tuple(sorted(request.headers.items())), request.body)


def _report(notices: Sequence[Notice]) -> None:
    """Log and count what the flow got past (a refused run-time pattern, ...)."""
    for notice in notices:
        count(MetricName.FLOW_NOTICES, kind=notice.kind)
        logger.warning(
            "flow notice", extra={"node": notice.node, "kind": notice.kind, "detail": notice.detail}
        )


def fallback_actions(
    fallback_number: str | None, caller_id: str | None, language: str | None = None
) -> list[Action]:
    """What a caller hears when handling their call failed: an apology in the call's language,
    then the configured fallback number (if any) or the end of the call."""
    texts, voice = texts_for(language)
    actions: list[Action] = [Say(texts.apology, voice)]
    if fallback_number and caller_id:
        actions.append(Bridge("fallback", fallback_number, caller_id))
    else:
        actions.append(Hangup())
    return actions
