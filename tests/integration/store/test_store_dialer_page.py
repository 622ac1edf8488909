"""The stores behind the dialer agent's page on moto: GIVEN their tables, WHEN an agent is
deleted and made again, passwords are kept and forgotten, and dispositions saved and listed,
THEN a deletion is one transaction conditional on the version and state read (a stale one
writes nothing) that keeps the agent's events and appends its own, an agent made again goes on
from its id's last version, a password and a disposition round-trip exactly (a disposition saved
again replaces the earlier one, and expires 400 days after it was saved), and an agent's
dispositions list newest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from storekit import RequestLog

from chalicelib.dialer import agent_rules as rules
from chalicelib.settings import Settings
from chalicelib.store.dialer_agents import AgentRepository
from chalicelib.store.dialer_dispositions import (
    Disposition,
    DispositionItem,
    DispositionRepository,
    Outcome,
)
from chalicelib.store.dialer_logins import AgentLogin, AgentLoginRepository
from chalicelib.store.dialer_records import Agent, AgentState, LoginType
from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StaleStateError

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
PLUS_TWO = timezone(timedelta(hours=2))
S = AgentState


def agent(**changes: object) -> Agent:
    fields: dict[str, object] = {
        "account_id": "acme",
        "agent_id": "a-1",
        "name": "Asha Rao",
        "group_id": "sales",
        "login_type": LoginType.MOBILE_PHONE,
        "number": "447700900121",
        "state": S.LOGGED_OUT,
        "state_since": NOW,
        "created_at": NOW,
    }
    fields.update(changes)
    return Agent(**fields)  # type: ignore[arg-type]


def test_a_deletion_keeps_the_events_and_a_new_agent_goes_on_from_them(
    store: Settings, sent: RequestLog
) -> None:
    agents = AgentRepository()
    made = agents.create(agent(), rules.created(agent()))
    after, event = rules.asked(made, S.AVAILABLE, NOW)
    available = agents.change(made, after, event)
    # WHEN a deletion from a stale read is tried / THEN refused, nothing written
    with pytest.raises(StaleStateError):
        agents.delete(made, rules.deleted(made, NOW))
    assert agents.get("acme", "a-1") == available
    # WHEN deleted from the version read / THEN one transaction; gone, its events kept
    sent.clear()
    agents.delete(available, rules.deleted(available, NOW + timedelta(1)))
    assert sent.operations == ["TransactWriteItems"]
    with pytest.raises(NotFoundError):
        agents.get("acme", "a-1")
    assert agents.list("acme") == [] and agents.longest_idle("acme", "sales", 5) == []
    events = agents.events("acme", "a-1", 10)
    assert [(e.version, e.reason, e.to_state) for e in events] == [
        (3, "deleted", S.LOGGED_OUT),
        (2, "", S.AVAILABLE),
        (1, "created", S.LOGGED_OUT),
    ]
    # WHEN made again / THEN at the version after the last event, with its own event
    again = agent(name="Asha again", created_at=NOW + timedelta(2))
    sent.clear()
    remade = agents.create(again, rules.created(again))
    assert sent.operations == ["Query", "TransactWriteItems"]
    assert remade.version == 4 and agents.get("acme", "a-1") == remade
    assert agents.events("acme", "a-1", 1)[0].reason == "created"
    with pytest.raises(AlreadyExistsError):
        agents.create(again, rules.created(again))
    assert len(agents.events("acme", "a-1", 10)) == 4


def test_a_profile_change_is_one_transaction_with_its_event(
    store: Settings, sent: RequestLog
) -> None:
    agents = AgentRepository()
    made = agents.create(agent(), rules.created(agent()))
    sent.clear()
    saved = agents.save(replace(made, name="Asha R."), made, rules.profile_changed(made, NOW))
    assert sent.operations == ["TransactWriteItems"]
    assert (saved.version, agents.get("acme", "a-1").name) == (2, "Asha R.")
    with pytest.raises(StaleStateError):
        agents.save(replace(made, name="Lost"), made, rules.profile_changed(made, NOW))
    assert [e.reason for e in agents.events("acme", "a-1", 10)] == ["profile changed", "created"]


def test_a_password_round_trips_and_is_forgotten(store: Settings, sent: RequestLog) -> None:
    logins = AgentLoginRepository()
    assert logins.get("acme", "a-1") is None
    login = AgentLogin(
        "acme", "a-1", "scrypt$16384$8$1$00$11", datetime(2024, 5, 1, 14, tzinfo=PLUS_TWO), NOW
    )
    sent.clear()
    logins.put(login)
    got = logins.get("acme", "a-1")
    assert sent.operations == ["PutItem", "GetItem"]
    assert got == replace(login, set_at=datetime(2024, 5, 1, 12, tzinfo=UTC))
    logins.delete("acme", "a-1")
    logins.delete("acme", "a-1")  # forgetting twice is no error
    assert logins.get("acme", "a-1") is None


def _disposition(**changes: object) -> Disposition:
    fields: dict[str, object] = {
        "account_id": "acme",
        "call_id": "call-1",
        "agent_id": "a-1",
        "outcome": Outcome.NOT_INTERESTED,
        "notes": "Ünïcode notes\nover two lines",
        "saved_at": datetime(2024, 5, 1, 14, 0, 0, 123456, tzinfo=PLUS_TWO),
        "call_ref": "call-1:r-1:2",
        "customer": "447700900555",
        "campaign_id": "spring",
        "contact_id": "c-7",
    }
    fields.update(changes)
    return Disposition(**fields)  # type: ignore[arg-type]


def test_a_disposition_round_trips_is_replaced_and_expires(
    store: Settings, sent: RequestLog
) -> None:
    dispositions = DispositionRepository()
    first = _disposition()
    sent.clear()
    dispositions.put(first)
    assert sent.operations == ["PutItem"]
    got = dispositions.get("acme", "call-1", "a-1")
    assert got == replace(first, saved_at=datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC))
    item = DispositionItem.get("acme#call-1", "a-1")
    assert item.expires == datetime(2025, 6, 5, 12, 0, tzinfo=UTC)  # 400 days, in seconds
    # WHEN saved again by the agent / THEN replaced: one per call and agent
    dispositions.put(_disposition(outcome=Outcome.SALE, notes="", saved_at=NOW + timedelta(1)))
    [only] = dispositions.of_call("acme", "call-1", 10)
    assert (only.outcome, only.notes) == (Outcome.SALE, "")
    assert dispositions.get("acme", "call-1", "a-2") is None
    assert dispositions.get("other", "call-1", "a-1") is None


def test_dispositions_list_by_call_and_by_agent_newest_first(store: Settings) -> None:
    dispositions = DispositionRepository()
    for n in range(3):
        at = NOW + timedelta(minutes=n)
        dispositions.put(_disposition(call_id=f"call-{n}", saved_at=at, call_ref=f"call-{n}"))
    dispositions.put(_disposition(agent_id="a-2", call_id="call-1"))
    dispositions.put(_disposition(account_id="other", call_id="call-1"))
    by_agent = dispositions.of_agent("acme", "a-1", 10)
    assert [d.call_id for d in by_agent] == ["call-2", "call-1", "call-0"]
    assert [d.call_id for d in dispositions.of_agent("acme", "a-1", 2)] == ["call-2", "call-1"]
    assert [d.agent_id for d in dispositions.of_call("acme", "call-1", 10)] == ["a-1", "a-2"]
    assert dispositions.of_call("acme", "call-9", 10) == []
