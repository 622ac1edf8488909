"""Callback accounts through the operator REST routes: GIVEN the app on moto with an operator key
and a loaded tariff, WHEN accounts are created, read, changed, topped up and given caller numbers,
THEN the answers are 201/200/204 with the account's money as decimal text (never its password or
hash), every refusal is a problem+json (401, 404, 409, 422; a JSON number as an amount is a 422)
that changes nothing, a top-up's key credits once (201, then 200 for a replay, by body key or
``Idempotency-Key`` header), and every route is in /openapi.json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from platformkit import Platform, running_platform

from chalicelib.accounts.keys import new_operator_key

PROBLEM = "application/problem+json"
BASE = "/v1/operator/callback-accounts"
PIN = "20240501"
DECK = (
    "prefix;destination;price_per_minute;connection_fee;first_increment;next_increment\n"
    "44;United Kingdom;0.05;0.01;60;60\n"
)
NEW = {
    "password": "correct horse",
    "currency": "EUR",
    "language": "en-GB",
    "tariff": "retail",
    "balance": "10.00",
    "dnis": "+447700900100",
    "max_concurrent": 2,
    "daily_cap": "25",
}


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, str]]:
    with running_platform(monkeypatch) as running:
        key, digest = new_operator_key()
        running.container.settings = replace(running.container.settings, operator_key_hash=digest)
        loaded = running.client.http.request(
            "PUT",
            "/v1/operator/tariffs/retail",
            headers={"Authorization": f"Bearer {key}", "Content-Type": "text/csv"},
            body=DECK.encode(),
        )
        assert loaded.status_code == 201
        yield running, key


def call(
    platform: tuple[Platform, str],
    method: str,
    path: str,
    payload: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> Any:
    running, key = platform
    sent = {"Authorization": f"Bearer {key}", "Content-Type": "application/json", **(headers or {})}
    body = raw if raw is not None else b"" if payload is None else json.dumps(payload).encode()
    return running.client.http.request(method, path, headers=sent, body=body)


def answer(response: Any) -> Any:
    return json.loads(response.body)


def problem_of(response: Any, status: int) -> Any:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == PROBLEM
    found = answer(response)
    assert found["status"] == status
    return found


def test_an_account_is_created_read_and_changed(platform: tuple[Platform, str]) -> None:
    # WHEN an account is PUT / THEN 201 with its money as text and no password anywhere
    created = call(platform, "PUT", f"{BASE}/{PIN}", NEW)
    assert created.status_code == 201, created.body
    view = answer(created)
    assert view == {
        "account_id": PIN,
        "currency": "EUR",
        "language": "en-GB",
        "tariff": "retail",
        "dnis": "447700900100",
        "enabled": True,
        "balance": "10.00",
        "reserved": "0",
        "available": "10.00",
        "calls_in_progress": 0,
        "committed_today": "0",
        "callers": [],
        "max_concurrent": 2,
        "daily_cap": "25",
    }
    assert "horse" not in created.body.decode() and "scrypt" not in created.body.decode()
    read = call(platform, "GET", f"{BASE}/{PIN}")
    assert (read.status_code, answer(read)) == (200, view)
    # WHEN settings are PATCHed / THEN they change, null removes, the money stays
    changed = call(
        platform,
        "PATCH",
        f"{BASE}/{PIN}",
        {"language": "cs-CZ", "dnis": None, "daily_cap": None, "enabled": False},
    )
    assert changed.status_code == 200, changed.body
    assert {k: answer(changed)[k] for k in ("language", "dnis", "daily_cap", "enabled")} == {
        "language": "cs-CZ",
        "dnis": None,
        "daily_cap": None,
        "enabled": False,
    }
    assert answer(changed)["balance"] == "10.00"
    # AND a new password authenticates, the old does not
    accounts = platform[0].container.services("billing").accounts
    call(platform, "PATCH", f"{BASE}/{PIN}", {"password": "battery staple", "enabled": True})
    assert accounts.authenticate(PIN, "battery staple").account_id == PIN


def test_top_ups_credit_once_per_key(platform: tuple[Platform, str]) -> None:
    call(platform, "PUT", f"{BASE}/{PIN}", NEW)
    first = call(platform, "POST", f"{BASE}/{PIN}/top-ups", {"amount": "5.50", "key": "v-1"})
    assert first.status_code == 201, first.body
    assert answer(first) == {
        "account_id": PIN,
        "key": "v-1",
        "amount": "5.50",
        "credited": True,
        "balance": "15.50",
        "available": "15.50",
    }
    # a replay of the key: 200, nothing credited
    again = call(platform, "POST", f"{BASE}/{PIN}/top-ups", {"amount": "5.50", "key": "v-1"})
    assert (again.status_code, answer(again)["credited"], answer(again)["balance"]) == (
        200,
        False,
        "15.50",
    )
    # the key in the Idempotency-Key header works the same
    header = {"Idempotency-Key": "v-2"}
    by_header = call(platform, "POST", f"{BASE}/{PIN}/top-ups", {"amount": "1"}, header)
    assert by_header.status_code == 201 and answer(by_header)["balance"] == "16.50"
    replayed = call(platform, "POST", f"{BASE}/{PIN}/top-ups", {"amount": "1"}, header)
    assert replayed.status_code == 200
    # the key reused for another amount: 409; header and body disagreeing: 422
    reused = call(platform, "POST", f"{BASE}/{PIN}/top-ups", {"amount": "2", "key": "v-1"})
    assert "another amount" in problem_of(reused, 409)["detail"]
    clash = {"amount": "1", "key": "v-3"}
    problem_of(call(platform, "POST", f"{BASE}/{PIN}/top-ups", clash, header), 422)
    assert answer(call(platform, "GET", f"{BASE}/{PIN}"))["balance"] == "16.50"


def test_top_ups_with_distinct_keys_are_all_credited(platform: tuple[Platform, str]) -> None:
    # GIVEN an account of 10.00 / WHEN 20 top-ups of 0.25 with distinct keys arrive, each twice
    call(platform, "PUT", f"{BASE}/{PIN}", NEW)
    statuses = [
        call(
            platform, "POST", f"{BASE}/{PIN}/top-ups", {"amount": "0.25", "key": f"p-{n}"}
        ).status_code
        for n in [*range(20), *range(20)]
    ]
    # THEN each key is credited once
    assert statuses.count(201) == 20 and statuses.count(200) == 20
    assert answer(call(platform, "GET", f"{BASE}/{PIN}"))["balance"] == "15.00"


def test_float_amounts_are_refused(platform: tuple[Platform, str]) -> None:
    with_float = {**NEW, "balance": 10.5}
    refused = problem_of(call(platform, "PUT", f"{BASE}/{PIN}", with_float), 422)
    assert refused["errors"][0]["field"] == "balance"
    assert "never a number" in refused["errors"][0]["message"]
    problem_of(call(platform, "GET", f"{BASE}/{PIN}"), 404)  # nothing created
    call(platform, "PUT", f"{BASE}/{PIN}", NEW)
    top_up = {"amount": 1.5, "key": "v-1"}
    problem_of(call(platform, "POST", f"{BASE}/{PIN}/top-ups", top_up), 422)
    problem_of(call(platform, "PATCH", f"{BASE}/{PIN}", {"daily_cap": 3}), 422)
    after = answer(call(platform, "GET", f"{BASE}/{PIN}"))
    assert (after["balance"], after["daily_cap"]) == ("10.00", "25")


@pytest.mark.parametrize(
    "changes",
    [
        {"password": "short"},
        {"currency": "eur"},
        {"language": "xx-XX"},
        {"balance": "-1"},
        {"balance": "1.1234567"},
        {"dnis": "0712345"},
        {"max_concurrent": 0},
        {"max_concurrent": "2"},
        {"enabled": "yes"},
        {"colour": "blue"},
        {"tariff": "bad tariff"},
    ],
)
def test_bad_input_is_a_422_that_creates_nothing(
    platform: tuple[Platform, str], changes: dict[str, Any]
) -> None:
    problem_of(call(platform, "PUT", f"{BASE}/{PIN}", {**NEW, **changes}), 422)
    problem_of(call(platform, "GET", f"{BASE}/{PIN}"), 404)


def test_every_refusal_is_a_problem(platform: tuple[Platform, str]) -> None:
    # an unknown tariff: 404, nothing created
    missing_tariff = call(platform, "PUT", f"{BASE}/{PIN}", {**NEW, "tariff": "premium"})
    assert problem_of(missing_tariff, 404)["detail"] == "no tariff premium"
    # a malformed PIN: 422; an unknown account: 404 on every route
    problem_of(call(platform, "PUT", f"{BASE}/12345", NEW), 422)
    problem_of(call(platform, "GET", f"{BASE}/99999999"), 404)
    problem_of(call(platform, "PATCH", f"{BASE}/99999999", {"enabled": False}), 404)
    top_up = {"amount": "1", "key": "k"}
    problem_of(call(platform, "POST", f"{BASE}/99999999/top-ups", top_up), 404)
    problem_of(call(platform, "PUT", f"{BASE}/99999999/callers/447700900001"), 404)
    # a taken PIN: 409, the first account unchanged
    call(platform, "PUT", f"{BASE}/{PIN}", NEW)
    problem_of(call(platform, "PUT", f"{BASE}/{PIN}", {**NEW, "balance": "99"}), 409)
    assert answer(call(platform, "GET", f"{BASE}/{PIN}"))["balance"] == "10.00"
    # not JSON, no body, a zero top-up, a bad key: 400 / 422
    problem_of(call(platform, "PUT", f"{BASE}/20240502", raw=b"{not json"), 400)
    problem_of(call(platform, "POST", f"{BASE}/{PIN}/top-ups"), 400)
    zero = {"amount": "0", "key": "k"}
    problem_of(call(platform, "POST", f"{BASE}/{PIN}/top-ups", zero), 422)
    bad_key = {"amount": "1", "key": "no spaces"}
    problem_of(call(platform, "POST", f"{BASE}/{PIN}/top-ups", bad_key), 422)
    problem_of(call(platform, "POST", f"{BASE}/{PIN}/top-ups", {"amount": "1"}), 422)
    # a tenant's key, or none: 401
    running, _ = platform
    problem_of(running.api("GET", f"{BASE}/{PIN}"), 401)
    problem_of(running.client.http.get(f"{BASE}/{PIN}"), 401)
    assert answer(call(platform, "GET", f"{BASE}/{PIN}"))["balance"] == "10.00"


def test_caller_numbers_are_registered_and_unregistered(platform: tuple[Platform, str]) -> None:
    call(platform, "PUT", f"{BASE}/{PIN}", NEW)
    call(platform, "PUT", f"{BASE}/20240502", NEW)
    added = call(platform, "PUT", f"{BASE}/{PIN}/callers/+447700900001")
    assert added.status_code == 200 and answer(added)["callers"] == ["447700900001"]
    again = call(platform, "PUT", f"{BASE}/{PIN}/callers/447700900001")
    assert again.status_code == 200  # idempotent
    # another account's number: 409; a bad number: 422
    problem_of(call(platform, "PUT", f"{BASE}/20240502/callers/447700900001"), 409)
    problem_of(call(platform, "PUT", f"{BASE}/{PIN}/callers/0700"), 422)
    problem_of(call(platform, "DELETE", f"{BASE}/20240502/callers/447700900001"), 404)
    accounts = platform[0].container.services("billing").accounts
    assert accounts.find_by_caller("447700900001").account_id == PIN
    # WHEN it is deleted / THEN it authenticates no one, and a second delete is a 404
    removed = call(platform, "DELETE", f"{BASE}/{PIN}/callers/447700900001")
    assert removed.status_code == 204
    assert accounts.find_by_caller("447700900001") is None
    assert answer(call(platform, "GET", f"{BASE}/{PIN}"))["callers"] == []
    problem_of(call(platform, "DELETE", f"{BASE}/{PIN}/callers/447700900001"), 404)


def test_the_routes_are_documented(platform: tuple[Platform, str]) -> None:
    running, _ = platform
    doc = answer(running.client.http.get("/openapi.json"))
    account = doc["paths"][BASE + "/{pin}"]
    assert set(account) == {"put", "get", "patch"}
    assert account["put"]["security"] == [{"operatorKey": []}]
    assert "201" in account["put"]["responses"]
    request = doc["components"]["schemas"]["CallbackAccountRequest"]
    assert request["properties"]["balance"]["type"] == "string"
    assert request["properties"]["password"]["minLength"] == 8
    top_ups = doc["paths"][BASE + "/{pin}/top-ups"]["post"]
    assert {"200", "201"} <= set(top_ups["responses"])
    callers = doc["paths"][BASE + "/{pin}/callers/{caller}"]
    assert set(callers) == {"put", "delete"}
    view = doc["components"]["schemas"]["CallbackAccountView"]
    assert not [name for name in view["properties"] if "password" in name or "hash" in name]
