"""Prepaid vouchers on moto: GIVEN callback accounts and voucher lots, WHEN vouchers are generated,
listed, disabled and redeemed through the service, the operator REST routes and the CLI, THEN a
voucher credits its account once (a second or concurrent redemption is refused ``used``), an
expired, disabled, unknown or other-currency voucher is refused with its reason and moves
nothing, a code collision is replaced by a fresh code, and the routes answer with amounts as
decimal text (CSV on ``Accept: text/csv``) and are in /openapi.json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from moto import mock_aws
from motokit import serialize_dynamodb
from platformkit import Platform, running_platform

from chalicelib.accounts.keys import new_operator_key
from chalicelib.billing.accounts import CallbackAccountNotFoundError, CallbackAccounts
from chalicelib.billing.vouchers import VoucherRefusedError, Vouchers
from chalicelib.cli.main import main
from chalicelib.errors import NotFoundError, ValidationError
from chalicelib.settings import Settings
from chalicelib.store.binding import bind
from chalicelib.store.tables import create_tables
from chalicelib.store.vouchers import VoucherRepository
from chalicelib.store.wallets import CallbackLedgerItem, WalletRepository

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
PIN = "20240501"
OTHER = "20240502"


class Codes:
    """Codes in a given order, then random-looking ones: collisions on demand."""

    def __init__(self, *first: str) -> None:
        self.pending = list(first)
        self.count = 0

    def __call__(self) -> str:
        if self.pending:
            return self.pending.pop(0)
        self.count += 1
        return f"{900000000000 + self.count:012d}"


@pytest.fixture
def billing(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CallbackAccounts, Vouchers]]:
    """GIVEN every table on moto in-process, an account in EUR (PIN) and one in GBP (OTHER)."""
    for name, value in {
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    settings = Settings(stage="test", region="eu-west-1", table_prefix="ringflow-unit-")
    with mock_aws():
        bind(settings)
        create_tables(settings)
        wallets = WalletRepository()
        accounts = CallbackAccounts(wallets, {"retail"}.__contains__, NOW.date)
        for pin, currency in ((PIN, "EUR"), (OTHER, "GBP")):
            accounts.create(
                pin, "correct horse", currency=currency, language="en-GB", tariff="retail"
            )
        yield accounts, Vouchers(VoucherRepository(), wallets, lambda: NOW, Codes())


def balance(accounts: CallbackAccounts, pin: str = PIN) -> Decimal:
    return accounts.get(pin).wallet.balance


def test_a_lot_is_generated_and_a_voucher_credits_once(
    billing: tuple[CallbackAccounts, Vouchers],
) -> None:
    accounts, vouchers = billing
    # WHEN a lot of 3 is generated
    made = vouchers.generate("spring", 3, Decimal("10.00"), "EUR", LATER)
    # THEN it has 3 new distinct codes, listed by the lot
    assert len({v.code for v in made}) == 3 and {v.state for v in made} == {"new"}
    assert sorted(v.code for v in vouchers.lot("spring")) == sorted(v.code for v in made)
    # WHEN one is redeemed, typed grouped
    credited = vouchers.redeem(made[0].shown, PIN)
    # THEN the account is credited once, with a ledger entry, and the voucher is redeemed
    assert credited == Decimal("10.00") and balance(accounts) == Decimal("10.00")
    assert accounts.get(PIN).wallet.available == Decimal("10.00")
    entry = CallbackLedgerItem.get(PIN, f"voucher#{made[0].code}", consistent_read=True)
    assert entry.amount == Decimal("10.00")
    used = vouchers.get(made[0].code)
    assert (used.state, used.redeemed_by, used.redeemed_at) == ("redeemed", PIN, NOW)
    # WHEN it is redeemed again: refused "used", nothing moved
    with pytest.raises(VoucherRefusedError) as refused:
        vouchers.redeem(made[0].code, PIN)
    assert refused.value.reason == "used" and balance(accounts) == Decimal("10.00")


def test_a_taken_code_is_replaced_by_a_fresh_one(
    billing: tuple[CallbackAccounts, Vouchers],
) -> None:
    _, vouchers = billing
    # GIVEN a voucher with code 111111111111
    vouchers.codes = Codes("111111111111")
    vouchers.generate("first", 1, Decimal("5"), "EUR", LATER)
    # WHEN a new lot draws that code again
    vouchers.codes = Codes("111111111111", "222222222222", "333333333333")
    made = vouchers.generate("second", 2, Decimal("7"), "EUR", LATER)
    # THEN the taken code was replaced and the first voucher is untouched
    assert sorted(v.code for v in made) == ["222222222222", "333333333333"]
    first = vouchers.get("1111-1111-1111")
    assert (first.lot_id, first.value) == ("first", Decimal("5"))


def test_refusals_say_why_and_move_nothing(billing: tuple[CallbackAccounts, Vouchers]) -> None:
    accounts, vouchers = billing
    soon = NOW + timedelta(minutes=1)
    fresh, short, disabled = (
        vouchers.generate(lot, 1, Decimal("3"), "EUR", expires)[0]
        for lot, expires in (("fresh", LATER), ("short", soon), ("off", LATER))
    )
    assert vouchers.disable_lot("off") == 1
    cases = [
        ("999999999999", PIN, NOW, "unknown"),
        (short.code, PIN, soon, "expired"),
        (disabled.code, PIN, NOW, "disabled"),
        (fresh.code, OTHER, NOW, "currency"),
    ]
    for code, pin, at, reason in cases:
        with pytest.raises(VoucherRefusedError) as refused:
            vouchers.redeem(code, pin, at)
        assert refused.value.reason == reason
    # THEN nothing moved: both balances are zero, every voucher but none is redeemed
    assert balance(accounts) == balance(accounts, OTHER) == 0
    assert {v.state for v in vouchers.lot("fresh") + vouchers.lot("short")} == {"new"}
    # an unknown account and a malformed code are refused before anything is written
    with pytest.raises(CallbackAccountNotFoundError):
        vouchers.redeem(fresh.code, "20249999")
    with pytest.raises(ValidationError):
        vouchers.redeem("1234", PIN)
    assert vouchers.get(fresh.code).state == "new"


def test_disabling_a_lot_keeps_redeemed_vouchers_redeemed(
    billing: tuple[CallbackAccounts, Vouchers],
) -> None:
    accounts, vouchers = billing
    made = vouchers.generate("mixed", 3, Decimal("2.50"), "EUR", LATER)
    vouchers.redeem(made[1].code, PIN)
    assert vouchers.disable_lot("mixed") == 2
    states = {v.code: v.state for v in vouchers.lot("mixed")}
    assert states[made[1].code] == "redeemed" and list(states.values()).count("disabled") == 2
    assert vouchers.disable_lot("mixed") == 0  # again: nothing left to disable
    with pytest.raises(NotFoundError):
        vouchers.disable_lot("nothing")
    assert balance(accounts) == Decimal("2.50")


def test_bad_lots_are_refused_and_write_nothing(
    billing: tuple[CallbackAccounts, Vouchers],
) -> None:
    _, vouchers = billing
    bad: list[tuple[Any, ...]] = [
        ("l", 0, Decimal("1"), "EUR", LATER),
        ("l", 1001, Decimal("1"), "EUR", LATER),
        ("l", 1, Decimal("0"), "EUR", LATER),
        ("l", 1, 1.5, "EUR", LATER),
        ("l", 1, Decimal("1"), "eur", LATER),
        ("l", 1, Decimal("1"), "EUR", NOW),
        ("l", 1, Decimal("1"), "EUR", datetime(2030, 1, 1)),
        ("bad lot", 1, Decimal("1"), "EUR", LATER),
    ]
    for args in bad:
        with pytest.raises(ValidationError):
            vouchers.generate(*args)
    assert vouchers.lot("l") == []


@pytest.fixture
def serializable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads race as requests do on DynamoDB (``motokit``)."""
    serialize_dynamodb(monkeypatch)


