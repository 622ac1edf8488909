"""A callback on the call that carries it: the typed data of the callback's first leg
(``CallbackCall``, the ``callback`` namespace of the call's state) and the dials it made
(``Dial``: the money held for one destination, settled when that leg ends).

The first leg (to the user) runs the callback flow; every destination the user keys is one
``Dial``: rated, its money reserved under ``key`` before dialling, bridged with the talk time it
pays for, then settled from the carrier's duration when the dialled leg ends (``settle``). Dials
are kept as compact JSON texts, since call data holds flat values. Pure: imports the standard
library, ``flows.calldata`` and ``billing`` (tariffs, bridge) only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from chalicelib.billing.bridge import BridgeRates, UserLeg
from chalicelib.billing.tariffs import Rate
from chalicelib.flows.calldata import CallData


class Trigger:
    """How a callback was asked for (the seeds' triggers)."""

    ANI = "ani"
    DNIS = "dnis"
    PIN = "pin"
    SMS = "sms"
    WEB = "web"


def _rate_json(rate: Rate) -> list[object]:
    return [
        rate.prefix,
        rate.destination,
        str(rate.price_per_minute),
        str(rate.connection_fee),
        rate.first_increment,
        rate.next_increment,
    ]


def _rate_of(item: list[object]) -> Rate:
    prefix, name, per_minute, fee, first, nxt = item
    return Rate(
        str(prefix),
        str(name),
        Decimal(str(per_minute)),
        Decimal(str(fee)),
        int(str(first)),
        int(str(nxt)),
    )


@dataclass(frozen=True)
class Dial:
    """One destination the user keyed: its money held under ``key`` on ``day``, the talk time
    it pays for, and (once bridged) the dialled leg's id."""

    ref: str
    key: str
    account_id: str
    destination: str
    amount: Decimal
    talk_limit: int
    rates: BridgeRates
    dialled_at: datetime
    day: date
    balance: Decimal = Decimal(0)
    """The account's spendable money before this dial (what ``111`` speaks meanwhile)."""
    leg_id: str | None = None

    def to_text(self) -> str:
        rates = self.rates
        return json.dumps(
            {
                "ref": self.ref,
                "key": self.key,
                "account": self.account_id,
                "to": self.destination,
                "amount": str(self.amount),
                "talk": self.talk_limit,
                "b": _rate_json(rates.destination),
                "a": _rate_json(rates.user) if rates.user else None,
                "mode": rates.user_leg.value,
                "ring": rates.ring_timeout,
                "at": self.dialled_at.isoformat(),
                "day": self.day.isoformat(),
                "balance": str(self.balance),
                "leg": self.leg_id,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_text(cls, text: str) -> Dial:
        doc = json.loads(text)
        rates = BridgeRates(
            destination=_rate_of(doc["b"]),
            user=_rate_of(doc["a"]) if doc["a"] else None,
            user_leg=UserLeg(doc["mode"]),
            ring_timeout=int(doc["ring"]),
        )
        return cls(
            ref=doc["ref"],
            key=doc["key"],
            account_id=doc["account"],
            destination=doc["to"],
            amount=Decimal(doc["amount"]),
            talk_limit=int(doc["talk"]),
            rates=rates,
            dialled_at=datetime.fromisoformat(doc["at"]),
            day=date.fromisoformat(doc["day"]),
            balance=Decimal(doc.get("balance", "0")),
            leg_id=doc.get("leg"),
        )

    def charge(self, talk: int | None, answered: bool, ended_at: datetime) -> Decimal:
        """What this dial costs, settled when its leg ended: the destination's duration if it
        answered, the ring time from the dial to the answer (or the end), capped at what was
        reserved."""
        talk = max(0, talk or 0) if answered else 0
        since = max(0, int((ended_at - self.dialled_at).total_seconds()))
        ringing = min(self.rates.ring_timeout, max(0, since - talk))
        return min(self.amount, self.rates.cost(min(talk, self.talk_limit), answered, ringing))


@dataclass(frozen=True)
class CallbackCall(CallData):
    """The callback a first leg carries: who pays (``account_id``: None until a PIN names it),
    how it was asked for, and the money of its dials (open ones in ``dials``)."""

    NAMESPACE = "callback"

    trigger: str
    access_number: str
    user_number: str
    account_id: str | None = None
    tariff: str | None = None
    currency: str = "EUR"
    internal_account: str | None = None
    pin_failures: int = 0
    lock_minutes: int = 30
    attempt: int = 1
    destination: str | None = None
    """A destination the trigger gave (E.164 digits): dialled at once, the first time."""
    quiet: bool = False
    """Nothing about money is spoken (a hosted web callback, on the provider's account)."""
    max_talk: int | None = None
    """The longest talk of any dial (seconds) the trigger allows, below the widget's."""
    dials: tuple[str, ...] = ()
    """Dials whose money is still held, as ``Dial.to_text``."""
    settling: tuple[str, ...] = ()
    """Settlements of ended dials (``SettleDial`` as JSON) queued but maybe not run yet: the
    next dial runs them first (each is idempotent), so its money is not held back by them."""
    bridged: int = 0
    charged: Decimal = Decimal(0)
    last_destination: str | None = None
    last_destination_name: str | None = None

    def open_dials(self) -> tuple[Dial, ...]:
        return tuple(Dial.from_text(text) for text in self.dials)

    def with_dial(self, dial: Dial) -> CallbackCall:
        """This callback holding ``dial`` (replacing the one of the same key)."""
        kept = tuple(text for text in self.dials if Dial.from_text(text).key != dial.key)
        return replace(self, dials=(*kept, dial.to_text()))

    def without_dial(self, dial: Dial, charged: Decimal, bridged: bool) -> CallbackCall:
        """This callback once ``dial`` is settled for ``charged``."""
        kept = tuple(text for text in self.dials if Dial.from_text(text).key != dial.key)
        return replace(
            self,
            dials=kept,
            charged=self.charged + charged,
            bridged=self.bridged + (1 if bridged else 0),
        )
