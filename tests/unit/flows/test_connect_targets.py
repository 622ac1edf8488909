"""The connect widget's targets besides one number: a SIP URI (validated when the flow loads,
rendered as a ``sip`` endpoint) and ``ring_all`` (several numbers and SIP URIs rung at once:
the caller waits in a conversation of its own, one leg is placed per target, the first to answer
wins and the others are hung up, nobody answering takes ``no_answer``)."""

from __future__ import annotations

from typing import Any

import pytest
from flowkit import DID, Driver, flow_of
from nccokit import sdk_round_trip

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.outcomes import HangUpLeg, PlaceLeg, ScheduleTimer, TimerFired
from chalicelib.flows.widgets.connect import RING_GRACE_SECONDS, RING_TIMER
from chalicelib.telephony.actions import Bridge, Conference, Hangup, Notify, Say
from chalicelib.telephony.events import CallStatus, CallStatusChanged, NotifyReceived
from chalicelib.telephony.vonage.ncco import NccoLimitError, render
from chalicelib.telephony.vonage.urls import CallbackUrls

DESK = "sip:desk@pbx.example.com"
URLS = CallbackUrls("https://hooks.example.com", "call-1")
AFTER = {
    "after": {"widget": "hangup", "text": "after"},
    "busy": {"widget": "hangup", "text": "busy"},
    "na": {"widget": "hangup", "text": "no answer"},
}
OUTPUTS = {"next": "after", "busy": "busy", "no_answer": "na"}


def connect(**target: Any) -> dict[str, Any]:
    return {"c": {"widget": "connect", "ring_timeout": 20, "next": OUTPUTS, **target}, **AFTER}


# -- validation at load ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ({}, "one of number, sip and ring_all"),
        ({"number": "447700900555", "sip": DESK}, "one of number, sip and ring_all"),
        ({"sip": DESK, "ring_all": [DESK]}, "one of number, sip and ring_all"),
        ({"sip": "desk@pbx.example.com"}, "is not a SIP URI"),
        ({"sip": "sip:desk pbx"}, "is not a SIP URI"),
        ({"ring_all": []}, "at least 1"),
        ({"ring_all": ["447700900555", "tel:12"]}, "neither a number"),
        ({"ring_all": [f"4477009005{n:02d}" for n in range(11)]}, "at most 10"),
        ({"ring_all": [DESK], "machine_detection": "hangup"}, "machine_detection"),
    ],
)
def test_a_connect_names_one_target_of_a_kind_it_can_dial(
    target: dict[str, Any], problem: str
) -> None:
    with pytest.raises(FlowValidationError, match=problem):
        flow_of(connect(**target))


def test_targets_with_variables_are_checked_when_the_call_fills_them() -> None:
    flow_of(connect(sip="$flow.key.desk"), variables={"desk": ""})
    flow_of(connect(ring_all=["$flow.key.desk", DESK]), variables={"desk": ""})


# -- one SIP URI ----------------------------------------------------------------------------


def test_connect_dials_a_sip_uri_as_a_sip_endpoint() -> None:
    d = Driver(flow_of(connect(sip=DESK)))
    bridge, notify = d.answer().actions
    assert bridge == Bridge("1", "", DID, ring_timeout=20, sip=DESK)
    assert isinstance(notify, Notify)
    [rendered] = render([bridge], URLS)
    assert rendered["endpoint"] == [{"type": "sip", "uri": DESK}]
    assert rendered["from"] == DID and rendered["eventType"] == "synchronous"
    sdk_round_trip(rendered)
    # a busy SIP address takes busy, as a number does
    busy = d.send(CallStatusChanged("leg-b", "CON-1", CallStatus.BUSY, ref=d.ref, to_number=DESK))
    assert busy.actions[0] == Say("busy", "en-US")
    assert d.state.legs["leg-b"].number == DESK


def test_a_sip_uri_a_variable_fills_badly_fails_without_dialling() -> None:
    flow = flow_of(connect(sip="$flow.key.desk"), variables={"desk": "desk@nowhere"})
    assert Driver(flow).answer().actions[0] == Say("after", "en-US")  # failed: falls to next


@pytest.mark.parametrize(
    ("bridge", "problem"),
    [
        (Bridge("b", "447700900001", "447700900000", sip=DESK), "not both"),
        (Bridge("b", "", "447700900000", sip="sip:nobody"), "not a SIP URI"),
        (Bridge("b", "", "447700900000", sip=DESK, dtmf_answer="1"), "phone endpoints only"),
    ],
)
def test_the_renderer_refuses_a_bad_sip_bridge(bridge: Bridge, problem: str) -> None:
    with pytest.raises(NccoLimitError, match=problem):
        render([bridge], URLS)


