"""Every widget on the pure engine: GIVEN a flow, WHEN events arrive, THEN actions, effects and
state are exactly what the widget promises."""

from __future__ import annotations

import json

from flowkit import CALLER, DID, Driver, flow_of

from chalicelib.flows.outcomes import (
    FetchRecording,
    HttpResponded,
    HttpResult,
    SaveUserVariables,
    SendSms,
)
from chalicelib.telephony.actions import Ask, Bridge, Hangup, Notify, Play, Record, Say
from chalicelib.telephony.events import (
    CallStatus,
    CallStatusChanged,
    InputReceived,
    NotifyReceived,
    RecordingReady,
    SpeechResult,
)

BYE = {"widget": "hangup"}


def test_say_speaks_interpolated_text_in_the_flow_language_then_hangs_up() -> None:
    # GIVEN a say node using call variables
    d = Driver(
        flow_of(
            {
                "s": {
                    "widget": "say",
                    "text": "From $call.cli to ${call.dnis}",
                    "style": 2,
                    "next": "h",
                },
                "h": BYE,
            },
            language="en-GB",
        )
    )
    # WHEN the call is answered
    result = d.answer()
    # THEN it speaks once and ends
    assert result.actions == (Say(f"From {CALLER} to {DID}", "en-GB", 2), Hangup())
    assert d.state.answered_at is not None


def test_play_streams_the_url() -> None:
    d = Driver(
        flow_of(
            {
                "p": {"widget": "play", "url": "https://cdn.example/a.mp3", "loop": 2, "next": "h"},
                "h": BYE,
            }
        )
    )
    assert d.answer().actions == (Play("https://cdn.example/a.mp3", 2), Hangup())


def test_hangup_says_goodbye_first() -> None:
    d = Driver(flow_of({"h": {"widget": "hangup", "text": "Bye"}}))
    assert d.answer().actions == (Say("Bye", "en-US"), Hangup())


MENU = {
    "m": {
        "widget": "menu",
        "prompt": "Press 1 or 2",
        "options": {"1": "one", "2": "two"},
        "retries": 1,
        "next": {"invalid": "bad", "timeout": "quiet"},
    },
    "one": {"widget": "hangup", "text": "one"},
    "two": {"widget": "hangup", "text": "two"},
    "bad": {"widget": "hangup", "text": "bad"},
    "quiet": {"widget": "hangup", "text": "quiet"},
}


def test_menu_asks_for_one_key_and_branches_on_it() -> None:
    d = Driver(flow_of(MENU))
    first = d.answer()
    assert first.actions[0] == Say("Press 1 or 2", "en-US", barge_in=True)
    ask = first.actions[1]
    assert isinstance(ask, Ask) and ask.dtmf is not None and ask.dtmf.max_digits == 1
    result = d.send(InputReceived("leg-a", "CON-1", digits="2", ref=d.ref))
    assert result.actions == (Say("two", "en-US"), Hangup())
    assert d.state.call_vars["dtmf"] == "2" and d.state.call_vars["lastdtmfreceived"] == "2"


def test_menu_reasks_on_an_invalid_key_then_follows_invalid() -> None:
    d = Driver(flow_of(MENU))
    d.answer()
    retry = d.send(InputReceived("leg-a", "CON-1", digits="9", ref=d.ref))
    assert retry.actions[0] == Say("Sorry, that is not a valid choice.", "en-US")
    assert isinstance(retry.actions[-1], Ask)
    final = d.send(InputReceived("leg-a", "CON-1", digits="7", ref=d.ref))
    assert final.actions == (Say("bad", "en-US"), Hangup())


def test_menu_silence_follows_timeout_after_retries() -> None:
    d = Driver(flow_of(MENU))
    d.answer()
    d.send(InputReceived("leg-a", "CON-1", digits="", dtmf_timed_out=True, ref=d.ref))
    final = d.send(InputReceived("leg-a", "CON-1", digits="", dtmf_timed_out=True, ref=d.ref))
    assert final.actions == (Say("quiet", "en-US"), Hangup())


