"""``make docs``: writes the flow file's JSON Schema (``flows/schema/flow.schema.json``) and
the README's field reference of the flow document and of every widget (between the markers
``<!-- widget-reference:start -->`` and ``<!-- widget-reference:end -->``), both from
``flows.schema.flow_schema``: the models as they are now, with the widgets of the platform and
of the products this deployment runs; and, when the README has the markers
``<!-- language-tables:start -->`` and ``<!-- language-tables:end -->``, the seed's language
tables between them (``speech.languages.markdown_tables``).

``python -m tools.docs`` rewrites both files; ``--check`` only says whether they are stale (exit
status 1). The unit tests compare ``schema_text()`` and ``readme_text()`` with the files.

Owns the Markdown rendering of a schema. A development tool, never shipped to Lambda (Chalice
packages ``chalicelib/`` only); imports the flow schema, the widget registry and the product
list and the language tables, nothing of the shell.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from chalicelib.flows.schema import flow_schema, words
from chalicelib.flows.widgets import PLATFORM_WIDGETS, WIDGETS
from chalicelib.flows.widgets.base import Widget, WidgetConfig
from chalicelib.products import installed
from chalicelib.speech.languages import markdown_tables

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "flows" / "schema" / "flow.schema.json"
README = ROOT / "README.md"
START = "<!-- widget-reference:start -->"
END = "<!-- widget-reference:end -->"
LANGUAGES_START = "<!-- language-tables:start -->"
LANGUAGES_END = "<!-- language-tables:end -->"
MAX_LISTED = 16
"""Allowed values listed in a table cell; longer lists are left to the schema."""
COMMON = ("widget", "label", "next")
"""Node fields every widget has, told once above the widgets' tables."""


def documented_widgets() -> dict[str, Widget[Any]]:
    """The platform's widgets and those the deployment's products register (``PRODUCT_MODULES``),
    in registry order; not widgets some other code registered in this process (a test's)."""
    kept = dict(WIDGETS)
    WIDGETS.clear()  # register the products on the platform's widgets alone, to see theirs
    WIDGETS.update({name: w for name, w in kept.items() if name in PLATFORM_WIDGETS})
    try:
        for product in installed():
            product.register()
        documented = dict(WIDGETS)
    finally:
        WIDGETS.update(kept)
    return documented


