"""The platform's own tables, in their fixed order (``CORE_MODELS``): importing this module
imports the core aggregate modules, which registers their models.

``tables.table_models()`` puts these first, in this order, and every other registered model
(a product's ``store/<product>.py``) after them; a product never edits this list. Imports the
core aggregate modules only. Part of ``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from chalicelib.store.accounts import AccountItem
from chalicelib.store.calls import CallItem
from chalicelib.store.flows import FlowItem
from chalicelib.store.markers import MarkerItem
from chalicelib.store.numbers import NumberItem
from chalicelib.store.records import CallRecordItem
from chalicelib.store.registry import StoreItem
from chalicelib.store.sms import SentSmsItem
from chalicelib.store.variables import UserVariableItem

CORE_MODELS: tuple[type[StoreItem], ...] = (
    AccountItem,
    NumberItem,
    FlowItem,
    CallItem,
    CallRecordItem,
    UserVariableItem,
    MarkerItem,
    SentSmsItem,
)
"""The core tables, one model each, in the order they are created and described."""
