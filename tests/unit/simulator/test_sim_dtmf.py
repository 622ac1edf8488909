"""DTMF on the in-process simulated network against a tiny fake Vonage app: the synchronous
input joins keys pressed within its timeOut into one entry (maxDigits, submitOnHash), the
asynchronous input reports each key in real time during any action, and the
``/v1/calls/{uuid}/input/dtmf`` listener only where an asynchronous input runs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import jwt
import pytest
from simkit import APP_BASE, APP_ID, FakeApp, network_for

from chalicelib.simulator.api import ApiRequest, SimulatorApi
from chalicelib.simulator.model import ConfigurationError, EntryKind, parse_step
from chalicelib.simulator.ncco import SYNTAX_ERROR
from chalicelib.simulator.network import CallHandle, Network

CALLER = "447700900001"
LVN = "447700900100"


def sync_input(**dtmf: object) -> dict[str, object]:
    return {"action": "input", "type": ["dtmf"], "dtmf": dtmf, "eventUrl": [f"{APP_BASE}/input"]}


def async_input(path: str = "/digits") -> dict[str, object]:
    return {
        "action": "input",
        "type": ["dtmf"],
        "mode": "asynchronous",
        "eventUrl": [f"{APP_BASE}{path}"],
    }


BYE = {"action": "talk", "text": "bye"}


def entry_of(app: FakeApp) -> dict[str, Any]:
    """The one input webhook's ``dtmf`` object."""
    (request,) = app.at("/input")
    return dict(request.json["dtmf"])


def seconds_to_result(call: CallHandle) -> float:
    """From the caller's last key of the entry to the input's result (the talk that follows)."""
    press = call.transcript.of_kind(EntryKind.PRESS)[0]
    bye = next(e for e in call.transcript.of_kind(EntryKind.SAY) if e.text == "bye")
    return round(bye.seconds - press.seconds, 3)


def stamp(request_json: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(request_json["timestamp"]).replace("Z", "+00:00"))


# -- synchronous input ----------------------------------------------------------------------------


def test_keys_pressed_with_a_pause_inside_timeout_are_one_entry() -> None:
    """Vonage sends the result ``timeOut`` seconds after the caller's last key (NCCO reference,
    input ``dtmf.timeOut``: "sent ... timeOut seconds after the last action"; FACTS §2.3)."""
    # GIVEN an input with a 3 s timeOut and room for four keys
    app = FakeApp({"/answer": [sync_input(timeOut=3, maxDigits=4), BYE], "/input": None})
    network = network_for(app)
    # WHEN the caller presses 1, pauses 2 s, presses 2
    call = network.call(CALLER, LVN, [{"press": "1"}, {"wait": 2}, {"press": "2"}])
    # THEN one entry "12" comes back, timed out, 3 s after the 2
    assert entry_of(app) == {"digits": "12", "timed_out": True}
    assert call.transcript.pressed() == ["12"]
    assert call.transcript.of_kind(EntryKind.PRESS)[0].details["keyed"] == ["1", "2"]
    assert seconds_to_result(call) == 3.0


def test_a_pause_longer_than_timeout_ends_the_entry_before_the_next_key() -> None:
    """FACTS §2.3: ``timeOut`` (default 3 s) ends the entry after the last key."""
    app = FakeApp({"/answer": [sync_input(timeOut=3, maxDigits=4), BYE], "/input": None})
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"press": "1"}, {"wait": 4}, {"press": "2"}])
    assert entry_of(app) == {"digits": "1", "timed_out": True}
    assert call.transcript.pressed() == ["1"]


def test_keys_with_a_gap_join_while_each_gap_is_inside_timeout() -> None:
    """FACTS §2.3: each key restarts the ``timeOut``; ``gap`` spaces one press step's keys."""
    app = FakeApp({"/answer": [sync_input(timeOut=3, maxDigits=4), BYE], "/input": None})
    network = network_for(app)
    network.call(CALLER, LVN, [{"press": "123", "gap": 2.5}])
    assert entry_of(app) == {"digits": "123", "timed_out": True}


def test_a_gap_beyond_timeout_leaves_the_later_keys_unheard() -> None:
    app = FakeApp({"/answer": [sync_input(timeOut=2, maxDigits=4), BYE], "/input": None})
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"press": "123", "gap": 4}])
    assert entry_of(app) == {"digits": "1", "timed_out": True}
    assert call.transcript.of_kind(EntryKind.PRESS)[0].details["unheard"] == "23"


def test_max_digits_ends_the_entry_across_presses_at_once() -> None:
    """FACTS §2.3: ``maxDigits`` (default 4, max 20) ends the entry; it is not a timeout."""
    app = FakeApp({"/answer": [sync_input(timeOut=5, maxDigits=3), BYE], "/input": None})
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"press": "12"}, {"wait": 1}, {"press": "345"}])
    assert entry_of(app) == {"digits": "123", "timed_out": False}
    assert seconds_to_result(call) == 0.0
    assert call.transcript.of_kind(EntryKind.PRESS)[0].details["unheard"] == "45"


