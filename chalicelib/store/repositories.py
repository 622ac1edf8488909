"""The core repositories in one namespace, for the composition root (``wiring`` builds them from
this module once the store is bound).

Each repository lives with its table's model and mapping in its aggregate's module
(``accounts``, ``numbers``, ``flows``, ``calls``, ``records``, ``variables``, ``markers``); this
module only re-exports them. A product does not add to it: it adds its own
``store/<product>.py`` (model, mapping, repository), and its composition imports that module.
Imports the core aggregate modules only. Part of ``store``, the only package that may import
pynamodb.
"""

from __future__ import annotations

from chalicelib.store.accounts import AccountRepository
from chalicelib.store.calls import CallRepository
from chalicelib.store.flows import FlowRepository
from chalicelib.store.markers import MarkerRepository, SmsPart
from chalicelib.store.numbers import NumberRepository
from chalicelib.store.records import CallRecordRepository
from chalicelib.store.variables import UserVariableRepository

__all__ = [
    "AccountRepository",
    "CallRecordRepository",
    "CallRepository",
    "FlowRepository",
    "MarkerRepository",
    "NumberRepository",
    "SmsPart",
    "UserVariableRepository",
]
