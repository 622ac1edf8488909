"""The dev phone's legs on the in-process simulated network against a tiny fake Vonage app: a
person at a phone dials, hears prompts, presses keys (kept while a prompt plays, joined within
an input's timeOut, cutting a barge-in prompt short), says words, hangs up; a call to the
phone's number rings until they pick Answer, Busy, Decline or Answering machine, or the ring
timeout; a phone on a call is busy to another; a scripted call from the same number stays
scripted."""

from __future__ import annotations

from typing import Any

import pytest
from simkit import APP_BASE, FakeApp, network_for

from chalicelib.simulator.network import Network
from chalicelib.simulator.phone.desk import PhoneDesk
from chalicelib.simulator.phones import PhoneError

PHONE = "447700900001"
OTHER_PHONE = "447700900002"
LVN = "447700900100"
TAB = "tab-one-0001"
OTHER_TAB = "tab-two-0002"


def menu(text: str = "Press 1 or 2.", barge_in: bool = False, **dtmf: object) -> list[Any]:
    return [
        {"action": "talk", "text": text, "bargeIn": barge_in},
        {"action": "input", "type": ["dtmf"], "dtmf": dtmf, "eventUrl": [f"{APP_BASE}/input"]},
    ]


BYE = [{"action": "talk", "text": "Goodbye."}]


def phone_on(network: Network, number: str = PHONE, tab: str = TAB) -> PhoneDesk:
    desk = PhoneDesk(network)
    desk.claim(number, tab)
    return desk


def call_of(desk: PhoneDesk, number: str = PHONE, tab: str = TAB) -> dict[str, Any]:
    call = desk.state(number, tab)["call"]
    assert call is not None
    return dict(call)


def heard(desk: PhoneDesk, kind: str, number: str = PHONE, tab: str = TAB) -> list[str]:
    return [e["text"] for e in call_of(desk, number, tab)["transcript"] if e["kind"] == kind]


def digits_sent(app: FakeApp) -> list[str]:
    return [str(r.json["dtmf"]["digits"]) for r in app.at("/input")]


def test_a_key_pressed_while_the_prompt_plays_is_kept_for_the_input() -> None:
    # GIVEN the app answers with an 8 s prompt, then an input of one key
    app = FakeApp({"/answer": menu("x" * 120, maxDigits=1), "/input": BYE})
    network = network_for(app)
    desk = phone_on(network)
    # WHEN the phone dials and its person presses 2 two seconds into the prompt
    desk.dial(PHONE, TAB, "+" + LVN)
    network.run_for(2)
    desk.press(PHONE, TAB, "2")
    network.run_for(1)
    # THEN the key waits (the page shows it pending) while the prompt plays on
    assert call_of(desk)["pending"] == ["2"]
    assert app.at("/input") == []
    # AND the input takes it once it starts
    network.run_for(10)
    assert digits_sent(app) == ["2"]
    assert heard(desk, "say") == ["x" * 120, "Goodbye."]
    assert call_of(desk)["pending"] == []


def test_keys_pressed_within_timeout_join_one_entry_and_the_wait_wakes_for_each() -> None:
    # GIVEN an input waiting for up to 4 keys, 3 s apart at most
    app = FakeApp({"/answer": menu("Hi.", timeOut=3, maxDigits=4), "/input": BYE})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(3)
    # WHEN the person presses 1, then 2 two seconds later, then nothing
    desk.press(PHONE, TAB, "1")
    network.run_for(2)
    desk.press(PHONE, TAB, "2")
    network.run_for(2)
    # THEN no entry has gone yet (the timeOut restarts at each key)
    assert app.at("/input") == []
    network.run_for(5)
    # AND one entry "12" went, timed out
    assert [r.json["dtmf"] for r in app.at("/input")] == [{"digits": "12", "timed_out": True}]


def test_the_last_key_of_max_digits_sends_the_entry_at_once() -> None:
    app = FakeApp({"/answer": menu("Hi.", timeOut=10, maxDigits=2), "/input": BYE})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(3)
    desk.press(PHONE, TAB, "4")
    network.run_for(1)
    desk.press(PHONE, TAB, "2")
    network.run_for(1.5)
    assert digits_sent(app) == ["42"]


