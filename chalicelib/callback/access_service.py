"""The access-number service: operators configure access numbers (create or replace, read,
list, delete; the tenant must be an account), try caller ids against one (a dry run of
``translate``), and lock and unlock caller numbers after wrong PINs.

Owns the order of those steps and the mapping between ``callback.access``'s ``AccessNumber``
and the store's ``StoredAccessNumber``; the rules are ``callback.access``'s and the items
``store.access_numbers``'. Imports the pure access module, the store's access-number
repositories and ``chalicelib.errors``; must not import web, wiring or pynamodb.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from chalicelib.callback.access import (
    MAX_PAGE,
    AccessNumber,
    Translation,
    TranslationRule,
    TriggerKind,
    caller_digits,
    is_mail_address,
    number_digits,
    translate,
)
from chalicelib.errors import AlreadyExistsError, ConflictError, NotFoundError
from chalicelib.store.access_numbers import (
    AccessNumberRepository,
    LockoutRepository,
    StoredAccessNumber,
)
from chalicelib.store.base import Clock, utc_now

TenantCheck = Callable[[str], object]
"""Reads the platform account ``tenant`` (``NotFoundError`` if there is none)."""


class UnknownTenantError(NotFoundError):
    """An access number names a tenant that is no account of the platform."""

    def __init__(self, tenant: str) -> None:
        super().__init__(f"no account {tenant!r} (the access number's tenant)")
        self.tenant = tenant


class AccessNumberNotFoundError(NotFoundError):
    """No access number is configured under the number."""

    def __init__(self, number: str) -> None:
        super().__init__(f"no access number {number}")
        self.number = number


class MailAddressTakenError(ConflictError):
    """An access number's e-mail address is another access number's already."""

    def __init__(self, address: str) -> None:
        super().__init__(f"mail address {address} belongs to another access number")
        self.address = address


class NotLockedError(NotFoundError):
    """The caller number is not locked (never was, or the lock ran out)."""

    def __init__(self, number: str) -> None:
        super().__init__(f"caller number {number} is not locked")
        self.number = number


def stored(access: AccessNumber) -> StoredAccessNumber:
    """The store's record of ``access``."""
    return StoredAccessNumber(
        number=access.number,
        kind=str(access.kind),
        tenant=access.tenant,
        language=access.language,
        rules=tuple(str(rule) for rule in access.rules),
        account_id=access.account_id,
        internal_account=access.internal_account,
        delay_seconds=access.delay_seconds,
        flow_id=access.flow_id,
        country=access.country,
        lock_minutes=access.lock_minutes,
        enabled=access.enabled,
        mail_address=access.mail_address,
    )


def domain(record: StoredAccessNumber) -> AccessNumber:
    """The access number a stored record holds."""
    return AccessNumber(
        number=record.number,
        kind=TriggerKind(record.kind),
        tenant=record.tenant,
        language=record.language,
        rules=tuple(TranslationRule.parse(text) for text in record.rules),
        account_id=record.account_id,
        internal_account=record.internal_account,
        delay_seconds=record.delay_seconds,
        flow_id=record.flow_id,
        country=record.country,
        lock_minutes=record.lock_minutes,
        enabled=record.enabled,
        mail_address=record.mail_address,
    )


@dataclass(frozen=True)
class AccessNumberList:
    """A page of access numbers and the number the next page starts after (None: the last)."""

    items: tuple[AccessNumber, ...]
    next: str | None


class AccessNumberService:
    """Access numbers as operators configure them and calls look them up; PIN lockouts."""

    def __init__(
        self,
        numbers: AccessNumberRepository,
        lockouts: LockoutRepository,
        tenant_check: TenantCheck,
        clock: Clock = utc_now,
    ) -> None:
        self.numbers = numbers
        self.lockouts = lockouts
        self._tenant_check = tenant_check
        self._clock = clock

    def put(self, access: AccessNumber) -> bool:
        """Create or replace the access number; True if it is new. ``UnknownTenantError`` if
        its tenant is no account, ``MailAddressTakenError`` if its mail address is another
        access number's (nothing stored). 1 GetItem (the account) + the store's put (1
        GetItem + 1 PutItem, or a transaction when a mail address is set or was)."""
        try:
            self._tenant_check(access.tenant)
        except NotFoundError:
            raise UnknownTenantError(access.tenant) from None
        try:
            return self.numbers.put(stored(access))
        except AlreadyExistsError:
            raise MailAddressTakenError(str(access.mail_address)) from None

    def get(self, number: str) -> AccessNumber:
        """The access number; ``AccessNumberNotFoundError`` if none. 1 GetItem."""
        digits = number_digits(number)
        record = self.numbers.find(digits)
        if record is None:
            raise AccessNumberNotFoundError(digits)
        return domain(record)

    def find(self, number: str) -> AccessNumber | None:
        """The access number a call dialled, or None (a call's lookup). 1 GetItem."""
        record = self.numbers.find(number_digits(number))
        return None if record is None else domain(record)

    def find_by_mail(self, address: str) -> AccessNumber | None:
        """The access number whose mail address is ``address`` (any case), or None (a mail's
        lookup). 2 GetItems; none for what is no address (an empty or overlong recipient)."""
        if not is_mail_address(address):
            return None
        record = self.numbers.find_by_mail(address)
        return None if record is None else domain(record)

    def delete(self, number: str) -> None:
        """Delete the access number (and free its mail address);
        ``AccessNumberNotFoundError`` if none. 1 GetItem + 1 DeleteItem (a transaction when
        it has a mail address)."""
        digits = number_digits(number)
        if not self.numbers.delete(digits):
            raise AccessNumberNotFoundError(digits)

    def list(self, limit: int = MAX_PAGE, after: str | None = None) -> AccessNumberList:
        """A page of access numbers (1 Scan page; an operator's listing)."""
        start = None if after is None else number_digits(after, "after")
        page = self.numbers.list(limit, start)
        return AccessNumberList(tuple(domain(record) for record in page.items), page.next)

    def translate(self, number: str, caller_id: str) -> Translation:
        """What ``caller_id`` on a call to the access number translates to (a dry run: nothing
        is stored). 1 GetItem."""
        return translate(self.get(number), caller_id)

    def lock_caller(self, access: AccessNumber, caller: str) -> datetime:
        """Lock ``caller`` (E.164 digits) for the access number's ``lock_minutes`` from now,
        after ``MAX_PIN_ATTEMPTS`` wrong PINs; when it is free again (a longer lock already
        there is kept). 1 conditional PutItem (+1 GetItem when a longer lock was kept)."""
        digits = caller_digits(caller)
        until = access.lock_until(self._clock())
        if self.lockouts.lock(digits, until):
            return until
        return self.lockouts.locked_until(digits) or until

    def locked_until(self, caller: str) -> datetime | None:
        """Until when ``caller`` is locked, or None. 1 GetItem."""
        return self.lockouts.locked_until(caller_digits(caller))

    def unlock(self, caller: str) -> None:
        """Lift the lock of ``caller``; ``NotLockedError`` if it is not locked. 1 GetItem +
        1 DeleteItem."""
        digits = caller_digits(caller)
        locked = self.lockouts.locked_until(digits)
        self.lockouts.unlock(digits)
        if locked is None:
            raise NotLockedError(digits)
