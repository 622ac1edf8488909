"""What every repository of the store shares: reading DynamoDB's error codes behind pynamodb's
exceptions, turning the rest into ``StoreRequestError`` (``translated``), one GetItem
(``get_item``), one UpdateItem on an existing item (``update_item``), one PutItem of a new item
(``save_if_absent``) and the outcome of a cancelled transaction (``lost_races``).

Aggregate modules (``accounts``, ``numbers``, ``flows``, ``calls``, ``records``, ``variables``,
``markers``, and a product's own) build on these; this module names no table and imports no
domain module: pynamodb, ``store.errors`` and the standard library only. Part of ``store``, the
only package that may import pynamodb.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.store.errors import AlreadyExistsError, NotFoundError, StoreRequestError

P = ParamSpec("P")
R = TypeVar("R")
Clock = Callable[[], datetime]

CONDITION_FAILED = "ConditionalCheckFailedException"
TRANSACTION_CANCELED = "TransactionCanceledException"
CONDITION_LOST = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"
MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's limit of actions in one TransactWriteItems."""


def utc_now() -> datetime:
    """The wall clock, in UTC (the default ``Clock`` of repositories that take one)."""
    return datetime.now(UTC)


def _code(error: PynamoDBException) -> str | None:
    """DynamoDB's error code behind a pynamodb exception, or None. (pynamodb's own
    ``cause_response_code`` raises AttributeError when the cause carries no response, as a read
    timeout's does.)"""
    response = getattr(error.cause, "response", None)
    if not isinstance(response, dict):
        return None
    code = (response.get("Error") or {}).get("Code")
    return code if isinstance(code, str) else None


def condition_failed(error: PynamoDBException) -> bool:
    """Whether ``error`` is a conditional write that lost its condition."""
    return _code(error) == CONDITION_FAILED


def lost_races(error: TransactWriteError) -> list[bool]:
    """Per transaction action, whether its condition failed (True) or it met a concurrent
    transaction (False; None-reason actions are False too). Re-raises ``error`` when the
    transaction failed for any other reason."""
    if _code(error) != TRANSACTION_CANCELED:
        raise error
    codes = [None if reason is None else reason.code for reason in error.cancellation_reasons]
    if any(code not in {None, "None", CONDITION_LOST, TRANSACTION_CONFLICT} for code in codes):
        raise error
    return [code == CONDITION_LOST for code in codes]


def translated(method: Callable[P, R]) -> Callable[P, R]:
    """Turn any pynamodb exception a method lets through into ``StoreRequestError``."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except PynamoDBException as error:
            code = _code(error) or type(error).__name__
            raise StoreRequestError(f"{method.__qualname__} failed: {code}: {error}") from error

    return wrapper


def get_item(
    model: type[Model],
    kind: str,
    key: str,
    range_key: int | str | None = None,
    consistent: bool = False,
) -> Any:
    """One GetItem; ``NotFoundError`` if the item is absent."""
    try:
        return model.get(key, range_key, consistent_read=consistent)
    except DoesNotExist as error:
        shown = key if range_key is None else f"{key}/{range_key}"
        raise NotFoundError(kind, shown) from error


def update_item(item: Model, exists: Condition, kind: str, key: str, actions: list[Action]) -> None:
    """One UpdateItem on an existing item (``exists`` tests its key), refreshing ``item`` from
    the new image; ``NotFoundError`` if the item is absent."""
    try:
        item.update(actions=actions, condition=exists)
    except PynamoDBException as error:
        if condition_failed(error):
            raise NotFoundError(kind, key) from error
        raise


def if_absent(model: type[Model], replacing: Condition | None = None) -> Condition:
    """The condition of writing a new item of ``model``: no item has its key, or (with
    ``replacing``) the stored item meets ``replacing``."""
    absent: Condition = model._hash_key_attribute().does_not_exist()  # type: ignore[no-untyped-call]
    return absent if replacing is None else absent | replacing


def save_if_absent(
    item: Model,
    kind: str | None = None,
    key: str = "",
    detail: str = "already exists",
    *,
    replacing: Condition | None = None,
) -> bool:
    """One conditional PutItem of ``item`` where no item has its key (or, with ``replacing``,
    over a stored item that meets it). True if written. When the condition loses: with
    ``kind``, ``AlreadyExistsError(kind, key, detail)`` (nothing is changed); without, False."""
    try:
        item.save(condition=if_absent(type(item), replacing))
    except PynamoDBException as error:
        if not condition_failed(error):
            raise
        if kind is not None:
            raise AlreadyExistsError(kind, key, detail) from error
        return False
    return True
