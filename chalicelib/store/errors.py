"""Errors of the store: what a repository raises instead of a pynamodb or botocore exception.

Callers catch these, or the neutral classes of ``chalicelib.errors`` they subclass (a service
catches ``chalicelib.errors.NotFoundError`` whether the store or a fake raised it), never a
pynamodb exception: nothing outside ``store`` may import pynamodb. This module imports only the
standard library and ``chalicelib.errors``, so it is cheap to import from anywhere.
"""

from __future__ import annotations

from decimal import Decimal

from chalicelib import errors


class StoreError(errors.RingflowError):
    """Base class of every error a repository raises."""


class NotFoundError(errors.NotFoundError, StoreError):
    """The item asked for does not exist."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind = kind
        self.key = key


class AlreadyExistsError(errors.AlreadyExistsError, StoreError):
    """A create found the item already there (for a call: a retried answer webhook)."""

    def __init__(self, kind: str, key: str, detail: str = "already exists") -> None:
        super().__init__(f"{kind} {key!r} {detail}")
        self.kind = kind
        self.key = key


class StaleStateError(errors.StaleStateError, StoreError):
    """A conditional write lost a race: someone else wrote the item first. Reload and redo."""

    def __init__(self, kind: str, key: str, detail: str = "was changed by another writer") -> None:
        super().__init__(f"{kind} {key!r} {detail}")
        self.kind = kind
        self.key = key


class InsufficientBalanceError(errors.ConflictError, StoreError):
    """A balance change was refused because the balance would go below the allowed minimum."""

    def __init__(self, account_id: str, balance: Decimal, delta: Decimal, minimum: Decimal) -> None:
        super().__init__(
            f"account {account_id!r}: balance {balance} {delta:+} would go below {minimum}"
        )
        self.account_id = account_id
        self.balance = balance
        self.delta = delta
        self.minimum = minimum


class StoreRequestError(errors.UnavailableError, StoreError):
    """DynamoDB failed a request for another reason than a lost condition.

    Throttling after the client's retries, a timeout, a missing table, a rejected request. The
    original exception is chained as ``__cause__``; nothing was changed by the failed request
    unless it timed out after DynamoDB applied it (conditional writes make a retry safe).
    Its message names tables and requests: ``internal``, never shown to a client.
    """

    internal = True
