"""The SMS delivery-receipt webhook parsed as Vonage sends it (SPEC ``sms.yml``
``DeliveryReceipt``, FACTS §3.6), and the rule that a final status is never overwritten."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.messaging.receipts import is_final
from chalicelib.telephony.vonage.webhooks import WebhookParseError, parse_delivery_receipt

SPEC_EXAMPLE = {
    "msisdn": "447700900000",
    "to": "AcmeInc",
    "network-code": "12345",
    "messageId": "0A0000001234567B",
    "price": "0.03330000",
    "status": "delivered",
    "scts": "2001011400",
    "err-code": "0",
    "api-key": "abcd1234",
    "client-ref": "my-personal-reference",
    "message-timestamp": "2020-01-01 12:00:00",
    "timestamp": "1582650446",
    "nonce": "ec11dd3e-1e7f-4db5-9467-82b02cd223b9",
    "sig": "1A20E4E2069B609FDA6CECA9DE18D5CAFE99720DDB628BD6BE8B19942A336E1C",
}


def test_the_specs_example_receipt_parses() -> None:
    receipt = parse_delivery_receipt(SPEC_EXAMPLE)
    assert (receipt.message_id, receipt.status, receipt.error_code) == (
        "0A0000001234567B",
        "delivered",
        "0",
    )
    assert receipt.to_number == "447700900000" and receipt.client_ref == "my-personal-reference"
    assert receipt.reported_at == datetime(2020, 1, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "change",
    [{"status": "read"}, {"messageId": ""}, {"msisdn": ""}, {"err-code": "x1"}],
)
def test_a_bad_receipt_is_refused(change: dict[str, str]) -> None:
    with pytest.raises(WebhookParseError):
        parse_delivery_receipt({**SPEC_EXAMPLE, **change})


def test_only_accepted_and_buffered_are_on_the_way() -> None:
    statuses = ["delivered", "expired", "failed", "rejected", "accepted", "buffered", "unknown"]
    assert [s for s in statuses if not is_final(s)] == ["accepted", "buffered"]
