"""Variable names as the Phonon seed allows them: GIVEN a flow whose ``$flow.key`` /
``$user.key`` names hold special characters ("any alphanumeric character or special
characters"), WHEN it is loaded and a call speaks them, THEN each reference reads the name the
flow declares or assigns (longest first), a reading that could mean another name is refused at
load with its place, and so is a ``$flow.key`` nothing declares, sets or saves."""

from __future__ import annotations

from typing import Any

import pytest
from flowkit import NOW, Driver, flow_of

from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow
from chalicelib.flows.outcomes import HttpResponded, HttpResult
from chalicelib.flows.variables import Names, Scope, references, user_keys
from chalicelib.telephony.actions import Say


def spoken(text: str, variables: dict[str, str], **nodes: Any) -> str:
    flow = flow_of({"s": {"widget": "hangup", "text": text}, **nodes}, variables=variables)
    said = Driver(flow).answer().actions[0]
    assert isinstance(said, Say)
    return said.text


def problems(text: str, variables: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(FlowValidationError) as caught:
        flow_of({"s": {"widget": "hangup", "text": text}}, variables=variables or {})
    return caught.value.problems


@pytest.mark.parametrize(
    ("name", "value"),
    [("first.name", "Ada"), ("a@b", "at"), ("x#1", "hash"), ("50%off", "half")],
)
def test_a_declared_name_with_special_characters_speaks_its_value(name: str, value: str) -> None:
    assert spoken(f"Hello $flow.key.{name} today", {name: value}) == f"Hello {value} today"


def test_the_longest_declared_name_is_read_first() -> None:
    variables = {"first": "F", "first.name": "Ada"}
    assert spoken("$flow.key.first.name and $flow.key.first.", variables) == "Ada and F."


def test_a_name_followed_by_punctuation_of_a_sentence_ends_there() -> None:
    variables = {"name": "Ada"}
    text = "Hi $flow.key.name, $flow.key.name's code: $flow.key.name! ($flow.key.name)"
    assert spoken(text, variables) == "Hi Ada, Ada's code: Ada! (Ada)"


def test_a_declared_name_is_not_read_inside_a_longer_word() -> None:
    # "first" is declared, "firstname" is not: the reference names firstname, which nothing sets
    [problem] = problems("$flow.key.firstname", {"first": "x"})
    assert problem.startswith("nodes.s: $flow.key.firstname: no flow variable of that name")


def test_a_reading_that_could_be_a_longer_name_is_refused_with_both_readings() -> None:
    [problem] = problems("Dear $flow.key.first.name", {"first": "Ada"})
    assert problem.startswith("nodes.s: $flow.key.first.name: reads as $flow.key.first followed")
    assert "declare it" in problem and "${flow.key.first}" in problem


def test_braces_say_where_a_name_ends() -> None:
    assert spoken("${flow.key.first}.name", {"first": "Ada"}) == "Ada.name"


def test_a_flow_key_nothing_declares_sets_or_saves_is_refused_with_its_place() -> None:
    with pytest.raises(FlowValidationError) as caught:
        flow_of(
            {
                "a": {"widget": "say", "text": "ok", "next": "b"},
                "b": {"widget": "hangup", "text": "Bye ${flow.key.nobody} $flow.key.nope"},
            }
        )
    assert caught.value.problems == [
        "nodes.b: $flow.key.nobody: no flow variable of that name (nothing declares, sets or "
        "saves it); declare it under variables",
        "nodes.b: $flow.key.nope: no flow variable of that name (nothing declares, sets or "
        "saves it); declare it under variables",
    ]


def test_names_set_stored_or_saved_by_nodes_count_as_declared() -> None:
    nodes = {
        "set": {"widget": "set", "assign": {"$flow.key.first.name": "Ada"}, "next": "ask"},
        "ask": {"widget": "input", "prompt": "PIN?", "variable": "pin#", "next": "web"},
        "web": {
            "widget": "webhook",
            "url": "https://crm.example/x",
            "save": {"e@mail": "email"},
            "next": {"success": "s", "failure": "s"},
        },
        "s": {
            "widget": "hangup",
            "text": "$flow.key.first.name $flow.key.pin# $flow.key.e@mail $flow.key.error_reason",
        },
    }
    flow = flow_of(nodes, start="set")
    assert set(flow.names.flow) >= {"first.name", "pin#", "e@mail", "response_status"}


def test_a_webhook_saves_into_a_name_with_special_characters() -> None:
    nodes = {
        "web": {
            "widget": "webhook",
            "url": "https://crm.example/x",
            "save": {"$flow.key.e@mail": "email"},
            "next": {"success": "s", "failure": "s"},
        },
        "s": {"widget": "hangup", "text": "Mail $flow.key.e@mail."},
    }
    d = Driver(flow_of(nodes))
    d.answer()
    result = d.send(HttpResponded(d.ref, HttpResult(200, '{"email": "a@b.example"}', 0.1)))
    assert result.actions[0] == Say("Mail a@b.example.", "en-US")


def test_a_user_name_the_flow_does_not_set_is_read_plainly_and_refused_when_ambiguous() -> None:
    [problem] = problems("Hi $user.key.a@b")
    assert "$user.key.a@b: reads as $user.key.a followed by '@b'" in problem
    assert "${user.key.a}" in problem
    # braced, or set by the flow, it is read whole
    flow = flow_of(
        {
            "set": {"widget": "set", "assign": {"$user.key.a@b": "x"}, "next": "s"},
            "s": {"widget": "hangup", "text": "$user.key.a@b ${user.key.c@d}"},
        }
    )
    assert flow.user_keys == {"a@b", "c@d"}


def test_a_user_name_nothing_declares_is_fine_account_wide() -> None:
    flow = flow_of({"s": {"widget": "hangup", "text": "Hi $user.key.nick"}})
    assert flow.user_keys == {"nick"}


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("$flow.key.x", "give the bare name"),
        ("flow.key.x", "give the bare name"),
        ("a b", "without spaces"),
        ("a}", "without spaces"),
        ("a\x1cb", "control characters"),
    ],
)
def test_a_declared_name_that_cannot_be_written_is_refused(name: str, why: str) -> None:
    [problem] = problems("ok", {name: "v"})
    assert problem.startswith(f"variables.{name}: ") and why in problem


def test_a_stored_flow_loaded_before_the_name_rules_still_runs() -> None:
    document = {
        "id": "old",
        "name": "old",
        "start": "s",
        "nodes": {"s": {"widget": "hangup", "text": "Hi $flow.key.nobody."}},
    }
    with pytest.raises(FlowValidationError):
        parse_flow(document)
    flow = parse_flow(document, stored=True)
    said = Driver(flow).answer().actions[0]
    assert said == Say("Hi .", "en-US")


def test_the_scope_and_the_checks_read_names_alike() -> None:
    names = Names.of(["first", "first.name"], ["a@b"])
    scope = Scope({"first": "F", "first.name": "Ada"}, {"a@b": "U"}, {}, NOW, names=names)
    assert scope.interpolate("$flow.key.first.name/$flow.key.first/$user.key.a@b") == "Ada/F/U"
    assert references("$flow.key.first.name $user.key.a@b", names) == []
    assert user_keys("$user.key.a@b", names) == {"a@b"}
