"""The seed's webservice trigger of outbound dialer flows, on the ``dialer`` blueprint:
``POST /outbounddialer/create`` with the body of ``/outbound/create`` (``api-version``,
``security-id``, ``flow-id``, ``calls[]``), for a flow with an agent node (409 otherwise, saying
to use ``/outbound/create``). Authenticated, whitelisted and answered as the campaigns' trigger
is (``campaigns.trigger_routes``); the campaign it feeds is paced by the dialer's agents.
Imports Chalice, the web helpers, the wiring, the campaigns' trigger and the dialer's calls;
never the store.
"""

from __future__ import annotations

from chalice.app import Response

from chalicelib.campaigns.service import Campaigns
from chalicelib.campaigns.trigger_routes import json_body, request_schema, source_ip
from chalicelib.dialer.calls import agent_node
from chalicelib.dialer.routes import dialer
from chalicelib.errors import ConflictError
from chalicelib.flows.model import Flow
from chalicelib.web.openapi import Operation
from chalicelib.web.rest import guarded, json_response, operation
from chalicelib.wiring import container


def _campaigns() -> Campaigns:
    return container().services("campaigns").campaigns  # type: ignore[no-any-return]


def _dialer_flow(flow: Flow) -> None:
    if agent_node(flow) is None:
        raise ConflictError(
            f"flow {flow.flow_id!r} has no agent node: it is not a dialer flow (trigger it with"
            " /outbound/create)"
        )


@operation(
    dialer,
    Operation(
        "/outbounddialer/create",
        "post",
        "Trigger an outbound dialer flow (the seed's webservice body)",
        auth="none",
        request_schema=request_schema,
    ),
)
@guarded
def create_outbound_dialer() -> Response:
    """Every call of the body accepted (with its id) or rejected (with its reason)."""
    body = json_body()
    return json_response(_campaigns().create_from_rest(body, source_ip(), check=_dialer_flow))