def test_a_stale_or_repeated_input_is_ignored_and_changes_nothing() -> None:
    d = Driver(flow_of(MENU))
    d.answer()
    old_ref = d.ref
    d.send(InputReceived("leg-a", "CON-1", digits="9", ref=old_ref))
    before = d.state
    result = d.send(InputReceived("leg-a", "CON-1", digits="1", ref=old_ref))
    assert result.ignored and result.actions == () and d.state == before


INPUT = {
    "i": {
        "widget": "input",
        "prompt": "Your PIN",
        "variable": "pin",
        "max_digits": 4,
        "pattern": "\\d{4}",
        "retries": 1,
        "next": {"next": "ok", "invalid": "no", "timeout": "no"},
    },
    "ok": {"widget": "say", "text": "PIN $flow.key.pin", "next": "h"},
    "no": {"widget": "hangup", "text": "no"},
    "h": BYE,
}


def test_input_collects_digits_into_a_flow_variable() -> None:
    d = Driver(flow_of(INPUT))
    ask = d.answer().actions[-1]
    assert (
        isinstance(ask, Ask)
        and ask.dtmf is not None
        and ask.dtmf.max_digits == 4
        and ask.dtmf.submit_on_hash
    )
    result = d.send(InputReceived("leg-a", "CON-1", digits="1234#", ref=d.ref))
    assert result.actions[0] == Say("PIN 1234", "en-US")
    assert d.state.flow_vars["pin"] == "1234"


def test_input_rejects_a_value_not_matching_the_pattern_then_branches() -> None:
    d = Driver(flow_of(INPUT))
    d.answer()
    assert isinstance(
        d.send(InputReceived("leg-a", "CON-1", digits="12", ref=d.ref)).actions[-1], Ask
    )
    assert d.send(InputReceived("leg-a", "CON-1", digits="1", ref=d.ref)).actions == (
        Say("no", "en-US"),
        Hangup(),
    )


def test_input_by_speech_stores_the_best_hypothesis() -> None:
    nodes = {
        "i": {
            "widget": "input",
            "prompt": "Say your city",
            "variable": "city",
            "mode": "speech",
            "speech_language": "en-GB",
            "hints": ["Leeds"],
            "next": "ok",
        },
        "ok": {"widget": "hangup", "text": "$flow.key.city"},
    }
    d = Driver(flow_of(nodes))
    ask = d.answer().actions[-1]
    assert isinstance(ask, Ask) and ask.dtmf is None and ask.speech is not None
    assert ask.speech.language == "en-GB" and ask.speech.context == ("Leeds",)
    result = d.send(
        InputReceived("leg-a", "CON-1", speech=(SpeechResult("Leeds", 0.9),), ref=d.ref)
    )
    assert result.actions[0] == Say("Leeds", "en-US")
    assert d.state.call_vars["lastspeechreceived"] == "Leeds"


WEBHOOK = {
    "w": {
        "widget": "webhook",
        "method": "POST",
        "url": "https://api.example/lookup?cid=$call.cli",
        "headers": {"X-Caller": "$call.cli"},
        "body": {"caller": "$call.cli", "n": 1},
        "timeout": 9,
        "save": {"name": "customer.name", "first": "items[0]"},
        "next": {"0": "ok", "1": "ko"},
    },
    "ok": {"widget": "hangup", "text": "Hi $flow.key.name"},
    "ko": {
        "widget": "hangup",
        "text": "Failed $flow.key.response_status_code $flow.key.error_reason",
    },
}


def test_webhook_asks_the_shell_for_a_templated_request() -> None:
    d = Driver(flow_of(WEBHOOK))
    result = d.answer()
    assert result.actions == () and result.request is not None
    assert result.request.url == f"https://api.example/lookup?cid={CALLER}"
    assert result.request.headers["X-Caller"] == CALLER
    assert json.loads(result.request.body or "") == {"caller": CALLER, "n": 1}
    assert result.request.timeout == 4.0  # capped below the carrier's answer deadline


def test_webhook_success_takes_line_0_with_the_seed_variables() -> None:
    d = Driver(flow_of(WEBHOOK))
    d.answer()
    body = json.dumps({"customer": {"name": "Alice"}, "items": ["x"]})
    result = d.send(HttpResponded(d.ref, HttpResult(200, body, 0.114)))
    assert result.actions == (Say("Hi Alice", "en-US"), Hangup())
    v = d.state.flow_vars
    assert (v["response_status"], v["response_status_code"], v["response_duration"]) == (
        "SUCCESS",
        "200",
        "0.11",
    )
    assert (v["response_raw"], v["response_error"], v["first"]) == (body, "false", "x")
    assert d.state.call_vars["lastWebhookStatus"] == "true"


