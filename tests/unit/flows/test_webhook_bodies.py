"""A webhook node that saves from its response needs JSON: GIVEN a 2xx whose body is not JSON (an
HTML error page behind a proxy, an empty 204), THEN the node takes line 1 with its own
``error_reason`` (``NOT_JSON``) instead of going on with empty values; a node that saves nothing
takes any 2xx as success."""

from __future__ import annotations

import pytest
from flowkit import Driver, flow_of

from chalicelib.flows.outcomes import HttpResponded, HttpResult
from chalicelib.telephony.actions import Say


def _nodes(save: dict[str, str] | None) -> dict[str, object]:
    hook: dict[str, object] = {
        "widget": "webhook",
        "url": "https://api.example/lookup",
        "next": {"0": "ok", "1": "ko"},
    }
    if save:
        hook["save"] = save
    return {
        "hook": hook,
        "ok": {"widget": "hangup", "text": "ok"},
        "ko": {"widget": "hangup", "text": "ko $flow.key.error_reason"},
    }


@pytest.mark.parametrize("body", ["<html>Bad gateway</html>", "", "not json {"])
def test_a_2xx_that_is_not_json_takes_line_1_when_the_node_saves(body: str) -> None:
    d = Driver(flow_of(_nodes({"name": "customer.name"})))
    d.answer()
    step = d.send(HttpResponded(d.ref, HttpResult(200, body, 0.05)))
    assert step.actions[0] == Say("ko NOT_JSON", "en-US")
    v = d.state.flow_vars
    assert (v["response_status"], v["response_status_type"], v["name"]) == (
        "FAILED",
        "Invalid Response",
        "",
    )
    assert v["response_status_code"] == "200" and d.state.call_vars["lastWebhookStatus"] == "false"


def test_a_2xx_that_is_not_json_is_a_success_when_the_node_saves_nothing() -> None:
    d = Driver(flow_of(_nodes(None)))
    d.answer()
    step = d.send(HttpResponded(d.ref, HttpResult(204, "", 0.05)))
    assert step.actions[0] == Say("ok", "en-US")
