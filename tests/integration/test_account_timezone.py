"""An account's time zone: GIVEN an account that sets its IANA time zone (REST or CLI), WHEN a
flow that names none is loaded, THEN the flow is stored with the account's zone (its
``$sys`` clock and hours follow it, and say so), while a flow that names its own keeps it; a
zone the zone data does not know is refused in words and changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from platformkit import Platform, running_platform

from chalicelib.flows.engine import step
from chalicelib.flows.state import CallState
from chalicelib.telephony.actions import Say
from chalicelib.telephony.events import CallAnswered, Direction

CLOCK = {
    "id": "clock",
    "name": "Clock",
    "start": "s",
    "nodes": {"s": {"widget": "hangup", "text": "It is $sys.time in $sys.timezone."}},
}


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        yield platform


def spoken(platform: Platform, flow_id: str, at: datetime) -> str:
    container = platform.container
    head = container.flow_repository.get_head(flow_id)
    flow = container.catalogue.get(flow_id, head.latest_version)
    state = CallState("c1", "acme", flow_id, 1, Direction.INBOUND, "1", "2", at)
    said = step(flow, state, CallAnswered("leg", "CON", "1", "2"), at).actions[0]
    assert isinstance(said, Say)
    return said.text


def test_a_flow_without_a_zone_takes_the_accounts(platform: Platform) -> None:
    # GIVEN the account sets Europe/Paris
    response = platform.api("PUT", "/v1/account/timezone", {"timezone": "Europe/Paris"})
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["timezone"] == "Europe/Paris"
    assert json.loads(platform.api("GET", "/v1/account").body)["timezone"] == "Europe/Paris"
    # WHEN a flow naming no zone is loaded
    assert platform.api("POST", "/v1/flows", CLOCK).status_code == 201
    # THEN it is stored with the account's zone and speaks its clock
    document = json.loads(platform.api("GET", "/v1/flows/clock").body)["document"]
    assert document["timezone"] == "Europe/Paris"
    noon_utc = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert spoken(platform, "clock", noon_utc) == "It is 14:00:00 in Europe/Paris."
    # AND a flow that names its own zone keeps it
    own = {**CLOCK, "id": "clock-ny", "timezone": "America/New_York"}
    assert platform.api("POST", "/v1/flows", own).status_code == 201
    assert spoken(platform, "clock-ny", noon_utc) == "It is 08:00:00 in America/New_York."


def test_an_unknown_zone_is_refused_in_words(platform: Platform) -> None:
    response = platform.api("PUT", "/v1/account/timezone", {"timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "Mars/Olympus" in json.loads(response.body)["detail"]
    assert json.loads(platform.api("GET", "/v1/account").body)["timezone"] == "UTC"


def test_the_cli_sets_the_zone(platform: Platform, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.cli.main import main

    assert main(["account", "timezone", "--id", "acme", "Asia/Tokyo"]) == 0
    assert json.loads(capsys.readouterr().out)["timezone"] == "Asia/Tokyo"
    assert main(["account", "timezone", "--id", "acme", "Nowhere/Land"]) == 1
    assert "Nowhere/Land" in capsys.readouterr().err
