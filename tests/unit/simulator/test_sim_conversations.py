"""Named conversations on the in-process simulated network (FACTS §2.6 and §2.9; DOCS-2021 NCCO
reference ``conversation`` and ``transfer``, ``guides/call-flow.md``): ``startOnEnter`` (others
hear ``musicOnHoldUrl`` until the moderator joins), ``endOnExit``, ``record`` with its recording
webhook, ``canSpeak``/``canHear``, at most 50 participants, and ``transfer`` moving every leg."""

from __future__ import annotations

from typing import Any

import pytest
from simkit import APP_BASE, FakeApp, network_for

from chalicelib.simulator import conversations
from chalicelib.simulator.model import EntryKind
from chalicelib.simulator.ncco import NccoError, parse_ncco

LVN = "447700900100"
MODERATOR = "447700900009"
MUSIC = "https://example.com/hold.mp3"


def caller(index: int) -> str:
    return f"4477009{index:05d}"


def room_app(**guest: Any) -> FakeApp:
    """Guests wait for the moderator (who starts and ends the conversation)."""

    def answer(request: Any) -> Any:
        if request.fields.get("from") == MODERATOR:
            action = {"action": "conversation", "name": "room", "endOnExit": True}
        else:
            action = {"action": "conversation", "name": "room", **guest}
        return [action, {"action": "talk", "text": "The conference is over"}]

    return FakeApp({"/answer": answer})


def test_guests_hear_hold_music_until_the_moderator_starts_the_conversation() -> None:
    # GIVEN a guest who does not start the conversation, with hold music
    app = room_app(startOnEnter=False, musicOnHoldUrl=[MUSIC])
    network = network_for(app)
    guest = network.call(caller(1), LVN, run=False)
    network.run_for(10)
    # WHEN the moderator joins at 10 s and leaves at 30 s
    network.call(MODERATOR, LVN, [{"wait": 20}, {"hangup": True}], run=False)
    network.run_until_idle()
    # THEN the guest heard the music, then the conversation started and ended with the moderator
    [music] = guest.transcript.of_kind(EntryKind.PLAY)
    assert music.text == MUSIC
    texts = [e.text for e in guest.transcript.of_kind(EntryKind.CONVERSATION)]
    assert texts == ["joins room", "room starts", "leaves room (ended)"]
    started = guest.transcript.of_kind(EntryKind.CONVERSATION)[1].seconds
    assert started >= 10
    assert guest.transcript.said() == ["The conference is over"]


def test_a_guest_who_joins_a_started_conversation_hears_no_music() -> None:
    app = room_app(startOnEnter=False, musicOnHoldUrl=[MUSIC])
    network = network_for(app)
    network.call(MODERATOR, LVN, [{"wait": 20}, {"hangup": True}], run=False)
    network.run_for(5)
    guest = network.call(caller(1), LVN, run=False)
    network.run_until_idle()
    assert guest.transcript.of_kind(EntryKind.PLAY) == []


def test_a_recorded_conversation_posts_its_recording_when_the_last_one_leaves() -> None:
    # GIVEN a recorded conversation whose events go to /room-events
    app = FakeApp(
        {
            "/answer": [
                {
                    "action": "conversation",
                    "name": "recorded",
                    "record": True,
                    "eventUrl": [f"{APP_BASE}/room-events"],
                }
            ]
        }
    )
    network = network_for(app)
    first = network.call(caller(1), LVN, [{"wait": 10}, {"hangup": True}], run=False)
    network.call(caller(2), LVN, [{"wait": 25}, {"hangup": True}], run=False)
    network.run_until_idle()
    # THEN one recording of the whole conversation (from the first join to the last leave)
    [recording] = [r.json for r in app.at("/room-events")]
    assert recording["recording_url"].startswith(network.api_base_url + "/v1/files/")
    assert recording["conversation_uuid"] == first.conversation_uuid
    assert 24 <= network_seconds(recording) <= 26


def network_seconds(recording: dict[str, Any]) -> float:
    from datetime import datetime

    start = datetime.fromisoformat(recording["start_time"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(recording["end_time"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def test_the_51st_participant_is_refused_and_its_ncco_goes_on() -> None:
    app = FakeApp(
        {
            "/answer": [
                {"action": "conversation", "name": "big"},
                {"action": "talk", "text": "The conference is full"},
            ]
        }
    )
    network = network_for(app)
    calls = [
        network.call(caller(i), LVN, [{"wait": 60}, {"hangup": True}], run=False)
        for i in range(conversations.MAX_PARTICIPANTS + 1)
    ]
    network.run_until_idle()
    said = [call.transcript.said() for call in calls]
    assert said[: conversations.MAX_PARTICIPANTS] == [[]] * conversations.MAX_PARTICIPANTS
    assert said[-1] == ["The conference is full"]
    assert any("is full" in str(r.json.get("reason")) for r in app.at("/event"))


def test_can_speak_and_can_hear_are_shown_and_checked() -> None:
    app = FakeApp(
        {"/answer": [{"action": "conversation", "name": "coach", "canSpeak": [], "canHear": []}]}
    )
    network = network_for(app)
    call = network.call(caller(1), LVN, [{"wait": 2}, {"hangup": True}])
    joined = call.transcript.of_kind(EntryKind.CONVERSATION)[0]
    assert (joined.details["can_speak"], joined.details["can_hear"]) == ([], [])


@pytest.mark.parametrize(
    "action",
    [
        {"action": "conversation", "name": "x", "canSpeak": "leg-1"},
        {"action": "conversation", "name": "x", "canHear": [1]},
        {"action": "conversation", "name": "x", "mute": True, "canSpeak": ["leg-1"]},
    ],
)
def test_bad_can_speak_or_can_hear_is_a_syntax_error(action: dict[str, Any]) -> None:
    with pytest.raises(NccoError):
        parse_ncco([action])


def test_a_transfer_moves_every_leg_of_the_conversation() -> None:
    # GIVEN two callers in one conversation
    app = FakeApp({"/answer": [{"action": "conversation", "name": "team"}]})
    network = network_for(app)
    one = network.call(caller(1), LVN, [{"wait": 30}, {"hangup": True}], run=False)
    two = network.call(caller(2), LVN, [{"wait": 30}, {"hangup": True}], run=False)
    network.run_for(5)
    # WHEN one of them transfers the conversation to CON-target (as its transfer action does)
    assert conversations.others_to_move(two.leg, network.legs()) == [one.leg]
    network.transfer_into(one.leg, "CON-target")
    network.transfer_into(two.leg, "CON-target")
    network.run_until_idle()
    # THEN both legs got a transfer event and ended in CON-target
    for call in (one, two):
        transfer = next(e for e in call.events() if e.get("status") == "transfer")
        assert transfer["conversation_uuid_to"] == "CON-target"
        assert call.events()[-1]["conversation_uuid"] == "CON-target"
