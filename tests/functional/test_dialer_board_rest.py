"""The dialer's live picture through REST, the whole app in one process on moto: GIVEN an
account whose dialer has agents in every state and calls at every stage (``boardkit``, through
the services), WHEN it asks ``GET /v1/dialer/board`` with its API key, THEN it gets every agent
with its state and since when, every call with its stage, the campaigns' figures, the occupancy
and the totals (calls by stage, agents by state, answers and the campaigns above their ceiling);
another account sees none of it and a call without a key is a 401 problem. Schemathesis then
holds the operation to its OpenAPI document (bounded, derandomized)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boardkit
import pytest
import schemathesis
from platformkit import ACCOUNT, Platform, gateway_wsgi, running_platform
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events

PROBLEM = "application/problem+json"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        boardkit.floor(running.container.services("dialer"), ACCOUNT, running.clock())
        yield running


def _json(response: Any) -> Any:
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def test_the_board_holds_the_floor_and_its_totals(platform: Platform) -> None:
    board = _json(platform.api("GET", "/v1/dialer/board"))
    assert board["at"] == platform.clock().isoformat()
    assert {a["agent_id"]: a["state"] for a in board["agents"]} == boardkit.STATES
    ben = {a["agent_id"]: a for a in board["agents"]}["ben"]
    assert ben["call_id"] == "c-2" and ben["name"] == "Ben" and ben["since"]
    calls = {c["call_id"]: (c["stage"], c["agent_id"], c["campaign_id"]) for c in board["calls"]}
    assert calls == {
        "c-1": ("waiting", None, "spring"),
        "c-2": ("talking", "ben", "spring"),
        "c-3": ("ringing", "gil", "winter"),
        "c-4": ("waiting", None, None),
    }
    # the API key's holder sees the customers' numbers (the supervisors' page masks them)
    assert {c["customer"] for c in board["calls"]} == set(boardkit.CUSTOMERS.values())
    figures = {c["campaign_id"]: c for c in board["campaigns"]}
    assert figures["winter"]["abandon_rate"] == 1.0 and figures["winter"]["ceiling"] == 0.03
    assert figures["spring"]["abandon_rate"] == 0.0 and figures["spring"]["wait_p50"] == 2.0
    assert board["occupancy"] == round(3 / 5, 4)  # Ben, Gil, Fay busy of five working
    totals = board["totals"]
    assert totals["calls"] == {"waiting": 2, "ringing": 1, "talking": 1, "all": 4}
    assert totals["agents"] == {
        "available": 2,
        "on_call": 2,
        "wrap_up": 1,
        "paused": 1,
        "logged_out": 1,
        "all": 7,
    }
    answers = totals["answers"]
    assert (answers["answered_total"], answers["connected_total"]) == (2, 1)
    assert (answers["connect_rate"], answers["abandon_rate"]) == (0.5, 0.5)
    assert answers["over_ceiling"] == ["winter"]


def test_the_board_follows_the_floor(platform: Platform) -> None:
    platform.clock.advance(2)
    boardkit.change(platform.container.services("dialer"), ACCOUNT, platform.clock())
    board = _json(platform.api("GET", "/v1/dialer/board"))
    assert {a["agent_id"]: a["state"] for a in board["agents"]}["ann"] == "paused"
    c1 = {c["call_id"]: c for c in board["calls"]}["c-1"]
    assert (c1["stage"], c1["agent_id"]) == ("talking", "eve")
    assert board["totals"]["calls"]["waiting"] == 1


def test_another_account_sees_nothing_and_no_key_is_a_problem(platform: Platform) -> None:
    _, other = platform.container.admin.create_account("other-co", "Other", "en-GB")
    empty = _json(platform.api("GET", "/v1/dialer/board", key=other))
    assert (empty["agents"], empty["calls"], empty["campaigns"]) == ([], [], [])
    assert empty["occupancy"] is None and empty["totals"]["answers"]["connect_rate"] is None
    refused = platform.client.http.get("/v1/dialer/board")
    assert refused.status_code == 401 and refused.headers["Content-Type"] == PROBLEM


def test_the_operation_keeps_its_documents_promises(platform: Platform) -> None:
    from app import app

    config = SchemathesisConfig.from_dict(
        {
            "workers": 1,
            "headers": {"Authorization": f"Bearer {platform.api_key}"},
            "generation": {
                "mode": "all",
                "max-examples": 20,
                "deterministic": True,
                "no-shrink": True,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {
                "enabled": False,
                **{
                    name: {"enabled": True}
                    for name in (
                        "not_a_server_error",
                        "status_code_conformance",
                        "content_type_conformance",
                        "response_schema_conformance",
                        "unsupported_method",
                    )
                },
            },
        }
    )
    schema = schemathesis.openapi.from_wsgi("/openapi.json", gateway_wsgi(app), config=config)
    schema = schema.include(path="/v1/dialer/board")
    failures: list[str] = []
    cases = 0
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases += len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        failure = check.failure_info.failure
                        failures.append(f"{check.name}: {failure.title}: {failure.message}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            failures.append(repr(event))
    assert not failures, "\n".join(failures)
    assert cases >= 1
