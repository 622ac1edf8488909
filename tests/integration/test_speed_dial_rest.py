"""A callback account's speed-dial directory through the operator REST routes: GIVEN an account,
WHEN entries are set, replaced and removed, THEN the directory keeps the user's order (a new name
last, a replaced one in its place), names compare without case, and every refusal (an unknown
account or entry, a bad name or number) is a problem+json that changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from callbackkit import ACCOUNT_PIN, platform_with_an_account
from platformkit import Platform

PIN = ACCOUNT_PIN
BASE = f"/v1/operator/callback-accounts/{PIN}/directory"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Platform, str]]:
    with platform_with_an_account(monkeypatch) as running:
        yield running


def call(platform: tuple[Platform, str], method: str, path: str, payload: Any = None) -> Any:
    running, key = platform
    body = json.dumps(payload).encode() if payload is not None else b""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    return running.client.http.request(method, path, headers=headers, body=body)


def entries(platform: tuple[Platform, str]) -> list[tuple[int, str, str]]:
    shown = call(platform, "GET", BASE)
    assert shown.status_code == 200, shown.body
    return [(e["position"], e["name"], e["number"]) for e in json.loads(shown.body)["entries"]]


def test_entries_keep_the_users_order(platform: tuple[Platform, str]) -> None:
    assert entries(platform) == []
    assert call(platform, "PUT", f"{BASE}/Office", {"number": "+447700900300"}).status_code == 200
    assert call(platform, "PUT", f"{BASE}/home", {"number": "447700900301"}).status_code == 200
    assert call(platform, "PUT", f"{BASE}/OFFICE", {"number": "447700900302"}).status_code == 200
    assert entries(platform) == [(1, "office", "447700900302"), (2, "home", "447700900301")]
    assert call(platform, "DELETE", f"{BASE}/office").status_code == 204
    assert entries(platform) == [(1, "home", "447700900301")]


@pytest.mark.parametrize(
    ("method", "path", "payload", "status"),
    [
        ("PUT", f"{BASE}/home", {"number": "12"}, 422),
        ("PUT", f"{BASE}/home", {"number": "447700900301", "extra": 1}, 422),
        ("PUT", f"{BASE}/a%20b", {"number": "447700900301"}, 422),
        ("DELETE", f"{BASE}/nobody", None, 404),
        ("GET", "/v1/operator/callback-accounts/99999999/directory", None, 404),
        (
            "PUT",
            "/v1/operator/callback-accounts/99999999/directory/home",
            {"number": "447700900301"},
            404,
        ),
    ],
)
def test_refusals_are_problems_and_change_nothing(
    platform: tuple[Platform, str], method: str, path: str, payload: Any, status: int
) -> None:
    answer = call(platform, method, path, payload)
    assert answer.status_code == status, answer.body
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert entries(platform) == []
