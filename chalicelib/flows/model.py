"""The flow model: a validated flow document (JSON) with typed widget nodes.

``parse_flow`` turns JSON text or a mapping into a ``Flow`` or raises ``FlowValidationError``
listing every problem with its location: unknown widget, bad widget options, dangling edge,
missing required edge, unknown output, unreachable node, unknown variable namespace or name,
unsupported language. Imports pydantic, the widget registry and the variable rules only.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.languages import is_tts_language
from chalicelib.flows.variables import parse_name, references
from chalicelib.flows.widgets import WIDGETS
from chalicelib.flows.widgets.base import WidgetConfig


class FlowKind(StrEnum):
    """Who starts a call of this flow."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class FlowDocument(BaseModel):
    """The outer shape of a flow file; nodes are checked against their widgets afterwards."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    kind: FlowKind = FlowKind.INBOUND
    language: str = "en-US"
    start: str
    variables: dict[str, str] = Field(default_factory=dict)
    nodes: dict[str, dict[str, Any]] = Field(min_length=1)

    @field_validator("language")
    @classmethod
    def _language(cls, code: str) -> str:
        if not is_tts_language(code):
            raise ValueError(f"unsupported language {code!r} for text-to-speech")
        return code


@dataclass(frozen=True)
class Flow:
    """A valid flow: every edge lands on a node, every node is reachable from ``start``."""

    flow_id: str
    name: str
    kind: FlowKind
    language: str
    start: str
    nodes: Mapping[str, WidgetConfig]
    variables: Mapping[str, str]
    description: str = ""

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


def _check_node(node_id: str, raw: Mapping[str, Any], problems: list[str]) -> WidgetConfig | None:
    name = raw.get("widget")
    widget = WIDGETS.get(name) if isinstance(name, str) else None
    if widget is None:
        known = ", ".join(sorted(WIDGETS))
        problems.append(f"nodes.{node_id}: unknown widget {name!r} (known: {known})")
        return None
    for text in _strings(raw):
        problems.extend(f"nodes.{node_id}: {problem}" for problem in references(text))
    try:
        config: WidgetConfig = widget.parse(raw)
        return config
    except ValidationError as error:
        for item in error.errors():
            where = _location(item["loc"])
            problems.append(
                f"nodes.{node_id}.{where}: {item['msg']}"
                if where
                else f"nodes.{node_id}: {item['msg']}"
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


def _unreachable(start: str, nodes: Mapping[str, WidgetConfig]) -> list[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        node = nodes.get(queue.popleft())
        if node is None:
            continue
        for target in {**node.edges(), **node.option_edges()}.values():
            if target in nodes and target not in seen:
                seen.add(target)
                queue.append(target)
    return sorted(set(nodes) - seen)


def _parse_flow(source: str | bytes | Mapping[str, Any]) -> Flow:
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
            [f"{_location(item['loc']) or 'flow'}: {item['msg']}" for item in error.errors()]
        ) from error
    problems: list[str] = []
    for name in document.variables:
        if "." in name or "$" in name:
            problems.append(f"variables.{name}: give bare $flow.key names (without the prefix)")
    nodes: dict[str, WidgetConfig] = {}
    for node_id, raw in document.nodes.items():
        if not node_id or len(node_id) > 64:
            problems.append(f"nodes.{node_id!r}: node ids are 1 to 64 characters")
        config = _check_node(node_id, raw, problems)
        if config is not None:
            nodes[node_id] = config
    if document.start not in document.nodes:
        problems.append(f"start: no node {document.start!r}")
    if not problems:
        _check_edges(nodes, problems)
    if not problems:
        problems.extend(
            f"nodes.{node_id}: unreachable from start"
            for node_id in _unreachable(document.start, nodes)
        )
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
    )


def parse_flow(source: str | bytes | Mapping[str, Any]) -> Flow:
    """Validate a flow document; raise ``FlowValidationError`` with every problem found (a
    document nested deeper than Python can walk is one such problem, never a RecursionError)."""
    try:
        return _parse_flow(source)
    except RecursionError:
        raise FlowValidationError(["flow: values are nested too deeply"]) from None


__all__ = ["Flow", "FlowDocument", "FlowKind", "parse_flow", "parse_name"]
