"""``make bench``: a call list of ``BENCH_CALLLIST_ROWS`` rows (100,000: about 5 MB) loaded into a
campaign as the platform loads it, against a plain DynamoDB batch-write of the same rows on the
same backend (moto in-process). The campaign's path is the real one: the file is kept in the
uploads bucket, a queued task reads it (``campaigns.calllist``) and queues its chunks, and each
chunk's task stores its contacts (BatchWriteItem) and counts them on the campaign once; here one
chunk is delivered twice, as SQS may. Tasks are taken from the queue and run by the task worker
as Lambda's event source would (the campaign's dispatch and dial tasks are left alone: nothing
is dialled). Prints rows per second for both, their ratio (the figure: target at least 0.8), the
file's size, and the contacts stored and counted (exactly the rows: nothing lost or doubled).
Asserts nothing; ``run`` returns the figures.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

ROWS = int(os.environ.get("BENCH_CALLLIST_ROWS", "100000"))
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
ACCOUNT = "bench"
FLOW = {
    "id": "bench-survey",
    "name": "Bench survey",
    "kind": "outbound",
    "language": "en-GB",
    "start": "bye",
    "variables": {"name": "there", "ref": ""},
    "nodes": {"bye": {"widget": "hangup", "text": "Hello $flow.key.name."}},
}
DID = "447700900990"


@dataclass
class ListFigures:
    """What one run measured."""

    rows: int
    file_bytes: int
    campaign_seconds: float
    batch_seconds: float
    stored: int
    counted: int
    chunks: int
    baseline_stored: int

    @property
    def ratio(self) -> float:
        return (self.rows / self.campaign_seconds) / (self.rows / self.batch_seconds)


def call_list(rows: int) -> bytes:
    """A call list as a spreadsheet writes it: tel1, tel2 and two flow keys (about 50 bytes a
    row: 100,000 rows are some 5 MB)."""
    lines = ["tel1,tel2,$flow.key.name,$flow.key.ref"]
    for n in range(rows):
        lines.append(f"4477009{n:05d},4477008{n:05d},Customer {n},o{n:07d}")
    return ("\r\n".join(lines) + "\r\n").encode()


@contextmanager
def platform() -> Iterator[Any]:
    """A container on moto in-process with the tables, buckets and queue, an activated flow."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from moto import mock_aws

    from chalicelib.settings import Settings
    from chalicelib.store import binding
    from chalicelib.store.errors import StoreError
    from chalicelib.wiring import Container
    from infra.local.stack import provision

    try:
        before: Settings | None = binding.bound_settings()
    except StoreError:
        before = None
    settings = Settings(stage="local", region="eu-west-1", table_prefix="ringflow-lists-")
    try:
        with mock_aws():
            provision(settings)
            container = Container(settings)
            admin = container.admin
            admin.create_account(ACCOUNT, "Bench", "en-GB")
            admin.load_flow(ACCOUNT, json.dumps(FLOW))
            admin.provision_number(ACCOUNT, DID)
            admin.attach_number(ACCOUNT, DID, FLOW["id"])
            container.services("campaigns").campaigns.activate(ACCOUNT, FLOW["id"])
            yield container
    finally:
        if before is not None:
            binding.bind(before)


def _drain(container: Any, twice: set[str]) -> int:
    """Run the queued reading and loading tasks until none is left; a chunk in ``twice`` is
    delivered a second time. Returns the chunks run."""
    queue = container.task_queue_url
    chunks = 0
    while True:
        got = container.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        messages = got.get("Messages", [])
        if not messages:
            return chunks
        for message in messages:
            body = message["Body"]
            kind = json.loads(body)["kind"]
            if kind in ("campaign_read_call_list", "campaign_load_contacts"):
                container.tasks.run(body)
                if kind == "campaign_load_contacts":
                    chunks += 1
                    key = json.loads(body)["effect"]["key"]
                    if key.endswith(":0") and key not in twice:
                        twice.add(key)
                        container.tasks.run(body)  # delivered again (its marker says done)
                        _again(container, body)
            container.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])


def _again(container: Any, body: str) -> None:
    """Run a chunk's task as a redelivery that finds no done marker (the worker died after
    storing it): its contacts are written again and its count is not added twice."""
    from chalicelib.calls.tasks import decode_task

    account_id, effect = decode_task(body)
    container.services("campaigns").call_lists.load_chunk(effect, account_id)


def measure(rows: int = ROWS) -> ListFigures:
    """Load a ``rows``-row call list both ways on one backend."""
    data = call_list(rows)
    with platform() as container:
        lists = container.services("campaigns").call_lists
        campaigns = container.services("campaigns").campaigns
        started = time.perf_counter()
        upload = lists.received(ACCOUNT, FLOW["id"], "calls.csv", data, "bench@example.com", "")
        chunks = _drain(container, set())
        campaign_seconds = time.perf_counter() - started
        upload = lists.uploads.get(upload.upload_id)
        if upload.state != "loaded":
            raise RuntimeError(f"the call list was {upload.state}: {upload.error}")
        campaign = campaigns.campaigns.get(upload.campaign_id)
        stored = campaigns.contacts.count(campaign.campaign_id)
        # the baseline: the same contacts, batch-written straight to the table
        from chalicelib.campaigns.model import Contact

        contacts = [
            Contact(
                "baseline",
                f"r{n + 2:07d}",
                (f"4477009{n:05d}", f"4477008{n:05d}"),
                {"name": f"Customer number {n}", "ref": f"order-{n:08d}"},
                due_at=campaign.created_at,
                row=n + 2,
            )
            for n in range(rows)
        ]
        started = time.perf_counter()
        campaigns.contacts.load(contacts)
        batch_seconds = time.perf_counter() - started
        baseline = campaigns.contacts.count("baseline")
    return ListFigures(
        rows=rows,
        file_bytes=len(data),
        campaign_seconds=campaign_seconds,
        batch_seconds=batch_seconds,
        stored=stored,
        counted=campaign.total,
        chunks=chunks,
        baseline_stored=baseline,
    )


def run() -> ListFigures:
    """Print the call list's load against the plain batch-write."""
    print(
        f"call list: {ROWS} rows loaded into a campaign (read, chunked through the task queue,"
        " one chunk delivered twice) vs a plain BatchWriteItem of the same rows, moto in-process"
    )
    figures = measure(ROWS)
    print(f"  file {figures.file_bytes / 1e6:.2f} MB, {figures.chunks} chunks")
    campaign = figures.rows / figures.campaign_seconds
    batch = figures.rows / figures.batch_seconds
    print(
        f"  campaign path {campaign:,.0f} rows/s ({figures.campaign_seconds:.1f} s), batch-write"
        f" {batch:,.0f} rows/s ({figures.batch_seconds:.1f} s): ratio {figures.ratio:.2f}"
        " (target >= 0.8)"
    )
    print(
        f"  contacts stored {figures.stored}, counted on the campaign {figures.counted}, rows"
        f" {figures.rows} (baseline stored {figures.baseline_stored})"
    )
    return figures
