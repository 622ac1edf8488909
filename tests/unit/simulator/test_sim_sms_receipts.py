"""The SMS API on the in-process simulator: delivery receipts after a configurable delay, signed
by the account's signature method (the dashboard's default MD5 hash too), the 30-requests-per-
second throughput and its status 1, and ``sig`` checked by the account's method only."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from simkit import APP_BASE, SECRET, FakeApp, network_for, sequence

from chalicelib.simulator.api import ApiRequest, RateLimiter, SimulatorApi
from chalicelib.simulator.model import SmsInboundMethod
from chalicelib.simulator.network import Network
from chalicelib.simulator.receipts import DeliveryPlan, ReceiptStatus
from chalicelib.telephony.vonage.signatures import (
    SignatureError,
    SmsSignatureMethod,
    sign_sms_params,
    verify_sms_params,
)

CUSTOMER = "447700900001"
LVN = "447700900100"
STATUS_URL = f"{APP_BASE}/sms-status"


def receipts_network(app: FakeApp, **overrides: object) -> Network:
    return network_for(app, sms_status_url=STATUS_URL, **overrides)


def send(api: SimulatorApi, **params: str) -> dict[str, str]:
    """One ``POST /sms/json`` as the SDK sends it (form body, key and secret)."""
    fields = {"api_key": "testkey", "api_secret": "testsecret", "from": LVN, "to": CUSTOMER}
    fields.update({"text": "Your code is 1234", **params})
    request = ApiRequest(
        "POST",
        "/sms/json",
        headers={"content-type": "application/x-www-form-urlencoded"},
        body=urlencode(fields).encode(),
    )
    answer = api.handle(request)
    assert answer.status == 200
    return first_message(answer.body)


def first_message(body: bytes) -> dict[str, str]:
    return dict(json.loads(body)["messages"][0])


# -- delivery receipts ------------------------------------------------------------------------


def test_the_delivery_receipt_comes_after_the_configured_delay_with_the_providers_fields() -> None:
    """SPEC ``sms.yml`` ``DeliveryReceipt`` (FACTS §3.6): ``msisdn`` is the recipient, ``to``
    the sender, ``messageId`` the id ``/sms/json`` answered, ``scts`` YYMMDDHHMM."""
    # GIVEN an account with a delivery-receipt URL, receipts 5 s after the send
    app = FakeApp({"/sms-status": 204})
    network = receipts_network(app)
    network.sms_receipts.default = DeliveryPlan(delay_seconds=5.0)
    api = SimulatorApi(network)
    # WHEN the application sends an SMS with a client reference
    sent = send(api, **{"client-ref": "order-7"})
    network.run_for(4.9)
    before = list(app.at("/sms-status"))
    network.run_for(0.2)
    # THEN nothing came before 5 s; then one receipt: delivered, err-code 0
    assert before == []
    [request] = app.at("/sms-status")
    fields = {k: str(v) for k, v in request.fields.items()}
    assert fields["messageId"] == sent["message-id"] and fields["status"] == "delivered"
    assert (fields["msisdn"], fields["to"], fields["err-code"]) == (CUSTOMER, LVN, "0")
    assert fields["client-ref"] == "order-7" and fields["api-key"] == "testkey"
    assert re.fullmatch(r"\d{10}", fields["scts"]) and fields["price"] == "0.03330000"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", fields["message-timestamp"])


@pytest.mark.parametrize("method", list(SmsSignatureMethod))
def test_receipts_are_signed_by_the_accounts_signature_method(method: SmsSignatureMethod) -> None:
    """FACTS §4.2: the dashboard offers MD5 hash (its default), MD5/SHA1/SHA-256/SHA-512 HMAC;
    the ``sig`` of an SMS webhook follows that setting, with ``nonce`` and ``timestamp``."""
    # GIVEN an account signing by ``method``
    app = FakeApp({"/sms-status": 200})
    network = receipts_network(app, sms_signature_method=method)
    # WHEN an SMS is sent and its receipt comes
    send(SimulatorApi(network))
    network.run_until_idle()
    # THEN the receipt verifies by that method and by no other
    fields = {k: str(v) for k, v in app.at("/sms-status")[0].fields.items()}
    assert "nonce" in fields and "timestamp" in fields
    verify_sms_params(fields, SECRET, method, network.clock.now())
    for other in set(SmsSignatureMethod) - {method}:
        with pytest.raises(SignatureError):
            verify_sms_params(fields, SECRET, other, network.clock.now())


def test_a_fresh_account_signs_with_the_dashboards_default_md5_hash() -> None:
    """FACTS §4.2: "MD5 hash (default)"."""
    app = FakeApp({"/sms-status": 204, "/sms": 204})
    network = receipts_network(app)
    assert network.app.sms_signature_method is SmsSignatureMethod.MD5_HASH
    network.receive_sms(CUSTOMER, LVN, "hello")
    fields = {k: str(v) for k, v in app.at("/sms")[0].fields.items()}
    verify_sms_params(fields, SECRET, SmsSignatureMethod.MD5_HASH, network.clock.now())


@pytest.mark.parametrize(
    ("status", "err_code"),
    [(ReceiptStatus.FAILED, "8"), (ReceiptStatus.EXPIRED, "2"), (ReceiptStatus.REJECTED, "6")],
)
def test_a_number_can_fail_expire_or_reject_with_a_non_zero_err_code(
    status: ReceiptStatus, err_code: str
) -> None:
    """SPEC ``sms.yml``: ``err-code`` "Will be a non 0 value if there has been an error"."""
    app = FakeApp({"/sms-status": 204})
    network = receipts_network(app, sms_method=SmsInboundMethod.POST_FORM)
    network.set_sms_delivery(CUSTOMER, DeliveryPlan(status))
    send(SimulatorApi(network))
    network.run_until_idle()
    [request] = app.at("/sms-status")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert (request.fields["status"], request.fields["err-code"]) == (status.value, err_code)


def test_each_part_of_a_long_sms_gets_its_own_receipt() -> None:
    """Delivery receipts docs: "If your message is longer than a single SMS, you receive a
    DLR for each part" (DOCS "Delivery receipts")."""
    app = FakeApp({"/sms-status": 204})
    network = receipts_network(app)
    sent = send(SimulatorApi(network), text="a" * 200)
    network.run_until_idle()
    ids = [r.fields["messageId"] for r in app.at("/sms-status")]
    outbox_ids = list(network.outbox()[0].message_ids)
    assert ids == outbox_ids and len(ids) == 2 and sent["message-id"] == ids[0]


