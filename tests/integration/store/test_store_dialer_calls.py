"""The dialer's calls on the store: GIVEN its tables on moto, WHEN calls claim, release and are
measured and shown, THEN a preferred agent is given first when available (else the longest
idle), an agent is let go into wrap-up, paused or available as the call says, a campaign's
measures are written whole on their version (a stale write is refused) and listed per account,
and the live picture shows each call at its latest stage, an older stage or one after the end
changing nothing.

The races run on moto in-process with each DynamoDB request made atomic (``motokit``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.dialer.agents import Agents
from chalicelib.settings import Settings
from chalicelib.store.dialer_agents import AgentRepository
from chalicelib.store.dialer_campaigns import DialerCampaignRepository
from chalicelib.store.dialer_groups import AgentGroupRepository
from chalicelib.store.dialer_live import LiveCallRepository
from chalicelib.store.dialer_records import DialerCampaignStats, LiveCall
from chalicelib.store.errors import StaleStateError

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def service(store: Settings) -> Agents:
    made = Agents(AgentGroupRepository(), AgentRepository())
    made.put_group("acme", "sales", "Sales", 20, now=NOW)
    for n, agent_id in enumerate(["a-1", "a-2"]):
        made.put_agent("acme", agent_id, "sales", "landline", number=f"44770090014{n}", now=NOW)
    made.set_state("acme", "a-1", "available", NOW)
    made.set_state("acme", "a-2", "available", NOW + timedelta(seconds=5))
    return made


def test_a_preferred_agent_is_given_first_when_available(service: Agents) -> None:
    later = NOW + timedelta(minutes=1)
    given = service.claim("acme", "sales", "call-1:1:1", later, prefer="a-2")
    assert given is not None and given.agent_id == "a-2"
    # the preferred agent busy (or unknown, or of another group): the longest idle
    other = service.claim("acme", "sales", "call-2:1:1", later, prefer="a-2")
    assert other is not None and other.agent_id == "a-1"
    assert service.claim("acme", "sales", "call-3:1:1", later, prefer="nobody") is None


@pytest.mark.parametrize(
    ("how", "state", "keeps_call"),
    [("talked", "wrap_up", True), ("missed", "paused", False), ("unused", "available", False)],
)
def test_a_call_lets_its_agent_go_as_it_says(
    service: Agents, how: str, state: str, keeps_call: bool
) -> None:
    later = NOW + timedelta(minutes=1)
    given = service.claim("acme", "sales", "call-1:1:1", later)
    assert given is not None
    let_go = service.release("acme", given.agent_id, "call-1:1:1", later, how)
    assert let_go.state.value == state
    assert (let_go.call_ref == "call-1:1:1") is keeps_call
    [event] = service.events("acme", given.agent_id, 1)
    assert (event.from_state.value, event.to_state.value) == ("on_call", state)
    # a second release of the same call changes nothing
    again = service.release("acme", given.agent_id, "call-1:1:1", later, "talked")
    assert again.version == let_go.version


def test_a_campaign_s_measures_are_written_whole_on_their_version(store: Settings) -> None:
    repository = DialerCampaignRepository()
    assert repository.get("api-sales") is None
    stats = DialerCampaignStats(
        "acme",
        "api-sales",
        "sales",
        mode="power",
        max_ratio=2.5,
        ceiling=0.03,
        ratio=1.25,
        buckets=((NOW, 12, 1), (NOW + timedelta(minutes=15), 3, 0)),
        answered=15,
        connected=14,
        abandoned=1,
        waits=(0.5, 1.25, 7.0),
        updated_at=NOW,
    )
    saved = repository.save(stats)
    assert saved.version == 1
    assert repository.get("api-sales") == saved
    with pytest.raises(StaleStateError):
        repository.save(stats)  # written at version 0 again: someone was first
    assert repository.save(replace(saved, answered=16)).version == 2
    repository.save(DialerCampaignStats("other", "api-other", "sales", updated_at=NOW))
    assert [s.campaign_id for s in repository.list("acme")] == ["api-sales"]
    # a group's campaigns changed lately, to wake when one of its agents is free
    later = NOW + timedelta(minutes=15)
    repository.save(DialerCampaignStats("acme", "api-new", "sales", updated_at=later))
    assert [s.campaign_id for s in repository.recent("acme", "sales", NOW)] == [
        "api-sales",
        "api-new",
    ]
    assert [s.campaign_id for s in repository.recent("acme", "sales", later)] == ["api-new"]


def test_the_live_picture_keeps_each_call_s_latest_stage(store: Settings) -> None:
    live = LiveCallRepository()

    def shown(stage: str, at: datetime, agent: str = "") -> bool:
        return live.put(LiveCall("acme", "call-1", "sales", "api-sales", "4477", stage, agent, at))

    assert shown("waiting", NOW)
    assert shown("ringing", NOW + timedelta(seconds=3), "a-1")
    assert not shown("waiting", NOW + timedelta(seconds=1))  # told late: older
    [call] = live.list("acme")
    assert (call.stage, call.agent_id) == ("ringing", "a-1")
    assert shown("ended", NOW + timedelta(seconds=9))
    assert live.list("acme") == []
    assert not shown("talking", NOW + timedelta(seconds=10))  # after the end: nothing
    assert live.list("acme") == []
