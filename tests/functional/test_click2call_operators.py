"""Click-to-call operators on SIP and rung all at once, end to end on the simulated network: an
operator on a SIP address answers and is bridged (its leg kept with its address); a SIP
operator busy passes the call to the next operator; a campaign that rings all its operators
bridges the visitor to the first who answers and stops the others ringing, or, nobody
answering, fails calling to the company; SIP operators are not called first (a company-first
campaign needs an operator with a number). The whole app in one process, as
``test_click2call_calls``, with the task queue delivered while the calls go on (the legs a call
places, its timers)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from platformkit import running_platform
from test_click2call_calls import OPERATORS, C2CWorld, ringflow

from chalicelib.ops import schedules

DESK = "sip:desk@pbx.example.com"
STEP = 0.5
"""Virtual seconds the network runs between two deliveries of the task queue."""


class LiveWorld(C2CWorld):
    """The click-to-call world whose task queue is delivered while calls go on, every ``STEP``
    virtual seconds, the platform's clock moving with the network's: a leg a call places from
    the queue rings while the call waits, and a call's timer fires on time (the base world runs
    the network until idle between deliveries, as a campaign's calls need)."""

    def run(self, most: int = 5000) -> None:
        self.run_live(STEP, most)


@pytest.fixture
def c2c(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[C2CWorld]:
    monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
    with running_platform(monkeypatch) as platform:
        built = LiveWorld(platform, tmp_path)
        built.c2c.put_operator("acme", "desk", "Desk", sip=DESK)
        try:
            yield built
        finally:
            built.close()


def _settings(c2c: C2CWorld, **changes: object) -> None:
    changed = c2c.platform.api("PATCH", "/v1/click2call/campaigns/windows", changes)
    assert changed.status_code == 200, changed.body


def _legs(request: dict[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    [made] = request["calls"]  # type: ignore[misc]
    return {(leg["side"], leg["number"]): leg for leg in made["legs"]}


def test_an_operator_on_sip_answers_and_is_bridged(c2c: C2CWorld) -> None:
    _settings(c2c, operators=["desk"])
    c2c.network.set_number("447700900621", {"behaviour": "answers", "talk_seconds": 20})
    c2c.network.set_number(DESK, {"behaviour": "answers", "talk_seconds": 15})
    request_id = json.loads(c2c.click("447700900621").body)["request_id"]
    c2c.run()
    # THEN the visitor was bridged to the SIP address, its leg kept with it (no rate: no cost)
    request = c2c.request(request_id)
    assert request["status_label"] == "COMPLETED"
    desk = _legs(request)[("company", DESK)]
    assert desk["status"] == "answered" and desk["duration"] > 0
    assert Decimal(desk["cost"]) == 0
    [call] = c2c.calls_to("447700900621")
    dialled = [e for e in call.transcript if e.kind.value == "dial" and e.text == DESK]
    assert dialled and dialled[0].details["endpoint_type"] == "sip"


def test_a_busy_sip_operator_passes_the_call_to_the_next_one(c2c: C2CWorld) -> None:
    _settings(c2c, operators=["desk", "op-2"])
    c2c.network.set_number("447700900622", {"behaviour": "answers", "talk_seconds": 20})
    c2c.network.set_number(DESK, {"behaviour": "busy"})
    c2c.network.set_number(OPERATORS["op-2"], {"behaviour": "answers", "talk_seconds": 10})
    request_id = json.loads(c2c.click("447700900622").body)["request_id"]
    c2c.run()
    request = c2c.request(request_id)
    assert request["status_label"] == "COMPLETED"
    legs = _legs(request)
    assert legs[("company", DESK)]["status"] == "busy"
    assert legs[("company", OPERATORS["op-2"])]["status"] == "answered"


def test_ring_all_bridges_the_first_to_answer_and_stops_the_others(c2c: C2CWorld) -> None:
    _settings(c2c, operators=["op-1", "op-2", "desk"], ring="all")
    shown = json.loads(c2c.platform.api("GET", "/v1/click2call/campaigns/windows").body)
    assert shown["ring"] == "all"
    net = c2c.network
    net.set_number("447700900623", {"behaviour": "answers", "talk_seconds": 30})
    net.set_number(OPERATORS["op-1"], {"behaviour": "answers", "answers_after": 20})
    net.set_number(OPERATORS["op-2"], {"behaviour": "answers", "answers_after": 3})
    net.set_number(DESK, {"behaviour": "busy"})
    request_id = json.loads(c2c.click("447700900623").body)["request_id"]
    c2c.run()
    # THEN the three rang at once, the second answered first and was bridged to the visitor
    request = c2c.request(request_id)
    assert request["status_label"] == "COMPLETED"
    legs = _legs(request)
    winner = legs[("company", OPERATORS["op-2"])]
    assert winner["status"] == "answered" and winner["duration"] > 0
    assert legs[("company", DESK)]["status"] == "busy"
    # AND the first stopped ringing when the second answered: it never answered
    first = legs[("company", OPERATORS["op-1"])]
    assert first["status"] in ("cancelled", "unanswered") and first["duration"] == 0
    [ringing] = c2c.calls_to(OPERATORS["op-1"])
    assert ringing.leg.answered_at is None
    [visitor] = c2c.calls_to("447700900623")
    assert visitor.transcript.said()[0].startswith("Thank you for asking Acme Windows.")
    assert not any("nobody can take your call" in s for s in visitor.transcript.said())


def test_ring_all_with_nobody_answering_fails_calling_to_the_company(
    c2c: C2CWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    _settings(c2c, operators=["op-1", "op-2"], ring_timeout=15)
    # the company sets it from the command line too
    argv = ("click2call", "campaign", "set", "--account", "acme", "windows", "--ring", "all")
    assert ringflow(*argv) == 0
    assert json.loads(capsys.readouterr().out)["ring"] == "all"
    net = c2c.network
    net.set_number("447700900624", {"behaviour": "answers", "talk_seconds": 120})
    for number in OPERATORS.values():
        net.set_number(number, {"behaviour": "no_answer"})
    request_id = json.loads(c2c.click("447700900624").body)["request_id"]
    c2c.run()
    [visitor] = c2c.calls_to("447700900624")
    assert any("nobody can take your call" in said for said in visitor.transcript.said())
    request = c2c.request(request_id)
    assert request["status_label"] == "FAILED CALLING TO COMPANY"
    legs = _legs(request)
    assert {legs[("company", n)]["status"] for n in OPERATORS.values()} <= {
        "timeout",
        "unanswered",
        "cancelled",
    }


def test_sip_operators_are_not_called_first(c2c: C2CWorld) -> None:
    # a company-first campaign whose operators are all on SIP is refused
    refused = c2c.platform.api(
        "PATCH", "/v1/click2call/campaigns/windows", {"operators": ["desk"], "first": "company"}
    )
    assert refused.status_code == 422 and "SIP" in json.loads(refused.body)["detail"]
    # a failed request of a campaign whose operators are all on SIP is not called back
    _settings(c2c, operators=["desk"])
    c2c.network.set_number("447700900625", {"behaviour": "busy"})
    request_id = json.loads(c2c.click("447700900625").body)["request_id"]
    c2c.run()
    assert c2c.request(request_id)["status_label"] == "FAILED CALLING TO USER"
    back = c2c.platform.api("POST", f"/v1/click2call/requests/{request_id}/call-back")
    assert back.status_code == 422 and "all on SIP" in json.loads(back.body)["detail"]
    assert c2c.request(request_id)["status_label"] == "FAILED CALLING TO USER"
    # with a number beside the SIP address, the call back dials the number first
    _settings(c2c, operators=["desk", "op-1"])
    c2c.network.set_number("447700900625", {"behaviour": "answers", "talk_seconds": 10})
    c2c.network.set_number(OPERATORS["op-1"], {"behaviour": "answers", "talk_seconds": 20})
    again = c2c.platform.api("POST", f"/v1/click2call/requests/{request_id}/call-back")
    assert again.status_code == 202, again.body
    c2c.run()
    request = c2c.request(request_id)
    assert request["status_label"] == "COMPLETED"
    assert request["calls"][-1]["first"] == "company"
    assert {leg["number"] for leg in request["calls"][-1]["legs"]} == {
        OPERATORS["op-1"],
        "447700900625",
    }


def test_a_visitor_hanging_up_stops_every_operator_ringing(c2c: C2CWorld) -> None:
    _settings(c2c, operators=["op-1", "op-2"], ring="all", ring_timeout=60)
    net = c2c.network
    net.set_number("447700900626", {"behaviour": "answers", "talk_seconds": 8})
    for number in OPERATORS.values():
        net.set_number(number, {"behaviour": "answers", "answers_after": 40})
    request_id = json.loads(c2c.click("447700900626").body)["request_id"]
    c2c.run()
    # THEN neither operator's phone went on ringing for a visitor who left: none answered
    for number in OPERATORS.values():
        [leg] = c2c.calls_to(number)
        assert leg.leg.answered_at is None and leg.status == "cancelled"
    assert c2c.request(request_id)["status_label"] == "FAILED CALLING TO COMPANY"
