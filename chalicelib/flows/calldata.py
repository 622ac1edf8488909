"""A product's own data on a call: typed, namespaced, stored with the call's state.

A product (the callback's account, reservation and second leg; a campaign's contact and
attempt) declares a frozen dataclass subclassing ``CallData`` with a ``NAMESPACE`` and registers
it with ``register_call_data`` at composition. The call's state keeps one instance per namespace
(``CallState.data``), read with ``state.data_of(Kind)`` and written with ``state.with_data``, in
the same one read and one write as the rest of the step: no string call variables. Fields may be
``str``, ``int``, ``bool``, ``Decimal`` (kept exact), ``datetime`` (aware), tuples of those, or
``None``. Data of a namespace no installed product registers is kept as it was stored
(``UnknownCallData``) and written back unchanged. Imports only the standard library.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Mapping

_NAMESPACE = "^[a-z][a-z0-9_]{0,31}$"


class CallData:
    """Base of a product's data on a call (subclasses are frozen dataclasses)."""

    NAMESPACE: ClassVar[str]


@dataclasses.dataclass(frozen=True)
class UnknownCallData(CallData):
    """Stored data of a namespace nobody registered in this process: kept, never interpreted."""

    namespace: str
    fields: Mapping[str, Any]


KINDS: dict[str, type[CallData]] = {}
"""Every registered kind of call data, by namespace."""


def register_call_data(kind: type[CallData]) -> None:
    """Register a product's kind of call data (idempotent). A namespace already taken by
    another kind, or a kind that is not a frozen dataclass: ``ValueError``."""
    import re

    namespace = getattr(kind, "NAMESPACE", "")
    if not re.fullmatch(_NAMESPACE, namespace):
        raise ValueError(f"{kind.__name__}.NAMESPACE must match {_NAMESPACE}")
    params = getattr(kind, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise ValueError(f"{kind.__name__} must be a frozen dataclass")
    known = KINDS.get(namespace)
    if known is not None and known is not kind:
        raise ValueError(f"call data {namespace!r} is already registered")
    KINDS[namespace] = kind


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("call data datetimes must be aware")
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise ValueError(f"call data cannot hold a {type(value).__name__}")


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _typed(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        (item, *_) = typing.get_args(hint) or (Any,)
        return tuple(_typed(item, element) for element in value)
    if hint is Decimal:
        return Decimal(value)
    if hint is datetime:
        return datetime.fromisoformat(value)
    return value


def encode_call_data(data: Mapping[str, CallData]) -> str | None:
    """The JSON text a call's data is stored as (None for none)."""
    if not data:
        return None
    doc: dict[str, Any] = {}
    for namespace, item in sorted(data.items()):
        if isinstance(item, UnknownCallData):
            doc[namespace] = dict(item.fields)
            continue
        doc[namespace] = {
            f.name: _plain(getattr(item, f.name))
            for f in dataclasses.fields(item)  # type: ignore[arg-type]
        }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


def decode_call_data(text: str | None) -> dict[str, CallData]:
    """A call's data from its stored JSON text."""
    if not text:
        return {}
    data: dict[str, CallData] = {}
    for namespace, fields in json.loads(text).items():
        kind = KINDS.get(namespace)
        if kind is None:
            data[namespace] = UnknownCallData(namespace, fields)
            continue
        hints = typing.get_type_hints(kind)
        known = {f.name for f in dataclasses.fields(kind)}  # type: ignore[arg-type]
        values = {
            name: _typed(hints.get(name, Any), v) for name, v in fields.items() if name in known
        }
        data[namespace] = kind(**values)
    return data
