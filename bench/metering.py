"""Counting what AWS bills for in the requests a process makes: an ``AwsMeter`` puts botocore
event hooks (``before-parameter-build`` / ``after-call``) on every client created while it is
installed, reads each request's parameters and its parsed response, and counts DynamoDB read
and write request units from the items' sizes (DynamoDB's rules, ``bench.dynamodb_units``),
SQS requests per 64 KB chunk and S3 requests by price tier, into the ``Usage`` of the span that
is open.

What a write replaces is known from what the watched clients last wrote or read under its key
(so the process must be the only writer of its tables, as with moto in-process); anything not
known is read by a client of the meter's own, which is not counted, and so is what an update
left. The time the hooks take is kept in ``overhead_seconds`` so that callers can leave it out
of measured durations.

Imports the standard library, botocore and ``bench.dynamodb_units`` only; must not import
chalicelib, the app or moto.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bench.dynamodb_units import (
    Item,
    Units,
    _add,
    _Index,
    index_write_units,
    item_size,
    read_units,
    write_units,
)

Origin = tuple[str | None, str | None]
"""A watched client's region and endpoint URL."""

SQS_CHUNK_BYTES = 64 * 1024
S3_PUT_TIER = frozenset(
    {
        "PutObject",
        "CopyObject",
        "PostObject",
        "ListObjects",
        "ListObjectsV2",
        "ListBuckets",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
    }
)
"""S3 requests billed at the PUT, COPY, POST, LIST price; DELETE is free, the rest are GETs."""
S3_FREE = frozenset({"DeleteObject", "DeleteObjects", "AbortMultipartUpload"})


# -- what was used ---------------------------------------------------------------------------------
@dataclass
class Usage:
    """Billed usage of the requests made in one span (e.g. one Lambda invocation)."""

    requests: Counter[str] = field(default_factory=Counter)
    """Requests made, by ``service:Operation``."""
    read_units_by_table: Units = field(default_factory=lambda: defaultdict(float))
    write_units_by_table: Units = field(default_factory=lambda: defaultdict(float))
    sqs_requests: int = 0
    """Billed SQS requests (each 64 KB chunk of a payload counts as one)."""
    s3_put_requests: int = 0
    s3_get_requests: int = 0

    @property
    def read_units(self) -> float:
        return sum(self.read_units_by_table.values())

    @property
    def write_units(self) -> float:
        return sum(self.write_units_by_table.values())

    def add(self, other: Usage) -> None:
        self.requests.update(other.requests)
        _add(self.read_units_by_table, other.read_units_by_table)
        _add(self.write_units_by_table, other.write_units_by_table)
        self.sqs_requests += other.sqs_requests
        self.s3_put_requests += other.s3_put_requests
        self.s3_get_requests += other.s3_get_requests

    def of(self, service: str) -> Counter[str]:
        """The requests made to one service, by operation."""
        prefix = service + ":"
        return Counter(
            {k[len(prefix) :]: v for k, v in self.requests.items() if k.startswith(prefix)}
        )


# -- the meter -------------------------------------------------------------------------------------
_CONTEXT_KEY = "bench.metering"
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


