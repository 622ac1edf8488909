"""Calls on the in-process simulated network against a tiny fake Vonage app: NCCO actions,
event order, payload shapes, retries and fallback, signatures."""

from __future__ import annotations

import re

import pytest
from simkit import (
    APP_BASE,
    SECRET,
    START,
    FakeApp,
    application,
    network_for,
    refused,
    sequence,
)

from chalicelib.simulator.model import EntryKind, SmsInboundMethod
from chalicelib.simulator.ncco import SYNTAX_ERROR
from chalicelib.simulator.network import Network
from chalicelib.simulator.scheduler import VirtualClock
from chalicelib.simulator.transport import InProcessTransport
from chalicelib.telephony.vonage.signatures import (
    SignatureError,
    SmsSignatureMethod,
    verify_sms_params,
    verify_voice_webhook,
)

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CALLER = "447700900001"
LVN = "447700900100"
AGENT = "447700900123"


def talk(text: str, **options: object) -> dict[str, object]:
    return {"action": "talk", "text": text, **options}


def dtmf_input(path: str = "/input", **dtmf: object) -> dict[str, object]:
    return {
        "action": "input",
        "type": ["dtmf"],
        "dtmf": dtmf or {"maxDigits": 1},
        "eventUrl": [f"{APP_BASE}{path}"],
    }


def connect(number: str = AGENT, **options: object) -> dict[str, object]:
    return {
        "action": "connect",
        "from": LVN,
        "endpoint": [{"type": "phone", "number": number}],
        "eventUrl": [f"{APP_BASE}/leg-event"],
        **options,
    }


# -- talk, order of events, payloads --------------------------------------------------------------


def test_talk_actions_are_said_in_order_and_the_call_completes() -> None:
    # GIVEN an app that says two things
    app = FakeApp({"/answer": [talk("Hello Alice"), talk("Goodbye", language="en-GB")]})
    network = network_for(app)
    # WHEN a caller rings
    call = network.call(CALLER, LVN)
    # THEN the transcript has both talks, with language, and the call completed
    assert call.transcript.said() == ["Hello Alice", "Goodbye"]
    assert call.transcript.of_kind(EntryKind.SAY)[1].details["language"] == "en-GB"
    assert call.status == "completed"
    assert "say" in str(call.transcript) and "Hello Alice" in str(call)


def test_inbound_call_fetches_answer_first_then_sends_events_in_provider_order() -> None:
    # GIVEN an app that says one thing
    app = FakeApp({"/answer": [talk("Hi")]})
    network = network_for(app)
    # WHEN a caller (with a +) rings
    call = network.call("+" + CALLER, LVN)
    # THEN the answer webhook comes first (GET, query string), then the four events
    assert [r.path for r in app.requests] == ["/answer"] + ["/event"] * 4
    assert app.statuses() == ["started", "ringing", "answered", "completed"]
    answer = app.requests[0]
    assert answer.method == "GET" and answer.body == b""
    assert answer.query["from"] == CALLER and answer.query["to"] == LVN
    assert re.fullmatch(r"[0-9a-f]{32}", answer.query["uuid"])
    assert re.fullmatch(r"CON-[0-9a-f-]{36}", answer.query["conversation_uuid"])
    events = call.events()
    for event in events:
        assert event["uuid"] == call.uuid and event["direction"] == "inbound"
        assert event["from"] == CALLER and event["to"] == LVN
        assert ISO_MS.match(event["timestamp"])
    answered = events[2]
    assert answered["start_time"] is None and answered["rate"] is None
    completed = events[3]
    assert {"start_time", "end_time", "duration", "rate", "price", "network"} <= set(completed)
    assert isinstance(completed["duration"], str) and isinstance(completed["price"], str)
    assert completed["disconnected_by"] == "platform"
    assert ISO_MS.match(completed["start_time"]) and ISO_MS.match(completed["end_time"])


def test_answer_by_post_sends_a_json_body() -> None:
    # GIVEN an application whose answer method is POST
    app = FakeApp({"/answer": [talk("Hi")]})
    network = network_for(app, answer_method="POST")
    # WHEN a caller rings
    network.call(CALLER, LVN)
    # THEN the answer webhook is a JSON body with the leg's fields
    answer = app.at("/answer")[0]
    assert answer.method == "POST" and answer.json["from"] == CALLER
    assert answer.json["conversation_uuid"].startswith("CON-")


