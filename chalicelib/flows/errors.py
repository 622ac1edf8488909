"""Errors of the flow package: invalid flow documents and failures while running a flow.
Each subclasses the neutral hierarchy of ``chalicelib.errors``. Imports nothing else."""

from __future__ import annotations

from chalicelib.errors import RingflowError, ValidationError


class FlowError(RingflowError):
    """Base of every flow error."""


class FlowValidationError(FlowError, ValidationError):
    """A flow document is invalid; ``problems`` lists every reason, each with its location."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid flow: " + "; ".join(problems), problems)


class FlowRuntimeError(FlowError):
    """A flow cannot go on (a loop without a wait, a missing node at run time)."""


class UnknownEventError(FlowRuntimeError):
    """The engine was handed an event no handler is registered for (never silently ignored)."""


class VariableLimitError(FlowRuntimeError):
    """A variable, a template's text or the call's variables in all would pass their size
    limit (``flows.limits``). Raised before the value is built or stored; the voice shell
    answers with the fallback, as for any flow that cannot go on."""
