"""The dialer's agents through REST and the CLI, the whole app in one process on moto: GIVEN an
account, WHEN it sets up a group and agents (a mobile phone on its number, a softphone on its
SIP address) and changes their states, THEN each is shown as stored, changes the table refuses
are 409 problems in words, bad bodies 422 and unknown ones 404 (all problem+json), every change
is listed with its time; a call given to an agent and ended puts it in wrap-up, and the wrap-up
timer's task (run twice) makes it available once. The CLI sets up and changes the same."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from platformkit import Platform, running_platform

from chalicelib.dialer.agent_rules import TransitionError
from chalicelib.dialer.agents import Agents

PROBLEM = "application/problem+json"


@dataclass
class Timer:
    """Stands in for the container's timer: what was timed, run by the test."""

    timed: list[tuple[str, datetime, str]] = field(default_factory=list)

    def at(self, body: str, when: datetime, key: str) -> str:
        self.timed.append((body, when, key))
        return "queue"


@dataclass
class World:
    platform: Platform
    timer: Timer

    def call(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        return self.platform.api(method, path, body, key)

    @property
    def agents(self) -> Agents:
        return self.platform.container.services("dialer").agents  # type: ignore[no-any-return]


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with running_platform(monkeypatch) as platform:
        timer = Timer()
        platform.container.__dict__["timer"] = timer
        yield World(platform, timer)


def _json(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.body
    return json.loads(response.body)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == PROBLEM
    problem: dict[str, Any] = json.loads(response.body)
    assert problem["status"] == status
    return problem


def _set_up(world: World) -> None:
    group = {"name": "Sales", "wrap_up_seconds": 20, "ring_timeout": 25, "max_attempts": 3}
    _json(world.call("PUT", "/v1/dialer/groups/sales", group))
    mobile = {
        "group_id": "sales",
        "name": "Asha",
        "login_type": "mobile phone",
        "number": "+447700900121",
    }
    _json(world.call("PUT", "/v1/dialer/agents/121163", mobile))
    soft = {
        "group_id": "sales",
        "name": "Ben",
        "login_type": "softphone",
        "sip": "sip:121164@192.168.50.15",
        "agent_type": "direct dial",
    }
    _json(world.call("PUT", "/v1/dialer/agents/121164", soft))


def test_groups_and_agents_are_set_up_and_shown(world: World) -> None:
    _set_up(world)
    group = _json(world.call("GET", "/v1/dialer/groups/sales"))
    assert (group["wrap_up_seconds"], group["ring_timeout"], group["max_attempts"]) == (20, 25, 3)
    assert group["created_at"] == world.platform.clock().isoformat()
    assert [g["group_id"] for g in _json(world.call("GET", "/v1/dialer/groups"))["groups"]] == [
        "sales"
    ]
    mobile = _json(world.call("GET", "/v1/dialer/agents/121163"))
    assert (mobile["number"], mobile["address"], mobile["login_type"]) == (
        "447700900121",
        "447700900121",
        "mobile phone",
    )
    assert (mobile["state"], mobile["agent_type"], mobile["call_ref"]) == (
        "logged_out",
        "dynamic",
        "",
    )
    soft = _json(world.call("GET", "/v1/dialer/agents/121164"))
    assert (soft["sip"], soft["number"], soft["agent_type"]) == (
        "sip:121164@192.168.50.15",
        "",
        "direct dial",
    )
    listed = _json(world.call("GET", "/v1/dialer/agents?group_id=sales"))["agents"]
    assert [a["agent_id"] for a in listed] == ["121163", "121164"]
    assert len(_json(world.call("GET", "/v1/dialer/agents"))["agents"]) == 2


def test_bad_and_unknown_requests_are_problems(world: World) -> None:
    _set_up(world)
    wrong = {"group_id": "sales", "login_type": "softphone", "number": "+447700900121"}
    assert _problem(world.call("PUT", "/v1/dialer/agents/a-1", wrong), 422)["errors"]
    elsewhere = {"group_id": "support", "login_type": "landline", "number": "447700900122"}
    assert (
        "support" in _problem(world.call("PUT", "/v1/dialer/agents/a-1", elsewhere), 404)["detail"]
    )
    _problem(world.call("GET", "/v1/dialer/agents/a-9"), 404)
    _problem(world.call("GET", "/v1/dialer/groups/support"), 404)
    _problem(world.call("GET", "/v1/dialer/agents?group_id=support"), 404)
    _problem(world.call("GET", "/v1/dialer/agents?group_id="), 404)
    _problem(world.call("POST", "/v1/dialer/agents/121163/state", {"state": "on_call"}), 422)
    _problem(world.call("POST", "/v1/dialer/agents/a-9/state", {"state": "available"}), 404)
    _problem(world.call("GET", "/v1/dialer/agents/121163/events?limit=0"), 422)
    _problem(world.call("GET", "/v1/dialer/groups", key="not-a-key"), 401)
    for bad in (4000, True, "30"):
        _problem(world.call("PUT", "/v1/dialer/groups/sales", {"wrap_up_seconds": bad}), 422)
    # AND an integer written as JSON Schema allows it is one
    whole = _json(world.call("PUT", "/v1/dialer/groups/sales", {"wrap_up_seconds": 40.0}))
    assert whole["wrap_up_seconds"] == 40


def test_states_change_as_the_table_allows_and_every_change_is_listed(world: World) -> None:
    _set_up(world)
    clock = world.platform.clock
    state = "/v1/dialer/agents/121163/state"
    refused = _problem(world.call("POST", state, {"state": "wrap_up"}), 409)
    assert refused["detail"] == (
        "agent 121163 is logged_out: it cannot become wrap_up"
        " (from logged_out an agent may become available or paused)"
    )
    clock.advance(5)
    shown = _json(world.call("POST", state, {"state": "available", "reason": "shift start"}))
    assert (shown["state"], shown["state_since"]) == ("available", clock().isoformat())
    # WHEN the state it is in is asked again / THEN nothing changes
    assert _json(world.call("POST", state, {"state": "available"})) == shown
    clock.advance(60)
    assert _json(world.call("POST", state, {"state": "paused"}))["state"] == "paused"
    clock.advance(60)
    _json(world.call("POST", state, {"state": "logged_out"}))
    events = _json(world.call("GET", "/v1/dialer/agents/121163/events"))["events"]
    assert [(e["from_state"], e["to_state"]) for e in events] == [
        ("paused", "logged_out"),
        ("available", "paused"),
        ("logged_out", "available"),
        ("logged_out", "logged_out"),
    ]
    assert events[0]["at"] == clock().isoformat()
    assert [e["reason"] for e in events[-2:]] == ["shift start", "created"]
    [latest] = _json(world.call("GET", "/v1/dialer/agents/121163/events?limit=1"))["events"]
    assert latest == events[0]


def test_a_call_ends_in_wrap_up_and_the_timer_makes_the_agent_available_once(
    world: World,
) -> None:
    _set_up(world)
    clock, agents = world.platform.clock, world.agents
    _json(world.call("POST", "/v1/dialer/agents/121164/state", {"state": "available"}))
    clock.advance(1)
    _json(world.call("POST", "/v1/dialer/agents/121163/state", {"state": "available"}))
    # WHEN a customer answers / THEN the longest-idle agent is given the call
    taken = agents.claim("acme", "sales", "call-1", clock())
    assert taken is not None and taken.agent_id == "121164"
    on_call = _json(world.call("GET", "/v1/dialer/agents/121164"))
    assert (on_call["state"], on_call["call_ref"]) == ("on_call", "call-1")
    refused = _problem(
        world.call("POST", "/v1/dialer/agents/121164/state", {"state": "paused"}), 409
    )
    assert "is on_call: it cannot become paused" in refused["detail"]
    # WHEN the call ends / THEN wrap-up, its end timed by the group's 20 seconds
    clock.advance(90)
    agents.release("acme", "121164", "call-1", clock())
    [(body, when, _)] = world.timer.timed
    assert when == clock() + timedelta(seconds=20)
    assert _json(world.call("GET", "/v1/dialer/agents/121164"))["state"] == "wrap_up"
    # WHEN the timer's task runs when due, twice / THEN available once
    clock.advance(20)
    tasks = world.platform.container.tasks
    assert tasks.run(body)["state"] == "available"
    assert tasks.run(body)["done"] == "already"
    events = _json(world.call("GET", "/v1/dialer/agents/121164/events"))["events"]
    assert [(e["to_state"], e["call_ref"]) for e in events[:3]] == [
        ("available", "call-1"),
        ("wrap_up", "call-1"),
        ("on_call", "call-1"),
    ]
    assert events[0]["reason"] == "wrap-up time over"


def ringflow(*argv: str) -> int:
    """Run ``ringflow`` with the dialer's commands, as the product adds them."""
    from chalicelib.dialer.cli import register

    parser = argparse.ArgumentParser(prog="ringflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.run(args)
    return code


def test_the_cli_sets_up_agents_and_changes_their_states(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    def out() -> Any:
        return json.loads(capsys.readouterr().out)

    assert (
        ringflow(
            "dialer", "group", "sales", "--account", "acme", "--name", "Sales", "--wrap-up", "15"
        )
        == 0
    )
    assert out()["wrap_up_seconds"] == 15
    assert ringflow(
        "dialer", "agent", "a-1", "--account", "acme", "--group", "sales", "--name", "Asha",
        "--number", "+44 7700 900131", "--login-type", "desk phone",
    ) == 0  # fmt: skip
    assert out()["number"] == "447700900131"
    assert ringflow(
        "dialer", "agent", "a-2", "--account", "acme", "--group", "sales", "--name", "Ben",
        "--sip", "sip:ben@pbx.example.com", "--login-type", "softphone",
    ) == 0  # fmt: skip
    assert out()["address"] == "sip:ben@pbx.example.com"
    assert ringflow("dialer", "state", "a-1", "available", "--account", "acme") == 0
    assert out()["state"] == "available"
    assert ringflow("dialer", "agents", "--account", "acme", "--group", "sales") == 0
    assert [(a["agent_id"], a["state"]) for a in out()] == [
        ("a-1", "available"),
        ("a-2", "logged_out"),
    ]
    assert ringflow("dialer", "groups", "--account", "acme") == 0
    assert [g["group_id"] for g in out()] == ["sales"]
    assert ringflow("dialer", "events", "a-1", "--account", "acme") == 0
    assert [e["to_state"] for e in out()] == ["available", "logged_out"]
    with pytest.raises(TransitionError, match="cannot become wrap_up"):
        ringflow("dialer", "state", "a-2", "wrap_up", "--account", "acme")
    # AND what the CLI made is what REST shows
    assert _json(world.call("GET", "/v1/dialer/agents/a-1"))["state"] == "available"
