"""Deeply nested flow documents: GIVEN a node whose values nest hundreds or thousands deep, WHEN
it is parsed, THEN it is refused with a located problem, never a RecursionError."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow


def nested_text(depth: int) -> str:
    """A flow whose hangup node carries a value nested ``depth`` objects deep (as JSON text, so
    that depths beyond what ``json.dumps`` can write are possible)."""
    deep = '{"a":' * depth + "1" + "}" * depth
    return (
        '{"id": "deep", "name": "Deep", "start": "a", "nodes": {"a": {"widget": "hangup",'
        ' "text": "bye", "extra": ' + deep + "}}}"
    )


@pytest.mark.parametrize("depth", [900, 5000])
def test_deep_text_is_refused_with_a_problem(depth: int) -> None:
    # GIVEN a document as text WHEN parsed THEN a FlowValidationError names the nesting
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(nested_text(depth))
    assert any("nested too deeply" in problem for problem in caught.value.problems)


def test_deep_mapping_is_refused_with_a_problem() -> None:
    # GIVEN a document already parsed from JSON (as the REST API hands it over), 900 deep
    document: Any = json.loads(nested_text(900))
    # WHEN parsed THEN it is refused the same way
    with pytest.raises(FlowValidationError) as caught:
        parse_flow(document)
    assert caught.value.problems == ["flow: values are nested too deeply"]
