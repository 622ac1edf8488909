"""The Vonage client: the real SDK against a fake Vonage over real TLS on 127.0.0.1.

Rate limits and back-off run on a fake clock: the tests read the sleeps the client asked for,
never the wall clock.
"""

from __future__ import annotations

import base64
import socket
from dataclasses import replace
from typing import Any

import jwt
import pytest
from vonage_fakes import FakeClock, FakeVonage, Reply

from chalicelib.telephony.actions import (
    Ask,
    Bridge,
    DtmfSettings,
    Hangup,
    MachineDetection,
    Say,
    Wait,
)
from chalicelib.telephony.errors import (
    CarrierAuthError,
    CarrierBusyError,
    CarrierError,
    CarrierNotFoundError,
    CarrierOutcomeUnknownError,
    CarrierRequestError,
    CarrierUnavailableError,
    RecordingUrlError,
)
from chalicelib.telephony.ports import OutboundCall, PlacedCall, SentSms
from chalicelib.telephony.vonage.client import VonageClient, VonageConfig, needs_unicode
from chalicelib.telephony.vonage.ncco import render
from chalicelib.telephony.vonage.urls import CallbackUrls

APP_ID = "0b3f2c9e-0000-4000-8000-000000000001"
BASE = "https://ringflow.example.com/api"
LEG = "63f61863-4a51-4f6b-86e1-46edebcf9356"
CON = "CON-f972836a-550f-45fa-956c-12a2ab5b7d22"
CREATED = {"uuid": LEG, "status": "started", "direction": "outbound", "conversation_uuid": CON}
SMS_OK = {
    "message-count": "1",
    "messages": [
        {
            "to": "447700900001",
            "message-id": "0A0000000123ABCD1",
            "status": "0",
            "remaining-balance": "3.14",
            "message-price": "0.03",
            "network": "12345",
            "client-ref": "ref-1",
        }
    ],
}


@pytest.fixture
def config(fake_vonage: FakeVonage, application_key: tuple[str, bytes]) -> VonageConfig:
    return VonageConfig(
        application_id=APP_ID,
        private_key=application_key[0],
        api_key="abcd1234",
        api_secret="s3cr3t-api",
        api_host=fake_vonage.host,
        rest_host=fake_vonage.host,
        timeout=5.0,
        ca_bundle=str(fake_vonage.ca_path),
        base_url=BASE,
    )


@pytest.fixture
def client(config: VonageConfig, clock: FakeClock) -> VonageClient:
    return VonageClient(config, sleep=clock.sleep, monotonic=clock.monotonic, jitter=lambda: 0.5)


def bearer_claims(headers: dict[str, str], public_key: bytes) -> dict[str, Any]:
    scheme, _, token = headers["authorization"].partition(" ")
    assert scheme == "Bearer"
    claims: dict[str, Any] = jwt.decode(token, public_key, algorithms=["RS256"])
    return claims


def outbound(**changes: Any) -> OutboundCall:
    callbacks = CallbackUrls(BASE, "call-7")
    call = OutboundCall(
        to_number="447700900001",
        from_number="447700900000",
        actions=(Say("Connecting you"), Bridge("agent", "447700900002", "447700900000")),
        event_url=callbacks.event(),
        machine_detection=MachineDetection.CONTINUE,
        ringing_timeout=45,
        length_timeout=3600,
    )
    return replace(call, **changes)


# --- create call ---------------------------------------------------------------------------------


