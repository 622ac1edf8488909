"""The dev phones' numbers: which browser tab holds which number, and which leg each phone is
on. A number is a phone's while its tab keeps asking about it (``HOLD_SECONDS``); two tabs may
not hold one number, and the account's own numbers (the platform's side) are never a phone.

Plain state under a lock, the clock passed in; no I/O. Imports the standard library only.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

HOLD_SECONDS = 10.0
"""How long a number stays a tab's after the tab last asked about it (a closed tab lets go)."""
FIRST_SUGGESTED = 447700900001
"""The first number offered to a new tab (the UK's drama range, 07700 900xxx)."""

_NUMBER = re.compile(r"\+?[1-9]\d{6,14}")
_TAB = re.compile(r"[A-Za-z0-9_-]{8,64}")


class PhoneError(Exception):
    """A dev phone's request that cannot be honoured (``conflict``: another holds the number)."""

    def __init__(self, message: str, *, conflict: bool = False) -> None:
        super().__init__(message)
        self.conflict = conflict


def number_of(value: object, name: str = "number") -> str:
    """An E.164 number without its ``+``; ``PhoneError`` when ``value`` is not one."""
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        raise PhoneError(f"{name} must be an E.164 number such as +447700900001")
    return value.strip().lstrip("+")


def tab_of(value: object) -> str:
    """A tab's token (8 to 64 letters, digits, ``-`` or ``_``)."""
    if not isinstance(value, str) or not _TAB.fullmatch(value):
        raise PhoneError("tab must be 8 to 64 letters, digits, - or _")
    return value


@dataclass
class Phone:
    """One number held by one tab; ``leg``: the uuid of the phone's latest leg."""

    number: str
    tab: str
    seen_at: float
    leg: str | None = None


class PhoneRegistry:
    """The numbers the dev phones hold."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._phones: dict[str, Phone] = {}

    def _held(self, phone: Phone | None) -> bool:
        return phone is not None and self._monotonic() - phone.seen_at <= HOLD_SECONDS

    def claim(self, number: str, tab: str, account_numbers: Collection[str]) -> Phone:
        """``tab`` holds ``number`` from now (again, if it held it already)."""
        if number in account_numbers:
            raise PhoneError(f"{number} is one of the account's numbers: it cannot be a phone")
        with self._lock:
            phone = self._phones.get(number)
            if phone is not None and phone.tab != tab and self._held(phone):
                raise PhoneError(f"{number} is in use by another tab", conflict=True)
            for other in [p for p in self._phones.values() if p.tab == tab and p is not phone]:
                del self._phones[other.number]
            if phone is None or phone.tab != tab:
                phone = Phone(number, tab, self._monotonic())
                self._phones[number] = phone
            phone.seen_at = self._monotonic()
            return phone

    def release(self, number: str, tab: str) -> None:
        """``tab`` lets ``number`` go (nothing when another tab holds it)."""
        with self._lock:
            phone = self._phones.get(number)
            if phone is not None and phone.tab == tab:
                del self._phones[number]

    def owned(self, number: str, tab: str) -> Phone:
        """The phone ``tab`` holds on ``number``, noting that the tab is still there."""
        with self._lock:
            phone = self._phones.get(number)
            if phone is None or phone.tab != tab:
                raise PhoneError(f"this tab does not hold {number}: pick it again", conflict=True)
            phone.seen_at = self._monotonic()
            return phone

    def is_phone(self, number: str) -> bool:
        """Whether ``number`` is a dev phone's (held, or let go by a tab that went quiet but
        that no other tab took)."""
        with self._lock:
            return number in self._phones

    def leg_of(self, number: str) -> str | None:
        with self._lock:
            phone = self._phones.get(number)
            return phone.leg if phone is not None else None

    def set_leg(self, number: str, uuid: str) -> None:
        with self._lock:
            phone = self._phones.get(number)
            if phone is not None:
                phone.leg = uuid

    def suggest(self, account_numbers: Collection[str]) -> str:
        """The first number from ``FIRST_SUGGESTED`` that no tab holds and the account does
        not own."""
        with self._lock:
            candidate = FIRST_SUGGESTED
            while str(candidate) in account_numbers or self._held(self._phones.get(str(candidate))):
                candidate += 1
            return str(candidate)