def test_callback_overrides_the_account_url_and_status_report_req_false_sends_none() -> None:
    """SPEC ``sms.yml``: ``callback`` "overrides the webhook endpoint you set in Dashboard";
    ``status-report-req`` (default true) asks for a receipt."""
    app = FakeApp({"/sms-status": 204, "/other": 204})
    network = receipts_network(app)
    api = SimulatorApi(network)
    send(api, callback=f"{APP_BASE}/other")
    send(api, **{"status-report-req": "false"})
    network.run_until_idle()
    assert len(app.at("/other")) == 1 and app.at("/sms-status") == []


def test_a_receipt_is_retried_until_the_app_accepts_it() -> None:
    app = FakeApp({"/sms-status": sequence(500, 200)})
    network = receipts_network(app)
    send(SimulatorApi(network))
    network.run_until_idle()
    assert [r.kind for r in network.webhook_log()] == ["sms-status", "sms-status"]
    assert [r.status for r in network.webhook_log()] == [500, 200]


def test_no_status_url_no_receipt() -> None:
    app = FakeApp({})
    network = network_for(app)
    send(SimulatorApi(network))
    network.run_until_idle()
    assert network.webhook_log() == []


# -- throughput -------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_above_30_requests_a_second_the_sms_api_answers_status_1_throttled() -> None:
    """FACTS §5: 30 API requests/s per API key; status 1 "Throttled" when exceeded (support
    article 203993598; SPEC ``sms.yml`` x-errors "1")."""
    # GIVEN the SMS API on a clock that stands still
    clock = FakeTime()
    network = network_for(FakeApp({}))
    api = SimulatorApi(network, sms_limiter=RateLimiter(30, 1.0, clock))
    # WHEN 31 SMS are sent within one second
    answers = [send(api) for _ in range(31)]
    # THEN 30 are accepted, the 31st throttled and not sent
    assert [a["status"] for a in answers[:30]] == ["0"] * 30
    assert answers[30]["status"] == "1"
    assert answers[30]["error-text"].startswith("Throughput Rate Exceeded")
    assert len(network.outbox()) == 30
    # AND a second later sending works again
    clock.now = 1.0
    assert send(api)["status"] == "0"


# -- the send's signature ---------------------------------------------------------------------


@pytest.mark.parametrize("method", [SmsSignatureMethod.MD5_HASH, SmsSignatureMethod.SHA256_HMAC])
def test_a_signed_send_must_use_the_accounts_method(method: SmsSignatureMethod) -> None:
    """FACTS §4.2: Vonage checks ``sig`` with the method the account chose; a request signed
    by another method is "Invalid Signature" (status 14)."""
    network = network_for(FakeApp({}), sms_signature_method=method)
    api = SimulatorApi(network)
    other = (
        SmsSignatureMethod.SHA256_HMAC
        if method is SmsSignatureMethod.MD5_HASH
        else SmsSignatureMethod.MD5_HASH
    )
    params = {"api_key": "testkey", "from": LVN, "to": CUSTOMER, "text": "hi"}
    results = []
    for signing in (method, other):
        signed = sign_sms_params(params, SECRET, signing, network.clock.now())
        request = ApiRequest(
            "POST",
            "/sms/json",
            headers={"content-type": "application/x-www-form-urlencoded"},
            body=urlencode(signed).encode(),
        )
        results.append(first_message(api.handle(request).body)["status"])
    assert results == ["0", "14"]
