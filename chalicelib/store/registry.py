"""The registry of the store's tables: ``StoreItem``, the base of every pynamodb table model,
and the record of every concrete model by its ``LOGICAL_NAME``.

Defining a ``StoreItem`` subclass with its own ``LOGICAL_NAME`` registers it, so a product adds
a table by adding its ``store/<product>.py``, not by editing a list; a second model with a
logical name already taken is refused. ``tables`` creates and describes what is registered and
``binding`` binds it (also a model registered after ``bind``, through ``when_registered``).
Imports pynamodb and the standard library only, nothing of the app. Part of ``store``, the only
package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from pynamodb.models import MetaModel, Model

Listener = Callable[[type["StoreItem"]], None]

_models: dict[str, type[StoreItem]] = {}
_listeners: list[Listener] = []


class _StoreItemMeta(MetaModel):
    """pynamodb finishes a model class (attributes, keys, indexes, ``Meta`` defaults) in its
    metaclass's ``__init__``, after ``__init_subclass__`` has registered it; listeners hear of
    a registered model only once it is finished, and a model pynamodb rejects is unregistered."""

    def __init__(
        cls,
        name: str,
        bases: tuple[type, ...],
        namespace: dict[str, Any],
        discriminator: Any = None,
    ) -> None:
        try:
            super().__init__(name, bases, namespace, discriminator)
        except Exception:
            _forget(cls)
            raise
        if _models.get(cls.__dict__.get("LOGICAL_NAME", "")) is cls:
            for listener in tuple(_listeners):
                listener(cls)


class StoreItem(Model, metaclass=_StoreItemMeta):
    """Base of every table model: ``LOGICAL_NAME`` is the table's name before the stage prefix.

    A subclass that sets ``LOGICAL_NAME`` is a table and is registered under it; one that does
    not (an abstract base, or a variant of a table in tests) is not.
    """

    LOGICAL_NAME: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("LOGICAL_NAME")
        if name is None:
            return
        if not isinstance(name, str) or not name:
            raise ValueError(f"{cls.__qualname__}.LOGICAL_NAME must be a non-empty string")
        taken = _models.get(name)
        if taken is not None:
            raise ValueError(
                f"table {name!r} of {cls.__module__}.{cls.__qualname__} is already defined by "
                f"{taken.__module__}.{taken.__qualname__}"
            )
        _models[name] = cls


def _forget(cls: type) -> None:
    name = cls.__dict__.get("LOGICAL_NAME")
    if isinstance(name, str) and _models.get(name) is cls:
        del _models[name]


def registered() -> tuple[type[StoreItem], ...]:
    """Every registered table model, in the order they were defined."""
    return tuple(_models.values())


def unregister(model: type[StoreItem]) -> None:
    """Forget ``model`` (tests that define a table of their own); unknown models are ignored.

    The shared connection keeps the table's schema until a model is registered again under the
    same name (its schema then replaces it) or the next ``binding.bind``.
    """
    _forget(model)


def when_registered(listener: Listener) -> None:
    """Call ``listener`` with every model registered from now on, once pynamodb finished it."""
    _listeners.append(listener)
