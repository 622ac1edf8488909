"""A click-to-call campaign's outbound flow (``click2call.flowgen``) is a valid flow of core
widgets: the visitor's side hears the message (audio when given) and tries the operators in
order, nobody answering ends with the apology; the company's side is bridged to the visitor;
every call comes from the campaign's number. And the leg watcher reports a call's legs once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chalicelib.campaigns.model import CampaignCall
from chalicelib.click2call.flowgen import NOBODY, flow_document
from chalicelib.click2call.model import Campaign, Operator
from chalicelib.click2call.watcher import watch
from chalicelib.flows.model import parse_flow
from chalicelib.flows.state import CallState, Leg, LegRole
from chalicelib.telephony.events import CallStatus, CallStatusChanged, Direction

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CAMPAIGN = Campaign(
    campaign_id="windows",
    company_id="acme",
    name="Windows",
    public_key="k",
    operators=("op-1", "op-2"),
    caller_id="447700900180",
)
OPERATORS = [
    Operator("acme", "op-1", "One", number="447700900501"),
    Operator("acme", "op-2", "Two", number="447700900502"),
]


def test_the_flow_tries_the_operators_in_order_after_the_message() -> None:
    flow = parse_flow(flow_document(CAMPAIGN, OPERATORS))
    assert flow.flow_id == "c2c-acme_windows" and flow.kind.value == "outbound"
    document = flow_document(CAMPAIGN, OPERATORS)
    nodes = document["nodes"]
    assert nodes["message"]["text"] == CAMPAIGN.message_text
    assert nodes["operator_1"]["number"] == "447700900501"
    assert nodes["operator_1"]["next"]["busy"] == "operator_2"
    assert nodes["operator_2"]["next"]["no_answer"] == "nobody"
    assert nodes["nobody"]["text"] == NOBODY
    assert nodes["visitor"]["number"] == "$flow.key.visitor"
    assert {n["caller_id"] for n in nodes.values() if n["widget"] == "connect"} == {"447700900180"}


def test_an_audio_message_is_played() -> None:
    audio = CAMPAIGN.__class__(**{**CAMPAIGN.__dict__, "message_url": "https://x.example/m.mp3"})
    nodes = flow_document(audio, OPERATORS)["nodes"]
    assert nodes["message"] == {
        "widget": "play",
        "url": "https://x.example/m.mp3",
        "next": "operator_1",
    }
    parse_flow(flow_document(audio, OPERATORS))


def test_a_campaign_needs_an_operator() -> None:
    with pytest.raises(ValueError):
        flow_document(CAMPAIGN, [])


def _state(finished: bool) -> CallState:
    flow = parse_flow(flow_document(CAMPAIGN, OPERATORS))
    state = CallState(
        call_id="call-1",
        account_id="acme",
        flow_id=flow.flow_id,
        flow_version=1,
        direction=Direction.OUTBOUND,
        from_number="447700900180",
        to_number="447700900601",
        started_at=NOW,
        flow_vars={"request": "r-1", "visitor": "447700900601", "side": "visitor"},
        legs={
            "a": Leg(
                "a",
                LegRole.CALLER,
                "447700900601",
                CallStatus.COMPLETED,
                duration=30,
                answered_at=NOW,
            ),
            "b": Leg("b", LegRole.BRIDGED, "447700900501", CallStatus.BUSY),
            "c": Leg(
                "c",
                LegRole.BRIDGED,
                "447700900502",
                CallStatus.COMPLETED,
                duration=20,
                answered_at=NOW,
            ),
        },
        ended_at=NOW if finished else None,
        finished=finished,
    ).with_data(CampaignCall("c2c-acme_windows", "r-1", 1, "off"))
    return state


def test_the_watcher_reports_the_legs_of_a_finished_call_once() -> None:
    flow = parse_flow(flow_document(CAMPAIGN, OPERATORS))
    event = CallStatusChanged("a", "CON-1", CallStatus.COMPLETED, duration=30)
    state = _state(finished=True)
    marked, (ended,) = watch(flow, state, event, NOW)
    legs = json.loads(ended.legs)  # type: ignore[attr-defined]
    assert [(leg["side"], leg["number"], leg["answered"]) for leg in legs] == [
        ("visitor", "447700900601", True),
        ("company", "447700900501", False),
        ("company", "447700900502", True),
    ]
    assert watch(flow, marked, event, NOW) == (marked, ())


@pytest.mark.parametrize(
    ("number", "where"),
    [
        ("442079460000", "London, United Kingdom"),
        ("33142685300", "Paris, France"),
        ("491701234567", "T-Mobile, Germany"),  # a mobile: its carrier
        ("999", ""),
    ],
)
def test_the_direction_of_a_visitors_number(number: str, where: str) -> None:
    from chalicelib.click2call.direction import direction

    assert direction(number) == where


def test_two_companies_campaigns_of_one_id_are_two_flows_of_a_valid_id() -> None:
    from chalicelib.click2call.model import flow_of

    assert flow_of("acme", "spring") == "c2c-acme_spring"
    assert flow_of("acme", "spring") != flow_of("bolt", "spring")
    assert flow_of("a-b", "c") != flow_of("a", "b-c")
    long_company, long_campaign = "c" * 63, "s" * 40
    made = flow_of(long_company, long_campaign)
    assert len(made) <= 63 and made.startswith("c2c-" + long_campaign + "_")
    assert made != flow_of("d" * 63, long_campaign)
    parse_flow({**flow_document(CAMPAIGN, OPERATORS), "id": made})  # a flow id the loader takes
