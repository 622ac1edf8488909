"""The simulator's REST API on loopback TLS, driven by the real vonage SDK (http client, voice,
SMS), plus the control API and the CLI against a running server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from simkit import APP_BASE, APP_ID, SCENARIOS, FakeApp, network_for, pull_app
from vonage_http_client import Auth, HttpClient, HttpClientOptions
from vonage_http_client.errors import AuthenticationError, HttpRequestError, RateLimitedError
from vonage_sms import Sms, SmsMessage
from vonage_voice import (
    Conversation,
    CreateCallRequest,
    Phone,
    Talk,
    ToPhone,
    Voice,
)

from chalicelib.simulator.__main__ import main as simulator_main
from chalicelib.simulator.network import Network
from chalicelib.simulator.server import SimulatorServer
from chalicelib.telephony.vonage.signatures import sign_sms_params
from infra.local.keys import application_key_pair

pytestmark = pytest.mark.http

CALLER = "447700900001"
LVN = "447700900100"


def _key_pair() -> tuple[str, str]:
    return application_key_pair()


PRIVATE_KEY, PUBLIC_KEY = _key_pair()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def app() -> FakeApp:
    return FakeApp()


@pytest.fixture
def network(app: FakeApp) -> Network:
    return network_for(app, public_key_pem=PUBLIC_KEY)


@pytest.fixture
def limiter_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(
    network: Network, limiter_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SimulatorServer]:
    with SimulatorServer(network, background=False, limiter_clock=limiter_clock) as running:
        assert running.ca_pem_path is not None
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", running.ca_pem_path)
        yield running


def sdk(server: SimulatorServer, **auth: Any) -> HttpClient:
    credentials = auth or {"application_id": APP_ID, "private_key": PRIVATE_KEY}
    return HttpClient(
        Auth(**credentials),
        HttpClientOptions(api_host=server.host_port, rest_host=server.host_port, timeout=5),
    )


def create(voice: Voice, ncco: list[Any]) -> str:
    response = voice.create_call(
        CreateCallRequest(
            to=[ToPhone(number=CALLER)],
            from_=Phone(number=LVN),
            ncco=ncco,
            event_url=[f"{APP_BASE}/event"],
        )
    )
    return response.uuid


def test_sdk_creates_a_call_reads_it_and_hangs_it_up(
    server: SimulatorServer, network: Network, app: FakeApp
) -> None:
    # GIVEN the real SDK pointed at the simulator
    voice = Voice(sdk(server))
    # WHEN it creates a call that waits in a conversation
    response = voice.create_call(
        CreateCallRequest(
            to=[ToPhone(number=CALLER)],
            from_=Phone(number=LVN),
            ncco=[Talk(text="Please hold"), Conversation(name="hold-room")],
            event_url=[f"{APP_BASE}/event"],
        )
    )
    # THEN the answer is the provider's and the call runs on the network
    assert response.status == "started" and response.direction == "outbound"
    assert response.conversation_uuid.startswith("CON-")
    network.run_for(10)
    info = voice.get_call(response.uuid)
    assert info.status == "answered" and info.to.number == CALLER
    # WHEN it hangs the call up
    voice.hangup(response.uuid)
    network.run_until_idle()
    # THEN the call completed, ended by the platform
    completed = app.at("/event")[-1].json
    assert completed["status"] == "completed" and completed["disconnected_by"] == "platform"
    assert voice.get_call(response.uuid).status == "completed"
    calls, _ = voice.list_calls()
    assert [c.uuid for c in calls] == [response.uuid] and calls[0].duration is not None
    with pytest.raises(HttpRequestError):
        voice.hangup(response.uuid)


def test_sdk_transfers_a_running_call_to_a_new_ncco(
    server: SimulatorServer, network: Network, app: FakeApp
) -> None:
    # GIVEN a call on hold
    voice = Voice(sdk(server))
    uuid = create(voice, [Conversation(name="hold-room")])
    network.run_for(10)
    # WHEN the SDK transfers it to an inline NCCO
    voice.transfer_call_ncco(uuid, [Talk(text="Your agent is ready")])
    network.run_until_idle()
    # THEN the new NCCO ran after a transfer event
    handle = next(h for h in network.calls() if h.uuid == uuid)
    assert handle.transcript.said() == ["Your agent is ready"]
    assert "transfer" in [e["status"] for e in handle.events()]


def test_sdk_transfer_to_an_answer_url(
    server: SimulatorServer, network: Network, app: FakeApp
) -> None:
    app.routes["/moved"] = [{"action": "talk", "text": "Moved by URL"}]
    voice = Voice(sdk(server))
    uuid = create(voice, [Conversation(name="hold-room")])
    network.run_for(10)
    voice.transfer_call_answer_url(uuid, f"{APP_BASE}/moved")
    network.run_until_idle()
    handle = next(h for h in network.calls() if h.uuid == uuid)
    assert handle.transcript.said() == ["Moved by URL"]


def test_the_fourth_call_created_within_a_second_is_refused_with_429(
    server: SimulatorServer, limiter_clock: FakeClock
) -> None:
    # GIVEN the SDK and a limiter clock standing still
    voice = Voice(sdk(server))
    for _ in range(3):
        create(voice, [Talk(text="hi")])
    # WHEN a fourth call is created in the same second
    # THEN the SDK sees 429
    with pytest.raises(RateLimitedError):
        create(voice, [Talk(text="hi")])
    # AND a second later calls can be created again
    limiter_clock.now += 1.0
    assert create(voice, [Talk(text="hi")])


def test_a_jwt_from_another_key_is_refused(server: SimulatorServer) -> None:
    other_private, _ = _key_pair()
    voice = Voice(sdk(server, application_id=APP_ID, private_key=other_private))
    with pytest.raises(AuthenticationError):
        create(voice, [Talk(text="hi")])


def test_a_jwt_for_another_application_is_refused(server: SimulatorServer) -> None:
    voice = Voice(
        sdk(server, application_id="99999999-2222-4333-8444-555555555555", private_key=PRIVATE_KEY)
    )
    with pytest.raises(AuthenticationError):
        create(voice, [Talk(text="hi")])


def test_invalid_create_requests_get_400(server: SimulatorServer) -> None:
    client = sdk(server)
    with pytest.raises(HttpRequestError) as error:
        client.post(server.host_port, "/v1/calls", {"to": [{"type": "phone", "number": CALLER}]})
    assert error.value.response.status_code == 400
    assert error.value.response.json()["invalid_parameters"][0]["name"] == "from"


def test_sdk_sends_an_sms_that_lands_in_the_outbox(
    server: SimulatorServer, network: Network
) -> None:
    # GIVEN the SMS client with key and secret
    sms = Sms(sdk(server, api_key="testkey", api_secret="testsecret"))
    # WHEN it sends a message
    response = sms.send(
        SmsMessage(to=CALLER, from_="Ringflow", text="Your code is 1234", client_ref="r1")
    )
    # THEN the answer is the provider's and the message is in the outbox
    assert response.message_count == "1"
    message = response.messages[0]
    assert message.status == "0" and message.to == CALLER and message.client_ref == "r1"
    assert network.outbox()[0].text == "Your code is 1234"
    assert network.outbox()[0].message_ids == (message.message_id,)


def test_long_sms_is_sent_as_several_messages(server: SimulatorServer) -> None:
    sms = Sms(sdk(server, api_key="testkey", api_secret="testsecret"))
    response = sms.send(SmsMessage(to=CALLER, from_="Ringflow", text="x" * 300))
    assert response.message_count == "2" and len(response.messages) == 2


def test_sms_with_wrong_secret_is_refused(server: SimulatorServer) -> None:
    sms = Sms(sdk(server, api_key="testkey", api_secret="wrong"))
    with pytest.raises(Exception, match="Bad Credentials"):
        sms.send(SmsMessage(to=CALLER, from_="Ringflow", text="hi"))


def test_signed_sms_request_is_accepted(server: SimulatorServer, network: Network) -> None:
    params = sign_sms_params(
        {"api_key": "testkey", "from": "Ringflow", "to": CALLER, "text": "signed hello"},
        "test-signature-secret-0123456789abcdef",
        network.app.sms_signature_method,
        network.clock.now(),
    )
    response = requests.post(
        f"{server.url}/sms/json",
        data=urlencode(params),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert response.json()["messages"][0]["status"] == "0"
    params["text"] = "tampered"
    tampered = requests.post(f"{server.url}/sms/json", data=params, timeout=5)
    assert tampered.json()["messages"][0]["status"] == "14"


def test_recordings_are_served_with_a_jwt_only(
    server: SimulatorServer, network: Network, app: FakeApp
) -> None:
    # GIVEN a recorded inbound call
    app.routes["/answer"] = [{"action": "record", "timeOut": 5, "eventUrl": [f"{APP_BASE}/rec"]}]
    network.call(CALLER, LVN, [{"record": 3}])
    url = app.at("/rec")[0].json["recording_url"]
    assert url.startswith(server.url + "/v1/files/")
    # WHEN it is fetched with and without the application JWT
    client = sdk(server)
    authorised = requests.get(
        url, headers={"Authorization": client.auth.create_jwt_auth_string()}, timeout=5
    )
    anonymous = requests.get(url, timeout=5)
    # THEN only the JWT gets the mp3
    assert authorised.status_code == 200 and authorised.content[:2] == b"\xff\xfb"
    assert authorised.headers["Content-Type"] == "audio/mpeg"
    assert anonymous.status_code == 401


# -- control API and CLI (background worker) ------------------------------------------------------


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SimulatorServer, FakeApp]]:
    box: list[Network] = []
    fake = pull_app(box)
    fake.routes["/sms"] = 204
    network = network_for(fake)
    box.append(network)
    with SimulatorServer(network) as running:
        yield running, fake


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = simulator_main(list(args))
    return code, capsys.readouterr().out


def test_control_api_places_a_call_and_returns_transcript_and_webhooks(
    live: tuple[SimulatorServer, FakeApp],
) -> None:
    server, _ = live
    assert server.ca_pem_path is not None
    response = requests.post(
        f"{server.url}/_sim/calls",
        json={"from": CALLER, "to": LVN, "script": [{"press": "1"}]},
        verify=server.ca_pem_path,
        timeout=30,
    )
    data = response.json()
    assert data["call"]["status"] == "completed" and data["call"]["ended"] is True
    assert any("parcel has arrived" in e["text"] for e in data["transcript"] if e["kind"] == "say")
    assert data["webhooks"][0]["kind"] == "answer"
    assert data["sms"][0]["text"] == "Your parcel has arrived."
    listed = requests.get(f"{server.url}/_sim/calls", verify=server.ca_pem_path, timeout=5)
    assert listed.json()["calls"][0]["uuid"] == data["call"]["uuid"]
    outbox = requests.get(f"{server.url}/_sim/sms", verify=server.ca_pem_path, timeout=5)
    assert outbox.json()["outbox"][0]["to"] == CALLER


def test_with_no_workers_one_thread_carries_the_calls() -> None:
    # GIVEN the simulator served with workers=0 (one thread for every call, no lanes)
    box: list[Network] = []
    fake = pull_app(box)
    network = network_for(fake)
    box.append(network)
    with SimulatorServer(network, workers=0) as server:
        # WHEN a call is placed through the control API
        response = requests.post(
            f"{server.url}/_sim/calls",
            json={"from": CALLER, "to": LVN, "script": [{"press": "1"}]},
            verify=server.ca_pem_path,
            timeout=30,
        )
    # THEN it ran to its end on that thread
    assert response.json()["call"]["status"] == "completed"
    assert response.json()["sms"][0]["text"] == "Your parcel has arrived."


def test_control_api_answers_504_for_a_call_that_has_not_ended_in_time(
    live: tuple[SimulatorServer, FakeApp],
) -> None:
    # GIVEN an app that holds the answer webhook until released (at most 10 s)
    server, fake = live
    release = threading.Event()

    def held(_: object) -> object:
        release.wait(10)
        return [{"action": "talk", "text": "late"}]

    fake.routes["/answer"] = held
    try:
        # WHEN a call is placed with a 0.2 s timeout
        response = requests.post(
            f"{server.url}/_sim/calls",
            json={"from": CALLER, "to": LVN, "timeout": 0.2},
            verify=server.ca_pem_path,
            timeout=30,
        )
    finally:
        release.set()
    # THEN the answer is a 504 with the call so far and the reason
    assert response.status_code == 504
    assert response.json()["call"]["ended"] is False
    assert "did not end" in response.json()["error"]


def test_control_api_sets_number_behaviour(live: tuple[SimulatorServer, FakeApp]) -> None:
    server, _ = live
    ok = requests.post(
        f"{server.url}/_sim/numbers",
        json={"number": "+447700900123", "behaviour": "busy"},
        verify=server.ca_pem_path,
        timeout=5,
    )
    bad = requests.post(
        f"{server.url}/_sim/numbers",
        json={"number": "447700900123", "behaviour": "sings"},
        verify=server.ca_pem_path,
        timeout=5,
    )
    assert ok.json()["behaviour"] == "busy" and ok.json()["number"] == "447700900123"
    assert bad.status_code == 400 and "unknown behaviour" in bad.json()["detail"]


def test_cli_call_prints_the_transcript_and_exits_zero(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = live
    assert server.ca_pem_path is not None
    code, out = run_cli(
        capsys,
        "sim", "call", "--from", CALLER, "--to", LVN, "--wait", "1", "--press", "2",
        "--say", "hello agent", "--hangup", "--sim-url", server.url, "--ca", server.ca_pem_path,
    )  # fmt: skip
    assert code == 0
    assert "Connecting you to an agent" in out and "press         2" in out
    assert "hello agent" in out
    assert out.strip().splitlines()[-1].endswith("completed")


def test_cli_call_exits_non_zero_when_the_call_fails(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    server, fake = live
    assert server.ca_pem_path is not None
    fake.routes["/answer"] = [{"action": "nonsense"}]
    code, out = run_cli(
        capsys, "sim", "call", "--from", CALLER, "--to", LVN,
        "--sim-url", server.url, "--ca", server.ca_pem_path,
    )  # fmt: skip
    assert code == 1 and out.strip().endswith("failed")


def test_cli_scenario_runs_files_and_reports_pass_and_fail(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    server, _ = live
    assert server.ca_pem_path is not None
    failing = tmp_path / "failing.yaml"
    failing.write_text(
        textwrap.dedent(
            """
            name: expects the wrong greeting
            call: {from: "447700900002", to: "447700900100"}
            caller: [{press: "1"}]
            expect: {said: ["Hello Alice"]}
            """
        )
    )
    files = [str(p) for p in sorted(SCENARIOS.glob("*.yaml"))]
    code, out = run_cli(
        capsys, "sim", "scenario", *files, "--sim-url", server.url, "--ca", server.ca_pem_path
    )
    assert code == 0 and f"{len(files)} passed, 0 failed" in out
    code, out = run_cli(
        capsys, "sim", "scenario", str(failing), "--sim-url", server.url, "--ca", server.ca_pem_path
    )
    assert code == 1
    assert "FAIL expects the wrong greeting" in out and "expected to hear 'Hello Alice'" in out


def test_cli_sms_delivers_an_inbound_sms(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    server, fake = live
    assert server.ca_pem_path is not None
    code, out = run_cli(
        capsys, "sim", "sms", "--from", CALLER, "--to", LVN, "--text", "STOP",
        "--sim-url", server.url, "--ca", server.ca_pem_path,
    )  # fmt: skip
    assert code == 0 and "-> 204" in out
    assert fake.at("/sms")[0].json["text"] == "STOP"


def test_cli_lists_calls_prints_one_transcript_and_the_sms_outbox(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = live
    assert server.ca_pem_path is not None
    where = ("--sim-url", server.url, "--ca", server.ca_pem_path)
    code, out = run_cli(
        capsys, "sim", "call", "--from", CALLER, "--to", LVN, "--press", "1", *where
    )
    uuid = out.strip().splitlines()[-1].split()[1]
    code, listing = run_cli(capsys, "sim", "calls", *where)
    assert code == 0 and uuid in listing and f"{CALLER} -> {LVN}" in listing
    code, transcript = run_cli(capsys, "sim", "calls", uuid, *where)
    assert code == 0 and transcript.strip().splitlines()[-1] == f"call {uuid} completed"
    server.network.submit_sms(LVN, CALLER, "Your code is 1234")
    code, outbox = run_cli(capsys, "sim", "outbox", *where)
    assert code == 0 and f"{LVN} -> {CALLER}: Your code is 1234" in outbox
    code = simulator_main(["sim", "calls", "no-such-call", *where])
    assert code == 2 and "no such call" in capsys.readouterr().err


def test_cli_reports_an_unreachable_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    code = simulator_main(
        ["sim", "call", "--from", CALLER, "--to", LVN, "--sim-url", "http://127.0.0.1:9"]
    )
    assert code == 2 and "cannot reach the simulator" in capsys.readouterr().err


def test_serve_runs_until_sigterm(tmp_path: Path) -> None:
    # GIVEN the simulator started as the local run starts it
    ca = tmp_path / "ca.pem"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chalicelib.simulator",
            "serve",
            "--port",
            "0",
            "--answer-url",
            "http://127.0.0.1:9/answer",
            "--event-url",
            "http://127.0.0.1:9/event",
            "--signature-secret",
            "s3cret-s3cret-s3cret",
            "--application-id",
            APP_ID,
            "--ca-out",
            str(ca),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("simulator listening on https://127.0.0.1:")
        url = line.split()[-1]
        # WHEN it is asked for its health and then sent SIGTERM
        health = requests.get(f"{url}/_sim/health", verify=str(ca), timeout=5)
        assert health.json()["ok"] is True
        process.send_signal(signal.SIGTERM)
        # THEN it stops cleanly
        assert process.wait(timeout=10) == 0
        assert "simulator stopped" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()


def test_control_api_runs_a_scenario_text(live: tuple[SimulatorServer, FakeApp]) -> None:
    server, _ = live
    text = (SCENARIOS / "agent_busy.yaml").read_text()
    response = requests.post(
        f"{server.url}/_sim/scenarios",
        data=json.dumps({"yaml": text}),
        headers={"Content-Type": "application/json"},
        verify=server.ca_pem_path,
        timeout=30,
    )
    assert response.json()["passed"] is True