# -- ring all -------------------------------------------------------------------------------

RING = ["+44 7700 900501", "447700900502", DESK]


def ringing(**extra: Any) -> Driver:
    """A call at a ring_all node whose legs were just placed."""
    d = Driver(flow_of(connect(ring_all=RING, prompt="Please hold.", **extra)))
    first = d.answer()
    assert first.actions == (Notify("1", {"ring": "all", "node": "c"}),) and not first.effects
    d.send(NotifyReceived("CON-1", {"ring": "all", "node": "c"}, ref="1"))
    return d


def status(d: Driver, leg: str, what: CallStatus, to: str = "447700900501") -> Any:
    return d.send(CallStatusChanged(leg, f"CON-{leg}", what, ref="2", to_number=to))


def test_ring_all_waits_in_a_conversation_and_places_a_leg_per_target() -> None:
    d = ringing(ringback_url="https://cdn.example.com/hold.mp3")
    step = d.last
    assert step is not None and d.ref == "2"
    say, room, notify = step.actions
    assert say == Say("Please hold.", "en-US")
    assert room == Conference(
        "ring-call-1-2",
        start_on_enter=False,
        end_on_exit=True,
        music_on_hold_url="https://cdn.example.com/hold.mp3",
    )
    assert notify == Notify("2", {"after": "connect", "node": "c"})
    places = [e for e in step.effects if isinstance(e, PlaceLeg)]
    assert [p.to for p in places] == ["447700900501", "447700900502", DESK]
    assert {(p.ref, p.room, p.from_number, p.ring_timeout) for p in places} == {
        ("2", "ring-call-1-2", DID, 20)
    }
    assert len({p.key for p in places}) == 3
    [timer] = [e for e in step.effects if isinstance(e, ScheduleTimer)]
    assert (timer.name, timer.ref, timer.delay_seconds) == (
        RING_TIMER,
        "2",
        20 + RING_GRACE_SECONDS,
    )
    rendered = render(step.actions, URLS)
    assert rendered[1] == {
        "action": "conversation",
        "name": "ring-call-1-2",
        "startOnEnter": False,
        "endOnExit": True,
        "musicOnHoldUrl": ["https://cdn.example.com/hold.mp3"],
    }
    for action in rendered:
        sdk_round_trip(action)


def test_the_first_to_answer_wins_and_the_others_are_hung_up() -> None:
    d = ringing()
    for leg, to in (("b1", "447700900501"), ("b2", "447700900502"), ("b3", DESK)):
        assert not status(d, leg, CallStatus.RINGING, to).effects
    won = status(d, "b2", CallStatus.ANSWERED, "447700900502")
    assert set(won.effects) == {
        HangUpLeg("call-1:ring:b1:end", "b1"),
        HangUpLeg("call-1:ring:b3:end", "b3"),
    }
    assert won.actions == () and d.state.call_vars["_ring.2.won"] == "b2"
    # a loser that answers before its hang-up lands is hung up (the same key: once)
    late = status(d, "b3", CallStatus.ANSWERED, DESK)
    assert late.effects == (HangUpLeg("call-1:ring:b3:end", "b3"),)
    # the losers' ends and the backstop timer change nothing: the bridge goes on
    assert status(d, "b1", CallStatus.CANCELLED).actions == ()
    assert d.send(TimerFired(RING_TIMER, "2")).actions == ()
    # the bridge ends: the flow goes on
    done = d.send(NotifyReceived("CON-1", {"after": "connect"}, ref="2"))
    assert done.actions == (Say("after", "en-US"), Hangup())


def test_every_leg_failing_ends_the_wait_at_once_and_takes_no_answer() -> None:
    d = ringing()
    assert status(d, "b1", CallStatus.BUSY).effects == ()
    assert status(d, "b2", CallStatus.TIMEOUT, "447700900502").effects == ()
    last = status(d, "b3", CallStatus.REJECTED, DESK)
    [now] = last.effects
    assert isinstance(now, ScheduleTimer) and now.delay_seconds == 0 and now.ref == "2"
    woken = d.send(TimerFired(RING_TIMER, "2", now.key))
    assert woken.actions == (Say("no answer", "en-US"), Hangup()) and woken.effects == ()