def test_caller_hanging_up_mid_talk_ends_the_call_disconnected_by_user() -> None:
    # GIVEN a long announcement
    app = FakeApp({"/answer": [talk("word " * 200), talk("never heard")]})
    network = network_for(app)
    # WHEN the caller hangs up after 2 seconds
    call = network.call(CALLER, LVN, [{"wait": 2}, {"hangup": True}])
    # THEN the call completed by the user after 2 seconds and the next talk never ran
    completed = call.events()[-1]
    assert completed["status"] == "completed" and completed["disconnected_by"] == "user"
    assert completed["duration"] == "2"
    assert "never heard" not in call.transcript.said()
    assert call.transcript.of_kind(EntryKind.HANGUP)[0].text == "A hangs up"


# -- input ----------------------------------------------------------------------------------------


def test_dtmf_input_posts_the_digits_and_the_answer_replaces_the_rest() -> None:
    # GIVEN a menu whose input webhook returns a new NCCO
    app = FakeApp(
        {
            "/answer": [talk("Press 1"), dtmf_input(), talk("old rest")],
            "/input": [talk("You chose one")],
        }
    )
    network = network_for(app)
    # WHEN the caller presses 1
    call = network.call(CALLER, LVN, [{"press": "1"}])
    # THEN the input webhook has the provider's shape and the new NCCO replaced the rest
    payload = app.at("/input")[0].json
    assert payload["dtmf"] == {"digits": "1", "timed_out": False}
    assert payload["speech"] == {"results": []}
    assert payload["uuid"] == call.uuid and payload["conversation_uuid"] == call.conversation_uuid
    assert payload["from"] == CALLER and payload["to"] == LVN and ISO_MS.match(payload["timestamp"])
    assert call.transcript.said() == ["Press 1", "You chose one"]
    assert call.transcript.pressed() == ["1"]


def test_dtmf_input_with_fewer_digits_than_max_times_out_with_the_digits() -> None:
    # GIVEN an input for up to 4 digits
    app = FakeApp({"/answer": [dtmf_input(maxDigits=4, timeOut=3)], "/input": None})
    network = network_for(app)
    # WHEN the caller keys 12
    network.call(CALLER, LVN, [{"press": "12"}])
    # THEN the input reports 12, timed out
    assert app.at("/input")[0].json["dtmf"] == {"digits": "12", "timed_out": True}


def test_submit_on_hash_ends_input_without_the_hash() -> None:
    # GIVEN an input that submits on #
    app = FakeApp({"/answer": [dtmf_input(maxDigits=10, submitOnHash=True)], "/input": None})
    network = network_for(app)
    # WHEN the caller keys 1234#
    network.call(CALLER, LVN, [{"press": "1234#"}])
    # THEN the digits come without the hash and not timed out
    assert app.at("/input")[0].json["dtmf"] == {"digits": "1234", "timed_out": False}


def test_silent_caller_times_out_and_an_empty_answer_lets_the_ncco_continue() -> None:
    # GIVEN a menu followed by a goodbye, and an input webhook that answers nothing
    app = FakeApp({"/answer": [dtmf_input(), talk("Goodbye")], "/input": None})
    network = network_for(app)
    # WHEN the caller says and presses nothing
    call = network.call(CALLER, LVN)
    # THEN the input timed out with no digits and the NCCO went on
    assert app.at("/input")[0].json["dtmf"] == {"digits": "", "timed_out": True}
    assert call.transcript.said() == ["Goodbye"]


def test_speech_input_posts_the_recognised_text() -> None:
    # GIVEN a speech input
    app = FakeApp(
        {
            "/answer": [
                {
                    "action": "input",
                    "type": ["speech"],
                    "speech": {"endOnSilence": 1.5},
                    "eventUrl": [f"{APP_BASE}/input"],
                }
            ],
            "/input": None,
        }
    )
    network = network_for(app)
    # WHEN the caller says "option one"
    call = network.call(CALLER, LVN, [{"say": "option one", "confidence": 0.82}])
    # THEN the webhook carries the text, the confidence as a string and the end reason
    payload = app.at("/input")[0].json
    assert payload["speech"]["results"] == [{"confidence": "0.82", "text": "option one"}]
    assert payload["speech"]["timeout_reason"] == "end_on_silence_timeout"
    assert payload["dtmf"] == {"digits": None, "timed_out": False}
    assert call.transcript.of_kind(EntryKind.SPEAK)[0].text == "option one"


def test_speech_input_with_no_speech_reports_the_start_timeout() -> None:
    app = FakeApp(
        {
            "/answer": [{"action": "input", "type": ["speech"], "eventUrl": [f"{APP_BASE}/in"]}],
            "/in": None,
        }
    )
    network = network_for(app)
    network.call(CALLER, LVN)
    speech = app.at("/in")[0].json["speech"]
    assert speech == {"timeout_reason": "start_timeout", "results": []}


def test_input_webhook_that_fails_lets_the_ncco_continue() -> None:
    # GIVEN an input webhook that refuses connections and no fallback URL
    app = FakeApp({"/answer": [dtmf_input(), talk("still here")], "/input": refused})
    network = network_for(app, fallback_answer_url=None)
    # WHEN the caller presses 1
    call = network.call(CALLER, LVN, [{"press": "1"}])
    # THEN the input was tried three times and the NCCO continued
    assert len(app.at("/input")) == 3
    assert call.transcript.said() == ["still here"]


def test_barge_in_cuts_a_prompt_when_the_caller_answers_during_it() -> None:
    # GIVEN a long prompt with bargeIn followed by an input
    app = FakeApp(
        {
            "/answer": [talk("word " * 60, bargeIn=True), dtmf_input(), talk("after")],
            "/input": [talk("got it")],
        }
    )
    network = network_for(app)
    # WHEN the caller presses 1 one second into the prompt
    call = network.call(CALLER, LVN, [{"wait": 1}, {"press": "1"}])
    # THEN the press is taken right away (well before the prompt's end)
    press = call.transcript.of_kind(EntryKind.PRESS)[0]
    assert press.seconds < 3
    assert call.transcript.said()[-1] == "got it"


# -- connect --------------------------------------------------------------------------------------


def test_connect_answered_bridges_then_b_completes_and_a_continues() -> None:
    # GIVEN an app that connects to an agent who talks for 12 seconds, then says goodbye
    app = FakeApp({"/answer": [connect(), talk("Thanks, goodbye")]})
    network = network_for(app)
    network.set_number(AGENT, {"behaviour": "answers", "answers_after": 3, "talk_seconds": 12})
    # WHEN a caller rings
    call = network.call(CALLER, LVN)
    # THEN leg B's events go to the connect's eventUrl in order, and A continues afterwards
    assert app.statuses("/leg-event") == ["started", "ringing", "answered", "completed"]
    b_events = call.events("B")
    assert all(e["direction"] == "outbound" and e["to"] == AGENT for e in b_events)
    assert all(e["conversation_uuid"] == call.conversation_uuid for e in b_events)
    assert re.fullmatch(r"[0-9a-f-]{36}", b_events[0]["uuid"])
    completed = b_events[-1]
    assert completed["duration"] == "12" and completed["disconnected_by"] == "user"
    assert re.fullmatch(r"\d+\.\d{8}", completed["price"]) and completed["rate"] == "0.00450000"
    assert call.transcript.dialled() == [AGENT]
    assert call.transcript.said() == ["Thanks, goodbye"]
    assert [e["status"] for e in call.events("A")][-1] == "completed"


def test_caller_hanging_up_during_the_bridge_ends_both_legs() -> None:
    app = FakeApp({"/answer": [connect(), talk("not heard")]})
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"wait": 10}, {"hangup": True}])
    assert call.events("A")[-1]["disconnected_by"] == "user"
    b_completed = call.events("B")[-1]
    assert b_completed["status"] == "completed" and b_completed["disconnected_by"] == "platform"
    assert call.transcript.said() == []


def test_connect_limit_ends_the_bridge() -> None:
    app = FakeApp({"/answer": [connect(limit=5), talk("after the limit")]})
    network = network_for(app)
    network.set_number(AGENT, {"talk_seconds": 100, "answers_after": 1})
    call = network.call(CALLER, LVN)
    assert call.events("B")[-1]["duration"] == "5"
    assert call.transcript.said() == ["after the limit"]


@pytest.mark.parametrize(
    ("behaviour", "status", "detail"),
    [
        ({"behaviour": "busy"}, "busy", None),
        ({"behaviour": "no_answer"}, "timeout", None),
        ({"behaviour": "no_answer", "ring_seconds": 5}, "unanswered", "timeout"),
        ({"behaviour": "fails"}, "failed", "cannot_route"),
        ({"behaviour": "rejected", "detail": "invalid_number"}, "rejected", "invalid_number"),
        ({"behaviour": "answers", "answers_after": 30}, "timeout", None),
    ],
)
def test_synchronous_connect_failure_posts_the_state_and_its_ncco_replaces_a_rest(
    behaviour: dict[str, object], status: str, detail: str | None
) -> None:
    # GIVEN a synchronous connect with a 20 s timeout to a number that does not answer
    app = FakeApp(
        {
            "/answer": [connect(eventType="synchronous", timeout=20), talk("you were connected")],
            "/leg-event": lambda r: (
                [talk("Sorry, nobody is free")] if r.json["status"] == status else None
            ),
        }
    )
    network = network_for(app)
    network.set_number(AGENT, behaviour)
    # WHEN a caller rings
    call = network.call(CALLER, LVN)
    # THEN the failure state is posted and its NCCO replaced the rest of A's NCCO
    failure = app.at("/leg-event")[-1].json
    assert failure["status"] == status and failure.get("detail") == detail
    assert call.transcript.said() == ["Sorry, nobody is free"]
    assert call.status == "completed"
    assert "completed" not in [e["status"] for e in call.events("B")]


def test_asynchronous_connect_failure_lets_a_continue() -> None:
    app = FakeApp({"/answer": [connect(), talk("next action")]})
    network = network_for(app)
    network.set_number(AGENT, {"behaviour": "busy"})
    call = network.call(CALLER, LVN)
    assert app.statuses("/leg-event") == ["started", "busy"]
    assert call.transcript.said() == ["next action"]


def test_connect_to_an_answering_machine_with_hangup_detection_reports_machine() -> None:
    # GIVEN a synchronous connect with machine detection that hangs up on machines
    app = FakeApp(
        {
            "/answer": [
                connect(eventType="synchronous", machineDetection="hangup"),
                talk("bridged"),
            ],
            "/leg-event": lambda r: (
                [talk("We got voicemail")] if r.json["status"] == "machine" else None
            ),
        }
    )
    network = network_for(app)
    network.set_number(AGENT, {"behaviour": "answering_machine"})
    # WHEN a caller rings
    call = network.call(CALLER, LVN)
    # THEN a machine event with call_uuid arrives and its NCCO replaces the rest
    machine = next(r.json for r in app.at("/leg-event") if r.json["status"] == "machine")
    assert machine["call_uuid"] == call.legs[1].uuid and "uuid" not in machine
    assert call.transcript.said() == ["We got voicemail"]


# -- outbound calls -------------------------------------------------------------------------------


def test_outbound_call_sends_started_ringing_answered_then_fetches_the_answer_url() -> None:
    # GIVEN an outbound call with an answer URL
    app = FakeApp({"/out-answer": [talk("This is your reminder")]})
    network = network_for(app)
    # WHEN the network runs it
    call = network.create_call(
        CALLER, LVN, answer_url=f"{APP_BASE}/out-answer", event_url=f"{APP_BASE}/out-event"
    )
    network.run_until_idle()
    # THEN the events come first, then the answer fetch, then completed
    assert [r.path for r in app.requests] == ["/out-event"] * 3 + ["/out-answer", "/out-event"]
    assert app.statuses("/out-event") == ["started", "ringing", "answered", "completed"]
    assert all(e["direction"] == "outbound" for e in call.events())
    assert call.transcript.said() == ["This is your reminder"]


def test_outbound_call_with_inline_ncco_and_callee_script() -> None:
    # GIVEN a callee who presses 2 when asked
    app = FakeApp({"/confirm": [talk("Cancelled")]})
    network = network_for(app)
    network.set_number(CALLER, {"script": [{"press": "2"}]})
    # WHEN the app calls them with an inline NCCO
    call = network.create_call(
        CALLER, LVN, ncco=[talk("Press 1 to confirm, 2 to cancel"), dtmf_input("/confirm")]
    )
    network.run_until_idle()
    # THEN the callee's press reaches the app and its NCCO runs
    assert app.at("/confirm")[0].json["dtmf"]["digits"] == "2"
    assert call.transcript.said()[-1] == "Cancelled"
    assert not app.at("/answer")


def test_outbound_call_to_a_busy_number_reports_busy_only() -> None:
    app = FakeApp()
    network = network_for(app)
    network.set_number(CALLER, {"behaviour": "busy"})
    call = network.create_call(CALLER, LVN, ncco=[talk("x")])
    network.run_until_idle()
    assert app.statuses() == ["started", "busy"]
    assert call.status == "busy"


def test_outbound_machine_detection_reports_machine_then_beep() -> None:
    # GIVEN a call with advanced machine detection waiting for the beep
    app = FakeApp()
    network = network_for(app)
    network.set_number(CALLER, {"behaviour": "answering_machine", "beep_after": 6})
    # WHEN the callee is a machine
    call = network.create_call(
        CALLER,
        LVN,
        ncco=[talk("Please call us back")],
        advanced_machine_detection={"behavior": "continue", "mode": "detect_beep"},
    )
    network.run_until_idle()
    # THEN a machine event with beep_start comes before the message is played
    machine = [e for e in call.webhooks if e.kind == "event" and e.payload["status"] == "machine"]
    assert machine[-1].payload["sub_state"] == "beep_start"
    assert machine[0].payload["call_uuid"] == call.uuid
    assert call.transcript.of_kind(EntryKind.SAY)[0].seconds > machine[-1].seconds - 0.01


def test_outbound_basic_machine_detection_hangup_ends_the_call() -> None:
    app = FakeApp()
    network = network_for(app)
    network.set_number(CALLER, {"behaviour": "answering_machine"})
    call = network.create_call(CALLER, LVN, ncco=[talk("x " * 100)], machine_detection="hangup")
    network.run_until_idle()
    statuses = [e["status"] for e in call.events()]
    assert statuses == ["started", "ringing", "answered", "machine", "completed"]
    assert call.events()[-1]["disconnected_by"] == "platform"


def test_human_answer_with_machine_detection_reports_human() -> None:
    app = FakeApp()
    network = network_for(app)
    call = network.create_call(CALLER, LVN, ncco=[talk("x " * 40)], machine_detection="continue")
    network.run_until_idle()
    assert "human" in [e["status"] for e in call.events()]


# -- answer URL failures, invalid NCCO ------------------------------------------------------------


def test_answer_url_is_retried_on_503_and_used_when_it_recovers() -> None:
    app = FakeApp({"/answer": sequence(503, 503, [talk("third time lucky")])})
    network = network_for(app)
    call = network.call(CALLER, LVN)
    assert len(app.at("/answer")) == 3 and not app.at("/fallback")
    assert call.transcript.said() == ["third time lucky"]


def test_answer_url_failing_falls_back_to_the_fallback_url() -> None:
    # GIVEN an answer URL that keeps failing and a working fallback URL
    app = FakeApp({"/answer": refused, "/fallback": [talk("Fallback speaking")]})
    network = network_for(app)
    # WHEN a caller rings
    call = network.call(CALLER, LVN)
    # THEN the answer URL was tried 3 times, then the fallback with reason and original request
    assert len(app.at("/answer")) == 3
    fallback = app.at("/fallback")[0]
    assert fallback.query["reason"] == "connection refused"
    assert fallback.query["original_request"] == (
        '{"url":"https://app.test/answer","type":"answer_url"}'
    )
    assert call.transcript.said() == ["Fallback speaking"]


def test_answer_and_fallback_failing_disconnect_the_call() -> None:
    app = FakeApp({"/answer": 504, "/fallback": 500})
    network = network_for(app)
    call = network.call(CALLER, LVN)
    assert len(app.at("/answer")) == 3 and len(app.at("/fallback")) == 1
    assert call.status == "failed"
    assert not any(s in app.statuses() for s in ("started", "answered", "completed"))


def test_each_webhook_attempt_records_how_long_the_app_took_to_answer() -> None:
    # GIVEN an app whose answer URL takes 0.25 s of a fake real clock, and events none
    seconds = [100.0]

    def slow_answer(_: object) -> object:
        seconds[0] += 0.25
        return [talk("Hello")]

    app = FakeApp({"/answer": slow_answer})
    network = Network(
        application(),
        InProcessTransport(app.handle),
        VirtualClock(START),
        monotonic=lambda: seconds[0],
    )
    # WHEN a caller rings
    call = network.call(CALLER, LVN)
    # THEN the answer attempt took 0.25 s, the events 0 s, and the JSON says so in ms
    answer, *events = call.webhooks
    assert answer.kind == "answer" and answer.latency == pytest.approx(0.25)
    assert answer.to_json()["latency_ms"] == pytest.approx(250.0)
    assert events and all(e.latency == 0.0 for e in events)