def schema_text(widgets: Mapping[str, Widget[Any]] | None = None) -> str:
    """``flows/schema/flow.schema.json`` as it should read."""
    chosen = documented_widgets() if widgets is None else widgets
    return json.dumps(flow_schema(chosen), indent=2, ensure_ascii=False) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(value: Any) -> str:
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _branches(schema: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], bool]:
    """The non-null alternatives of ``schema`` and whether null is allowed."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return [schema], False
    return [o for o in options if o.get("type") != "null"], any(
        o.get("type") == "null" for o in options
    )


def _kind(schema: Mapping[str, Any]) -> str:
    if "const" in schema:
        return _code(schema["const"])
    kind = schema.get("type")
    if kind == "array":
        return f"list of {_kind(schema.get('items', {}))}"
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"map of text to {_kind(schema['additionalProperties'])}"
    if kind == "object":
        return "object"
    if kind == "string":
        return {"date": "date", "date-time": "date-time"}.get(schema.get("format", ""), "text")
    if isinstance(kind, str):
        return kind
    return "any JSON"


def _type(schema: Mapping[str, Any]) -> str:
    branches, nullable = _branches(schema)
    text = " or ".join(_kind(branch) for branch in branches)
    return f"{text} or null" if nullable else text


def _range(low: Any, high: Any, unit: str = "") -> str:
    plural = unit and (high if high is not None else low) != 1
    suffix = f" {unit}{'s' if plural else ''}" if unit else ""
    if low is not None and high is not None:
        return f"{low} to {high}{suffix}"
    if low is not None:
        return f"at least {low}{suffix}"
    return f"at most {high}{suffix}"


def _bounds(schema: Mapping[str, Any]) -> list[str]:
    rules: list[str] = []
    if "enum" in schema:
        values = schema["enum"]
        if len(values) > MAX_LISTED:
            rules.append(f"one of {len(values)} values (listed in the schema)")
        else:
            rules.append(" ".join(_code(value) for value in values))
    if "exclusiveMinimum" in schema:
        rules.append(f"more than {schema['exclusiveMinimum']}")
    if "minimum" in schema or "maximum" in schema:
        rules.append(_range(schema.get("minimum"), schema.get("maximum")))
    if "minLength" in schema or "maxLength" in schema:
        rules.append(_range(schema.get("minLength"), schema.get("maxLength"), "character"))
    if "minItems" in schema or "maxItems" in schema:
        rules.append(_range(schema.get("minItems"), schema.get("maxItems"), "item"))
    if "minProperties" in schema or "maxProperties" in schema:
        rules.append(_range(schema.get("minProperties"), schema.get("maxProperties"), "entry"))
    if "pattern" in schema:
        rules.append(f"matches `{schema['pattern']}`")
    names = schema.get("propertyNames")
    if isinstance(names, Mapping):
        rules.extend(f"keys: {rule}" for rule in _bounds(names))
    for inner in ("items", "additionalProperties"):
        if isinstance(schema.get(inner), Mapping):
            rules.extend(f"each: {rule}" for rule in _bounds(schema[inner]))
    return rules


def _allowed(schema: Mapping[str, Any]) -> str:
    branches, _ = _branches(schema)
    return "; ".join(rule for branch in branches for rule in _bounds(branch))


def _nested(schema: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """The object model inside a field (itself, or its list's items), if it has fields."""
    for branch in _branches(schema)[0]:
        many = branch.get("type") == "array"
        inner = branch.get("items", {}) if many else branch
        if isinstance(inner, Mapping) and "properties" in inner:
            return ("Each entry of" if many else "The object of"), inner
    return None


def _fields(schema: Mapping[str, Any], skip: Sequence[str] = ()) -> list[str]:
    """A table of ``schema``'s fields, then a table per object model a field holds."""
    required = set(schema.get("required", ()))
    lines = [
        "| field | type | default | allowed | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    nested: list[tuple[str, tuple[str, Mapping[str, Any]]]] = []
    for name, field in schema["properties"].items():
        if name in skip:
            continue
        default = "required" if name in required else "—"
        if "default" in field:
            default = _code(field["default"])
        cells = (f"`{name}`", _type(field), default, _allowed(field), field.get("description", ""))
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        found = _nested(field)
        if found is not None:
            nested.append((name, found))
    for name, (what, model) in nested:
        lines += ["", f"{what} `{name}`: {model.get('description', '')}".rstrip(), ""]
        lines += _fields(model)
    return lines


def _outputs(widget: Widget[Any]) -> list[str]:
    config = widget.config
    if not config.OUTPUTS:
        return ["Outputs: none (the call ends here)."]
    lines = ["| output | required | taken when |", "| --- | --- | --- |"]
    for output in sorted(config.OUTPUTS, key=lambda name: (name != "next", name)):
        aliases = sorted(alias for alias, target in config.ALIASES.items() if target == output)
        name = f"`{output}`" + "".join(f" (or `{alias}`)" for alias in aliases)
        meaning = words(config.OUTPUT_MEANINGS.get(output, ""))
        required = "yes" if output in config.REQUIRED else "no"
        lines.append(f"| {name} | {required} | {_cell(meaning)} |")
    if config.option_edges is not WidgetConfig.option_edges:
        lines.append("")
        lines.append("Its options lead to nodes too (see the fields above).")
    return lines


def reference(widgets: Mapping[str, Widget[Any]] | None = None) -> str:
    """The README's field reference (between the markers, markers excluded)."""
    chosen = documented_widgets() if widgets is None else widgets
    schema = flow_schema(chosen)
    lines = [
        "<!-- generated by `make docs` from the flow and widget models: edit those, not this -->",
        "",
        "### Flow file reference",
        "",
        "The same rules as a JSON Schema: `flows/schema/flow.schema.json`, also served at "
        "`GET /v1/flow-schema`. A flow file in `flows/` that names it "
        '(`"$schema": "./schema/flow.schema.json"`) is checked by editors as it is typed.',
        "",
        "#### The flow",
        "",
        *_fields(schema),
        "",
        "Every node has a `widget`, may have a `label` (a note for readers) and says where the "
        "call goes next in `next`: one node id (the `next` output) or a map of output name to "
        "node id. An optional output left unwired ends the call.",
    ]
    for name, widget in chosen.items():
        node = schema["$defs"][f"widget.{name}"]
        lines += ["", f"#### `{name}`", "", node.get("description", "")]
        if any(field not in COMMON for field in node["properties"]):
            lines += ["", *_fields(node, skip=COMMON)]
        lines += ["", *_outputs(widget)]
    return "\n".join(lines) + "\n"


def readme_text(readme: str, widgets: Mapping[str, Widget[Any]] | None = None) -> str:
    """``readme`` with the text between the widget markers replaced by ``reference`` and, when
    it has them, between the language markers by the seed's language tables."""
    head, start, rest = readme.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README.md lacks the markers {START} ... {END}")
    text = f"{head}{START}\n{reference(widgets)}{END}{tail}"
    head, start, rest = text.partition(LANGUAGES_START)
    _, end, tail = rest.partition(LANGUAGES_END)
    if not start:
        return text  # the language tables are optional
    if not end:
        raise ValueError(f"README.md has {LANGUAGES_START} but not {LANGUAGES_END}")
    return f"{head}{LANGUAGES_START}\n{markdown_tables()}{LANGUAGES_END}{tail}"


def main(argv: Sequence[str] = ()) -> int:
    """Rewrite the schema file and the README section; with ``--check``, only compare."""
    wanted = {SCHEMA_FILE: schema_text(), README: readme_text(README.read_text())}
    stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is stale: run `make docs`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.write_text(wanted[path])
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
