"""The money of one bridged call (a caller's leg joined to a dialled leg), pure: what it costs
for a talk time, what must be reserved before dialling, and the longest talk a balance pays for.

Both legs are rated: the dialled leg (the destination) from its answer, the user's leg by the
service's switch ``UserLeg``: ``answered`` bills it only for the talk time of a call the
destination answered; ``always`` bills it from the moment the destination is dialled (ringing
included) whether or not it answers. The user's time in the menus before a dial is not billed.
The reservation for a dial is the cost of the longest talk with the whole ring time, so the
settled cost of any real call fits in it, and the bridge's ``limit`` is that talk time: the
balance can never go below zero. Used by every product that bridges two legs for an account
(callback, click-to-call, the dialer). Imports the standard library and ``billing.tariffs``
only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from chalicelib.billing.tariffs import Rate

MAX_TALK_SECONDS = 7200
"""The carrier's longest bridge (the connect action's ``limit``, FACTS §2.4)."""


class UserLeg(StrEnum):
    """When the leg to the user is billed."""

    ANSWERED = "answered"
    ALWAYS = "always"


@dataclass(frozen=True)
class BridgeRates:
    """How one bridged call is priced: the destination's rate, the user's leg's rate (None:
    that leg is not billed), the switch, and the ring time the dial allows."""

    destination: Rate
    user: Rate | None = None
    user_leg: UserLeg = UserLeg.ANSWERED
    ring_timeout: int = 30

    def cost(self, talk: int, answered: bool, ringing: int = 0) -> Decimal:
        """What the call costs: the destination's leg for ``talk`` seconds if it answered, and
        the user's leg for the talk (``answered``) or for ringing plus talk (``always``)."""
        if talk < 0 or ringing < 0:
            raise ValueError("a call cannot last less than 0 s")
        total = self.destination.price(talk) if answered else Decimal(0)
        if self.user is not None:
            if self.user_leg is UserLeg.ALWAYS:
                seconds = ringing + (talk if answered else 0)
                total += self.user.price(seconds) if seconds or answered else Decimal(0)
            elif answered:
                total += self.user.price(talk)
        return total

    def reservation(self, talk: int) -> Decimal:
        """What a dial allowing ``talk`` seconds must hold: the cost of that talk after the
        whole ring time (the most the call can cost)."""
        return self.cost(talk, answered=True, ringing=self.ring_timeout)


def max_talk(rates: BridgeRates, available: Decimal, cap: int = MAX_TALK_SECONDS) -> int:
    """The longest talk, in whole seconds up to ``cap``, whose reservation ``available`` covers;
    0 when not even a one-second call is covered. Costs only grow with time, so a binary search
    finds it in about 13 pricings."""
    if rates.reservation(1) > available:
        return 0
    low, high = 1, cap
    while low < high:
        middle = (low + high + 1) // 2
        if rates.reservation(middle) <= available:
            low = middle
        else:
            high = middle - 1
    return low
