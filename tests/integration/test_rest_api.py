"""The REST API: GIVEN an account and its API key, WHEN an operator calls /v1, THEN the answers
and the problem+json errors are those the OpenAPI document promises, and bad input changes
nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from platformkit import PULL_NUMBER, ROOT, Platform, running_platform


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        yield running


def body(response: object) -> object:
    return json.loads(response.body)  # type: ignore[attr-defined]


def test_openapi_documents_every_route_with_the_request_models(platform: Platform) -> None:
    doc = body(platform.client.http.get("/openapi.json"))
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) >= {
        "/v1/account",
        "/v1/flows",
        "/v1/flows/{flow_id}/listener",
        "/v1/numbers",
        "/v1/numbers/{number}",
        "/v1/calls",
        "/health",
    }
    put = doc["paths"]["/v1/numbers/{number}"]["put"]
    schema_ref = put["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref.endswith("/NumberRequest")
    assert "flow_id" in doc["components"]["schemas"]["NumberRequest"]["required"]
    assert put["responses"]["default"]["content"]["application/problem+json"]
    from openapi_spec_validator import validate

    validate(doc)  # a valid OpenAPI 3.1 document


def test_openapi_documents_the_operator_routes_and_every_route_the_app_serves(
    platform: Platform,
) -> None:
    # GIVEN the document the app serves, its REST routes coming from several blueprints
    doc = body(platform.client.http.get("/openapi.json"))
    # THEN the operator's routes (their own blueprint) are in it, with the operator key
    held = doc["paths"]["/v1/operator/accounts/{account_id}/numbers/{number}"]
    assert set(held) == {"put", "delete"}
    assert held["put"]["security"] == [{"operatorKey": []}]
    assert held["put"]["responses"]["201"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/HeldNumberView"
    )
    # AND every REST route the app serves is documented, and every documented one is served
    from app import app

    served = {
        (path, method.lower())
        for path, methods in app.routes.items()
        # not REST: the users' pages, providers' webhooks (Vonage's, Stripe's: theirs to
        # document) and browsers' CORS preflights
        if not path.startswith(
            (
                "/vonage/",
                "/my",
                "/company",
                "/agent",
                "/dialer/board",
                "/console",
                "/pages/",
                "/payments/stripe/",
            )
        )
        and path != "/openapi.json"
        for method in methods
        if method != "OPTIONS"
    }
    documented = {(path, method) for path, entry in doc["paths"].items() for method in entry}
    assert served == documented


def test_openapi_states_the_constraints_the_models_enforce(platform: Platform) -> None:
    # GIVEN the document the app serves
    doc = body(platform.client.http.get("/openapi.json"))
    schemas = doc["components"]["schemas"]

    def parameter(path: str, method: str, name: str) -> dict[str, object]:
        [found] = [p for p in doc["paths"][path][method]["parameters"] if p["name"] == name]
        return found["schema"]  # type: ignore[no-any-return]

    # THEN path parameters carry the patterns the routes check
    assert parameter("/v1/flows/{flow_id}/listener", "put", "flow_id")["pattern"] == (
        "^[a-z0-9][a-z0-9_-]{0,62}$"
    )
    assert parameter("/v1/numbers/{number}", "put", "number")["pattern"] == (
        "^\\+?[1-9][0-9]{6,14}$"
    )
    # the query of GET /v1/calls is described with its range
    assert parameter("/v1/calls", "get", "limit") == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 50,
    }
    assert parameter("/v1/calls", "get", "since")["format"] == "date-time"
    # the flow document: id pattern, name length, languages, variable names, nodes
    flow = schemas["FlowDocument"]
    assert flow["properties"]["id"]["pattern"] == "^[a-z0-9][a-z0-9_-]{0,62}$"
    assert (flow["properties"]["name"]["minLength"], flow["properties"]["name"]["maxLength"]) == (
        1,
        200,
    )
    assert "en-GB" in flow["properties"]["language"]["enum"]
    names = re.compile(flow["properties"]["variables"]["propertyNames"]["pattern"])
    assert [bool(names.match(n)) for n in ("first.name", "50%off", "$flow.key.x", "a b")] == [
        True,
        True,
        False,
        False,
    ]
    assert flow["properties"]["nodes"]["minProperties"] == 1
    widgets = {
        option["properties"]["widget"]["const"]
        for option in flow["properties"]["nodes"]["additionalProperties"]["oneOf"]
    }
    assert {"say", "menu", "webhook", "hangup"} <= widgets
    # $flow.key names of an outbound call, bare or in the seed's $flow.key.<name> form: other
    # names are refused, not let through
    variables = schemas["StartCallRequest"]["properties"]["variables"]
    assert variables["propertyNames"] == {"pattern": r"^(\$flow\.key\.)?[^\x00-\x20\x7f${}]{1,64}$"}
    assert "patternProperties" not in variables
    # the operator routes have their own key
    operator = doc["paths"]["/v1/operator/accounts/{account_id}/numbers/{number}"]
    assert operator["put"]["security"] == [{"operatorKey": []}]
    from openapi_spec_validator import validate

    validate(doc)


def test_requests_are_read_as_the_document_states(platform: Platform) -> None:
    # WHEN a boolean is sent as 0 THEN it is refused, as the document's "boolean" says
    zero = platform.api("PUT", "/v1/flows/pull-message/listener", {"enabled": 0})
    assert zero.status_code == 422 and body(zero)["errors"][0]["field"] == "enabled"
    # WHEN an integer is sent as 97.0 (an integer for JSON Schema) THEN it is read as 97
    whole = platform.api(
        "POST",
        "/v1/calls",
        {"flow_id": "nope", "to": "447700900444", "from": PULL_NUMBER, "ringing_timeout": 97.0},
    )
    assert whole.status_code == 404, whole.body  # past validation: the flow does not exist
    # WHEN a number is given in digits other than ASCII ones THEN it is refused
    arabic = platform.api(
        "POST",
        "/v1/calls",
        {"flow_id": "nope", "to": "4477009\u0664\u0664\u0664", "from": PULL_NUMBER},
    )
    assert arabic.status_code == 422
    # WHEN a path parameter is percent-encoded (API Gateway decodes it; chalice local does not)
    encoded = platform.api("PUT", "/v1/numbers/%2B447700900300", {"flow_id": "nope"})
    # THEN it is read decoded: "+447700900300" is a number, and the unknown flow is what is refused
    assert encoded.status_code == 404, encoded.body


def test_the_documents_rules_are_the_models_rules() -> None:
    from chalicelib.accounts import admin
    from chalicelib.calls import outbound
    from chalicelib.flows.model import FlowDocument
    from chalicelib.store import flows as flow_store
    from chalicelib.store import records as record_store
    from chalicelib.web import api, schemas

    # GIVEN the patterns and limits the web layer states WHEN compared with their owners'
    # THEN they are the same
    assert FlowDocument.model_json_schema()["properties"]["id"]["pattern"] == admin.FLOW_ID_PATTERN
    assert outbound._VARIABLE.pattern == schemas.VARIABLE_NAME
    assert admin.MAX_FLOW_DOCUMENT_BYTES == flow_store.MAX_DOCUMENT_BYTES
    assert api.CALLS_LIMIT_MAX <= record_store.RECORDS_LIMIT_MAX


def test_account_needs_a_valid_key(platform: Platform) -> None:
    assert body(platform.api("GET", "/v1/account"))["account_id"] == "acme"
    refused = platform.api("GET", "/v1/account", key="rf_acme_" + "x" * 43)
    assert (
        refused.status_code == 401 and refused.headers["Content-Type"] == "application/problem+json"
    )
    assert body(refused)["title"] == "Unauthorized"
    no_key = platform.client.http.get("/v1/account")
    assert no_key.status_code == 401


def test_loading_an_invalid_flow_lists_every_problem_and_stores_nothing(platform: Platform) -> None:
    bad = {
        "id": "broken",
        "name": "b",
        "start": "a",
        "nodes": {"a": {"widget": "say", "text": "$nope.x", "next": "gone"}},
    }
    response = platform.api("POST", "/v1/flows", bad)
    assert response.status_code == 422
    problems = body(response)["errors"]
    assert any("unknown variable namespace" in p for p in problems)
    listed = [f["flow_id"] for f in body(platform.api("GET", "/v1/flows"))]
    assert "broken" not in listed


def test_load_a_flow_attach_a_number_and_switch_the_listener(platform: Platform) -> None:
    document = json.loads((ROOT / "flows" / "pull-message.json").read_text())
    document["id"] = "pull-copy"
    loaded = platform.api("POST", "/v1/flows", document)
    assert loaded.status_code == 201 and body(loaded) == {
        "flow_id": "pull-copy",
        "version": 1,
        "warnings": [],
    }
    assert body(platform.api("POST", "/v1/flows", document))["version"] == 2
    platform.container.admin.provision_number("acme", "447700900200")
    attached = platform.api(
        "PUT", "/v1/numbers/447700900200", {"flow_id": "pull-copy", "language": "en-GB"}
    )
    assert body(attached) == {
        "number": "447700900200",
        "flow_id": "pull-copy",
        "language": "en-GB",
        "enabled": True,
    }
    listener = platform.api("PUT", "/v1/flows/pull-copy/listener", {"enabled": True})
    assert body(listener)["enabled"] is True
    numbers = {n["number"] for n in body(platform.api("GET", "/v1/numbers"))}
    assert numbers == {PULL_NUMBER, "447700900200"}


def test_bad_requests_are_problems_and_change_nothing(platform: Platform) -> None:
    unknown_flow = platform.api("PUT", "/v1/numbers/447700900300", {"flow_id": "nope"})
    assert unknown_flow.status_code == 404
    extra_field = platform.api(
        "PUT", "/v1/numbers/447700900300", {"flow_id": "pull-message", "colour": "red"}
    )
    assert extra_field.status_code == 422 and body(extra_field)["errors"][0]["field"] == "colour"
    short = platform.api("PUT", "/v1/numbers/123", {"flow_id": "pull-message"})
    assert short.status_code == 422
    assert platform.api("GET", "/v1/calls?limit=500").status_code == 400
    numbers = {n["number"] for n in body(platform.api("GET", "/v1/numbers"))}
    assert numbers == {PULL_NUMBER}


def test_another_accounts_flow_is_invisible(platform: Platform) -> None:
    _, other_key = platform.container.admin.create_account("other", "Other")
    assert (
        platform.api(
            "PUT", "/v1/flows/pull-message/listener", {"enabled": False}, key=other_key
        ).status_code
        == 404
    )
    taken = platform.api(
        "PUT", f"/v1/numbers/{PULL_NUMBER}", {"flow_id": "pull-message"}, key=other_key
    )
    assert taken.status_code == 404


def test_cli_validates_flow_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.cli.main import main

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"id": "x", "name": "x", "start": "a", "nodes": {"a": {"widget": "nope"}}})
    )
    assert main(["flow", "validate", str(ROOT / "flows" / "pull-message.json")]) == 0
    assert main(["flow", "validate", str(bad)]) == 1
    assert "unknown widget 'nope'" in capsys.readouterr().out


def test_a_call_the_carrier_refuses_is_closed_with_a_failed_record(platform: Platform) -> None:
    from chalicelib.telephony.errors import CarrierBusyError

    class Busy:
        def place_call(self, call: object) -> object:
            raise CarrierBusyError("create call: rate limited after 4 attempts")

    admin = platform.container.admin
    admin.load_flow("acme", (ROOT / "flows" / "appointment-reminder.json").read_text())
    admin.set_listener("acme", "appointment-reminder", True)
    admin.provision_number("acme", "447700900150")
    admin.attach_number("acme", "447700900150", "appointment-reminder")
    platform.container.__dict__["carrier"] = Busy()
    response = platform.api(
        "POST",
        "/v1/calls",
        {"flow_id": "appointment-reminder", "to": "447700900444", "from": "447700900150"},
    )
    assert response.status_code == 503 and "rate limited" in body(response)["detail"]
    [record] = platform.container.call_records.list_by_account("acme", None, None, 5)
    assert (record.direction.value, record.outcome.value, record.to_number) == (
        "outbound",
        "failed",
        "447700900444",
    )


def test_random_bodies_get_problems_never_server_errors(platform: Platform) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
    bodies = st.one_of(
        scalars,
        st.lists(scalars, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "flow_id",
                    "to",
                    "from",
                    "enabled",
                    "language",
                    "variables",
                    "id",
                    "name",
                    "start",
                    "nodes",
                    "x",
                ]
            ),
            st.one_of(scalars, st.dictionaries(st.text(max_size=4), scalars, max_size=2)),
            max_size=5,
        ),
    )
    routes = st.sampled_from(
        [
            ("POST", "/v1/calls"),
            ("POST", "/v1/flows"),
            ("PUT", "/v1/flows/pull-message/listener"),
            ("PUT", "/v1/numbers/447700900300"),
        ]
    )

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(route=routes, data=bodies)
    def check(route: tuple[str, str], data: object) -> None:
        response = platform.api(route[0], route[1], data)
        assert response.status_code < 500, (route, data, response.body)
        if response.status_code >= 400:
            assert response.headers["Content-Type"] == "application/problem+json"

    check()


def test_loading_a_flow_that_loops_without_waiting_warns_but_stores_it(
    platform: Platform,
) -> None:
    # GIVEN a flow whose two nodes send the call round and round without asking the caller
    looping = {
        "id": "spinner",
        "name": "Spinner",
        "start": "a",
        "nodes": {
            "a": {"widget": "set", "assign": {"$flow.key.x": "1"}, "next": "b"},
            "b": {"widget": "say", "text": "Again.", "next": "a"},
        },
    }
    # WHEN it is loaded
    response = platform.api("POST", "/v1/flows", looping)
    # THEN it is stored, and the answer names the loop
    assert response.status_code == 201
    loaded = json.loads(response.body)
    assert loaded["version"] == 1
    assert len(loaded["warnings"]) == 1 and "a -> b -> a" in loaded["warnings"][0]


def test_the_flow_files_schema_is_published_without_a_key(platform: Platform) -> None:
    # GIVEN no API key WHEN the flow file's schema is asked for
    answer = platform.client.http.get("/v1/flow-schema")
    # THEN it is the JSON Schema the checked-in file holds, as application/schema+json
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/schema+json"
    schema = body(answer)
    checked_in = json.loads((ROOT / "flows" / "schema" / "flow.schema.json").read_text())
    assert schema["$id"] == checked_in["$id"]
    assert set(checked_in["$defs"]) <= set(schema["$defs"])
    # AND the OpenAPI document lists the route with that media type
    doc = body(platform.client.http.get("/openapi.json"))
    answers = doc["paths"]["/v1/flow-schema"]["get"]["responses"]["200"]["content"]
    assert set(answers) == {"application/schema+json"}
