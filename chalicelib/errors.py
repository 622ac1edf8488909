"""The platform's one error hierarchy: neutral domain errors every layer may raise and catch.

A service catches these by class (``except NotFoundError``), whatever raised them: the store,
an in-memory fake, another product. Packages subclass them for their own cases (the store's
``NotFoundError`` carries the kind and key, a carrier's unavailability is an
``UnavailableError``), so a caller never needs to know who raised. No error carries an HTTP
status: the web layer maps classes to statuses by walking an error's MRO
(``web.problems.status_for``), and a product registers its own classes there. Imports nothing.
"""

from __future__ import annotations

from collections.abc import Sequence


class RingflowError(Exception):
    """Base of every domain error; ``problems`` lists each reason when there are several.
    ``internal`` errors have messages for logs only (they name tables, hosts, requests): a
    client is told only their kind."""

    internal = False

    def __init__(self, message: str = "", problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


class NotFoundError(RingflowError):
    """What was asked for does not exist (or is not the caller's: never told apart)."""


class AlreadyExistsError(RingflowError):
    """A create found the item already there (an id taken, a retried first webhook)."""


class ConflictError(RingflowError):
    """The request clashes with the state stored (a flow whose listener is off, a disabled
    number, a balance that would go below its minimum)."""


class StaleStateError(ConflictError):
    """A conditional write lost a race: someone else wrote first. Reload and redo."""


class ValidationError(RingflowError, ValueError):
    """The input breaks a rule of the domain (a malformed number, an unknown language)."""


class TooLargeError(ValidationError):
    """The input is larger than the platform stores (a flow document, a body)."""


class RefusedError(RingflowError):
    """A rule of the service refuses the request as such, whoever asks again (a destination
    outside a service's allow-list, a daily cap reached): not malformed, not a missing thing."""


class RateLimitedError(RingflowError):
    """Too many requests of one kind within a window; the same request may pass after
    ``retry_after`` seconds."""

    def __init__(self, message: str = "", retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class UnavailableError(RingflowError):
    """Something the platform depends on failed before acting (the store, the carrier, the
    request's deadline): nothing changed; the same request may succeed later."""


class UpstreamError(RingflowError):
    """A service the platform relies on refused the request (the carrier said no)."""


class OutcomeUnknownError(RingflowError):
    """A request was sent but its answer was lost: it may have taken effect. Reconcile; never
    blindly retry."""