def test_every_leg_busy_takes_busy() -> None:
    d = ringing()
    for leg, to in (("b1", "447700900501"), ("b2", "447700900502"), ("b3", DESK)):
        status(d, leg, CallStatus.BUSY, to)
    assert d.send(TimerFired(RING_TIMER, "2")).actions[0] == Say("busy", "en-US")


def test_the_ring_time_passing_stops_the_legs_still_ringing() -> None:
    d = ringing()
    status(d, "b1", CallStatus.RINGING)
    status(d, "b2", CallStatus.BUSY, "447700900502")
    timed_out = d.send(TimerFired(RING_TIMER, "2"))
    assert timed_out.actions == (Say("no answer", "en-US"), Hangup())
    assert timed_out.effects == (HangUpLeg("call-1:ring:b1:end", "b1"),)
    # a leg that answers after the node moved on is hung up
    assert status(d, "b4", CallStatus.ANSWERED, DESK).effects == (
        HangUpLeg("call-1:ring:b4:end", "b4"),
    )


def test_the_caller_hanging_up_stops_every_leg_still_ringing() -> None:
    d = ringing()
    status(d, "b1", CallStatus.RINGING)
    status(d, "b2", CallStatus.BUSY, "447700900502")
    gone = d.send(CallStatusChanged("leg-a", "CON-1", CallStatus.COMPLETED, duration=9))
    assert d.state.finished
    assert gone.effects == (HangUpLeg("call-1:ring:b1:end", "b1"),)


def test_ring_all_with_nothing_it_can_dial_fails_at_once() -> None:
    flow = flow_of(connect(ring_all=["$flow.key.a", "$flow.key.b"]), variables={"a": "", "b": "x"})
    step = Driver(flow).answer()
    assert step.actions[0] == Say("after", "en-US") and not step.effects


def test_a_leg_placed_for_a_ring_is_created_on_a_sip_endpoint_when_it_is_one() -> None:
    from chalicelib.telephony.errors import CarrierRequestError
    from chalicelib.telephony.ports import OutboundCall
    from chalicelib.telephony.vonage.client import VonageClient, VonageConfig

    config = VonageConfig(
        application_id="app",
        private_key="unused",
        api_key="key",
        api_secret="secret",
        api_host="api.example.com",
        rest_host="rest.example.com",
        timeout=5,
        ca_bundle=None,
        base_url="https://hooks.example.com",
    )
    client = VonageClient(config)
    call = OutboundCall(
        to_number=DESK,
        from_number=DID,
        actions=(Conference("ring-call-1-2", end_on_exit=True),),
        event_url=URLS.event("2"),
        ringing_timeout=20,
        call_id="call-1",
    )
    body = client._create_call_body(call)
    assert body["to"] == [{"type": "sip", "uri": DESK}]
    assert body["ncco"] == [
        {"action": "conversation", "name": "ring-call-1-2", "startOnEnter": True, "endOnExit": True}
    ]
    assert body["event_url"] == [URLS.event("2")] and body["ringing_timer"] == 20
    with pytest.raises(CarrierRequestError, match="to_number"):
        client._create_call_body(OutboundCall("desk@pbx", DID, actions=call.actions, call_id="c"))


def test_the_shell_places_a_ring_leg_into_its_conversation_with_the_ref_on_its_events() -> None:
    from chalicelib.calls.tasks import decode_effects, encode_effects, live_call_runners
    from chalicelib.telephony.ports import OutboundCall, PlacedCall

    placed: list[OutboundCall] = []

    class Carrier:
        def place_call(self, call: OutboundCall) -> PlacedCall:
            placed.append(call)
            return PlacedCall("leg-b", "CON-2", "started")

    runners = live_call_runners(
        Carrier,  # type: ignore[arg-type]
        lambda call_id, ref: URLS.event(ref),
    )
    effect = PlaceLeg("call-1:2:ring:0", "call-1", "2", DESK, DID, "ring-call-1-2", 20, 600)
    assert decode_effects(encode_effects([effect])) == [effect]
    runner = runners[PlaceLeg]
    assert not runner.inline  # queued: the webhook does not wait for the carrier
    assert runner.run(effect, "acct")["placed"] == "leg-b"
    [call] = placed
    assert (call.to_number, call.from_number, call.ringing_timeout) == (DESK, DID, 20)
    assert call.actions == (Conference("ring-call-1-2", start_on_enter=True, end_on_exit=True),)
    assert call.event_url == URLS.event("2") and call.length_timeout == 600
