"""The dialer's ``agent`` widget on the pure engine, its question answered by a scripted dialer:
an agent given rings on its own leg while the customer waits in the call's conversation with the
seed's agent variables filled; none free, the customer hears the hold message and the node asks
again on the same ref until the hold limit, then takes ``no_agent`` with the customer's
reschedule; an agent missing the ring is let go and the next asked for on the same ref; the
agent's answer connects (and is measured), the conversation's end takes ``next``; the customer
hanging up lets the agent go. Also the engine's ``Consult(ref=...)``: the wait goes on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from unit.flows.flowkit import NOW, Driver, flow_of

from chalicelib.campaigns.model import CampaignCall
from chalicelib.dialer import widget
from chalicelib.dialer.queries import ClaimAgent, GivenAgent, NoAgentFree, NoSuchGroup
from chalicelib.dialer.tasks import LiveCallChanged, RecordAnswer, ReleaseAgent
from chalicelib.flows.engine import Step, register_leg_watcher, step
from chalicelib.flows.outcomes import (
    Consulted,
    HangUpLeg,
    PlaceLeg,
    ScheduleTimer,
    TimerFired,
)
from chalicelib.flows.state import CallState
from chalicelib.flows.widgets import register_widget
from chalicelib.telephony.actions import Conference, Notify, Say
from chalicelib.telephony.events import CallStatus, CallStatusChanged, NotifyReceived

ADA = GivenAgent("ada", "Ada", "447700900801", "mobile phone", "dynamic", 15, 2)
BO = GivenAgent("bo", "Bo", "sip:bo@pbx.example.com", "softphone", "direct dial", 20, 2)
NONE_FREE = NoAgentFree(15, 2)


@pytest.fixture(autouse=True)
def _registered() -> None:
    register_widget(widget.WIDGET)
    register_leg_watcher(widget.watch)


def nodes(**agent: Any) -> dict[str, Any]:
    return {
        "agent": {
            "widget": "agent",
            "group": "sales",
            "hold_message": "Please hold.",
            "hold_limit": 10,
            "next": {"next": "done", "no_agent": "sorry", "failed": "broken"},
            **agent,
        },
        "done": {"widget": "hangup", "text": "agent $flow.syskey.agentID"},
        "sorry": {"widget": "hangup", "text": "sorry"},
        "broken": {"widget": "hangup", "text": "broken"},
    }


class Call:
    """A campaign's call through an agent node whose questions ``answers`` answers in turn."""

    def __init__(self, *answers: object, **agent: Any) -> None:
        self.driver = Driver(
            flow_of(nodes(**agent)),
            data={"campaign": CampaignCall("api-sales", "cat", 1)},
        )
        self.answers = list(answers)
        self.queries: list[ClaimAgent] = []
        self.now = NOW
        self.effects: list[Any] = []
        self.actions: list[Any] = []

    def _settle(self, result: Step) -> Step:
        self.effects.extend(result.effects)
        self.actions.extend(result.actions)
        while result.request is not None and result.state.awaiting is not None:
            assert isinstance(result.request, ClaimAgent)
            self.queries.append(result.request)
            event = Consulted(result.state.awaiting.ref, result.request, self.answers.pop(0))
            result = step(self.driver.flow, result.state, event, self.now)
            self.driver.state = result.state
            self.effects.extend(result.effects)
            self.actions.extend(result.actions)
        return result

    def send(self, event: Any) -> Step:
        self.effects.clear()
        self.actions.clear()
        result = step(self.driver.flow, self.driver.state, event, self.now)
        self.driver.state = result.state
        return self._settle(result)

    def start(self) -> Step:
        self.effects.clear()
        self.actions.clear()
        return self._settle(self.driver.answer())

    def later(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def fire(self) -> Step:
        [timer] = [e for e in self.effects if isinstance(e, ScheduleTimer)]
        return self.send(TimerFired(timer.name, timer.ref, timer.key))

    def leg(self, status: CallStatus, leg_id: str = "agent-leg") -> Step:
        ref = self.state.call_vars["_agent.ref"]
        return self.send(CallStatusChanged(leg_id, "CON-2", status, ref=ref))

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.effects if isinstance(e, kind)]

    @property
    def state(self) -> CallState:
        return self.driver.state


