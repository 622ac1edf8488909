"""The speech widget on the pure engine, its queries answered by the real speech service over the
Eva export (a fake agent source, no store): it prompts and listens with the agent's hints, each
intent takes its own output by words and by keys, the fetched variables are stored, no match and
silence ask again and then take their outputs, a slow or failing engine takes ``error`` (or ends
the call with an apology), and flows asking for languages a function lacks are refused at load,
naming the node."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from unit.flows.flowkit import Driver, flow_of

from chalicelib.errors import NotFoundError
from chalicelib.flows.engine import Step, step
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.outcomes import Consulted, Unanswered
from chalicelib.flows.widgets import register_widget
from chalicelib.speech import widget
from chalicelib.speech.agent import Agent
from chalicelib.speech.port import Detection, EngineUnavailableError, IntentEngine
from chalicelib.speech.queries import AgentHints, DetectIntent, NotUnderstood
from chalicelib.speech.records import AgentVersion
from chalicelib.speech.service import SpeechService
from chalicelib.telephony.actions import Ask, Say
from chalicelib.telephony.events import InputReceived, SpeechResult

EVA = Path(__file__).resolve().parents[3] / "flows" / "agents" / "eva"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def export_zip(directory: Path) -> bytes:
    """The export directory as a zip, as an upload carries it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(directory.rglob("*.json")):
            archive.write(path, path.relative_to(directory).as_posix())
    return buffer.getvalue()


EVA_ZIP = export_zip(EVA)


class Agents:
    """An agent source holding the Eva export as version 1 of agent ``eva`` of ``acct``."""

    def __init__(self) -> None:
        self.reads = 0

    def latest_version(self, account_id: str, name: str) -> int:
        self.reads += 1
        if (account_id, name) != ("acct", "eva"):
            raise NotFoundError(f"no agent {name}")
        return 1

    def get_version(self, account_id: str, name: str, version: int) -> AgentVersion:
        if (account_id, name, version) != ("acct", "eva", 1):
            raise NotFoundError(f"no agent {name} version {version}")
        return AgentVersion("acct", "eva", 1, EVA_ZIP, None, ("en", "es"), "d", NOW)

    def credentials(self, secret: str) -> str:
        raise NotFoundError(secret)


@pytest.fixture(autouse=True)
def _registered() -> None:
    register_widget(widget.WIDGET)


def eva_nodes(**ask: Any) -> dict[str, Any]:
    node = {
        "widget": "speech",
        "agent": "eva",
        "prompt": "How can I help?",
        "intents": {
            "payment_details": "payment",
            "account_details": "account",
            "loan_details": "loan",
        },
        "fetch_intent": {"name": "intent", "confidence": "confidence"},
        "fetch_response": {"variable": "answer"},
        "fetch_entities": {"option": "$flow.key.option"},
        "next": {"no_match": "unclear", "no_input": "silent", "error": "sorry"},
        **ask,
    }
    ends = {name: {"widget": "hangup", "text": name} for name in ("unclear", "silent", "sorry")}
    answers = {
        name: {"widget": "hangup", "text": f"{name}: $flow.key.answer"}
        for name in ("payment", "account", "loan")
    }
    wired = {*node["intents"].values()}
    if isinstance(node.get("next"), dict):
        wired |= set(node["next"].values())
    return {"ask": node, **{k: v for k, v in {**answers, **ends}.items() if k in wired}}


