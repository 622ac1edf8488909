"""The example product (the tip jar, ``tests/exampleproduct``) installed in a real container on
moto, through the Chalice app: GIVEN a flow that uses its widgets on a number, WHEN a call is
answered, THEN the caller hears the product's hold message, the call's typed data is stored with
its state, the product's effect is queued and run into the product's own table (once, however
often the queue delivers it), and the timer, held back by the queue, wakes the call and moves
the live leg to the rest of the flow."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from exampleproduct.model import TipJar
from exampleproduct.product import PRODUCT
from exampleproduct.registries import restored
from fakes import RecordingCarrier
from platformkit import ACCOUNT, ALICE, Platform, running_platform

from chalicelib.telephony.actions import Hangup, Say

TIP_NUMBER = "447700900200"
TIPS = {
    "id": "tips",
    "name": "Takes a tip, holds, thanks",
    "kind": "inbound",
    "language": "en-GB",
    "start": "tip",
    "nodes": {
        "tip": {"widget": "tip", "amount": "0.50", "next": "hold"},
        "hold": {"widget": "pause", "text": "Please hold.", "seconds": 1, "next": "thanks"},
        "thanks": {"widget": "say", "text": "Thank you.", "next": "bye"},
        "bye": {"widget": "hangup"},
    },
}
LEG = "aaaaaaaa-0000-4000-8000-00000000a001"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with restored(), running_platform(monkeypatch, products=[PRODUCT]) as platform:
        admin = platform.container.admin
        admin.load_flow(ACCOUNT, TIPS)
        admin.set_listener(ACCOUNT, "tips", True)
        admin.provision_number(ACCOUNT, TIP_NUMBER)
        admin.attach_number(ACCOUNT, TIP_NUMBER, "tips")
        yield platform


def _tasks(platform: Platform, wait_seconds: float) -> list[dict[str, Any]]:
    """Task messages the queue hands out within ``wait_seconds`` (as SQS records)."""
    sqs, url = platform.container.sqs, platform.container.task_queue_url
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        messages += [
            {"messageId": m["MessageId"], "body": m["Body"]} for m in got.get("Messages", [])
        ]
        time.sleep(0.1)
    return messages


def test_a_product_installed_from_its_own_package_runs_a_call_end_to_end(
    platform: Platform,
) -> None:
    carrier = RecordingCarrier()
    platform.container.__dict__["carrier"] = carrier
    # WHEN a call to the tip number is answered
    payload = {"from": ALICE, "to": TIP_NUMBER, "uuid": LEG, "conversation_uuid": "CON-tip"}
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", payload).body)
    # THEN the caller hears the product's hold message, repeated until the timer moves them on
    assert [(a["action"], a["text"], a.get("loop")) for a in ncco] == [("talk", "Please hold.", 0)]
    # AND the call's typed data is stored with its state
    assert platform.container.calls.get(LEG).data_of(TipJar) == TipJar(Decimal("0.50"), 1)
    # AND only the tip task is handed out at once: the timer is held back by the queue
    now = _tasks(platform, 0.3)
    assert [json.loads(m["body"])["kind"] for m in now] == ["example_record_tip"]
    later = _tasks(platform, 2.5)
    assert [json.loads(m["body"])["kind"] for m in later] == ["schedule_timer"]
    # WHEN the task handler runs them, the tip twice (a redelivery)
    result = platform.container.tasks.run_batch([*now, *now, *later])
    assert result == {"batchItemFailures": []}
    # THEN the tip is in the product's own table once
    assert platform.container.services("tipjar").tips.total(ACCOUNT) == Decimal("0.50")
    # AND the timer moved the live leg on to the rest of the flow
    assert carrier.pushed == [("transfer", LEG, (Say("Thank you.", "en-GB"), Hangup()))]
