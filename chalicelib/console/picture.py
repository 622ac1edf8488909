"""A flow drawn as a picture, pure: a flow document (as stored or as pasted, valid or not) and
its problems turned into the drawing's JSON the console's script lays out with dagre: one box per
node (its id, widget and colour, label, main setting, size, problems, whether it is reachable,
the start, the after-call chain), one edge per output (``success``, ``1``, ``busy`` ...) to its
node (or to a missing one), and the problems that name no node.

The edges are read with the widget's own ``edges()`` and ``option_edges()`` (menu keys, speech
intents) from the registry; a node its widget refuses is read without validation, so a draft
whose other nodes are wrong is drawn all the same, and reachability is computed here from the
document's edges (``parse_flow`` stops before its own check when other problems are found).
Imports the widget registry, the neutral errors and the standard library; no I/O, must not
import the store, the web layer or the wiring.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.errors import TooLargeError
from chalicelib.flows.widgets import PLATFORM_WIDGETS, WIDGETS
from chalicelib.flows.widgets.base import Widget, WidgetConfig

MAX_SETTING = 64
"""The most characters of a node's main setting shown (longer text ends with an ellipsis)."""
MAX_LINE = 32
"""The most characters on one line of a box."""
MAX_PROBLEM = 300
"""The most characters of one problem's text shown."""
MAX_PROBLEMS = 200
"""The most problems shown (the rest are counted)."""
MAX_NODES = 400
"""The most nodes a picture draws: a larger document is refused as too large to draw."""
CHAR_WIDTH = 7
LINE_HEIGHT = 16
PADDING = 12
MIN_WIDTH, MAX_WIDTH = 150, 260
ELLIPSIS = "…"
MAIN_SETTINGS: Mapping[str, tuple[str, ...]] = {
    "say": ("text",),
    "play": ("url",),
    "menu": ("prompt", "prompt_url"),
    "input": ("prompt", "prompt_url", "variable"),
    "language": ("prompt", "prompt_url", "value"),
    "webhook": ("url",),
    "condition": ("rules",),
    "set": ("assign",),
    "connect": ("number", "sip", "ring_all"),
    "record": ("prompt",),
    "sms": ("text",),
    "hangup": ("text",),
    "hours": ("open", "timezone"),
}
"""The platform's widgets' main setting: the fields shown on a node's box, first given first."""
PREFERRED = ("text", "prompt", "url", "number", "to", "group", "agent", "options", "intents")
"""A product's widget's main setting: the first of these its configuration model declares."""
NOT_SETTINGS = frozenset({"widget", "label", "next", "language", "style"})
WIDGET_TONES = frozenset(MAIN_SETTINGS)
"""Widgets with a colour of their own; a product's widgets share the ``product`` colour."""
_LOOP = re.compile(r"^nodes (.+?): ")


class TooLargeToDrawError(TooLargeError):
    """A flow with more nodes than a picture draws."""


def _registered(name: Any) -> Widget[Any] | None:
    return WIDGETS.get(name) if isinstance(name, str) else None


def _config(raw: Mapping[str, Any]) -> WidgetConfig | None:
    """The node's configuration: validated when its widget takes it, else built without
    validation (for its edges); None for a node no widget knows."""
    widget = _registered(raw.get("widget"))
    if widget is None:
        return None
    try:
        config: WidgetConfig = widget.parse(raw)
        return config
    except Exception:  # a refused node is still drawn from what it says
        fields = {k: v for k, v in raw.items() if isinstance(k, str)}
        built: WidgetConfig = widget.config.model_construct(**fields)
        return built


def _strings_only(edges: Any) -> dict[str, str]:
    if not isinstance(edges, Mapping):
        return {}
    return {str(k): v for k, v in edges.items() if isinstance(v, str) and v}


def node_edges(raw: Mapping[str, Any]) -> dict[str, str]:
    """Every output of a node (named outputs, then option keys) -> target node id, as its
    widget reads them; a node its widget refuses gives what can be read."""
    config = _config(raw)
    if config is None:
        nexts = raw.get("next")
        return {"next": nexts} if isinstance(nexts, str) and nexts else _strings_only(nexts)
    found: dict[str, str] = {}
    for reader in (config.edges, config.option_edges):
        try:
            read = reader()
        except Exception:  # an unvalidated node's fields may be of any shape
            read = {}
        found.update(_strings_only(read))
    return found


