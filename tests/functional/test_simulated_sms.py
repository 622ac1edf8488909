"""The SMS a flow sends, end to end against the simulated network: the carrier's delivery
receipt comes after its delay, signed by the account's signature method (also the dashboard's
default MD5 hash), and the app records it against the SMS it sent (``GET /v1/sms/{id}``); a
retried or late receipt changes nothing; a send throttled by the SMS API (status 1) is retried
and goes out once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from platformkit import running_platform
from test_simulated_calls import World

from chalicelib.simulator.api import RateLimiter
from chalicelib.simulator.dispatch import Origin
from chalicelib.simulator.payloads import delivery_receipt
from chalicelib.simulator.receipts import DeliveryPlan, ReceiptStatus
from chalicelib.telephony.vonage.client import VonageClient
from chalicelib.telephony.vonage.signatures import SmsSignatureMethod

CUSTOMER = "447700900001"
PULL_NUMBER = "447700900100"
STATUS_URL = "https://hooks.example.com/vonage/sms/status"


def world_signing_with(
    method: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[World]:
    """A World whose account (app setting and simulated Vonage account) signs SMS webhooks by
    ``method``."""
    with running_platform(monkeypatch) as platform:
        container = platform.container
        container.settings = replace(container.settings, vonage_sms_signature_method=method)
        built = World(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


@pytest.fixture(params=["md5hash", "sha256"])
def world(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[World]:
    yield from world_signing_with(request.param, monkeypatch, tmp_path)


def send_pull_app_sms(world: World) -> str:
    """Alice calls the pull app, presses 2, and the queued SMS goes out: its message id."""
    world.network.call(CUSTOMER, PULL_NUMBER, [{"press": "2"}])
    assert [t["kind"] for t in world.run_tasks()] == ["send_sms"]
    [sms] = world.network.outbox()
    return sms.message_ids[0]


def shown(world: World, message_id: str) -> dict[str, Any]:
    answer = world.platform.api("GET", f"/v1/sms/{message_id}")
    assert answer.status_code == 200, answer.body
    return dict(json.loads(answer.body))


def test_the_delivery_receipt_is_recorded_against_the_sent_sms(world: World) -> None:
    """FACTS §3.6 (SPEC ``sms.yml`` ``DeliveryReceipt``) and §4.2: the receipt is signed by the
    account's method, whichever the dashboard says (MD5 hash by default)."""
    # GIVEN an SMS the pull app sent, receipts 30 s after a send
    world.network.sms_receipts.default = DeliveryPlan(delay_seconds=30.0)
    message_id = send_pull_app_sms(world)
    # THEN before the receipt the SMS shows as submitted
    before = shown(world, message_id)
    assert (before["status"], before["final"], before["to_number"]) == (
        "submitted",
        False,
        CUSTOMER,
    )
    # WHEN the network runs past the delay
    world.network.run_until_idle()
    # THEN the app accepted the signed receipt (204) and shows the SMS delivered
    [receipt] = [r for r in world.network.webhook_log() if r.kind == "sms-status"]
    assert receipt.status == 204, receipt.response_body
    after = shown(world, message_id)
    assert (after["status"], after["final"], after["error_code"]) == ("delivered", True, "0")
    assert after["price"] == "0.03330000"


def test_a_late_or_retried_receipt_never_overwrites_a_final_status(world: World) -> None:
    # GIVEN an SMS to a number whose network fails it
    world.network.set_sms_delivery(CUSTOMER, DeliveryPlan(ReceiptStatus.FAILED))
    message_id = send_pull_app_sms(world)
    world.network.run_until_idle()
    [sms] = world.network.outbox()
    # WHEN a late "buffered" receipt and a repeat of the final one arrive
    for status in ("buffered", "failed"):
        params = delivery_receipt(
            api_key="apikey",
            sms=sms,
            message_id=message_id,
            status=status,
            err_code="8" if status == "failed" else "0",
            price="0.03330000",
            now=world.platform.clock(),
        )
        record = world.network.dispatcher.deliver_receipt(STATUS_URL, params, Origin(None, None))
        # THEN each is answered 204 (the carrier stops retrying) ...
        assert record.status == 204
    # ... and the SMS still shows the first final status
    after = shown(world, message_id)
    assert (after["status"], after["error_code"]) == ("failed", "8")


def test_a_receipt_with_a_wrong_signature_is_refused_and_changes_nothing(world: World) -> None:
    message_id = send_pull_app_sms(world)
    [sms] = world.network.outbox()
    other = (
        SmsSignatureMethod.SHA256_HMAC
        if world.network.app.sms_signature_method is SmsSignatureMethod.MD5_HASH
        else SmsSignatureMethod.MD5_HASH
    )
    world.network.app = world.network.dispatcher.app = replace(
        world.network.app, sms_signature_method=other
    )
    params = delivery_receipt(
        api_key="apikey",
        sms=sms,
        message_id=message_id,
        status="delivered",
        err_code="0",
        price="0.03330000",
        now=world.platform.clock(),
    )
    record = world.network.dispatcher.deliver_receipt(STATUS_URL, params, Origin(None, None))
    assert record.status == 401
    assert shown(world, message_id)["status"] == "submitted"


def test_another_accounts_or_an_unknown_sms_is_not_found(world: World) -> None:
    assert world.platform.api("GET", "/v1/sms/0A0000000123ABCD").status_code == 404
    answer = world.platform.api("GET", "/v1/sms/" + "x" * 300)
    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_a_throttled_send_is_retried_and_goes_out_once(world: World) -> None:
    """FACTS §5: above 30 requests/s the SMS API answers status 1 "Throttled"; the client backs
    off and tries again (a Lambda's bucket knows nothing of the other Lambdas' sends)."""
    # GIVEN an SMS API whose second is already full of other sends
    seconds = [0.0]
    limiter = RateLimiter(30, 1.0, lambda: seconds[0])
    for _ in range(30):
        limiter.allow("apikey")
    world.server.api.sms_limiter = limiter
    carrier = world.platform.container.carrier
    slept: list[float] = []

    def sleep(delay: float) -> None:
        slept.append(delay)
        seconds[0] += delay

    world.platform.container.__dict__["carrier"] = VonageClient(
        carrier.config, sleep=sleep, jitter=lambda: 0.0
    )
    # WHEN the pull app's SMS is sent
    message_id = send_pull_app_sms(world)
    # THEN it was throttled, the client waited, and it went out exactly once
    assert len(slept) >= 1 and seconds[0] >= 1.0  # refused until the full second passed
    assert len(world.network.outbox()) == 1
    assert shown(world, message_id)["status"] == "submitted"