class AwsMeter:
    """Watches every botocore client created while installed (``with AwsMeter() as meter``) and
    counts into the ``Usage`` of the open ``span``; requests made outside any span go to
    ``unattributed``."""

    def __init__(self) -> None:
        self.unattributed = Usage()
        self.overhead_seconds = 0.0
        self._current: Usage | None = None
        self._original_create_client: Any = None
        self._readers: dict[Origin, Any] = {}
        self._schemas: dict[tuple[Origin, str], tuple[tuple[str, ...], tuple[_Index, ...]]] = {}
        self._known: dict[tuple[Origin, str, str], Item | None] = {}
        self._registered: list[tuple[Any, str, str]] = []

    # installation ----------------------------------------------------------------------------
    def __enter__(self) -> AwsMeter:
        from botocore.session import Session

        original = Session.create_client
        self._original_create_client = original
        meter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            meter.watch(client)
            return client

        Session.create_client = create_client  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop watching: new clients are left alone and watched ones are no longer counted."""
        from botocore.session import Session

        Session.create_client = self._original_create_client  # type: ignore[method-assign]
        for events, event, unique_id in self._registered:
            events.unregister(event, unique_id=unique_id)
        self._registered.clear()

    def watch(self, client: Any) -> Any:
        """Count the requests of ``client`` (idempotent); returns it."""
        events = client.meta.events
        service = client.meta.service_model.service_id.hyphenize()
        origin = (client.meta.region_name, client.meta.endpoint_url)

        def before(params: Mapping[str, Any], model: Any, context: Any, **_: Any) -> None:
            self._before(origin, params, model, context)

        def after(
            http_response: Any, parsed: Mapping[str, Any], model: Any, context: Any, **_: Any
        ) -> None:
            self._after(origin, http_response, parsed, model, context)

        for event, handler, unique_id in (
            (f"before-parameter-build.{service}", before, f"bench-metering-{service}-in"),
            (f"after-call.{service}", after, f"bench-metering-{service}-out"),
        ):
            events.register(event, handler, unique_id=unique_id)
            self._registered.append((events, event, unique_id))
        return client

    @contextmanager
    def span(self) -> Iterator[Usage]:
        """Count the requests made inside the block into a fresh ``Usage`` (spans do not nest)."""
        if self._current is not None:
            raise RuntimeError("metering spans do not nest")
        usage = Usage()
        self._current = usage
        try:
            yield usage
        finally:
            self._current = None

    # hooks -----------------------------------------------------------------------------------
    def _before(
        self, origin: Origin, params: Mapping[str, Any], model: Any, context: dict[str, Any]
    ) -> None:
        started = time.perf_counter()
        try:
            service = model.service_model.service_name
            state: dict[str, Any] = {"params": params}
            if service == "dynamodb":
                state["before"] = self._items_before(origin, model.name, params)
            context[_CONTEXT_KEY] = state
        finally:
            self.overhead_seconds += time.perf_counter() - started

    def _after(
        self,
        origin: Origin,
        http_response: Any,
        parsed: Mapping[str, Any],
        model: Any,
        context: dict[str, Any],
    ) -> None:
        started = time.perf_counter()
        try:
            state = context.get(_CONTEXT_KEY) or {}
            params = state.get("params") or {}
            service = model.service_model.service_name
            usage = self._current if self._current is not None else self.unattributed
            usage.requests[f"{service}:{model.name}"] += 1
            ok = http_response is not None and http_response.status_code < 300
            if service == "dynamodb":
                reads, writes = self._dynamodb_units(
                    origin, model.name, params, parsed, ok, state.get("before") or []
                )
                _add(usage.read_units_by_table, reads)
                _add(usage.write_units_by_table, writes)
            elif service == "sqs":
                usage.sqs_requests += _sqs_requests(model.name, params, parsed)
            elif service == "s3":
                if model.name in S3_PUT_TIER:
                    usage.s3_put_requests += 1
                elif model.name not in S3_FREE:
                    usage.s3_get_requests += 1
        finally:
            self.overhead_seconds += time.perf_counter() - started

    # DynamoDB --------------------------------------------------------------------------------
    def _reader(self, origin: Origin) -> Any:
        """The meter's own DynamoDB client (not watched), on the watched client's region and
        endpoint."""
        if origin not in self._readers:
            from botocore.session import get_session

            region, endpoint = origin
            self._readers[origin] = self._original_create_client(
                get_session(), "dynamodb", region_name=region, endpoint_url=endpoint
            )
        return self._readers[origin]

    def _schema(self, origin: Origin, table: str) -> tuple[tuple[str, ...], tuple[_Index, ...]]:
        if (origin, table) not in self._schemas:
            described = self._reader(origin).describe_table(TableName=table)["Table"]
            keys = tuple(k["AttributeName"] for k in described["KeySchema"])
            indexes = tuple(
                _Index(
                    index["IndexName"],
                    tuple(k["AttributeName"] for k in index["KeySchema"]),
                    index["Projection"]["ProjectionType"],
                    tuple(index["Projection"].get("NonKeyAttributes", ())),
                )
                for index in [
                    *described.get("GlobalSecondaryIndexes", []),
                    *described.get("LocalSecondaryIndexes", []),
                ]
            )
            self._schemas[origin, table] = (keys, indexes)
        return self._schemas[origin, table]

    def _stored(self, origin: Origin, table: str, key: Item, fresh: bool = False) -> Item | None:
        """The item stored under ``key``: as last written or read through a watched client, or
        else (and when ``fresh``) read by the meter's own client."""
        slot = (origin, table, json.dumps(key, sort_keys=True, default=str))
        if fresh or slot not in self._known:
            got = self._reader(origin).get_item(TableName=table, Key=dict(key), ConsistentRead=True)
            self._known[slot] = got.get("Item")
        return self._known[slot]

    def _remember(self, origin: Origin, table: str, key: Item, item: Item | None) -> None:
        self._known[origin, table, json.dumps(key, sort_keys=True, default=str)] = item

    def _writes_of(self, operation: str, params: Mapping[str, Any]) -> list[tuple[str, Any]]:
        """(table, what) per item an operation writes; ``what`` is the item of a put or the key
        of an update/delete/condition check, tagged with its kind."""
        if operation == "PutItem":
            return [(params["TableName"], ("Put", params["Item"]))]
        if operation in ("UpdateItem", "DeleteItem"):
            return [(params["TableName"], (operation[:-4], params["Key"]))]
        if operation == "BatchWriteItem":
            found = []
            for table, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    if "PutRequest" in request:
                        found.append((table, ("Put", request["PutRequest"]["Item"])))
                    else:
                        found.append((table, ("Delete", request["DeleteRequest"]["Key"])))
            return found
        if operation == "TransactWriteItems":
            found = []
            for action in params.get("TransactItems", []):
                [(kind, body)] = action.items()
                found.append((body["TableName"], (kind, body.get("Item") or body.get("Key"))))
            return found
        return []

    def _items_before(self, origin: Origin, operation: str, params: Mapping[str, Any]) -> list[Any]:
        before = []
        for table, (kind, what) in self._writes_of(operation, params):
            keys, _ = self._schema(origin, table)
            key = {name: what[name] for name in keys}
            before.append((table, kind, what, key, self._stored(origin, table, key)))
        return before

    def _dynamodb_units(
        self,
        origin: Origin,
        operation: str,
        params: Mapping[str, Any],
        parsed: Mapping[str, Any],
        ok: bool,
        before: list[Any],
    ) -> tuple[Units, Units]:
        """Read and write units of one request, by table."""
        none: Units = {}
        if operation == "GetItem":
            item = parsed.get("Item")
            if "ProjectionExpression" in params or "AttributesToGet" in params:
                item = self._stored(origin, params["TableName"], params["Key"])
            elif ok:
                self._remember(origin, params["TableName"], params["Key"], item)
            units = read_units(item_size(item), bool(params.get("ConsistentRead")))
            return {params["TableName"]: units}, none
        if operation == "BatchGetItem":
            return self._batch_get_units(origin, params, parsed), none
        if operation in ("Query", "Scan"):
            units = self._query_units(origin, operation, params, parsed)
            return {params["TableName"]: units}, none
        if operation == "TransactGetItems":
            reads: Units = defaultdict(float)
            for action, _response in zip(
                params.get("TransactItems", []), parsed.get("Responses") or [], strict=False
            ):
                got = action["Get"]
                item = self._stored(origin, got["TableName"], got["Key"])
                reads[got["TableName"]] += 2 * read_units(item_size(item), True)
            return reads, none
        transactional = operation == "TransactWriteItems"
        unprocessed = parsed.get("UnprocessedItems") or {}
        writes: Units = defaultdict(float)
        for table, kind, what, key, old in before:
            if unprocessed.get(table) and _unprocessed(unprocessed[table], kind, what):
                continue
            table_keys, indexes = self._schema(origin, table)
            if kind == "ConditionCheck":
                writes[table] += 2 * write_units(item_size(old))  # unused here; not re-checked
                continue
            new = old
            if ok:
                new = self._stored(origin, table, key, fresh=True) if kind == "Update" else None
                new = what if kind == "Put" else new
                self._remember(origin, table, key, new)
            attempted = what if kind == "Put" else new if kind == "Update" else None
            one = write_units(max(item_size(old), item_size(attempted)))
            if ok:
                one += sum(index_write_units(ix, table_keys, old, new) for ix in indexes)
            writes[table] += 2 * one if transactional else one
        return none, writes

    def _batch_get_units(
        self, origin: Origin, params: Mapping[str, Any], parsed: Mapping[str, Any]
    ) -> Units:
        units: Units = defaultdict(float)
        unprocessed = parsed.get("UnprocessedKeys") or {}
        for table, request in params.get("RequestItems", {}).items():
            skipped = (unprocessed.get(table) or {}).get("Keys", [])
            for key in request.get("Keys", []):
                if key in skipped:
                    continue
                item = self._stored(origin, table, key)
                units[table] += read_units(item_size(item), bool(request.get("ConsistentRead")))
        return units

    def _query_units(
        self, origin: Origin, operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]
    ) -> float:
        """A Query or Scan is one read of every item it evaluated (before any filter or
        projection): their sizes summed, then rounded up to 4 KB."""
        items = parsed.get("Items") or []
        narrowed = {"FilterExpression", "ProjectionExpression", "AttributesToGet", "Select"}
        if narrowed & set(params) or parsed.get("ScannedCount", len(items)) != len(items):
            plain = {k: v for k, v in params.items() if k not in narrowed}
            used = " ".join(
                str(v) for k, v in plain.items() if k.endswith("Expression") and isinstance(v, str)
            )
            wanted = set(_PLACEHOLDER.findall(used))
            for name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
                if name in plain:
                    kept = {k: v for k, v in plain[name].items() if k in wanted}
                    if kept:
                        plain[name] = kept
                    else:
                        del plain[name]
            reader = self._reader(origin)
            items = getattr(reader, "query" if operation == "Query" else "scan")(**plain).get(
                "Items", []
            )
        size = sum(item_size(item) for item in items)
        return read_units(size, bool(params.get("ConsistentRead")))


