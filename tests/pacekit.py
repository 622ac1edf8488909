"""Test kit for the pace of outbound calls on moto: the ``campaign_pacing`` table for one test,
reads that see each item whole under threads, and the count of grants in rolling windows.

The campaigns product is not installed yet (``chalicelib.products.PRODUCT_MODULES``), so its
table must not stay registered after a test: other tests compare the registered tables with the
installed ones. ``pacing_table`` imports the store module (or defines its model again, if an
earlier test unregistered it), creates its table and unregisters it afterwards, unless it was
registered before (by an installed product).
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend
from motokit import serialize_dynamodb

from chalicelib.settings import Settings
from chalicelib.store.registry import registered, unregister
from chalicelib.store.tables import create_tables

MODULE = "chalicelib.store.campaign_pacing"


@contextmanager
def registered_pacing() -> Iterator[ModuleType]:
    """The store module of paces, its table registered until the end of the block."""
    module = sys.modules.get(MODULE)
    ours = True
    if module is None:
        module = importlib.import_module(MODULE)
    elif module.CampaignPacingItem not in registered():
        module = importlib.reload(module)
    else:
        ours = False
    try:
        yield module
    finally:
        if ours:
            unregister(module.CampaignPacingItem)


@contextmanager
def pacing_table(settings: Settings) -> Iterator[ModuleType]:
    """GIVEN the store bound to moto: the store module of paces, its table created."""
    with registered_pacing() as module:
        create_tables(settings)
        yield module


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
