"""The flow model: a validated flow document (JSON) with typed widget nodes.

``parse_flow`` turns JSON text or a mapping into a ``Flow`` or raises ``FlowValidationError``
listing every problem with its location: unknown widget, bad widget options, dangling edge,
missing required edge, unknown output, unreachable node, unknown variable namespace or name,
unsupported language, a pattern RE2 refuses, a variable default past its size limit. A loop in
which no node waits for the network, or one of the platform's own phrases read by a voice of
another language, does not refuse the flow: each is named in ``Flow.warnings``.
``Flow.user_keys`` lists the ``$user.key`` names the flow reads, so a step loads only those.
Imports pydantic, the widget registry, the variable rules and the limits only.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.flows.errors import FlowValidationError, VariableLimitError
from chalicelib.flows.languages import is_tts_language, unsupported
from chalicelib.flows.limits import check_total, check_value
from chalicelib.flows.phrases import catalogue_language, primary
from chalicelib.flows.timezones import DEFAULT_ZONE, check_zone, zone_names
from chalicelib.flows.variables import NO_NAMES, Names, parse_name, references, user_keys
from chalicelib.flows.widgets import WIDGETS
from chalicelib.flows.widgets.base import EngineEnv, WidgetConfig


class FlowKind(StrEnum):
    """Who starts a call of this flow."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


def zones_schema(schema: Any) -> None:
    """A schema that lists the zones a flow (or an account) may name: what loads is what it
    allows; computed when the schema is asked for, not at import."""
    schema["enum"] = sorted(zone_names())


