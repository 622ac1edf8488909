"""The dialer's store: GIVEN its tables on moto, WHEN groups and agents are written, read and
listed and agents' states changed, THEN every field round-trips exactly, only available agents
are in the ``available`` index (longest idle first), a change conditional on a stale version or
state is refused and writes nothing, every change has its event (one TransactWriteItems), and
ten calls claiming at once from a group of three available agents get three distinct agents,
the others none.

The races run on moto in-process with each DynamoDB request made atomic (``motokit``), as
DynamoDB applies each request."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from moto.dynamodb.models import DynamoDBBackend
from motokit import serialize_dynamodb
from storekit import RequestLog

from chalicelib.dialer import agent_rules as rules
from chalicelib.dialer.agents import Agents
from chalicelib.settings import Settings
from chalicelib.store.dialer_agents import AgentRepository
from chalicelib.store.dialer_groups import AgentGroupRepository
from chalicelib.store.dialer_records import (
    Agent,
    AgentGroup,
    AgentState,
    AgentType,
    LoginType,
)
from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StaleStateError

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))
S = AgentState


def agent(agent_id: str = "a-1", group_id: str = "sales", **changes: object) -> Agent:
    fields: dict[str, object] = {
        "account_id": "acme",
        "agent_id": agent_id,
        "name": "Asha Rao",
        "group_id": group_id,
        "login_type": LoginType.SOFTPHONE,
        "sip": "sip:121163@192.168.50.15",
        "agent_type": AgentType.DIRECT_DIAL,
        "state": S.PAUSED,
        "state_since": datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=PLUS_TWO),
        "call_ref": "",
        "created_at": NOW,
    }
    fields.update(changes)
    return Agent(**fields)  # type: ignore[arg-type]


def made(agents: AgentRepository, new: Agent) -> Agent:
    """``new`` stored with its ``created`` event."""
    return agents.create(new, rules.created(new))


@pytest.fixture
def repos(store: Settings) -> tuple[AgentGroupRepository, AgentRepository]:
    return AgentGroupRepository(), AgentRepository()


@pytest.fixture
def service(repos: tuple[AgentGroupRepository, AgentRepository]) -> Agents:
    groups, agents = repos
    made = Agents(groups, agents)
    made.put_group("acme", "sales", "Sales", 20, now=NOW)
    made.put_group("acme", "support", "Support", now=NOW)
    return made


def test_groups_round_trip_and_list_by_account(
    repos: tuple[AgentGroupRepository, AgentRepository],
) -> None:
    groups, _ = repos
    sales = AgentGroup("acme", "sales", "Sales", 45, 25, 3, NOW)
    groups.put(sales)
    groups.put(AgentGroup("acme", "billing", "Billing"))
    groups.put(AgentGroup("other", "sales", "Theirs"))
    assert groups.get("acme", "sales") == sales
    assert [g.group_id for g in groups.list("acme")] == ["billing", "sales"]
    with pytest.raises(NotFoundError):
        groups.get("other", "billing")


def test_agents_round_trip_list_by_group_and_refuse_a_taken_id(
    repos: tuple[AgentGroupRepository, AgentRepository],
) -> None:
    _, agents = repos
    soft = made(agents, agent())
    phone = made(
        agents,
        agent(
            "a-2",
            "support",
            login_type=LoginType.LANDLINE,
            sip="",
            number="447700900123",
            agent_type=AgentType.DYNAMIC,
            state=S.ON_CALL,
            call_ref="call-1",
        ),
    )
    # THEN every field comes back (the instant in UTC), at version 1
    got = agents.get("acme", "a-1")
    assert got == replace(agent(), version=1) == soft
    assert got.state_since == datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert agents.get("acme", "a-2") == phone
    assert [a.agent_id for a in agents.list("acme")] == ["a-1", "a-2"]
    assert agents.list("acme", "support") == [phone]
    assert agents.list("acme", "nobody") == []
    with pytest.raises(AlreadyExistsError):
        made(agents, agent(name="Other"))
    assert agents.get("acme", "a-1").name == "Asha Rao"
    with pytest.raises(NotFoundError):
        agents.get("acme", "a-9")


def test_only_available_agents_are_found_longest_idle_first(
    repos: tuple[AgentGroupRepository, AgentRepository],
) -> None:
    _, agents = repos
    for n, state in enumerate([S.AVAILABLE, S.PAUSED, S.AVAILABLE, S.AVAILABLE, S.ON_CALL]):
        since = NOW - timedelta(seconds=[30, 90, 60, 10, 99][n])
        made(agents, agent(f"a-{n}", state=state, state_since=since, call_ref=""))
    made(agents, agent("b-1", "support", state=S.AVAILABLE, state_since=NOW - timedelta(hours=1)))
    found = agents.longest_idle("acme", "sales", 5)
    assert [a.agent_id for a in found] == ["a-2", "a-0", "a-3"]
    assert [a.agent_id for a in agents.longest_idle("acme", "sales", 2)] == ["a-2", "a-0"]
    # WHEN one is paused and another moves to the other group / THEN the index follows
    a2 = agents.get("acme", "a-2")
    paused, event = rules.asked(a2, S.PAUSED, NOW)
    agents.change(a2, paused, event)
    a0 = agents.get("acme", "a-0")
    agents.save(replace(a0, group_id="support"), a0, rules.profile_changed(a0, NOW))
    assert [a.agent_id for a in agents.longest_idle("acme", "sales", 5)] == ["a-3"]
    assert [a.agent_id for a in agents.longest_idle("acme", "support", 5)] == ["b-1", "a-0"]


def test_a_change_is_one_transaction_with_its_event_and_a_stale_one_writes_nothing(
    repos: tuple[AgentGroupRepository, AgentRepository], sent: RequestLog
) -> None:
    _, agents = repos
    before = made(agents, agent(state=S.AVAILABLE))
    after, event = rules.given_call(before, "call-7", NOW)
    sent.clear()
    stored = agents.change(before, after, event)
    assert sent.operations == ["TransactWriteItems"]
    assert (stored.state, stored.call_ref, stored.version) == (S.ON_CALL, "call-7", 2)
    assert agents.get("acme", "a-1") == stored
    # WHEN the same change is tried again from the version read / THEN refused, nothing written
    with pytest.raises(StaleStateError):
        agents.change(before, after, event)
    # AND a change from the right version but a state it is no longer in is refused too
    with pytest.raises(StaleStateError):
        agents.change(replace(stored, state=S.AVAILABLE), after, event)
    with pytest.raises(StaleStateError):
        agents.save(replace(before, name="Changed"), before, rules.profile_changed(before, NOW))
    assert agents.get("acme", "a-1") == stored
    [only, created] = agents.events("acme", "a-1", 10)
    assert (created.version, created.reason) == (1, "created")
    assert (only.from_state, only.to_state, only.call_ref, only.version, only.at) == (
        S.AVAILABLE,
        S.ON_CALL,
        "call-7",
        2,
        NOW,
    )


def test_every_change_has_its_event_newest_first(service: Agents) -> None:
    service.put_agent("acme", "a-1", "sales", "mobile phone", number="+447700900121", now=NOW)
    moments = [NOW + timedelta(seconds=s) for s in range(6)]
    service.set_state("acme", "a-1", "available", moments[0], "shift start")
    service.claim("acme", "sales", "call-1", moments[1])
    service.release("acme", "a-1", "call-1", moments[2])
    service.finish_wrap_up("acme", "a-1", moments[2] + timedelta(seconds=20))
    service.set_state("acme", "a-1", "paused", moments[4])
    service.set_state("acme", "a-1", "logged_out", moments[5])
    events = service.events("acme", "a-1")
    assert [(e.from_state, e.to_state) for e in reversed(events)] == [
        (S.LOGGED_OUT, S.LOGGED_OUT),
        (S.LOGGED_OUT, S.AVAILABLE),
        (S.AVAILABLE, S.ON_CALL),
        (S.ON_CALL, S.WRAP_UP),
        (S.WRAP_UP, S.AVAILABLE),
        (S.AVAILABLE, S.PAUSED),
        (S.PAUSED, S.LOGGED_OUT),
    ]
    assert [e.version for e in events] == [7, 6, 5, 4, 3, 2, 1]
    assert [e.reason for e in events[-2:]] == ["shift start", "created"]
    assert [e.at for e in service.events("acme", "a-1", 2)] == [moments[5], moments[4]]


def test_ten_calls_claiming_at_once_get_three_distinct_agents(
    service: Agents, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN three available agents (a-2 the longest idle) and moto applying requests atomically
    serialize_dynamodb(monkeypatch)
    lock = threading.RLock()
    query = DynamoDBBackend.query

    def atomic_query(*args: object, **kwargs: object) -> object:
        with lock:
            return query(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(DynamoDBBackend, "query", atomic_query)
    for n, agent_id in enumerate(["a-2", "a-3", "a-1"]):
        service.put_agent(
            "acme", agent_id, "sales", "desk phone", number=f"44770090013{n}", now=NOW
        )
        service.set_state("acme", agent_id, "available", NOW + timedelta(seconds=n))
    service.put_agent("acme", "s-1", "support", "landline", number="447700900139", now=NOW)
    service.set_state("acme", "s-1", "available", NOW - timedelta(hours=1))
    # WHEN ten calls claim an agent of the group at once
    results: dict[str, Agent | None] = {}
    start = threading.Barrier(10)

    def claim(call_ref: str) -> None:
        start.wait()
        results[call_ref] = service.claim("acme", "sales", call_ref, NOW + timedelta(minutes=1))

    threads = [threading.Thread(target=claim, args=(f"call-{n}",)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN exactly three got one, each a different agent, the others none
    got = {ref: a for ref, a in results.items() if a is not None}
    assert len(results) == 10
    assert sorted(a.agent_id for a in got.values()) == ["a-1", "a-2", "a-3"]
    # AND each agent is on the call that got it, with one event saying so
    for ref, taken in got.items():
        stored = service.agent("acme", taken.agent_id)
        assert (stored.state, stored.call_ref) == (S.ON_CALL, ref)
        [latest, *_] = service.events("acme", taken.agent_id)
        assert (latest.to_state, latest.call_ref) == (S.ON_CALL, ref)
        assert len(service.events("acme", taken.agent_id)) == 3  # made, available, on call
    # AND the other group's agent was never given a call
    assert service.agent("acme", "s-1").state is S.AVAILABLE


def test_the_longest_idle_agent_is_taken_first(service: Agents) -> None:
    for n, agent_id in enumerate(["a-1", "a-2", "a-3"]):
        service.put_agent("acme", agent_id, "sales", "landline", number=f"44770090014{n}", now=NOW)
    service.set_state("acme", "a-3", "available", NOW)
    service.set_state("acme", "a-1", "available", NOW + timedelta(seconds=1))
    service.set_state("acme", "a-2", "available", NOW + timedelta(seconds=2))
    order = [service.claim("acme", "sales", f"c-{n}", NOW + timedelta(minutes=1)) for n in range(3)]
    assert [a.agent_id for a in order if a] == ["a-3", "a-1", "a-2"]
    # WHEN the first is back from its wrap-up / THEN it waits behind nobody: it is alone
    service.release("acme", "a-3", "c-0", NOW + timedelta(minutes=2))
    assert service.claim("acme", "sales", "c-4", NOW + timedelta(minutes=3)) is None
    service.finish_wrap_up("acme", "a-3", NOW + timedelta(minutes=3))
    back = service.claim("acme", "sales", "c-5", NOW + timedelta(minutes=4))
    assert back is not None and back.agent_id == "a-3"


def test_one_call_claiming_many_times_at_once_is_given_one_agent(
    service: Agents, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN three available agents and moto applying requests atomically
    serialize_dynamodb(monkeypatch)
    for n, agent_id in enumerate(["a-1", "a-2", "a-3"]):
        service.put_agent(
            "acme", agent_id, "sales", "desk phone", number=f"44770090014{n}", now=NOW
        )
        service.set_state("acme", agent_id, "available", NOW + timedelta(seconds=n))
    # WHEN one call's claim is asked five times at once (a task delivered again, say)
    results: list[Agent | None] = []
    start = threading.Barrier(5)

    def claim() -> None:
        start.wait()
        results.append(service.claim("acme", "sales", "call-1", NOW + timedelta(minutes=1)))

    threads = [threading.Thread(target=claim) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN every answer is the one agent the call was given, and only it is on a call
    assert {a.agent_id for a in results if a is not None} == {"a-1"}
    assert len(results) == 5 and None not in results
    on_call = [a.agent_id for a in service.list_agents("acme") if a.state is S.ON_CALL]
    assert on_call == ["a-1"]
