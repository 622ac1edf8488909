"""The caller id a ``connect`` presents to the number it dials (FACTS §2.4; DOCS-2021 NCCO
reference, connect ``from``): without ``from`` the callee sees an unknown caller; ``from`` must
be one of the account's numbers, or the network refuses to place the leg; ``randomFromNumber``
picks one of them.

The account's numbers are the application's configured ones plus every number a caller rang to
reach the application (the provider only routes numbers the account rents). Pure; imports only
the standard library; must not import the network, the leg runtime or the app.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

UNKNOWN_CALLER = "Unknown"
REFUSED_DETAIL = "restricted"


@dataclass(frozen=True)
class CallerId:
    """The ``from`` of the dialled leg, and why the network refuses to place it (or None)."""

    number: str
    refusal: str | None = None


def for_connect(
    action: Mapping[str, Any], account_numbers: Collection[str], random_number: Callable[[], str]
) -> CallerId:
    """The caller id of a ``connect`` action's new leg."""
    if "from" in action:
        number = str(action["from"]).lstrip("+")
        if number not in account_numbers:
            return CallerId(number, f"from {number} is not one of the account's numbers")
        return CallerId(number)
    if action.get("randomFromNumber") is True:
        return CallerId(random_number())
    return CallerId(UNKNOWN_CALLER)