def test_a_key_cuts_a_barge_in_prompt_short() -> None:
    # GIVEN a 20 s prompt with bargeIn before the input
    app = FakeApp({"/answer": menu("y" * 300, barge_in=True, maxDigits=1), "/input": BYE})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(3)
    # WHEN the person presses 9 three seconds in
    desk.press(PHONE, TAB, "9")
    network.run_for(2)
    # THEN the prompt stopped and the input has the key long before the prompt would end
    assert digits_sent(app) == ["9"]
    assert "(barge-in)" in heard(desk, "say")


def test_the_input_waits_its_timeout_then_times_out_without_a_key() -> None:
    app = FakeApp({"/answer": menu("Hi.", timeOut=3), "/input": BYE})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(30)
    assert [r.json["dtmf"] for r in app.at("/input")] == [{"digits": "", "timed_out": True}]


def test_words_said_reach_a_speech_input() -> None:
    speech = {
        "action": "input",
        "type": ["speech"],
        "speech": {"startTimeout": 10},
        "eventUrl": [f"{APP_BASE}/input"],
    }
    app = FakeApp({"/answer": [{"action": "talk", "text": "Say it."}, speech], "/input": BYE})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(4)
    desk.say(PHONE, TAB, "  book   a table ")
    network.run_for(5)
    (request,) = app.at("/input")
    assert request.json["speech"]["results"][0]["text"] == "book a table"
    assert heard(desk, "speak") == ["book a table"]


def test_hanging_up_ends_the_call_as_the_caller() -> None:
    app = FakeApp({"/answer": menu("Hi.", timeOut=10)})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(2)
    desk.hangup(PHONE, TAB)
    network.run_for(1)
    call = call_of(desk)
    assert call["ended"] and call["status"] == "completed"
    leg = network.leg(call["uuid"])
    assert leg is not None and leg.disconnected_by == "user"
    with pytest.raises(PhoneError):
        desk.press(PHONE, TAB, "1")


def test_closing_the_tab_hangs_up_its_call_and_lets_the_number_go() -> None:
    app = FakeApp({"/answer": menu("Hi.", timeOut=10)})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(2)
    uuid = call_of(desk)["uuid"]
    # WHEN the tab is closed mid-call
    desk.release(PHONE, TAB)
    network.run_for(1)
    # THEN the call ended as the person's hang-up, and the number is free
    leg = network.leg(uuid)
    assert leg is not None and leg.is_over and leg.disconnected_by == "user"
    assert not network.phones.is_phone(PHONE)
    # AND a release by a tab that no longer holds it changes nothing
    desk.release(PHONE, TAB)


def test_keys_go_into_the_line_while_bridged() -> None:
    # GIVEN the app connects the phone to a number that answers and stays, with async DTMF
    connect = {"action": "connect", "endpoint": [{"type": "phone", "number": "447700900300"}]}
    listen = {
        "action": "input",
        "type": ["dtmf"],
        "mode": "asynchronous",
        "eventUrl": [f"{APP_BASE}/digits"],
    }
    app = FakeApp({"/answer": [listen, connect], "/digits": None})
    network = network_for(app)
    network.set_number("447700900300", {"answers_after": 1, "talk_seconds": 60})
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(5)
    assert "bridged with B (447700900300)" in heard(desk, "bridge")
    # WHEN the person presses 5 in the bridge
    desk.press(PHONE, TAB, "5")
    network.run_for(1)
    # THEN the key is pressed into the line at once and reported
    assert [r.json["dtmf"]["digits"] for r in app.at("/digits")] == ["5"]


# -- a call to the phone rings it ------------------------------------------------------------------


def ring(network: Network, **options: Any) -> str:
    handle = network.create_call(
        PHONE, LVN, ncco=[*menu("Your appointment.", maxDigits=1)], **options
    )
    return handle.uuid


@pytest.mark.parametrize(
    ("choice", "status", "detail"),
    [("busy", "busy", None), ("decline", "rejected", "declined")],
)
def test_busy_and_decline_end_the_ring_as_those_behaviours(
    choice: str, status: str, detail: str | None
) -> None:
    app = FakeApp({"/event": None})
    network = network_for(app)
    desk = phone_on(network)
    ring(network)
    network.run_for(3)
    assert call_of(desk)["ringing"]
    desk.pick(PHONE, TAB, choice)
    network.run_for(1)
    call = call_of(desk)
    assert call["ended"] and call["status"] == status
    final = app.at("/event")[-1].json
    assert final["status"] == status and final.get("detail") == detail