def test_an_agent_given_rings_on_its_own_leg_while_the_customer_waits() -> None:
    call = Call(ADA)
    call.start()
    [query] = call.queries
    assert (query.account_id, query.group_id, query.call_ref) == ("acct", "sales", "call-1:1:1")
    # the customer joins the call's conversation and the agent's leg is placed into it
    conference = next(a for a in call.actions if isinstance(a, Conference))
    assert conference.name == "agent-call-1-1" and not conference.start_on_enter
    assert isinstance(call.actions[-1], Notify)
    [leg] = call.of(PlaceLeg)
    assert (leg.to, leg.from_number, leg.room, leg.ring_timeout) == (
        "447700900801",
        "447700900100",
        "agent-call-1-1",
        15,
    )
    assert leg.ref == call.state.awaiting.ref  # type: ignore[union-attr]
    [live] = call.of(LiveCallChanged)
    assert (live.stage, live.agent_id, live.campaign_id) == ("ringing", "ada", "api-sales")
    # the seed's variables of the agent given
    flow, calls = call.state.flow_vars, call.state.call_vars
    assert flow["syskey.agentID"] == "ada"
    assert (flow["syskey.agent.type"], flow["syskey.loginType"]) == ("dynamic", "mobile phone")
    assert flow["syskey.agent.attempt_number"] == "1"
    assert (calls["agent.dnis"], calls["agent.dnis.number"]) == ("447700900801", "7700900801")
    assert (calls["agent.cli"], calls["agent.cli.countrycode"]) == ("447700900100", "44")
    assert calls["agent.connect"] == "false"


def test_the_agent_answering_connects_and_the_conversation_s_end_goes_on() -> None:
    call = Call(ADA)
    call.start()
    call.later(3)
    call.leg(CallStatus.STARTED)
    call.leg(CallStatus.ANSWERED)
    assert call.state.call_vars["agent.connect"] == "true"
    assert call.state.call_vars["agent.cdr"] == "agent-leg"
    [measured] = call.of(RecordAnswer)
    assert measured.connected_at == (NOW + timedelta(seconds=3)).isoformat()
    assert measured.waiting_since == NOW.isoformat()
    assert [e.stage for e in call.of(LiveCallChanged)] == ["talking"]
    # the agent hangs up: the conversation ends for the customer, who goes on
    call.leg(CallStatus.COMPLETED)
    [release] = call.of(ReleaseAgent)
    assert (release.agent_id, release.how) == ("ada", "talked")
    call.send(NotifyReceived("CON-1", {}, ref=call.state.awaiting.ref))  # type: ignore[union-attr]
    assert call.state.path[-1].node == "done"
    assert [a.text for a in call.actions if isinstance(a, Say)] == ["agent ada"]


def test_nobody_free_holds_and_asks_again_on_the_same_ref_until_the_limit() -> None:
    call = Call(NONE_FREE, NONE_FREE, NONE_FREE)
    call.start()
    said = [a.text for a in call.actions if isinstance(a, Say)]
    assert said == ["Please hold."]
    ref = call.state.awaiting.ref  # type: ignore[union-attr]
    call.later(2)
    call.fire()
    assert call.state.awaiting.ref == ref  # type: ignore[union-attr]
    assert call.actions == [] and len(call.of(ScheduleTimer)) == 1
    call.later(2)
    call.fire()
    call.later(6)  # the hold limit (10 s) passes
    call.fire()
    assert call.state.path[-1].node == "sorry"
    assert [a.text for a in call.actions if isinstance(a, Say)] == ["sorry"]
    assert call.state.flow_vars["syskey.reschedule_customer_call"] == "yes"
    [measured] = call.of(RecordAnswer)
    assert measured.connected_at == ""
    assert len(call.queries) == 3


