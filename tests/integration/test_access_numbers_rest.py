"""Callback access numbers and PIN lockouts through the operator REST routes and the CLI: GIVEN
the app on moto with an operator key (the callback product installed), WHEN access numbers are
PUT, read, listed, tried with caller ids and deleted, and a caller number locked and unlocked,
THEN the answers are 201/200/204 with the configuration, every bad request a 4xx problem that
changes nothing, the routes are in /openapi.json; and ``ringflow access-number`` / ``lockout``
do the same, refusing in ``refused:`` lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from platformkit import ACCOUNT, Platform, running_platform

from chalicelib.accounts.keys import new_operator_key
from chalicelib.callback.access import AccessNumber
from chalicelib.cli.main import main

PROBLEM = "application/problem+json"
ANI = {
    "kind": "ani",
    "tenant": ACCOUNT,
    "language": "en-GB",
    "rules": [{"prefix": "0", "replace": "420"}],
    "country": "CZ",
}
PATH = "/v1/operator/access-numbers/420234000111"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, str]]:
    with running_platform(monkeypatch) as running:
        key, digest = new_operator_key()
        running.container.settings = replace(running.container.settings, operator_key_hash=digest)
        yield running, key


def call(platform: tuple[Platform, str], method: str, path: str, payload: Any = None) -> Any:
    running, key = platform
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = b"" if payload is None else json.dumps(payload).encode()
    return running.client.http.request(method, path, headers=headers, body=body)


def answer(response: Any) -> Any:
    return json.loads(response.body)


def test_an_access_number_is_created_replaced_read_listed_and_deleted(
    platform: tuple[Platform, str],
) -> None:
    # WHEN an ANI access number is PUT / THEN 201 with its configuration, defaults filled in
    created = call(platform, "PUT", "/v1/operator/access-numbers/+420234000111", ANI)
    assert created.status_code == 201, created.body
    assert answer(created) == {
        "number": "420234000111",
        "kind": "ani",
        "tenant": ACCOUNT,
        "language": "en-GB",
        "rules": [{"prefix": "0", "replace": "420"}],
        "account_id": None,
        "internal_account": None,
        "delay_seconds": 5,
        "flow_id": "callback",
        "country": "CZ",
        "lock_minutes": 30,
        "enabled": True,
        "mail_address": None,
    }
    # AND replaced as a PIN number: 200
    pin = {
        "kind": "pin",
        "tenant": ACCOUNT,
        "language": "en-GB",
        "internal_account": "900001",
        "delay_seconds": 0,
        "lock_minutes": 45,
        "enabled": False,
    }
    replaced = call(platform, "PUT", PATH, pin)
    assert replaced.status_code == 200, replaced.body
    read = answer(call(platform, "GET", PATH))
    assert (read["kind"], read["internal_account"], read["rules"], read["enabled"]) == (
        "pin",
        "900001",
        [],
        False,
    )
    # AND a DNIS number beside it; both listed
    dnis = {"kind": "dnis", "tenant": ACCOUNT, "language": "en-GB", "account_id": "6192345678"}
    assert call(platform, "PUT", PATH[:-1] + "2", dnis).status_code == 201
    listed = call(platform, "GET", "/v1/operator/access-numbers")
    assert listed.status_code == 200
    assert [a["number"] for a in answer(listed)["items"]] == ["420234000111", "420234000112"]
    first = answer(call(platform, "GET", "/v1/operator/access-numbers?limit=1"))
    assert len(first["items"]) == 1 and first["next"]
    # WHEN deleted / THEN 204 and gone
    deleted = call(platform, "DELETE", PATH)
    assert deleted.status_code == 204
    assert call(platform, "GET", PATH).status_code == 404


def test_a_caller_id_is_tried_against_an_access_number(platform: tuple[Platform, str]) -> None:
    call(platform, "PUT", PATH, ANI)
    tried = call(platform, "POST", PATH + "/translate", {"caller_id": "0602123456"})
    assert tried.status_code == 200, tried.body
    assert answer(tried) == {
        "access_number": "420234000111",
        "caller_id": "0602123456",
        "number": "420602123456",
        "reason": None,
        "detail": "rule 0=420",
        "candidate": None,
    }
    for caller_id, reason in (("anonymous", "withheld"), ("5464", "garbled")):
        verdict = answer(call(platform, "POST", PATH + "/translate", {"caller_id": caller_id}))
        assert (verdict["number"], verdict["reason"]) == (None, reason)
    seed = answer(call(platform, "POST", PATH + "/translate", {"caller_id": "02345464"}))
    assert (seed["number"], seed["reason"]) == ("4202345464", None)  # the seed's own example


@pytest.mark.parametrize(
    ("method", "path", "payload", "status", "detail"),
    [
        ("PUT", PATH, {**ANI, "kind": "sms"}, 422, "the request is not valid"),
        (
            "PUT",
            PATH,
            {**ANI, "language": "xx-XX"},
            422,
            "access number '420234000111' is not valid",
        ),
        ("PUT", PATH, {**ANI, "account_id": "6192345678"}, 422, "the request is not valid"),
        ("PUT", PATH, {**ANI, "kind": "dnis"}, 422, "the request is not valid"),
        ("PUT", PATH, {**ANI, "kind": "pin"}, 422, "the request is not valid"),
        ("PUT", PATH, {**ANI, "rules": [{"prefix": "0x", "replace": "4"}]}, 422, None),
        ("PUT", PATH, {**ANI, "delay_seconds": 901}, 422, "the request is not valid"),
        ("PUT", PATH, {**ANI, "lock_minutes": 0}, 422, "the request is not valid"),
        ("PUT", PATH, {**ANI, "country": "ZZ"}, 422, None),
        ("PUT", PATH, {**ANI, "colour": "red"}, 422, "the request is not valid"),
        ("PUT", PATH, {**ANI, "mail_address": "not an address"}, 422, None),
        ("PUT", PATH, {**ANI, "mail_address": "a@b"}, 422, None),
        (
            "PUT",
            PATH,
            {**ANI, "rules": [{"prefix": "0", "replace": "420"}, {"prefix": "0", "replace": ""}]},
            422,
            "access number '420234000111' is not valid",
        ),
        (
            "PUT",
            "/v1/operator/access-numbers/12",
            ANI,
            422,
            "access number '12' is not valid",
        ),
        (
            "PUT",
            PATH,
            {**ANI, "tenant": "nobody"},
            404,
            "no account 'nobody' (the access number's tenant)",
        ),
        ("PUT", PATH, "not an object", 422, "the request is not valid"),
        ("PUT", PATH, None, 400, "the body is not JSON"),
        ("GET", PATH, None, 404, "no access number 420234000111"),
        ("DELETE", PATH, None, 404, "no access number 420234000111"),
        ("POST", PATH + "/translate", {"caller_id": "0602123456"}, 404, None),
        ("POST", PATH + "/translate", {"caller": "1"}, 422, "the request is not valid"),
        ("GET", "/v1/operator/access-numbers?limit=0", None, 422, "limit '0' is not 1 to 100"),
        ("GET", "/v1/operator/access-numbers?after=x", None, 422, None),
        ("GET", "/v1/operator/lockouts/0602", None, 422, None),
        ("DELETE", "/v1/operator/lockouts/420602123456", None, 404, None),
    ],
)
def test_every_bad_request_is_a_problem_and_changes_nothing(
    platform: tuple[Platform, str],
    method: str,
    path: str,
    payload: Any,
    status: int,
    detail: str | None,
) -> None:
    refused = call(platform, method, path, payload)
    assert refused.status_code == status, refused.body
    assert refused.headers["Content-Type"] == PROBLEM
    if detail is not None:
        assert answer(refused)["detail"] == detail
    assert call(platform, "GET", PATH).status_code == 404
    assert answer(call(platform, "GET", "/v1/operator/access-numbers"))["items"] == []


def test_the_422s_say_what_is_wrong_field_by_field(platform: tuple[Platform, str]) -> None:
    doubled = {**ANI, "rules": [{"prefix": "0", "replace": "420"}, {"prefix": "0", "replace": ""}]}
    assert answer(call(platform, "PUT", PATH, doubled))["errors"] == [
        "rules.1.prefix: '0' has another rule already"
    ]
    missing = answer(call(platform, "PUT", PATH, {**ANI, "kind": "dnis"}))["errors"]
    assert [error["field"] for error in missing] == ["dnis.account_id"]


def test_a_locked_caller_is_shown_and_unlocked(platform: tuple[Platform, str]) -> None:
    running, _ = platform
    service = running.container.services("callback").access_numbers
    pin = AccessNumber("420234000113", "pin", ACCOUNT, "en-GB", internal_account="900001")
    # GIVEN a caller locked after three wrong PINs
    until = service.lock_caller(pin, "420602123456")
    assert until == running.clock() + timedelta(minutes=30)
    shown = call(platform, "GET", "/v1/operator/lockouts/+420602123456")
    assert shown.status_code == 200
    assert answer(shown)["number"] == "420602123456" and answer(shown)["locked"] is True
    # WHEN unlocked / THEN 204, not locked any more, and a second unlock is a 404
    assert call(platform, "DELETE", "/v1/operator/lockouts/420602123456").status_code == 204
    after = answer(call(platform, "GET", "/v1/operator/lockouts/420602123456"))
    assert after == {"number": "420602123456", "locked": False, "locked_until": None}
    again = call(platform, "DELETE", "/v1/operator/lockouts/420602123456")
    assert answer(again)["detail"] == "caller number 420602123456 is not locked"
    # AND a lock that ran out reads as none
    service.lock_caller(pin, "420602123456")
    running.clock.advance(30 * 60)
    assert answer(call(platform, "GET", "/v1/operator/lockouts/420602123456"))["locked"] is False


def test_the_routes_need_the_operator_key_and_are_documented(
    platform: tuple[Platform, str],
) -> None:
    running, _ = platform
    assert running.api("GET", PATH).status_code == 401
    assert running.api("DELETE", "/v1/operator/lockouts/420602123456").status_code == 401
    doc = answer(running.client.http.get("/openapi.json"))
    put = doc["paths"]["/v1/operator/access-numbers/{number}"]["put"]
    assert put["security"] == [{"operatorKey": []}]
    assert set(put["responses"]) >= {"200", "201", "default"}
    request = doc["components"]["schemas"]["AccessNumberRequest"]
    assert request["discriminator"]["propertyName"] == "kind"
    for path, methods in (
        ("/v1/operator/access-numbers", {"get"}),
        ("/v1/operator/access-numbers/{number}", {"put", "get", "delete"}),
        ("/v1/operator/access-numbers/{number}/translate", {"post"}),
        ("/v1/operator/lockouts/{number}", {"get", "delete"}),
    ):
        assert set(doc["paths"][path]) == methods


def test_the_cli_configures_tries_and_unlocks(
    platform: tuple[Platform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    running, _ = platform
    put = ["access-number", "put", "+420234000111", "--kind", "ani", "--tenant", ACCOUNT]
    assert main([*put, "--language", "en-GB", "--rule", "0=420", "--country", "CZ"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["created"], out["rules"]) == (True, [{"prefix": "0", "replace": "420"}])
    assert main(["access-number", "show", "420234000111"]) == 0
    assert json.loads(capsys.readouterr().out)["country"] == "CZ"
    assert main(["access-number", "list", "--limit", "5"]) == 0
    assert [a["number"] for a in json.loads(capsys.readouterr().out)["items"]] == ["420234000111"]
    assert main(["access-number", "translate", "420234000111", "0602123456"]) == 0
    assert json.loads(capsys.readouterr().out)["number"] == "420602123456"
    # refused: a bad rule, a DNIS number without its account, an unknown number
    assert main([*put, "--language", "en-GB", "--rule", "0x420"]) == 1
    assert capsys.readouterr().err == (
        "refused: translation rule '0x420' is not valid: rule '0x420' is not PREFIX=REPLACE\n"
    )
    dnis = ["access-number", "put", "420234000112", "--kind", "dnis", "--tenant", ACCOUNT]
    assert main([*dnis, "--language", "en-GB"]) == 1
    assert capsys.readouterr().err == (
        "refused: access number '420234000112' is not valid: "
        "account_id: a dnis access number needs one\n"
    )
    assert main(["access-number", "show", "420234000199"]) == 1
    assert capsys.readouterr().err == "refused: no access number 420234000199\n"
    # lockouts
    service = running.container.services("callback").access_numbers
    pin = AccessNumber("420234000113", "pin", ACCOUNT, "en-GB", internal_account="900001")
    service.lock_caller(pin, "420602123456")
    assert main(["lockout", "show", "420602123456"]) == 0
    assert json.loads(capsys.readouterr().out)["locked"] is True
    assert main(["lockout", "clear", "420602123456"]) == 0
    assert json.loads(capsys.readouterr().out) == {"number": "420602123456", "locked": False}
    assert main(["lockout", "clear", "420602123456"]) == 1
    assert capsys.readouterr().err == "refused: caller number 420602123456 is not locked\n"
    assert main(["access-number", "delete", "420234000111"]) == 0
    assert json.loads(capsys.readouterr().out)["deleted"] is True


def test_a_mail_address_belongs_to_one_access_number(platform: tuple[Platform, str]) -> None:
    running, _ = platform
    service = running.container.services("callback").access_numbers
    # WHEN an access number is given an address, in any case / THEN it is kept lower-cased
    created = call(platform, "PUT", PATH, {**ANI, "mail_address": "Callback@Example.COM"})
    assert created.status_code == 201, created.body
    assert answer(created)["mail_address"] == "callback@example.com"
    assert service.find_by_mail("CALLBACK@example.com").number == "420234000111"
    # AND another access number cannot take it: 409, nothing stored
    other = PATH[:-1] + "2"
    taken = call(platform, "PUT", other, {**ANI, "mail_address": "callback@example.com"})
    assert taken.status_code == 409, taken.body
    assert answer(taken)["detail"] == (
        "mail address callback@example.com belongs to another access number"
    )
    assert call(platform, "GET", other).status_code == 404
    # WHEN the first changes its address / THEN the old one is free for the other
    moved = call(platform, "PUT", PATH, {**ANI, "mail_address": "calls@example.com"})
    assert moved.status_code == 200, moved.body
    assert service.find_by_mail("callback@example.com") is None
    again = call(platform, "PUT", other, {**ANI, "mail_address": "callback@example.com"})
    assert again.status_code == 201, again.body
    # AND an access number replaced without an address, or deleted, frees its address
    assert call(platform, "PUT", other, ANI).status_code == 200
    assert service.find_by_mail("callback@example.com") is None
    assert call(platform, "DELETE", PATH).status_code == 204
    assert service.find_by_mail("calls@example.com") is None
    reused = call(platform, "PUT", other, {**ANI, "mail_address": "calls@example.com"})
    assert reused.status_code == 200, reused.body


def test_the_cli_sets_a_mail_address(
    platform: tuple[Platform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    put = ["access-number", "put", "420234000111", "--kind", "ani", "--tenant", ACCOUNT]
    assert main([*put, "--language", "en-GB", "--mail-address", "CallBack@example.com"]) == 0
    assert json.loads(capsys.readouterr().out)["mail_address"] == "callback@example.com"
    other = ["access-number", "put", "420234000112", "--kind", "ani", "--tenant", ACCOUNT]
    assert main([*other, "--language", "en-GB", "--mail-address", "callback@example.com"]) == 1
    assert capsys.readouterr().err == (
        "refused: mail address callback@example.com belongs to another access number\n"
    )
    assert main([*other, "--language", "en-GB", "--mail-address", "nope"]) == 1
    assert "mail_address: 'nope' is not an e-mail address" in capsys.readouterr().err
