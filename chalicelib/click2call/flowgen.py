"""The outbound flow of a click-to-call campaign, made from its settings (pure): a call starts
on the side its request names (``$flow.key.side``). The visitor's side hears the campaign's
message (its audio, else its text) and is bridged to the operators (each on its number or its
SIP address), one after the other until one answers, or, when the campaign rings them all, to
the first of them to answer (one ``connect`` with ``ring_all``); nobody answering, the visitor
is told they will be called back. The company's side
(an operator called first, as when the company calls a failed request back) is told who it is
and bridged to the visitor. Every call comes from the campaign's caller id. Core widgets only
(``condition``, ``say``, ``play``, ``connect``, ``hangup``). Imports the click-to-call model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.click2call.model import Campaign, Operator, Ring, flow_of

NOBODY = "We are sorry, nobody can take your call right now. We will call you back soon."
UNREACHABLE = "The visitor could not be reached. Goodbye."
COMPANY_HELLO = "Click to call request of $flow.key.campaign. Connecting you to the visitor now."


def flow_document(campaign: Campaign, operators: Sequence[Operator]) -> dict[str, Any]:
    """The flow file of the campaign with ``operators`` (in its order)."""
    if not operators:
        raise ValueError("a click-to-call campaign needs at least one operator")
    nodes: dict[str, Any] = {
        "side": {
            "widget": "condition",
            "rules": [{"left": "$flow.key.side", "op": "eq", "right": "company"}],
            "next": {"true": "company_hello", "false": "message"},
        },
        "message": (
            {"widget": "play", "url": campaign.message_url, "next": "operator_1"}
            if campaign.message_url
            else {"widget": "say", "text": campaign.message_text, "next": "operator_1"}
        ),
        "nobody": {"widget": "hangup", "text": NOBODY},
        "company_hello": {"widget": "say", "text": COMPANY_HELLO, "next": "visitor"},
        "visitor": _connect(
            campaign, {"number": "$flow.key.visitor"}, "done", "unreachable", campaign.caller_id
        ),
        "unreachable": {"widget": "hangup", "text": UNREACHABLE},
        "done": {"widget": "hangup"},
    }
    if campaign.ring is Ring.ALL:
        everyone = {"ring_all": [operator.address for operator in operators]}
        nodes["operator_1"] = _connect(campaign, everyone, "done", "nobody")
    else:
        for index, operator in enumerate(operators, start=1):
            following = f"operator_{index + 1}" if index < len(operators) else "nobody"
            nodes[f"operator_{index}"] = _connect(campaign, _dialled(operator), "done", following)
    return {
        "id": flow_of(campaign.company_id, campaign.campaign_id),
        "name": f"Click to call: {campaign.name}"[:100],
        "description": "Made from the click-to-call campaign's settings; changed with them.",
        "kind": "outbound",
        "language": campaign.language,
        "start": "side",
        "variables": {
            "request": "",
            "visitor": "",
            "side": "visitor",
            "company": campaign.company_id,
            "campaign": campaign.name,
        },
        "nodes": nodes,
    }


def _dialled(operator: Operator) -> dict[str, str]:
    """The connect's target of an operator: its number, else its SIP address."""
    return {"number": operator.number} if operator.number else {"sip": operator.sip}


def _connect(
    campaign: Campaign,
    target: Mapping[str, Any],
    answered: str,
    failed: str,
    shown: str | None = None,
) -> dict[str, Any]:
    """A connect to ``target``; the called side sees ``shown`` (default: the number the
    company's side sees)."""
    return {
        "widget": "connect",
        **target,
        "caller_id": shown or campaign.company_caller_id or campaign.caller_id,
        "ring_timeout": campaign.ring_timeout,
        "next": {"next": answered, "busy": failed, "no_answer": failed, "failed": failed},
    }
