"""The Dialogflow engine without a network: an unusable agent configuration is ``AgentError``
listing each problem (never the key), a key that does not parse is ``EngineUnavailableError`` on
the first detect, parameters become text, and the Google client stays lazy: importing ``app``
(or the engine's module) loads neither ``google.cloud`` nor ``grpc``, and only the engine's module
imports them. The engine against a gRPC agent is in tests/integration/test_dialogflow_engine.py.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.speech.dialogflow import DialogflowEngine, as_text
from chalicelib.speech.port import AgentError, EngineUnavailableError
from infra.local.dialogflow_api import service_account_json

REPO = Path(__file__).resolve().parents[3]
GOOGLE = ("google", "grpc", "proto")
"""Top-level packages of the Google client: ``google`` (google.cloud, google.protobuf,
google.api_core, google.auth), ``grpc`` and ``proto`` (proto-plus)."""


def loaded_after(statement: str) -> list[str]:
    """The Google and gRPC modules a fresh interpreter has loaded after ``statement``."""
    code = (
        f"import json, sys; {statement}; print(json.dumps(sorted(m for m in sys.modules "
        f"if m.split('.')[0] in {GOOGLE!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    return list(json.loads(out.stdout.splitlines()[-1]))


def test_importing_the_app_loads_no_google_client() -> None:
    # GIVEN a fresh interpreter WHEN app.py is imported (a Lambda cold start)
    # THEN neither google.cloud nor grpc nor google.protobuf (nor any google module) was loaded
    assert loaded_after("import app") == []


def test_the_probe_sees_grpc_and_protobuf() -> None:
    # GIVEN the probe of the tests above WHEN grpc and protobuf are imported
    loaded = loaded_after("import grpc, google.protobuf.json_format, proto")
    # THEN it lists them: an empty list above means they were not loaded, not unseen
    assert {"grpc", "google.protobuf", "google.protobuf.json_format", "proto"} <= set(loaded)


def test_importing_the_engine_loads_no_google_client() -> None:
    assert loaded_after("import chalicelib.speech.dialogflow") == []


def test_building_an_engine_loads_no_google_client() -> None:
    # WHEN an engine is built (not used)
    key = json.dumps(
        {
            "type": "service_account",
            "project_id": "p",
            "private_key": "k",
            "client_email": "e",
            "token_uri": "t",
        }
    )
    statement = (
        "from chalicelib.speech.dialogflow import DialogflowEngine; "
        f"DialogflowEngine('eva-agent', {key!r})"
    )
    # THEN the Google client is still not loaded: it loads on the first detect
    assert loaded_after(statement) == []


def test_only_the_engine_imports_google_or_grpc() -> None:
    # GIVEN every module that ships WHEN their imports (lazy ones too) are read
    importers = []
    for path in [REPO / "app.py", *sorted((REPO / "chalicelib").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(name.split(".")[0] in GOOGLE for name in names):
                importers.append(path.relative_to(REPO).as_posix())
    # THEN only the Dialogflow engine does (grpc, google.protobuf and proto included)
    assert set(importers) == {"chalicelib/speech/dialogflow.py"}


@pytest.mark.parametrize(
    ("project", "credentials", "environment", "problem"),
    [
        ("eva agent", None, None, "project: a Dialogflow project id"),
        ("eva-agent\n", None, None, "project: a Dialogflow project id"),
        ("eva-agent", None, "prod/x", "environment: an environment id"),
        ("eva-agent", "{not json", None, "credentials: not JSON"),
        ("eva-agent", "[]", None, "credentials: not a JSON object"),
        ("eva-agent", '{"type": "service_account", "private_key": "k"}', None, "lacks project_id"),
        ("eva-agent", "authorized_user", None, "the key's type is not service_account"),
    ],
)
def test_an_unusable_agent_is_refused_with_its_problems(
    project: str, credentials: str | None, environment: str | None, problem: str
) -> None:
    key = service_account_json()
    if credentials == "authorized_user":
        credentials = json.dumps({**json.loads(key), "type": "authorized_user"})
    # WHEN an engine is built from a bad project, environment or key
    with pytest.raises(AgentError) as raised:
        DialogflowEngine(project, credentials or key, environment=environment)
    # THEN the problem is listed, and no part of the key is told
    assert any(problem in p for p in raised.value.problems), raised.value.problems
    assert not any("PRIVATE KEY" in p or "MII" in p for p in raised.value.problems)


def test_a_key_that_does_not_parse_is_unavailable_on_first_detect() -> None:
    # GIVEN a key whose fields are there but whose private key is not a key
    key = json.loads(service_account_json())
    key["private_key"] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    engine = DialogflowEngine("eva-agent", json.dumps(key), endpoint="127.0.0.1:9")
    # WHEN the engine detects (before any connection)
    with pytest.raises(EngineUnavailableError, match="credentials cannot be used") as raised:
        engine.detect("call", "I choose option one", "en-US", timeout=1)
    # THEN the error tells no part of the key
    assert "bm90IGEga2V5" not in str(raised.value) and raised.value.__cause__ is None


def test_no_time_left_is_unavailable() -> None:
    engine = DialogflowEngine("eva-agent", service_account_json(), endpoint="127.0.0.1:9")
    with pytest.raises(EngineUnavailableError, match="no time left"):
        engine.detect("call", "I choose option one", "en-US", timeout=0)


def test_a_session_id_dialogflow_would_refuse_is_hashed() -> None:
    engine = DialogflowEngine("eva-agent", service_account_json())
    assert engine.session_path("call-1") == "projects/eva-agent/agent/sessions/call-1"
    for refused in ("call-1\n", "a/b", "x" * 37, ""):
        assert len(engine.session_path(refused).rsplit("/", 1)[1]) == 32


def test_the_repr_tells_no_key() -> None:
    engine = DialogflowEngine("eva-agent", service_account_json())
    assert repr(engine) == "DialogflowEngine(project='eva-agent', environment=None)"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("Option 1", "Option 1"),
        (3.0, "3"),
        (2.5, "2.5"),
        (-0.0, "0"),
        (1e20, "1e+20"),
        (True, "true"),
        (False, "false"),
        (None, ""),
        ([], ""),
        (["red", 2.0, True], "red, 2, true"),
        ({"amount": 5.0, "currency": "USD"}, '{"amount": 5, "currency": "USD"}'),
        ({"name": "Zoë"}, '{"name": "Zoë"}'),
        ([{"startDate": "2026-12-01"}], '{"startDate": "2026-12-01"}'),
    ],
)
def test_a_parameter_as_text(value: object, text: str) -> None:
    assert as_text(value) == text


def test_importing_the_app_reads_no_agent_and_loads_no_matcher() -> None:
    # GIVEN a fresh interpreter WHEN app.py is imported (a Lambda cold start)
    code = (
        "import json, sys, app; print(json.dumps(sorted(m for m in sys.modules if "
        "m.split('.')[0] == 'rapidfuzz' or m in ('chalicelib.speech.agent', "
        "'chalicelib.speech.matcher', 'chalicelib.speech.local'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    # THEN the export reader, the local matcher and rapidfuzz wait for the first speech call
    assert json.loads(out.stdout.splitlines()[-1]) == []
