"""The tip jar's table and repository, built from the store's base helpers only: what a
product's ``chalicelib/store/<product>.py`` holds. The model is defined by ``tip_item()`` rather
than at import, so the suite's other tests (which compare the list of tables with the core one)
never see it; ``forget()`` unregisters it again."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.attributes import DecimalAttribute, UtcDateTimeAttribute
from chalicelib.store.base import save_if_absent, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.registry import StoreItem, unregister
from exampleproduct.model import RecordTip

_model: type[StoreItem] | None = None


def tip_item() -> type[StoreItem]:
    """The tips table's model (``example_tips``: per account, one item per tip key)."""
    global _model  # noqa: PLW0603 - one model per process, like a module-level class
    if _model is None:

        class TipItem(StoreItem):
            LOGICAL_NAME: ClassVar[str] = "example_tips"

            class Meta:
                table_name = "example_tips"

            account_id = UnicodeAttribute(hash_key=True)
            key = UnicodeAttribute(range_key=True)
            call_id = UnicodeAttribute()
            amount = DecimalAttribute()
            at = UtcDateTimeAttribute()

        _model = TipItem
    return _model


def forget() -> None:
    """Unregister the model (end of a test)."""
    global _model  # noqa: PLW0603
    if _model is not None:
        unregister(_model)
        _model = None


class TipRepository:
    """Tips, once per key."""

    def __init__(self) -> None:
        bound_settings()
        self._model = tip_item()

    @translated
    def add(self, tip: RecordTip) -> bool:
        """Record a tip once (a redelivered task writes nothing). 1 PutItem."""
        item = self._model(
            tip.account_id,
            tip.key,
            call_id=tip.call_id,
            amount=Decimal(tip.amount),
            at=datetime.now(UTC),
        )
        return save_if_absent(item)

    @translated
    def total(self, account_id: str) -> Decimal:
        """What the account was tipped. 1 Query."""
        return sum(
            (item.amount for item in self._model.query(account_id, consistent_read=True)),
            Decimal(0),
        )
