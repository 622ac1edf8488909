"""An agent's life beyond its states, on in-memory stores that keep the real ones' conditions:
GIVEN a group's agents, WHEN they are made, changed, deleted and given passwords, THEN every
change has its event at the next version (made: ``created``, changed: ``profile changed``,
deleted: ``deleted``), an agent on a call or wrapping one up is not deleted and one at another
version than named is not either (409s in words), a deleted agent's password no longer opens
the page nor does it open an agent made again under its id; and a disposition is taken only
from the agent a call was given, with an outcome of the list and notes of up to 2,000
characters, the customer shown without the platform's own flow keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from test_dialer_agents_service import MemoryAgents, MemoryGroups

from chalicelib.campaigns.model import CampaignCall
from chalicelib.dialer import agent_rules as rules
from chalicelib.dialer.agent_logins import AgentLogins, login_name, login_parts
from chalicelib.dialer.agents import Agents
from chalicelib.dialer.dispositions import (
    Customer,
    Disposition,
    Dispositions,
    Outcome,
    call_id_of,
    customer_of,
)
from chalicelib.dialer.model import Agent, AgentState
from chalicelib.errors import ConflictError, NotFoundError, ValidationError
from chalicelib.flows.state import CallState
from chalicelib.store.dialer_logins import AgentLogin
from chalicelib.telephony.events import Direction

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
S = AgentState
PASSWORD = "agent page password"


@dataclass
class MemoryPasswords:
    logins: dict[tuple[str, str], AgentLogin] = field(default_factory=dict)

    def put(self, login: AgentLogin) -> AgentLogin:
        self.logins[(login.account_id, login.agent_id)] = login
        return login

    def get(self, account_id: str, agent_id: str) -> AgentLogin | None:
        return self.logins.get((account_id, agent_id))

    def delete(self, account_id: str, agent_id: str) -> None:
        self.logins.pop((account_id, agent_id), None)


@dataclass
class MemoryDispositions:
    kept: dict[tuple[str, str, str], Disposition] = field(default_factory=dict)

    def put(self, disposition: Disposition) -> Disposition:
        key = (disposition.account_id, disposition.call_id, disposition.agent_id)
        self.kept[key] = disposition
        return disposition

    def get(self, account_id: str, call_id: str, agent_id: str) -> Disposition | None:
        return self.kept.get((account_id, call_id, agent_id))

    def of_call(self, account_id: str, call_id: str, limit: int) -> list[Disposition]:
        found = [d for (a, c, _), d in sorted(self.kept.items()) if (a, c) == (account_id, call_id)]
        return found[:limit]

    def of_agent(self, account_id: str, agent_id: str, limit: int) -> list[Disposition]:
        found = [d for (a, _, g), d in self.kept.items() if (a, g) == (account_id, agent_id)]
        return sorted(found, key=lambda d: d.saved_at, reverse=True)[:limit]


@dataclass
class World:
    agents: Agents
    store: MemoryAgents
    passwords: MemoryPasswords
    logins: AgentLogins


@pytest.fixture
def world() -> World:
    store, passwords = MemoryAgents(), MemoryPasswords()
    agents = Agents(
        MemoryGroups(),
        store,
        deleted=lambda agent: passwords.delete(agent.account_id, agent.agent_id),
    )
    agents.put_group("acme", "sales", "Sales", now=NOW)
    agents.put_agent("acme", "a-1", "sales", "mobile phone", number="447700900121", now=NOW)
    return World(agents, store, passwords, AgentLogins(passwords, agents, lambda: NOW))


def _reasons(world: World, agent_id: str = "a-1") -> list[tuple[int, str]]:
    return [(e.version, e.reason) for e in reversed(world.agents.events("acme", agent_id))]


def test_an_agent_made_and_changed_has_an_event_for_each_version(world: World) -> None:
    made = world.agents.agent("acme", "a-1")
    [created] = world.agents.events("acme", "a-1")
    assert (made.version, created.version, created.reason) == (1, 1, "created")
    assert (created.from_state, created.to_state, created.at) == (S.LOGGED_OUT, S.LOGGED_OUT, NOW)
    later = NOW + timedelta(minutes=5)
    changed = world.agents.put_agent(
        "acme", "a-1", "sales", "mobile phone", name="Asha", number="447700900121", now=later
    )
    assert changed.version == 2
    latest = world.agents.events("acme", "a-1")[0]
    assert (latest.version, latest.reason, latest.at) == (2, "profile changed", later)
    # AND the same profile again changes nothing and writes no event
    world.agents.put_agent(
        "acme", "a-1", "sales", "mobile phone", name="Asha", number="447700900121", now=later
    )
    assert _reasons(world) == [(1, "created"), (2, "profile changed")]


def test_an_agent_is_deleted_with_its_events_kept_and_made_again_after_them(
    world: World,
) -> None:
    world.agents.set_state("acme", "a-1", "available", NOW)
    gone = world.agents.delete_agent("acme", "a-1", NOW + timedelta(1))
    assert gone.state is S.AVAILABLE
    with pytest.raises(NotFoundError):
        world.agents.agent("acme", "a-1")
    assert world.agents.list_agents("acme") == []
    assert world.store.events("acme", "a-1", 10)[0].reason == "deleted"
    # WHEN an agent is made again under the id / THEN its versions follow the old events
    again = world.agents.put_agent(
        "acme", "a-1", "sales", "landline", number="447700900122", now=NOW + timedelta(2)
    )
    assert again.version == 4
    assert [r for _, r in _reasons(world)] == ["created", "", "deleted", "created"]
    with pytest.raises(NotFoundError):
        world.agents.delete_agent("acme", "a-9", NOW)


@pytest.mark.parametrize("busy", ["on_call", "wrap_up"])
def test_an_agent_a_call_needs_is_not_deleted(world: World, busy: str) -> None:
    world.agents.set_state("acme", "a-1", "available", NOW)
    world.agents.claim("acme", "sales", "call-1:r:1", NOW)
    if busy == "wrap_up":
        world.agents.release("acme", "a-1", "call-1:r:1", NOW + timedelta(seconds=30))
    with pytest.raises(rules.AgentBusyError, match=f"is {busy}: an agent .* cannot be deleted"):
        world.agents.delete_agent("acme", "a-1", NOW + timedelta(minutes=1))
    assert world.agents.agent("acme", "a-1").state.value == busy


def test_an_agent_moved_on_from_the_version_named_is_not_deleted(world: World) -> None:
    world.agents.set_state("acme", "a-1", "paused", NOW)
    with pytest.raises(rules.VersionMovedError, match="is at version 2, not 1") as refused:
        world.agents.delete_agent("acme", "a-1", NOW, version=1)
    assert isinstance(refused.value, ConflictError)
    assert world.agents.delete_agent("acme", "a-1", NOW, version=2).version == 2


def test_a_change_that_lands_first_is_judged_again_before_deleting(world: World) -> None:
    world.agents.set_state("acme", "a-1", "available", NOW)

    def claimed_meanwhile(before: Agent) -> None:
        world.agents.claim("acme", "sales", "call-2", NOW)

    world.store.before_write = claimed_meanwhile
    with pytest.raises(rules.AgentBusyError):
        world.agents.delete_agent("acme", "a-1", NOW)
    assert world.agents.agent("acme", "a-1").call_ref == "call-2"


def test_a_password_opens_its_agent_until_the_agent_is_deleted(world: World) -> None:
    name = login_name("acme", "a-1")
    assert not world.logins.authenticate(name, PASSWORD)  # no password yet
    world.logins.set_password("acme", "a-1", PASSWORD)
    stored = world.passwords.get("acme", "a-1")
    assert stored is not None and stored.password_hash.startswith("scrypt$")
    assert PASSWORD not in stored.password_hash
    assert world.logins.authenticate(name, PASSWORD)
    assert not world.logins.authenticate(name, PASSWORD + "!")
    assert not world.logins.authenticate(login_name("other", "a-1"), PASSWORD)
    assert not world.logins.authenticate("acme", PASSWORD)
    # WHEN the agent is deleted / THEN its password is gone and opens nothing
    world.agents.delete_agent("acme", "a-1", NOW)
    assert world.passwords.get("acme", "a-1") is None
    assert not world.logins.authenticate(name, PASSWORD)


def test_a_password_set_for_a_deleted_agent_never_opens_one_made_again(world: World) -> None:
    world.logins.set_password("acme", "a-1", PASSWORD)
    kept = world.passwords.get("acme", "a-1")
    world.agents.delete_agent("acme", "a-1", NOW)
    world.agents.put_agent(
        "acme", "a-1", "sales", "landline", number="447700900122", now=NOW + timedelta(1)
    )
    assert kept is not None
    world.passwords.put(kept)  # as if the old password had outlived its agent
    assert not world.logins.authenticate(login_name("acme", "a-1"), PASSWORD)


@pytest.mark.parametrize("length", [7, 201])
def test_a_password_is_8_to_200_characters(world: World, length: int) -> None:
    with pytest.raises(ValidationError, match="8 to 200 characters"):
        world.logins.set_password("acme", "a-1", "x" * length)
    world.logins.set_password("acme", "a-1", "x" * 200)
    assert world.logins.authenticate(login_name("acme", "a-1"), "x" * 200)
    with pytest.raises(NotFoundError):
        world.logins.set_password("acme", "a-9", PASSWORD)


def test_a_login_name_holds_the_account_and_the_agent() -> None:
    assert login_parts(login_name("acme", "121163")) == ("acme", "121163")
    for wrong in ("acme", "/a-1", "acme/", "acme/a b", "ac/me/a-1"):
        with pytest.raises(ValidationError):
            login_parts(wrong)


def _call(account_id: str = "acme") -> CallState:
    state = CallState(
        call_id="call-1",
        account_id=account_id,
        flow_id="dialer",
        flow_version=1,
        direction=Direction.OUTBOUND,
        from_number="447700900100",
        to_number="447700900555",
        started_at=NOW,
        flow_vars={"name": "Ravi", "plan": "gold", "syskey.agent": "a-1", "_hidden": "x"},
    )
    return state.with_data(CampaignCall(campaign_id="spring", contact_id="c-7", attempt=1))


def test_the_customer_is_the_number_called_with_the_contacts_own_flow_keys() -> None:
    customer = customer_of(_call(), "acme")
    assert customer == Customer(
        call_id="call-1",
        number="447700900555",
        campaign_id="spring",
        contact_id="c-7",
        keys=(("name", "Ravi"), ("plan", "gold")),
    )
    assert customer_of(_call("other"), "acme") is None
    assert call_id_of("call-1:ref-2:1") == "call-1" and call_id_of("call-1") == "call-1"
    with pytest.raises(ValidationError):
        call_id_of(":ref:1")


def test_a_disposition_is_taken_from_the_agent_given_the_call_once_per_call() -> None:
    store = MemoryDispositions()
    given = {("acme", "call-1:r:1"): "a-1"}
    service = Dispositions(store, lambda account, ref: given.get((account, ref)))
    customer = customer_of(_call(), "acme")
    first = service.save("acme", "a-1", "call-1:r:1", "callback", " ring at 5 ", NOW, customer)
    assert (first.call_id, first.outcome, first.notes, first.customer) == (
        "call-1",
        Outcome.CALLBACK,
        "ring at 5",
        "447700900555",
    )
    later = NOW + timedelta(minutes=1)
    service.save("acme", "a-1", "call-1:r:1", "sale", "sold", later, customer)
    assert [d.outcome for d in service.list("acme", call_id="call-1")] == [Outcome.SALE]
    assert service.list("acme", agent_id="a-1")[0].saved_at == later
    assert service.list("acme", "call-1", "a-1")[0].notes == "sold"
    assert service.list("acme", "call-1", "a-2") == []
    # AND refusals say why and keep nothing
    with pytest.raises(NotFoundError, match="was not given the call"):
        service.save("acme", "a-2", "call-1:r:1", "sale", "", NOW)
    with pytest.raises(ValidationError, match="is not one of sale, callback"):
        service.save("acme", "a-1", "call-1:r:1", "maybe", "", NOW)
    with pytest.raises(ValidationError, match="at most 2,000 characters"):
        service.save("acme", "a-1", "call-1:r:1", "other", "x" * 2001, NOW)
    with pytest.raises(ValidationError, match="name a call"):
        service.list("acme")
    assert len(store.kept) == 1
