"""The caller id of a ``connect`` on the in-process simulated network (FACTS §2.4; DOCS-2021
NCCO reference, connect ``from``: "must be one of your Vonage numbers"; omitted, the callee sees
an unknown caller). A ``from`` the account does not rent is refused before the leg rings."""

from __future__ import annotations

from typing import Any

from simkit import APP_BASE, FakeApp, network_for

from chalicelib.simulator.caller_id import UNKNOWN_CALLER
from chalicelib.simulator.model import EntryKind

CALLER = "447700900001"
LVN = "447700900100"
AGENT = "447700900123"


def connect_app(**options: Any) -> FakeApp:
    return FakeApp(
        {
            "/answer": [
                {
                    "action": "connect",
                    "endpoint": [{"type": "phone", "number": AGENT}],
                    "eventUrl": [f"{APP_BASE}/leg"],
                    **options,
                },
                {"action": "talk", "text": "After the connect"},
            ],
            "/leg": lambda r: (
                [{"action": "talk", "text": "Refused"}]
                if r.json.get("status") == "rejected"
                else None
            ),
        }
    )


def test_a_connect_without_from_shows_an_unknown_caller() -> None:
    app = connect_app()
    network = network_for(app)
    network.set_number(AGENT, {"talk_seconds": 2})
    call = network.call(CALLER, LVN)
    [b] = [leg for leg in call.legs if leg.label == "B"]
    assert b.from_ == UNKNOWN_CALLER and b.status.value == "completed"
    assert {r.json["from"] for r in app.at("/leg")} == {UNKNOWN_CALLER}


def test_a_connect_from_the_number_the_caller_rang_is_placed() -> None:
    # GIVEN an application number that is not configured but that the caller rang
    app = connect_app(**{"from": "447700900777"})
    network = network_for(app)
    network.set_number(AGENT, {"talk_seconds": 2})
    call = network.call(CALLER, "447700900777")
    assert app.statuses("/leg")[:3] == ["started", "ringing", "answered"]
    assert "447700900777" in network.account_numbers()
    assert call.transcript.of_kind(EntryKind.BRIDGE)


def test_a_connect_from_a_number_the_account_does_not_rent_is_refused() -> None:
    # GIVEN a connect that presents someone else's number
    app = connect_app(**{"from": "441632960000"})
    network = network_for(app)
    # WHEN a caller reaches it
    call = network.call(CALLER, LVN)
    # THEN the far leg is rejected before it rings, and the NCCO goes on
    assert app.statuses("/leg") == ["started", "rejected"]
    assert app.at("/leg")[-1].json["detail"] == "restricted"
    assert call.transcript.said() == ["After the connect"]
    assert any(
        "not one of the account's numbers" in e.text
        for e in call.transcript.of_kind(EntryKind.ERROR)
    )


def test_a_refused_synchronous_connect_takes_the_ncco_of_its_event() -> None:
    app = connect_app(**{"from": "441632960000", "eventType": "synchronous"})
    network = network_for(app)
    call = network.call(CALLER, LVN)
    assert call.transcript.said() == ["Refused"]


def test_random_from_number_presents_one_of_the_accounts_numbers() -> None:
    app = connect_app(randomFromNumber=True)
    network = network_for(app)
    network.add_account_numbers("447700900555")
    network.set_number(AGENT, {"talk_seconds": 1})
    call = network.call(CALLER, LVN)
    [b] = [leg for leg in call.legs if leg.label == "B"]
    assert b.from_ in {"447700900555", LVN}