def test_webhook_failure_takes_line_1_with_the_error_reason() -> None:
    d = Driver(flow_of(WEBHOOK))
    d.answer()
    result = d.send(HttpResponded(d.ref, HttpResult(503, "", 0.2)))
    assert result.actions == (Say("Failed 503 SERVER_ERROR", "en-US"), Hangup())
    v = d.state.flow_vars
    assert (
        v["response_status"],
        v["response_status_type"],
        v["response_raw"],
        v["response_error"],
    ) == ("FAILED", "Server Error", "null", "true")


def test_webhook_timeout_is_a_failure_without_status() -> None:
    d = Driver(flow_of(WEBHOOK))
    d.answer()
    d.send(HttpResponded(d.ref, HttpResult(None, "", 4.0, "TIMEOUT")))
    assert d.state.flow_vars["error_reason"] == "TIMEOUT"
    assert d.state.flow_vars["response_status_type"] == "Timeout"


def test_condition_branches_on_numbers_and_text() -> None:
    nodes = {
        "c": {
            "widget": "condition",
            "match": "all",
            "rules": [
                {"left": "$flow.key.amount", "op": "gt", "right": "9"},
                {"left": "$call.cli.countrycode", "op": "eq", "right": "44"},
            ],
            "next": {"true": "t", "false": "f"},
        },
        "t": {"widget": "hangup", "text": "big"},
        "f": {"widget": "hangup", "text": "small"},
    }
    flow = flow_of(nodes, variables={"amount": "10"})
    assert Driver(flow).answer().actions[0] == Say("big", "en-US")  # 10 > 9 numerically
    assert Driver(flow, flow_vars={"amount": "8"}).answer().actions[0] == Say("small", "en-US")


def test_set_assigns_flow_and_user_variables_and_persists_user_ones() -> None:
    nodes = {
        "s": {
            "widget": "set",
            "assign": {
                "$flow.key.greeting": "Hello $call.cli.countrycode",
                "$user.key.last": "$call.cli",
            },
            "next": "h",
        },
        "h": {"widget": "hangup", "text": "$flow.key.greeting $user.key.last"},
    }
    d = Driver(flow_of(nodes))
    result = d.answer()
    assert result.actions[0] == Say(f"Hello 44 {CALLER}", "en-US")
    assert result.effects == (SaveUserVariables("call-1:1:s", "acct", {"last": CALLER}),)


def test_language_by_variable_and_by_key() -> None:
    by_var = {
        "l": {"widget": "language", "value": "$flow.key.lang", "next": "h"},
        "h": {"widget": "hangup", "text": "x"},
    }
    d = Driver(flow_of(by_var, variables={"lang": "fr-FR"}))
    assert d.answer().actions[0] == Say("x", "fr-FR")
    by_key = {
        "l": {
            "widget": "language",
            "prompt": "1 English, 2 Español",
            "options": {"1": "en-GB", "2": "es-ES"},
            "next": "h",
        },
        "h": {"widget": "hangup", "text": "y"},
    }
    d = Driver(flow_of(by_key))
    d.answer()
    assert d.send(InputReceived("leg-a", "CON-1", digits="2", ref=d.ref)).actions[0] == Say(
        "y", "es-ES"
    )


CONNECT = {
    "c": {
        "widget": "connect",
        "number": "+44 7700 900555",
        "caller_id": "$call.dnis",
        "ring_timeout": 20,
        "max_duration": 600,
        "next": {"next": "after", "busy": "busy", "no_answer": "na"},
    },
    "after": {"widget": "hangup", "text": "after"},
    "busy": {"widget": "hangup", "text": "busy"},
    "na": {"widget": "hangup", "text": "no answer"},
}


