"""A card checkout end to end, all on loopback: GIVEN the app served over HTTP on moto and the
stand-in for Stripe's API, WHEN an operator starts a checkout (REST or CLI), which the app's
stripe library makes at the stand-in, and the payer pays on the stand-in's page, THEN the
stand-in sends the signed ``checkout.session.completed`` event to the app's webhook, the payer is
sent to the success URL, and the account is credited once (Stripe's resend credits nothing); a
purchase makes one new account whose id and password the buyer gets once; an unpaid session
moves nothing; and a checkout the stand-in refuses is a 502 problem."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
import requests
from paymentkit import EUR_PIN, Payments, platform_with_payments

from chalicelib.cli.main import main

TOP_UP = "/v1/operator/card-checkouts/top-up"
NEW_ACCOUNT = "/v1/operator/card-checkouts/new-account"


@pytest.fixture
def payments(monkeypatch: pytest.MonkeyPatch) -> Iterator[Payments]:
    with platform_with_payments(monkeypatch) as running:
        yield running


def pay(url: str, outcome: str = "") -> requests.Response:
    """The payer presses Pay on the stand-in's page (no redirect followed)."""
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Pay" in page.text
    query = f"?outcome={outcome}" if outcome else ""
    return requests.post(url + query, timeout=30, allow_redirects=False)


def test_a_top_up_by_card_is_credited_once(payments: Payments) -> None:
    # WHEN an operator starts a top-up of 7.50 for the account
    started = payments.operator("POST", TOP_UP, {"account_id": EUR_PIN, "amount": "7.50"})
    assert started.status_code == 201, started.body
    checkout = json.loads(started.body)
    assert checkout["url"].startswith(payments.stripe.url + "/pay/cs_test_")
    assert (checkout["amount"], checkout["currency"]) == ("7.50", "EUR")
    # THEN the stand-in got the session the stripe library asked for
    session = payments.stripe.state.sessions[checkout["session_id"]]
    assert (session["amount_total"], session["currency"]) == (750, "eur")
    assert session["metadata"]["account_id"] == EUR_PIN
    assert payments.balance() == 0
    # WHEN the payer pays: the event reaches the app, the payer goes to the success URL
    paid = pay(checkout["url"])
    assert paid.status_code == 303 and paid.headers["X-Webhook-Status"] == "200"
    assert paid.headers["Location"] == f"{payments.app_url}/payments/paid"
    assert requests.get(paid.headers["Location"], timeout=10).json() == {"state": "paid"}
    assert payments.balance() == Decimal("7.50")
    # AND Stripe resends the event: nothing more is credited
    resend = requests.post(
        f"{payments.stripe.url}/_stripe/sessions/{checkout['session_id']}/resend", timeout=30
    )
    assert resend.json() == {"status": 200}
    assert payments.balance() == Decimal("7.50")
    assert [status for _, status in payments.stripe.state.deliveries] == [200, 200]


def test_a_purchase_by_card_makes_one_account_shown_once(payments: Payments) -> None:
    request = {"tariff": "retail", "currency": "EUR", "language": "en-GB", "amount": "15"}
    started = payments.operator("POST", NEW_ACCOUNT, request)
    assert started.status_code == 201, started.body
    checkout = json.loads(started.body)
    paid = pay(checkout["url"])
    assert paid.status_code == 303
    # the success page says the account is made, without its password
    got = requests.get(paid.headers["Location"], timeout=10)
    assert got.status_code == 200, (got.status_code, got.text, paid.headers["Location"])
    state = got.json()
    assert state["state"] == "created"
    shown = requests.post(paid.headers["Location"] + "/credentials", timeout=10)
    assert shown.status_code == 200
    credentials = shown.json()
    account = payments.billing.accounts.authenticate(
        credentials["account_id"], credentials["password"]
    )
    assert account.wallet.balance == Decimal(15)
    again = requests.post(paid.headers["Location"] + "/credentials", timeout=10)
    assert again.status_code == 409 and again.json()["reason"] == "shown"


def test_an_unpaid_session_moves_nothing(payments: Payments) -> None:
    started = payments.operator("POST", TOP_UP, {"account_id": EUR_PIN, "amount": "2"})
    checkout = json.loads(started.body)
    assert pay(checkout["url"], outcome="unpaid").headers["X-Webhook-Status"] == "200"
    assert payments.balance() == 0


def test_checkout_refusals(payments: Payments) -> None:
    # an unknown account, an amount finer than the currency: refused before Stripe is asked
    unknown = payments.operator("POST", TOP_UP, {"account_id": "20249999", "amount": "2"})
    assert unknown.status_code == 404
    fine = payments.operator("POST", TOP_UP, {"account_id": EUR_PIN, "amount": "2.001"})
    assert fine.status_code == 422
    assert (
        payments.operator("POST", TOP_UP, {"account_id": EUR_PIN, "amount": 2}).status_code == 422
    )
    assert payments.stripe.state.sessions == {}
    # WHEN the stand-in refuses the secret key: 502, nothing made
    container = payments.platform.container
    container.settings = replace(container.settings, stripe_secret_key="sk_test_wrong")
    container._services.clear()
    refused = payments.operator("POST", TOP_UP, {"account_id": EUR_PIN, "amount": "2"})
    assert refused.status_code == 502 and "Invalid API Key" in json.loads(refused.body)["detail"]


def test_the_cli_starts_a_card_top_up(
    payments: Payments, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["callback-account", "card-top-up", EUR_PIN, "4.20"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["url"].startswith(payments.stripe.url) and shown["amount"] == "4.20"
    pay(shown["url"])
    assert payments.balance() == Decimal("4.20")
