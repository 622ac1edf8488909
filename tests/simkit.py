"""Test kit for the simulator: a tiny fake Vonage application (paths -> NCCO answers, every
request recorded), a network wired to it in-process, and the small "pull app" the example
scenarios in tests/scenarios/ run against."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from chalicelib.simulator.model import VonageApplication
from chalicelib.simulator.network import Network
from chalicelib.simulator.scheduler import VirtualClock
from chalicelib.simulator.transport import InProcessTransport, TransportError, WebhookResponse

APP_BASE = "https://app.test"
START = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)
SECRET = "test-signature-secret-0123456789abcdef"
APP_ID = "11111111-2222-4333-8444-555555555555"
SCENARIOS = Path(__file__).resolve().parent / "scenarios"


@dataclass
class Received:
    """One request the fake app got."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def fields(self) -> dict[str, Any]:
        """The webhook's fields, whatever the method."""
        if self.method == "GET":
            return dict(self.query)
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/x-www-form-urlencoded"):
            return {k: v[-1] for k, v in parse_qs(self.body.decode()).items()}
        return dict(self.json or {})


Reply = Any  # an NCCO list, an int status, a WebhookResponse, None (200 empty) or an exception


@dataclass
class FakeApp:
    """Answers webhooks by path; ``routes`` values are replies or callables taking Received."""

    routes: dict[str, Reply | Callable[[Received], Reply]] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)

    def handle(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> WebhookResponse:
        received = Received(
            method, path, {k: v[-1] for k, v in parse_qs(query).items()}, dict(headers), body
        )
        self.requests.append(received)
        reply = self.routes.get(path)
        if callable(reply):
            reply = reply(received)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, WebhookResponse):
            return reply
        if isinstance(reply, int):
            return WebhookResponse(reply, {}, b"")
        if reply is None:
            return WebhookResponse(200, {}, b"")
        return WebhookResponse(
            200, {"Content-Type": "application/json"}, json.dumps(reply).encode()
        )

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def statuses(self, path: str = "/event") -> list[str]:
        return [str(r.fields.get("status")) for r in self.at(path)]


def application(**overrides: Any) -> VonageApplication:
    settings: dict[str, Any] = {
        "answer_url": f"{APP_BASE}/answer",
        "event_url": f"{APP_BASE}/event",
        "fallback_answer_url": f"{APP_BASE}/fallback",
        "application_id": APP_ID,
        "api_key": "testkey",
        "api_secret": "testsecret",
        "signature_secret": SECRET,
        "sms_url": f"{APP_BASE}/sms",
        "numbers": ("447700900100",),
    }
    settings.update(overrides)
    return VonageApplication(**settings)


def network_for(app: FakeApp, **overrides: Any) -> Network:
    return Network(application(**overrides), InProcessTransport(app.handle), VirtualClock(START))


def sequence(*replies: Reply) -> Callable[[Received], Reply]:
    """A route that gives each reply in turn, then repeats the last."""
    remaining = list(replies)

    def reply(_: Received) -> Reply:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return reply


def refused(_: Received) -> Reply:
    return TransportError("connection refused")


# -- the pull app of the example scenarios --------------------------------------------------------

AGENT = "447700900123"
CUSTOMERS = {"447700900001": "Alice", "447700900002": "Bob"}


def pull_app(network_box: list[Network]) -> FakeApp:
    """Greets known callers by name, offers a menu (DTMF or speech); 1 plays the message and
    texts it, 2 or "agent" connects to an agent with a synchronous failover message."""

    def answer(request: Received) -> Reply:
        name = CUSTOMERS.get(str(request.fields.get("from")))
        if name is None:
            return [{"action": "talk", "text": "Sorry, we do not know this number. Goodbye."}]
        return [
            {"action": "talk", "text": f"Hello {name}, you have one new message.", "bargeIn": True},
            {
                "action": "talk",
                "text": "Press 1 or say message to hear it, press 2 or say agent for an agent.",
                "bargeIn": True,
            },
            {
                "action": "input",
                "type": ["dtmf", "speech"],
                "dtmf": {"maxDigits": 1, "timeOut": 5},
                "speech": {"context": ["message", "agent"]},
                "eventUrl": [f"{APP_BASE}/menu"],
            },
            {"action": "talk", "text": "We did not get your choice. Goodbye."},
        ]

    def menu(request: Received) -> Reply:
        data = request.json
        digits = (data["dtmf"] or {}).get("digits") or ""
        results = data["speech"].get("results") or []
        said = results[0]["text"].lower() if results else ""
        if digits == "1" or "message" in said:
            network_box[0].submit_sms("447700900100", data["from"], "Your parcel has arrived.")
            return [
                {"action": "talk", "text": "Your message: your parcel has arrived."},
                {"action": "talk", "text": "We sent it to you by text as well. Goodbye."},
            ]
        if digits == "2" or "agent" in said:
            return [
                {"action": "talk", "text": "Connecting you to an agent."},
                {
                    "action": "connect",
                    "from": "447700900100",
                    "eventType": "synchronous",
                    "timeout": 20,
                    "endpoint": [{"type": "phone", "number": AGENT}],
                    "eventUrl": [f"{APP_BASE}/agent-event"],
                },
                {"action": "talk", "text": "Thank you for calling. Goodbye."},
            ]
        return []

    def agent_event(request: Received) -> Reply:
        if request.json.get("status") in ("busy", "timeout", "unanswered", "failed", "rejected"):
            return [{"action": "talk", "text": "All our agents are busy. Please call again later."}]
        return None

    return FakeApp({"/answer": answer, "/menu": menu, "/agent-event": agent_event})
