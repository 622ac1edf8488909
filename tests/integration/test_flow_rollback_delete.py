"""Rolling a flow back and deleting it, by REST and CLI, on moto: GIVEN the pull app loaded
twice (version 2 renamed), WHEN the account rolls it back to version 1, THEN version 1's document
is live again as version 3 (history append-only, the number follows), and a retried rollback
stores nothing; WHEN it deletes the flow while its number is attached, THEN it is refused with a
409 naming the number; once detached, the flow is deleted and lists no more, a call that was in
progress on it goes on with its version, and the id can be loaded again (its versions numbered
after the deleted ones, which it never shows)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from platformkit import ALICE, PULL_NUMBER, ROOT, Platform, running_platform

from chalicelib.flows.catalogue import FlowCatalogue

FLOW = "pull-message"
LEG = "leg-rollback-1"


def document(platform: Platform, name: str | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((ROOT / "flows" / f"{FLOW}.json").read_text())
    loaded["variables"]["service_url"] = platform.messages_url
    if name:
        loaded["name"] = name
    return loaded


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        platform.clock.advance(60)
        platform.container.admin.load_flow("acme", document(platform, "Pull app, second version"))
        yield platform


def test_a_rollback_makes_an_earlier_version_live_as_the_next_one(platform: Platform) -> None:
    response = platform.api("POST", f"/v1/flows/{FLOW}/rollback", {"version": 1})
    assert response.status_code == 201
    assert json.loads(response.body) == {
        "flow_id": FLOW,
        "version": 3,
        "copied_from": 1,
        "changed": True,
        "warnings": [],
    }
    container = platform.container
    assert container.flow_repository.get_revision(FLOW, 3).document == (
        container.flow_repository.get_revision(FLOW, 1).document
    )
    shown = json.loads(platform.api("GET", f"/v1/flows/{FLOW}").body)
    assert [v["version"] for v in shown["versions"]] == [3, 2, 1]
    assert shown["document"]["name"] == document(platform)["name"]
    assert container.numbers.get(PULL_NUMBER, consistent=True).flow_version == 3
    again = platform.api("POST", f"/v1/flows/{FLOW}/rollback", {"version": 1})
    assert again.status_code == 200
    assert json.loads(again.body)["version"] == 3 and not json.loads(again.body)["changed"]


@pytest.mark.parametrize(
    ("flow", "body", "status"),
    [
        (FLOW, {"version": 9}, 404),
        (FLOW, {"version": 0}, 422),
        (FLOW, {"to": 1}, 422),
        ("no-such-flow", {"version": 1}, 404),
    ],
)
def test_a_rollback_to_what_does_not_exist_is_refused(
    platform: Platform, flow: str, body: dict[str, int], status: int
) -> None:
    response = platform.api("POST", f"/v1/flows/{flow}/rollback", body)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/problem+json"


def test_a_flow_serving_a_number_is_not_deleted(platform: Platform) -> None:
    response = platform.api("DELETE", f"/v1/flows/{FLOW}")
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"
    assert PULL_NUMBER in json.loads(response.body)["detail"]
    assert platform.container.flow_repository.get_head(FLOW).latest_version == 2


def press(platform: Platform, ncco: list[dict[str, Any]], digits: str) -> list[dict[str, Any]]:
    url = urlparse(ncco[-1]["eventUrl"][0])
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    payload = {
        "dtmf": {"digits": digits, "timed_out": False},
        "speech": {"results": []},
        "from": ALICE,
        "to": PULL_NUMBER,
        "uuid": LEG,
        "conversation_uuid": "CON-rb",
        "timestamp": "2026-01-01T10:00:00.000Z",
    }
    answer: list[dict[str, Any]] = json.loads(
        platform.voice("POST", url.path, payload, query=query).body
    )
    return answer


def test_a_deleted_flow_lists_no_more_and_its_call_in_progress_goes_on(
    platform: Platform,
) -> None:
    # GIVEN a call in progress on the flow's version 2
    answered = {"from": ALICE, "to": PULL_NUMBER, "uuid": LEG, "conversation_uuid": "CON-rb"}
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answered).body)
    assert ncco[-1]["action"] == "input", ncco
    # WHEN the number is detached and the flow deleted
    assert platform.api("DELETE", f"/v1/numbers/{PULL_NUMBER}/flow").status_code == 200
    response = platform.api("DELETE", f"/v1/flows/{FLOW}")
    assert response.status_code == 204
    # THEN it lists no more and is not found
    assert json.loads(platform.api("GET", "/v1/flows").body) == []
    assert platform.api("GET", f"/v1/flows/{FLOW}").status_code == 404
    assert platform.api("DELETE", f"/v1/flows/{FLOW}").status_code == 404
    # and the call goes on with its version, even in a process that never read it
    platform.container.voice.flows = FlowCatalogue(platform.container.flow_repository)
    again = press(platform, ncco, "1")
    assert again[0]["action"] == "talk" and again[0]["text"].startswith("Hello Alice")


def test_a_deleted_flows_id_can_be_loaded_again_without_its_old_versions(
    platform: Platform,
) -> None:
    admin = platform.container.admin
    admin.detach_number("acme", PULL_NUMBER)
    admin.delete_flow("acme", FLOW)
    _, key = admin.create_account("other", "Other")
    loaded = admin.load_flow("other", document(platform, "Another account's"))
    assert loaded.revision.version == 3  # after the deleted flow's 1 and 2
    shown = json.loads(platform.api("GET", f"/v1/flows/{FLOW}", key=key).body)
    assert [v["version"] for v in shown["versions"]] == [3]
    assert platform.api("GET", f"/v1/flows/{FLOW}?version=1", key=key).status_code == 404
    assert platform.api("GET", f"/v1/flows/{FLOW}").status_code == 404  # not acme's any more
    assert platform.container.flow_repository.get_revision(FLOW, 1).retired  # kept for calls


def test_the_cli_rolls_back_and_deletes(
    platform: Platform, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    assert main(["flow", "rollback", FLOW, "--to", "1", "--account", "acme"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 3
    assert main(["flow", "delete", FLOW, "--account", "acme"]) == 1
    assert f"serves number {PULL_NUMBER}: detach it first" in capsys.readouterr().err
    assert main(["number", "detach", PULL_NUMBER, "--account", "acme"]) == 0
    capsys.readouterr()
    assert main(["flow", "delete", FLOW, "--account", "acme"]) == 0
    assert json.loads(capsys.readouterr().out) == {"flow_id": FLOW, "deleted": True}
    assert main(["flow", "rollback", FLOW, "--to", "1", "--account", "acme"]) == 1
