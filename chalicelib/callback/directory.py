"""The callback engine's view of access numbers and lockouts (``service.AccessDirectory``), on
the access-number service: an access number read (1 GetItem), a caller id translated by its
rules, a caller's lock read or extended. Imports the callback's access modules only."""

from __future__ import annotations

from datetime import datetime

from chalicelib.callback.access import AccessNumber, translate
from chalicelib.callback.access_service import AccessNumberService


class ServiceDirectory:
    """Access numbers and lockouts through ``AccessNumberService``."""

    def __init__(self, service: AccessNumberService) -> None:
        self._service = service

    def access_number(self, number: str) -> AccessNumber | None:
        return self._service.find(number)

    def translate(self, access: AccessNumber, caller_id: str) -> tuple[str | None, str]:
        translation = translate(access, caller_id)
        reason = translation.reason.value if translation.reason is not None else ""
        return translation.number, reason

    def locked_until(self, number: str) -> datetime | None:
        return self._service.locked_until(number)

    def lock(self, number: str, until: datetime) -> None:
        self._service.lockouts.lock(number, until)
