"""The fault suite: GIVEN the pull app on a real moto server behind a proxy that can hang,
throttle, fail or drop requests (or on a port where nothing listens), a tenant webhook that never
answers, or a webhook that dies after saving, WHEN the carrier's webhooks arrive, THEN the caller
hears something before the carrier gives up (its read timeout is 5 s), in the call's language,
and once the fault is gone nothing is lost or doubled.

The bound asserted is the carrier's timeout, a property of the product (a late answer is no
answer), not a speed target: ``make bench`` prints the measured times."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from platformkit import ALICE, PULL_NUMBER, Platform, running_platform

from chalicelib.calls.apologies import texts_for
from infra.local.faults import FaultyProxy, closed_port_url, faulty_proxy, silent_server

CARRIER_READ_TIMEOUT = 5.0
LEG = "faaaaaaa-0000-4000-8000-000000000001"
SECOND_LEG = "faaaaaaa-0000-4000-8000-000000000002"
CONV = "CON-faaaaaaa-2222-4333-8444-555555555555"
APOLOGY_EN = texts_for("en-GB")[0].apology


def answer_payload(leg: str = LEG) -> dict[str, Any]:
    return {"from": ALICE, "to": PULL_NUMBER, "uuid": leg, "conversation_uuid": CONV}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    from infra.local.moto import moto_server

    with moto_server(in_process=True) as url:
        yield url


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch, moto_url: str) -> Iterator[tuple[Platform, Any]]:
    from infra.local.moto import reset

    reset(moto_url)
    with (
        faulty_proxy(moto_url) as proxy,
        running_platform(monkeypatch, aws_endpoint_url=proxy.url) as platform,
    ):
        yield platform, proxy


def timed(send: Any) -> tuple[Any, float]:
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


def ncco_of(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.body
    ncco: list[dict[str, Any]] = json.loads(response.body)
    return ncco


@pytest.mark.parametrize("fault", ["hang", "throttle", "fail", "drop"])
def test_a_store_fault_on_a_new_call_answers_the_apology_in_time(
    proxied: tuple[Platform, FaultyProxy], fault: str
) -> None:
    platform, proxy = proxied
    # GIVEN a call on the number went well earlier, so this process knows it speaks en-GB
    ncco_of(platform.voice("GET", "/vonage/voice/answer", answer_payload(SECOND_LEG)))
    # WHEN the store fails while the next call is answered
    proxy.set(fault)
    response, took = timed(lambda: platform.voice("GET", "/vonage/voice/answer", answer_payload()))
    proxy.set("pass")
    # THEN the caller hears the apology, in the number's language, before the carrier gives up
    ncco = ncco_of(response)
    assert ncco[0]["action"] == "talk" and ncco[0]["text"] == APOLOGY_EN
    assert ncco[0]["language"] == "en-GB"
    assert took < CARRIER_READ_TIMEOUT
    # AND the carrier's retry, once the store is back, starts the call once
    retried = ncco_of(platform.voice("GET", "/vonage/voice/answer", answer_payload()))
    assert retried[0]["text"].startswith("Hello Alice")
    assert platform.container.calls.get(LEG).version == 1


def test_a_store_that_hangs_mid_call_answers_the_apology_in_the_calls_language(
    proxied: tuple[Platform, FaultyProxy],
) -> None:
    platform, proxy = proxied
    ncco = ncco_of(platform.voice("GET", "/vonage/voice/answer", answer_payload()))
    input_url = ncco[-1]["eventUrl"][0].removeprefix("https://hooks.example.com")
    path, _, query = input_url.partition("?")
    proxy.set("hang")
    response, took = timed(
        lambda: platform.voice(
            "POST",
            f"{path}?{query}",
            {"uuid": LEG, "conversation_uuid": CONV, "dtmf": {"digits": "1", "timed_out": False}},
        )
    )
    proxy.set("pass")
    spoken = ncco_of(response)[0]
    assert spoken["text"] == APOLOGY_EN and spoken["language"] == "en-GB"
    assert took < CARRIER_READ_TIMEOUT
    # nothing was written by the failed step: the call still waits at its menu
    assert platform.container.calls.get(LEG).node == "repeat"


def test_no_retry_runs_past_the_deadline(proxied: tuple[Platform, FaultyProxy]) -> None:
    platform, proxy = proxied
    proxy.set("throttle")
    ncco_of(platform.voice("GET", "/vonage/voice/answer", answer_payload()))
    proxy.set("pass")
    # botocore would try 3 times per request; the deadline cut the back-off short
    assert 1 <= proxy.count("throttle") <= 3


def test_a_store_that_refuses_connections_answers_the_apology_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_platform(monkeypatch) as platform:
        # GIVEN the same app, its store now on a port where nothing listens
        from dataclasses import replace

        from chalicelib.wiring import Container, override

        broken = Container(
            replace(platform.container.settings, aws_endpoint_url=closed_port_url()),
            platform.clock,
        )
        override(broken)
        try:
            response, took = timed(
                lambda: platform.voice("GET", "/vonage/voice/answer", answer_payload())
            )
        finally:
            override(platform.container)
            platform.container.store  # noqa: B018 - bind the store back to moto
            from chalicelib.store import binding

            binding.bind(platform.container.settings)
    spoken = ncco_of(response)[0]
    assert spoken["text"] == texts_for(None)[0].apology
    assert took < CARRIER_READ_TIMEOUT


def test_a_hung_tenant_webhook_takes_the_flows_failure_branch_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with (
        silent_server() as hung,
        running_platform(monkeypatch, messages_url=hung) as platform,
    ):
        response, took = timed(
            lambda: platform.voice("GET", "/vonage/voice/answer", answer_payload())
        )
        ncco = ncco_of(response)
        # THEN the flow's own failure branch speaks (not the fallback), and the call goes on
        assert ncco[0]["text"].startswith("Sorry, we have no message for your number")
        assert took < CARRIER_READ_TIMEOUT
        state = platform.container.calls.get(LEG)
        assert state.call_vars.get("response_error") or state.flow_vars.get("response_error")


def test_a_webhook_that_dies_after_saving_is_replayed_with_its_effects_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with running_platform(monkeypatch) as platform:
        ncco = ncco_of(platform.voice("GET", "/vonage/voice/answer", answer_payload()))
        path, _, query = (
            ncco[-1]["eventUrl"][0].removeprefix("https://hooks.example.com").partition("?")
        )
        press_2 = {"uuid": LEG, "conversation_uuid": CONV, "dtmf": {"digits": "2"}}
        voice = platform.container.voice
        runner = voice.effects

        class Died(BaseException):
            """The Lambda was killed after the state was saved."""

        class DiesOnce:
            calls = 0

            def run(self, effects: Any, state: Any) -> None:
                DiesOnce.calls += 1
                if DiesOnce.calls == 1:
                    raise Died
                runner.run(effects, state)

        voice.effects = DiesOnce()
        # WHEN the first delivery dies after the save, before its effects ran
        with pytest.raises(Died):
            platform.voice("POST", f"{path}?{query}", press_2)
        # AND the carrier, having no answer, sends the same webhook again
        retried = ncco_of(platform.voice("POST", f"{path}?{query}", press_2))
        # THEN the retry gets the saved answer and the SMS is queued exactly once
        assert any("sent the message to you by text" in a.get("text", "") for a in retried)
        bodies = platform.queued_task_bodies()
        assert [json.loads(b)["kind"] for b in bodies] == ["send_sms"]


def test_a_hung_store_request_fails_as_a_store_error_by_its_deadline(
    proxied: tuple[Platform, FaultyProxy],
) -> None:
    from chalicelib.ops.deadline import deadline
    from chalicelib.store.errors import StoreRequestError

    platform, proxy = proxied
    proxy.set("hang")
    try:
        with deadline(0.3), pytest.raises(StoreRequestError, match=r"ReadTimeout|timeout"):
            platform.container.calls.get(LEG)
    finally:
        proxy.set("pass")
    assert proxy.count("hang", "GetItem") == 1  # no retry: none fits in what was left


def test_rest_with_the_store_hung_answers_503_with_retry_after_by_its_deadline(
    proxied: tuple[Platform, FaultyProxy],
) -> None:
    from dataclasses import replace

    platform, proxy = proxied
    settings = platform.container.settings
    platform.container.settings = replace(settings, rest_deadline_seconds=1.0)
    proxy.set("hang")
    try:
        response, took = timed(lambda: platform.api("GET", "/v1/account"))
    finally:
        proxy.set("pass")
        platform.container.settings = settings
    # THEN a 503 problem that says when to come back, not a 500 after the clients' timeouts
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    assert took < 1.0 + 2.0  # the deadline, one connect at most, and a busy machine's slack


@pytest.mark.parametrize("fault", [503, 429, 500])
def test_an_sms_task_the_carrier_fails_is_retried_when_safe_and_never_sent_twice(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, fault: int
) -> None:
    import trustme
    from vonage_fakes import FakeClock, FakeVonage, Reply

    from chalicelib.calls.tasks import encode_task
    from chalicelib.flows.outcomes import SendSms
    from chalicelib.telephony.vonage.client import VonageClient, VonageConfig
    from infra.local.keys import application_key_pair

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    authority = trustme.CA()
    ca_path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_path))
    private, _ = application_key_pair()
    vonage = FakeVonage(authority, ca_path)
    vonage.start()
    clock = FakeClock()
    sent_ok = {"message-count": "1", "messages": [{"message-id": "M1", "status": "0"}]}
    try:
        with running_platform(monkeypatch) as platform:
            # GIVEN the real Vonage client, and Vonage failing (5xx, or 429 past every back-off)
            config = VonageConfig(
                application_id="11111111-2222-4333-8444-555555555555",
                private_key=private,
                api_key="abcd1234",
                api_secret="s3cr3t-api",
                api_host=vonage.host,
                rest_host=vonage.host,
                timeout=5.0,
                ca_bundle=str(ca_path),
                base_url="https://hooks.example.com",
            )
            platform.container.__dict__["carrier"] = VonageClient(
                config, sleep=clock.sleep, monotonic=clock.monotonic, jitter=lambda: 0.5
            )
            vonage.reply(*[Reply(fault, {"error": "busy"})] * 8)
            task = encode_task(SendSms("call-9:3:text", PULL_NUMBER, ALICE, "Hello"), "acme")
            batch = [{"messageId": "q1", "body": task}]
            # WHEN the task's first delivery meets the failure
            first = platform.container.tasks.run_batch(batch)
            if fault == 500:
                # THEN a 500 may have sent it: it is never sent again (no double SMS)
                assert first == {"batchItemFailures": []}
                attempts = len(vonage.requests)
                vonage._replies.clear()
                vonage.reply(Reply(200, sent_ok))
                assert platform.container.tasks.run_batch(batch) == {"batchItemFailures": []}
                assert len(vonage.requests) == attempts
                return
            # THEN it is left for redelivery, and the redelivery sends it exactly once
            assert first == {"batchItemFailures": [{"itemIdentifier": "q1"}]}
            failed_attempts = len(vonage.requests)
            vonage._replies.clear()
            vonage.reply(Reply(200, sent_ok))
            assert platform.container.tasks.run_batch(batch) == {"batchItemFailures": []}
            assert platform.container.tasks.run_batch(batch) == {"batchItemFailures": []}
            assert failed_attempts >= 1
            assert len(vonage.requests) == failed_attempts + 1  # one send went through, once
    finally:
        vonage.stop()
