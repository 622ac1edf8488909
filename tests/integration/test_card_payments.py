"""Card payments' webhook on moto: GIVEN the platform with accounts in EUR and GBP and Stripe's
webhook signing secret, WHEN Stripe's events are posted to ``/payments/stripe/webhook`` signed
with the stripe library's own scheme, THEN a paid ``checkout.session.completed`` credits its
account once (a replay, and twenty concurrent duplicates, credit nothing more) or makes its new
account once, whose id and password are shown once; a bad, missing, tampered or expired
signature is a 400 problem and changes nothing; a session that does not match what it bought
(unknown account, other currency, other amount) is a 422 problem with its reason and moves
nothing; other events and unpaid sessions are acknowledged and ignored."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from motokit import serialize_dynamodb
from paymentkit import (
    EUR_PIN,
    GBP_PIN,
    Payments,
    event,
    paid_session,
    platform_with_payments,
    signed,
)

from chalicelib.billing.card import CredentialsShownError, PaymentSignatureError

PROBLEM = "application/problem+json"


@pytest.fixture
def payments(monkeypatch: pytest.MonkeyPatch) -> Iterator[Payments]:
    with platform_with_payments(monkeypatch) as running:
        yield running


def top_up(amount: str = "12.50", units: int = 1250, currency: str = "eur", **extra: str) -> bytes:
    metadata = {"purpose": "top_up", "account_id": EUR_PIN, "amount": amount, "currency": "EUR"}
    return event(paid_session({**metadata, **extra}, units, currency))


def test_a_paid_top_up_credits_once_and_a_replay_nothing(payments: Payments) -> None:
    # GIVEN a signed event of a paid top-up of 12.50 EUR
    payload = top_up()
    # WHEN it is posted: 200, credited
    first = payments.post_webhook(payload, signed(payload))
    assert first.status_code == 200, first.body
    assert json.loads(first.body) == {"received": True, "action": "credited"}
    assert payments.balance() == Decimal("12.50")
    # WHEN Stripe sends it again (signed again, later): 200, nothing more
    again = payments.post_webhook(payload, signed(payload))
    assert again.status_code == 200 and json.loads(again.body)["action"] == "replayed"
    assert payments.balance() == Decimal("12.50")


@pytest.mark.usefixtures("serialized")
def test_twenty_concurrent_duplicates_credit_once(payments: Payments) -> None:
    payload = top_up("3", 300)
    header = signed(payload)
    service = payments.billing.card_payments
    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(lambda _: service.webhook(payload, header).action, range(20)))
    assert outcomes.count("credited") == 1 and outcomes.count("replayed") == 19
    assert payments.balance() == Decimal("3")


@pytest.fixture
def serialized(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads race as requests do on DynamoDB (``motokit``)."""
    serialize_dynamodb(monkeypatch)


def test_bad_signatures_are_refused_and_change_nothing(payments: Payments) -> None:
    payload = top_up()
    tampered = payload.replace(b'"12.50"', b'"99.00"').replace(b"1250", b"9900")
    cases = {
        "wrong secret": (payload, signed(payload, "whsec_someone_else")),
        "missing": (payload, None),
        "garbled": (payload, "t=abc,v1=zz"),
        "tampered body": (tampered, signed(payload)),
        "expired": (payload, signed(payload, timestamp=int(time.time()) - 301)),
    }
    for name, (body, header) in cases.items():
        answer = payments.post_webhook(body, header)
        assert answer.status_code == 400, name
        assert answer.headers["Content-Type"] == PROBLEM, name
    assert payments.balance() == 0
    with pytest.raises(PaymentSignatureError):
        payments.billing.card_payments.webhook(b"not json", signed(b"not json"))


