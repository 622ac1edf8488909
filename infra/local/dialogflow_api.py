"""A loopback stand-in for Dialogflow ES, for the tests and the benchmarks: never deployed (it lives
in ``infra/local``, outside the package Chalice builds), so the app's Dialogflow engine is Google's
own client talking real gRPC to it. A server on ``127.0.0.1:0`` implements
``google.cloud.dialogflow.v2.Sessions/DetectIntent`` with the library's own
``DetectIntentRequest``/``DetectIntentResponse`` messages (a generic handler: the library ships
no servicer classes, see ../shared/LOCAL-STACK.md), answering from a scripted table (text ->
``Reply``) or, past it, from an export's understanding (``understanding``: what the local engine
matches), remembering every request it saw, and slow (``delay``) or failing (``failure``) on
demand. Also a freshly generated service account key, the credentials the engine is built with.
Imports grpc, Google's client and ``cryptography``; never imported by ``chalicelib``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import grpc
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.cloud.dialogflow_v2 import (
    DetectIntentRequest,
    DetectIntentResponse,
    Intent,
    QueryResult,
)

SERVICE = "google.cloud.dialogflow.v2.Sessions"
FALLBACK = "Default Fallback Intent"


@dataclass(frozen=True)
class Reply:
    """What the agent answers to one text: the matched intent (``None``: no intent at all), its
    confidence, its response text and parameters (any JSON value), and whether the intent is a
    fallback intent."""

    intent: str | None
    confidence: float = 1.0
    fulfilment: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    fallback: bool = False


NO_MATCH = Reply(
    FALLBACK, confidence=1.0, fulfilment="Sorry, could you say that again?", fallback=True
)
"""The agent's answer to a text the table does not know: its default fallback intent."""


class Agent:
    """The scripted agent behind the server; its attributes may be changed while it serves."""

    def __init__(
        self, replies: Mapping[str, Reply], understand: Callable[[str, str], Reply] | None = None
    ) -> None:
        self.replies = dict(replies)
        self.understand = understand
        self.requests: list[DetectIntentRequest] = []
        self.delay = 0.0
        self.failure: tuple[grpc.StatusCode, str] | None = None
        self.released = threading.Event()
        self.address = ""

    def detect_intent(
        self, request: DetectIntentRequest, context: grpc.ServicerContext
    ) -> DetectIntentResponse:
        self.requests.append(request)
        if self.delay:
            self.released.wait(self.delay)
        if self.failure is not None:
            context.abort(*self.failure)
        text = request.query_input.text
        reply = self.replies.get(text.text)
        if reply is None:
            understood = self.understand(text.text, text.language_code) if self.understand else None
            reply = understood or NO_MATCH
        result = QueryResult(
            query_text=request.query_input.text.text,
            language_code=request.query_input.text.language_code,
            intent_detection_confidence=reply.confidence,
            fulfillment_text=reply.fulfilment,
        )
        QueryResult.pb(result).parameters.update(dict(reply.parameters))
        if reply.intent is not None:
            result.intent = Intent(
                name=f"{request.session.split('/sessions/')[0]}/intents/{len(reply.intent)}",
                display_name=reply.intent,
                is_fallback=reply.fallback,
            )
        return DetectIntentResponse(response_id=f"r{len(self.requests)}", query_result=result)


@contextmanager
def dialogflow_agent(
    replies: Mapping[str, Reply], understand: Callable[[str, str], Reply] | None = None
) -> Iterator[Agent]:
    """A running agent answering ``replies`` (then ``understand(text, language)``, if given);
    ``agent.address`` is its ``127.0.0.1:port``."""
    agent = Agent(replies, understand)
    handler = grpc.method_handlers_generic_handler(
        SERVICE,
        {
            "DetectIntent": grpc.unary_unary_rpc_method_handler(
                agent.detect_intent,
                request_deserializer=DetectIntentRequest.deserialize,
                response_serializer=DetectIntentResponse.serialize,
            )
        },
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    agent.address = f"127.0.0.1:{port}"
    try:
        yield agent
    finally:
        agent.released.set()
        server.stop(grace=None).wait()


def understanding(directory: str) -> Callable[[str, str], Reply]:
    """An agent's understanding as Dialogflow would answer it: the local engine's detection on
    the export in ``directory``, a no match being the export's fallback intent."""
    from chalicelib.speech.local import LocalEngine

    engine = LocalEngine.from_directory(directory)

    def understand(text: str, language: str) -> Reply:
        found = engine.detect("loopback", text, language, 5.0)
        if found.intent is None:
            return Reply(FALLBACK, 1.0, found.fulfilment, fallback=True)
        return Reply(found.intent, found.confidence, found.fulfilment, dict(found.parameters))

    return understand


def service_account_json(project: str = "eva-agent") -> str:
    """A service account key as Google issues it, with a freshly generated RSA key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "project_id": project,
            "private_key_id": "0123456789abcdef",
            "private_key": pem,
            "client_email": f"ringflow@{project}.iam.gserviceaccount.com",
            "client_id": "100000000000000000001",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )
