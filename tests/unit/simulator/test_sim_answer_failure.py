"""An answer URL that fails for good, on the in-process simulated network (FACTS §3.5; DOCS
"Troubleshooting" https://developer.vonage.com/voice/voice-api/guides/troubleshooting; Vonage
support "What happens if the NCCO download request fails?"
https://api.support.vonage.com/hc/en-us/articles/115016024247): retried on 429/503/504 and
connection errors only, then the fallback answer URL (also when the NCCO is invalid); when that
fails too the call is disconnected with an error event and a final ``failed`` event."""

from __future__ import annotations

from simkit import FakeApp, network_for, refused

from chalicelib.simulator.model import EntryKind

CALLER = "447700900001"
LVN = "447700900100"


def test_an_unreachable_answer_and_fallback_disconnect_the_inbound_call() -> None:
    # GIVEN an application whose answer and fallback URLs both refuse connections
    app = FakeApp({"/answer": refused, "/fallback": refused})
    network = network_for(app)
    # WHEN a caller rings
    call = network.call(CALLER, LVN, [{"wait": 30}])
    # THEN 3 answer attempts, 2 fallback attempts, then an error and a failed event; the
    # call was never answered and nothing ran
    assert (len(app.at("/answer")), len(app.at("/fallback"))) == (3, 2)
    events = [r.json for r in app.at("/event")]
    assert [e.get("status") for e in events] == [None, "failed"]
    assert "answer_url failed" in events[0]["reason"]
    assert events[1]["uuid"] == call.uuid and events[1]["direction"] == "inbound"
    assert call.status == "failed" and call.ended
    assert call.transcript.said() == []
    assert call.leg.answered_at is None


def test_an_error_other_than_429_503_504_is_not_retried() -> None:
    app = FakeApp({"/answer": 500, "/fallback": 404})
    network = network_for(app)
    call = network.call(CALLER, LVN)
    assert (len(app.at("/answer")), len(app.at("/fallback"))) == (1, 1)
    assert call.status == "failed"


def test_an_invalid_ncco_from_the_answer_url_tries_the_fallback() -> None:
    # GIVEN an answer URL that returns an NCCO with an unknown action, and a good fallback
    app = FakeApp(
        {"/answer": [{"action": "dance"}], "/fallback": [{"action": "talk", "text": "Sorry"}]}
    )
    network = network_for(app)
    call = network.call(CALLER, LVN)
    # THEN the fallback's NCCO runs
    assert call.transcript.said() == ["Sorry"]
    assert app.at("/fallback")[0].fields["reason"] == "invalid NCCO"
    assert call.status == "completed"


def test_an_outbound_call_whose_answer_url_fails_is_hung_up_after_answer() -> None:
    # GIVEN an outbound call whose answer URL is down (it is fetched once the callee answers)
    app = FakeApp({"/answer": 503, "/fallback": 503})
    network = network_for(app)
    call = network.create_call(CALLER, LVN, answer_url="https://app.test/answer")
    network.run_until_idle()
    # THEN answered, an error, then completed by the platform
    statuses = [e.get("status") for e in call.events()]
    assert statuses == ["started", "ringing", "answered", None, "completed"]
    assert call.events()[-1]["disconnected_by"] == "platform"
    assert call.transcript.of_kind(EntryKind.ERROR)