def _unprocessed(requests: Sequence[Mapping[str, Any]], kind: str, what: Any) -> bool:
    for request in requests:
        body = request.get("PutRequest", {}).get("Item") or request.get("DeleteRequest", {}).get(
            "Key"
        )
        if body == what:
            return True
    return False


# -- SQS -------------------------------------------------------------------------------------------
def _attributes_size(attributes: Mapping[str, Any] | None) -> int:
    size = 0
    for name, attribute in (attributes or {}).items():
        size += len(name.encode()) + len(str(attribute.get("DataType", "")).encode())
        for field_name in ("StringValue", "BinaryValue"):
            if field_name in attribute:
                raw = attribute[field_name]
                size += len(raw) if isinstance(raw, bytes) else len(str(raw).encode())
    return size


def _chunks(size: int) -> int:
    return max(1, math.ceil(size / SQS_CHUNK_BYTES))


def _sqs_requests(operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> int:
    """Billed SQS requests for one API request: every 64 KB chunk of its payload counts."""
    if operation == "SendMessage":
        return _chunks(
            len(str(params.get("MessageBody", "")).encode())
            + _attributes_size(params.get("MessageAttributes"))
        )
    if operation == "SendMessageBatch":
        return _chunks(
            sum(
                len(str(entry.get("MessageBody", "")).encode())
                + _attributes_size(entry.get("MessageAttributes"))
                for entry in params.get("Entries", [])
            )
        )
    if operation == "ReceiveMessage":
        return _chunks(
            sum(
                len(str(message.get("Body", "")).encode())
                + _attributes_size(message.get("MessageAttributes"))
                for message in parsed.get("Messages", [])
            )
        )
    return 1
