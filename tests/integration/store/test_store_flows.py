"""Flows: GIVEN the flows table, WHEN revisions are added (also by loaders racing each other),
THEN versions are 1, 2, ... without gaps or doubles, revisions are immutable and heads list by
account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from storekit import NOW, RequestLog

from chalicelib.flows.records import FlowHead, FlowRevision
from chalicelib.settings import Settings
from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StaleStateError
from chalicelib.store.flows import FlowItem, FlowRepository


@pytest.fixture
def flows(store: Settings) -> FlowRepository:
    return FlowRepository(clock=lambda: NOW)


class LateLoader(FlowRepository):
    """A loader whose first read of the head happened before another loader committed."""

    def __init__(self, stale_head: FlowItem | None) -> None:
        super().__init__(clock=lambda: NOW + timedelta(seconds=1))
        self._stale: list[FlowItem | None] = [stale_head]

    def _read_head(self, flow_id: str) -> FlowItem | None:
        if self._stale:
            return self._stale.pop()
        return super()._read_head(flow_id)


def test_first_revision_creates_a_disabled_head(flows: FlowRepository) -> None:
    # GIVEN no flow / WHEN a document is loaded
    revision = flows.add_revision("flow-1", "acc-1", "Main menu", '{"v": 1}')
    # THEN it is version 1 and the head points at it, listener off
    assert revision == FlowRevision("flow-1", 1, "acc-1", '{"v": 1}', NOW)
    assert flows.get_head("flow-1") == FlowHead(
        "flow-1", "acc-1", "Main menu", 1, enabled=False, generation=1
    )
    assert flows.get_revision("flow-1", 1) == revision


def test_next_revision_moves_the_head_and_keeps_the_old_one(flows: FlowRepository) -> None:
    # GIVEN version 1, enabled
    flows.add_revision("flow-1", "acc-1", "Main menu", '{"v": 1}')
    flows.set_enabled("flow-1", True)
    # WHEN another document is loaded under a new name
    second = flows.add_revision("flow-1", "acc-1", "Main menu v2", '{"v": 2}')
    # THEN it is version 2, the head follows (still enabled), version 1 is unchanged
    assert second.version == 2
    assert flows.get_head("flow-1") == FlowHead(
        "flow-1", "acc-1", "Main menu v2", 2, True, generation=3
    )
    assert flows.get_revision("flow-1", 1).document == '{"v": 1}'


@pytest.mark.parametrize("existing", [0, 1], ids=["new flow", "existing flow"])
def test_racing_loaders_get_consecutive_versions(
    flows: FlowRepository, sent: RequestLog, existing: int
) -> None:
    # GIVEN a flow with `existing` versions, whose head loader B read ...
    for n in range(existing):
        flows.add_revision("flow-1", "acc-1", "Main", f'{{"v": {n}}}')
    stale = FlowRepository()._read_head("flow-1")
    late = LateLoader(stale)
    # ... before loader A committed the next version
    first = flows.add_revision("flow-1", "acc-1", "Main", '{"by": "A"}')
    sent.clear()
    # WHEN B commits on the head it read
    second = late.add_revision("flow-1", "acc-1", "Main", '{"by": "B"}')
    # THEN B lost the first transaction, re-read, and took the next version (a loader that read
    # no head first asks for the versions a deleted flow of that id left)
    assert [first.version, second.version] == [existing + 1, existing + 2]
    looked = ["Query"] if existing == 0 else []
    assert sent.operations == [*looked, "TransactWriteItems", "GetItem", "TransactWriteItems"]
    # AND A's revision was not overwritten, and the head points at B's
    assert flows.get_revision("flow-1", existing + 1).document == '{"by": "A"}'
    assert flows.get_revision("flow-1", existing + 2).document == '{"by": "B"}'
    assert flows.get_head("flow-1").latest_version == existing + 2


def test_a_loader_that_always_loses_gives_up_with_stale_state(flows: FlowRepository) -> None:
    # GIVEN a loader that reads a stale head every time
    flows.add_revision("flow-1", "acc-1", "Main", "{}")

    class AlwaysLate(FlowRepository):
        def _read_head(self, flow_id: str) -> FlowItem | None:
            return None

    # WHEN it adds a revision THEN it gives up after its attempts, and nothing changed
    with pytest.raises(StaleStateError):
        AlwaysLate(attempts=2).add_revision("flow-1", "acc-1", "Main", '{"x": 1}')
    assert flows.get_head("flow-1").latest_version == 1


def test_another_accounts_flow_id_is_refused(flows: FlowRepository) -> None:
    # GIVEN acc-1's flow / WHEN acc-2 loads a document with the same id / THEN refused
    flows.add_revision("flow-1", "acc-1", "Main", "{}")
    with pytest.raises(AlreadyExistsError):
        flows.add_revision("flow-1", "acc-2", "Mine now", "{}")
    assert flows.get_head("flow-1").account_id == "acc-1"


def test_bad_input_is_refused(flows: FlowRepository) -> None:
    with pytest.raises(ValueError):
        flows.add_revision("flow-1", "acc-1", "", "{}")
    with pytest.raises(ValueError):
        flows.add_revision("flow-1", "acc-1", "Big", "x" * 400_000)
    with pytest.raises(ValueError):
        flows.get_revision("flow-1", 0)


def test_unknown_flows_and_versions_are_not_found(flows: FlowRepository) -> None:
    # GIVEN one version of one flow
    flows.add_revision("flow-1", "acc-1", "Main", "{}")
    # WHEN other flows or versions are asked for / THEN NotFoundError
    with pytest.raises(NotFoundError):
        flows.get_head("flow-2")
    with pytest.raises(NotFoundError):
        flows.get_revision("flow-1", 2)
    with pytest.raises(NotFoundError):
        flows.set_enabled("flow-2", True)


def test_list_heads_lists_only_heads_of_the_account_by_name(flows: FlowRepository) -> None:
    # GIVEN two flows of acc-1 with several versions, and one of acc-2
    flows.add_revision("flow-b", "acc-1", "Billing", "{}")
    flows.add_revision("flow-b", "acc-1", "Billing", "{}")
    flows.add_revision("flow-a", "acc-1", "Attendant", "{}")
    flows.add_revision("flow-c", "acc-2", "Other", "{}")
    # WHEN acc-1's heads are listed
    heads = flows.list_heads("acc-1")
    # THEN one entry per flow (no revisions), sorted by name
    assert heads == [
        FlowHead("flow-a", "acc-1", "Attendant", 1, False, generation=1),
        FlowHead("flow-b", "acc-1", "Billing", 2, False, generation=2),
    ]


def test_a_deleted_flow_loses_its_head_and_keeps_its_versions_retired(
    flows: FlowRepository,
) -> None:
    # GIVEN a flow with two versions
    flows.add_revision("flow-1", "acc-1", "Main", '{"v": 1}')
    flows.add_revision("flow-1", "acc-1", "Main", '{"v": 2}')
    # WHEN another account tries to delete it, THEN it is not found and nothing changes
    with pytest.raises(NotFoundError):
        flows.delete("flow-1", "acc-2", 60)
    assert flows.get_head("flow-1").latest_version == 2
    # WHEN its account deletes it
    assert flows.delete("flow-1", "acc-1", 60) == 2
    # THEN the head is gone, the versions are readable but retired, and none is listed
    with pytest.raises(NotFoundError):
        flows.get_head("flow-1")
    assert flows.list_heads("acc-1") == []
    assert flows.get_revision("flow-1", 2).retired
    assert flows.list_versions("flow-1") == []
    item = FlowItem.get("flow-1", 1)
    assert item.expires_at == NOW + timedelta(seconds=60)
    # AND a flow loaded again under the id numbers its versions after them
    assert flows.add_revision("flow-1", "acc-2", "Other", '{"v": 3}').version == 3
    assert [v for v, _ in flows.list_versions("flow-1")] == [3]
