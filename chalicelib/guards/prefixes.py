"""Premium and high-risk destinations denied by default to public triggers (a click-to-call
banner, a web callback form): the prefixes where toll fraud (IRSF, wangiri) pumps traffic
(FACTS-operations §3.1, control 16: "premium/high-risk prefixes denied by default"). A number
whose E.164 digits start with one of them is refused whatever the tariff says. Imports nothing.
"""

from __future__ import annotations

DENIED_PREFIXES: tuple[str, ...] = (
    "4487",  # UK 087 revenue sharing
    "449",  # UK 09 premium rate
    "4470",  # UK 070 personal numbers (often re-routed abroad)
    "1900",  # North America premium
    "1976",
    "1876",  # Jamaica, the wangiri classic
    "870",  # Inmarsat
    "881",  # global satellite
    "882",  # international networks
    "883",
    "979",  # international premium rate
)


def denied(number: str, extra: tuple[str, ...] = ()) -> str | None:
    """The denied prefix ``number`` (E.164 digits) starts with, or None."""
    digits = number.lstrip("+")
    return next((p for p in (*DENIED_PREFIXES, *extra) if digits.startswith(p)), None)
