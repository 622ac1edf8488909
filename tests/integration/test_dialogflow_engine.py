"""The Dialogflow engine against a Dialogflow ES agent on loopback
(infra/local/dialogflow_api.py): real gRPC and the library's own protobuf messages, built with a
service account key as in production.

GIVEN the agent "Eva" of ../shared/seeds/phonon-central-flows.txt (option 1: payment details,
option 2: account details, option 3: loan details), WHEN the engine detects an utterance, THEN a
match gives the intent, its confidence, its response text and its parameters as text; a fallback
or no intent gives no intent; the agent saw the call's session path and the language asked; text
is cut to Dialogflow's 256 characters; and a slow, failing or absent agent is
``EngineUnavailableError`` naming what happened and never the key.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
import pytest

from chalicelib.speech.dialogflow import DialogflowEngine
from chalicelib.speech.port import Detection, EngineUnavailableError
from infra.local.dialogflow_api import (
    FALLBACK,
    Agent,
    Reply,
    dialogflow_agent,
    service_account_json,
)

pytestmark = pytest.mark.http

CALL = "7b0f5c2e-4a1d-4c3e-9f7a-2d6b8e1a0c55"
EVA = {
    "I choose option one": Reply(
        "option1", confidence=0.87, fulfilment="Your last payment of 40 EUR was received."
    ),
    "I want first option for 3 months": Reply(
        "option1",
        confidence=0.6,
        parameters={"OPTIONS": "Option 1", "number": 3.0, "months": [1.0, 2.5, "March"]},
    ),
    "loan details in euro, urgent": Reply(
        "option3",
        parameters={
            "amount": {"amount": 1200.0, "currency": "EUR"},
            "urgent": True,
            "note": None,
            "empty": [],
        },
    ),
    "nothing at all": Reply(None, confidence=0.0),
}


@pytest.fixture(scope="module")
def key() -> str:
    return service_account_json()


@pytest.fixture
def agent() -> Iterator[Agent]:
    with dialogflow_agent(EVA) as agent:
        yield agent


@pytest.fixture
def engine(agent: Agent, key: str) -> Iterator[DialogflowEngine]:
    engine = DialogflowEngine("eva-agent", key, endpoint=agent.address)
    yield engine
    engine.close()


def test_a_matched_intent_with_its_confidence_and_response(
    engine: DialogflowEngine, agent: Agent
) -> None:
    # WHEN the caller says "I choose option one"
    found = engine.detect(CALL, "I choose option one", "en-US", timeout=5)
    # THEN the intent, its confidence and its response come back
    assert found == Detection(
        intent="option1",
        confidence=pytest.approx(0.87),
        fulfilment="Your last payment of 40 EUR was received.",
        parameters={},
    )
    # AND the agent saw one text query in the call's session and language
    (request,) = agent.requests
    assert request.session == f"projects/eva-agent/agent/sessions/{CALL}"
    assert request.query_input.text.text == "I choose option one"
    assert request.query_input.text.language_code == "en-US"


def test_the_fallback_intent_and_no_intent_are_no_match(engine: DialogflowEngine) -> None:
    # WHEN the agent answers with its fallback intent
    fallback = engine.detect(CALL, "what is the weather", "en-US", timeout=5)
    # THEN there is no intent, and the fallback's response is kept
    assert fallback.intent is None and fallback.fulfilment == "Sorry, could you say that again?"
    # WHEN the agent matches no intent at all
    nothing = engine.detect(CALL, "nothing at all", "en-US", timeout=5)
    # THEN there is no intent either
    assert nothing == Detection(intent=None, confidence=0.0, fulfilment="", parameters={})
    assert FALLBACK not in {fallback.intent, nothing.intent}


def test_parameters_of_each_type_as_text(engine: DialogflowEngine) -> None:
    # WHEN the matched intent has text, number and list parameters
    found = engine.detect(CALL, "I want first option for 3 months", "en-GB", timeout=5)
    # THEN each is text: numbers without a trailing .0, lists joined with ", "
    assert found.parameters == {"OPTIONS": "Option 1", "number": "3", "months": "1, 2.5, March"}
    # WHEN they are a structure, a truth value, a null and an empty list
    loan = engine.detect(CALL, "loan details in euro, urgent", "en-GB", timeout=5)
    # THEN the structure is JSON, the truth value true, the null and the empty list empty
    assert loan.intent == "option3"
    assert loan.parameters == {
        "amount": '{"amount": 1200, "currency": "EUR"}',
        "urgent": "true",
        "note": "",
        "empty": "",
    }


def test_the_language_and_session_are_per_call(engine: DialogflowEngine, agent: Agent) -> None:
    # WHEN two calls speak two languages
    engine.detect("call-a", "Ich wähle Option eins", "de-DE", timeout=5)
    engine.detect("call-b", "je choisis l'option un", "fr-FR", timeout=5)
    # THEN each request carried its own call's session and language
    assert [
        (r.session.rsplit("/", 1)[1], r.query_input.text.language_code) for r in agent.requests
    ] == [
        ("call-a", "de-DE"),
        ("call-b", "fr-FR"),
    ]


def test_an_environment_and_an_unusual_session_id(agent: Agent, key: str) -> None:
    # GIVEN an engine asking the agent's "production" environment
    engine = DialogflowEngine("eva-agent", key, environment="production", endpoint=agent.address)
    # WHEN a session id Dialogflow would refuse (too long, a slash) is used
    engine.detect("x" * 40 + "/y", "I choose option one", "en-US", timeout=5)
    engine.close()
    # THEN the environment's session path carries a 32-character hash of it
    (request,) = agent.requests
    prefix = "projects/eva-agent/agent/environments/production/users/-/sessions/"
    assert request.session.startswith(prefix)
    assert len(request.session.removeprefix(prefix)) == 32


def test_text_is_cut_to_256_characters(engine: DialogflowEngine, agent: Agent) -> None:
    # WHEN an utterance is 300 characters long
    engine.detect(CALL, "é" * 300, "fr-FR", timeout=5)
    # THEN the agent got its first 256
    assert agent.requests[0].query_input.text.text == "é" * 256


def test_text_that_is_not_unicode_text_is_sent_as_utf8(
    engine: DialogflowEngine, agent: Agent
) -> None:
    # WHEN the text, the language and the session hold a lone surrogate (no UTF-8 for it)
    found = engine.detect("call\udc80", "I choose option one\ud800", "en\ud800", timeout=5)
    # THEN each is sent with "?" in its place (the session hashed), and answered
    (request,) = agent.requests
    assert request.query_input.text.text == "I choose option one?"
    assert request.query_input.text.language_code == "en?"
    assert len(request.session.rsplit("/", 1)[1]) == 32 and found.intent is None


def test_blank_text_is_no_match_without_asking(engine: DialogflowEngine, agent: Agent) -> None:
    # WHEN the caller said nothing
    found = engine.detect(CALL, "   ", "en-US", timeout=5)
    # THEN it is no match, and the agent was not asked
    assert found == Detection(intent=None, confidence=0.0)
    assert agent.requests == []


def test_a_slow_agent_is_unavailable_at_the_deadline(
    engine: DialogflowEngine, agent: Agent
) -> None:
    # GIVEN an agent that takes 30 s to answer
    agent.delay = 30.0
    started = time.monotonic()
    # WHEN the engine asks with a 0.3 s timeout
    with pytest.raises(EngineUnavailableError, match=r"did not answer within 0\.3 s"):
        engine.detect(CALL, "I choose option one", "en-US", timeout=0.3)
    # THEN it raised (near the deadline, not after the agent's 30 s: printed, not asserted)
    print(f"raised after {time.monotonic() - started:.2f} s")
    # AND it asked once: no retry
    assert len(agent.requests) == 1


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (grpc.StatusCode.UNAVAILABLE, "the agent is being trained"),
        (grpc.StatusCode.PERMISSION_DENIED, "IAM permission 'dialogflow.sessions.detectIntent'"),
        (grpc.StatusCode.INVALID_ARGUMENT, "Invalid language code 'xx-XX'"),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, "Quota exceeded"),
    ],
)
def test_an_aborted_call_is_unavailable_with_its_status(
    engine: DialogflowEngine, agent: Agent, key: str, status: grpc.StatusCode, message: str
) -> None:
    # GIVEN an agent that aborts every call with a status
    agent.failure = (status, message)
    # WHEN the engine asks
    with pytest.raises(EngineUnavailableError) as raised:
        engine.detect(CALL, "I choose option one", "en-US", timeout=5)
    # THEN the error names the status and the agent's message, once, and never the key
    assert str(raised.value) == f"Dialogflow failed: {status.name}: {message}"
    assert "PRIVATE KEY" not in str(raised.value) and len(agent.requests) == 1


def test_no_agent_listening_is_unavailable(key: str) -> None:
    # GIVEN an address nothing listens on (an agent started and stopped)
    with dialogflow_agent(EVA) as agent:
        address = agent.address
    engine = DialogflowEngine("eva-agent", key, endpoint=address)
    # WHEN the engine asks
    with pytest.raises(EngineUnavailableError, match=r"UNAVAILABLE|did not answer"):
        engine.detect(CALL, "I choose option one", "en-US", timeout=2)
    engine.close()


def test_the_client_is_built_once_and_reused(engine: DialogflowEngine, agent: Agent) -> None:
    # WHEN the engine detects twice
    engine.detect(CALL, "I choose option one", "en-US", timeout=5)
    client = engine._client
    engine.detect(CALL, "nothing at all", "en-US", timeout=5)
    # THEN both went through the one client
    assert client is not None and engine._client is client and len(agent.requests) == 2
