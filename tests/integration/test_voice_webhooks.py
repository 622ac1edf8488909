"""The voice and SMS webhooks end to end in one process (Chalice test client, moto, the real
Vonage adapter, the demo message service on loopback): GIVEN the pull app on a number, WHEN the
provider's webhooks arrive, THEN the NCCO, the stored state, the queued tasks and the call record
are what a real call needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from platformkit import ALICE, PULL_NUMBER, ROOT, STRANGER, Platform, running_platform

from chalicelib.errors import NotFoundError

LEG = "aaaaaaaa-0000-4000-8000-000000000001"
CONV = "CON-11111111-2222-4333-8444-555555555555"


@pytest.fixture
def platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    with running_platform(monkeypatch) as running:
        yield running


def answer_payload(caller: str = ALICE) -> dict[str, Any]:
    return {
        "from": caller,
        "to": PULL_NUMBER,
        "uuid": LEG,
        "conversation_uuid": CONV,
        "region_url": "https://api-eu-3.vonage.com",
    }


def input_url_of(ncco: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    url = urlparse(ncco[-1]["eventUrl"][0])
    return url.path, {k: v[0] for k, v in parse_qs(url.query).items()}


def test_answer_speaks_the_callers_message_and_offers_a_menu(platform: Platform) -> None:
    response = platform.voice("GET", "/vonage/voice/answer", answer_payload())
    assert response.status_code == 200
    ncco = json.loads(response.body)
    assert ncco[0]["action"] == "talk" and ncco[0]["text"].startswith("Hello Alice. Your parcel")
    assert ncco[0]["language"] == "en-GB"
    assert ncco[-1]["action"] == "input" and ncco[-1]["eventUrl"][0].startswith(
        "https://hooks.example.com/vonage/voice/input?"
    )
    state = platform.container.calls.get(LEG)
    assert state.flow_vars["name"] == "Alice" and state.flow_vars["response_status"] == "SUCCESS"
    assert state.awaiting is not None and state.awaiting.node == "repeat"


def test_a_retried_answer_gets_the_same_ncco_and_changes_nothing(platform: Platform) -> None:
    first = platform.voice("GET", "/vonage/voice/answer", answer_payload())
    version = platform.container.calls.get(LEG).version
    second = platform.voice("GET", "/vonage/voice/answer", answer_payload())
    assert second.body == first.body
    assert platform.container.calls.get(LEG).version == version


def test_post_answer_is_accepted_like_get(platform: Platform) -> None:
    response = platform.voice("POST", "/vonage/voice/answer", answer_payload())
    assert json.loads(response.body)[0]["text"].startswith("Hello Alice")


def test_unsigned_or_tampered_webhooks_are_refused_and_change_nothing(platform: Platform) -> None:
    unsigned = platform.voice("GET", "/vonage/voice/answer", answer_payload(), signed=False)
    assert unsigned.status_code == 401
    assert unsigned.headers["Content-Type"] == "application/problem+json"
    with pytest.raises(Exception, match="not found"):
        platform.container.calls.get(LEG)


def test_a_caller_without_a_message_hears_an_apology(platform: Platform) -> None:
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answer_payload(STRANGER)).body)
    assert [a["action"] for a in ncco] == ["talk"]
    assert "no message for your number" in ncco[0]["text"]


def test_a_number_without_a_flow_is_not_in_service(platform: Platform) -> None:
    payload = {**answer_payload(), "to": "447700900777"}
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", payload).body)
    assert (
        ncco == [{"action": "talk", "text": "Sorry, the number you have called is not in service."}]
        or "not in service" in ncco[0]["text"]
    )


def test_a_disabled_listener_stops_the_flow_serving(platform: Platform) -> None:
    platform.container.admin.set_listener("acme", "pull-message", False)
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answer_payload()).body)
    assert "not in service" in ncco[0]["text"]


def test_pressing_2_sends_the_sms_once_even_when_the_input_webhook_is_retried(
    platform: Platform,
) -> None:
    sent: list[tuple[str, str, str]] = []

    class Carrier:
        def send_sms(self, from_number: str, to_number: str, text: str, client_ref: str) -> Any:
            from chalicelib.telephony.ports import SentSms

            sent.append((from_number, to_number, text))
            return SentSms(f"m{len(sent)}", "0")

    platform.container.__dict__["carrier"] = Carrier()
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answer_payload()).body)
    path, query = input_url_of(ncco)
    payload = {
        "dtmf": {"digits": "2", "timed_out": False},
        "speech": {"results": []},
        "from": ALICE,
        "to": PULL_NUMBER,
        "uuid": LEG,
        "conversation_uuid": CONV,
        "timestamp": "2026-01-01T10:00:00.000Z",
    }
    first = platform.voice("POST", path, payload, query=query)
    again = platform.voice("POST", path, payload, query=query)
    assert first.body == again.body
    texts = [a.get("text") for a in json.loads(first.body)]
    assert "We have sent the message to you by text." in texts
    # the retry queued the step's task again (in case the first delivery died before it could)
    tasks = platform.queued_task_bodies()
    assert len(tasks) == 2 and json.loads(tasks[0])["kind"] == "send_sms"
    for body in tasks:
        platform.container.tasks.run(body)
    assert sent == [(PULL_NUMBER, ALICE, sent[0][2])] and sent[0][2].startswith("Hello Alice")


def test_a_failing_effect_does_not_spoil_the_answer(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answer_payload()).body)
    path, query = input_url_of(ncco)

    def queue_down(body: str) -> None:
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(platform.container, "enqueue_task", queue_down)
    payload = {"dtmf": {"digits": "2", "timed_out": False}, "uuid": LEG, "conversation_uuid": CONV}
    answer = json.loads(platform.voice("POST", path, payload, query=query).body)
    assert "We have sent the message to you by text." in [a.get("text") for a in answer]


def test_completed_event_writes_the_call_record(platform: Platform) -> None:
    platform.voice("GET", "/vonage/voice/answer", answer_payload())
    platform.clock.advance(20)
    completed = {
        "from": ALICE,
        "to": PULL_NUMBER,
        "uuid": LEG,
        "conversation_uuid": CONV,
        "status": "completed",
        "direction": "inbound",
        "timestamp": "2026-01-01T10:00:20.000Z",
        "start_time": "2026-01-01T10:00:00.000Z",
        "end_time": "2026-01-01T10:00:20.000Z",
        "duration": "20",
        "rate": "0.00450000",
        "price": "0.00150000",
        "network": "23410",
        "disconnected_by": "user",
    }
    response = platform.voice("POST", "/vonage/voice/event", completed)
    assert response.status_code == 204
    [record] = platform.container.call_records.list_by_account("acme", None, None, 10)
    assert record.call_id == LEG and record.outcome.value == "completed" and record.duration == 20
    assert str(record.cost) == "0.00150000"
    listed = json.loads(platform.api("GET", "/v1/calls").body)
    assert listed[0]["call_id"] == LEG


def test_an_event_for_an_unknown_call_is_accepted_and_ignored(platform: Platform) -> None:
    ringing = {
        "from": ALICE,
        "to": PULL_NUMBER,
        "uuid": "unknown-leg",
        "conversation_uuid": CONV,
        "status": "ringing",
        "direction": "inbound",
        "timestamp": "2026-01-01T10:00:00.000Z",
    }
    assert platform.voice("POST", "/vonage/voice/event", ringing).status_code == 204


def test_a_broken_flow_step_answers_the_fallback_ncco(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(platform.container.voice, "answer", explode)
    response = platform.voice("GET", "/vonage/voice/answer", answer_payload())
    assert response.status_code == 200
    ncco = json.loads(response.body)
    assert ncco[0]["action"] == "talk" and "sorry" in ncco[0]["text"].lower()
    from chalicelib.ops.observability import logger

    [record] = [r for r in caplog.records if r.getMessage() == "voice webhook failed"]
    failure = json.loads(logger.registered_formatter.format(record))
    assert failure["call_id"] == LEG and "database on fire" in failure["exception"]


def test_malformed_answer_still_gets_an_ncco(platform: Platform) -> None:
    response = platform.voice("POST", "/vonage/voice/answer", {"nonsense": True})
    assert response.status_code == 200 and json.loads(response.body)[0]["action"] == "talk"


def test_inbound_sms_is_verified_and_deduplicated(platform: Platform) -> None:
    params = {
        "msisdn": ALICE,
        "to": PULL_NUMBER,
        "messageId": "0A0000001",
        "text": "hello",
        "type": "text",
        "keyword": "HELLO",
        "message-timestamp": "2026-01-01 10:00:00",
        "api-key": "apikey",
    }
    seen: list[Any] = []
    platform.container.sms_consumers.append(seen.append)
    assert platform.sms(params).status_code == 204
    assert platform.sms(params).status_code == 204
    assert [m.text for m in seen] == ["hello"]
    assert platform.sms(params, signed=False).status_code == 401


def test_multipart_sms_is_joined_before_it_is_handed_on(platform: Platform) -> None:
    seen: list[Any] = []
    platform.container.sms_consumers.append(seen.append)
    base = {
        "msisdn": ALICE,
        "to": PULL_NUMBER,
        "type": "text",
        "message-timestamp": "2026-01-01 10:00:00",
        "api-key": "apikey",
        "concat": "true",
        "concat-ref": "42",
        "concat-total": "2",
    }
    platform.sms({**base, "messageId": "m2", "text": "world", "concat-part": "2"})
    assert seen == []
    platform.sms({**base, "messageId": "m1", "text": "hello ", "concat-part": "1"})
    assert [m.text for m in seen] == ["hello world"]


def test_metrics_count_outcomes_retries_and_unserved_numbers(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.calls import service

    counted: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setattr(
        service, "count", lambda name, value=1, **dims: counted.append((name.value, dims))
    )
    platform.voice("GET", "/vonage/voice/answer", answer_payload())
    platform.voice("GET", "/vonage/voice/answer", answer_payload())
    platform.voice(
        "GET", "/vonage/voice/answer", {**answer_payload(), "to": "447700900777", "uuid": "other"}
    )
    completed = {
        "uuid": LEG,
        "conversation_uuid": CONV,
        "status": "completed",
        "duration": "3",
        "timestamp": "2026-01-01T10:00:20.000Z",
    }
    platform.voice("POST", "/vonage/voice/event", completed)
    platform.voice(
        "POST", "/vonage/voice/event", {**completed, "timestamp": "2026-01-01T10:00:21.000Z"}
    )
    assert ("WebhookRetries", {}) in counted
    assert ("NotServedCalls", {"number": "unknown"}) in counted
    assert counted.count(("Calls", {"outcome": "completed"})) == 1


def test_random_voice_webhooks_never_get_a_server_error(platform: Platform) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12))
    keys = st.sampled_from(
        [
            "from",
            "to",
            "uuid",
            "conversation_uuid",
            "status",
            "dtmf",
            "speech",
            "duration",
            "price",
            "timestamp",
            "call_uuid",
            "payload",
            "x",
        ]
    )
    payloads = st.dictionaries(
        keys,
        st.one_of(
            scalars,
            st.dictionaries(
                st.sampled_from(["digits", "timed_out", "results"]), scalars, max_size=2
            ),
        ),
        max_size=6,
    )
    routes = st.sampled_from(
        [
            "/vonage/voice/answer",
            "/vonage/voice/event",
            "/vonage/voice/input",
            "/vonage/voice/notify",
            "/vonage/voice/recording",
            "/vonage/voice/fallback",
        ]
    )

    @settings(
        max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(route=routes, payload=payloads, call=st.sampled_from([None, LEG, "nope"]))
    def check(route: str, payload: dict[str, Any], call: str | None) -> None:
        query = {"call": call, "ref": "1"} if call else None
        response = platform.voice("POST", route, payload, query=query)
        assert response.status_code in (200, 204), (route, payload, response.body)
        if route.endswith(("/answer", "/fallback")):
            assert json.loads(response.body)[0]["action"] == "talk"

    check()


def test_the_fallback_ncco_transfers_to_the_configured_number(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("flow store unreachable")

    platform.container.settings = replace(
        platform.container.settings, fallback_number="447700900999"
    )
    monkeypatch.setattr(platform.container.voice, "answer", explode)
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answer_payload()).body)
    assert [a["action"] for a in ncco] == ["talk", "connect"]
    assert ncco[1]["endpoint"] == [{"type": "phone", "number": "447700900999"}]
    assert ncco[1]["from"] == PULL_NUMBER


def test_an_sms_whose_consumer_failed_is_taken_again_on_the_providers_retry(
    platform: Platform,
) -> None:
    seen: list[str] = []
    failures = [RuntimeError("consumer down")]

    def consumer(message: Any) -> None:
        if failures:
            raise failures.pop()
        seen.append(message.text)

    platform.container.sms_consumers.append(consumer)
    params = {
        "msisdn": ALICE,
        "to": PULL_NUMBER,
        "messageId": "0A0000009",
        "text": "retry me",
        "type": "text",
        "message-timestamp": "2026-01-01 10:00:00",
        "api-key": "apikey",
    }
    assert platform.sms(params).status_code == 500  # the provider retries for 24 hours
    assert platform.sms(params).status_code == 204
    assert platform.sms(params).status_code == 204
    assert seen == ["retry me"]


def test_a_get_webhooks_token_cannot_be_replayed_with_another_query(platform: Platform) -> None:
    from urllib.parse import urlencode

    from platformkit import SECRET

    from chalicelib.telephony.vonage.signatures import sign_voice_webhook

    token = sign_voice_webhook(b"", SECRET, "apikey", "app-id", platform.clock())
    headers = {"Authorization": f"Bearer {token}"}

    def send(payload: dict[str, Any]) -> Any:
        url = "/vonage/voice/answer?" + urlencode(payload)
        return platform.client.http.request("GET", url, headers=headers, body=b"")

    # GIVEN a signed GET answer webhook, and the carrier retrying it with the same token
    first = send(answer_payload())
    again = send(answer_payload())
    assert first.status_code == again.status_code == 200
    assert again.body == first.body
    # WHEN the token is replayed with another query string (another call)
    forged = {**answer_payload(), "uuid": "bbbbbbbb-0000-4000-8000-000000000009"}
    replayed = send(forged)
    # THEN it is refused and no call is created
    assert replayed.status_code == 401
    with pytest.raises(NotFoundError):
        platform.container.calls.get(forged["uuid"])


def test_a_new_calls_answer_reads_only_its_number(platform: Platform) -> None:
    from chalicelib.store.binding import shared_connection

    # GIVEN the flow revision is cached by an earlier call in this process
    platform.voice("GET", "/vonage/voice/answer", answer_payload())
    sent: list[str] = []
    client = shared_connection().client
    client.meta.events.register("before-call.dynamodb", lambda **kw: sent.append(kw["model"].name))
    # WHEN another caller's call is answered
    other = {**answer_payload(), "uuid": "cccccccc-0000-4000-8000-000000000003"}
    response = platform.voice("GET", "/vonage/voice/answer", other)
    # THEN the answer read the number (not the flow's head, not the call) and wrote the call;
    # the other writes are the token binding of a bodiless webhook and the flow's own $user.key
    assert response.status_code == 200
    assert sent.count("GetItem") == 1
    assert sent.count("Query") == 0  # the flow reads no $user.key, so none are read
    assert sent.count("BatchGetItem") == 0
    assert sent.count("PutItem") == 3


def test_numbers_follow_their_flows_new_version_and_listener(platform: Platform) -> None:
    admin = platform.container.admin
    # GIVEN the number answers with version 1; WHEN version 2 is loaded
    flow = json.loads((ROOT / "flows" / "pull-message.json").read_text())
    flow["variables"]["service_url"] = platform.messages_url
    flow["nodes"]["no_message"]["text"] = "Version two has no message for you."
    admin.load_flow("acme", flow)
    # THEN the next call runs version 2 (no head read needed to know it)
    number = platform.container.numbers.get(PULL_NUMBER)
    assert (number.flow_version, number.flow_enabled) == (2, True)
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answer_payload(STRANGER)).body)
    assert ncco[0]["text"] == "Version two has no message for you."
    # AND when the listener goes off, so does the number
    admin.set_listener("acme", "pull-message", False)
    assert platform.container.numbers.get(PULL_NUMBER).flow_enabled is False


def test_a_call_reads_only_the_user_variables_its_flow_uses(platform: Platform) -> None:
    from chalicelib.store.binding import shared_connection

    admin = platform.container.admin
    # GIVEN an account with many $user.key values and a flow that speaks one of them
    values = {f"other{i:03d}": "x" * 30 for i in range(300)}
    platform.container.user_variables.set_many(
        "acme", {**values, "greeting": "Hi"}, platform.clock()
    )
    admin.load_flow(
        "acme",
        {
            "id": "greeter",
            "name": "Greeter",
            "language": "en-GB",
            "start": "hi",
            "nodes": {"hi": {"widget": "hangup", "text": "$user.key.greeting there."}},
        },
    )
    admin.set_listener("acme", "greeter", True)
    admin.attach_number("acme", PULL_NUMBER, "greeter")
    sent: list[str] = []
    client = shared_connection().client
    client.meta.events.register("before-call.dynamodb", lambda **kw: sent.append(kw["model"].name))
    # WHEN a call is answered
    ncco = json.loads(platform.voice("GET", "/vonage/voice/answer", answer_payload()).body)
    # THEN it speaks the value, read by name, and its state holds only that one
    assert ncco[0]["text"] == "Hi there."
    assert sent.count("BatchGetItem") == 1 and sent.count("Query") == 0
    assert dict(platform.container.calls.get(LEG).user_vars) == {"greeting": "Hi"}
