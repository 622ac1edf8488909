"""What a dev phone does on the network, for the page's routes: claim a number for a tab, dial,
press keys, say words, hang up, pick a ringing call's button, and the phone's state (its latest
call with the transcript the person hears and does, and the SMS the platform sent it).

Every act reaches its leg through ``Network.on_leg`` (where the call is driven, at its virtual
now); this module only validates and reads. Imports the standard library and simulator modules;
never the app, never sockets.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.simulator.interactive import InteractiveCaller, Pick
from chalicelib.simulator.model import EntryKind, Leg, LegStatus, Step, StepKind
from chalicelib.simulator.network import CallStateError, Network
from chalicelib.simulator.phones import Phone, PhoneError, number_of, tab_of

MAX_SAY = 200
MAX_KEYS = 20
HEARD = frozenset(
    {
        EntryKind.SAY,
        EntryKind.PLAY,
        EntryKind.INPUT_REQUEST,
        EntryKind.PRESS,
        EntryKind.SPEAK,
        EntryKind.DIAL,
        EntryKind.STATUS,
        EntryKind.RECORD,
        EntryKind.HANGUP,
        EntryKind.BRIDGE,
        EntryKind.CONVERSATION,
        EntryKind.TRANSFER,
        EntryKind.ERROR,
    }
)
"""The transcript entries a person on the leg would notice (not webhooks, not the SMS log)."""
_DTMF = re.compile(r"[0-9*#]+")


class PhoneDesk:
    """The dev phones of one network."""

    def __init__(self, network: Network) -> None:
        self.network = network

    # -- numbers -----------------------------------------------------------------------------------

    def numbers(self) -> dict[str, Any]:
        """The account's numbers (what a phone dials) and a number a new tab may take."""
        owned = self.network.account_numbers()
        return {
            "account_numbers": sorted(owned),
            "suggested": self.network.phones.suggest(owned),
        }

    def claim(self, number: object, tab: object) -> dict[str, Any]:
        """``tab`` holds ``number`` as its phone; refused for the account's numbers and for a
        number another live tab holds."""
        phone = self.network.phones.claim(
            number_of(number), tab_of(tab), self.network.account_numbers()
        )
        return self._state(phone)

    def release(self, number: object, tab: object) -> None:
        """The tab lets its number go (it was closed): a call still on the phone is hung up, as
        when a person puts the handset down. Nothing when another tab holds the number."""
        phone_number, tab_id = number_of(number), tab_of(tab)
        try:
            leg = self._leg(self.network.phones.owned(phone_number, tab_id))
        except PhoneError:
            return
        if leg is not None and not leg.is_over:
            self._hang_up(leg)
        self.network.phones.release(phone_number, tab_id)

    def state(self, number: object, tab: object) -> dict[str, Any]:
        """The phone's latest call and SMS inbox (and the tab is still there)."""
        return self._state(self._phone(number, tab))

    # -- acts --------------------------------------------------------------------------------------

    def dial(self, number: object, tab: object, to: object) -> dict[str, Any]:
        phone = self._phone(number, tab)
        callee = number_of(to, "to")
        if callee == phone.number:
            raise PhoneError("a phone cannot call itself")
        try:
            self.network.phone_call(phone.number, callee)
        except CallStateError as error:
            raise PhoneError(str(error), conflict=True) from None
        return self._state(phone)

    def press(self, number: object, tab: object, digits: object) -> None:
        """Keys pressed while the call is up (kept until the line takes them)."""
        if not isinstance(digits, str) or not _DTMF.fullmatch(digits) or len(digits) > MAX_KEYS:
            raise PhoneError(f"digits must be 1 to {MAX_KEYS} of 0-9 * #")
        steps = [Step(StepKind.PRESS, digits=digit) for digit in digits]
        self._act(number, tab, steps)

    def say(self, number: object, tab: object, text: object) -> None:
        """Words said into the call (as a script's ``say``)."""
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_SAY:
            raise PhoneError(f"text must be 1 to {MAX_SAY} characters")
        self._act(number, tab, [Step(StepKind.SAY, text=" ".join(text.split()))])

    def hangup(self, number: object, tab: object) -> None:
        self._hang_up(self._live_leg(self._phone(number, tab)))

    def _hang_up(self, leg: Leg) -> None:
        """The person ends the call (the network ends the leg as hung up by the user)."""
        network = self.network
        network.on_leg(leg.uuid, lambda one, now: network.hang_up_leg(one, "user"))

    def pick(self, number: object, tab: object, choice: object) -> None:
        """Answer, busy, decline or answering machine for the call ringing the phone."""
        try:
            pick = Pick(str(choice))
        except ValueError:
            raise PhoneError("choice must be answer, busy, decline or machine") from None
        leg = self._live_leg(self._phone(number, tab))
        if not _ringing(leg):
            raise PhoneError("no call is ringing this phone", conflict=True)

        def choose(one: Leg, now: float) -> None:
            if isinstance(one.caller, InteractiveCaller):
                one.caller.choose(pick)

        self.network.on_leg(leg.uuid, choose)

    # -- reading -----------------------------------------------------------------------------------

    def _phone(self, number: object, tab: object) -> Phone:
        return self.network.phones.owned(number_of(number), tab_of(tab))

    def _leg(self, phone: Phone) -> Leg | None:
        return self.network.leg(phone.leg) if phone.leg is not None else None

    def _live_leg(self, phone: Phone) -> Leg:
        leg = self._leg(phone)
        if leg is None or leg.is_over:
            raise PhoneError("the phone is not on a call", conflict=True)
        return leg

    def _act(self, number: object, tab: object, steps: list[Step]) -> None:
        leg = self._live_leg(self._phone(number, tab))
        if leg.answered_at is None:
            raise PhoneError("the call is not up yet", conflict=True)

        def act(one: Leg, now: float) -> None:
            if isinstance(one.caller, InteractiveCaller) and not one.is_over:
                for step in steps:
                    one.caller.act(now, step)

        self.network.on_leg(leg.uuid, act)

    def _state(self, phone: Phone) -> dict[str, Any]:
        leg = self._leg(phone)
        inbox = [
            {"at": m.at.isoformat(timespec="seconds"), "from": m.from_, "text": m.text}
            for m in reversed(self.network.outbox())
            if m.to == phone.number
        ]
        return {
            "number": phone.number,
            "call": None if leg is None else self._call(leg),
            "inbox": inbox,
        }

    def _call(self, leg: Leg) -> dict[str, Any]:
        incoming = leg.direction == "outbound"
        caller = leg.caller
        pending = caller.pending if isinstance(caller, InteractiveCaller) else ()
        transcript = [
            {"at": round(entry.seconds, 1), "kind": entry.kind.value, "text": entry.text}
            for entry in self.network.call_transcript(leg.call_id)
            if entry.leg == leg.label and entry.kind in HEARD
        ]
        return {
            "uuid": leg.uuid,
            "direction": "incoming" if incoming else "outgoing",
            "other": leg.from_ if incoming else leg.to,
            "status": leg.status.value,
            "ringing": _ringing(leg),
            "up": leg.answered_at is not None and not leg.is_over,
            "ended": leg.is_over,
            "pending": [step.digits or f"“{step.text}”" for step in pending],
            "transcript": transcript,
        }


def _ringing(leg: Leg) -> bool:
    """An incoming call that rings the phone and waits for its person's button."""
    caller = leg.caller
    return (
        leg.direction == "outbound"
        and leg.status in (LegStatus.STARTED, LegStatus.RINGING)
        and isinstance(caller, InteractiveCaller)
        and caller.pick is None
    )
