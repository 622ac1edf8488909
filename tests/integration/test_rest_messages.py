"""What a new user reads when the REST API refuses them: GIVEN the mistakes people make (a
national-format number, a field that does not exist, a language the platform does not speak),
THEN the problem says what to do instead, in words, never with a raw pattern; and an outbound
call takes its variables in the seed's ``$flow.key.<name>`` form as well as bare."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from platformkit import ROOT, Platform, running_platform

from chalicelib.telephony.ports import PlacedCall

CALLER_ID = "447700900150"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as platform:
        admin = platform.container.admin
        admin.load_flow("acme", (ROOT / "flows" / "appointment-reminder.json").read_text())
        admin.set_listener("acme", "appointment-reminder", True)
        admin.provision_number("acme", CALLER_ID)
        admin.attach_number("acme", CALLER_ID, "appointment-reminder")
        yield platform


def body(response: Any) -> Any:
    return json.loads(response.body)


def messages(response: Any) -> list[str]:
    problem = body(response)
    return [problem["detail"], *(error["message"] for error in problem.get("errors", []))]


def test_a_national_number_is_told_to_use_the_international_form(platform: Platform) -> None:
    # WHEN a user binds or calls a number the way it is dialled at home
    bound = platform.api("PUT", "/v1/numbers/07700918608", {"flow_id": "pull-message"})
    called = platform.api(
        "POST",
        "/v1/calls",
        {"flow_id": "appointment-reminder", "to": "07700918608", "from": CALLER_ID},
    )
    # THEN both say it looks national and how to write it, and no regex is shown
    for response in (bound, called):
        assert response.status_code == 422
        text = " ".join(messages(response))
        assert "looks like a national number" in text and "international form" in text
        assert "{6,14}" not in text and "^" not in text


def test_an_unknown_field_names_the_fields_there_are(platform: Platform) -> None:
    response = platform.api("PUT", "/v1/numbers/447700900100", {"flow_id": "x", "colour": "red"})
    assert response.status_code == 422
    [error] = body(response)["errors"]
    assert error["field"] == "colour"
    assert error["message"] == "unknown field 'colour'; the fields are: enabled, flow_id, language"


def test_an_unsupported_language_lists_the_supported_ones(platform: Platform) -> None:
    response = platform.api(
        "PUT", "/v1/numbers/447700900100", {"flow_id": "pull-message", "language": "en-XX"}
    )
    assert response.status_code == 422
    text = " ".join(messages(response))
    assert "unsupported language 'en-XX'" in text and "en-GB" in text and "fr-FR" in text


def test_a_malformed_variable_name_is_explained_in_words(platform: Platform) -> None:
    response = platform.api(
        "POST",
        "/v1/calls",
        {
            "flow_id": "appointment-reminder",
            "to": "447700900444",
            "from": CALLER_ID,
            "variables": {"first name": "Ann"},
        },
    )
    assert response.status_code == 422
    text = " ".join(messages(response))
    assert "is not a variable name" in text and "$flow.key.<name>" in text and "^" not in text


class Carrier:
    def __init__(self) -> None:
        self.placed: list[Any] = []

    def place_call(self, call: Any) -> PlacedCall:
        self.placed.append(call)
        return PlacedCall("leg-out-1", "CON-out-1", "started")


def test_an_outbound_call_takes_variables_in_the_seeds_key_form(platform: Platform) -> None:
    carrier = Carrier()
    platform.container.__dict__["carrier"] = carrier
    # WHEN a call is started with a $flow.key.<name> variable and a bare one
    response = platform.api(
        "POST",
        "/v1/calls",
        {
            "flow_id": "appointment-reminder",
            "to": "447700900444",
            "from": CALLER_ID,
            "variables": {"$flow.key.name": "Ann", "date": "Monday"},
        },
    )
    # THEN the call starts with both, by their names
    assert response.status_code == 202, response.body
    state = platform.container.calls.get(body(response)["call_id"])
    assert state.flow_vars == {"name": "Ann", "date": "Monday"}
    # AND the same name given both ways is refused, and nobody is called
    twice = platform.api(
        "POST",
        "/v1/calls",
        {
            "flow_id": "appointment-reminder",
            "to": "447700900444",
            "from": CALLER_ID,
            "variables": {"$flow.key.name": "Ann", "name": "Bob"},
        },
    )
    assert twice.status_code == 422 and "given twice" in body(twice)["detail"]
    # AND a name the flow does not declare is refused, naming the ones it does
    unknown = platform.api(
        "POST",
        "/v1/calls",
        {
            "flow_id": "appointment-reminder",
            "to": "447700900444",
            "from": CALLER_ID,
            "variables": {"$flow.key.first.name": "Ann"},
        },
    )
    assert unknown.status_code == 422
    assert body(unknown)["detail"] == (
        "variable 'first.name' is not one flow 'appointment-reminder' declares (it declares:"
        " date, name, time)"
    )
    assert len(carrier.placed) == 1
