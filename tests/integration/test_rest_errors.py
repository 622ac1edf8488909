"""REST errors: GIVEN the app on moto with an account, WHEN a request is bad, too large, out of
range or meets a store that fails, THEN the answer is a problem+json with the right status, never
a 500, and nothing changes; the CLI refuses the same flow files with the same reasons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from platformkit import ACCOUNT, Platform, running_platform

from chalicelib.accounts.admin import MAX_FLOW_DOCUMENT_BYTES
from chalicelib.calls.model import CallOutcome, CallRecord, Direction
from chalicelib.store.errors import StoreRequestError

PROBLEM = "application/problem+json"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        yield running


def body(response: Any) -> Any:
    return json.loads(response.body)


def is_problem(response: Any, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers["Content-Type"] == PROBLEM
        and body(response)["status"] == status
    )


def huge_invalid_flow(nodes: int = 50_000) -> dict[str, Any]:
    """A document over the size limit whose nodes are all invalid (dangling edges)."""
    return {
        "id": "huge",
        "name": "Huge",
        "start": "n0",
        "nodes": {f"n{i}": {"widget": "say", "text": "x", "next": "nowhere"} for i in range(nodes)},
    }


def deep_flow_text(depth: int) -> str:
    deep = '{"a":' * depth + "1" + "}" * depth
    return (
        '{"id": "deep", "name": "Deep", "start": "a", "nodes": {"a": {"widget": "hangup",'
        ' "text": "bye", "extra": ' + deep + "}}}"
    )


def listed_flows(platform: Platform) -> set[str]:
    return {flow["flow_id"] for flow in body(platform.api("GET", "/v1/flows"))}


# -- flow documents ------------------------------------------------------------------------------


def test_a_flow_over_the_size_limit_is_413_before_it_is_validated(platform: Platform) -> None:
    # GIVEN a 50,000-node document, over the limit and invalid in every node
    document = huge_invalid_flow()
    assert len(json.dumps(document)) > MAX_FLOW_DOCUMENT_BYTES
    # WHEN it is posted
    response = platform.api("POST", "/v1/flows", document)
    # THEN the size refuses it (413), not the validation (422, every node listed) nor the store
    assert is_problem(response, 413), response.body
    assert str(MAX_FLOW_DOCUMENT_BYTES) in body(response)["detail"]
    assert "huge" not in listed_flows(platform)


def test_a_flow_nested_too_deeply_is_422(platform: Platform) -> None:
    # GIVEN a node value nested 900 deep (JSON parses it; walking it recursively would not)
    headers = {"Authorization": f"Bearer {platform.api_key}", "Content-Type": "application/json"}
    # WHEN it is posted
    response = platform.client.http.post(
        "/v1/flows", headers=headers, body=deep_flow_text(900).encode()
    )
    # THEN a 422 problem names the nesting and nothing is stored
    assert is_problem(response, 422), response.body
    assert body(response)["errors"] == ["flow: values are nested too deeply"]
    assert "deep" not in listed_flows(platform)


def test_the_cli_refuses_the_same_flow_files_clearly(
    platform: Platform, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.cli.main import main

    # GIVEN flow files too large, too deep, not UTF-8 and missing
    large = tmp_path / "large.json"
    large.write_text(json.dumps(huge_invalid_flow()))
    deep = tmp_path / "deep.json"
    deep.write_text(deep_flow_text(5000))
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"id": "caf\xe9"}')
    # WHEN each is loaded THEN each is refused (exit 1) with its reason, no traceback
    for path, reason in [
        (large, f"at most {MAX_FLOW_DOCUMENT_BYTES} are stored"),
        (deep, "flow: values are nested too deeply"),
        (latin, "not UTF-8"),
        (tmp_path / "missing.json", "cannot read"),
    ]:
        assert main(["flow", "load", str(path), "--account", ACCOUNT]) == 1
        err = capsys.readouterr().err
        assert err.startswith("refused:") and reason in err, err
    assert listed_flows(platform) == {"pull-message"}


# -- GET /v1/calls -------------------------------------------------------------------------------


@pytest.fixture
def one_call(platform: Platform) -> Platform:
    """GIVEN one finished call of the account, started 2024-05-01 10:00 UTC."""
    platform.container.call_records.put(
        CallRecord(
            account_id=ACCOUNT,
            call_id="call-1",
            started_at=datetime(2024, 5, 1, 10, tzinfo=UTC),
            flow_id="pull-message",
            direction=Direction.INBOUND,
            from_number="447700900001",
            to_number="447700900100",
            outcome=CallOutcome.COMPLETED,
        )
    )
    return platform


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("until=9999-12-31", ["call-1"]),
        ("since=0001-01-01", ["call-1"]),
        ("since=0001-01-01T00:00:00%2B05:00", ["call-1"]),  # before year 1 in UTC
        ("until=9999-12-31T23:00:00-05:00", ["call-1"]),  # after year 9999 in UTC
        ("until=0001-01-01T00:00:00%2B05:00", []),
        ("since=9999-12-31T23:00:00-05:00", []),
        ("since=2024-05-01T10:00:00Z&until=2024-05-01T10:00:01Z", ["call-1"]),
        ("since=2024-05-01t11:00:00%2B01:00&until=2024-05-01t10:00:01z", ["call-1"]),
        ("since=2024-05-01T10:00:01&limit=100", []),  # no offset: UTC
    ],
)
def test_call_bounds_at_the_ends_of_time_answer_calls_not_500(
    one_call: Platform, query: str, found: list[str]
) -> None:
    # WHEN calls are listed with bounds UTC cannot hold, or without an offset
    response = one_call.api("GET", f"/v1/calls?{query}")
    # THEN the answer holds the calls in range (none of these is a server error)
    assert response.status_code == 200, response.body
    assert [call["call_id"] for call in body(response)] == found


@pytest.mark.parametrize(
    "query",
    ["since=yesterday", "until=2024-13-01", "since=", "limit=ten", "limit=0", "limit=101"],
)
def test_bad_call_queries_are_400_problems(platform: Platform, query: str) -> None:
    assert is_problem(platform.api("GET", f"/v1/calls?{query}"), 400)


# -- the store fails ------------------------------------------------------------------------------


class Unavailable:
    """A repository whose every call fails as DynamoDB does when it cannot be reached."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreRequestError(f"{name} failed: ConnectTimeoutError: no answer")

        return fail


