"""The dialer's agents service on an in-memory store that keeps the real one's conditions (a
change is written only if the agent is still at the version and in the state it was read in):
GIVEN groups and agents, WHEN states are asked, calls claimed and released and wrap-up timers
run (also twice, late, or after another writer came first), THEN each change is made once with
its event, refused ones change nothing, and the longest-idle available agent gets the call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.dialer.agent_rules import TransitionError
from chalicelib.dialer.agents import Agents
from chalicelib.dialer.model import Agent, AgentEvent, AgentGroup, AgentState
from chalicelib.errors import AlreadyExistsError, NotFoundError, StaleStateError

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
S = AgentState


@dataclass
class MemoryGroups:
    groups: dict[tuple[str, str], AgentGroup] = field(default_factory=dict)

    def put(self, group: AgentGroup) -> AgentGroup:
        self.groups[(group.account_id, group.group_id)] = group
        return group

    def get(self, account_id: str, group_id: str) -> AgentGroup:
        try:
            return self.groups[(account_id, group_id)]
        except KeyError:
            raise NotFoundError(f"group {group_id}") from None

    def list(self, account_id: str) -> list[AgentGroup]:
        return [g for (a, _), g in sorted(self.groups.items()) if a == account_id]


@dataclass
class MemoryAgents:
    agents: dict[tuple[str, str], Agent] = field(default_factory=dict)
    events_of: dict[tuple[str, str], list[AgentEvent]] = field(default_factory=dict)
    claims: dict[tuple[str, str], str] = field(default_factory=dict)
    before_write: Callable[[Agent], None] | None = None
    """Runs before each conditional write: another writer coming first."""

    def _check(self, before: Agent) -> None:
        if self.before_write is not None:
            hook, self.before_write = self.before_write, None
            hook(before)
        stored = self.agents.get((before.account_id, before.agent_id))
        if stored is None or (stored.version, stored.state) != (before.version, before.state):
            raise StaleStateError(f"agent {before.agent_id}")

    def create(self, agent: Agent, event: AgentEvent) -> Agent:
        key = (agent.account_id, agent.agent_id)
        if key in self.agents:
            raise AlreadyExistsError(f"agent {agent.agent_id}")
        version = max((e.version for e in self.events_of.get(key, [])), default=0) + 1
        made = replace(agent, version=version)
        self.agents[key] = made
        self.events_of.setdefault(key, []).append(replace(event, version=version))
        return made

    def save(self, agent: Agent, before: Agent, event: AgentEvent) -> Agent:
        self._check(before)
        saved = replace(
            agent,
            state=before.state,
            state_since=before.state_since,
            call_ref=before.call_ref,
            version=before.version + 1,
        )
        self.agents[(agent.account_id, agent.agent_id)] = saved
        key = (agent.account_id, agent.agent_id)
        self.events_of.setdefault(key, []).append(replace(event, version=saved.version))
        return saved

    def delete(self, before: Agent, event: AgentEvent) -> None:
        self._check(before)
        key = (before.account_id, before.agent_id)
        del self.agents[key]
        self.events_of.setdefault(key, []).append(replace(event, version=before.version + 1))

    def change(self, before: Agent, after: Agent, event: AgentEvent, claim: bool = False) -> Agent:
        self._check(before)
        if claim and (before.account_id, after.call_ref) in self.claims:
            raise StaleStateError(f"call {after.call_ref}")
        if claim:
            self.claims[(before.account_id, after.call_ref)] = before.agent_id
        stored = replace(after, version=before.version + 1)
        self.agents[(before.account_id, before.agent_id)] = stored
        key = (before.account_id, before.agent_id)
        self.events_of.setdefault(key, []).append(replace(event, version=stored.version))
        return stored

    def claimed(self, account_id: str, call_ref: str) -> str | None:
        return self.claims.get((account_id, call_ref))

    def get(self, account_id: str, agent_id: str) -> Agent:
        try:
            return self.agents[(account_id, agent_id)]
        except KeyError:
            raise NotFoundError(f"agent {agent_id}") from None

    def list(self, account_id: str, group_id: str | None = None) -> list[Agent]:
        return [
            a
            for (acc, _), a in sorted(self.agents.items())
            if acc == account_id and group_id in (None, a.group_id)
        ]

    def longest_idle(self, account_id: str, group_id: str, limit: int) -> list[Agent]:
        free = [a for a in self.list(account_id, group_id) if a.state is S.AVAILABLE]
        return sorted(free, key=lambda a: (a.state_since or NOW, a.agent_id))[:limit]

    def events(self, account_id: str, agent_id: str, limit: int) -> list[AgentEvent]:
        return list(reversed(self.events_of.get((account_id, agent_id), [])))[:limit]


@dataclass
class World:
    service: Agents
    store: MemoryAgents
    timed: list[tuple[str, datetime, datetime]]
    """(agent, its wrap-up's start, when it ends) for each wrap-up timed."""


@pytest.fixture
def world() -> World:
    timed: list[tuple[str, datetime, datetime]] = []
    store = MemoryAgents()
    service = Agents(
        MemoryGroups(),
        store,
        lambda agent, ends: timed.append((agent.agent_id, agent.state_since or NOW, ends)),
    )
    service.put_group("acme", "sales", "Sales", wrap_up_seconds=30, now=NOW)
    for n in (1, 2, 3):
        service.put_agent(
            "acme", f"a-{n}", "sales", "mobile phone", number=f"44770090012{n}", now=NOW
        )
    return World(service, store, timed)


def _available(world: World, *ids: str, start: datetime = NOW) -> None:
    for n, agent_id in enumerate(ids):
        world.service.set_state("acme", agent_id, "available", start + timedelta(seconds=n))


def test_a_claim_takes_the_longest_idle_agent_and_none_when_none_is_free(world: World) -> None:
    _available(world, "a-2", "a-3", "a-1")
    got = [world.service.claim("acme", "sales", f"call-{n}", NOW + timedelta(1)) for n in range(4)]
    assert [a.agent_id if a else None for a in got] == ["a-2", "a-3", "a-1", None]
    assert all(a.state is S.ON_CALL for a in got if a)
    assert [a.call_ref for a in got if a] == ["call-0", "call-1", "call-2"]


def test_a_claim_that_loses_its_agent_takes_the_next(world: World) -> None:
    _available(world, "a-1", "a-2")

    def paused_meanwhile(before: Agent) -> None:
        world.service.set_state("acme", before.agent_id, "paused", NOW + timedelta(seconds=5))

    world.store.before_write = paused_meanwhile
    taken = world.service.claim("acme", "sales", "call-9", NOW + timedelta(seconds=6))
    assert taken is not None and taken.agent_id == "a-2"
    assert world.service.agent("acme", "a-1").state is S.PAUSED


def test_a_change_asked_is_judged_on_the_state_the_agent_is_really_in(world: World) -> None:
    _available(world, "a-1")

    def claimed_meanwhile(before: Agent) -> None:
        world.service.claim("acme", "sales", "call-3", NOW + timedelta(seconds=2))

    world.store.before_write = claimed_meanwhile
    with pytest.raises(TransitionError, match="is on_call: it cannot become paused"):
        world.service.set_state("acme", "a-1", "paused", NOW + timedelta(seconds=3))
    assert world.service.agent("acme", "a-1").call_ref == "call-3"


def test_asking_for_the_state_the_agent_is_in_changes_nothing(world: World) -> None:
    _available(world, "a-1")
    before = world.service.agent("acme", "a-1")
    assert world.service.set_state("acme", "a-1", "available", NOW + timedelta(1)) == before
    assert len(world.service.events("acme", "a-1")) == 2  # made, then available


def test_release_wraps_up_that_calls_agent_once_and_times_its_end(world: World) -> None:
    _available(world, "a-1")
    world.service.claim("acme", "sales", "call-1", NOW + timedelta(seconds=10))
    ended = NOW + timedelta(seconds=70)
    # WHEN another call's end, then the call's end twice, are reported
    other = world.service.release("acme", "a-1", "call-2", ended)
    first = world.service.release("acme", "a-1", "call-1", ended)
    second = world.service.release("acme", "a-1", "call-1", ended + timedelta(seconds=1))
    # THEN the agent wrapped up once, for that call, and its end was timed once
    assert other.state is S.ON_CALL
    assert (first.state, first.call_ref, first.state_since) == (S.WRAP_UP, "call-1", ended)
    assert second == first
    assert world.timed == [("a-1", ended, ended + timedelta(seconds=30))]
    changes = [(e.from_state, e.to_state) for e in world.service.events("acme", "a-1")]
    assert changes == [
        (S.ON_CALL, S.WRAP_UP),
        (S.AVAILABLE, S.ON_CALL),
        (S.LOGGED_OUT, S.AVAILABLE),
        (S.LOGGED_OUT, S.LOGGED_OUT),
    ]


def test_the_wrap_up_timer_makes_the_agent_available_once(world: World) -> None:
    _available(world, "a-1")
    world.service.claim("acme", "sales", "call-1", NOW)
    wrapped = world.service.release("acme", "a-1", "call-1", NOW + timedelta(seconds=60))
    since = wrapped.state_since
    # WHEN the timer runs before the wrap-up is over: it is timed again
    assert not world.service.wrap_up_due(wrapped, NOW + timedelta(seconds=89))
    early = world.service.finish_wrap_up("acme", "a-1", NOW + timedelta(seconds=89), since)
    assert early.state is S.WRAP_UP and len(world.timed) == 2
    # WHEN it runs on time, then again / THEN available once, free of the call
    done = world.service.finish_wrap_up("acme", "a-1", NOW + timedelta(seconds=90), since)
    again = world.service.finish_wrap_up("acme", "a-1", NOW + timedelta(seconds=95), since)
    assert (done.state, done.call_ref) == (S.AVAILABLE, "")
    assert again == done
    [latest, *_] = world.service.events("acme", "a-1")
    assert (latest.to_state, latest.reason) == (S.AVAILABLE, "wrap-up time over")


def test_a_late_timer_leaves_an_agent_that_moved_on(world: World) -> None:
    _available(world, "a-1")
    world.service.claim("acme", "sales", "call-1", NOW)
    wrapped = world.service.release("acme", "a-1", "call-1", NOW + timedelta(seconds=60))
    world.service.set_state("acme", "a-1", "paused", NOW + timedelta(seconds=61))
    late = world.service.finish_wrap_up(
        "acme", "a-1", NOW + timedelta(seconds=200), wrapped.state_since
    )
    assert late.state is S.PAUSED


def test_an_agent_is_changed_with_its_state_kept_in_a_group_the_account_has(world: World) -> None:
    _available(world, "a-1")
    changed = world.service.put_agent(
        "acme", "a-1", "sales", "softphone", name="Asha", sip="sip:a1@pbx.example.com", now=NOW
    )
    assert (changed.state, changed.sip, changed.number, changed.version) == (
        S.AVAILABLE,
        "sip:a1@pbx.example.com",
        "",
        3,
    )
    same = world.service.put_agent(
        "acme", "a-1", "sales", "softphone", name="Asha", sip="sip:a1@pbx.example.com", now=NOW
    )
    assert same == changed
    with pytest.raises(NotFoundError):
        world.service.put_agent(
            "acme", "a-9", "support", "landline", number="447700900129", now=NOW
        )
    with pytest.raises(NotFoundError):
        world.service.list_agents("acme", "support")


def test_a_group_keeps_when_it_was_made(world: World) -> None:
    later = world.service.put_group("acme", "sales", "Sales", 60, now=NOW + timedelta(days=1))
    assert (later.created_at, later.wrap_up_seconds) == (NOW, 60)


def test_a_claim_asked_again_for_one_call_gives_it_back_its_agent(world: World) -> None:
    _available(world, "a-1", "a-2")
    first = world.service.claim("acme", "sales", "call-1", NOW + timedelta(seconds=1))
    again = world.service.claim("acme", "sales", "call-1", NOW + timedelta(seconds=2))
    assert first is not None and again is not None and again.agent_id == first.agent_id
    on_call = [a for a in world.store.list("acme") if a.state is S.ON_CALL]
    assert [a.agent_id for a in on_call] == [first.agent_id]
