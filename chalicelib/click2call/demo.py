"""The click-to-call demo for the local run: the demo account allowed to run click-to-call
campaigns on a UK-only tariff (a number elsewhere, or a premium one, is refused), one operator
(the simulator's help desk number, which answers), a number of its own and a campaign calling
the visitor first; the company's pages' password; and the page that shows its banner as a
marketing site would. Idempotent.
Imports the demo account's names and the product's errors only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.cli.demo import DEMO_ACCOUNT
from chalicelib.errors import ConflictError, NotFoundError

NUMBER = "447700900170"
OPERATOR = "447700900300"
CAMPAIGN = "demo-windows"
TARIFF = "demo-c2c"
PASSWORD = "demo-company-pages"
"""The demo company's pages' password (the local run only)."""
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n"
    "447,United Kingdom Mobile,0.15,0,1,1\n"
)


def load(container: Any) -> Mapping[str, Any]:
    """Set the demo up; what the banner of ``make run`` shows."""
    tariffs = container.services("billing").tariffs
    try:
        tariffs.head(TARIFF)
    except NotFoundError:
        tariffs.load(TARIFF, DECK)
    container.admin.provision_number(DEMO_ACCOUNT, NUMBER)
    c2c = container.services("click2call").click2call
    c2c.put_company(
        DEMO_ACCOUNT, "Demo Windows", TARIFF, email="sales@example.com", password=PASSWORD
    )
    c2c.put_operator(DEMO_ACCOUNT, "desk", "Help desk", number=OPERATOR)
    try:
        campaign = c2c.create_campaign(
            DEMO_ACCOUNT,
            {
                "campaign_id": CAMPAIGN,
                "name": "Windows, half price",
                "operators": ["desk"],
                "caller_id": NUMBER,
                "message_text": "Thank you for asking Demo Windows. We connect you to our help"
                " desk now.",
                "redials": 1,
                "redial_pause": 30,
                "price": "0.50",
            },
        )
    except ConflictError:
        campaign = c2c.campaign(DEMO_ACCOUNT, CAMPAIGN)
    return {
        "click2call": {
            "number": NUMBER,
            "operator": OPERATOR,
            "campaign": campaign.campaign_id,
            "key": campaign.public_key,
            "page": f"/pages/c2c/{campaign.public_key}/try",
            "login": "/company/login",
            "company": DEMO_ACCOUNT,
            "password": PASSWORD,
        }
    }