def test_an_agent_freed_during_the_hold_is_rung_without_new_actions() -> None:
    call = Call(NONE_FREE, ADA)
    call.start()
    ref = call.state.awaiting.ref  # type: ignore[union-attr]
    call.later(2)
    call.fire()
    assert call.actions == []  # the customer stays in the conversation
    [leg] = call.of(PlaceLeg)
    assert leg.ref == ref and call.state.awaiting.ref == ref  # type: ignore[union-attr]
    assert call.queries[-1].call_ref == "call-1:1:1"


def test_a_missed_agent_is_let_go_and_the_next_one_asked_for_on_the_same_ref() -> None:
    call = Call(ADA, BO)
    call.start()
    ref = call.state.awaiting.ref  # type: ignore[union-attr]
    call.leg(CallStatus.STARTED)
    call.leg(CallStatus.UNANSWERED)
    [release] = call.of(ReleaseAgent)
    assert (release.agent_id, release.how, release.call_ref) == ("ada", "missed", "call-1:1:1")
    [leg] = call.of(PlaceLeg)
    assert (leg.to, leg.ref) == ("sip:bo@pbx.example.com", ref)
    assert call.queries[-1].call_ref == "call-1:1:2"
    assert call.state.flow_vars["syskey.agent.attempt_number"] == "2"
    assert call.state.flow_vars["syskey.loginType"] == "softphone"
    assert call.state.call_vars["agent.dnis.number"] == ""
    # a late event of the first leg changes nothing
    before = call.state
    call.leg(CallStatus.COMPLETED)
    assert call.state.flow_vars == before.flow_vars and call.of(PlaceLeg) == []


def test_the_attempts_spent_leave_through_a_timer_due_now() -> None:
    call = Call(ADA, BO)
    call.start()
    call.leg(CallStatus.STARTED)
    call.leg(CallStatus.BUSY)
    call.leg(CallStatus.STARTED, "second-leg")
    call.leg(CallStatus.BUSY, "second-leg")
    assert not call.state.finished and call.actions == []  # a leg's event reaches no customer
    [leave] = call.of(ScheduleTimer)
    assert leave.delay_seconds == 0
    call.fire()
    assert call.state.path[-1].node == "sorry"
    assert [a.text for a in call.actions if isinstance(a, Say)] == ["sorry"]


def test_the_ring_timer_of_an_earlier_attempt_is_ignored() -> None:
    call = Call(ADA, BO)
    call.start()
    first = next(e for e in call.effects if isinstance(e, ScheduleTimer))
    call.leg(CallStatus.STARTED)
    call.leg(CallStatus.REJECTED)
    before = call.state
    call.send(TimerFired(first.name, first.ref, first.key))
    assert call.state.call_vars == before.call_vars and call.effects == []


def test_the_customer_hanging_up_lets_the_agent_go_and_stops_its_leg() -> None:
    call = Call(ADA)
    call.start()
    call.leg(CallStatus.STARTED)
    call.send(CallStatusChanged("leg-a", "CON-1", CallStatus.COMPLETED))
    assert call.state.finished
    [release] = call.of(ReleaseAgent)
    assert release.how == "unused"
    assert [h.leg_id for h in call.of(HangUpLeg)] == ["agent-leg"]
    [measured] = call.of(RecordAnswer)
    assert measured.connected_at == ""


@pytest.mark.parametrize(
    ("answer", "output"),
    [(NoSuchGroup("sales"), "broken"), (object(), "broken")],
)
def test_no_group_or_no_answer_takes_failed(answer: object, output: str) -> None:
    call = Call(answer)
    call.start()
    assert [a.text for a in call.actions if isinstance(a, Say)] == [output]


def test_a_caller_id_that_is_no_number_fails_without_asking() -> None:
    call = Call(caller_id="nobody")
    call.start()
    assert call.queries == []
    assert [a.text for a in call.actions if isinstance(a, Say)] == ["broken"]
