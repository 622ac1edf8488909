"""Tariffs through the operator REST routes and the CLI: GIVEN the app on moto with an operator
key, WHEN a rate deck is PUT as CSV, read back and numbers rated, THEN the answers are 201/200
with the rows loaded, a bad deck is a 422 problem listing every bad line (nothing loaded), a deck
too large a 413, a destination with no rate a 404 problem; the routes are in /openapi.json; and
``ringflow tariff load`` / ``tariff rate`` do the same, refusing in ``refused:`` lines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from platformkit import Platform, running_platform

from chalicelib.accounts.keys import new_operator_key
from chalicelib.billing.tariffs import MAX_DECK_BYTES
from chalicelib.cli.main import main

PROBLEM = "application/problem+json"
HEADER = "prefix;destination;price_per_minute;connection_fee;first_increment;next_increment\n"
DECK = HEADER + "44;United Kingdom;0.05;0.01;60;60\n447;UK mobile;0.10;0;30;6\n"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, str]]:
    with running_platform(monkeypatch) as running:
        key, digest = new_operator_key()
        running.container.settings = replace(running.container.settings, operator_key_hash=digest)
        yield running, key


def call(
    platform: tuple[Platform, str], method: str, path: str, body: str = "", csv: bool = True
) -> Any:
    running, key = platform
    headers = {"Authorization": f"Bearer {key}"}
    if csv:
        headers["Content-Type"] = "text/csv"
    return running.client.http.request(method, path, headers=headers, body=body.encode())


def answer(response: Any) -> Any:
    return json.loads(response.body)


def test_a_deck_is_loaded_read_back_and_rates_numbers(platform: tuple[Platform, str]) -> None:
    # WHEN a deck is PUT / THEN 201 with its rows; again, 200 and the next version
    created = call(platform, "PUT", "/v1/operator/tariffs/retail", DECK)
    assert created.status_code == 201, created.body
    assert answer(created)["rows"] == 2 and answer(created)["version"] == 1
    again = call(platform, "PUT", "/v1/operator/tariffs/retail", DECK)
    assert (again.status_code, answer(again)["version"]) == (200, 2)
    head = call(platform, "GET", "/v1/operator/tariffs/retail", csv=False)
    assert head.status_code == 200
    assert {k: answer(head)[k] for k in ("tariff_id", "version", "rows")} == {
        "tariff_id": "retail",
        "version": 2,
        "rows": 2,
    }
    # AND a number is rated at its longest priced prefix, prices as decimal text
    rated = call(platform, "GET", "/v1/operator/tariffs/retail/rate?number=447700900100", csv=False)
    assert rated.status_code == 200
    assert answer(rated) == {
        "tariff_id": "retail",
        "number": "447700900100",
        "prefix": "447",
        "destination": "UK mobile",
        "price_per_minute": "0.10",
        "connection_fee": "0",
        "first_increment": 30,
        "next_increment": 6,
    }


def test_a_destination_with_no_rate_is_a_404_problem(platform: tuple[Platform, str]) -> None:
    call(platform, "PUT", "/v1/operator/tariffs/retail", DECK)
    missing = call(platform, "GET", "/v1/operator/tariffs/retail/rate?number=33123456", csv=False)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == PROBLEM
    assert answer(missing)["detail"] == "no rate for 33123456 in tariff retail"
    unknown = call(platform, "GET", "/v1/operator/tariffs/nope", csv=False)
    assert unknown.status_code == 404 and answer(unknown)["detail"] == "no tariff nope"


def test_a_bad_deck_is_a_422_listing_every_bad_line_and_loads_nothing(
    platform: tuple[Platform, str],
) -> None:
    call(platform, "PUT", "/v1/operator/tariffs/retail", DECK)
    bad = HEADER + "44;UK;0.01;0;60;60\n4x;Bad;0.01;0;60;60\n45;Denmark;-1;0;60;60\n"
    refused = call(platform, "PUT", "/v1/operator/tariffs/retail", bad)
    assert refused.status_code == 422 and refused.headers["Content-Type"] == PROBLEM
    assert answer(refused)["errors"] == [
        "line 3: prefix '4x' is not 1 to 15 digits",
        "line 4: price_per_minute '-1' must not be negative"
        " (digits, a decimal point, up to 6 decimals)",
    ]
    head = call(platform, "GET", "/v1/operator/tariffs/retail", csv=False)
    assert answer(head)["version"] == 1


def test_a_deck_too_large_is_a_413(platform: tuple[Platform, str]) -> None:
    rows = "".join(f"{i};Somewhere;0.01;0;60;60\n" for i in range(10_000, 60_000))
    assert len(HEADER + rows) > MAX_DECK_BYTES
    refused = call(platform, "PUT", "/v1/operator/tariffs/huge", HEADER + rows)
    assert refused.status_code == 413 and refused.headers["Content-Type"] == PROBLEM


def test_the_routes_need_the_operator_key_and_are_documented(
    platform: tuple[Platform, str],
) -> None:
    running, _ = platform
    tenant = running.api("GET", "/v1/operator/tariffs/retail")
    assert tenant.status_code == 401
    doc = answer(running.client.http.get("/openapi.json"))
    put = doc["paths"]["/v1/operator/tariffs/{tariff_id}"]["put"]
    assert put["security"] == [{"operatorKey": []}]
    assert "text/csv" in put["requestBody"]["content"]
    rate = doc["paths"]["/v1/operator/tariffs/{tariff_id}/rate"]["get"]
    assert [p["name"] for p in rate["parameters"] if p["required"]] == ["tariff_id", "number"]


def test_the_cli_loads_and_rates_and_refuses_in_one_line_per_reason(
    platform: tuple[Platform, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deck = tmp_path / "retail.csv"
    deck.write_text(DECK)
    assert main(["tariff", "load", str(deck), "--id", "retail"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 2
    assert main(["tariff", "rate", "retail", "+447700900100"]) == 0
    assert json.loads(capsys.readouterr().out)["destination"] == "UK mobile"
    # a destination with no rate, a bad deck, a missing file: refused, nothing loaded
    assert main(["tariff", "rate", "retail", "33123456"]) == 1
    assert capsys.readouterr().err == "refused: no rate for 33123456 in tariff retail\n"
    deck.write_text(HEADER + "4x;Bad;0.01;0;60;60\n")
    assert main(["tariff", "load", str(deck), "--id", "retail"]) == 1
    assert capsys.readouterr().err == (
        "refused: the rate deck has 1 problem(s); nothing was loaded:"
        " line 2: prefix '4x' is not 1 to 15 digits\n"
    )
    assert main(["tariff", "load", str(tmp_path / "none.csv"), "--id", "retail"]) == 1
    assert capsys.readouterr().err.startswith("refused: ")
