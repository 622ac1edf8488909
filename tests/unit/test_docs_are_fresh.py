"""The generated documents (``make docs``, ``tools.docs``): GIVEN the models as they are now,
THEN ``flows/schema/flow.schema.json`` and the README's widget reference are what ``make docs``
writes, and the reference has a table per widget with its fields and outputs."""

from __future__ import annotations

from typing import Any

from chalicelib.flows.widgets import PLATFORM_WIDGETS
from chalicelib.flows.widgets.base import Widget
from tools import docs

STALE = "is stale: run `make docs` and commit the result"


def platform() -> dict[str, Widget[Any]]:
    """The widgets ``make docs`` documents: the platform's and the installed products'."""
    return docs.documented_widgets()


def test_the_checked_in_schema_is_fresh() -> None:
    assert docs.SCHEMA_FILE.read_text() == docs.schema_text(platform()), f"the schema {STALE}"


def test_the_readme_widget_reference_is_fresh() -> None:
    readme = docs.README.read_text()
    assert readme == docs.readme_text(readme, platform()), f"README.md's reference {STALE}"


def test_the_reference_has_a_table_per_widget_with_fields_and_outputs() -> None:
    text = docs.reference(platform())
    for name in PLATFORM_WIDGETS:
        assert f"#### `{name}`" in text
    assert '| `kind` | text | `"inbound"` |' in text
    assert '| `mode` | text | `"dtmf"` | `"dtmf"` `"speech"` `"both"` |' in text
    assert "| `max_digits` | integer | `4` | 1 to 20 |" in text
    assert "Each entry of `rules`:" in text and "| `op` | text | required |" in text
    assert "| `success` (or `0`) | yes |" in text


def test_the_readme_keeps_what_is_outside_the_markers() -> None:
    readme = f"before\n{docs.START}\nold text\n{docs.END}\nafter\n"
    rewritten = docs.readme_text(readme, platform())
    assert rewritten.startswith(f"before\n{docs.START}\n")
    assert rewritten.endswith(f"{docs.END}\nafter\n")
    assert "old text" not in rewritten
