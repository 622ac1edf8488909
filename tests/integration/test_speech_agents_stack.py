"""The speech agents' keys where they run: GIVEN the local stack's moto server on loopback, WHEN
a Dialogflow agent is put by REST, THEN its key is kept in that server's Secrets Manager and read
back (the local run serves it as AWS does); and the deployed Lambda's role may get, create and
put the stage's Dialogflow secrets, and no other secret."""

from __future__ import annotations

import json

import pytest
from agentkit import KEY
from platformkit import running_platform

from infra.resources import lambda_role, load_stage


def test_on_the_local_stacks_moto_server_the_key_is_kept_in_secrets_manager(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from infra.local.moto import moto_server, reset

    with moto_server(in_process=True) as url:
        reset(url)
        with running_platform(monkeypatch, aws_endpoint_url=url) as platform:
            body = {"dialogflow": {"project": "eva-agent", "credentials": KEY}, "languages": ["en"]}
            assert platform.api("PUT", "/v1/agents/eva", body).status_code == 201
            agents = platform.container.services("speech").agents
            target = agents.latest("acme", "eva").dialogflow
            assert target is not None
            assert target.credentials_secret == "ringflow/local/dialogflow/acme/eva"
            assert json.loads(agents.credentials(target.credentials_secret)) == KEY


def test_the_lambda_role_reaches_the_stages_dialogflow_secrets_only() -> None:
    role = lambda_role(load_stage("dev"), [])
    statements = role["DefaultRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    (keys,) = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert sorted(keys["Action"]) == [
        "secretsmanager:CreateSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
    ]
    assert keys["Resource"]["Fn::Sub"].endswith(":secret:ringflow/dev/dialogflow/*")
