"""The path a call takes: GIVEN a flow, WHEN a call goes through it, THEN its state keeps each
node entered (when, by which output it left), what the caller pressed or said there, and each
webhook's status and time; bounded, so a looping call keeps a few kilobytes at most."""

from __future__ import annotations

from datetime import timedelta

from flowkit import NOW, Driver, flow_of

from chalicelib.flows import path
from chalicelib.flows.engine import step
from chalicelib.flows.outcomes import HttpResponded, HttpResult
from chalicelib.flows.path import MAX_PATH, PathStep
from chalicelib.telephony.events import InputReceived, SpeechResult

NODES = {
    "menu": {
        "widget": "menu",
        "prompt": "Press 1 for sales.",
        "options": {"1": "pin"},
        "next": {"timeout": "bye", "invalid": "bye"},
    },
    "pin": {"widget": "input", "prompt": "Your PIN?", "variable": "pin", "next": "crm"},
    "crm": {
        "widget": "webhook",
        "url": "https://crm.example/pin/$flow.key.pin",
        "next": {"success": "city", "failure": "bye"},
    },
    "city": {
        "widget": "input",
        "prompt": "Which city?",
        "variable": "city",
        "mode": "speech",
        "next": "bye",
    },
    "bye": {"widget": "hangup", "text": "Bye"},
}


def test_a_call_keeps_each_node_what_it_heard_and_how_it_left() -> None:
    d = Driver(flow_of(NODES))
    d.answer()
    d.send(InputReceived("leg-a", "CON-1", digits="1", ref=d.ref))
    d.send(InputReceived("leg-a", "CON-1", digits="4321", ref=d.ref))
    d.send(HttpResponded(d.ref, HttpResult(200, "{}", 0.123)))
    later = NOW + timedelta(seconds=12.5)
    d.last = step(
        d.flow,
        d.state,
        InputReceived("leg-a", "CON-1", speech=(SpeechResult("Leeds", 0.9),), ref=d.ref),
        later,
    )
    assert d.last.state.path == (
        PathStep("menu", "menu", 0.0, output="1", heard="1"),
        PathStep("pin", "input", 0.0, output="next", heard="4321"),
        PathStep("crm", "webhook", 0.0, output="success", status="200", seconds=0.123),
        PathStep("city", "input", 0.0, output="next", heard="Leeds"),
        PathStep("bye", "hangup", 12.5),
    )


def test_a_webhook_that_got_no_answer_says_why() -> None:
    d = Driver(flow_of(NODES))
    d.answer()
    d.send(InputReceived("leg-a", "CON-1", digits="1", ref=d.ref))
    d.send(InputReceived("leg-a", "CON-1", digits="4321", ref=d.ref))
    d.send(HttpResponded(d.ref, HttpResult(None, "", 3.0, "TIMEOUT")))
    assert d.state.path[2] == PathStep(
        "crm", "webhook", 0.0, output="failure", status="TIMEOUT", seconds=3.0
    )


def test_a_looping_call_keeps_its_first_steps_and_says_it_was_cut() -> None:
    nodes = {
        "ask": {
            "widget": "menu",
            "prompt": "Press 1 again.",
            "options": {"1": "ask"},
            "next": {"timeout": "ask", "invalid": "ask"},
        }
    }
    d = Driver(flow_of(nodes))
    d.answer()
    for _ in range(MAX_PATH + 20):
        d.send(InputReceived("leg-a", "CON-1", digits="1", ref=d.ref))
    assert len(d.state.path) == MAX_PATH and path.is_cut(d.state.path)


def test_a_path_round_trips_through_its_stored_form_and_a_bad_one_reads_empty() -> None:
    steps = (PathStep("a", "say", 0.0, output="next"), PathStep("b", "webhook", 1.5, status="200"))
    text = path.encode(steps)
    assert text is not None and len(text) < 120
    assert path.decode(text) == steps
    assert path.encode(()) is None and path.decode("not json") == () and path.decode(None) == ()