@pytest.mark.parametrize(
    "ncco",
    [
        {"action": "talk", "text": "not an array"},
        [{"action": "dance"}],
        [{"action": "talk"}],
        [{"action": "input", "type": ["dtmf"], "eventUrl": "https://x/not-an-array"}],
        [{"action": "connect", "endpoint": [{"type": "phone", "number": "1"}]}],
        [{"action": "talk", "text": "x" * 1501}],
    ],
)
def test_invalid_ncco_sends_an_error_event_and_ends_the_call(ncco: object) -> None:
    # GIVEN an answer URL returning an NCCO the provider refuses
    app = FakeApp({"/answer": ncco})
    network = network_for(app)
    # WHEN a caller rings
    call = network.call(CALLER, LVN)
    # THEN an error event with the provider's reason is sent and the call ends
    error = app.at("/event")[0].json
    assert error["reason"] == SYNTAX_ERROR
    assert error["conversation_uuid"] == call.conversation_uuid and ISO_MS.match(error["timestamp"])
    assert call.status == "failed"
    assert [e.json.get("status") for e in app.at("/event")] == [None, "failed"]


# -- record, notify, wait, stream, conversation, transfer -----------------------------------------


def test_record_blocks_until_the_caller_presses_the_end_key_then_posts_the_recording() -> None:
    # GIVEN a voicemail NCCO
    app = FakeApp(
        {
            "/answer": [
                talk("Leave a message after the beep"),
                {
                    "action": "record",
                    "endOnKey": "#",
                    "beepStart": True,
                    "format": "wav",
                    "eventUrl": [f"{APP_BASE}/recording"],
                },
                talk("Thanks"),
            ]
        }
    )
    network = network_for(app)
    # WHEN the caller speaks for 6 seconds then presses #
    call = network.call(CALLER, LVN, [{"record": 6}, {"press": "#"}])
    # THEN the recording webhook points at the simulator's file, which holds a wav
    payload = app.at("/recording")[0].json
    assert set(payload) == {
        "start_time",
        "end_time",
        "recording_url",
        "size",
        "recording_uuid",
        "conversation_uuid",
        "timestamp",
    }
    file_id = payload["recording_url"].rsplit("/", 1)[-1]
    assert payload["recording_url"] == f"https://api.nexmo.com/v1/files/{file_id}"
    body, content_type = network.file(file_id) or (b"", "")
    assert body.startswith(b"RIFF") and content_type == "audio/wav"
    assert payload["size"] == len(body)
    assert call.transcript.said()[-1] == "Thanks"


def test_record_with_end_on_silence_stops_after_the_message() -> None:
    app = FakeApp(
        {
            "/answer": [
                {"action": "record", "endOnSilence": 3, "eventUrl": [f"{APP_BASE}/recording"]}
            ]
        }
    )
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"record": 4}])
    recording = call.transcript.of_kind(EntryKind.RECORD)[-1]
    assert recording.text == "recording ready (7.0s)"
    body, content_type = network.file(app.at("/recording")[0].json["recording_url"][-36:]) or (
        b"",
        "",
    )
    assert body[:2] == b"\xff\xfb" and content_type == "audio/mpeg"


def test_background_record_posts_its_recording_when_the_call_ends() -> None:
    app = FakeApp({"/answer": [{"action": "record"}, talk("this call is recorded")]})
    network = network_for(app)
    call = network.call(CALLER, LVN)
    kinds = [(w.kind, w.payload.get("status")) for w in call.webhooks]
    assert kinds[-2:] == [("event", "completed"), ("record", None)]


def test_notify_posts_the_payload_and_its_answer_replaces_the_rest() -> None:
    app = FakeApp(
        {
            "/answer": [
                {"action": "notify", "payload": {"step": 3}, "eventUrl": [f"{APP_BASE}/notify"]},
                talk("old"),
            ],
            "/notify": [talk("new")],
        }
    )
    network = network_for(app)
    call = network.call(CALLER, LVN)
    assert app.at("/notify")[0].json == {"step": 3}
    assert call.transcript.said() == ["new"]


def test_wait_and_stream_take_virtual_time() -> None:
    app = FakeApp(
        {
            "/answer": [
                {"action": "wait", "timeout": 4},
                {"action": "stream", "streamUrl": ["https://cdn.test/hold.mp3"], "loop": 2},
            ]
        }
    )
    network = network_for(app)
    call = network.call(CALLER, LVN)
    play = call.transcript.of_kind(EntryKind.PLAY)[0]
    assert play.text == "https://cdn.test/hold.mp3" and play.seconds == pytest.approx(4)
    assert call.events()[-1]["duration"] == "14"


