"""Machine detection on the in-process simulated network, as Vonage documents it (FACTS §2.10;
DOCS "Voicemail Detection (Automatic Machine Detection)"
https://developer.vonage.com/en/voice/voice-api/concepts/advanced-machine-detection): standard
detection is synchronous (answered, human/machine, then the first NCCO action), ``hangup`` ends
the call; advanced detection checks its options and sends each mode's sequence."""

from __future__ import annotations

from typing import Any

import pytest
from simkit import FakeApp, network_for

from chalicelib.simulator.machine_detection import MachineDetectionError
from chalicelib.simulator.model import EntryKind
from chalicelib.simulator.ncco import NccoError, parse_ncco
from chalicelib.simulator.network import CallHandle, Network

CUSTOMER = "447700900001"
LVN = "447700900100"


def order(call: CallHandle) -> list[str]:
    """Event statuses (with sub_state) and the first thing said, in the order they happened."""
    seen: list[str] = []
    for entry in call.transcript:
        if entry.kind is EntryKind.WEBHOOK and entry.text.startswith(("event ", "answer")):
            seen.append(entry.text.split(":")[0].removeprefix("event "))
        if entry.kind is EntryKind.SAY and "said" not in seen:
            seen.append("said")
    return seen


def outbound(network: Network, **detection: Any) -> CallHandle:
    call = network.create_call(
        CUSTOMER, LVN, ncco=[{"action": "talk", "text": "Hello there"}], **detection
    )
    network.run_until_idle()
    return call


def test_standard_detection_reports_a_human_before_the_first_action() -> None:
    # GIVEN a person who answers, and standard detection
    network = network_for(FakeApp())
    # WHEN the call is placed
    call = outbound(network, machine_detection="continue")
    # THEN answered, then human, then the NCCO: the detection is synchronous (DOCS)
    assert order(call) == ["started", "ringing", "answered", "human", "said", "completed"]
    human = next(e for e in call.events() if e["status"] == "human")
    assert human["call_uuid"] == call.uuid and "uuid" not in human


def test_standard_detection_fetches_the_answer_url_only_after_the_verdict() -> None:
    app = FakeApp({"/answer": [{"action": "talk", "text": "Hi"}]})
    network = network_for(app)
    network.create_call(
        CUSTOMER, LVN, answer_url="https://app.test/answer", machine_detection="continue"
    )
    network.run_until_idle()
    kinds = [(r.path, r.fields.get("status")) for r in app.requests]
    assert kinds.index(("/event", "human")) < kinds.index(("/answer", None))


def test_standard_hangup_on_a_machine_ends_the_call_before_any_action() -> None:
    # GIVEN an answering machine and detection that hangs up
    network = network_for(FakeApp())
    network.set_number(CUSTOMER, {"behaviour": "answering_machine"})
    call = outbound(network, machine_detection="hangup")
    # THEN machine, then completed by the platform; nothing was said
    assert order(call) == ["started", "ringing", "answered", "machine", "completed"]
    assert call.transcript.said() == []
    assert call.events()[-1]["disconnected_by"] == "platform"


def test_standard_continue_on_a_machine_runs_the_ncco_after_the_verdict() -> None:
    network = network_for(FakeApp())
    network.set_number(CUSTOMER, {"behaviour": "answering_machine"})
    call = outbound(network, machine_detection="continue")
    assert order(call) == ["started", "ringing", "answered", "machine", "said", "completed"]


@pytest.mark.parametrize(
    ("beep_after", "expected"),
    [(8.0, ["machine", "machine/beep_start"]), (None, ["machine", "machine/beep_timeout"])],
)
def test_detect_beep_waits_for_the_beep_or_its_timeout_before_the_ncco(
    beep_after: float | None, expected: list[str]
) -> None:
    # GIVEN a machine whose greeting ends with a beep (or never beeps)
    network = network_for(FakeApp())
    network.set_number(CUSTOMER, {"behaviour": "answering_machine", "beep_after": beep_after})
    # WHEN advanced detection listens for the beep (45 s at most)
    call = outbound(
        network,
        advanced_machine_detection={
            "behavior": "continue",
            "mode": "detect_beep",
            "beep_timeout": 45,
        },
    )
    # THEN the verdict, then the beep (or beep_timeout), then the message
    machine = [e for e in call.events() if e.get("status") == "machine"]
    assert [f"machine/{e['sub_state']}" if "sub_state" in e else "machine" for e in machine] == (
        expected
    )
    assert order(call)[3:6] == ["machine", "machine", "said"]
    said_at = call.transcript.of_kind(EntryKind.SAY)[0].seconds
    answered_at = next(e for e in call.transcript.of_kind(EntryKind.STATUS) if e.text == "answered")
    assert said_at - answered_at.seconds >= (beep_after or 45)