def test_mismatched_sessions_are_refused_with_their_reason(payments: Payments) -> None:
    cases = {
        "unknown_account": top_up(account_id="20249999"),
        "currency": top_up(units=1250, currency="gbp"),
        "amount": top_up(units=1200),
        "metadata": top_up(amount="12.505", units=1250),
    }
    gbp = {"purpose": "top_up", "account_id": GBP_PIN, "amount": "5", "currency": "EUR"}
    cases["currency of the account"] = event(paid_session(gbp, 500, "eur"))
    for name, payload in cases.items():
        answer = payments.post_webhook(payload, signed(payload))
        assert answer.status_code == 422, name
        assert answer.headers["Content-Type"] == PROBLEM
        assert json.loads(answer.body)["reason"] == name.split(" ")[0], name
    assert payments.balance() == payments.balance(GBP_PIN) == 0


def test_other_events_and_unpaid_sessions_are_ignored(payments: Payments) -> None:
    metadata = {"purpose": "top_up", "account_id": EUR_PIN, "amount": "1", "currency": "EUR"}
    ignored = [
        event(paid_session(metadata, 100, "eur"), kind="payment_intent.succeeded"),
        event(paid_session(metadata, 100, "eur", payment_status="unpaid")),
        event(paid_session({"purpose": "someone else's"}, 100, "eur")),
        event(paid_session(metadata, 100, "eur"), kind="checkout.session.expired"),
    ]
    for payload in ignored:
        answer = payments.post_webhook(payload, signed(payload))
        assert answer.status_code == 200 and json.loads(answer.body)["action"] == "ignored"
    assert payments.balance() == 0
    # a delayed payment that succeeds later is credited by its own event
    late = event(paid_session(metadata, 100, "eur"), "checkout.session.async_payment_succeeded")
    assert json.loads(payments.post_webhook(late, signed(late)).body)["action"] == "credited"
    assert payments.balance() == Decimal(1)


def test_a_paid_purchase_makes_one_account_shown_once(payments: Payments) -> None:
    metadata = {
        "purpose": "new_account",
        "tariff": "retail",
        "language": "es-ES",
        "amount": "20",
        "currency": "EUR",
    }
    session = paid_session(metadata, 2000, "eur")
    payload = event(session)
    # WHEN the purchase is paid, and the event comes twice
    made = payments.post_webhook(payload, signed(payload))
    assert made.status_code == 200 and json.loads(made.body)["action"] == "created"
    again = payments.post_webhook(payload, signed(payload))
    assert json.loads(again.body)["action"] == "replayed"
    # THEN one account was made: its state says so, without a password
    state = payments.platform.client.http.get(f"/payments/checkouts/{session['id']}")
    view = json.loads(state.body)
    assert view["state"] == "created" and len(view["account_id"]) == 10
    # AND its id and password are shown once, and they authenticate
    path = f"/payments/checkouts/{session['id']}/credentials"
    shown = payments.platform.client.http.post(path)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    credentials = json.loads(shown.body)
    assert credentials["account_id"] == view["account_id"] and credentials["balance"] == "20"
    account = payments.billing.accounts.authenticate(
        credentials["account_id"], credentials["password"]
    )
    assert (account.tariff, account.language, account.currency) == ("retail", "es-ES", "EUR")
    second = payments.platform.client.http.post(path)
    assert second.status_code == 409 and json.loads(second.body)["reason"] == "shown"
    assert credentials["password"] not in second.body.decode()
    with pytest.raises(CredentialsShownError):
        payments.billing.card_payments.claim_credentials(session["id"])
    # a session that paid nothing yet: pending, and no credentials (404)
    pending = "cs_test_nothing_paid"
    assert (
        json.loads(payments.platform.client.http.get(f"/payments/checkouts/{pending}").body)[
            "state"
        ]
        == "pending"
    )
    assert (
        payments.platform.client.http.post(f"/payments/checkouts/{pending}/credentials").status_code
        == 404
    )


def test_a_purchase_of_a_tariff_gone_is_refused(payments: Payments) -> None:
    metadata = {
        "purpose": "new_account",
        "tariff": "gone",
        "language": "en-GB",
        "amount": "5",
        "currency": "EUR",
    }
    payload = event(paid_session(metadata, 500, "eur"))
    answer = payments.post_webhook(payload, signed(payload))
    assert answer.status_code == 422 and json.loads(answer.body)["reason"] == "tariff"
