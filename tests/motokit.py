"""Test kit for races on moto in-process: moto applies a DynamoDB request as Python code that
threads may interleave, where DynamoDB applies each request to an item atomically.
``serialize_dynamodb`` runs each request under one lock, so threads race as requests do on
DynamoDB and moto still evaluates every condition."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend


def serialize_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make each of moto's DynamoDB writes and reads atomic for this test."""
    lock = threading.RLock()  # moto may nest requests (a transaction reads items)

    def atomic(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)

        return wrapper

    for name in ("transact_write_items", "update_item", "put_item", "get_item", "delete_item"):
        monkeypatch.setattr(DynamoDBBackend, name, atomic(getattr(DynamoDBBackend, name)))
