"""Lots of callback accounts on moto: GIVEN the platform with a tariff and an operator key, WHEN a
lot is started through the service, the operator REST routes and the CLI, THEN its accounts are
made by queued chunks (each chunk once, however often its task runs), with random digit ids of
the asked length and prefix and 12-digit passwords that authenticate; the lot shows its progress;
its ids and passwords are exported once (a second export is refused ``exported`` and shows no
password), never before every account is made; a taken id is replaced; disabling the lot
disables every account by queued chunks, idempotently, so they neither authenticate nor pass a
PIN callback; and bad lots are refused with 422 and write nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from platformkit import Platform, running_platform

from chalicelib.accounts.keys import new_operator_key
from chalicelib.billing.account_lots import AccountLots, ExportRefusedError, new_account_id
from chalicelib.billing.accounts import AuthenticationFailedError
from chalicelib.callback.queries import PinQuery, PinRefused
from chalicelib.cli.main import main
from chalicelib.errors import ValidationError

LOTS = "/v1/operator/callback-account-lots"
PROBLEM = "application/problem+json"
DECK = (
    "prefix;destination;price_per_minute;connection_fee;first_increment;next_increment\n"
    "44;United Kingdom;0.05;0.01;60;60\n"
)


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, str]]:
    """GIVEN the app on moto with an operator key and tariff ``retail``; lots in chunks of 2."""
    with running_platform(monkeypatch) as running:
        key, digest = new_operator_key()
        running.container.settings = replace(running.container.settings, operator_key_hash=digest)
        billing = running.container.services("billing")
        billing.tariffs.load("retail", DECK.encode())
        billing.account_lots.chunk = 2
        yield running, key


def lots(platform: tuple[Platform, str]) -> AccountLots:
    running, _ = platform
    service: AccountLots = running.container.services("billing").account_lots
    return service


def run_queued(platform: tuple[Platform, str]) -> list[str]:
    """Run every queued task once, as the task handler does, and delete it: their bodies."""
    running, _ = platform
    sqs, url = running.container.sqs, running.container.task_queue_url
    bodies: list[str] = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            return bodies
        for message in got:
            running.container.tasks.run(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            bodies.append(message["Body"])


def call(platform: tuple[Platform, str], method: str, path: str, payload: Any = None) -> Any:
    running, key = platform
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = b"" if payload is None else json.dumps(payload).encode()
    return running.client.http.request(method, path, headers=headers, body=body)


def test_a_lot_is_made_in_queued_chunks_and_exported_once(platform: tuple[Platform, str]) -> None:
    service = lots(platform)
    running, _ = platform
    billing = running.container.services("billing")
    # WHEN a lot of 5 is started: nothing is made yet, 3 chunks are queued
    lot = service.start(
        "spring",
        5,
        tariff="retail",
        currency="EUR",
        language="en-GB",
        balance=Decimal("2.50"),
        id_length=9,
        prefix="77",
    )
    assert (lot.state, lot.created) == ("creating", 0)
    # THEN an export before the accounts are made is refused "creating"
    with pytest.raises(ExportRefusedError) as early:
        service.export("spring")
    assert early.value.reason == "creating"
    # WHEN the queued chunks run
    assert len(run_queued(platform)) == 3
    made = service.get("spring")
    assert (made.state, made.created, made.count) == ("ready", 5, 5)
    # AND a chunk runs again (a redelivered task): nothing more is made
    assert service.make("spring", 0) == 0 and service.get("spring").created == 5
    # WHEN the lot is exported
    exported, shown = service.export("spring")
    assert exported.secret is None and exported.exported_at is not None
    assert len({a.account_id for a in shown}) == 5
    for account in shown:
        assert len(account.account_id) == 9 and account.account_id.startswith("77")
        assert len(account.password) == 12 and account.password.isdigit()
    # THEN every password authenticates its account, which has the lot's settings
    for account in shown:
        signed_in = billing.accounts.authenticate(account.account_id, account.password)
        assert signed_in.wallet.balance == Decimal("2.50") and signed_in.tariff == "retail"
    # AND a second export is refused "exported", with no password
    with pytest.raises(ExportRefusedError) as again:
        service.export("spring")
    assert again.value.reason == "exported"


def test_a_taken_id_is_replaced_by_a_fresh_one(platform: tuple[Platform, str]) -> None:
    service = lots(platform)
    running, _ = platform
    billing = running.container.services("billing")
    billing.accounts.create(
        "1111111111", "correct horse", currency="EUR", language="en-GB", tariff="retail"
    )
    drawn = iter(["1111111111", "2222222222"])
    service.ids = lambda length, prefix: next(drawn, None) or new_account_id(length, prefix)
    service.start("clash", 2, tariff="retail", currency="EUR", language="en-GB", queue=False)
    assert service.make("clash", 0) == 2
    _, shown = service.export("clash")
    ids = {a.account_id for a in shown}
    assert "1111111111" not in ids and "2222222222" in ids and len(ids) == 2
    # the account that held the id is untouched
    assert billing.accounts.authenticate("1111111111", "correct horse").wallet.balance == 0


def test_disabling_a_lot_disables_every_account(platform: tuple[Platform, str]) -> None:
    service = lots(platform)
    running, _ = platform
    billing = running.container.services("billing")
    engine = running.container.services("callback").engine
    service.start("off", 3, tariff="retail", currency="EUR", language="en-GB", balance=Decimal(1))
    run_queued(platform)
    members = service.repository.members("off")
    passwords = dict((a.account_id, a.password) for a in service.export("off")[1])
    # WHEN the lot is disabled: its state changes at once, its accounts by queued chunks
    assert service.disable("off").state == "disabled"
    assert len(run_queued(platform)) == 2
    # THEN every account is disabled: no password authenticates, no PIN callback passes
    assert service.get("off").disabled == 3
    for account_id in members:
        assert billing.accounts.get(account_id).enabled is False
        with pytest.raises(AuthenticationFailedError):
            billing.accounts.authenticate(account_id, passwords[account_id])
        assert engine.pin(PinQuery(account_id, "447700900001")) == PinRefused("disabled")
    # AND disabling again changes nothing and counts nothing twice
    assert service.disable("off").state == "disabled"
    run_queued(platform)
    assert service.get("off").disabled == 3


def test_a_lot_disabled_while_made_makes_no_more(platform: tuple[Platform, str]) -> None:
    service = lots(platform)
    service.start("halt", 4, tariff="retail", currency="EUR", language="en-GB", queue=False)
    assert service.make("halt", 0) == 2
    service.disable("halt", queue=False)
    # THEN the next chunk makes nothing, the made ones are disabled, nothing can be exported
    assert service.make("halt", 1) == 0
    lot = service.get("halt")
    assert (lot.state, lot.created, lot.disabled) == ("disabled", 2, 2)
    with pytest.raises(ExportRefusedError) as refused:
        service.export("halt")
    assert refused.value.reason == "disabled"


def test_bad_lots_are_refused_and_write_nothing(platform: tuple[Platform, str]) -> None:
    service = lots(platform)
    good: dict[str, Any] = {"tariff": "retail", "currency": "EUR", "language": "en-GB"}
    bad: list[tuple[str, int, dict[str, Any]]] = [
        ("a", 0, good),
        ("a", 1001, good),
        ("bad lot", 1, good),
        ("a", 1, {**good, "currency": "eur"}),
        ("a", 1, {**good, "language": "xx-XX"}),
        ("a", 1, {**good, "balance": 1.5}),
        ("a", 1, {**good, "id_length": 5}),
        ("a", 1, {**good, "id_length": 17}),
        ("a", 1, {**good, "id_length": 8, "prefix": "123"}),
        ("a", 1, {**good, "prefix": "12a"}),
    ]
    for lot, count, options in bad:
        with pytest.raises(ValidationError):
            service.start(lot, count, **options)
    assert service.all() == []


def test_rest_starts_lists_exports_once_and_disables(platform: tuple[Platform, str]) -> None:
    body = {"lot_id": "web", "count": 3, "tariff": "retail", "currency": "EUR"}
    body |= {"language": "en-GB", "balance": "5.00", "id_length": 8}
    started = call(platform, "POST", LOTS, body)
    assert started.status_code == 202, started.body
    assert json.loads(started.body)["state"] == "creating"
    # a retried start (its queue may have failed) queues its chunks again: they make no more
    retried = call(platform, "POST", LOTS, body)
    assert retried.status_code == 202 and json.loads(retried.body)["count"] == 3
    assert call(platform, "POST", LOTS, {**body, "count": 4}).status_code == 409  # another lot's
    early = call(platform, "GET", f"{LOTS}/web/export")
    assert early.status_code == 409 and json.loads(early.body)["reason"] == "creating"
    assert len(run_queued(platform)) == 4  # 2 chunks, queued twice
    one = json.loads(call(platform, "GET", f"{LOTS}/web").body)
    assert (one["state"], one["created"], one["exported"]) == ("ready", 3, False)
    listed = json.loads(call(platform, "GET", LOTS).body)["lots"]
    assert [lot["lot_id"] for lot in listed] == ["web"]
    # the export: CSV with every id and password, then never again
    exported = call(platform, "GET", f"{LOTS}/web/export")
    assert exported.status_code == 200 and exported.headers["Content-Type"] == "text/csv"
    assert exported.headers["Cache-Control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(exported.body.decode())))
    assert len(rows) == 3 and {row["balance"] for row in rows} == {"5.00"}
    assert all(len(r["account_id"]) == 8 and len(r["password"]) == 12 for r in rows)
    again = call(platform, "GET", f"{LOTS}/web/export")
    assert again.status_code == 409 and again.headers["Content-Type"] == PROBLEM
    assert json.loads(again.body)["reason"] == "exported"
    assert not any(row["password"] in again.body.decode() for row in rows)
    assert json.loads(call(platform, "GET", f"{LOTS}/web").body)["exported"] is True
    # disable: 200 disabled, its accounts by queued chunks
    off = call(platform, "POST", f"{LOTS}/web/disable")
    assert off.status_code == 200 and json.loads(off.body)["state"] == "disabled"
    run_queued(platform)
    assert json.loads(call(platform, "GET", f"{LOTS}/web").body)["disabled"] == 3
    # refusals: 404 unknown lot, 422 bad input (nothing written)
    assert call(platform, "GET", f"{LOTS}/nothing").status_code == 404
    assert call(platform, "POST", f"{LOTS}/nothing/disable").status_code == 404
    for wrong in (
        {**body, "lot_id": "bad", "count": 1001},
        {**body, "lot_id": "bad", "balance": 5},
        {**body, "lot_id": "bad", "prefix": "12345"},
        {**body, "lot_id": "bad", "tariff": "missing"},
    ):
        answer = call(platform, "POST", LOTS, wrong)
        assert answer.status_code in (404, 422) and answer.headers["Content-Type"] == PROBLEM
    assert call(platform, "GET", f"{LOTS}/bad").status_code == 404
    paths = json.loads(call(platform, "GET", "/openapi.json").body)["paths"]
    assert {"post", "get"} <= set(paths[LOTS]) and "get" in paths[LOTS + "/{lot_id}"]
    assert "get" in paths[LOTS + "/{lot_id}/export"]
    assert "post" in paths[LOTS + "/{lot_id}/disable"]


def test_cli_creates_lists_exports_once_and_disables(
    platform: tuple[Platform, str], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    create = ["callback-lot", "create", "cli", "--count", "3", "--tariff", "retail"]
    assert main([*create, "--currency", "EUR", "--language", "en-GB", "--balance", "1"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["state"] == "ready" and "3 of 3 accounts made" in out.err
    assert main(["callback-lot", "list"]) == 0
    assert [lot["lot_id"] for lot in json.loads(capsys.readouterr().out)["lots"]] == ["cli"]
    assert main(["callback-lot", "show", "cli"]) == 0
    assert json.loads(capsys.readouterr().out)["created"] == 3
    target = tmp_path / "cli.csv"
    assert main(["callback-lot", "export", "cli", "--out", str(target)]) == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 3
    running, _ = platform
    accounts = running.container.services("billing").accounts
    assert accounts.authenticate(rows[0]["account_id"], rows[0]["password"]).enabled
    # a second export: one refused line, exit 1, no file left behind
    again = tmp_path / "again.csv"
    assert main(["callback-lot", "export", "cli", "--out", str(again)]) == 1
    assert "exported already" in capsys.readouterr().err and not again.exists()
    assert main(["callback-lot", "disable", "cli"]) == 0
    assert json.loads(capsys.readouterr().out)["disabled"] == 3
    assert accounts.get(rows[0]["account_id"]).enabled is False
    assert main(["callback-lot", "show", "nothing"]) == 1
    assert capsys.readouterr().err == "refused: no account lot nothing\n"
