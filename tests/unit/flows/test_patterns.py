"""Tenant regular expressions: GIVEN a condition or input pattern, WHEN the flow is loaded or
run, THEN RE2 matches it in linear time, or it is refused with the reason.

No test here measures time: the catastrophic patterns run against subjects so long that
backtracking would never finish, so the suite finishing is the check."""

from __future__ import annotations

from typing import Any

import pytest
from flowkit import Driver, flow_of

from chalicelib.flows import patterns
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.limits import MAX_PATTERN_CHARS, MAX_SUBJECT_CHARS
from chalicelib.flows.outcomes import Notice
from chalicelib.flows.patterns import PatternError
from chalicelib.telephony.actions import Say


def condition(right: str, left: str = "$flow.key.text", **rule: Any) -> dict[str, Any]:
    return {
        "c": {
            "widget": "condition",
            "rules": [{"left": left, "op": "matches", "right": right, **rule}],
            "next": {"true": "t", "false": "f"},
        },
        "t": {"widget": "hangup", "text": "yes"},
        "f": {"widget": "hangup", "text": "no"},
    }


def branch(nodes: dict[str, Any], **flow_vars: str) -> str:
    said = (
        Driver(flow_of(nodes, variables=dict.fromkeys(flow_vars, "")), flow_vars=flow_vars)
        .answer()
        .actions[0]
    )
    assert isinstance(said, Say)
    return said.text


def load_problems(nodes: dict[str, Any]) -> list[str]:
    with pytest.raises(FlowValidationError) as caught:
        flow_of(nodes)
    return caught.value.problems


def test_the_matcher_is_re2() -> None:
    assert patterns.ENGINE == "re2"
    compiled = patterns.compile_pattern("a+")
    assert type(compiled).__module__ == "re2"


def test_a_catastrophic_pattern_on_a_long_text_is_decided() -> None:
    # GIVEN (a+)+b, which backtracking needs ~2^n steps to reject on n a's
    nodes = condition("(a+)+b")
    # WHEN it meets 10,000 a's (and the longest text matched)
    # THEN it is simply false
    assert branch(nodes, text="a" * 10_000) == "no"
    assert not patterns.fullmatch("(a+)+b", "a" * MAX_SUBJECT_CHARS)
    assert branch(nodes, text="a" * 10_000 + "b") == "yes"


def test_matching_is_whole_text_and_may_ignore_case() -> None:
    assert branch(condition("hel+o"), text="hello") == "yes"
    assert branch(condition("hel+o"), text="hello world") == "no"
    assert branch(condition("hel+o"), text="HELLO") == "no"
    assert branch(condition("hel+o", ignore_case=True), text="HELLO") == "yes"
    # the pattern itself is never case-folded: \D stays "not a digit"
    assert branch(condition("\\D+", ignore_case=True), text="ABC") == "yes"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a)\\1", "backreferences are not supported"),
        ("(?P<x>a)(?P=x)", "backreferences are not supported"),
        ("a(?=b)", "lookahead and lookbehind are not supported"),
        ("(?<!a)b", "lookahead and lookbehind are not supported"),
        ("a++", "possessive and atomic groups are not supported"),
        ("abc\\Z", "write \\z for the end of the text"),
        ("(a)?(?(1)b|c)", "conditionals are not supported"),
        ("(", "missing )"),
        ("((\\w+\\s?)+){300}x", "pattern is too big"),
        ("a" * (MAX_PATTERN_CHARS + 1), f"at most {MAX_PATTERN_CHARS}"),
    ],
)
def test_a_pattern_re2_refuses_is_refused_at_load_with_the_reason(
    pattern: str, reason: str
) -> None:
    [problem] = load_problems(condition(pattern))
    assert problem.startswith("nodes.c.rules.0: ") and "pattern refused" in problem
    assert reason in problem


def test_a_templated_pattern_is_checked_with_its_variables_filled_in() -> None:
    # GIVEN literal parts that RE2 refuses around a variable
    [problem] = load_problems(condition("(\\w)$flow.key.middle\\1"))
    assert "backreferences are not supported" in problem
    # AND a pattern that is all variable is accepted at load
    flow_of(condition("$flow.key.pattern"), variables={"pattern": "", "text": ""})


@pytest.mark.parametrize(
    ("pattern", "text", "detail"),
    [
        ("(a)\\1", "aa", "backreferences are not supported"),
        ("((\\w+\\s?)+){300}x", "abc", "pattern is too big"),
    ],
)
def test_a_pattern_refused_at_run_time_takes_false_with_a_notice(
    pattern: str, text: str, detail: str
) -> None:
    # GIVEN a pattern that comes from a variable
    d = Driver(
        flow_of(condition("$flow.key.pattern"), variables={"pattern": "", "text": ""}),
        flow_vars={"pattern": pattern, "text": text},
    )
    # WHEN the condition runs
    result = d.answer()
    # THEN it takes false, and the step says why for the shell to log and count
    assert result.actions[0] == Say("no", "en-US")
    [notice] = result.notices
    assert (notice.node, notice.kind) == ("c", "pattern_refused")
    assert detail in notice.detail


def test_with_match_any_a_refused_pattern_reached_decides_false() -> None:
    nodes = condition("$flow.key.pattern")
    nodes["c"]["match"] = "any"
    nodes["c"]["rules"].append({"left": "1", "op": "eq", "right": "1"})
    result = Driver(
        flow_of(nodes, variables={"pattern": "", "text": ""}), flow_vars={"pattern": "(a)\\1"}
    ).answer()
    assert result.actions[0] == Say("no", "en-US")
    assert result.notices == (Notice("c", "pattern_refused", result.notices[0].detail),)


def test_an_input_pattern_re2_refuses_is_refused_at_load() -> None:
    nodes = {
        "i": {
            "widget": "input",
            "prompt": "PIN",
            "variable": "pin",
            "pattern": "(\\d)\\1+",
            "next": "h",
        },
        "h": {"widget": "hangup"},
    }
    [problem] = load_problems(nodes)
    assert problem.startswith("nodes.i: ") and "backreferences are not supported" in problem


def test_fullmatch_refuses_a_long_subject_rather_than_matching_part_of_it() -> None:
    with pytest.raises(PatternError):
        patterns.fullmatch(".*", "x" * (MAX_SUBJECT_CHARS + 1))