@pytest.mark.usefixtures("serializable")
def test_twenty_concurrent_redemptions_credit_exactly_once(
    billing: tuple[CallbackAccounts, Vouchers],
) -> None:
    accounts, vouchers = billing
    code = vouchers.generate("race", 1, Decimal("4.00"), "EUR", LATER)[0].code

    def attempt(_: int) -> str:
        try:
            vouchers.redeem(code, PIN)
        except VoucherRefusedError as refused:
            return refused.reason
        return "credited"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))
    assert outcomes.count("credited") == 1 and outcomes.count("used") == 19
    assert balance(accounts) == Decimal("4.00")


# --- operator REST and CLI ---------------------------------------------------------------

PROBLEM = "application/problem+json"
LOTS = "/v1/operator/voucher-lots"
DECK = (
    "prefix;destination;price_per_minute;connection_fee;first_increment;next_increment\n"
    "44;United Kingdom;0.05;0.01;60;60\n"
)


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, str]]:
    """GIVEN the app on moto with an operator key, a tariff and an account in EUR."""
    with running_platform(monkeypatch) as running:
        running.clock.now = NOW
        key, digest = new_operator_key()
        running.container.settings = replace(running.container.settings, operator_key_hash=digest)
        billing = running.container.services("billing")
        billing.tariffs.load("retail", DECK.encode())
        billing.accounts.create(
            PIN, "correct horse", currency="EUR", language="en-GB", tariff="retail"
        )
        yield running, key


def call(
    platform: tuple[Platform, str],
    method: str,
    path: str,
    payload: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    running, key = platform
    sent = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})}
    body = b"" if payload is None else json.dumps(payload).encode()
    return running.client.http.request(method, path, headers=sent, body=body)


LOT = {"lot_id": "web", "count": 2, "value": "10.00", "currency": "EUR", "expires_at": "2027-12-31"}


