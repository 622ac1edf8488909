"""The generated documents (``make docs``, ``tools.docs``): GIVEN the models as they are now,
THEN ``flows/schema/flow.schema.json`` and the README's widget reference are what ``make docs``
writes, the reference has a table per widget with its fields and outputs, and the seed's
language tables go between their own markers when the README has them."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.flows.widgets import PLATFORM_WIDGETS
from chalicelib.flows.widgets.base import Widget
from chalicelib.speech.languages import markdown_tables
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


def test_the_language_tables_go_between_their_markers_when_the_readme_has_them() -> None:
    widgets = f"a\n{docs.START}\nold\n{docs.END}\nb\n"
    readme = f"{widgets}{docs.LANGUAGES_START}\nstale\n{docs.LANGUAGES_END}\nc\n"
    rewritten = docs.readme_text(readme, platform())
    tables = rewritten.split(docs.LANGUAGES_START + "\n", 1)[1].split(docs.LANGUAGES_END)[0]
    assert tables == markdown_tables()
    assert "stale" not in rewritten and rewritten.endswith(f"{docs.LANGUAGES_END}\nc\n")
    assert docs.LANGUAGES_START not in docs.readme_text(widgets, platform())


def test_a_language_start_marker_without_its_end_is_refused() -> None:
    readme = f"{docs.START}\n{docs.END}\n{docs.LANGUAGES_START}\n"
    with pytest.raises(ValueError, match="language-tables:end"):
        docs.readme_text(readme, platform())
