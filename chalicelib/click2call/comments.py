"""Comments on click-to-call requests, pure: the comment types a company defines (each with its
fields: text, number, money, a choice among values) checked, a comment's values checked against
its type, and the CSV export of requests with their comments (cells a spreadsheet could run as a
formula escaped: ``ops.spreadsheet``). Imports the product's model and the platform's
spreadsheet and errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.click2call.model import (
    CommentField,
    CommentType,
    FieldKind,
    Request,
)
from chalicelib.errors import ValidationError
from chalicelib.ops.spreadsheet import to_csv

NOTE = "note"
"""The comment type every company has: a text, no fields."""
MAX_FIELDS = 10
MAX_CHOICES = 20
MAX_TEXT = 2000
MAX_VALUE = 200
MAX_COMMENTS = 100
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def checked_type(company_id: str, type_id: str, name: str, fields: Sequence[Any]) -> CommentType:
    """A comment type from a REST body or the CLI (``ValidationError`` saying what is wrong)."""
    if not _NAME.match(type_id) or type_id == NOTE:
        raise ValidationError(
            f"a comment type's id is 1 to 40 of a-z, 0-9 and _, starting with a letter (not"
            f" {NOTE!r}, which every company has)"
        )
    if not name.strip() or len(name) > 100:
        raise ValidationError("a comment type's name is 1 to 100 characters")
    if len(fields) > MAX_FIELDS:
        raise ValidationError(f"a comment type has at most {MAX_FIELDS} fields")
    made: list[CommentField] = []
    for raw in fields:
        if not isinstance(raw, Mapping) or not _NAME.match(str(raw.get("name", ""))):
            raise ValidationError("each field has a name of a-z, 0-9 and _ (e.g. amount)")
        try:
            kind = FieldKind(raw.get("kind", "text"))
        except ValueError:
            raise ValidationError(
                f"field {raw['name']!r}: kind is one of {[k.value for k in FieldKind]}"
            ) from None
        choices = tuple(str(c)[:MAX_VALUE] for c in raw.get("choices") or ())
        if kind is FieldKind.CHOICE and not 1 <= len(choices) <= MAX_CHOICES:
            raise ValidationError(f"field {raw['name']!r}: 1 to {MAX_CHOICES} choices")
        made.append(CommentField(str(raw["name"]), kind, choices, bool(raw.get("required"))))
    if len({f.name for f in made}) != len(made):
        raise ValidationError("a comment type's fields have different names")
    return CommentType(company_id, type_id, name.strip(), tuple(made))


def checked_values(
    kind: CommentType | None, values: Mapping[str, Any]
) -> tuple[tuple[str, str], ...]:
    """A comment's values, each as its field says (a number, an amount, one of the choices)."""
    fields = {f.name: f for f in kind.fields} if kind else {}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValidationError(f"unknown fields {unknown} (this type has {sorted(fields)})")
    kept: list[tuple[str, str]] = []
    for name, field in fields.items():
        raw = values.get(name)
        text = "" if raw is None else str(raw).strip()
        if not text:
            if field.required:
                raise ValidationError(f"{name} is required")
            continue
        if len(text) > MAX_VALUE:
            raise ValidationError(f"{name}: at most {MAX_VALUE} characters")
        if field.kind in (FieldKind.NUMBER, FieldKind.MONEY):
            try:
                number = Decimal(text)
            except InvalidOperation:
                raise ValidationError(f"{name}: {text[:40]!r} is not a number") from None
            if not number.is_finite() or (
                field.kind is FieldKind.MONEY and (number < 0 or -number.as_tuple().exponent > 4)  # type: ignore[operator]
            ):
                raise ValidationError(f"{name}: an amount is at least 0, to 4 decimal places")
            text = str(number)
        if field.kind is FieldKind.CHOICE and text not in field.choices:
            raise ValidationError(f"{name}: one of {list(field.choices)}")
        kept.append((name, text))
    return tuple(kept)


def comment_text(text: object) -> str:
    """A comment's text, trimmed (``ValidationError`` when too long or not text)."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise ValidationError(f"a comment's text is at most {MAX_TEXT} characters")
    return text.strip()


def requests_csv(requests: Iterable[Request], kinds: Sequence[CommentType]) -> str:
    """The requests with both legs of their last call and their comments: a column per field of
    each comment type (its latest comment's value) and every comment's text."""
    columns = [(k.type_id, f.name) for k in kinds for f in k.fields]
    header = [
        "request",
        "created_at",
        "campaign",
        "visitor",
        "direction",
        "status",
        "calls",
        "visitor_status",
        "visitor_seconds",
        "visitor_cost",
        "company_number",
        "company_status",
        "company_seconds",
        "company_cost",
        *(f"{type_id}.{name}" for type_id, name in columns),
        "comments",
    ]
    rows = []
    for request in requests:
        legs = request.calls[-1].legs if request.calls else ()
        visitor = next((leg for leg in legs if leg.side == "visitor"), None)
        company = next(
            (leg for leg in reversed(legs) if leg.side == "company" and leg.status == "answered"),
            next((leg for leg in reversed(legs) if leg.side == "company"), None),
        )
        latest: dict[tuple[str, str], str] = {}
        for comment in request.comments:
            for name, value in comment.values:
                latest[(comment.type_id, name)] = value
        rows.append(
            [
                request.request_id,
                request.created_at.isoformat(),
                request.campaign_id,
                "+" + request.visitor,
                request.direction,
                request.status.label,
                len(request.calls),
                visitor.status if visitor else "",
                visitor.duration if visitor else "",
                visitor.cost if visitor else "",
                company.number if company else "",
                company.status if company else "",
                company.duration if company else "",
                company.cost if company else "",
                *(latest.get(column, "") for column in columns),
                " | ".join(f"{c.type_id}: {c.text}" for c in request.comments),
            ]
        )
    return to_csv(header, rows)
