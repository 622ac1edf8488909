"""Errors of the flow package: invalid flow documents and failures while running a flow.
Imports nothing."""

from __future__ import annotations


class FlowError(Exception):
    """Base of every flow error."""


class FlowValidationError(FlowError):
    """A flow document is invalid; ``problems`` lists every reason, each with its location."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid flow: " + "; ".join(problems))


class FlowRuntimeError(FlowError):
    """A flow cannot go on (a loop without a wait, a missing node at run time)."""


class UnknownEventError(FlowRuntimeError):
    """The engine was handed an event no handler is registered for (never silently ignored)."""


class VariableLimitError(FlowRuntimeError):
    """A variable, a template's text or the call's variables in all would pass their size
    limit (``flows.limits``). Raised before the value is built or stored; the voice shell
    answers with the fallback, as for any flow that cannot go on."""
