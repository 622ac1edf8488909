"""Errors a carrier adapter raises (the ports' failure modes), one class per thing a caller can
do about it. Services catch these without importing any provider package.

``CarrierBusyError`` and ``CarrierUnavailableError`` are transient: nothing happened at the
carrier, requeue and try later (``retryable``). ``CarrierOutcomeUnknownError`` means the request
may have taken effect (a call may ring): reconcile, never blindly retry, or a call is doubled.
The others will fail the same way again. Messages name the operation and the carrier's answer,
never credentials or phone numbers. Each subclasses the neutral class of ``chalicelib.errors``
that says what a caller can do (``UnavailableError``, ``OutcomeUnknownError``, ...). Imports only
the standard library and ``chalicelib.errors``.
"""

from __future__ import annotations

from chalicelib import errors


class CarrierError(errors.UpstreamError):
    """The carrier did not do what was asked."""

    retryable: bool = False


class CarrierBusyError(errors.UnavailableError, CarrierError):
    """Rate-limited (HTTP 429, SMS status 1) even after bounded back-off; nothing was done.

    ``retry_after`` holds the carrier's ``Retry-After`` seconds when it sent one.
    """

    retryable = True

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CarrierUnavailableError(errors.UnavailableError, CarrierError):
    """The carrier could not be reached or failed before acting; nothing was done."""

    retryable = True


class CarrierOutcomeUnknownError(errors.OutcomeUnknownError, CarrierError):
    """The request was sent but its answer was lost or unreadable: it may have taken effect."""


class CarrierAuthError(CarrierError):
    """Credentials are wrong or not allowed (HTTP 401/403, unusable application key)."""


class CarrierNotFoundError(errors.NotFoundError, CarrierError):
    """The leg or resource does not exist (ended, or lives in another region)."""


class CarrierRequestError(CarrierError):
    """The request is invalid: refused by validation here or by the carrier (4xx, SMS status)."""


class RecordingUrlError(errors.ValidationError):
    """A recording URL points somewhere the application JWT must not be sent."""