def test_max_digits_defaults_to_four() -> None:
    app = FakeApp({"/answer": [sync_input(), BYE], "/input": None})
    network = network_for(app)
    network.call(CALLER, LVN, [{"press": "123456"}])
    assert entry_of(app) == {"digits": "1234", "timed_out": False}


def test_submit_on_hash_ends_the_entry_at_the_hash_without_it() -> None:
    """FACTS §2.3: ``submitOnHash`` sends the result on ``#`` (the ``#`` is not a digit)."""
    app = FakeApp(
        {"/answer": [sync_input(timeOut=5, maxDigits=10, submitOnHash=True), BYE], "/input": None}
    )
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"press": "43"}, {"wait": 2}, {"press": "21#"}])
    assert entry_of(app) == {"digits": "4321", "timed_out": False}
    assert seconds_to_result(call) == 0.0


def test_without_submit_on_hash_the_hash_is_a_digit() -> None:
    app = FakeApp({"/answer": [sync_input(timeOut=2, maxDigits=10), BYE], "/input": None})
    network = network_for(app)
    network.call(CALLER, LVN, [{"press": "12#"}])
    assert entry_of(app) == {"digits": "12#", "timed_out": True}


def test_a_gap_belongs_to_press_only() -> None:
    assert parse_step({"press": "12", "gap": 1.5}).gap == 1.5
    assert parse_step({"press": "12", "gap": 1.5}).to_json() == {"press": "12", "gap": 1.5}
    with pytest.raises(ConfigurationError):
        parse_step({"say": "hello", "gap": 1})
    with pytest.raises(ConfigurationError):
        parse_step({"press": "1", "gap": -1})


# -- asynchronous input ---------------------------------------------------------------------------

LONG_TALK = {"action": "talk", "text": "Please hold while we look at your account. " * 3}
ACTIONS = {
    "talk": LONG_TALK,
    "stream": {"action": "stream", "streamUrl": [f"{APP_BASE}/music.mp3"]},
    "wait": {"action": "wait", "timeout": 10},
    "conversation": {"action": "conversation", "name": "room-1"},
    "connect": {
        "action": "connect",
        "from": LVN,
        "endpoint": [{"type": "phone", "number": "447700900123"}],
    },
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_asynchronous_input_reports_each_key_in_real_time_during_any_action(action: str) -> None:
    """FACTS §2.3 and §3.3: with ``mode: asynchronous`` "digits are sent one at a time, in real
    time" to the event webhook, each an input event with a single digit, while the NCCO runs
    on (the input does not block)."""
    # GIVEN an asynchronous input followed by the action
    app = FakeApp({"/answer": [async_input(), ACTIONS[action]], "/digits": None})
    network = network_for(app)
    network.set_number("447700900123", {"talk_seconds": None})
    # WHEN the caller presses 1 then 2, 4 s and 4.3 s after answering, and hangs up
    call = network.call(CALLER, LVN, [{"wait": 4}, {"press": "12"}, {"wait": 2}, {"hangup": True}])
    # THEN each key arrived on its own, when it was pressed, during the action
    digits = [r.json for r in app.at("/digits")]
    assert [d["dtmf"] for d in digits] == [
        {"digits": "1", "timed_out": False},
        {"digits": "2", "timed_out": False},
    ]
    answered = next(e for e in call.events("A") if e.get("status") == "answered")
    offsets = [round((stamp(d) - stamp(answered)).total_seconds(), 1) for d in digits]
    assert offsets == [4.0, 4.3]
    assert call.transcript.of_kind(EntryKind.HANGUP)


def test_asynchronous_input_does_not_hold_up_the_ncco() -> None:
    app = FakeApp({"/answer": [async_input(), {"action": "talk", "text": "hello"}]})
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"press": "5"}])
    assert call.transcript.said() == ["hello"]
    assert [r.json["dtmf"]["digits"] for r in app.at("/digits")] == ["5"]


def test_keys_a_synchronous_input_takes_are_not_reported_asynchronously_too() -> None:
    """Strict reading (not stated in the sources, FACTS §6.1): a synchronous input takes its
    keys; the asynchronous input does not report them as well."""
    app = FakeApp(
        {"/answer": [async_input(), sync_input(maxDigits=1), BYE], "/input": None, "/digits": None}
    )
    network = network_for(app)
    network.call(CALLER, LVN, [{"press": "5"}])
    assert entry_of(app)["digits"] == "5"
    assert app.at("/digits") == []