def test_legs_in_the_same_conversation_share_it_until_a_moderator_leaves() -> None:
    # GIVEN a room where the host's leaving ends the conversation
    def answer(request: object) -> object:
        host = getattr(request, "query", {}).get("from") == "447700900009"
        return [
            {"action": "conversation", "name": "room-1", "endOnExit": host},
            talk("The conference has ended"),
        ]

    app = FakeApp({"/answer": answer})
    network = network_for(app)
    # WHEN a guest joins and waits, and the host joins and hangs up after 20 seconds
    guest = network.call(CALLER, LVN, run=False)
    host = network.call("447700900009", LVN, [{"wait": 20}, {"hangup": True}], run=False)
    network.run_until_idle()
    # THEN both were in the same conversation and the guest continued when the host left
    assert guest.transcript.of_kind(EntryKind.CONVERSATION)[-1].text == "leaves room-1 (ended)"
    assert guest.transcript.said() == ["The conference has ended"]
    assert host.events()[-1]["conversation_uuid"] == guest.events()[-1]["conversation_uuid"]


def test_rest_transfer_replaces_the_running_ncco() -> None:
    # GIVEN a caller waiting in a conversation
    app = FakeApp({"/answer": [{"action": "conversation", "name": "hold"}]})
    network = network_for(app)
    call = network.call(CALLER, LVN, run=False)
    network.run_for(5)
    # WHEN the app transfers the leg to a new NCCO
    network.transfer(call.uuid, [talk("You have been transferred")])
    network.run_until_idle()
    # THEN a transfer event is sent and the new NCCO runs
    transfer = next(e for e in call.events() if e.get("status") == "transfer")
    assert transfer["conversation_uuid_from"] != transfer["conversation_uuid_to"]
    assert call.transcript.said() == ["You have been transferred"]


def test_ncco_transfer_moves_the_leg_into_another_conversation() -> None:
    app = FakeApp({"/answer": [{"action": "transfer", "conversationId": "CON-target"}]})
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"wait": 3}, {"hangup": True}])
    transfer = next(e for e in call.events() if e.get("status") == "transfer")
    assert transfer["conversation_uuid_to"] == "CON-target"
    assert call.events()[-1]["conversation_uuid"] == "CON-target"


def test_asynchronous_input_reports_each_digit_pressed_during_a_bridge() -> None:
    app = FakeApp(
        {
            "/answer": [
                {
                    "action": "input",
                    "type": ["dtmf"],
                    "mode": "asynchronous",
                    "eventUrl": [f"{APP_BASE}/digits"],
                },
                connect(),
            ]
        }
    )
    network = network_for(app)
    network.call(CALLER, LVN, [{"wait": 10}, {"press": "##"}, {"hangup": True}])
    assert [r.json["dtmf"]["digits"] for r in app.at("/digits")] == ["#", "#"]


# -- signatures -----------------------------------------------------------------------------------


def test_every_voice_webhook_carries_a_valid_signature() -> None:
    # GIVEN a call touching answer, events and input
    app = FakeApp({"/answer": [dtmf_input(), talk("bye")], "/input": None})
    network = network_for(app)
    # WHEN it runs
    network.call(CALLER, LVN, [{"press": "5"}])
    # THEN every request verifies with the secret (the GET answer signs the empty body)
    now = network.clock.now()
    for request in app.requests:
        claims = verify_voice_webhook(
            request.headers.get("Authorization"), request.body, SECRET, now
        )
        assert claims["application_id"] == "11111111-2222-4333-8444-555555555555"
    with pytest.raises(SignatureError):
        verify_voice_webhook(app.requests[1].headers["Authorization"], b"{}", SECRET, now)


def test_unsigned_application_gets_no_authorization_header() -> None:
    app = FakeApp({"/answer": [talk("hi")]})
    network = network_for(app, signed_webhooks=False)
    network.call(CALLER, LVN)
    assert all("Authorization" not in r.headers for r in app.requests)