def test_place_call_posts_the_rendered_ncco_with_a_jwt(
    client: VonageClient, fake_vonage: FakeVonage, application_key: tuple[str, bytes]
) -> None:
    # GIVEN Vonage accepts the call
    fake_vonage.reply(Reply(201, CREATED))
    call = outbound(
        actions=(
            Say("Press 1", barge_in=True),
            Ask("menu", dtmf=DtmfSettings(max_digits=1)),
            Bridge("agent", "447700900002", "447700900000", ringback_url="https://x.example/r.mp3"),
            Wait(2.5),
        )
    )
    # WHEN the call is placed
    placed = client.place_call(call)
    # THEN one POST /v1/calls carried the NCCO exactly as rendered (ringbackTone a string, the
    # wait kept), the event URL, both numbers and the timers
    assert placed == PlacedCall(leg_id=LEG, conversation_id=CON, status="started")
    [request] = fake_vonage.requests
    assert (request.method, request.path) == ("POST", "/v1/calls")
    body = request.json()
    assert body == {
        "to": [{"type": "phone", "number": "447700900001"}],
        "from": {"type": "phone", "number": "447700900000"},
        "ncco": render(call.actions, CallbackUrls(BASE, "call-7")),
        "event_url": [f"{BASE}/vonage/voice/event?call=call-7"],
        "machine_detection": "continue",
        "ringing_timer": 45,
        "length_timer": 3600,
    }
    assert body["ncco"][2]["ringbackTone"] == "https://x.example/r.mp3"
    assert body["ncco"][3] == {"action": "wait", "timeout": 2.5}
    assert body["ncco"][1]["eventUrl"] == [f"{BASE}/vonage/voice/input?call=call-7&ref=menu"]
    assert request.headers["content-type"] == "application/json"
    # AND it was signed with an application JWT made from the configured key
    claims = bearer_claims(request.headers, application_key[1])
    assert claims["application_id"] == APP_ID and claims["jti"]


def test_place_call_with_an_answer_url(client: VonageClient, fake_vonage: FakeVonage) -> None:
    # GIVEN a call whose NCCO Vonage fetches from our answer URL
    fake_vonage.reply(Reply(201, CREATED))
    answer_url = CallbackUrls(BASE, "call-8").answer()
    call = outbound(actions=(), answer_url=answer_url, machine_detection=None)
    # WHEN it is placed
    client.place_call(call)
    # THEN the request names the answer URL and carries no NCCO
    body = fake_vonage.requests[0].json()
    assert body["answer_url"] == [answer_url]
    assert "ncco" not in body and "machine_detection" not in body


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event_url": None}, "event_url made by CallbackUrls"),
        ({"actions": (), "answer_url": None}, "exactly one of"),
        ({"answer_url": "https://x.example/answer"}, "exactly one of"),
        ({"to_number": "+447700900001"}, "to_number"),
        ({"from_number": "Ringflow"}, "from_number"),
        ({"ringing_timeout": 121}, "ringing_timer"),
        ({"length_timeout": 0}, "length_timer"),
        ({"event_url": "ftp://x.example/e"}, "event_url"),
        ({"actions": (Hangup(),)}, "empty NCCO"),
    ],
)
def test_invalid_calls_are_refused_before_any_request(
    client: VonageClient, fake_vonage: FakeVonage, changes: dict[str, Any], message: str
) -> None:
    # GIVEN an outbound call that cannot work
    # WHEN it is placed
    # THEN CarrierRequestError says why and nothing reached Vonage
    with pytest.raises(CarrierRequestError, match=message):
        client.place_call(outbound(**changes))
    assert fake_vonage.requests == []


def test_actions_without_callbacks_need_no_call_id(
    client: VonageClient, fake_vonage: FakeVonage
) -> None:
    fake_vonage.reply(Reply(201, CREATED))
    client.place_call(outbound(actions=(Say("Your code is 1 2 3"),), event_url=None))
    assert fake_vonage.requests[0].json()["ncco"][0]["action"] == "talk"


# --- hangup and transfer -------------------------------------------------------------------------


def test_hangup_puts_the_hangup_action(
    client: VonageClient, fake_vonage: FakeVonage, application_key: tuple[str, bytes]
) -> None:
    # GIVEN Vonage accepts in-call changes with 204
    fake_vonage.reply(Reply(204))
    # WHEN a leg is hung up
    client.hangup(LEG)
    # THEN one signed PUT /v1/calls/{uuid} said so
    [request] = fake_vonage.requests
    assert (request.method, request.path, request.json()) == (
        "PUT",
        f"/v1/calls/{LEG}",
        {"action": "hangup"},
    )
    assert bearer_claims(request.headers, application_key[1])["application_id"] == APP_ID


