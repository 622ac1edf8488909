"""Web callback services through the operator REST routes: GIVEN the app on moto with an
operator key, an access number and a callback account, WHEN a service is PUT, read, listed and
deleted, THEN the answers are 201/200/204 with its configuration; a configuration that cannot
work (hosted without an allow-list or an internal account, an access number of another tenant,
a bad origin) is a 422 or 404 problem that stores nothing; the public routes and the operator
routes are in /openapi.json."""

from __future__ import annotations

import json
from typing import Any

import pytest
from callbackkit import ACCOUNT_PIN, platform_with_an_account
from platformkit import ACCOUNT, Platform

from chalicelib.callback.access import AccessNumber, TriggerKind

ACCESS = "442079460000"
PATH = "/v1/operator/web-callbacks/helpdesk"
HOSTED = {
    "tenant": ACCOUNT,
    "access_number": ACCESS,
    "modes": ["hosted", "simple"],
    "destination": "442079460001",
    "internal_account": ACCOUNT_PIN,
    "allow": ["44"],
    "origins": ["https://shop.example"],
}


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Any:
    with platform_with_an_account(monkeypatch) as (running, key):
        running.container.admin.provision_number(ACCOUNT, ACCESS)
        access = running.container.services("callback").access_numbers
        access.put(AccessNumber(ACCESS, TriggerKind.ANI, tenant=ACCOUNT, language="en-GB"))
        yield running, key


def call(platform: tuple[Platform, str], method: str, path: str, payload: Any = None) -> Any:
    running, key = platform
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    body = b"" if payload is None else json.dumps(payload).encode()
    return running.client.http.request(method, path, headers=headers, body=body)


def test_a_service_is_created_replaced_read_listed_and_deleted(
    platform: tuple[Platform, str],
) -> None:
    created = call(platform, "PUT", PATH, HOSTED)
    assert created.status_code == 201, created.body
    view = json.loads(created.body)
    assert view["service_id"] == "helpdesk" and view["per_number"] == {"limit": 3, "seconds": 600}
    assert call(platform, "PUT", PATH, {**HOSTED, "max_minutes": 5}).status_code == 200
    assert json.loads(call(platform, "GET", PATH).body)["max_minutes"] == 5
    listed = json.loads(call(platform, "GET", "/v1/operator/web-callbacks").body)
    assert [item["service_id"] for item in listed["items"]] == ["helpdesk"]
    assert call(platform, "DELETE", PATH).status_code == 204
    assert call(platform, "GET", PATH).status_code == 404
    assert call(platform, "DELETE", PATH).status_code == 404


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"allow": []}, 422),
        ({"internal_account": None}, 422),
        ({"destination": None}, 422),
        ({"origins": ["javascript:alert(1)"]}, 422),
        ({"allow": ["+44"]}, 422),
        ({"daily_cap": "10.00"}, 422),  # a cap needs its currency
        ({"access_number": "442079469999"}, 404),
        ({"tenant": "someone-else"}, 404),
        ({"internal_account": "99999999"}, 404),
        ({"modes": []}, 422),
        ({"per_ip": {"limit": 0, "seconds": 60}}, 422),
    ],
)
def test_a_configuration_that_cannot_work_is_refused(
    platform: tuple[Platform, str], change: dict[str, Any], status: int
) -> None:
    refused = call(platform, "PUT", PATH, {**HOSTED, **change})
    assert refused.status_code == status, refused.body
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert call(platform, "GET", PATH).status_code == 404


def test_the_routes_are_documented(platform: tuple[Platform, str]) -> None:
    running, _ = platform
    paths = json.loads(running.client.http.get("/openapi.json").body)["paths"]
    for mode in ("simple", "extended", "hosted"):
        operation = paths[f"/v1/web-callbacks/{{service}}/{mode}"]["post"]
        assert "application/x-www-form-urlencoded" in operation["requestBody"]["content"]
        assert "security" not in operation
    assert "get" in paths["/v1/web-callbacks/{service}/{mode}/form"]
    assert {"put", "get", "delete"} <= set(paths["/v1/operator/web-callbacks/{service}"])


def test_the_cli_puts_shows_lists_and_deletes_a_service(
    platform: tuple[Platform, str], capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    put = ["web-callback", "put", "desk", "--tenant", ACCOUNT, "--access-number", ACCESS]
    put += ["--mode", "hosted", "--destination", "+442079460001"]
    put += ["--internal-account", ACCOUNT_PIN, "--allow", "44", "--per-number", "2/300"]
    assert main(put) == 0
    created = json.loads(capsys.readouterr().out)["created"]
    assert created["per_number"] == {"limit": 2, "seconds": 300}
    assert created["forms"] == ["/v1/web-callbacks/desk/hosted/form"]
    assert (
        main(
            [
                "web-callback",
                "put",
                "desk2",
                "--tenant",
                ACCOUNT,
                "--access-number",
                ACCESS,
                "--mode",
                "hosted",
                "--destination",
                "442079460001",
            ]
        )
        != 0
    )
    assert "refused" in capsys.readouterr().err
    assert main(["web-callback", "list"]) == 0
    assert [i["service_id"] for i in json.loads(capsys.readouterr().out)["items"]] == ["desk"]
    assert main(["web-callback", "delete", "desk"]) == 0
    assert main(["web-callback", "show", "desk"]) != 0