@pytest.mark.parametrize("method", list(SmsInboundMethod))
def test_inbound_sms_is_signed_and_delivered_with_the_configured_method(
    method: SmsInboundMethod,
) -> None:
    # GIVEN an application receiving SMS by this method, signed with SHA-256 HMAC
    app = FakeApp({"/sms": 204})
    network = network_for(
        app, sms_method=method, sms_signature_method=SmsSignatureMethod.SHA256_HMAC
    )
    # WHEN an SMS arrives
    network.receive_sms(CALLER, LVN, "balance please")
    # THEN its fields are the provider's and the sig verifies
    request = app.at("/sms")[0]
    fields = {k: str(v) for k, v in request.fields.items()}
    assert request.method == ("GET" if method is SmsInboundMethod.GET else "POST")
    assert fields["msisdn"] == CALLER and fields["to"] == LVN and fields["type"] == "text"
    assert fields["keyword"] == "BALANCE" and fields["api-key"] == "testkey"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", fields["message-timestamp"])
    assert "nonce" in fields
    verify_sms_params(fields, SECRET, SmsSignatureMethod.SHA256_HMAC, network.clock.now())


def test_long_sms_arrives_in_concatenated_parts() -> None:
    app = FakeApp({"/sms": 200})
    network = network_for(app, sms_method=SmsInboundMethod.POST_FORM)
    network.receive_sms(CALLER, LVN, "a" * 200)
    network.receive_sms(CALLER, LVN, "é" * 10 + "ж" * 90)
    gsm = [r.fields for r in app.requests[:2]]
    assert [p["concat-part"] for p in gsm] == ["1", "2"] and gsm[0]["concat-total"] == "2"
    assert gsm[0]["concat-ref"] == gsm[1]["concat-ref"] and gsm[0]["concat"] == "true"
    assert len(gsm[0]["text"]) == 153 and gsm[0]["messageId"] != gsm[1]["messageId"]
    unicode_parts = [r.fields for r in app.requests[2:]]
    assert [len(p["text"]) for p in unicode_parts] == [67, 33]
    assert unicode_parts[0]["type"] == "unicode"


def test_inbound_sms_is_retried_until_the_app_accepts_it() -> None:
    app = FakeApp({"/sms": sequence(500, 200)})
    network = network_for(app)
    records = network.receive_sms(CALLER, LVN, "hi")
    assert len(app.at("/sms")) == 2 and records[0].status == 200
    assert app.at("/sms")[0].body == app.at("/sms")[1].body


def test_transfer_a_out_of_a_bridge_then_hang_up_b_dials_someone_else() -> None:
    # GIVEN a caller bridged to an agent (the pattern of FACTS §6.1: "##" ends the second leg)
    app = FakeApp({"/answer": [connect()]})
    network = network_for(app)
    network.set_number(AGENT, {"talk_seconds": 300})
    call = network.call(CALLER, LVN, run=False)
    network.run_for(10)
    a_leg, b_leg = call.legs
    # WHEN the app transfers A to a new NCCO and then hangs B up
    network.transfer(a_leg.uuid, [talk("Dialling the next agent"), connect("447700900124")])
    network.run_for(1)
    network.hangup(b_leg.uuid)
    network.run_until_idle()
    # THEN A heard the new NCCO and was connected to the next number; B ended by the platform
    assert call.transcript.said() == ["Dialling the next agent"]
    assert call.transcript.dialled() == [AGENT, "447700900124"]
    b_completed = call.events("B")[-1]
    assert b_completed["status"] == "completed" and b_completed["disconnected_by"] == "platform"
    assert call.events("C")[-1]["status"] == "completed"


def test_a_call_is_found_by_any_id_it_goes_by() -> None:
    # GIVEN an outbound call the app made with its own id in its event URL, and another call
    app = FakeApp({"/answer": [talk("Hello")], "/event": 204})
    network = network_for(app)
    made = network.create_call(
        CALLER, LVN, ncco=[talk("Reminder")], event_url=f"{APP_BASE}/event?call=c-42&ref=x"
    )
    network.run_until_idle()
    other = network.call("447700900002", LVN)
    # WHEN it is looked up by each of its ids
    ids = [made.uuid, made.conversation_uuid, made.call_id, "c-42"]
    found = [network.find_call(ident) for ident in ids]
    # THEN each finds it, and an unknown id finds nothing
    assert [handle.call_id if handle else None for handle in found] == [made.call_id] * 4
    assert network.find_call(other.uuid).call_id == other.call_id  # type: ignore[union-attr]
    assert network.find_call("c-43") is None