def test_transfer_puts_the_rendered_ncco(client: VonageClient, fake_vonage: FakeVonage) -> None:
    # GIVEN a leg to move to new actions
    fake_vonage.reply(Reply(204))
    actions = [Say("Transferring"), Bridge("b2", "447700900003", "447700900000", ring_timeout=20)]
    # WHEN it is transferred
    client.transfer(LEG, actions, "call-9")
    # THEN the PUT carries our NCCO inline, with this call's callback URLs
    [request] = fake_vonage.requests
    assert (request.method, request.path) == ("PUT", f"/v1/calls/{LEG}")
    assert request.json() == {
        "action": "transfer",
        "destination": {"type": "ncco", "ncco": render(actions, CallbackUrls(BASE, "call-9"))},
    }
    assert request.json()["destination"]["ncco"][1]["eventUrl"] == [
        f"{BASE}/vonage/voice/event?call=call-9&ref=b2"
    ]


def test_transfer_to_nothing_hangs_up(client: VonageClient, fake_vonage: FakeVonage) -> None:
    fake_vonage.reply(Reply(204))
    client.transfer(LEG, [Hangup(), Say("ignored")], "call-9")
    assert fake_vonage.requests[0].json() == {"action": "hangup"}


def test_leg_ids_cannot_escape_the_path(client: VonageClient, fake_vonage: FakeVonage) -> None:
    for leg in ("../v1/accounts", "a/b", "", "x" * 65):
        with pytest.raises(CarrierRequestError, match="not a leg uuid"):
            client.hangup(leg)
    assert fake_vonage.requests == []


# --- SMS -----------------------------------------------------------------------------------------


def test_send_sms_posts_a_form_with_basic_auth(
    client: VonageClient, fake_vonage: FakeVonage
) -> None:
    # GIVEN a voice request already made on the same client, and Vonage accepting the SMS
    fake_vonage.reply(Reply(204), Reply(200, SMS_OK))
    client.hangup(LEG)
    # WHEN an SMS is sent
    sent = client.send_sms("447700900000", "447700900001", "Your callback is booked", "ref-1")
    # THEN a form POST /sms/json carried it, with the API key as basic auth, labelled as a form
    assert sent == SentSms(
        message_id="0A0000000123ABCD1", status="0", part_ids=("0A0000000123ABCD1",)
    )
    request = fake_vonage.requests[1]
    assert (request.method, request.path) == ("POST", "/sms/json")
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form() == {
        "from": "447700900000",
        "to": "447700900001",
        "text": "Your callback is booked",
        "client-ref": "ref-1",
        "type": "text",
    }
    expected = "Basic " + base64.b64encode(b"abcd1234:s3cr3t-api").decode()
    assert request.headers["authorization"] == expected


def test_text_outside_gsm_is_sent_as_unicode(client: VonageClient, fake_vonage: FakeVonage) -> None:
    fake_vonage.reply(Reply(200, SMS_OK))
    client.send_sms("Ringflow", "447700900001", "Grüße 👋", "")
    form = fake_vonage.requests[0].form()
    assert form["type"] == "unicode" and form["text"] == "Grüße 👋" and form["from"] == "Ringflow"
    assert "client-ref" not in form
    assert not needs_unicode("Hello {world} €5 @ café, Æsir ¿?") and needs_unicode("Привет")
    assert needs_unicode("Zoë")  # ë is not in GSM 03.38 (é is)


def _sms_refused(status: str, text: str) -> dict[str, Any]:
    return {"message-count": "1", "messages": [{"status": status, "error-text": text}]}


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("2", CarrierRequestError),
        ("6", CarrierRequestError),
        ("4", CarrierAuthError),
        ("14", CarrierAuthError),
        ("5", CarrierUnavailableError),
    ],
)
def test_sms_non_zero_status_is_an_error(
    client: VonageClient, fake_vonage: FakeVonage, status: str, error: type[CarrierError]
) -> None:
    # GIVEN Vonage answers 200 but refuses the message with a non-zero status
    fake_vonage.reply(Reply(200, _sms_refused(status, "Refused for a reason")))
    # WHEN an SMS is sent
    # THEN the status becomes a carrier error naming it
    with pytest.raises(error, match=f"status {status}: Refused for a reason"):
        client.send_sms("447700900000", "447700900001", "hi", "r")
    assert len(fake_vonage.requests) == 1


