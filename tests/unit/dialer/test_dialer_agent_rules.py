"""The dialer's agent rules, pure: GIVEN an agent in each state, WHEN each state is asked for,
THEN exactly the table's changes are made (the new state since now, the change's event) and
the others are refused in words; on_call is entered only by a given call; a call's reference
follows the agent into wrap-up and no further; a wrap-up is over after the group's time; groups
and agents are checked field by field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.dialer import agent_rules as rules
from chalicelib.dialer.model import Agent, AgentGroup, AgentState, AgentType, LoginType
from chalicelib.errors import ConflictError, ValidationError

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
S = AgentState
ALLOWED = {
    (S.LOGGED_OUT, S.AVAILABLE),
    (S.LOGGED_OUT, S.PAUSED),
    (S.AVAILABLE, S.PAUSED),
    (S.AVAILABLE, S.LOGGED_OUT),
    (S.PAUSED, S.AVAILABLE),
    (S.PAUSED, S.LOGGED_OUT),
    (S.ON_CALL, S.WRAP_UP),
    (S.WRAP_UP, S.AVAILABLE),
    (S.WRAP_UP, S.PAUSED),
    (S.WRAP_UP, S.LOGGED_OUT),
}
"""What an agent may be asked to become, from each state (on_call never)."""


def agent(state: AgentState = S.LOGGED_OUT, call_ref: str = "") -> Agent:
    return Agent(
        account_id="acme",
        agent_id="121163",
        name="Asha",
        group_id="sales",
        login_type=LoginType.MOBILE_PHONE,
        number="447700900123",
        state=state,
        state_since=NOW - timedelta(minutes=5),
        call_ref=call_ref,
        version=4,
    )


@pytest.mark.parametrize("start", list(S))
@pytest.mark.parametrize("to", list(S))
def test_asked_changes_follow_the_table(start: AgentState, to: AgentState) -> None:
    before = agent(start, "call-1" if start in (S.ON_CALL, S.WRAP_UP) else "")
    if (start, to) in ALLOWED:
        # WHEN an allowed change is asked / THEN the agent is in it since now, with its event
        after, event = rules.asked(before, to, NOW, "  lunch  ")
        assert (after.state, after.state_since) == (to, NOW)
        assert (event.from_state, event.to_state, event.at) == (start, to, NOW)
        assert event.reason == "lunch"
        assert rules.allowed(start, to)
    else:
        # WHEN any other is asked / THEN it is refused as a conflict saying why
        with pytest.raises(rules.TransitionError) as refused:
            rules.asked(before, to, NOW)
        assert isinstance(refused.value, ConflictError)
        assert f"is {start.value}: it cannot become {to.value}" in str(refused.value)
        assert not rules.allowed(start, to)


def test_the_refusal_says_what_the_agent_may_become() -> None:
    with pytest.raises(rules.TransitionError, match="may become available or paused"):
        rules.asked(agent(S.LOGGED_OUT), S.WRAP_UP, NOW)
    with pytest.raises(rules.TransitionError, match="only when the dialer gives them one"):
        rules.asked(agent(S.AVAILABLE), S.ON_CALL, NOW)


def test_a_given_call_puts_an_available_agent_on_it_and_nobody_else() -> None:
    after, event = rules.given_call(agent(S.AVAILABLE), "call-7", NOW)
    assert (after.state, after.call_ref, after.state_since) == (S.ON_CALL, "call-7", NOW)
    assert (event.from_state, event.to_state, event.call_ref) == (S.AVAILABLE, S.ON_CALL, "call-7")
    for state in (S.LOGGED_OUT, S.PAUSED, S.ON_CALL, S.WRAP_UP):
        with pytest.raises(rules.TransitionError):
            rules.given_call(agent(state), "call-7", NOW)
    with pytest.raises(ValidationError):
        rules.given_call(agent(S.AVAILABLE), "", NOW)


def test_the_call_follows_into_wrap_up_and_no_further() -> None:
    wrapping, event = rules.changed(agent(S.ON_CALL, "call-7"), S.WRAP_UP, NOW, "call ended")
    assert (wrapping.call_ref, event.call_ref) == ("call-7", "call-7")
    free, event = rules.asked(wrapping, S.AVAILABLE, NOW)
    # THEN the agent is on no call, and the event still names the call wrapped up
    assert (free.call_ref, event.call_ref) == ("", "call-7")


def test_a_wrap_up_is_over_after_the_groups_time() -> None:
    group = AgentGroup("acme", "sales", "Sales", wrap_up_seconds=45)
    wrapping = replace(agent(S.WRAP_UP, "call-7"), state_since=NOW)
    assert rules.wrap_up_ends(wrapping, group) == NOW + timedelta(seconds=45)
    assert not rules.wrap_up_due(wrapping, group, NOW + timedelta(seconds=44))
    assert rules.wrap_up_due(wrapping, group, NOW + timedelta(seconds=45))
    # AND an agent not wrapping up has no wrap-up to end
    assert rules.wrap_up_ends(agent(S.AVAILABLE), group) is None
    assert not rules.wrap_up_due(agent(S.PAUSED), group, NOW + timedelta(days=1))


def test_a_state_is_named() -> None:
    assert rules.state_of("wrap_up") is S.WRAP_UP
    with pytest.raises(ValidationError, match="is not a state"):
        rules.state_of("busy")


def test_a_group_is_checked() -> None:
    made = rules.group("acme", "sales", "", 0, 5, 10)
    assert (made.name, made.wrap_up_seconds, made.ring_timeout, made.max_attempts) == (
        "sales",
        0,
        5,
        10,
    )
    for bad, words in (
        ({"group_id": "no spaces"}, "group id"),
        ({"group_id": "x" * 41}, "group id"),
        ({"wrap_up_seconds": 3601}, "wrap_up_seconds"),
        ({"wrap_up_seconds": -1}, "wrap_up_seconds"),
        ({"ring_timeout": 4}, "ring_timeout"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"max_attempts": True}, "max_attempts"),
        ({"name": "n" * 101}, "name"),
    ):
        fields: dict[str, object] = {"account_id": "acme", "group_id": "sales", **bad}
        with pytest.raises(ValidationError, match=words):
            rules.group(**fields)  # type: ignore[arg-type]


def test_a_phone_agent_is_reached_on_its_number_a_softphone_on_its_sip_address() -> None:
    phone = rules.agent("acme", "121163", "sales", "desk phone", number="+44 7700 900123", now=NOW)
    assert (phone.number, phone.sip, phone.address) == ("447700900123", "", "447700900123")
    assert (phone.state, phone.state_since, phone.name) == (S.LOGGED_OUT, NOW, "121163")
    assert phone.agent_type is AgentType.DYNAMIC
    soft = rules.agent(
        "acme",
        "a-2",
        "sales",
        LoginType.SOFTPHONE,
        name=" Ben ",
        sip="sip:121163@192.168.50.15",
        agent_type="direct dial",
        now=NOW,
    )
    assert (soft.address, soft.name, soft.agent_type) == (
        "sip:121163@192.168.50.15",
        "Ben",
        AgentType.DIRECT_DIAL,
    )


@pytest.mark.parametrize(
    ("login_type", "number", "sip", "words"),
    [
        ("softphone", "447700900123", "", "SIP address"),
        ("softphone", "", "121163@pbx", "not a SIP address"),
        ("softphone", "", "sips:\x8a\x1c@pbx", "not a SIP address"),
        ("softphone", "", "sip:a b@pbx", "not a SIP address"),
        ("softphone", "447700900123", "sip:a@pbx", "no number"),
        ("mobile phone", "", "sip:a@pbx", "phone number"),
        ("landline", "", "", "phone number"),
        ("landline", "12345", "", "country code"),
        ("landline", "+44 7700 900123 ext 4", "", "country code"),
        ("pager", "447700900123", "", "login_type"),
    ],
)
def test_an_agent_is_refused_for_what_is_wrong(
    login_type: str, number: str, sip: str, words: str
) -> None:
    with pytest.raises(ValidationError, match=words):
        rules.agent("acme", "a-1", "sales", login_type, number=number, sip=sip, now=NOW)


def test_an_agents_ids_and_type_are_checked() -> None:
    with pytest.raises(ValidationError, match="agent id"):
        rules.agent("acme", "a#1", "sales", "landline", number="447700900123", now=NOW)
    with pytest.raises(ValidationError, match="group id"):
        rules.agent("acme", "a-1", "", "landline", number="447700900123", now=NOW)
    with pytest.raises(ValidationError, match="agent_type"):
        rules.agent(
            "acme", "a-1", "g", "landline", number="447700900123", agent_type="queue", now=NOW
        )


def test_a_profile_is_what_the_agent_was_given_not_its_state() -> None:
    one = agent(S.AVAILABLE)
    assert rules.same_profile(one, replace(one, state=S.PAUSED, version=9, call_ref="c"))
    assert not rules.same_profile(one, replace(one, group_id="support"))
