"""Webhook parsing: recorded payloads, bad input, and fuzzing where only WebhookParseError escapes.

The recorded payloads live in ``tests/payloads/vonage`` (format in its README). ``EXPECTED``
holds, for each file, the event it must become.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.telephony.events import (
    CallAnswered,
    CallStatus,
    CallStatusChanged,
    CallTransferred,
    Direction,
    InputReceived,
    NotifyReceived,
    ProviderErrorReported,
    RecordingReady,
    SmsReceived,
    SpeechResult,
)
from chalicelib.telephony.vonage.webhooks import (
    WebhookParseError,
    decode_payload,
    join_sms_parts,
    parse_answer,
    parse_event,
    parse_inbound_sms,
    parse_input,
    parse_notify,
    parse_recording,
)

PAYLOADS = Path(__file__).resolve().parents[2] / "payloads" / "vonage"

LEG = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
CON = "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
T0 = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)
T_INPUT = datetime(2020, 1, 1, 14, 0, tzinfo=UTC)
FILE_URL = "https://api.nexmo.com/v1/files/bbbbbbbb-aaaa-cccc-dddd-0123456789ab"

PARSERS: dict[str, Callable[[Mapping[str, Any], str], object]] = {
    "answer": parse_answer,
    "event": parse_event,
    "input": parse_input,
    "recording": parse_recording,
    "notify": parse_notify,
    "sms": lambda payload, ref: parse_inbound_sms(payload),
}


def _status(status: CallStatus, **fields: Any) -> tuple[type, dict[str, Any]]:
    base: dict[str, Any] = {
        "leg_id": LEG,
        "conversation_id": CON,
        "status": status,
        "direction": Direction.OUTBOUND,
        "from_number": "442079460000",
        "to_number": "447700900000",
        "at": T0,
        "detail": None,
        "ref": "",
    }
    base.update(fields)
    return CallStatusChanged, base


def _input(**fields: Any) -> tuple[type, dict[str, Any]]:
    base: dict[str, Any] = {
        "leg_id": LEG,
        "conversation_id": CON,
        "digits": None,
        "dtmf_timed_out": False,
        "speech": (),
        "speech_timeout_reason": None,
        "speech_error": None,
        "speech_recording_url": None,
        "at": T_INPUT,
        "ref": "ask-1",
    }
    base.update(fields)
    return InputReceived, base


def _sms(**fields: Any) -> tuple[type, dict[str, Any]]:
    base: dict[str, Any] = {
        "from_number": "447700900001",
        "to_number": "447700900000",
        "type": "text",
        "concat_ref": None,
        "concat_total": None,
        "concat_part": None,
    }
    base.update(fields)
    return SmsReceived, base


PARTS = ["Part one of a long message, ", "part two continues it, ", "and part three ends it."]

EXPECTED: dict[str, tuple[type, dict[str, Any]]] = {
    "answer_get_query": (
        CallAnswered,
        {
            "leg_id": LEG,
            "conversation_id": CON,
            "from_number": "447700900000",
            "to_number": "442079460000",
            "from_user": None,
            "region_url": None,
            "custom_data": {},
            "sip_headers": {"X-UserId": "1938ND9"},
            "ref": "",
        },
    ),
    "answer_post_json": (
        CallAnswered,
        {
            "leg_id": LEG,
            "from_number": "442079460000",
            "to_number": "447700900000",
            "sip_headers": {"X-UserId": "1938ND9"},
        },
    ),
    "answer_post_region_url": (
        CallAnswered,
        {
            "leg_id": "75cfd97e2d00d1e54c178892c8324aee",
            "conversation_id": "CON-d224d8c9-0ba5-4b06-9a1c-0b3bd6a6a4a2",
            "from_number": "18483014897",
            "to_number": "447441448589",
            "region_url": "https://api-us-3.vonage.com",
            "sip_headers": {},
        },
    ),
    "answer_post_from_user_sip": (
        CallAnswered,
        {
            "from_number": None,
            "from_user": "JaneDoe",
            "to_number": "447700900000",
            "endpoint_type": "app",
            "region_url": "https://api-eu-3.vonage.com",
            "custom_data": {"ticket": "T-42", "priority": 2},
            "sip_headers": {"User-to-User": "342342ef34;encoding=hex", "X-UserId": "1938ND9"},
        },
    ),
    "event_started": _status(CallStatus.STARTED),
    "event_ringing": _status(CallStatus.RINGING),
    "event_answered": _status(
        CallStatus.ANSWERED,
        direction=Direction.INBOUND,
        start_time=None,
        rate=None,
        network=None,
    ),
    "event_busy": _status(CallStatus.BUSY, ref="bridge-1"),
    "event_cancelled": _status(CallStatus.CANCELLED),
    "event_unanswered_unavailable": _status(
        CallStatus.UNANSWERED, detail="unavailable", ref="bridge-1"
    ),
    "event_unanswered_timeout": _status(CallStatus.UNANSWERED, detail="timeout", ref="bridge-1"),
    "event_unanswered_carrier_timeout": _status(
        CallStatus.UNANSWERED, detail="carrier_timeout", ref="bridge-1"
    ),
    "event_disconnected": _status(CallStatus.DISCONNECTED),
    "event_rejected_invalid_number": _status(
        CallStatus.REJECTED, detail="invalid_number", ref="bridge-1"
    ),
    "event_rejected_restricted": _status(CallStatus.REJECTED, detail="restricted", ref="bridge-1"),
    "event_rejected_declined": _status(CallStatus.REJECTED, detail="declined", ref="bridge-1"),
    "event_failed_cannot_route": _status(
        CallStatus.FAILED, detail="cannot_route", sip_code=404, ref="bridge-1"
    ),
    "event_failed_number_out_of_service": _status(
        CallStatus.FAILED, detail="number_out_of_service", sip_code=None, ref="bridge-1"
    ),
    "event_failed_internal_error": _status(
        CallStatus.FAILED, detail="internal_error", ref="bridge-1"
    ),
    "event_human": _status(CallStatus.HUMAN, direction=None, sub_state=None),
    "event_machine_beep_start": _status(CallStatus.MACHINE, direction=None, sub_state="beep_start"),
    "event_timeout": _status(CallStatus.TIMEOUT, ref="bridge-1"),
    "event_completed": _status(
        CallStatus.COMPLETED,
        direction=Direction.INBOUND,
        start_time=T0,
        end_time=T0 + timedelta(seconds=2),
        duration=2,
        rate=Decimal("0.00450000"),
        price=Decimal("0.00015000"),
        network="GB-FIXED",
        disconnected_by="user",
    ),
    "event_completed_get_query": _status(
        CallStatus.COMPLETED,
        start_time=datetime(2020, 1, 1, 11, 0, tzinfo=UTC),
        end_time=datetime(2020, 1, 1, 11, 1, 30, tzinfo=UTC),
        duration=90,
        rate=Decimal("0.01"),
        price=Decimal("0.015"),
        network="GB-MOBILE",
        disconnected_by="platform",
    ),
    "event_record": (
        RecordingReady,
        {
            "recording_url": FILE_URL,
            "recording_id": LEG,
            "conversation_id": CON,
            "size": 12222,
            "start_time": T0,
            "end_time": T0 + timedelta(seconds=30),
            "at": T0 + timedelta(seconds=31),
            "ref": "",
        },
    ),
    "event_transfer": (
        CallTransferred,
        {
            "leg_id": LEG,
            "conversation_from": CON,
            "conversation_to": "CON-bbbbbbbb-aaaa-cccc-dddd-0123456789ab",
            "at": T0,
        },
    ),
    "event_error": (
        ProviderErrorReported,
        {
            "reason": "Syntax error in NCCO. Invalid value type or action.",
            "conversation_id": CON,
            "at": T0,
        },
    ),
    "event_input": _input(digits="42", at=T0, ref=""),
    "input_dtmf": _input(digits="1234"),
    "input_dtmf_timed_out_empty": _input(digits=None, dtmf_timed_out=True),
    "input_speech_results": _input(
        speech=(
            SpeechResult("I want to pay my bill", 0.9405097),
            SpeechResult("I want to play my bill", 0.70543784),
        ),
        speech_timeout_reason="end_on_silence_timeout",
        speech_recording_url="https://api-us.nexmo.com/v1/files/eeeeeeee-ffff-0000-1111-0123456789ab",
    ),
    "input_speech_start_timeout": _input(speech_timeout_reason="start_timeout"),
    "input_speech_error": _input(speech_error="ERR1: Failed to analyze audio"),
    "input_speech_only_digits_null": _input(
        speech=(SpeechResult("yes", 0.5),), speech_timeout_reason="max_duration"
    ),
    "recording": (
        RecordingReady,
        {
            "recording_url": FILE_URL,
            "recording_id": "cccccccc-aaaa-bbbb-dddd-0123456789ab",
            "conversation_id": CON,
            "size": 32768,
            "start_time": T0,
            "end_time": T0 + timedelta(minutes=1),
            "at": T0 + timedelta(minutes=1, seconds=1),
            "ref": "rec-1",
        },
    ),
    "notify_payload_top_level": (
        NotifyReceived,
        {
            "payload": {"step": "after-menu", "campaign": "spring"},
            "conversation_id": None,
            "leg_id": None,
            "ref": "n-1",
        },
    ),
    "notify_payload_nested": (
        NotifyReceived,
        {
            "payload": {"step": "after-menu"},
            "conversation_id": CON,
            "leg_id": LEG,
            "at": T0,
            "ref": "n-1",
        },
    ),
    "sms_inbound_get_query": _sms(
        message_id="0A0000000123ABCD1", text="Hello world", keyword="HELLO", sent_at=T0
    ),
    "sms_inbound_form_post": _sms(
        message_id="0A0000000123ABCD2",
        text="CALL ME BACK",
        keyword="CALL",
        sent_at=datetime(2015, 2, 5, 9, 29, 33, tzinfo=UTC),
    ),
    "sms_inbound_json_post": _sms(
        message_id="0A0000000123ABCD3", text="Balance please", keyword="BALANCE", sent_at=T0
    ),
    "sms_inbound_unicode": _sms(
        message_id="0A0000000123ABCD4",
        text="مرحبا 👋",
        type="unicode",
        keyword="مرحبا",
        sent_at=T0 + timedelta(seconds=5),
    ),
    **{
        f"sms_inbound_concat_part{n}": _sms(
            message_id=f"0A00000001230000{n}",
            text=PARTS[n - 1],
            keyword="PART",
            sent_at=T0 + timedelta(seconds=n),
            concat_ref="108",
            concat_total=3,
            concat_part=n,
        )
        for n in (1, 2, 3)
    },
    "sms_inbound_binary": _sms(
        message_id="0A0000000123ABCD5",
        text="",
        type="binary",
        keyword=None,
        sent_at=T0 + timedelta(seconds=6),
    ),
}


def load(name: str) -> dict[str, Any]:
    fixture: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return fixture


def request_of(fixture: Mapping[str, Any]) -> tuple[str, dict[str, str], bytes, str | None]:
    body = fixture["body"]
    raw = (
        b""
        if body is None
        else body.encode()
        if isinstance(body, str)
        else json.dumps(body).encode()
    )
    return fixture["method"], dict(fixture["query"]), raw, fixture["content_type"]


def replay(name: str) -> object:
    fixture = load(name)
    payload = decode_payload(*request_of(fixture))
    return PARSERS[fixture["webhook"]](payload, fixture["query"].get("ref", ""))


FIXTURES = sorted(path.stem for path in PAYLOADS.glob("*.json"))


def test_every_recorded_payload_has_an_expected_event() -> None:
    # GIVEN the recorded payloads and the expectations
    # THEN they cover each other exactly (a new fixture needs an expectation)
    assert sorted(EXPECTED) == FIXTURES


def test_fixtures_cover_every_parser_and_every_call_status() -> None:
    # GIVEN the recorded payloads
    fixtures = [load(name) for name in FIXTURES]
    # THEN every parser has payloads, and every call status has an event payload
    assert {f["webhook"] for f in fixtures} == set(PARSERS)
    statuses = set()
    for fixture in fixtures:
        fields = fixture["body"] if fixture["body"] is not None else fixture["query"]
        if fixture["webhook"] == "event" and "status" in fields:
            statuses.add(fields["status"])
    assert statuses == {status.value for status in CallStatus}


@pytest.mark.parametrize("name", FIXTURES)
def test_each_recorded_payload_parses_to_its_event(name: str) -> None:
    # GIVEN a request as Vonage sends it
    expected_type, expected_fields = EXPECTED[name]
    # WHEN it is decoded and parsed by the parser of its URL
    event = replay(name)
    # THEN it is the expected provider-neutral event with the expected fields
    assert type(event) is expected_type
    actual = {key: getattr(event, key) for key in expected_fields}
    assert actual == expected_fields


@pytest.mark.parametrize("name", FIXTURES)
def test_every_datetime_is_aware_utc(name: str) -> None:
    event = replay(name)
    assert dataclasses.is_dataclass(event)
    for field in dataclasses.fields(event):
        value = getattr(event, field.name)
        if isinstance(value, datetime):
            assert value.tzinfo is UTC, field.name


# --- decoding ------------------------------------------------------------------------------------


def test_get_payload_is_the_query_without_our_routing_parameters() -> None:
    # GIVEN a GET with Vonage's fields and our call id and ref
    query = {"call": "c-1", "ref": "r-1", "uuid": LEG, "to": "447700900000"}
    # WHEN it is decoded
    # THEN only Vonage's fields remain
    assert decode_payload("GET", query, b"", None) == {"uuid": LEG, "to": "447700900000"}


def test_json_body_with_charset_and_vendor_media_types() -> None:
    for content_type in (
        "application/json; charset=utf-8",
        "application/problem+json",
        "text/json",
    ):
        assert decode_payload("POST", {}, b'{"a": 1}', content_type) == {"a": 1}


def test_body_without_content_type_is_sniffed() -> None:
    assert decode_payload("post", {}, b'  {"a": "b"}', None) == {"a": "b"}
    assert decode_payload("POST", {}, b"a=b&c=", "") == {"a": "b", "c": ""}


def test_post_without_body_falls_back_to_the_query() -> None:
    assert decode_payload("POST", {"call": "c", "msisdn": "1"}, b"  ", None) == {"msisdn": "1"}


BAD_REQUESTS: list[tuple[str, dict[str, str], bytes, str | None, str]] = [
    ("POST", {}, b"{not json", "application/json", "not valid JSON"),
    ("POST", {}, b"[1, 2]", "application/json", "must be an object"),
    ("POST", {}, b'"text"', "application/json", "must be an object"),
    ("POST", {}, b"[" * 100_000, "application/json", "not valid JSON"),
    ("POST", {}, b'{"n": ' + b"9" * 5000 + b"}", "application/json", "not valid JSON"),
    ("POST", {}, b"\xff\xfe", "application/json", "not UTF-8"),
    ("POST", {}, b"a=1&a=2", "application/x-www-form-urlencoded", "more than once"),
    ("POST", {}, b"<xml/>", "application/xml", "unsupported content type"),
    ("POST", {}, b"{}" + b" " * (1024 * 1024), "application/json", "larger than"),
    ("PUT", {}, b"{}", "application/json", "not GET or POST"),
    ("GET", {"call": "c-1"}, b"", None, "empty payload"),
]


@pytest.mark.parametrize(("method", "query", "body", "content_type", "message"), BAD_REQUESTS)
def test_bad_requests_are_refused_clearly(
    method: str, query: dict[str, str], body: bytes, content_type: str | None, message: str
) -> None:
    with pytest.raises(WebhookParseError, match=message):
        decode_payload(method, query, body, content_type)


# --- bad payloads --------------------------------------------------------------------------------


def _answer(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"uuid": LEG, "conversation_uuid": CON, "to": "1", "from": "2"}
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def _event(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"uuid": LEG, "conversation_uuid": CON, "status": "completed"}
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


def _sms_payload(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "msisdn": "447700900001",
        "to": "447700900000",
        "messageId": "0A01",
        "text": "hi",
        "type": "text",
        "message-timestamp": "2020-01-01 12:00:00",
    }
    payload.update(changes)
    return {k: v for k, v in payload.items() if v is not ...}


BAD_PAYLOADS: list[tuple[str, object, str]] = [
    ("answer", _answer(uuid=...), "'uuid'"),
    ("answer", _answer(uuid="not a uuid!"), "'uuid'"),
    ("answer", _answer(conversation_uuid=...), "'conversation_uuid'"),
    ("answer", _answer(to=...), "'to'"),
    ("answer", _answer(to=["447700900000"]), "'to'"),
    ("answer", _answer(custom_data="{not json"), "'custom_data'"),
    ("answer", _answer(custom_data="[1]"), "'custom_data'"),
    ("answer", _answer(region_url="api-us-3.vonage.com"), "'region_url'"),
    ("answer", _answer(**{"SipHeader_X-Id": 7}), "SipHeader_X-Id"),
    ("answer", [("uuid", LEG)], "must be an object"),
    ("event", _event(uuid=...), "uuid"),
    ("event", _event(status="exploded"), "'status'"),
    ("event", _event(status=7), "'status'"),
    ("event", _event(status=...), "'status' is missing"),
    ("event", _event(direction="sideways"), "'direction'"),
    ("event", _event(duration="two"), "'duration'"),
    ("event", _event(duration="-1"), "'duration'"),
    ("event", _event(duration=True), "'duration'"),
    ("event", _event(duration="9" * 40), "'duration'"),
    ("event", _event(price="free"), "'price'"),
    ("event", _event(price="NaN"), "'price'"),
    ("event", _event(rate=[1]), "'rate'"),
    ("event", _event(timestamp="yesterday"), "'timestamp'"),
    ("event", _event(timestamp=1577880000), "'timestamp'"),
    ("event", _event(timestamp="0001-01-01T00:00:00+01:00"), "'timestamp'"),
    ("event", _event(sip_code="abc"), "'sip_code'"),
    ("event", {"conversation_uuid": CON}, "'status' is missing"),
    ("event", {"status": "transfer", "conversation_uuid_to": CON}, "'uuid'"),
    ("event", {"reason": "", "conversation_uuid": CON}, "'reason'"),
    ("event", {"recording_url": FILE_URL}, "'recording_uuid'"),
    ("input", {"uuid": LEG}, "dtmf or speech"),
    ("input", {"uuid": LEG, "dtmf": "1234"}, "'dtmf'"),
    ("input", {"uuid": LEG, "dtmf": {"digits": "12x"}}, "'dtmf.digits'"),
    ("input", {"uuid": LEG, "dtmf": {"digits": "1", "timed_out": "maybe"}}, "'dtmf.timed_out'"),
    (
        "input",
        {"uuid": LEG, "speech": {"results": [{"text": "hi", "confidence": "high"}]}},
        "'speech.results.0.confidence'",
    ),
    (
        "input",
        {"uuid": LEG, "speech": {"results": [{"text": "hi", "confidence": "1.5"}]}},
        "'speech.results.0.confidence'",
    ),
    (
        "input",
        {"uuid": LEG, "speech": {"results": [{"text": "hi", "confidence": "nan"}]}},
        "'speech.results.0.confidence'",
    ),
    ("input", {"dtmf": {"digits": "1"}}, "'uuid'"),
    ("recording", {"recording_uuid": LEG}, "'recording_url'"),
    ("recording", {"recording_uuid": LEG, "recording_url": "ftp://x/y"}, "'recording_url'"),
    ("recording", {"recording_uuid": LEG, "recording_url": FILE_URL, "size": -5}, "'size'"),
    ("notify", {"payload": "step=1"}, "'payload'"),
    ("notify", {"uuid": ["x"]}, "'uuid'"),
    ("sms", _sms_payload(msisdn=...), "'msisdn'"),
    ("sms", _sms_payload(messageId=...), "'messageId'"),
    ("sms", _sms_payload(text=...), "text is required"),
    ("sms", _sms_payload(type="wappush"), "'type'"),
    ("sms", _sms_payload(type="binary", text=...), "data is required"),
    ("sms", _sms_payload(**{"message-timestamp": "01/02/2020"}), "'message-timestamp'"),
    ("sms", _sms_payload(concat="true"), "go together"),
    (
        "sms",
        _sms_payload(**{"concat-ref": "1", "concat-total": "2", "concat-part": "3"}),
        "concat-part",
    ),
    (
        "sms",
        _sms_payload(**{"concat-ref": "1", "concat-total": "0", "concat-part": "0"}),
        "concat-part",
    ),
    ("sms", _sms_payload(**{"concat-ref": "1", "concat-total": "x", "concat-part": "1"}), "total"),
    ("sms", {1: "x"}, "keys must be strings"),
]


@pytest.mark.parametrize(("kind", "payload", "message"), BAD_PAYLOADS, ids=lambda v: repr(v)[:50])
def test_bad_payloads_raise_webhook_parse_error_naming_the_field(
    kind: str, payload: Any, message: str
) -> None:
    # GIVEN a payload with a missing, unknown or mistyped field
    # WHEN its parser reads it
    # THEN WebhookParseError (a ValueError) names the problem, and nothing else escapes
    with pytest.raises(WebhookParseError) as raised:
        PARSERS[kind](payload, "")
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_errors_do_not_echo_the_payload_values() -> None:
    # GIVEN a bad value that is personal data
    with pytest.raises(WebhookParseError) as raised:
        parse_event(_event(duration="call me on 447700900123"))
    # THEN the message names the field but not the value
    assert "447700900123" not in str(raised.value)


def test_non_status_events_may_also_carry_a_status() -> None:
    # GIVEN record, transfer and input events spelled with a status (newer SDKs name them so)
    record = {"status": "record", "recording_url": FILE_URL, "recording_uuid": LEG}
    transfer = {"status": "transfer", "uuid": LEG, "conversation_uuid_to": CON}
    answered_input = {"status": "input", "uuid": LEG, "dtmf": {"digits": "9"}}
    # WHEN the event URL parses them
    # THEN each becomes its own event
    assert isinstance(parse_event(record), RecordingReady)
    assert isinstance(parse_event(transfer), CallTransferred)
    assert parse_event(answered_input) == InputReceived(
        leg_id=LEG, conversation_id=None, digits="9"
    )


def test_naive_timestamps_are_read_as_utc_and_offsets_are_converted() -> None:
    naive = parse_event(_event(timestamp="2020-01-01 12:00:00"))
    offset = parse_event(_event(timestamp="2020-01-01T13:30:00.250+01:30"))
    assert isinstance(naive, CallStatusChanged) and isinstance(offset, CallStatusChanged)
    assert naive.at == T0
    assert offset.at == datetime(2020, 1, 1, 12, 0, 0, 250000, tzinfo=UTC)


def test_numbers_may_arrive_as_json_numbers_too() -> None:
    event = parse_event(_event(duration=2, price=0.5, rate=1, sip_code=200.0))
    assert isinstance(event, CallStatusChanged)
    assert (event.duration, event.price, event.rate, event.sip_code) == (2, Decimal("0.5"), 1, 200)


def test_custom_data_arrives_as_a_json_string_in_a_query() -> None:
    answered = parse_answer(_answer(custom_data='{"vip": true}'))
    assert answered.custom_data == {"vip": True}


def test_unknown_fields_are_tolerated() -> None:
    answered = parse_answer(_answer(headers={}, new_field_2030="x", rate=None))
    assert answered.leg_id == LEG


# --- joining SMS parts ---------------------------------------------------------------------------


def _parts() -> list[SmsReceived]:
    parsed = [replay(f"sms_inbound_concat_part{n}") for n in (1, 2, 3)]
    assert all(isinstance(part, SmsReceived) for part in parsed)
    return parsed  # type: ignore[return-value]


def test_all_parts_join_in_part_order_whatever_the_arrival_order() -> None:
    # GIVEN the three parts of a message, arriving out of order and one of them twice
    one, two, three = _parts()
    # WHEN they are joined
    whole = join_sms_parts([three, one, two, three])
    # THEN the text is in part order and the whole message takes part 1's id and keyword
    assert whole == SmsReceived(
        message_id=one.message_id,
        from_number="447700900001",
        to_number="447700900000",
        text="".join(PARTS),
        keyword="PART",
        sent_at=one.sent_at,
    )
    assert whole is not None and not whole.is_part


def test_missing_parts_give_nothing_yet() -> None:
    one, _, three = _parts()
    assert join_sms_parts([one, three]) is None
    assert join_sms_parts([three, three]) is None
    assert join_sms_parts([]) is None


def test_a_whole_message_is_already_joined() -> None:
    whole = replay("sms_inbound_get_query")
    assert isinstance(whole, SmsReceived)
    assert join_sms_parts([whole]) is whole


def test_parts_of_different_messages_are_refused() -> None:
    one, two, _ = _parts()
    other = dataclasses.replace(two, concat_ref="109")
    with pytest.raises(ValueError, match="different messages"):
        join_sms_parts([one, other])
    whole = replay("sms_inbound_get_query")
    assert isinstance(whole, SmsReceived)
    with pytest.raises(ValueError, match="whole message"):
        join_sms_parts([whole, one])


# --- fuzz ----------------------------------------------------------------------------------------

KNOWN_KEYS = [
    "uuid", "call_uuid", "conversation_uuid", "status", "from", "to", "timestamp", "detail",
    "direction", "start_time", "end_time", "duration", "rate", "price", "network",
    "disconnected_by", "sub_state", "sip_code", "dtmf", "speech", "digits", "timed_out",
    "results", "text", "confidence", "timeout_reason", "error", "recording_url",
    "recording_uuid", "size", "payload", "reason", "conversation_uuid_from",
    "conversation_uuid_to", "region_url", "custom_data", "from_user", "endpoint_type",
    "SipHeader_X-Id", "msisdn", "messageId", "type", "keyword", "message-timestamp", "concat",
    "concat-ref", "concat-total", "concat-part", "data", "udh", "api-key",
]  # fmt: skip
TELLING_VALUES = [
    "completed", "human", "machine", "transfer", "input", "record", "inbound", "binary",
    "unicode", "2020-01-01T12:00:00Z", "2020-01-01 12:00:00", "0001-01-01T00:00:00+01:00",
    "0.5", "42", "", " ", LEG, CON, FILE_URL, "true", "-1", "9" * 30, "nan", "1e999", "{}",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
values = st.sampled_from(TELLING_VALUES) | json_values
payloads = st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=12), values, max_size=12)


def _parses_or_refuses(parse: Callable[[Mapping[str, Any], str], object], payload: Any) -> None:
    with contextlib.suppress(WebhookParseError):
        parse(payload, "ref")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(PARSERS)), payload=payloads)
def test_fuzz_arbitrary_json_raises_only_webhook_parse_error(kind: str, payload: Any) -> None:
    _parses_or_refuses(PARSERS[kind], payload)


RECORDED = [(load(n)["webhook"], decode_payload(*request_of(load(n)))) for n in FIXTURES]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recorded=st.sampled_from(RECORDED), data=st.data())
def test_fuzz_mutated_recorded_payloads_raise_only_webhook_parse_error(
    recorded: tuple[str, dict[str, Any]], data: st.DataObject
) -> None:
    # GIVEN a real payload with some fields replaced, removed or added
    kind, original = recorded
    payload = dict(original)
    for _ in range(data.draw(st.integers(1, 3))):
        key = data.draw(st.sampled_from(sorted(payload) + KNOWN_KEYS))
        if data.draw(st.booleans()) and key in payload:
            del payload[key]
        else:
            payload[key] = data.draw(values)
    # WHEN every parser reads it
    # THEN each returns an event or raises WebhookParseError, nothing else
    for parse in PARSERS.values():
        _parses_or_refuses(parse, payload)
    del kind


@settings(max_examples=300, deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "post", "PUT"]),
    query=st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=4),
    body=st.binary(max_size=200) | st.sampled_from([b'{"a":', b"[1]", b"a=1&a=2", b"%ff=1"]),
    content_type=st.none()
    | st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain"])
    | st.text(max_size=20),
)
def test_fuzz_decode_raises_only_webhook_parse_error(
    method: str, query: dict[str, str], body: bytes, content_type: str | None
) -> None:
    try:
        payload = decode_payload(method, query, body, content_type)
    except WebhookParseError:
        return
    assert isinstance(payload, dict)