class Call:
    """A call through a flow whose queries the speech service answers, as the shell does."""

    def __init__(
        self,
        service: SpeechService | None = None,
        resolve: Callable[[object], object] | None = None,
        **ask: Any,
    ) -> None:
        self.agents = Agents()
        self.service = service or SpeechService(self.agents)
        self.resolve = resolve
        self.driver = Driver(flow_of(eva_nodes(**ask)))
        self.queries: list[object] = []
        self.actions: list[Any] = []

    def _answer(self, query: object) -> object:
        self.queries.append(query)
        if self.resolve is not None:
            return self.resolve(query)
        try:
            if isinstance(query, AgentHints):
                return self.service.hints(query)
            assert isinstance(query, DetectIntent)
            return self.service.detect(query)
        except Exception as error:  # the shell's rule: a failed resolver is Unanswered
            return Unanswered(str(error))

    def _settle(self, result: Step) -> Step:
        self.actions.extend(result.actions)
        while result.request is not None and result.state.awaiting is not None:
            answer = self._answer(result.request)
            event = Consulted(result.state.awaiting.ref, result.request, answer)
            result = step(self.driver.flow, result.state, event, NOW)
            self.driver.state = result.state
            self.actions.extend(result.actions)
        return result

    def start(self) -> Step:
        self.actions.clear()
        return self._settle(self.driver.answer())

    def hear(self, text: str = "", digits: str | None = None) -> Step:
        self.actions.clear()
        speech = (SpeechResult(text, 0.9),) if text else ()
        event = InputReceived("leg-a", "CON-1", digits, speech=speech, ref=self.driver.ref)
        return self._settle(self.driver.send(event))

    @property
    def said(self) -> list[str]:
        return [action.text for action in self.actions if isinstance(action, Say)]

    @property
    def ask(self) -> Ask:
        [ask] = [action for action in self.actions if isinstance(action, Ask)]
        return ask

    @property
    def flow_vars(self) -> dict[str, str]:
        return dict(self.driver.state.flow_vars)

    @property
    def ended(self) -> bool:
        return self.driver.state.awaiting is None


def test_it_prompts_and_listens_with_the_agents_hints_and_keys() -> None:
    call = Call()
    call.start()
    assert call.said == ["How can I help?"]
    ask = call.ask
    assert ask.speech is not None and ask.speech.language == "en-US"
    assert {"first option", "option 1", "payment details"} <= set(ask.speech.context)
    assert ask.dtmf is not None and ask.dtmf.max_digits == 1
    assert call.queries == [AgentHints("acct", "eva", "en-US", None)]


@pytest.mark.parametrize(
    ("text", "digits", "node", "option"),
    [
        ("I want the first option", None, "payment", "1"),
        ("option one please", None, "payment", "1"),
        ("my payment details", None, "payment", ""),
        ("the second option", None, "account", "2"),
        ("number two", None, "account", "2"),
        ("I prefer option 3", None, "loan", "3"),
        ("", "1", "payment", "1"),
        ("", "2#", "account", "2"),
        ("", "3", "loan", "3"),
    ],
)
def test_each_intent_takes_its_output_by_words_and_by_keys(
    text: str, digits: str | None, node: str, option: str
) -> None:
    call = Call()
    call.start()
    call.hear(text, digits)
    assert call.ended
    intent = {"payment": "payment_details", "account": "account_details", "loan": "loan_details"}
    values = call.flow_vars
    assert values["intent"] == intent[node]
    assert 0.5 < float(values["confidence"]) <= 1.0
    assert values["option"] == option
    assert call.said == [f"{node}: {values['answer']}"]
    assert values["answer"].startswith(("Your", "Your account"))
    detect = call.queries[-1]
    assert isinstance(detect, DetectIntent)
    assert (detect.version, detect.session, detect.language) == (1, "call-1", "en-US")
    assert detect.text == (text or (digits or "").rstrip("#"))


def test_spanish_callers_are_heard_and_answered_in_spanish() -> None:
    call = Call(speech_language="es-ES", language="es-ES", prompt="¿En qué le puedo ayudar?")
    call.start()
    assert call.ask.speech is not None and call.ask.speech.language == "es-ES"
    assert "primera opción" in call.ask.speech.context
    call.hear("quiero la primera opción")
    assert call.flow_vars["intent"] == "payment_details"
    assert call.flow_vars["answer"].startswith("Hemos recibido")


def test_no_match_asks_again_with_the_agents_fallback_then_takes_no_match() -> None:
    call = Call()
    call.start()
    call.hear("what is the weather like on mars")
    assert not call.ended
    assert call.said[0].startswith("Sorry, I did not get that. Please say option one")
    assert call.said[1] == "How can I help?"
    assert call.flow_vars["intent"] == ""
    call.hear("bananas and custard")
    call.hear("still nothing useful")
    assert call.ended and call.said == ["unclear"]
    assert [type(q).__name__ for q in call.queries].count("AgentHints") == 3
    pinned = [q for q in call.queries if isinstance(q, AgentHints)][1:]
    assert all(q.version == 1 for q in pinned)  # a retry stays on the call's version