def test_default_mode_runs_the_ncco_while_it_detects() -> None:
    # GIVEN advanced detection in the asynchronous default mode and a machine that beeps
    network = network_for(FakeApp())
    network.set_number(CUSTOMER, {"behaviour": "answering_machine", "beep_after": 6})
    call = network.create_call(
        CUSTOMER,
        LVN,
        ncco=[{"action": "talk", "text": "Hello there " * 20}],
        advanced_machine_detection={"behavior": "continue", "mode": "default"},
    )
    network.run_until_idle()
    # THEN the NCCO started at once, and machine then beep_start arrived while it ran
    assert order(call)[3:6] == ["said", "machine", "machine"]
    assert [e.get("sub_state") for e in call.events() if e.get("status") == "machine"] == [
        None,
        "beep_start",
    ]


def test_detect_mode_with_hangup_sends_machine_only_and_ends() -> None:
    network = network_for(FakeApp())
    network.set_number(CUSTOMER, {"behaviour": "answering_machine"})
    call = outbound(network, advanced_machine_detection={"behavior": "hangup", "mode": "detect"})
    assert order(call) == ["started", "ringing", "answered", "machine", "completed"]


def test_advanced_detection_wins_over_standard() -> None:
    network = network_for(FakeApp())
    network.set_number(CUSTOMER, {"behaviour": "answering_machine"})
    call = outbound(
        network,
        machine_detection="hangup",
        advanced_machine_detection={"behavior": "continue", "mode": "detect"},
    )
    assert "said" in order(call)


@pytest.mark.parametrize(
    "options",
    [
        {"behavior": "drop"},
        {"mode": "async"},
        {"beep_timeout": 44},
        {"beep_timeout": 121},
        {"beep_timeout": "60"},
        {"mode": "detect", "speed": 2},
        "detect",
    ],
)
def test_advanced_options_outside_the_documented_ones_are_refused(options: object) -> None:
    # modes default/detect/detect_beep, behavior continue/hangup, beep_timeout 45-120 (FACTS §2.10)
    network = network_for(FakeApp())
    with pytest.raises(MachineDetectionError):
        network.create_call(
            CUSTOMER,
            LVN,
            ncco=[{"action": "talk", "text": "x"}],
            advanced_machine_detection=options,  # type: ignore[arg-type]
        )
    with pytest.raises(NccoError, match="advancedMachineDetection"):
        parse_ncco(
            [
                {
                    "action": "connect",
                    "endpoint": [{"type": "phone", "number": CUSTOMER}],
                    "advancedMachineDetection": options,
                }
            ]
        )
    assert network.calls() == []


def test_standard_detection_outside_continue_or_hangup_is_refused() -> None:
    network = network_for(FakeApp())
    with pytest.raises(MachineDetectionError):
        network.create_call(
            CUSTOMER, LVN, ncco=[{"action": "talk", "text": "x"}], machine_detection="drop"
        )


def test_a_connect_with_standard_detection_bridges_only_after_the_verdict() -> None:
    # GIVEN a connect to a person with standard detection
    app = FakeApp(
        {
            "/answer": [
                {
                    "action": "connect",
                    "from": LVN,
                    "machineDetection": "continue",
                    "endpoint": [{"type": "phone", "number": "447700900123"}],
                    "eventUrl": ["https://app.test/leg"],
                }
            ]
        }
    )
    network = network_for(app)
    network.set_number("447700900123", {"talk_seconds": 2})
    call = network.call(CUSTOMER, LVN)
    # THEN the far leg reports answered, then human, and only then is bridged
    assert app.statuses("/leg")[2:4] == ["answered", "human"]
    bridged = call.transcript.of_kind(EntryKind.BRIDGE)[0].seconds
    human = next(w for w in call.webhooks if w.payload.get("status") == "human")
    assert bridged >= human.seconds
