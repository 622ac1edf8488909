"""What every widget shares: its configuration base model, the context it decides in, and the
descriptor the registry holds.

A widget is a configuration model (pydantic, strict, frozen) plus two pure functions: ``enter``
(the call arrives at the node) and optionally ``resume`` (the event the node waited for came).
Widgets never do I/O; they return outcomes. Imports nothing from the shell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, ClassVar, Generic, Mapping, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.flows.errors import VariableLimitError
from chalicelib.flows.languages import is_tts_language, unsupported
from chalicelib.flows.outcomes import Consulted, HttpResponded, Outcome, TimerFired
from chalicelib.flows.state import CallState
from chalicelib.flows.variables import Scope, VariableRef
from chalicelib.telephony.events import (
    CallStatusChanged,
    InputReceived,
    KeyPressed,
    NotifyReceived,
)


class WidgetConfig(BaseModel):
    """Base of every node's configuration. ``next`` is one node id (the ``next`` output) or a
    map of output name to node id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    widget: str = Field(description="Which widget this node is.")
    label: str | None = Field(
        default=None, description="A note for people reading the flow; the call never hears it."
    )
    next: dict[str, str] | str | None = Field(
        default=None,
        description="Where the call goes next: one node id (the `next` output), or a map of "
        "output name to node id.",
    )

    OUTPUTS: ClassVar[frozenset[str]] = frozenset({"next"})
    REQUIRED: ClassVar[frozenset[str]] = frozenset({"next"})
    ALIASES: ClassVar[Mapping[str, str]] = {}
    OUTPUT_MEANINGS: ClassVar[Mapping[str, str]] = {"next": "Where the call goes on."}
    """When the call takes each output, in a flow author's words (the flow file's schema and the
    README's widget reference show them)."""
    WAITS: ClassVar[bool] = False
    """Entering the node waits for the network (the caller, a dialled leg, a recording) before
    the flow goes on, so a loop through it costs a webhook per turn. An HTTP request the shell
    makes within the step (webhook) is not a wait."""

    AFTER_CALL: ClassVar[bool] = False
    """The widget can run in a flow's after-call chain: it needs no live call (no speech, no
    keys, no bridge), only the call's variables."""

    def runs_after_call(self) -> bool:
        """Whether this node can run after the call (``AFTER_CALL``, unless its options say)."""
        return self.AFTER_CALL

    def waits(self) -> bool:
        """Whether this node waits (``WAITS``, unless its options decide)."""
        return self.WAITS

    def flow_problems(self, language: str) -> list[str]:
        """What is wrong with this node in a flow that speaks ``language`` (a product's widget
        that speaks from its own catalogue refuses a language it lacks); none by default."""
        return []

    def edges(self) -> dict[str, str]:
        """Output name -> target node id, with aliases resolved."""
        raw = {"next": self.next} if isinstance(self.next, str) else dict(self.next or {})
        return {self.ALIASES.get(name, name): target for name, target in raw.items()}

    def option_edges(self) -> dict[str, str]:
        """Edges that are not named outputs (menu keys); checked for dangling targets only."""
        return {}

    def assigns(self) -> frozenset[VariableRef]:
        """The ``$flow.key`` / ``$user.key`` variables this node sets: with the flow's declared
        ones, the names a bare reference is read against."""
        return frozenset()


def check_language(value: str | None) -> str | None:
    """Validator helper: ``value`` must be a text-to-speech language or None."""
    if value is not None and not is_tts_language(value):
        raise ValueError(unsupported(value))
    return value


class SpokenConfig(WidgetConfig):
    """A widget that speaks: optional language and voice style."""

    language: str | None = Field(
        default=None,
        description="The text-to-speech language of this node (a code from the same list as "
        "the flow's `language`); default: the call's language.",
    )
    style: int = Field(
        default=0, ge=0, description="The carrier's voice style number for the language."
    )

    _check_language = field_validator("language")(check_language)


@dataclass(frozen=True)
class EngineEnv:
    """Deployment facts the pure engine needs: where the app is reached (recording URLs are
    routes of its REST API), how long webhooks may take."""

    public_base_url: str = "http://127.0.0.1:8000"
    webhook_max_timeout: float = 4.0
    max_hops: int = 64


@dataclass(frozen=True)
class Ctx:
    """What a widget decides with: the call, the clock, its node id and the ref to wait on."""

    state: CallState
    now: datetime
    node_id: str
    ref: str
    env: EngineEnv
    scope: Scope

    def text(self, template: str) -> str:
        """``template`` with variables filled in; ``VariableLimitError`` (naming this node)
        when the text would pass ``MAX_VALUE_BYTES``."""
        try:
            return self.scope.interpolate(template)
        except VariableLimitError as error:
            raise VariableLimitError(f"node {self.node_id}: {error}") from None

    def language(self, override: str | None = None) -> str:
        """The language to speak in: the widget's own, else the call's."""
        return override or self.state.language

    def scratch(self, name: str) -> str:
        """A private per-node counter or note kept in the call state."""
        return self.state.call_vars.get(f"_{self.node_id}.{name}", "")

    def scratch_key(self, name: str) -> str:
        """The call-variable key of a scratch value (for ``Updates.call``)."""
        return f"_{self.node_id}.{name}"


Resumption = Union[
    InputReceived,
    NotifyReceived,
    CallStatusChanged,
    HttpResponded,
    TimerFired,
    Consulted,
    KeyPressed,
]

C = TypeVar("C", bound=WidgetConfig)


@dataclass(frozen=True)
class Widget(Generic[C]):
    """A registered widget: its name, configuration model and decision functions."""

    name: str
    config: type[C]
    enter: Callable[[C, Ctx], Outcome]
    resume: Callable[[C, Ctx, Resumption], Outcome] | None = None

    def parse(self, raw: Mapping[str, Any]) -> C:
        """Validate a node's raw JSON into this widget's configuration."""
        return self.config.model_validate(raw)
