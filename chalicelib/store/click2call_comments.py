"""A company's comment types in DynamoDB: the ``c2c_comment_types`` table, one item per type
(its name and its fields as JSON), with ``CommentTypeRepository``. The comments themselves are
kept on their request (``store.click2call_requests``). Items and pynamodb exceptions never
leave this module; each method's docstring gives its DynamoDB requests. Imports pynamodb, the
store's base helpers and the click-to-call records. Part of ``store``, the only package that
may import pynamodb.
"""

from __future__ import annotations

import builtins
import json
from typing import ClassVar

from pynamodb.attributes import UnicodeAttribute

from chalicelib.store.base import get_item, translated
from chalicelib.store.binding import bound_settings
from chalicelib.store.click2call_records import CommentField, CommentType, FieldKind
from chalicelib.store.registry import StoreItem


class CommentTypeItem(StoreItem):
    """One comment type of a company (``c2c_comment_types``)."""

    LOGICAL_NAME: ClassVar[str] = "c2c_comment_types"

    class Meta:
        table_name = "c2c_comment_types"

    company_id = UnicodeAttribute(hash_key=True)
    type_id = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute()
    fields = UnicodeAttribute(null=True)
    """The fields, as JSON: ``[{name, kind, choices, required}]``."""


def _comment_type(item: CommentTypeItem) -> CommentType:
    return CommentType(
        company_id=item.company_id,
        type_id=item.type_id,
        name=item.name,
        fields=tuple(
            CommentField(
                name=raw["name"],
                kind=FieldKind(raw.get("kind", "text")),
                choices=tuple(raw.get("choices", ())),
                required=bool(raw.get("required", False)),
            )
            for raw in json.loads(item.fields or "[]")
        ),
    )


class CommentTypeRepository:
    """A company's comment types."""

    def __init__(self) -> None:
        bound_settings()

    @translated
    def put(self, kind: CommentType) -> CommentType:
        """Store a comment type, new or changed (the last write wins). 1 PutItem."""
        fields = [
            {
                "name": f.name,
                "kind": f.kind.value,
                "choices": list(f.choices),
                "required": f.required,
            }
            for f in kind.fields
        ]
        CommentTypeItem(
            kind.company_id,
            kind.type_id,
            name=kind.name,
            fields=json.dumps(fields, separators=(",", ":")) if fields else None,
        ).save()
        return kind

    @translated
    def get(self, company_id: str, type_id: str) -> CommentType:
        """One comment type of a company (``NotFoundError``). 1 consistent GetItem."""
        item = get_item(CommentTypeItem, "comment type", company_id, type_id, consistent=True)
        return _comment_type(item)

    @translated
    def list(self, company_id: str) -> builtins.list[CommentType]:
        """The company's comment types, by id. 1 consistent Query (paginated)."""
        return [
            _comment_type(item) for item in CommentTypeItem.query(company_id, consistent_read=True)
        ]