class FlowDocument(BaseModel):
    """The outer shape of a flow file; nodes are checked against their widgets afterwards."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_uri: str | None = Field(
        default=None,
        alias="$schema",
        description="The flow file's JSON Schema, for editors (`flow.schema.json`); ignored.",
    )
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    kind: FlowKind = FlowKind.INBOUND
    language: str = "en-US"
    timezone: str = Field(DEFAULT_ZONE, json_schema_extra=zones_schema)
    start: str
    after_call: str | None = Field(
        default=None,
        description="The node that starts a chain run once when the call has ended (`webhook`, "
        "`sms`, `set`, `condition`, `hours` nodes, ending at a `hangup` without text), with "
        "`$call.end`, `$call.duration`, `$call.cost` and `$call.remoteHangup` filled in.",
    )
    record_call: Literal["mp3", "wav", "ogg"] | None = Field(
        default=None,
        description="Record the whole call, from the moment it is answered to its end, in this "
        "format: `$call.recorded` is `true` and `$call.flow.recordingUri` its address.",
    )
    variables: dict[str, str] = Field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = Field(min_length=1)

    _zone = field_validator("timezone")(check_zone)

    @field_validator("variables")
    @classmethod
    def _sizes(cls, variables: dict[str, str]) -> dict[str, str]:
        try:
            for name, value in variables.items():
                check_value(f"$flow.key.{name}", value)
            check_total(variables)
        except VariableLimitError as error:
            raise ValueError(str(error)) from None
        return variables

    @field_validator("language")
    @classmethod
    def _language(cls, code: str) -> str:
        if not is_tts_language(code):
            raise ValueError(unsupported(code))
        return code


@dataclass(frozen=True)
class Flow:
    """A valid flow: every edge lands on a node, every node is reachable from ``start``.

    ``warnings`` name what loads but will go wrong at run time (a loop without a wait).
    ``user_keys`` are the ``$user.key`` names its templates read (see ``user_variable_names``).
    """

    flow_id: str
    name: str
    kind: FlowKind
    language: str
    start: str
    nodes: Mapping[str, WidgetConfig]
    variables: Mapping[str, str]
    description: str = ""
    warnings: tuple[str, ...] = ()
    user_keys: frozenset[str] = frozenset()
    timezone: str = DEFAULT_ZONE
    after_call: str | None = None
    """The first node of the chain run once when the call has ended (None: no such chain)."""
    record_call: str | None = None
    """The format the whole call is recorded in (None: it is not)."""
    names: Names = NO_NAMES
    """The ``$flow.key`` / ``$user.key`` names the flow declares or assigns."""

    def targets(self, node_id: str) -> dict[str, str]:
        """Every output of ``node_id`` (named outputs and option keys) -> target node."""
        node = self.nodes[node_id]
        return {**node.edges(), **node.option_edges()}


def _location(path: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in path)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)] + [
            key for key in value if isinstance(key, str) and key.startswith("$")
        ]
    return []


_PATTERN_WORDS = {
    r"^[a-z0-9][a-z0-9_-]{0,62}$": "1 to 63 lowercase letters, digits, '_' or '-', starting with "
    "a letter or a digit",
}


def _message(item: Any, model: type[BaseModel], what: str) -> str:
    """A validation error told so that the author can fix it: an unknown field names the fields
    ``what`` takes; a pattern is described in words, never shown as a regex."""
    if item["type"] == "extra_forbidden" and len(item["loc"]) == 1:
        fields = sorted(field.alias or name for name, field in model.model_fields.items())
        return f"unknown field; {what} takes: {', '.join(fields)}"
    if item["type"] == "string_pattern_mismatch":
        pattern = str((item.get("ctx") or {}).get("pattern", ""))
        words = _PATTERN_WORDS.get(pattern, "a value of another form")
        return f"{item.get('input')!r} is not valid here: expected {words}"
    return str(item["msg"])


def _check_node(node_id: str, raw: Mapping[str, Any], problems: list[str]) -> WidgetConfig | None:
    name = raw.get("widget")
    widget = WIDGETS.get(name) if isinstance(name, str) else None
    if widget is None:
        known = ", ".join(sorted(WIDGETS))
        problems.append(f"nodes.{node_id}: unknown widget {name!r} (known: {known})")
        return None
    try:
        config: WidgetConfig = widget.parse(raw)
        return config
    except ValidationError as error:
        for item in error.errors():
            where = _location(item["loc"])
            message = _message(item, widget.config, f"a {widget.name} node")
            problems.append(
                f"nodes.{node_id}.{where}: {message}" if where else f"nodes.{node_id}: {message}"
            )
        return None


def _check_edges(nodes: Mapping[str, WidgetConfig], problems: list[str]) -> None:
    for node_id, node in nodes.items():
        edges = node.edges()
        for output in sorted(set(edges) - node.OUTPUTS):
            allowed = ", ".join(sorted(node.OUTPUTS)) or "none"
            problems.append(
                f"nodes.{node_id}.next: unknown output {output!r} of {node.widget}"
                f" (outputs: {allowed})"
            )
        for output in sorted(node.REQUIRED - set(edges)):
            problems.append(f"nodes.{node_id}.next: missing edge for output {output!r}")
        for output, target in {**edges, **node.option_edges()}.items():
            if target not in nodes:
                problems.append(
                    f"nodes.{node_id}: edge {output!r} points to missing node {target!r}"
                )


def _reachable(starts: list[str], nodes: Mapping[str, WidgetConfig]) -> set[str]:
    seen = set(starts)
    queue = deque(starts)
    while queue:
        node = nodes.get(queue.popleft())
        if node is None:
            continue
        for target in {**node.edges(), **node.option_edges()}.values():
            if target in nodes and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _check_after_call(after_call: str, nodes: Mapping[str, WidgetConfig]) -> list[str]:
    """Every node the after-call chain can reach runs without a live call."""
    able = sorted(
        name for name, widget in WIDGETS.items() if widget.config.AFTER_CALL and name != "hangup"
    )
    return [
        f"nodes.{node_id}: a {nodes[node_id].widget} node cannot run after the call (the"
        f" after_call chain runs {', '.join(able)} nodes and ends at a hangup without text)"
        for node_id in sorted(_reachable([after_call], nodes))
        if node_id in nodes and not nodes[node_id].runs_after_call()
    ]


def _texts(value: Any) -> list[str]:
    """Every string value in a node's configuration (dict keys are names, not templates)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    return []


def _user_keys(nodes: Mapping[str, WidgetConfig], names: Names) -> frozenset[str]:
    return frozenset(
        name
        for node in nodes.values()
        for text in _texts(node.model_dump())
        for name in user_keys(text, names)
    )


def _names(variables: Mapping[str, str], nodes: Mapping[str, WidgetConfig]) -> Names:
    """The names the flow declares (``variables``) and its nodes assign."""
    assigned = [ref for node in nodes.values() for ref in node.assigns()]
    return Names.of(
        [*variables, *(ref.name for ref in assigned if ref.namespace == "flow.key")],
        [ref.name for ref in assigned if ref.namespace == "user.key"],
    )


