"""The dialer's demo for the local run: the demo account's ``dialer-sales`` flow (loaded with
every shipped flow) on a number of its own, activated as an outbound campaign flow, requests from
loopback allowed, a fresh security id for the banner (shown once, so each run makes one), and the
group ``sales`` with one agent, the simulator's help desk (which answers), available, with a
password for the agent's page. Idempotent otherwise. Imports the demo account's names only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.cli.demo import DEMO_ACCOUNT

FLOW = "dialer-sales"
NUMBER = "447700900190"
AGENT, AGENT_NUMBER = "desk", "447700900300"
PASSWORD = "demo-agent-page"
"""The demo agent's password for the agent's page (the local run only)."""


def load(container: Any) -> Mapping[str, Any]:
    """Set the dialer's demo up; what the banner of ``make run`` shows."""
    admin = container.admin
    admin.provision_number(DEMO_ACCOUNT, NUMBER)
    admin.attach_number(DEMO_ACCOUNT, NUMBER, FLOW)
    campaigns = container.services("campaigns").campaigns
    campaigns.activate(DEMO_ACCOUNT, FLOW)
    campaigns.configure_account(DEMO_ACCOUNT, {"ip_whitelist": ("127.0.0.1/32", "::1/128")})
    secret = campaigns.rotate_security_id(DEMO_ACCOUNT, FLOW)
    agents = container.services("dialer").agents
    now = container.clock()
    agents.put_group(DEMO_ACCOUNT, "sales", "Sales", wrap_up_seconds=10, now=now)
    agents.put_agent(
        DEMO_ACCOUNT, AGENT, "sales", "desk phone", name="Help desk", number=AGENT_NUMBER, now=now
    )
    if agents.agent(DEMO_ACCOUNT, AGENT).state.value in ("logged_out", "paused"):
        agents.set_state(DEMO_ACCOUNT, AGENT, "available", now, "the demo")
    dialer = container.services("dialer")
    if not dialer.logins.has_password(DEMO_ACCOUNT, AGENT):
        dialer.logins.set_password(DEMO_ACCOUNT, AGENT, PASSWORD)
    return {
        "dialer": {
            "flow": FLOW,
            "security_id": secret,
            "agent": AGENT_NUMBER,
            "agent_id": AGENT,
            "password": PASSWORD,
            "agent_page": "/agent/login",
            "board": "/dialer/board/login",
        }
    }