def test_a_new_ncco_ends_the_asynchronous_input() -> None:
    """Strict reading of FACTS §9 open point 1 (not confirmed on a live account): the
    asynchronous input lasts while its NCCO runs; one that replaces it (here from the input's
    answer) must have its own."""
    # GIVEN an asynchronous input, then a synchronous one whose answer brings a new NCCO
    app = FakeApp(
        {
            "/answer": [async_input(), sync_input(maxDigits=1)],
            "/input": [LONG_TALK],
            "/digits": None,
        }
    )
    network = network_for(app)
    # WHEN the caller answers the input, then presses a key during the new NCCO's talk
    network.call(CALLER, LVN, [{"press": "5"}, {"wait": 1}, {"press": "9"}])
    # THEN the key is reported to nobody
    assert app.at("/digits") == []


def test_a_rest_transfer_ends_the_asynchronous_input_and_its_listener() -> None:
    """Strict reading of FACTS §9 open point 1: a REST transfer's NCCO replaces the one that held
    the asynchronous input, so its keys (and the listener) stop."""
    app = FakeApp(
        {
            "/answer": [async_input(), {"action": "conversation", "name": "hold"}],
            "/digits": None,
            "/listener": None,
        }
    )
    network = network_for(app)
    script = [{"wait": 2}, {"press": "1"}, {"wait": 6}, {"press": "2"}, {"hangup": True}]
    call = network.call(CALLER, LVN, script, run=False)
    network.run_for(5)
    assert rest(network, "PUT", call.uuid, {"event_url": [f"{APP_BASE}/listener"]}) == 200
    network.transfer(call.uuid, [{"action": "conversation", "name": "elsewhere"}])
    network.run_for(1)
    assert rest(network, "PUT", call.uuid, {"event_url": [f"{APP_BASE}/listener"]}) == 400
    network.run_until_idle()
    assert [r.json["dtmf"]["digits"] for r in app.at("/digits")] == ["1"]
    assert app.at("/listener") == []


def test_asynchronous_input_with_dtmf_settings_is_a_syntax_error() -> None:
    """FACTS §2.3: with ``mode: asynchronous`` "all dtmf settings must be blank" (DTMF only)."""
    app = FakeApp({"/answer": [{**async_input(), "dtmf": {"maxDigits": 2}}]})
    network = network_for(app)
    network.call(CALLER, LVN)
    assert app.at("/event")[0].json["reason"] == SYNTAX_ERROR


# -- the DTMF listener ----------------------------------------------------------------------------


def rest(network: Network, method: str, uuid: str, body: object = None) -> int:
    token = jwt.encode({"application_id": APP_ID}, "k" * 32)
    request = ApiRequest(
        method,
        f"/v1/calls/{uuid}/input/dtmf",
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        body=b"" if body is None else json.dumps(body).encode(),
    )
    return SimulatorApi(network).handle(request).status


def test_the_listener_is_refused_without_an_asynchronous_input() -> None:
    """SPEC-NEW ``PUT /{uuid}/input/dtmf`` and the page "Subscribe to real-time DTMF events":
    "only applicable to Input NCCO events with the mode set to asynchronous". Strict reading
    (not confirmed on a live account): the request is refused (400) and nothing is reported."""
    # GIVEN a caller in a conversation, with no asynchronous input
    app = FakeApp({"/answer": [{"action": "conversation", "name": "hold"}], "/listener": None})
    network = network_for(app)
    call = network.call(CALLER, LVN, [{"wait": 8}, {"press": "1"}, {"hangup": True}], run=False)
    network.run_for(5)
    # WHEN the app registers a listener
    status = rest(network, "PUT", call.uuid, {"event_url": [f"{APP_BASE}/listener"]})
    network.run_until_idle()
    # THEN it is refused and the key reaches nobody
    assert status == 400
    assert app.at("/listener") == []


def test_the_listener_takes_the_keys_of_an_asynchronous_input_until_removed() -> None:
    """SPEC-NEW ``/{uuid}/input/dtmf``: PUT registers a listener for the asynchronous input's
    keys (200), DELETE removes it (200). Strict reading (not stated): while registered the
    listener gets the keys instead of the input's ``eventUrl``."""
    app = FakeApp(
        {
            "/answer": [async_input(), {"action": "conversation", "name": "hold"}],
            "/digits": None,
            "/listener": None,
        }
    )
    network = network_for(app)
    script = [{"wait": 8}, {"press": "1"}, {"wait": 5}, {"press": "2"}, {"hangup": True}]
    call = network.call(CALLER, LVN, script, run=False)
    network.run_for(5)
    assert rest(network, "PUT", call.uuid, {"event_url": [f"{APP_BASE}/listener"]}) == 200
    network.run_for(5)
    assert rest(network, "DELETE", call.uuid) == 200
    network.run_until_idle()
    assert [r.json["dtmf"]["digits"] for r in app.at("/listener")] == ["1"]
    assert [r.json["dtmf"]["digits"] for r in app.at("/digits")] == ["2"]
