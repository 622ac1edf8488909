"""The REST plumbing every blueprint shares: GIVEN routes of several blueprints declared with
``operation``, THEN each reads the request it answers through ``current_request``, whichever
blueprint it belongs to, and each is documented."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from chalice.app import Blueprint, Chalice, Response
from chalice.test import Client

from chalicelib.web import openapi
from chalicelib.web.openapi import Operation
from chalicelib.web.problems import problem
from chalicelib.web.rest import Refused, bearer, current_request, json_response, operation


@pytest.fixture
def registry() -> Iterator[list[Operation]]:
    """``OPERATIONS`` as the test found it once the test is over."""
    saved = list(openapi.OPERATIONS)
    try:
        yield openapi.OPERATIONS
    finally:
        openapi.OPERATIONS[:] = saved


def echo_app() -> Chalice:
    first, second = Blueprint("first"), Blueprint("second")

    def echo(which: str) -> Response:
        try:
            key = bearer("a key")
        except Refused as refused:
            return refused.response
        return json_response(
            {"blueprint": which, "key": key, "params": current_request().uri_params}
        )

    @operation(first, Operation("/first/{item}", "get", "First", auth="none"))
    def first_route(item: str) -> Response:
        return echo(f"first {item}")

    @operation(second, Operation("/second", "get", "Second", auth="none"))
    def second_route() -> Response:
        return echo("second")

    app = Chalice(app_name="echo")
    app.register_blueprint(first)
    app.register_blueprint(second)
    return app


def test_every_blueprints_routes_read_their_own_request(registry: list[Operation]) -> None:
    # GIVEN an app of two blueprints whose routes use the shared helpers
    app = echo_app()
    with Client(app) as client:
        # WHEN each route is called THEN it sees the request it answers
        first = client.http.get("/first/x", headers={"Authorization": "Bearer one"})
        second = client.http.get("/second", headers={"Authorization": "Bearer two"})
        refused = client.http.get("/second")
    assert json.loads(first.body) == {
        "blueprint": "first x",
        "key": "one",
        "params": {"item": "x"},
    }
    assert json.loads(second.body) == {"blueprint": "second", "key": "two", "params": {}}
    assert refused.status_code == 401
    # AND both are documented
    assert {(op.path, op.method) for op in registry} >= {
        ("/first/{item}", "get"),
        ("/second", "get"),
    }


def test_the_request_is_known_only_inside_a_route() -> None:
    with pytest.raises(RuntimeError, match="only inside a route"):
        current_request()


def test_a_refusal_carries_its_problem() -> None:
    response = problem(401, "no")
    assert Refused(response).response is response
