"""An account's intent agents by REST and CLI, on moto (DynamoDB and Secrets Manager
in-process): GIVEN the app with the speech product installed, WHEN the account puts Eva's
export, a second version, a Dialogflow agent with its key, THEN each is a version (an identical
upload is a 200 that stores nothing), shown with its intents and history, its export given
back, rolled back and deleted; the key lands in Secrets Manager and in no answer; every bad
request is a problem that changes nothing; the routes are documented; and ``ringflow agent``
does the same from a directory or a zip."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agentkit import EVA, KEY, broken_exports, eva_renamed, eva_zip, key_json
from platformkit import Platform, running_platform

from chalicelib.cli.main import main
from chalicelib.speech.agents import MAX_EXPORT_BYTES
from chalicelib.speech.routes import MAX_BODY_BYTES

SECRET = "ringflow/local/dialogflow/acme/eva"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        yield platform


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def answer(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def agent_count(platform: Platform) -> int:
    return len(platform.container.services("speech").agents.list("acme"))


def test_an_agent_is_put_shown_exported_rolled_back_and_deleted(platform: Platform) -> None:
    # WHEN Eva's export is put
    put = platform.api("PUT", "/v1/agents/eva", {"export": b64(eva_zip())})
    # THEN it is version 1, answered locally
    assert put.status_code == 201
    first = answer(put)
    assert (first["name"], first["version"], first["engine"], first["changed"]) == (
        "eva",
        1,
        "local",
        True,
    )
    assert first["languages"] == ["en", "es"]
    # AND the same upload again stores nothing
    again = platform.api("PUT", "/v1/agents/eva", {"export": b64(eva_zip())})
    assert again.status_code == 200 and answer(again)["version"] == 1
    assert not answer(again)["changed"]
    # WHEN another export is put THEN it is version 2
    assert (
        answer(platform.api("PUT", "/v1/agents/eva", {"export": b64(eva_renamed())}))["version"]
        == 2
    )
    listed = answer(platform.api("GET", "/v1/agents"))
    assert [(a["name"], a["latest_version"], a["engine"]) for a in listed] == [("eva", 2, "local")]
    shown = answer(platform.api("GET", "/v1/agents/eva"))
    assert shown["version"] == 2 and shown["latest_version"] == 2
    assert shown["intents"] == 5 and "payment_details" in shown["intent_names"]
    assert shown["entity_names"] == ["OPTIONS"] and shown["dialogflow"] is None
    assert [v["version"] for v in shown["versions"]] == [2, 1]
    assert answer(platform.api("GET", "/v1/agents/eva?version=1"))["version"] == 1
    exported = answer(platform.api("GET", "/v1/agents/eva/export?version=1"))
    assert base64.b64decode(exported["export"]) == eva_zip()
    # WHEN it is rolled back to version 1 THEN version 1's export is version 3, once
    rolled = platform.api("POST", "/v1/agents/eva/rollback", {"version": 1})
    assert rolled.status_code == 201
    assert (answer(rolled)["version"], answer(rolled)["copied_from"]) == (3, 1)
    assert platform.api("POST", "/v1/agents/eva/rollback", {"version": 1}).status_code == 200
    latest = answer(platform.api("GET", "/v1/agents/eva/export"))
    assert (latest["version"], base64.b64decode(latest["export"])) == (3, eva_zip())
    # WHEN it is deleted THEN it is gone from the list and from every route
    assert platform.api("DELETE", "/v1/agents/eva").status_code == 204
    assert answer(platform.api("GET", "/v1/agents")) == []
    for method, path in (
        ("GET", "/v1/agents/eva"),
        ("GET", "/v1/agents/eva/export"),
        ("DELETE", "/v1/agents/eva"),
    ):
        assert platform.api(method, path).status_code == 404
    # AND the speech service still reads the versions a call in progress uses
    agents = platform.container.services("speech").agents
    assert agents.get_version("acme", "eva", 3).export == eva_zip()


def test_a_dialogflow_agent_keeps_its_key_in_secrets_manager_and_shows_none(
    platform: Platform,
) -> None:
    body = {
        "dialogflow": {"project": "eva-agent", "environment": "prod", "credentials": KEY},
        "languages": ["en-US"],
    }
    put = platform.api("PUT", "/v1/agents/eva", body)
    assert put.status_code == 201 and answer(put)["engine"] == "dialogflow"
    assert b"not-a-real-key" not in put.body
    # THEN the key is in its secret, and the speech service reads it through the library
    stored = platform.container.secretsmanager.get_secret_value(SecretId=SECRET)
    assert json.loads(stored["SecretString"]) == KEY
    agents = platform.container.services("speech").agents
    version = agents.get_version("acme", "eva", 1)
    assert version.dialogflow is not None
    assert json.loads(agents.credentials(version.dialogflow.credentials_secret)) == KEY
    # AND no answer holds it
    shown = platform.api("GET", "/v1/agents/eva")
    assert answer(shown)["dialogflow"] == {
        "project": "eva-agent",
        "environment": "prod",
        "client_email": KEY["client_email"],
    }
    assert answer(shown)["has_export"] is False and answer(shown)["intents"] == 0
    assert b"not-a-real-key" not in shown.body
    assert platform.api("GET", "/v1/agents/eva/export").status_code == 404
    # WHEN the key is given as text, with a new key id THEN the secret takes it: a put value
    body["dialogflow"]["credentials"] = key_json(private_key_id="rotated")  # type: ignore[index]
    again = platform.api("PUT", "/v1/agents/eva", body)
    assert again.status_code == 200
    stored = platform.container.secretsmanager.get_secret_value(SecretId=SECRET)
    assert json.loads(stored["SecretString"])["private_key_id"] == "rotated"


def bad_uploads() -> list[tuple[dict[str, Any], str]]:
    """Uploads refused with a 422, each with a text its problem must hold."""
    return [
        ({"export": "not base64!"}, '"export"'),
        ({}, "needs an export"),
        ({"export": b64(eva_zip()), "colour": "red"}, "not valid"),
        ({"dialogflow": {"project": "p", "credentials": "{}"}}, "credentials"),
        ({"export": b64(eva_zip()), "languages": ["fr"]}, "fr is not a language"),
    ] + [({"export": b64(data)}, expected) for data, expected in broken_exports().values()]


def test_every_bad_upload_is_a_problem_and_stores_nothing(platform: Platform) -> None:
    for body, said in bad_uploads():
        response = platform.api("PUT", "/v1/agents/eva", body)
        assert response.status_code == 422, said
        assert response.headers["Content-Type"] == "application/problem+json"
        assert said.encode() in response.body, response.body
    assert agent_count(platform) == 0


def test_a_body_not_json_too_large_or_badly_named_is_refused(platform: Platform) -> None:
    headers = {"Authorization": f"Bearer {platform.api_key}", "Content-Type": "application/json"}
    http = platform.client.http
    assert http.put("/v1/agents/eva", headers=headers, body=b"{nope").status_code == 400
    big = json.dumps({"export": "A" * MAX_BODY_BYTES}).encode()
    refused = http.put("/v1/agents/eva", headers=headers, body=big)
    assert refused.status_code == 413 and b"at most" in refused.body
    too_large = b64(b"x" * (MAX_EXPORT_BYTES + 1))
    response = platform.api("PUT", "/v1/agents/eva", {"export": too_large})
    assert response.status_code == 413 and str(MAX_EXPORT_BYTES).encode() in response.body
    response = platform.api("PUT", "/v1/agents/Eva%20Agent", {"export": b64(eva_zip())})
    assert response.status_code == 422 and b"agent name" in response.body
    assert agent_count(platform) == 0


def test_reads_of_what_is_not_there_are_404s_and_the_routes_need_a_key(
    platform: Platform,
) -> None:
    platform.api("PUT", "/v1/agents/eva", {"export": b64(eva_zip())})
    assert platform.api("GET", "/v1/agents/eva?version=2").status_code == 404
    assert platform.api("GET", "/v1/agents/eva?version=x").status_code == 400
    assert platform.api("POST", "/v1/agents/eva/rollback", {"version": 5}).status_code == 404
    assert platform.api("POST", "/v1/agents/eva/rollback", {"version": 0}).status_code == 422
    assert platform.api("GET", "/v1/agents/nobody").status_code == 404
    assert platform.api("GET", "/v1/agents", key="nope").status_code == 401
    assert platform.api("PUT", "/v1/agents/x", {"export": "", "k": 1}, key="no").status_code == 401


def test_the_routes_are_documented(platform: Platform) -> None:
    doc = json.loads(platform.client.http.get("/openapi.json").body)
    for path, methods in (
        ("/v1/agents", {"get"}),
        ("/v1/agents/{name}", {"put", "get", "delete"}),
        ("/v1/agents/{name}/export", {"get"}),
        ("/v1/agents/{name}/rollback", {"post"}),
    ):
        assert set(doc["paths"][path]) == methods
    put = doc["paths"]["/v1/agents/{name}"]["put"]
    assert put["security"] == [{"apiKey": []}] and set(put["responses"]) >= {"200", "201"}
    assert "AgentBody" in doc["components"]["schemas"]


def test_the_cli_loads_a_directory_and_a_zip_and_refuses_a_broken_one(
    platform: Platform, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # WHEN the Eva directory is loaded THEN it is version 1 named after the directory
    assert main(["agent", "load", "--account", "acme", str(EVA)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["name"], out["version"], out["changed"]) == ("eva", 1, True)
    # AND the same directory again, or the same files zipped, stores nothing
    assert main(["agent", "load", "--account", "acme", str(EVA)]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is False
    archive = tmp_path / "Eva.zip"
    archive.write_bytes(eva_zip())
    assert main(["agent", "load", "--account", "acme", str(archive)]) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is False
    # WHEN a Dialogflow target is added THEN it is version 2
    key_file = tmp_path / "key.json"
    key_file.write_text(key_json())
    dialogflow = ["--dialogflow-project", "eva-agent", "--credentials-file", str(key_file)]
    assert main(["agent", "load", "--account", "acme", str(EVA), *dialogflow]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["version"], out["engine"]) == (2, "dialogflow")
    assert "not-a-real-key" not in json.dumps(out)
    assert main(["agent", "list", "--account", "acme"]) == 0
    assert [a["name"] for a in json.loads(capsys.readouterr().out)] == ["eva"]
    assert main(["agent", "show", "--account", "acme", "eva", "--version", "1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["version"] == 1 and shown["entities"] == ["OPTIONS"]
    assert [v["version"] for v in shown["versions"]] == [2, 1]
    assert main(["agent", "rollback", "--account", "acme", "eva", "--to", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 3
    # a broken export is refused, one line per problem, and stores nothing
    broken = tmp_path / "broken.zip"
    broken.write_bytes(broken_exports()["unknown entity"][0])
    assert main(["agent", "load", "--account", "acme", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("refused: agent 'broken' cannot be used")
    assert "unknown entity @NOWHERE" in err
    assert main(["agent", "load", "--account", "acme", str(tmp_path / "none")]) == 1
    assert "no such export" in capsys.readouterr().err
    assert main(["agent", "show", "--account", "acme", "broken"]) == 1
    assert capsys.readouterr().err == "refused: no agent 'broken'\n"
    assert main(["agent", "delete", "--account", "acme", "eva"]) == 0
    assert json.loads(capsys.readouterr().out) == {"name": "eva", "deleted": True, "versions": 3}


def test_loading_a_speech_flow_loads_the_agents_beside_it(
    platform: Platform, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN the Eva flow with its agent under agents/eva/ beside it
    flow = EVA.parents[1] / "eva.json"
    # WHEN the flow is loaded THEN its agent is loaded with it, as version 1
    assert main(["flow", "load", str(flow), "--account", "acme"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["flow_id"] == "eva"
    assert out["agents"] == {"eva": {"version": 1, "changed": True}}
    # AND loading it again stores no new agent version
    assert main(["flow", "load", str(flow), "--account", "acme"]) == 0
    assert json.loads(capsys.readouterr().out)["agents"]["eva"] == {"version": 1, "changed": False}
    # AND a flow file with no agents beside it loads the flow alone
    alone = tmp_path / "eva.json"
    alone.write_text(flow.read_text())
    assert main(["flow", "load", str(alone), "--account", "acme"]) == 0
    assert "agents" not in json.loads(capsys.readouterr().out)


def test_a_broken_agent_beside_a_flow_leaves_the_flow_unloaded(
    platform: Platform, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GIVEN the Eva flow with a broken export under agents/eva/ beside it
    flow = tmp_path / "eva.json"
    flow.write_text((EVA.parents[1] / "eva.json").read_text())
    (tmp_path / "agents" / "eva").mkdir(parents=True)
    (tmp_path / "agents" / "eva" / "agent.json").write_text("{not json")
    # WHEN the flow is loaded THEN it is refused, naming the export's fault
    assert main(["flow", "load", str(flow), "--account", "acme"]) == 1
    assert "agent.json" in capsys.readouterr().err
    # AND neither the flow nor the agent was stored
    assert [h.flow_id for h in platform.container.flow_repository.list_heads("acme")] == [
        "pull-message"
    ]
    assert agent_count(platform) == 0