@pytest.mark.parametrize(
    ("repository", "method", "path"),
    [
        ("flow_repository", "GET", "/v1/flows"),
        ("accounts", "GET", "/v1/account"),
        ("numbers", "GET", "/v1/numbers"),
        ("call_records", "GET", "/v1/calls"),
    ],
)
def test_a_failing_store_is_503_with_retry_after(
    platform: Platform, repository: str, method: str, path: str
) -> None:
    # GIVEN a repository that cannot reach DynamoDB
    platform.container.__dict__[repository] = Unavailable()
    # WHEN the API needs it
    response = platform.api(method, path)
    # THEN a 503 problem tells the client when to retry, without the store's details
    assert is_problem(response, 503), response.body
    assert int(response.headers["Retry-After"]) >= 1
    assert "ConnectTimeout" not in body(response)["detail"]


# -- Chalice's own answers ----------------------------------------------------------------------


def test_chalices_own_errors_are_problems_on_rest_paths(platform: Platform) -> None:
    key = {"Authorization": f"Bearer {platform.api_key}"}
    # WHEN a method the route lacks is used
    wrong_method = platform.client.http.request("DELETE", "/v1/account", headers=key)
    # THEN a 405 problem keeps the Allow header
    assert is_problem(wrong_method, 405)
    assert wrong_method.headers["Allow"] == "GET"
    # WHEN a body is sent as another media type THEN a 415 problem
    text = platform.client.http.post(
        "/v1/flows", headers={**key, "Content-Type": "text/plain"}, body=b"hello"
    )
    assert is_problem(text, 415)
    assert "text/plain" in body(text)["detail"]


def test_an_unhandled_error_outside_the_guard_is_a_problem(platform: Platform) -> None:
    # GIVEN the OpenAPI route (not guarded) failing unexpectedly
    import chalicelib.web.api as web_api

    def broken() -> dict[str, Any]:
        raise RuntimeError("boom")

    original = web_api.openapi_document
    web_api.openapi_document = broken  # type: ignore[assignment]
    try:
        response = platform.client.http.get("/openapi.json")
    finally:
        web_api.openapi_document = original
    # THEN Chalice's 500 is a problem with a generic detail
    assert is_problem(response, 500)
    assert "boom" not in body(response)["detail"]


def test_voice_webhooks_keep_their_own_contract(platform: Platform) -> None:
    # WHEN a webhook path gets a method it lacks
    wrong_method = platform.client.http.request("DELETE", "/vonage/voice/answer")
    # THEN Chalice's answer is left as it is (the carrier is no REST client)
    assert wrong_method.status_code == 405
    assert wrong_method.headers.get("Content-Type") != PROBLEM
    # and the webhooks' own refusals are theirs: an unsigned answer webhook is still a 401
    unsigned = platform.voice("GET", "/vonage/voice/answer", {"to": "1"}, signed=False)
    assert unsigned.status_code == 401
