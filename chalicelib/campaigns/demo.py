"""The campaigns' demo for the local run: the demo account's ``appointment-reminder`` flow
(its DID attached by the platform's demo) activated as an outbound campaign flow, requests from
loopback allowed, call lists e-mailed from ``@example.com`` accepted, and a fresh security id
for the banner (it is shown once, so each run makes one). Idempotent otherwise. Imports the
campaigns' report and the demo account's names only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.campaigns.report import upload_address
from chalicelib.cli.demo import DEMO_ACCOUNT

FLOW = "appointment-reminder"
PAGE = "/pages/outbound-upload"


def load(container: Any) -> Mapping[str, Any]:
    """Activate the demo's reminder flow for campaigns; what the banner shows."""
    campaigns = container.services("campaigns").campaigns
    settings, _ = campaigns.activate(DEMO_ACCOUNT, FLOW)
    campaigns.configure_account(
        DEMO_ACCOUNT,
        {"ip_whitelist": ("127.0.0.1/32", "::1/128"), "allowed_senders": ("@example.com",)},
    )
    secret = campaigns.rotate_security_id(DEMO_ACCOUNT, FLOW)
    return {
        "campaigns": {
            "flow": FLOW,
            "security_id": secret,
            "upload_address": upload_address(settings, container.settings.mail_domain),
            "page": PAGE,
        }
    }
