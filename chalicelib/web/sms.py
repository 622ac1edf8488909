"""The Vonage SMS webhooks (GET, form POST or JSON POST): inbound SMS and delivery receipts.

Verifies ``sig`` by the account's signature method (401 and no change when missing or wrong,
unless the local stage turned checking off), parses, and hands an inbound message to the SMS
inbox, a delivery receipt to the sent-SMS record. Answers 204 so the provider stops retrying; a
malformed delivery gets a problem+json 400 and changes nothing.

Owns the ``sms`` blueprint. Imports the Vonage adapter, the wiring and ``web.problems``; must not
import pynamodb, the store, the vonage SDK or another route module.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.ops.observability import MetricName, count, logger
from chalicelib.telephony.vonage import urls, webhooks
from chalicelib.telephony.vonage.signatures import (
    SignatureError,
    SmsSignatureMethod,
    verify_sms_params,
)
from chalicelib.web.problems import problem
from chalicelib.wiring import container

sms = Blueprint(__name__)


def _bytes(raw: str | bytes | None) -> bytes:
    if raw is None:
        return b""
    return raw.encode() if isinstance(raw, str) else raw


def _signed_payload(what: str) -> dict[str, object] | Response:
    """The request's parameters once decoded and their ``sig`` verified (by the account's
    signature method), or the problem to answer."""
    c = container()
    settings = c.settings
    request = sms.current_request
    try:
        payload = webhooks.decode_payload(
            request.method,
            dict(request.query_params or {}),
            _bytes(request.raw_body),
            request.headers.get("content-type"),
        )
    except webhooks.WebhookParseError as error:
        return problem(400, str(error))
    if settings.checks_signatures:
        try:
            verify_sms_params(
                {k: str(v) for k, v in payload.items()},
                settings.vonage_signature_secret,
                SmsSignatureMethod(settings.vonage_sms_signature_method),
                c.clock(),
                settings.signature_window_seconds,
            )
        except SignatureError as error:
            count(MetricName.SIGNATURE_REJECTIONS)
            return problem(401, f"{what} signature refused: {error}")
    return dict(payload)


@sms.route(
    urls.SMS_INBOUND_PATH,
    methods=["GET", "POST"],
    content_types=["application/json", "application/x-www-form-urlencoded"],
)
def inbound_sms() -> Response:
    """An inbound SMS (or one part of a longer one)."""
    payload = _signed_payload("SMS")
    if isinstance(payload, Response):
        return payload
    try:
        message = webhooks.parse_inbound_sms(payload)
    except webhooks.WebhookParseError as error:
        return problem(400, str(error))
    whole = container().sms_inbox.receive(message)
    if whole is not None:
        count(MetricName.SMS_RECEIVED)
        logger.info("sms received", extra={"message_id": whole.message_id, "to": whole.to_number})
    return Response(body="", status_code=204)


@sms.route(
    urls.SMS_STATUS_PATH,
    methods=["GET", "POST"],
    content_types=["application/json", "application/x-www-form-urlencoded"],
)
def sms_status() -> Response:
    """A delivery receipt of an SMS the platform sent. A retry, or a receipt older than the
    final status already recorded, changes nothing and is answered 204 too; when the status
    cannot be recorded now the answer is 429 (retry later), never a 5xx."""
    payload = _signed_payload("delivery receipt")
    if isinstance(payload, Response):
        return payload
    try:
        receipt = webhooks.parse_delivery_receipt(payload)
    except webhooks.WebhookParseError as error:
        return problem(400, str(error))
    try:
        recorded = container().sms_delivery.reported(receipt)
    except Exception:
        count(MetricName.RECEIPT_FAILURES)
        logger.exception("delivery receipt not recorded", extra={"message_id": receipt.message_id})
        return problem(
            429,
            "the delivery receipt could not be recorded now; retry later",
            headers={"Retry-After": "60"},
        )
    logger.info(
        "sms status",
        extra={"message_id": receipt.message_id, "status": receipt.status, "recorded": recorded},
    )
    return Response(body="", status_code=204)
