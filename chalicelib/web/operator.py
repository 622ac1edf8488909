"""The operator's REST routes (``/v1/operator/...``): provisioning numbers to accounts and
releasing them, as their own blueprint ``operator``.

Callers authenticate with the operator key, whose hash is in ``RINGFLOW_OPERATOR_KEY_HASH``; with
no hash configured these routes answer 404, as if they did not exist (``web.rest.operator_only``).
Errors are problem+json like every REST route's (``web.rest.guarded``). Each route is documented in
the same OpenAPI document as the tenants' (``/openapi.json``, served by ``web.api``).

Owns the ``operator`` blueprint. Imports ``web.rest``, ``web.schemas``, ``web.openapi`` and the
wiring; must not import pynamodb or the store, nor another route module.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.web.openapi import Operation
from chalicelib.web.rest import guarded, json_response, operation, operator_only
from chalicelib.web.schemas import HeldNumberView, number_view
from chalicelib.wiring import container

operator = Blueprint(__name__)


@operation(
    operator,
    Operation(
        "/v1/operator/accounts/{account_id}/numbers/{number}",
        "put",
        "Operator: provision a number to an account (bound to no flow)",
        response=HeldNumberView,
        status=201,
        auth="operator",
        also={200: "The account already holds the number (nothing changed)"},
    ),
)
@guarded
def provision_number(account_id: str, number: str) -> Response:
    """Give a number no account holds to ``account_id``; 409 if another account holds it."""
    operator_only()
    phone, new = container().admin.provision_number(account_id, number)
    view = HeldNumberView(account_id=phone.account_id, **number_view(phone))
    return json_response(view.model_dump(), 201 if new else 200)


@operation(
    operator,
    Operation(
        "/v1/operator/accounts/{account_id}/numbers/{number}",
        "delete",
        "Operator: release a number the account holds",
        status=204,
        auth="operator",
    ),
)
@guarded
def release_number(account_id: str, number: str) -> Response:
    """Take a number back from the account that holds it."""
    operator_only()
    container().admin.release_number(account_id, number)
    return Response(body="", status_code=204)
