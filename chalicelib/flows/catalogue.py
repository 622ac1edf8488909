"""The flow catalogue: the parsed flow a number serves, with revisions cached per process.

Revisions are immutable, so a parsed ``(flow id, version)`` is cached for the life of the Lambda
container; a step then costs no flow read. Imports the store's ports only through a protocol.
"""

from __future__ import annotations

from typing import Protocol

from chalicelib.flows.model import Flow, parse_flow
from chalicelib.flows.records import FlowHead, FlowRevision


class FlowSource(Protocol):
    """Where flow heads and revisions are read from."""

    def get_head(self, flow_id: str) -> FlowHead: ...

    def get_revision(self, flow_id: str, version: int) -> FlowRevision: ...


class FlowCatalogue:
    """Parsed flows by id and version, cached."""

    def __init__(self, source: FlowSource, capacity: int = 256) -> None:
        self._source = source
        self._capacity = capacity
        self._cache: dict[tuple[str, int], Flow] = {}

    def head(self, flow_id: str) -> FlowHead:
        """The flow's head (latest version, enabled): one read."""
        return self._source.get_head(flow_id)

    def get(self, flow_id: str, version: int) -> Flow:
        """The parsed revision (a read only the first time in this process)."""
        key = (flow_id, version)
        flow = self._cache.get(key)
        if flow is None:
            flow = parse_flow(self._source.get_revision(flow_id, version).document, stored=True)
            if len(self._cache) >= self._capacity:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = flow
        return flow