def test_the_nodes_own_words_replace_the_apologies() -> None:
    call = Call(invalid_prompt="Pardon?", timeout_prompt="Are you there?")
    call.start()
    call.hear("gibberish words here")
    assert call.said[0] == "Pardon?"
    call.hear()
    assert call.said[0] == "Are you there?"


def test_silence_asks_again_then_takes_no_input() -> None:
    call = Call(retries=1)
    call.start()
    call.hear()
    assert not call.ended and "did not get that" in call.said[0]
    call.hear()
    assert call.ended and call.said == ["silent"]
    assert not any(isinstance(q, DetectIntent) for q in call.queries)  # silence asks nobody


def test_a_threshold_of_the_node_turns_weak_matches_into_no_match() -> None:
    call = Call(min_confidence=0.99, retries=0)
    call.start()
    call.hear("I think maybe the first option")
    assert call.ended and call.said == ["unclear"]


def test_an_intent_the_flow_does_not_list_takes_next_or_counts_as_no_match() -> None:
    nodes = {"payment_details": "payment"}
    call = Call(intents=nodes, retries=0)
    call.start()
    call.hear("the second option")
    assert call.said == ["unclear"]
    call = Call(
        intents=nodes,
        retries=0,
        next={"next": "account", "no_match": "unclear", "no_input": "silent", "error": "sorry"},
    )
    call.start()
    call.hear("the second option")
    assert call.said[0].startswith("account: Your account is active")


def test_speak_response_says_the_agents_answer_before_going_on() -> None:
    call = Call(fetch_response={"variable": "answer", "speak": True})
    call.start()
    call.hear("loan details please")
    assert call.said[0].startswith("Your loan has twelve instalments left")
    assert call.said[1].startswith("loan: Your loan")


class _Down:
    def detect(self, session: str, text: str, language: str, timeout: float) -> Detection:
        raise EngineUnavailableError(f"no answer within {timeout:g} s")


def _down_service(agents: Agents) -> SpeechService:
    def factory(version: AgentVersion, agent: Agent | None, secret: Any) -> IntentEngine:
        return _Down()

    return SpeechService(agents, engine_factory=factory)


def test_an_engine_that_is_down_takes_error_at_once_and_is_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted: list[dict[str, str]] = []
    monkeypatch.setattr(
        "chalicelib.speech.service.count",
        lambda name, value=1, **dims: counted.append({"name": str(name), **dims}),
    )
    call = Call(service=_down_service(Agents()))
    call.start()
    call.hear("first option")
    assert call.ended and call.said == ["sorry"]
    assert counted == [{"name": "SpeechEngineFailures", "engine": "local", "reason": "unavailable"}]


def test_an_unwired_error_apologises_and_ends_the_call() -> None:
    call = Call(
        service=_down_service(Agents()),
        next={"no_match": "unclear", "no_input": "silent"},
    )
    call.start()
    call.hear("first option")
    assert call.ended
    [apology] = call.said
    assert apology == "We are sorry, we cannot take your call right now. Please try again later."


def test_an_unknown_agent_or_an_unanswered_query_takes_error() -> None:
    call = Call(agent="nobody")
    call.start()
    assert call.ended and call.said == ["sorry"]
    call = Call(resolve=lambda query: Unanswered("no time left in the webhook"))
    call.start()
    assert call.ended and call.said == ["sorry"]


def test_a_detection_with_no_time_left_in_the_webhook_takes_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.ops import deadline

    def exhausted(limit: float, reserve: float = 0.0) -> float:
        raise deadline.DeadlineExceededError("0.100 s left: too little for a request")

    monkeypatch.setattr("chalicelib.speech.service.budget", exhausted)
    call = Call()
    call.start()
    call.hear("first option")
    assert call.said == ["sorry"]


def test_the_detection_gets_the_nodes_timeout_cut_to_the_webhooks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[float] = []

    class Engine:
        def detect(self, session: str, text: str, language: str, timeout: float) -> Detection:
            seen.append(timeout)
            return Detection("loan_details", 0.9, "Loans.", {"option": "3"})

    def factory(version: AgentVersion, agent: Agent | None, secret: Any) -> IntentEngine:
        return Engine()

    monkeypatch.setattr(
        "chalicelib.speech.service.budget", lambda limit, reserve=0.0: min(limit, 1.25)
    )
    call = Call(service=SpeechService(Agents(), engine_factory=factory), engine_timeout=3.0)
    call.start()
    call.hear("three")
    assert seen == [1.25] and call.said == ["loan: Loans."]


