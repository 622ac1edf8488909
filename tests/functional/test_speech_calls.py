"""The Eva flow end to end on the simulated network, with each engine: a caller rings Eva's number,
picks English or Spanish, and says what they want in their own words (or presses 1, 2 or 3);
the speech widget hears it through the carrier's speech input, the account's agent understands
it, and the caller hears the details of option 1, 2 or 3. Nothing understood, nothing heard and
an engine that fails take their own branches. The local engine reads the agent's export loaded
with ``AgentLibrary.put``; the Dialogflow engine talks real gRPC (Google's client) to a loopback
agent answering with that export's understanding (``infra/local/dialogflow_api.py``). The whole
app runs
in one process (Chalice test client, moto, the real Vonage adapter against the simulator)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from platformkit import ROOT, running_platform
from test_simulated_calls import World

from chalicelib.speech.agents import DialogflowSpec
from chalicelib.speech.cli import zipped_directory as zipped
from infra.local.dialogflow_api import dialogflow_agent, service_account_json, understanding

EVA_NUMBER = "447700900160"
CALLER = "447700900001"
EVA = ROOT / "flows" / "agents" / "eva"

PAYMENT = "Your last payment was received"
ACCOUNT = "Your account is active and in good standing"
LOAN = "Your loan has twelve instalments left"
PAGO = "Hemos recibido su último pago"
CUENTA = "Su cuenta está activa y al corriente"
PRESTAMO = "A su préstamo le quedan doce cuotas"


class SpeechWorld(World):
    """The simulated network and the platform, with the Eva flow on ``EVA_NUMBER`` and the Eva
    agent loaded for the account, answered by the local engine or by Dialogflow."""

    def __init__(self, platform: Any, tmp: Path, dialogflow: str | None = None) -> None:
        container = platform.container
        if dialogflow is not None:  # before the speech services are built
            container.settings = dataclasses.replace(
                container.settings, dialogflow_endpoint=dialogflow
            )
        super().__init__(platform, tmp)
        admin = container.admin
        admin.load_flow("acme", (ROOT / "flows" / "eva.json").read_text())
        admin.set_listener("acme", "eva", True)
        admin.provision_number("acme", EVA_NUMBER)
        admin.attach_number("acme", EVA_NUMBER, "eva")
        spec = None
        if dialogflow is not None:
            spec = DialogflowSpec("eva-agent", service_account_json("eva-agent"))
        self.agents = container.services("speech").agents
        self.agents.put("acme", "eva", zipped(EVA), spec)

    def eva(self, *script: dict[str, Any]) -> Any:
        """A call to Eva following ``script``; its transcript."""
        handle = self.network.call(CALLER, EVA_NUMBER, list(script))
        return handle.transcript


@pytest.fixture(params=["local", "dialogflow"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def served(engine: str) -> Iterator[Any]:
    """The loopback Dialogflow agent for the Dialogflow runs (None for the local engine)."""
    if engine == "local":
        yield None
        return
    with dialogflow_agent({}, understanding(str(EVA))) as agent:
        yield agent


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, served: Any) -> Iterator[SpeechWorld]:
    with running_platform(monkeypatch) as platform:
        built = SpeechWorld(platform, tmp_path, served.address if served else None)
        try:
            yield built
        finally:
            built.close()


def _heard(transcript: Any, expected: str) -> bool:
    return any(text.startswith(expected) for text in transcript.said())


ENGLISH = [
    ("I want the first option", PAYMENT),
    ("option one please", PAYMENT),
    ("1 option", PAYMENT),
    ("tell me about my payment details", PAYMENT),
    ("the second option", ACCOUNT),
    ("number two", ACCOUNT),
    ("I'd like my account details", ACCOUNT),
    ("I prefer option 3", LOAN),
    ("third option", LOAN),
    ("how much is left on my loan", LOAN),
]
SPANISH = [
    ("quiero la primera opción", PAGO),
    ("opción uno", PAGO),
    ("la segunda opción", CUENTA),
    ("los datos de mi cuenta", CUENTA),
    ("opción tres", PRESTAMO),
    ("la tercera", PRESTAMO),
]


def test_english_callers_reach_each_intent_in_their_own_words(world: SpeechWorld) -> None:
    for phrase, answer in ENGLISH:
        transcript = world.eva({"press": "1"}, {"say": phrase})
        assert _heard(transcript, answer), (phrase, transcript.said())
        assert transcript.said()[1].startswith("Hi, I am Eva")


def test_spanish_callers_reach_each_intent_in_their_own_words(world: SpeechWorld) -> None:
    for phrase, answer in SPANISH:
        transcript = world.eva({"press": "2"}, {"say": phrase})
        assert _heard(transcript, answer), (phrase, transcript.said())
        assert transcript.said()[1].startswith("Hola, soy Eva")


@pytest.mark.parametrize(
    ("language", "answers"),
    [("1", (PAYMENT, ACCOUNT, LOAN)), ("2", (PAGO, CUENTA, PRESTAMO))],
)
def test_keys_reach_each_intent(
    world: SpeechWorld, language: str, answers: tuple[str, ...]
) -> None:
    for key, answer in zip("123", answers, strict=True):
        transcript = world.eva({"press": language}, {"press": key})
        assert _heard(transcript, answer), (key, transcript.said())


def test_nothing_understood_asks_again_then_says_goodbye(world: SpeechWorld) -> None:
    transcript = world.eva({"press": "1"}, {"say": "what a lovely day"}, {"say": "bananas"})
    said = transcript.said()
    assert any(text.startswith("Sorry, I did not get that. Please say option one") for text in said)
    assert said[-1] == "Sorry, I could not understand you. Please call again. Goodbye."
    transcript = world.eva({"press": "2"}, {"say": "hace buen tiempo"}, {"say": "plátanos"})
    assert transcript.said()[-1].startswith("Lo siento, no le he entendido.")


def test_silence_asks_again_then_says_goodbye(world: SpeechWorld) -> None:
    transcript = world.eva({"press": "1"})
    said = transcript.said()
    assert said.count(said[1]) == 2  # Eva asked twice
    assert said[-1] == "I did not hear anything. Please call again. Goodbye."
    transcript = world.eva({"press": "2"})
    assert transcript.said()[-1] == "No le he oído. Vuelva a llamar, por favor. Adiós."


def test_an_engine_that_fails_takes_the_error_branch(world: SpeechWorld, served: Any) -> None:
    if served is not None:  # Dialogflow refuses every request
        served.failure = (grpc.StatusCode.UNAVAILABLE, "the agent is down")
    else:  # the account's agent is gone: nothing can understand the caller
        world.agents.delete("acme", "eva")
    transcript = world.eva({"press": "1"}, {"say": "I want the first option"})
    assert transcript.said()[-1].startswith("Sorry, I cannot help you right now.")
    transcript = world.eva({"press": "2"}, {"say": "quiero la primera opción"})
    assert transcript.said()[-1].startswith("Lo siento, ahora no puedo ayudarle.")


def test_a_slow_dialogflow_takes_the_error_branch_within_the_webhooks_time(
    world: SpeechWorld, served: Any
) -> None:
    if served is None:
        pytest.skip("the local engine answers in process")
    served.delay = 10.0  # far past the carrier's 5 s: the engine's own timeout ends the wait
    transcript = world.eva({"press": "1"}, {"say": "I want the first option"})
    assert transcript.said()[-1].startswith("Sorry, I cannot help you right now.")
    served.delay = 0.0
    served.released.set()


def test_dialogflow_hears_the_call_in_its_language_in_one_session(
    world: SpeechWorld, served: Any
) -> None:
    if served is None:
        pytest.skip("Dialogflow only")
    world.eva({"press": "2"}, {"say": "algo raro"}, {"say": "opción dos"})
    requests = served.requests
    assert [r.query_input.text.language_code for r in requests] == ["es", "es"]
    assert [r.query_input.text.text for r in requests] == ["algo raro", "opción dos"]
    assert len({r.session for r in requests}) == 1
    assert requests[0].session.startswith("projects/eva-agent/agent/sessions/")