def reachable(starts: Sequence[str], edges: Mapping[str, Mapping[str, str]]) -> set[str]:
    """The nodes reached from ``starts`` along ``edges`` (node -> output -> target)."""
    seen = {start for start in starts if start in edges}
    queue = deque(seen)
    while queue:
        for target in edges[queue.popleft()].values():
            if target in edges and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def shorten(text: str, most: int = MAX_SETTING) -> str:
    """``text`` on one line, at most ``most`` characters (an ellipsis when cut)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= most else flat[: most - 1].rstrip() + ELLIPSIS


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {_shown(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(item) for item in value)
    return ""


def _rules(raw: Mapping[str, Any]) -> str:
    rules = raw.get("rules")
    if not isinstance(rules, list):
        return ""
    joiner = " or " if raw.get("match") == "any" else " and "
    said = []
    for rule in rules:
        if isinstance(rule, Mapping):
            parts = (rule.get("left"), rule.get("op"), rule.get("right"))
            said.append(" ".join(str(p) for p in parts if isinstance(p, str) and p))
    return joiner.join(said)


def _fields_of(widget: str) -> tuple[str, ...]:
    if widget in MAIN_SETTINGS:
        return MAIN_SETTINGS[widget]
    known = _registered(widget)
    if known is None:
        return ()
    declared = known.config.model_fields
    return tuple(name for name in PREFERRED if name in declared)


def main_setting(raw: Mapping[str, Any]) -> str:
    """What a node's box says it does: a say's text, a webhook's method and URL, a connect's
    number, a menu's prompt, a condition's rules ... (``MAIN_SETTINGS``; a product's widget:
    the first ``PREFERRED`` field its model declares); else the node's first string setting;
    shortened to ``MAX_SETTING`` characters; "" for none."""
    widget = raw.get("widget") if isinstance(raw.get("widget"), str) else ""
    text = ""
    if widget == "condition":
        text = _rules(raw)
    for name in _fields_of(str(widget)):
        if text:
            break
        text = _shown(raw.get(name))
    if text and widget == "webhook":
        method = raw.get("method") if isinstance(raw.get("method"), str) else "POST"
        text = f"{method} {text}"
    if not text:
        text = next(
            (v for k, v in raw.items() if k not in NOT_SETTINGS and isinstance(v, str) and v), ""
        )
    return shorten(text)


def _wrap(text: str, most: int = MAX_LINE, lines: int = 2) -> list[str]:
    """``text`` in at most ``lines`` lines of ``most`` characters, words kept whole where
    they fit (a longer one, a URL, fills the line and goes on), the last one cut with an
    ellipsis."""
    out: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) <= most:
            line = f"{line} {word}"
            continue
        if len(word) <= most:
            if line:
                out.append(line)
            line = word
            continue
        room = most - len(line) - 1 if line else most
        if line and room < 6:
            out.append(line)
            line, room = "", most
        out.append(f"{line} {word[:room]}".strip())
        rest = word[room:]
        while len(rest) > most:
            out.append(rest[:most])
            rest = rest[most:]
        line = rest
    if line:
        out.append(line)
    if len(out) > lines:
        rest = " ".join(out[lines - 1 :])
        out = [*out[: lines - 1], rest[: most - 1].rstrip() + ELLIPSIS]
    return out


def _problem_text(problem: str) -> str:
    return shorten(problem, MAX_PROBLEM)


def problems_by_node(
    problems: Sequence[str], node_ids: Sequence[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """The problems located on a node (``nodes.<id>...: text``, or a loop's ``nodes a -> b ->
    a: text`` on each node it names), and the others (the document's own: ``start: ...``)."""
    by_length = sorted(node_ids, key=len, reverse=True)
    on: dict[str, list[str]] = {}
    rest: list[str] = []
    for problem in problems:
        text = _problem_text(problem)
        found = next(
            (
                node_id
                for node_id in by_length
                for spelled in (node_id, repr(node_id))
                if problem.startswith((f"nodes.{spelled}.", f"nodes.{spelled}:"))
            ),
            None,
        )
        if found is not None:
            on.setdefault(found, []).append(text)
            continue
        loop = _LOOP.match(problem)
        named = [n for n in loop.group(1).split(" -> ") if n in node_ids] if loop else []
        if named:
            for node_id in dict.fromkeys(named):
                on.setdefault(node_id, []).append(text)
            continue
        rest.append(text)
    return on, rest


def _box(lines: Sequence[str], problems: int) -> tuple[int, int]:
    longest = max((len(line) for line in lines), default=0)
    width = max(MIN_WIDTH, min(MAX_WIDTH, CHAR_WIDTH * longest + 2 * PADDING + 24))
    height = LINE_HEIGHT * len(lines) + 2 * PADDING + (4 if problems else 0)
    return width, height


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def tone(widget: Any) -> str:
    """The colour class of a node: its widget's, ``product`` for a product's widget,
    ``unknown`` for a widget no one registered."""
    if isinstance(widget, str) and widget in WIDGET_TONES and widget in PLATFORM_WIDGETS:
        return widget
    return "product" if _registered(widget) is not None else "unknown"


def drawing(document: Any, problems: Sequence[str] = ()) -> dict[str, Any]:
    """The drawing of a flow document with ``problems`` (``FlowValidationError.problems`` or a
    stored flow's ``warnings``) on the nodes they name; ``TooLargeToDrawError`` for a document
    of more than ``MAX_NODES`` nodes. A document that is not an object, or whose ``nodes`` is
    not one, draws no node."""
    doc: Mapping[str, Any] = document if isinstance(document, Mapping) else {}
    raw_nodes = doc.get("nodes")
    nodes: dict[str, Mapping[str, Any]] = {
        str(node_id): (raw if isinstance(raw, Mapping) else {})
        for node_id, raw in (raw_nodes.items() if isinstance(raw_nodes, Mapping) else ())
    }
    if len(nodes) > MAX_NODES:
        raise TooLargeToDrawError(
            f"the flow has {len(nodes)} nodes; the console draws at most {MAX_NODES}"
        )
    edges = {node_id: node_edges(raw) for node_id, raw in nodes.items()}
    start = doc.get("start") if isinstance(doc.get("start"), str) else None
    after_call = doc.get("after_call") if isinstance(doc.get("after_call"), str) else None
    seen = reachable([s for s in (start, after_call) if s], edges)
    chain = reachable([after_call], edges) if after_call else set()
    on, rest = problems_by_node(problems, list(nodes))
    drawn_nodes = []
    for node_id, raw in nodes.items():
        widget = _text(raw.get("widget")) or "?"
        label = _text(raw.get("label"))
        setting = main_setting(raw)
        lines = [node_id[:MAX_LINE], widget[:MAX_LINE]]
        if label:
            lines.extend(_wrap(label, lines=1))
        lines.extend(_wrap(setting))
        width, height = _box(lines, len(on.get(node_id, ())))
        drawn_nodes.append(
            {
                "id": node_id,
                "widget": widget,
                "tone": tone(widget),
                "label": label,
                "setting": setting,
                "lines": lines,
                "width": width,
                "height": height,
                "start": node_id == start,
                "after_call": node_id == after_call,
                "in_after_call": node_id in chain,
                "reachable": node_id in seen,
                "problems": on.get(node_id, []),
                "missing": False,
            }
        )
    drawn_edges = []
    missing: dict[str, None] = {}
    for node_id, outputs in edges.items():
        for output, target in outputs.items():
            if target not in nodes:
                missing[target] = None
            drawn_edges.append(
                {"from": node_id, "output": output, "to": target, "missing": target not in nodes}
            )
    for target in missing:
        lines = [target[:MAX_LINE], "missing node"]
        width, height = _box(lines, 1)
        drawn_nodes.append(
            {
                "id": target,
                "widget": "",
                "tone": "missing",
                "label": "",
                "setting": "",
                "lines": lines,
                "width": width,
                "height": height,
                "start": False,
                "after_call": False,
                "in_after_call": False,
                "reachable": False,
                "problems": [],
                "missing": True,
            }
        )
    shown = rest[:MAX_PROBLEMS]
    return {
        "flow_id": doc.get("id") if isinstance(doc.get("id"), str) else "",
        "name": doc.get("name") if isinstance(doc.get("name"), str) else "",
        "start": start,
        "after_call": after_call,
        "nodes": drawn_nodes,
        "edges": drawn_edges,
        "problems": shown,
        "more_problems": len(rest) - len(shown),
    }
