"""Speech agents in DynamoDB: GIVEN the speech_agents table on moto, WHEN versions are put (also
by uploads racing each other in threads, with moto's requests made atomic as DynamoDB's are),
THEN versions are 1, 2, ... without gaps or doubles, an upload with the latest digest stores
nothing, the export round-trips (compressed when that is smaller), heads list by account
through the index, and a deleted agent's versions are retired with a TTL and numbered after."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest
from agentkit import eva_renamed, eva_zip
from motokit import serialize_dynamodb
from storekit import NOW, RequestLog

from chalicelib.errors import TooLargeError
from chalicelib.settings import Settings
from chalicelib.store.errors import NotFoundError
from chalicelib.store.speech_agents import (
    MAX_EXPORT_BYTES,
    RAW,
    ZLIB,
    AgentContent,
    SpeechAgentItem,
    SpeechAgentRepository,
    StoredAgent,
)
from chalicelib.store.tables import table_definition, ttl_attribute


@pytest.fixture
def agents(store: Settings) -> SpeechAgentRepository:
    return SpeechAgentRepository(clock=lambda: NOW)


def content(export: bytes | None, digest: str, **target: str) -> AgentContent:
    return AgentContent(export=export, languages=("en", "es"), digest=digest, **target)  # type: ignore[arg-type]


def test_the_table_has_the_heads_index_and_the_ttl(store: Settings) -> None:
    definition = table_definition(SpeechAgentItem, "t")
    assert [k["AttributeName"] for k in definition["KeySchema"]] == ["agent_key", "version"]
    assert [i["IndexName"] for i in definition["GlobalSecondaryIndexes"]] == ["heads_by_account"]
    assert ttl_attribute(SpeechAgentItem) == "expires_at"


def test_a_version_round_trips_with_its_export_and_target(agents: SpeechAgentRepository) -> None:
    # WHEN a Dialogflow agent with its export is put
    target = {
        "project": "eva-agent",
        "environment": "prod",
        "credentials_secret": "ringflow/test/dialogflow/acme/eva",
        "client_email": "speech@eva-agent.iam.gserviceaccount.com",
    }
    stored, changed = agents.put_revision("acme", "eva", content(eva_zip(), "d1", **target))
    # THEN it is version 1, read back whole, and the head says what it is
    assert changed and stored.version == 1
    assert agents.get_revision("acme", "eva", 1) == stored
    assert stored.content.export == eva_zip() and stored.content.engine == "dialogflow"
    assert agents.get_head("acme", "eva") == StoredAgent(
        "acme", "eva", 1, "dialogflow", ("en", "es"), "d1", NOW
    )
    # AND the export is kept compressed, since that is smaller
    item = SpeechAgentItem.get("acme#eva", 1)
    assert item.export_encoding == ZLIB and len(item.export) < len(eva_zip())


def test_an_export_that_does_not_compress_is_kept_as_it_is(agents: SpeechAgentRepository) -> None:
    noise = random.Random(7).randbytes(5000)  # does not compress
    agents.put_revision("acme", "eva", content(noise, "d1"))
    assert SpeechAgentItem.get("acme#eva", 1).export_encoding == RAW
    assert agents.get_revision("acme", "eva", 1).content.export == noise


def test_the_latest_digest_again_stores_nothing(
    agents: SpeechAgentRepository, sent: RequestLog
) -> None:
    first, _ = agents.put_revision("acme", "eva", content(eva_zip(), "d1"))
    sent.clear()
    again, changed = agents.put_revision("acme", "eva", content(eva_zip(), "d1"))
    assert not changed and again == first
    assert sent.operations == ["GetItem", "GetItem"]
    second, changed = agents.put_revision("acme", "eva", content(eva_renamed(), "d2"))
    assert changed and second.version == 2
    assert [v for v, _ in agents.list_versions("acme", "eva")] == [2, 1]


def test_an_export_too_large_for_an_item_is_refused_and_stores_nothing(
    agents: SpeechAgentRepository,
) -> None:
    noise = random.Random(7).randbytes(MAX_EXPORT_BYTES + 10)
    with pytest.raises(TooLargeError, match=f"at most {MAX_EXPORT_BYTES} bytes"):
        agents.put_revision("acme", "eva", content(noise, "d1"))
    with pytest.raises(NotFoundError):
        agents.get_head("acme", "eva")


@pytest.mark.parametrize("existing", [0, 1], ids=["new agent", "existing agent"])
def test_concurrent_uploads_never_write_the_same_version(
    agents: SpeechAgentRepository, monkeypatch: pytest.MonkeyPatch, existing: int
) -> None:
    # GIVEN moto's requests atomic, and an agent with `existing` versions
    serialize_dynamodb(monkeypatch)
    for n in range(existing):
        agents.put_revision("acme", "eva", content(None, f"old-{n}"))
    # WHEN uploads of different contents race in threads
    uploads = 6
    start = threading.Barrier(uploads)
    made: list[int] = []

    def upload(n: int) -> None:
        start.wait()
        # each round of the race has one winner: the last may lose every round but its own
        racer = SpeechAgentRepository(clock=lambda: NOW, attempts=uploads)
        stored, changed = racer.put_revision("acme", "eva", content(None, f"race-{n}"))
        assert changed
        made.append(stored.version)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(uploads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # THEN each got its own version, without gaps, and the head points at the last
    assert sorted(made) == list(range(existing + 1, existing + uploads + 1))
    digests = {agents.get_revision("acme", "eva", v).content.digest for v in made}
    assert digests == {f"race-{n}" for n in range(uploads)}
    assert agents.get_head("acme", "eva").latest_version == existing + uploads


def test_identical_uploads_racing_make_one_version(
    agents: SpeechAgentRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    serialize_dynamodb(monkeypatch)
    uploads = 4
    start = threading.Barrier(uploads)
    changes: list[bool] = []

    def upload() -> None:
        start.wait()
        _, changed = SpeechAgentRepository(clock=lambda: NOW).put_revision(
            "acme", "eva", content(eva_zip(), "same")
        )
        changes.append(changed)

    threads = [threading.Thread(target=upload) for _ in range(uploads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(changes) == [False] * (uploads - 1) + [True]
    assert agents.get_head("acme", "eva").latest_version == 1


def test_heads_list_by_account_and_name_without_revisions(agents: SpeechAgentRepository) -> None:
    agents.put_revision("acme", "zed", content(None, "z"))
    agents.put_revision("acme", "eva", content(None, "e1"))
    agents.put_revision("acme", "eva", content(None, "e2"))
    agents.put_revision("other", "eva", content(None, "o"))
    heads = agents.list_heads("acme")
    assert [(h.name, h.latest_version) for h in heads] == [("eva", 2), ("zed", 1)]
    assert agents.list_heads("nobody") == []


def test_a_deleted_agent_loses_its_head_and_keeps_its_versions_retired(
    store: Settings,
) -> None:
    agents = SpeechAgentRepository(clock=lambda: NOW)
    agents.put_revision("acme", "eva", content(None, "e1"))
    agents.put_revision("acme", "eva", content(None, "e2"))
    # WHEN it is deleted
    assert agents.delete("acme", "eva", keep_seconds=3600) == 2
    # THEN it no longer lists, its versions are readable and expire in an hour
    assert agents.list_heads("acme") == []
    with pytest.raises(NotFoundError):
        agents.get_head("acme", "eva")
    assert agents.get_revision("acme", "eva", 1).retired
    item = SpeechAgentItem.get("acme#eva", 2)
    assert item.expires_at == NOW + timedelta(hours=1)
    assert agents.list_versions("acme", "eva") == []
    with pytest.raises(NotFoundError):
        agents.delete("acme", "eva", keep_seconds=3600)
    # AND stored again, it numbers after them
    again, changed = agents.put_revision("acme", "eva", content(None, "e1"))
    assert changed and again.version == 3
    assert [v for v, _ in agents.list_versions("acme", "eva")] == [3]


def test_what_is_absent_is_not_found(agents: SpeechAgentRepository) -> None:
    agents.put_revision("acme", "eva", content(None, "e1"))
    with pytest.raises(NotFoundError):
        agents.get_revision("acme", "eva", 2)
    with pytest.raises(NotFoundError):
        agents.get_revision("acme", "eva", 0)
    with pytest.raises(NotFoundError):
        agents.get_head("other", "eva")
