"""The condition widget: compare templated values and branch to ``true`` or ``false``.

``matches`` is a whole-text match by RE2 (``flows.patterns``), in linear time. A pattern RE2
cannot compile (a backreference, a lookaround) or one too big is refused when the flow is
loaded; ``right`` is a template, so it is checked with each variable filled in as ``x``. A
pattern its variables turn into one that RE2 refuses, or one too big, sends the call down ``false``
with a ``pattern_refused`` notice for the shell to log and count (rules are evaluated in order;
one refused when it is reached decides the node). The text matched is a template's text, so it
is within ``MAX_SUBJECT_CHARS`` or filling it in already raised ``VariableLimitError``. Imports
no I/O, and never ``re`` for tenant patterns.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import ClassVar, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.flows.outcomes import Go, Notice, Outcome
from chalicelib.flows.patterns import PatternError, check, fullmatch
from chalicelib.flows.variables import with_samples
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig


class Operator(StrEnum):
    """How two values are compared. Ordering operators compare numbers when both sides are
    numbers, else text."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    CONTAINS = "contains"
    STARTS_WITH = "starts_with"
    ENDS_WITH = "ends_with"
    MATCHES = "matches"
    EMPTY = "empty"
    NOT_EMPTY = "not_empty"
    IN = "in"


class Rule(BaseModel):
    """One test: ``left`` compared with ``right`` by ``op`` (``right`` is unused by
    ``empty``/``not_empty``; for ``in`` it is a comma-separated list)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    left: str = Field(description="The value to test (variables filled in).")
    op: Operator = Field(
        description="How `left` is compared with `right`; `lt` `le` `gt` `ge` compare numbers "
        "when both sides are numbers, else text; `matches` is a whole-text RE2 regular "
        "expression; `in` looks for `left` in the comma-separated `right`."
    )
    right: str = Field(
        default="",
        description="The value to compare with (variables filled in); unused by `empty` and "
        "`not_empty`.",
    )
    ignore_case: bool = Field(default=False, description="Compare text without regard to case.")

    @model_validator(mode="after")
    def _pattern_compiles(self) -> Rule:
        if self.op is Operator.MATCHES:
            try:
                check(with_samples(self.right))
            except PatternError as error:
                raise ValueError(f"pattern refused: {error}") from error
        return self


class ConditionConfig(WidgetConfig):
    """Test values with ``rules``, combined by ``match``, and go to ``true`` or ``false``."""

    widget: Literal["condition"]
    AFTER_CALL: ClassVar[bool] = True
    rules: list[Rule] = Field(min_length=1, description="The tests, evaluated in order.")
    match: Literal["all", "any"] = Field(
        default="all",
        description="`all`: every rule must hold for `true`; `any`: one is enough.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"true", "false"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"true", "false"})
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {
        "true": "The rules hold (all of them, or one for `any`).",
        "false": "They do not; also a `matches` pattern its variables made unusable.",
    }


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None


def evaluate(rule: Rule, left: str, right: str) -> bool:
    """Apply one rule to already-interpolated values; ``PatternError`` when ``matches`` cannot
    be decided."""
    if rule.op is Operator.MATCHES:
        return fullmatch(right, left, ignore_case=rule.ignore_case)
    if rule.ignore_case:
        left, right = left.casefold(), right.casefold()
    op = rule.op
    if op is Operator.EMPTY:
        return left.strip() == ""
    if op is Operator.NOT_EMPTY:
        return left.strip() != ""
    if op is Operator.CONTAINS:
        return right in left
    if op is Operator.STARTS_WITH:
        return left.startswith(right)
    if op is Operator.ENDS_WITH:
        return left.endswith(right)
    if op is Operator.IN:
        return left in [item.strip() for item in right.split(",")]
    a, b = _number(left), _number(right)
    pair: tuple[Decimal, Decimal] | tuple[str, str] = (
        (a, b) if a is not None and b is not None else (left, right)
    )
    x, y = pair
    return {
        Operator.EQ: x == y,
        Operator.NE: x != y,
        Operator.LT: x < y,  # type: ignore[operator]
        Operator.LE: x <= y,  # type: ignore[operator]
        Operator.GT: x > y,  # type: ignore[operator]
        Operator.GE: x >= y,  # type: ignore[operator]
    }[op]


def enter(config: ConditionConfig, ctx: Ctx) -> Outcome:
    """Branch on the rules; a refused pattern branches to ``false`` with a notice."""
    results = (evaluate(rule, ctx.text(rule.left), ctx.text(rule.right)) for rule in config.rules)
    try:
        passed = all(results) if config.match == "all" else any(results)
    except PatternError as error:
        return Go("false", notices=(Notice(ctx.node_id, "pattern_refused", str(error)),))
    return Go("true" if passed else "false")


WIDGET = Widget("condition", ConditionConfig, enter)
