"""The set-variable widget: assign templated values to ``$flow.key.*`` and ``$user.key.*``.

``$user.key.*`` values are also persisted for the account (latest value wins across flows).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator

from chalicelib.flows.outcomes import Go, Outcome, SaveUserVariables, Updates
from chalicelib.flows.variables import VariableRef, parse_name
from chalicelib.flows.widgets.base import Ctx, Widget, WidgetConfig


class SetVariableConfig(WidgetConfig):
    """Set ``$flow.key`` and ``$user.key`` variables (a ``$user.key`` value is kept for the
    account: the latest value wins across flows)."""

    widget: Literal["set"]
    AFTER_CALL: ClassVar[bool] = True
    assign: dict[str, str] = Field(
        min_length=1,
        description="Each variable to set (`$flow.key.<name>` for this call, `$user.key.<name>` "
        "kept for the account) and its new value (variables filled in).",
    )

    @field_validator("assign")
    @classmethod
    def _writable(cls, assign: dict[str, str]) -> dict[str, str]:
        for name in assign:
            ref = parse_name(name)
            if ref.namespace not in ("flow.key", "user.key", "flow.syskey"):
                raise ValueError(f"{name} cannot be assigned: only $flow.key.* and $user.key.*")
        return assign

    def assigns(self) -> frozenset[VariableRef]:
        """Every ``$flow.key`` and ``$user.key`` name of ``assign``."""
        return frozenset(parse_name(name) for name in self.assign)


def enter(config: SetVariableConfig, ctx: Ctx) -> Outcome:
    """Evaluate every template against the values before this node, then assign."""
    flow: dict[str, str] = {}
    user: dict[str, str] = {}
    for name, template in config.assign.items():
        ref = parse_name(name)
        value = ctx.text(template)
        if ref.namespace == "user.key":
            user[ref.name] = value
        elif ref.namespace == "flow.syskey":
            flow["syskey." + ref.name] = value
        else:
            flow[ref.name] = value
    effects = (
        (
            SaveUserVariables(
                f"{ctx.state.call_id}:{ctx.ref}:{ctx.node_id}", ctx.state.account_id, user
            ),
        )
        if user
        else ()
    )
    return Go(effects=effects, updates=Updates(flow=flow, user=user))


WIDGET = Widget("set", SetVariableConfig, enter)
