"""Attribute types of the store's pynamodb models: exact decimals, integers, enums, tz-aware
UTC datetimes, string maps and maps of typed sub-documents.

Money never goes through ``float``: a Decimal is written as the exact decimal text of a DynamoDB
Number and read back as a Decimal. Naive datetimes are refused rather than guessed. Part of
``store``, the only package that may import pynamodb.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar

from pynamodb.attributes import Attribute, MapAttribute, UTCDateTimeAttribute
from pynamodb.constants import DATETIME_FORMAT, LIST, MAP, NUMBER, STRING

E = TypeVar("E", bound=Enum)
M = TypeVar("M", bound="MapAttribute[str, Any]")


def decimal_text(value: Decimal | int) -> str:
    """The exact DynamoDB Number text of ``value``; refuses floats, bools and non-finite values."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected a Decimal (never a float), got {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{number} cannot be stored as a DynamoDB Number")
    return format(number, "f")


def require_aware(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` if it carries a UTC offset; a naive datetime is a bug, not UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {value.isoformat()}")
    return value


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB Number read and written as an exact ``Decimal``."""

    attr_type = NUMBER

    def serialize(self, value: Decimal | int) -> str:
        return decimal_text(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class IntegerAttribute(Attribute[int]):
    """A DynamoDB Number that is always an ``int``."""

    attr_type = NUMBER

    def serialize(self, value: int) -> str:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expected an int, got {type(value).__name__}")
        return str(value)

    def deserialize(self, value: str) -> int:
        return int(value)


class EnumAttribute(Attribute[E], Generic[E]):
    """A string holding an enum's value; reads back as the enum member."""

    attr_type = STRING

    def __init__(self, enum_type: type[E], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enum_type = enum_type

    def serialize(self, value: E) -> str:
        return str(self.enum_type(value).value)

    def deserialize(self, value: str) -> E:
        return self.enum_type(value)


class UtcDateTimeAttribute(UTCDateTimeAttribute):
    """pynamodb's fixed-width, sortable UTC datetime text, refusing naive datetimes.

    The text (``2024-05-01T12:00:00.000000+0000``) sorts like the instants it names, so
    conditions such as ``updated_at <= :at`` compare times.
    """

    def serialize(self, value: datetime) -> str:
        utc = require_aware(value, self.attr_name or "datetime").astimezone(UTC)
        return utc.strftime(DATETIME_FORMAT).zfill(31)


class StringMapAttribute(Attribute[Mapping[str, str]]):
    """A map of string to string (flow, call and user variables); empty maps are not stored."""

    attr_type = MAP

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        super().__init__(**kwargs)

    def serialize(self, value: Mapping[str, str]) -> dict[str, dict[str, str]] | None:
        out: dict[str, dict[str, str]] = {}
        for key, text in value.items():
            if not isinstance(key, str) or not isinstance(text, str):
                raise TypeError(f"{self.attr_name}: {key!r} -> {text!r} is not str -> str")
            out[key] = {STRING: text}
        return out or None

    def deserialize(self, value: dict[str, dict[str, str]]) -> dict[str, str]:
        return {key: typed[STRING] for key, typed in value.items()}


class StringListAttribute(Attribute[list[str]]):
    """An ordered list of strings (kept in insertion order, unlike a string set)."""

    attr_type = LIST

    def serialize(self, value: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
        if any(not isinstance(text, str) for text in value):
            raise TypeError(f"{self.attr_name}: every element must be a str")
        return [{STRING: text} for text in value]

    def deserialize(self, value: list[dict[str, str]]) -> list[str]:
        return [typed[STRING] for typed in value]


class MapOfAttribute(Attribute[Mapping[str, M]], Generic[M]):
    """A map from free keys to typed sub-documents (a ``MapAttribute`` subclass); empty maps are
    not stored."""

    attr_type = MAP

    def __init__(self, of: type[M], **kwargs: Any) -> None:
        kwargs.setdefault("null", True)
        super().__init__(**kwargs)
        self.of = of

    def serialize(self, value: Mapping[str, M]) -> dict[str, dict[str, Any]] | None:
        element = self.of()
        return {key: {MAP: element.serialize(doc)} for key, doc in value.items()} or None

    def deserialize(self, value: dict[str, dict[str, Any]]) -> dict[str, M]:
        element = self.of()
        return {
            key: element.deserialize(typed[MAP])  # type: ignore[no-untyped-call]
            for key, typed in value.items()
        }
