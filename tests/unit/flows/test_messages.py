"""What a flow author reads when a flow is refused: GIVEN the mistakes a new user makes (a field
a widget does not take, an id of the wrong form, a language the platform does not speak), THEN
the problem says what to write instead, in words, never with a raw pattern."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow


def _problems(document: dict[str, Any]) -> list[str]:
    with pytest.raises(FlowValidationError) as refused:
        parse_flow(document)
    return refused.value.problems


def _flow(**node: Any) -> dict[str, Any]:
    return {"id": "ivr", "name": "IVR", "start": "a", "nodes": {"a": node}}


def test_an_unknown_field_of_a_node_names_the_fields_its_widget_takes() -> None:
    [problem] = _problems(_flow(widget="say", text="Hi", colour="red"))
    assert problem.startswith("nodes.a.colour: unknown field; a say node takes: ")
    assert "text" in problem and "language" in problem and "next" in problem


def test_an_unknown_field_of_the_flow_names_the_flows_fields() -> None:
    problems = _problems({**_flow(widget="hangup"), "colour": "red"})
    assert any(
        p.startswith("colour: unknown field; a flow takes: ") and "nodes" in p for p in problems
    )


def test_an_id_of_the_wrong_form_is_described_in_words() -> None:
    problems = _problems({**_flow(widget="hangup"), "id": "My IVR"})
    [problem] = [p for p in problems if p.startswith("id:")]
    assert "lowercase letters" in problem and "^" not in problem and "{0,62}" not in problem


def test_an_unsupported_language_lists_the_supported_ones() -> None:
    problems = _problems(_flow(widget="say", text="Hi", language="en-XX"))
    text = " ".join(problems)
    assert "unsupported language 'en-XX'" in text and "supported: " in text and "en-GB" in text
