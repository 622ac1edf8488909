"""Fuzzing the flow parser: GIVEN any JSON-shaped input, WHEN it is parsed, THEN it is a valid
flow or a FlowValidationError listing problems — never another exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.flows.widgets import WIDGETS

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 50), st.floats(allow_nan=False), st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
node_ids = st.sampled_from(["a", "b", "c", "gone"])
nodes = st.fixed_dictionaries(
    {"widget": st.sampled_from([*WIDGETS, "nope"])},
    optional={
        "next": st.one_of(
            node_ids,
            st.dictionaries(
                st.sampled_from(
                    ["next", "success", "failure", "true", "false", "0", "1", "busy", "x"]
                ),
                node_ids,
                max_size=3,
            ),
        ),
        "text": st.one_of(
            st.text(max_size=30),
            st.sampled_from(
                ["$flow.key.x", "$call.cli", "$call.bogus", "$nope.x", "${user.key.a b}"]
            ),
        ),
        "url": st.sampled_from(["https://x.example", "ftp://x", "$flow.key.u"]),
        "options": st.dictionaries(
            st.sampled_from(["1", "2", "12", "#", "x"]), node_ids, max_size=3
        ),
        "rules": st.lists(
            st.fixed_dictionaries(
                {
                    "left": st.text(max_size=5),
                    "op": st.sampled_from(["eq", "gt", "matches", "bad"]),
                    "right": st.sampled_from(["1", "(", "a"]),
                }
            ),
            max_size=2,
        ),
        "number": st.text(max_size=12),
        "assign": st.dictionaries(
            st.sampled_from(["$flow.key.a", "$user.key.b", "$call.cli", "x"]),
            st.text(max_size=5),
            max_size=2,
        ),
        "variable": st.sampled_from(["pin", "$flow.key.pin", "$user.key.pin"]),
        "language": st.sampled_from(["en-GB", "xx-XX", "fr-FR"]),
        "timeout": values,
        "retries": values,
    },
)
documents = st.fixed_dictionaries(
    {"id": st.sampled_from(["f", "Bad Id", ""]), "name": st.text(max_size=5), "start": node_ids},
    optional={
        "nodes": st.dictionaries(node_ids, nodes, max_size=4),
        "language": st.sampled_from(["en-US", "zz"]),
        "variables": values,
        "extra": values,
    },
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_structured_documents_parse_or_list_problems(document: dict[str, Any]) -> None:
    try:
        flow = parse_flow(document)
    except FlowValidationError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
    else:
        assert flow.start in flow.nodes


@settings(max_examples=200, deadline=None)
@given(st.one_of(values, st.text(max_size=50), st.binary(max_size=50)))
def test_any_input_parses_or_lists_problems(document: Any) -> None:
    try:
        parse_flow(document)
    except FlowValidationError as error:
        assert error.problems