def test_sms_throttled_is_retried_then_sent(
    client: VonageClient, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    fake_vonage.reply(Reply(200, _sms_refused("1", "Throttled")), Reply(200, SMS_OK))
    assert client.send_sms("447700900000", "447700900001", "hi", "r").status == "0"
    assert len(fake_vonage.requests) == 2
    assert clock.sleeps == [0.375]  # one back-off: ceiling 0.5 s, half fixed + half * jitter 0.5


def test_sms_partly_accepted_is_an_unknown_outcome(
    client: VonageClient, fake_vonage: FakeVonage
) -> None:
    answer = {
        "message-count": "2",
        "messages": [{"status": "0", "message-id": "A"}, {"status": "1", "error-text": "Thr"}],
    }
    fake_vonage.reply(Reply(200, answer))
    with pytest.raises(CarrierOutcomeUnknownError, match="some parts were accepted"):
        client.send_sms("447700900000", "447700900001", "x" * 200, "r")
    assert len(fake_vonage.requests) == 1  # never re-sent: part one already went out


def test_sms_unreadable_answer_is_an_unknown_outcome(
    client: VonageClient, fake_vonage: FakeVonage
) -> None:
    fake_vonage.reply(Reply(200, {"unexpected": True}))
    with pytest.raises(CarrierOutcomeUnknownError, match="could not be read"):
        client.send_sms("447700900000", "447700900001", "hi", "r")


def test_sms_too_long_client_ref_is_refused(client: VonageClient, fake_vonage: FakeVonage) -> None:
    with pytest.raises(CarrierRequestError, match="client_ref"):
        client.send_sms("447700900000", "447700900001", "hi", "r" * 101)
    assert fake_vonage.requests == []


# --- rate limits and 429 -------------------------------------------------------------------------


def test_429_then_201_is_retried_after_a_back_off(
    client: VonageClient, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    # GIVEN Vonage is rate-limiting once
    fake_vonage.reply(Reply(429, {"title": "Too Many Requests"}), Reply(201, CREATED))
    # WHEN a call is placed
    placed = client.place_call(outbound())
    # THEN it was sent again after one back-off sleep, and the call is placed once
    assert placed.leg_id == LEG
    assert [r.path for r in fake_vonage.requests] == ["/v1/calls", "/v1/calls"]
    assert fake_vonage.requests[0].body == fake_vonage.requests[1].body
    backoffs = [s for s in clock.sleeps if s not in (pytest.approx(1 / 3),)]
    assert backoffs == [0.375]  # ceiling 0.5 s, half fixed plus half jitter (0.5)


def test_persistent_429_raises_carrier_busy_after_bounded_attempts(
    client: VonageClient, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    # GIVEN Vonage keeps answering 429
    fake_vonage.reply(*[Reply(429, {"title": "Too Many Requests"})] * 4)
    # WHEN a call is placed
    # THEN after 4 attempts the caller gets CarrierBusyError to requeue: never a silent drop
    with pytest.raises(CarrierBusyError, match="still rate-limited after 4 attempts") as raised:
        client.place_call(outbound())
    assert raised.value.retryable
    assert len(fake_vonage.requests) == 4
    # AND the back-off grew exponentially between attempts (0.5, 1, 2 s ceilings, jitter 0.5)
    backoffs = [s for s in clock.sleeps if abs(s - 1 / 3) > 1e-9]
    assert backoffs == [0.375, 0.75, 1.5]


def test_retry_after_is_honoured_up_to_the_cap(
    client: VonageClient, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    fake_vonage.reply(Reply(429, headers={"Retry-After": "3"}), Reply(204))
    client.hangup(LEG)
    assert 3.0 in clock.sleeps
    fake_vonage.reply(*[Reply(429, headers={"Retry-After": "60"})] * 4)
    with pytest.raises(CarrierBusyError) as raised:
        client.hangup(LEG)
    assert raised.value.retry_after == 60.0
    assert max(clock.sleeps) == 4.0  # capped


def test_call_creations_are_spaced_three_per_second(
    client: VonageClient, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    # GIVEN Vonage accepts every call
    fake_vonage.reply(*[Reply(201, CREATED)] * 4)
    # WHEN four calls are placed at once
    for _ in range(4):
        client.place_call(outbound())
    # THEN the first went at once and each next one waited a third of a second
    assert clock.sleeps == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert clock.now == pytest.approx(1001.0)


def test_other_voice_requests_have_their_own_fifteen_per_second(
    client: VonageClient, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    # GIVEN a call was just created (its bucket is empty)
    fake_vonage.reply(Reply(201, CREATED), *[Reply(204)] * 3)
    client.place_call(outbound())
    # WHEN three hangups follow at once
    for _ in range(3):
        client.hangup(LEG)
    # THEN they wait for each other (1/15 s), not for the call-creation bucket
    assert clock.sleeps == pytest.approx([1 / 15, 1 / 15])


def test_time_passing_refills_the_bucket(
    client: VonageClient, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    fake_vonage.reply(*[Reply(201, CREATED)] * 2)
    client.place_call(outbound())
    clock.now += 0.25
    client.place_call(outbound())
    assert clock.sleeps == pytest.approx([1 / 3 - 0.25])


# --- other carrier answers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "error", "message"),
    [
        (Reply(401, {"title": "Unauthorized"}), CarrierAuthError, "401: Unauthorized"),
        (Reply(403, {"title": "Forbidden"}), CarrierAuthError, "403"),
        (Reply(400, {"title": "Bad Request", "detail": "to is bad"}), CarrierRequestError, "to is"),
        (Reply(422, {"title": "Invalid"}), CarrierRequestError, "422"),
        (Reply(503, {"title": "Unavailable"}), CarrierUnavailableError, "503"),
        (Reply(500, {"title": "Oops"}), CarrierOutcomeUnknownError, "may have taken effect"),
        (Reply(504), CarrierOutcomeUnknownError, "504"),
        (Reply(201, {"status": "started"}), CarrierOutcomeUnknownError, "may be ringing"),
    ],
)
def test_carrier_answers_map_to_errors_for_a_call_creation(
    client: VonageClient,
    fake_vonage: FakeVonage,
    reply: Reply,
    error: type[CarrierError],
    message: str,
) -> None:
    # GIVEN Vonage answers a call creation this way
    fake_vonage.reply(reply)
    # WHEN a call is placed
    # THEN the error says what the caller can do, and the request was not repeated
    with pytest.raises(error, match=message):
        client.place_call(outbound())
    assert len(fake_vonage.requests) == 1


def test_a_failed_hangup_is_safe_to_retry(client: VonageClient, fake_vonage: FakeVonage) -> None:
    fake_vonage.reply(Reply(500), Reply(404, {"title": "Not Found"}))
    with pytest.raises(CarrierUnavailableError):
        client.hangup(LEG)  # idempotent: a 500 means "try again", not "maybe done"
    with pytest.raises(CarrierNotFoundError, match="404"):
        client.hangup(LEG)


def test_unreachable_vonage_is_unavailable(config: VonageConfig, clock: FakeClock) -> None:
    # GIVEN nothing listens on the configured port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = VonageClient(
        replace(config, api_host=f"127.0.0.1:{port}"), sleep=clock.sleep, monotonic=clock.monotonic
    )
    # WHEN a call is placed
    # THEN it is unavailable (retryable): the request never left
    with pytest.raises(CarrierUnavailableError, match="cannot reach Vonage") as raised:
        client.place_call(outbound())
    assert raised.value.retryable


def test_a_lost_answer_to_a_call_creation_is_an_unknown_outcome(
    config: VonageConfig, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    # GIVEN Vonage answers after the client's timeout
    fake_vonage.reply(Reply(201, CREATED, delay=1.5), Reply(204, delay=1.5))
    client = VonageClient(
        replace(config, timeout=0.3), sleep=clock.sleep, monotonic=clock.monotonic
    )
    # WHEN a call is placed, and then a hangup sent
    # THEN the call creation may have happened (never retried blindly); the hangup can be retried
    with pytest.raises(CarrierOutcomeUnknownError, match="ReadTimeout"):
        client.place_call(outbound())
    with pytest.raises(CarrierUnavailableError, match="ReadTimeout"):
        client.hangup(LEG)
    assert len(fake_vonage.requests) == 2


def test_a_dropped_connection_never_resends_a_call_creation(
    client: VonageClient, fake_vonage: FakeVonage
) -> None:
    # GIVEN Vonage closes the connection after reading the request, without answering
    fake_vonage.reply(*[Reply(drop=True)] * 3)
    # WHEN a call is placed
    # THEN it is an unknown outcome and the request went out once: the call may ring, never twice
    with pytest.raises(CarrierOutcomeUnknownError, match="may have taken effect"):
        client.place_call(outbound())
    assert len(fake_vonage.requests) == 1


# --- TLS and configuration -----------------------------------------------------------------------


def test_tls_trust_comes_from_the_configured_ca_bundle_only(
    config: VonageConfig, fake_vonage: FakeVonage, clock: FakeClock
) -> None:
    # GIVEN no CA bundle configured (and none in the environment)
    client = VonageClient(replace(config, ca_bundle=None), sleep=clock.sleep)
    # WHEN the fake Vonage (signed by a private CA) is called
    # THEN the TLS handshake is refused: trust was not widened for the process
    with pytest.raises(CarrierUnavailableError, match="SSLError"):
        client.hangup(LEG)
    assert fake_vonage.requests == []


def test_an_unusable_application_key_is_an_auth_error(
    config: VonageConfig, fake_vonage: FakeVonage
) -> None:
    for key in ("", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"):
        client = VonageClient(replace(config, private_key=key))
        with pytest.raises(CarrierAuthError):
            client.hangup(LEG)
    assert fake_vonage.requests == []


def test_config_hides_secrets_and_validates(config: VonageConfig) -> None:
    assert "s3cr3t-api" not in repr(config) and "PRIVATE KEY" not in repr(config)
    for changes in ({"timeout": 0}, {"api_host": "https://api.nexmo.com"}, {"base_url": "x"}):
        with pytest.raises(ValueError):
            replace(config, **changes)


# --- recordings ----------------------------------------------------------------------------------


def test_download_recording_from_the_api_host_with_a_jwt(
    client: VonageClient, fake_vonage: FakeVonage, application_key: tuple[str, bytes]
) -> None:
    # GIVEN a recording URL on the configured API host
    audio = b"ID3" + bytes(range(256)) * 40
    fake_vonage.reply(Reply(200, audio))
    url = f"https://{fake_vonage.host}/v1/files/bbbbbbbb-aaaa-cccc-dddd-0123456789ab"
    # WHEN it is downloaded
    data = client.download_recording(url)
    # THEN the bytes come back and the request carried an application JWT
    assert data == audio
    [request] = fake_vonage.requests
    assert (request.method, request.path) == (
        "GET",
        "/v1/files/bbbbbbbb-aaaa-cccc-dddd-0123456789ab",
    )
    assert bearer_claims(request.headers, application_key[1])["application_id"] == APP_ID


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com/v1/files/x",
        "https://api.nexmo.com.evil.example.com/v1/files/x",
        "https://evilnexmo.com/v1/files/x",
        "http://api.nexmo.com/v1/files/x",
        "https://user:pw@api.nexmo.com/v1/files/x",
        "https://api.nexmo.com:8443/v1/files/x",
        "https://api.nexmo.com:99999/v1/files/x",
        "https://127.0.0.1:1/v1/files/x",
        "file:///etc/passwd",
        "not a url",
    ],
)
def test_download_recording_refuses_other_hosts(
    client: VonageClient, fake_vonage: FakeVonage, url: str
) -> None:
    # GIVEN a recording URL that is not Vonage's (or our configured API host)
    # WHEN it is downloaded
    # THEN it is refused before any request: the JWT never leaves
    with pytest.raises(RecordingUrlError):
        client.download_recording(url)
    assert fake_vonage.requests == []


def test_download_recording_errors(client: VonageClient, fake_vonage: FakeVonage) -> None:
    url = f"https://{fake_vonage.host}/v1/files/f"
    fake_vonage.reply(Reply(404, {"title": "Not Found"}), Reply(200, b"x" * 2048))
    with pytest.raises(CarrierNotFoundError):
        client.download_recording(url)
    with pytest.raises(CarrierRequestError, match="larger than 1024 bytes"):
        client.download_recording(url, max_bytes=1024)


def test_the_configured_ca_wins_over_a_machine_wide_requests_bundle(
    client: VonageClient, fake_vonage: FakeVonage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the machine points requests at the system CA bundle (which does not know ours)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    fake_vonage.reply(Reply(204))
    # WHEN a leg is hung up
    client.hangup(LEG)
    # THEN TLS trusted the configured CA and the request arrived
    assert [r.method for r in fake_vonage.requests] == ["PUT"]
