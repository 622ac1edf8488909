"""Reading the seed's ``POST /outbound/create`` body (``campaigns.requests``): each call
accepted as a contact or rejected with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.campaigns.requests import check_envelope, normal_number, read_calls
from chalicelib.errors import ValidationError

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
DECLARED = frozenset({"name", "date"})


def read(*calls: object) -> tuple[list, list]:  # type: ignore[type-arg]
    return read_calls({"calls": list(calls)}, "api-f", DECLARED, "Europe/London", NOW)


def test_the_seeds_call_becomes_a_contact() -> None:
    accepted, rejected = read(
        {
            "client-identifier": "Call identifier",
            "start-time": "2026-12-24T09:30:00",
            "contact-numbers": ["+44 (0)7700-900001".replace("(0)", "")],
            "keys": [
                {"name": "$flow.key.name", "value": "Dana"},
                {"name": "date", "value": "Friday"},
            ],
        }
    )
    assert rejected == []
    [call] = accepted
    assert call.contact.numbers == ("447700900001",)
    assert dict(call.contact.keys) == {"name": "Dana", "date": "Friday"}
    assert call.contact.due_at == datetime(2026, 12, 24, 9, 30, tzinfo=UTC)  # London in winter


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ({"contact-numbers": ["447700900001"]}, "client-identifier is missing"),
        ({"client-identifier": "a", "contact-numbers": []}, "contact-numbers"),
        ({"client-identifier": "a", "contact-numbers": ["07700 900001"]}, "country code"),
        ({"client-identifier": "a", "contact-numbers": ["x"] * 11}, "at most 10"),
        (
            {"client-identifier": "a", "contact-numbers": ["447700900001"], "start-time": "soon"},
            "ISO 8601",
        ),
        (
            {
                "client-identifier": "a",
                "contact-numbers": ["447700900001"],
                "start-time": "2030-01-01T00:00:00Z",
            },
            "more than a year ahead",
        ),
        (
            {
                "client-identifier": "a",
                "contact-numbers": ["447700900001"],
                "keys": [{"name": "$flow.key.colour", "value": "red"}],
            },
            "unknown key",
        ),
        ("not an object", "must be an object"),
    ],
)
def test_a_bad_call_is_rejected_with_its_reason(call: object, reason: str) -> None:
    accepted, [rejected] = read(call)
    assert accepted == [] and reason in rejected.reason


def test_a_client_identifier_twice_in_one_request_is_a_duplicate() -> None:
    call = {"client-identifier": "a", "contact-numbers": ["447700900001"]}
    accepted, [rejected] = read(call, call)
    assert len(accepted) == 1 and rejected.reason.startswith("duplicate")


def test_a_past_start_time_means_now() -> None:
    past = (NOW - timedelta(days=1)).isoformat()
    [call], _ = read(
        {"client-identifier": "a", "contact-numbers": ["447700900001"], "start-time": past}
    )
    assert call.contact.due_at == NOW


def test_the_envelope_and_numbers() -> None:
    with pytest.raises(ValidationError, match="api-version"):
        check_envelope({"api-version": "2.0", "security-id": "s", "flow-id": "f"})
    with pytest.raises(ValidationError, match="security-id"):
        check_envelope({"flow-id": "f"})
    assert normal_number("0044 7700 900001") == "447700900001"
    with pytest.raises(ValueError, match="country code"):
        normal_number("07700900001")


def test_the_upload_limit_is_the_readers() -> None:
    # uploads keeps its own copy so that app.py does not import the reader on a cold start
    from chalicelib.campaigns import calllist, uploads

    assert uploads.MAX_UPLOAD_BYTES == calllist.MAX_UPLOAD_BYTES
