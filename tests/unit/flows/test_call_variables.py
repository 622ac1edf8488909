"""``$call`` variables with the Phonon seed's meaning: ``$call.connect`` is when the call got
connected (answered; a bridge, once answered, its own time), and ``$call.isdn`` is the ISDN
(Q.850) cause code of the leg that ended, from the carrier's SIP code or status and detail."""

from __future__ import annotations

import pytest
from flowkit import DID, Driver, flow_of

from chalicelib.telephony.actions import Say
from chalicelib.telephony.causes import q850_cause
from chalicelib.telephony.events import (
    CallStatus,
    CallStatusChanged,
    InputReceived,
    NotifyReceived,
)

SPEAK_CONNECT = {
    "hello": {"widget": "say", "text": "connected at $call.connect", "next": "bye"},
    "bye": {"widget": "hangup"},
}
DIAL = {
    "dial": {
        "widget": "connect",
        "number": "447700900555",
        "caller_id": DID,
        "next": {"next": "cause", "busy": "cause", "no_answer": "cause", "failed": "cause"},
    },
    "cause": {"widget": "hangup", "text": "cause $call.isdn"},
}


def test_connect_is_the_time_the_call_was_answered() -> None:
    # GIVEN an inbound flow that speaks $call.connect, with no bridge
    step = Driver(flow_of(SPEAK_CONNECT)).answer()
    # THEN it speaks the answer time, not an empty string
    assert step.actions[0] == Say("connected at 2026-03-01 09:30:00", "en-US")


@pytest.mark.parametrize(
    ("status", "detail", "sip_code", "cause"),
    [
        (CallStatus.BUSY, None, None, "17"),
        (CallStatus.BUSY, None, 486, "17"),
        (CallStatus.UNANSWERED, "timeout", None, "19"),
        (CallStatus.UNANSWERED, "unavailable", None, "20"),
        (CallStatus.REJECTED, "invalid_number", None, "1"),
        (CallStatus.REJECTED, "declined", 603, "21"),
        (CallStatus.FAILED, "cannot_route", None, "3"),
        (CallStatus.FAILED, None, 503, "41"),
    ],
)
def test_a_failed_bridge_tells_the_flow_its_isdn_cause(
    status: CallStatus, detail: str | None, sip_code: int | None, cause: str
) -> None:
    # GIVEN a flow that dials and then speaks $call.isdn
    d = Driver(flow_of(DIAL))
    d.answer()
    # WHEN the dialled leg ends as the carrier reports it
    step = d.send(
        CallStatusChanged("leg-b", "CON-1", status, ref=d.ref, detail=detail, sip_code=sip_code)
    )
    # THEN the flow goes on and speaks the Q.850 cause
    assert step.actions[0] == Say(f"cause {cause}", "en-US")


def test_a_completed_call_ends_with_normal_clearing() -> None:
    d = Driver(flow_of(DIAL))
    d.answer()
    d.send(CallStatusChanged("leg-b", "CON-1", CallStatus.ANSWERED, ref=d.ref))
    d.send(NotifyReceived("CON-1", {}, ref=d.ref))
    d.send(CallStatusChanged("leg-a", "CON-1", CallStatus.COMPLETED, sip_code=200))
    assert d.state.call_vars["isdn"] == "16"


def test_sip_codes_map_as_rfc_3398_says_and_unknown_ones_fall_back_to_the_status() -> None:
    assert q850_cause(CallStatus.FAILED, sip_code=404) == 1
    assert q850_cause(CallStatus.FAILED, sip_code=480) == 18
    assert q850_cause(CallStatus.FAILED, sip_code=599) == 41
    assert q850_cause(CallStatus.CANCELLED) == 31
    assert q850_cause(CallStatus.COMPLETED, sip_code=486) == 16


@pytest.mark.parametrize("verdict", [CallStatus.HUMAN, CallStatus.MACHINE])
def test_amd_is_the_carriers_machine_detection_verdict(verdict: CallStatus) -> None:
    # GIVEN a flow that asks for a key, then speaks $call.amd (empty before any verdict)
    d = Driver(
        flow_of(
            {
                "ask": {
                    "widget": "menu",
                    "prompt": "verdict so far '$call.amd'. Press 1.",
                    "options": {"1": "tell"},
                },
                "tell": {"widget": "hangup", "text": "verdict $call.amd"},
            }
        )
    )
    said = d.answer().actions[0]
    assert isinstance(said, Say) and said.text == "verdict so far ''. Press 1."
    # WHEN the carrier's detection says human or machine (machine detection "continue")
    d.send(CallStatusChanged("leg-a", "CON-1", verdict))
    step = d.send(InputReceived("leg-a", "CON-1", digits="1", ref=d.ref))
    # THEN the flow speaks the verdict
    assert step.actions[0] == Say(f"verdict {verdict.value}", "en-US")