def test_connect_dials_and_waits_for_the_bridge_to_end() -> None:
    d = Driver(flow_of(CONNECT))
    actions = d.answer().actions
    assert actions[0] == Bridge("1", "447700900555", DID, ring_timeout=20, max_duration=600)
    assert isinstance(actions[1], Notify) and actions[1].ref == "1"
    d.send(
        CallStatusChanged(
            "leg-b", "CON-1", CallStatus.ANSWERED, ref=d.ref, to_number="447700900555"
        )
    )
    assert d.state.call_vars["connect"] == "2026-03-01 09:30:00"
    done = d.send(NotifyReceived("CON-1", {"after": "connect"}, ref=d.ref))
    assert done.actions == (Say("after", "en-US"), Hangup())


def test_connect_busy_and_unanswered_follow_their_branches() -> None:
    for status, text in (
        (CallStatus.BUSY, "busy"),
        (CallStatus.UNANSWERED, "no answer"),
        (CallStatus.TIMEOUT, "no answer"),
        (CallStatus.FAILED, "after"),
    ):
        d = Driver(flow_of(CONNECT))
        d.answer()
        result = d.send(CallStatusChanged("leg-b", "CON-1", status, ref=d.ref))
        assert result.actions[0] == Say(text, "en-US"), status


def test_connect_to_a_bad_number_fails_without_dialling() -> None:
    nodes = {**CONNECT, "c": {**CONNECT["c"], "number": "$flow.key.missing"}}
    assert Driver(flow_of(nodes, variables={"missing": ""})).answer().actions[0] == Say(
        "after", "en-US"
    )


def test_record_records_then_continues_and_copies_the_file() -> None:
    nodes = {
        "r": {"widget": "record", "prompt": "After the beep", "max_seconds": 30, "next": "h"},
        "h": {"widget": "hangup", "text": "$call.recordingUri"},
    }
    d = Driver(flow_of(nodes))
    actions = d.answer().actions
    assert (
        isinstance(actions[1], Record) and actions[1].timeout == 30 and actions[1].end_on_key == "#"
    )
    ref = d.ref
    uri = "http://127.0.0.1:8000/v1/calls/call-1/recordings/1"
    assert d.state.call_vars["recordingUri"] == uri
    assert d.state.call_vars["ivr_recording.recordingUri"] == uri
    ready = d.send(RecordingReady("https://api.nexmo.com/v1/files/abc", "rec-1", "CON-1", ref=ref))
    assert ready.effects == (
        FetchRecording(
            "call-1:recording:rec-1",
            "https://api.nexmo.com/v1/files/abc",
            "recordings/acct/call-1/1-r.mp3",
        ),
    )
    assert d.send(NotifyReceived("CON-1", {}, ref=ref)).actions == (Say(uri, "en-US"), Hangup())


def test_sms_sends_once_per_step_to_the_caller_by_default() -> None:
    d = Driver(flow_of({"s": {"widget": "sms", "text": "Hi $call.cli", "next": "h"}, "h": BYE}))
    assert d.answer().effects == (SendSms("call-1:1:s", DID, CALLER, f"Hi {CALLER}"),)


def test_completed_caller_leg_finishes_the_call() -> None:
    d = Driver(flow_of(MENU))
    d.answer()
    d.send(
        CallStatusChanged(
            "leg-a", "CON-1", CallStatus.COMPLETED, duration=12, disconnected_by="user"
        )
    )
    assert d.state.finished and d.state.awaiting is None
    assert d.state.call_vars["remoteHangup"] == "true"
    assert d.state.legs["leg-a"].duration == 12


def test_completed_legs_keep_their_price_and_the_engine_names_no_currency() -> None:
    from decimal import Decimal

    d = Driver(flow_of(CONNECT))
    d.answer()
    d.send(
        CallStatusChanged(
            "leg-b", "CON-1", CallStatus.COMPLETED, ref=d.ref, price=Decimal("0.0120")
        )
    )
    d.send(CallStatusChanged("leg-a", "CON-1", CallStatus.COMPLETED, price=Decimal("0.0030")))
    # money is the shell's (calls.records): the engine keeps the carrier's prices per leg
    assert d.state.legs["leg-b"].price == Decimal("0.0120")
    assert d.state.legs["leg-a"].price == Decimal("0.0030")
    assert "cost" not in d.state.call_vars and "cost.currency" not in d.state.call_vars