def test_rest_generates_lists_redeems_and_disables(platform: tuple[Platform, str]) -> None:
    # WHEN a lot is generated
    made = call(platform, "POST", LOTS, LOT)
    assert made.status_code == 201, made.body
    vouchers = json.loads(made.body)["vouchers"]
    assert len(vouchers) == 2 and vouchers[0]["value"] == "10.00"
    assert vouchers[0]["expires_at"] == "2028-01-01T00:00:00+00:00"
    code = vouchers[0]["code"]
    assert len(code) == 14 and code[4] == code[9] == "-"
    # THEN it is listed
    listed = call(platform, "GET", f"{LOTS}/web")
    assert listed.status_code == 200
    assert {v["code"] for v in json.loads(listed.body)["vouchers"]} == {v["code"] for v in vouchers}
    # WHEN a voucher is redeemed (without its dashes): 200 with the new balance
    redeem = f"/v1/operator/callback-accounts/{PIN}/vouchers"
    done = call(platform, "POST", redeem, {"code": code.replace("-", "")})
    assert done.status_code == 200, done.body
    assert json.loads(done.body)["credited"] == "10.00"
    assert json.loads(done.body)["balance"] == "10.00"
    # AND again: 409 with the reason "used", nothing moved
    again = call(platform, "POST", redeem, {"code": code})
    assert again.status_code == 409 and again.headers["Content-Type"] == PROBLEM
    assert json.loads(again.body)["reason"] == "used"
    unknown = call(platform, "POST", redeem, {"code": "0000-0000-0000"})
    assert json.loads(unknown.body)["reason"] == "unknown"
    # WHEN the lot is disabled: the other voucher is refused "disabled"
    off = call(platform, "POST", f"{LOTS}/web/disable")
    assert off.status_code == 200 and json.loads(off.body)["disabled"] == 1
    refused = call(platform, "POST", redeem, {"code": vouchers[1]["code"]})
    assert refused.status_code == 409 and json.loads(refused.body)["reason"] == "disabled"
    running, _ = platform
    assert running.container.services("billing").accounts.get(PIN).wallet.balance == 10


def test_rest_csv_refusals_and_openapi(platform: tuple[Platform, str]) -> None:
    csv_lot = call(platform, "POST", LOTS, {**LOT, "lot_id": "csv"}, {"Accept": "text/csv"})
    assert csv_lot.status_code == 201 and csv_lot.headers["Content-Type"] == "text/csv"
    lines = csv_lot.body.decode().splitlines()
    assert lines[0] == "code,value,currency,expires_at" and len(lines) == 3
    assert lines[1].split(",")[1:3] == ["10.00", "EUR"]
    # a JSON number as the value, a past expiry, an oversized lot: 422, nothing generated
    for wrong in (
        {**LOT, "lot_id": "bad", "value": 10},
        {**LOT, "lot_id": "bad", "expires_at": "2020-01-01"},
        {**LOT, "lot_id": "bad", "count": 1001},
    ):
        answer = call(platform, "POST", LOTS, wrong)
        assert answer.status_code == 422 and answer.headers["Content-Type"] == PROBLEM
    assert call(platform, "GET", f"{LOTS}/bad").status_code == 404
    paths = json.loads(call(platform, "GET", "/openapi.json").body)["paths"]
    assert "post" in paths[LOTS] and "get" in paths[f"{LOTS}/{{lot_id}}"]
    assert "post" in paths[f"{LOTS}/{{lot_id}}/disable"]
    assert "post" in paths["/v1/operator/callback-accounts/{pin}/vouchers"]


def test_cli_generates_lists_redeems_and_disables(
    platform: tuple[Platform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    generate = ["voucher", "generate", "--lot", "cli", "--count", "2", "--value", "5.00"]
    assert main([*generate, "--currency", "EUR", "--expires", "2027-12-31"]) == 0
    codes = [v["code"] for v in json.loads(capsys.readouterr().out)["vouchers"]]
    assert len(codes) == 2
    assert main(["voucher", "lot", "cli"]) == 0
    assert {v["state"] for v in json.loads(capsys.readouterr().out)["vouchers"]} == {"new"}
    assert main(["voucher", "redeem", PIN, codes[0]]) == 0
    assert json.loads(capsys.readouterr().out)["balance"] == "5.00"
    # a second redemption: one refused line, exit 1
    assert main(["voucher", "redeem", PIN, codes[0]]) == 1
    assert "used" in capsys.readouterr().err
    assert main(["voucher", "disable", "cli"]) == 0
    assert json.loads(capsys.readouterr().out)["disabled"] == 1
    assert main(["voucher", "redeem", PIN, codes[1]]) == 1
    assert "disabled" in capsys.readouterr().err
    assert main(["voucher", "lot", "nothing"]) == 1
    assert capsys.readouterr().err == "refused: no voucher lot nothing\n"
    running, _ = platform
    assert running.container.services("billing").accounts.get(PIN).wallet.balance == 5