def test_the_latest_version_is_read_once_per_few_seconds_and_versions_are_kept() -> None:
    clock = [100.0]
    agents = Agents()
    service = SpeechService(agents, monotonic=lambda: clock[0])
    for _ in range(3):
        service.hints(AgentHints("acct", "eva", "en-GB"))
    assert agents.reads == 1
    clock[0] += 10
    service.hints(AgentHints("acct", "eva", "en-GB"))
    assert agents.reads == 2
    assert service.prepared("acct", "eva", 1) is service.prepared("acct", "eva", 1)


def test_dialogflow_is_asked_in_its_own_language_code() -> None:
    seen: list[str] = []

    class Engine:
        def detect(self, session: str, text: str, language: str, timeout: float) -> Detection:
            seen.append(language)
            return Detection(None, 0.0)

    class DialogflowAgents(Agents):
        def get_version(self, account_id: str, name: str, version: int) -> AgentVersion:
            from chalicelib.speech.records import DialogflowTarget

            target = DialogflowTarget("eva-agent", None, "ringflow/test/dialogflow/acct/eva")
            return AgentVersion("acct", "eva", 1, None, target, ("en", "es"), "d", NOW)

    def factory(version: AgentVersion, agent: Agent | None, secret: Any) -> IntentEngine:
        return Engine()

    service = SpeechService(DialogflowAgents(), engine_factory=factory)
    for locale in ("en-GB", "es-ES", "pt-BR"):
        answer = service.detect(DetectIntent("acct", "eva", 1, "c", "hola", locale, 1.0))
        assert not isinstance(answer, NotUnderstood)
    assert seen == ["en", "es", "pt-br"]
    refused = service.detect(DetectIntent("acct", "eva", 1, "c", "hola", "cy-GB", 1.0))
    assert isinstance(refused, NotUnderstood) and "cy-GB" in refused.reason
    # a Dialogflow agent without an export sends no hints of its own
    assert service.hints(AgentHints("acct", "eva", "en-GB")).phrases == ()


@pytest.mark.parametrize(
    ("ask", "flow_language", "expected"),
    [
        ({"speech_language": "gu-IN"}, "en-GB", "Dialogflow does not understand 'gu-IN'"),
        ({"speech_language": "xx-YY"}, "en-GB", "does not recognise speech in 'xx-YY'"),
        ({}, "cy-GB", "Dialogflow does not understand 'cy-GB'"),
        ({"language": "gu-IN"}, "en-GB", "text-to-speech"),
    ],
)
def test_a_flow_asking_for_an_unsupported_language_is_refused_naming_the_node(
    ask: dict[str, Any], flow_language: str, expected: str
) -> None:
    with pytest.raises(FlowValidationError) as refused:
        flow_of(eva_nodes(**ask), language=flow_language)
    assert "nodes.ask" in str(refused.value) and expected in str(refused.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"agent": "Eva Bot"}, "agent's name"),
        ({"intents": {"no_match": "unclear"}}, "output names"),
        ({"fetch_entities": {"option": "$user.key.option"}}, "$flow.key variables only"),
        ({"fetch_intent": {"name": "$call.language"}}, "$flow.key variables only"),
        ({"intents": {}, "next": None}, "leads somewhere"),
        ({"intents": {"payment_details": "nowhere"}}, "nowhere"),
        ({"engine_timeout": 4.5}, "engine_timeout"),
    ],
)
def test_bad_speech_nodes_are_refused(change: dict[str, Any], expected: str) -> None:
    nodes = eva_nodes(**change)
    if change.get("next", "") is None:
        nodes["ask"].pop("next")
    with pytest.raises(FlowValidationError) as refused:
        flow_of(nodes)
    assert expected in str(refused.value)


def test_the_shipped_eva_flow_parses_and_branches_on_the_three_intents() -> None:
    from chalicelib.flows.model import parse_flow

    root = Path(__file__).resolve().parents[3]
    flow = parse_flow((root / "flows" / "eva.json").read_text())
    node = flow.nodes["ask"]
    assert isinstance(node, widget.SpeechConfig)
    assert set(node.intents) == {"payment_details", "account_details", "loan_details"}
