"""Test kit for the pace of outbound calls on moto: reads that see each item whole under threads,
and the count of grants in rolling windows."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend
from motokit import serialize_dynamodb


def serialize_whole_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """``motokit.serialize_dynamodb``, and each item read copied under the same lock: moto
    hands a read the stored item, which its response then describes outside the lock while a
    write may be changing it in place (DynamoDB reads an item whole)."""
    original: Callable[..., Any] = DynamoDBBackend.get_item

    def whole(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        return copy.deepcopy(original(self, *args, **kwargs))

    monkeypatch.setattr(DynamoDBBackend, "get_item", whole)
    serialize_dynamodb(monkeypatch)


def most_in_any_window(times: Sequence[datetime], window: timedelta) -> int:
    """The most of ``times`` within any window ``(t - window, t]``."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - window:
            first += 1
        most = max(most, last - first + 1)
    return most
