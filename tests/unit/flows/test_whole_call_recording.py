"""Recording the whole call: GIVEN a flow with ``record_call``, WHEN the call is answered, THEN a
recording of the whole call starts before the first node speaks (it runs in the background to
the end of the call), ``$call.recorded`` is true and ``$call.flow.recordingUri`` its address; the
carrier's recording webhook has the file copied into the recordings bucket."""

from __future__ import annotations

from flowkit import Driver, flow_of

from chalicelib.flows.outcomes import FetchRecording
from chalicelib.telephony.actions import Record, RecordingFormat, Say
from chalicelib.telephony.events import RecordingReady

NODES = {"s": {"widget": "hangup", "text": "Recorded: $call.recorded at $call.flow.recordingUri"}}


def test_the_whole_call_is_recorded_from_the_answer() -> None:
    d = Driver(flow_of(NODES, record_call="wav"))
    first = d.answer()
    assert first.actions[0] == Record("0", RecordingFormat.WAV)
    uri = "http://127.0.0.1:8000/v1/calls/call-1/recordings/0"
    assert first.actions[1] == Say(f"Recorded: true at {uri}", "en-US")
    ready = d.send(RecordingReady("https://api.nexmo.com/v1/files/f1", "r1", "CON-1", ref="0"))
    assert ready.effects == (
        FetchRecording(
            "call-1:recording:r1",
            "https://api.nexmo.com/v1/files/f1",
            "recordings/acct/call-1/0-flow.wav",
        ),
    )


def test_a_flow_that_does_not_record_says_so() -> None:
    said = Driver(flow_of(NODES)).answer().actions[0]
    assert said == Say("Recorded: false at ", "en-US")