def _check_references(
    raw_nodes: Mapping[str, Mapping[str, Any]], names: Names | None, problems: list[str]
) -> None:
    """Every template of every node read against ``names`` (None: syntax only)."""
    for node_id, raw in raw_nodes.items():
        if not isinstance(raw.get("widget"), str) or raw["widget"] not in WIDGETS:
            continue
        for text in _strings(raw):
            problems.extend(f"nodes.{node_id}: {problem}" for problem in references(text, names))


DECLARED_NAME = r"^(?!flow\.key\.|user\.key\.)[^\x00-\x20\x7f${}]+$"
"""A ``variables`` key: a bare ``$flow.key`` name, any characters but spaces, control
characters, '$' and braces (written with explicit ranges, so JSON Schema reads it alike)."""
_DECLARED_NAME = re.compile(DECLARED_NAME)


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a declared ``$flow.key`` name (None: it can)."""
    if name.startswith("$") or name.startswith(("flow.key.", "user.key.")):
        return "give the bare name, without $flow.key."
    if not _DECLARED_NAME.match(name):
        return "a name is 1 or more characters without spaces, control characters, '$', '{' or '}'"
    return None


def user_variable_names(flow: Flow) -> frozenset[str]:
    """The ``$user.key`` names ``flow`` can read: the only user variables a call of it needs
    loaded. Every template is counted (say, set, webhook URL/headers/body, condition, prompts,
    defaults of widget options); names assigned by ``set`` but never read are not. The set is
    exact, because a name is always written out literally in the flow."""
    return flow.user_keys


def _loop_from(first: str, group: set[str], graph: Mapping[str, list[str]]) -> list[str]:
    """A shortest path ``first -> ... -> first`` inside ``group``."""
    back: dict[str, str] = {}
    queue = deque([first])
    while queue:
        node_id = queue.popleft()
        for target in graph[node_id]:
            if target == first:
                path = [node_id]
                while path[-1] != first:
                    path.append(back[path[-1]])
                return [*reversed(path), first]
            if target in group and target not in back:
                back[target] = node_id
                queue.append(target)
    return [first]


def _groups(graph: Mapping[str, list[str]]) -> list[set[str]]:
    """The strongly connected groups of ``graph`` (Kosaraju, without recursion)."""
    order: list[str] = []
    seen: set[str] = set()
    for root in graph:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(graph[root]))]
        while stack:
            node_id, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                stack.pop()
                order.append(node_id)
            elif target not in seen:
                seen.add(target)
                stack.append((target, iter(graph[target])))
    reverse: dict[str, list[str]] = {node_id: [] for node_id in graph}
    for node_id, outputs in graph.items():
        for target in outputs:
            reverse[target].append(node_id)
    groups: list[set[str]] = []
    placed: set[str] = set()
    for root in reversed(order):
        if root in placed:
            continue
        group: set[str] = set()
        todo = [root]
        placed.add(root)
        while todo:
            node_id = todo.pop()
            group.add(node_id)
            for source in reverse[node_id]:
                if source not in placed:
                    placed.add(source)
                    todo.append(source)
        groups.append(group)
    return groups


def loop_warnings(
    nodes: Mapping[str, WidgetConfig], max_hops: int = EngineEnv.max_hops
) -> tuple[str, ...]:
    """One warning per loop in which no node waits for the network (``WidgetConfig.waits``):
    a call that enters it runs on within one step until the engine's hop limit stops it. (In a
    valid flow every node is reachable from the start, so every such loop can be reached.)"""
    going_on = {node_id for node_id, node in nodes.items() if not node.waits()}
    graph = {
        node_id: sorted(
            set({**nodes[node_id].edges(), **nodes[node_id].option_edges()}.values()) & going_on
        )
        for node_id in sorted(going_on)
    }
    warnings = []
    for group in _groups(graph):
        first = min(group)
        if len(group) == 1 and first not in graph[first]:
            continue
        path = _loop_from(first, group, graph)
        loop = " -> ".join(path)
        if len(path) > 10:
            loop = " -> ".join([*path[:4], "...", *path[-3:]]) + f" ({len(path) - 1} nodes)"
        warnings.append(
            f"nodes {loop}: loops without waiting for the caller; a call that takes this loop"
            f" ends with the fallback after {max_hops} hops"
        )
    return tuple(sorted(warnings))


def language_warnings(language: str, nodes: Mapping[str, WidgetConfig]) -> tuple[str, ...]:
    """One warning per text of a node that is one of the platform's own phrases in another
    language than the voice that will read it (the node's language, else the flow's): the
    English "not a valid choice" under a French voice. Other texts cannot be told apart here."""
    warnings = []
    for node_id, node in nodes.items():
        voice = getattr(node, "language", None) or language
        for field, value in node.model_dump().items():
            written = catalogue_language(value) if isinstance(value, str) else None
            if written is not None and written != primary(voice):
                warnings.append(
                    f"nodes.{node_id}.{field}: {value!r} is the platform's {written!r} text, read"
                    f" by a {voice} voice; leave {field} out to hear the {voice} one, or write it"
                    f" in that language"
                )
    return tuple(warnings)


def _parse_flow(source: str | bytes | Mapping[str, Any], stored: bool) -> Flow:
    """Validate a flow document; raise ``FlowValidationError`` with every problem found."""
    if isinstance(source, (str, bytes)):
        try:
            source = json.loads(source)
        except ValueError as error:
            raise FlowValidationError([f"not JSON: {error}"]) from error
    if not isinstance(source, Mapping):
        raise FlowValidationError(["a flow document is a JSON object"])
    try:
        document = FlowDocument.model_validate(source)
    except ValidationError as error:
        raise FlowValidationError(
            [
                f"{_location(item['loc']) or 'flow'}: {_message(item, FlowDocument, 'a flow')}"
                for item in error.errors()
            ]
        ) from error
    problems: list[str] = []
    for name in document.variables:
        if (problem := _name_problem(name)) is not None:
            problems.append(f"variables.{name}: {problem}")
    nodes: dict[str, WidgetConfig] = {}
    for node_id, raw in document.nodes.items():
        if not node_id or len(node_id) > 64:
            problems.append(f"nodes.{node_id!r}: node ids are 1 to 64 characters")
        config = _check_node(node_id, raw, problems)
        if config is not None:
            nodes[node_id] = config
    names = _names(document.variables, nodes)
    complete = not problems and len(nodes) == len(document.nodes)
    _check_references(document.nodes, names if complete and not stored else None, problems)
    if document.start not in document.nodes:
        problems.append(f"start: no node {document.start!r}")
    after_call = document.after_call
    if after_call is not None and after_call not in document.nodes:
        problems.append(f"after_call: no node {after_call!r}")
    if not problems:
        _check_edges(nodes, problems)
    if not problems:
        starts = [document.start, *([after_call] if after_call else [])]
        problems.extend(
            f"nodes.{node_id}: unreachable from start" + (" or after_call" if after_call else "")
            for node_id in sorted(set(nodes) - _reachable(starts, nodes))
        )
    if not problems and after_call:
        problems.extend(_check_after_call(after_call, nodes))
    for node_id, config in nodes.items():  # a product's widget may speak only some languages
        problems.extend(f"nodes.{node_id}: {p}" for p in config.flow_problems(document.language))
    if problems:
        raise FlowValidationError(problems)
    return Flow(
        flow_id=document.id,
        name=document.name,
        kind=document.kind,
        language=document.language,
        start=document.start,
        nodes=nodes,
        variables=dict(document.variables),
        description=document.description,
        warnings=loop_warnings(nodes) + language_warnings(document.language, nodes),
        user_keys=_user_keys(nodes, names),
        timezone=document.timezone,
        after_call=after_call,
        record_call=document.record_call,
        names=names,
    )


def parse_flow(source: str | bytes | Mapping[str, Any], stored: bool = False) -> Flow:
    """Validate a flow document; raise ``FlowValidationError`` with every problem found (a
    document nested deeper than Python can walk is one such problem, never a RecursionError).
    A ``stored`` document was checked when it was loaded: the name rules added since (a
    ``$flow.key`` nothing declares, a name that reads ambiguously) do not refuse it, so a flow
    that ran yesterday runs today."""
    try:
        return _parse_flow(source, stored)
    except RecursionError:
        raise FlowValidationError(["flow: values are nested too deeply"]) from None


__all__ = [
    "Flow",
    "FlowDocument",
    "FlowKind",
    "loop_warnings",
    "parse_flow",
    "parse_name",
    "user_variable_names",
]