def test_an_unanswered_phone_rings_until_the_ring_timeout() -> None:
    app = FakeApp({"/event": None})
    network = network_for(app)
    desk = phone_on(network)
    ring(network, ringing_timer=20)
    network.run_for(19)
    assert call_of(desk)["ringing"]
    network.run_for(2)
    assert call_of(desk)["status"] == "timeout"


def test_answered_the_call_runs_its_ncco_with_the_keypad() -> None:
    app = FakeApp({"/event": None, "/input": BYE})
    network = network_for(app)
    desk = phone_on(network)
    ring(network)
    network.run_for(5)
    desk.pick(PHONE, TAB, "answer")
    network.run_for(1)
    assert call_of(desk)["up"] and heard(desk, "say") == ["Your appointment."]
    desk.press(PHONE, TAB, "1")
    network.run_for(3)
    assert digits_sent(app) == ["1"]
    assert "answered" in heard(desk, "status")


def test_the_answering_machine_answers_with_machine_detection() -> None:
    app = FakeApp({"/event": None})
    network = network_for(app)
    desk = phone_on(network)
    ring(network, machine_detection="continue")
    network.run_for(2)
    desk.pick(PHONE, TAB, "machine")
    network.run_for(10)
    statuses = [r.json.get("status") for r in app.at("/event")]
    assert "answered" in statuses and "machine" in statuses


def test_a_phone_on_a_call_is_busy_to_another_and_cannot_dial_twice() -> None:
    app = FakeApp({"/answer": menu("Hi.", timeOut=10), "/event": None})
    network = network_for(app)
    desk = phone_on(network)
    desk.dial(PHONE, TAB, LVN)
    network.run_for(2)
    with pytest.raises(PhoneError):
        desk.dial(PHONE, TAB, LVN)
    second = network.create_call(PHONE, LVN, ncco=BYE)
    network.run_for(3)
    assert second.status == "busy"
    assert call_of(desk)["up"]


def test_two_phones_ring_each_on_its_own() -> None:
    app = FakeApp({"/event": None})
    network = network_for(app)
    desk = phone_on(network)
    desk.claim(OTHER_PHONE, OTHER_TAB)
    first = network.create_call(PHONE, LVN, ncco=BYE)
    second = network.create_call(OTHER_PHONE, LVN, ncco=BYE)
    network.run_for(2)
    desk.pick(OTHER_PHONE, OTHER_TAB, "decline")
    desk.pick(PHONE, TAB, "busy")
    network.run_for(2)
    assert (first.status, second.status) == ("busy", "rejected")


def test_a_scripted_call_from_a_phone_s_number_stays_scripted() -> None:
    app = FakeApp({"/answer": menu("Hi.", maxDigits=1), "/input": BYE})
    network = network_for(app)
    phone_on(network)
    call = network.call(PHONE, LVN, [{"press": "7"}])
    assert call.status == "completed"
    assert digits_sent(app) == ["7"]


def test_bad_acts_are_refused_with_a_reason() -> None:
    app = FakeApp({"/answer": menu("Hi.", timeOut=10)})
    network = network_for(app)
    desk = phone_on(network)
    with pytest.raises(PhoneError, match="not on a call"):
        desk.press(PHONE, TAB, "1")
    desk.dial(PHONE, TAB, LVN)
    network.run_for(1)
    for bad in ("", "12a", "1" * 21, 5, None):
        with pytest.raises(PhoneError, match="digits"):
            desk.press(PHONE, TAB, bad)
    for text in ("", "   ", "x" * 201, ["hi"]):
        with pytest.raises(PhoneError, match="text"):
            desk.say(PHONE, TAB, text)
    with pytest.raises(PhoneError, match="choice"):
        desk.pick(PHONE, TAB, "maybe")
    with pytest.raises(PhoneError, match="ringing"):
        desk.pick(PHONE, TAB, "answer")
    with pytest.raises(PhoneError, match="itself"):
        desk.dial(PHONE, TAB, PHONE)
    with pytest.raises(PhoneError, match="does not hold"):
        desk.press(PHONE, OTHER_TAB, "1")
