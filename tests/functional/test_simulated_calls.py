"""Simulated calls end to end: the network simulator (the provider's side: legs running NCCO,
signed webhooks in the provider's order, its TLS REST API for the vonage SDK) against the whole
app in one process (Chalice test client, moto, the real Vonage adapter). GIVEN a flow on a
number, WHEN the scenario's caller rings and acts, THEN the transcript shows what the scenario
expects — one scenario per widget, plus the pull app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from nccokit import sdk_round_trip
from platformkit import ROOT, SECRET, Platform, running_platform

from chalicelib.flows.variables import wall_clock
from chalicelib.simulator.model import VonageApplication
from chalicelib.simulator.network import Network
from chalicelib.simulator.scenario import CallOutcome, check, load_scenario, prepare
from chalicelib.simulator.server import SimulatorServer
from chalicelib.simulator.transport import InProcessTransport, WebhookResponse
from chalicelib.telephony.vonage.client import VonageClient, VonageConfig
from chalicelib.telephony.vonage.signatures import SmsSignatureMethod
from infra.local.keys import application_key_pair
from infra.local.moto import free_port

CALLS = Path(__file__).resolve().parent / "calls"
SCENARIOS = sorted(CALLS.glob("*.yaml"))
BASE = "https://hooks.example.com"
APP_ID = "11111111-2222-4333-8444-555555555555"
REMINDER_NUMBER = "447700900150"


def with_message_service(path: Path, url: str) -> dict[str, Any]:
    """A flow file with its ``service_url`` (if it has one) pointed at the test's message
    service."""
    document: dict[str, Any] = json.loads(path.read_text())
    if "service_url" in document.get("variables", {}):
        document["variables"]["service_url"] = url
    return document


class World:
    """The platform, the simulated network and its REST API, wired together."""

    def __init__(self, platform: Platform, tmp: Path) -> None:
        self.platform = platform
        self.actions_seen: set[str] = set()
        private, public = application_key_pair()
        port = free_port()
        application = VonageApplication(
            answer_url=f"{BASE}/vonage/voice/answer",
            event_url=f"{BASE}/vonage/voice/event",
            fallback_answer_url=f"{BASE}/vonage/voice/fallback",
            sms_url=f"{BASE}/vonage/sms/inbound",
            sms_status_url=f"{BASE}/vonage/sms/status",
            sms_signature_method=SmsSignatureMethod(
                platform.container.settings.vonage_sms_signature_method
            ),
            application_id=APP_ID,
            api_key="apikey",
            api_secret="apisecret",
            signature_secret=SECRET,
            public_key_pem=public,
        )
        self.network = Network(
            application,
            InProcessTransport(self._handle),
            signing_clock=platform.clock,
            api_base_url=f"https://127.0.0.1:{port}",
        )
        self.server = SimulatorServer(
            self.network, port=port, background=False, ca_pem_path=str(tmp / "ca.pem")
        )
        self.server.start()
        settings = platform.container.settings
        platform.container.__dict__["carrier"] = VonageClient(
            VonageConfig(
                application_id=APP_ID,
                private_key=private,
                api_key="apikey",
                api_secret="apisecret",
                api_host=self.server.host_port,
                rest_host=self.server.host_port,
                timeout=5,
                ca_bundle=str(self.server.ca_pem_path),
                base_url=settings.public_base_url,
            )
        )
        admin = platform.container.admin
        numbers = json.loads((CALLS / "numbers.json").read_text())
        self.network.add_account_numbers(*numbers, REMINDER_NUMBER)  # the account rents them
        for path in sorted(CALLS.glob("*.json")):
            if path.name != "numbers.json":
                admin.load_flow("acme", with_message_service(path, platform.messages_url))
        for number, flow_id in numbers.items():
            admin.set_listener("acme", flow_id, True)
            admin.provision_number("acme", number)
            admin.attach_number("acme", number, flow_id)

    def _handle(
        self, method: str, path: str, query: str, headers: Any, body: bytes
    ) -> WebhookResponse:
        target = f"{path}?{query}" if query else path
        response = self.platform.client.http.request(
            method, target, headers=dict(headers), body=body
        )
        if response.body and response.body.lstrip().startswith(b"["):
            for action in json.loads(response.body):  # every NCCO the app answers, checked
                sdk_round_trip(action)
                self.actions_seen.add(action["action"])
        return WebhookResponse(
            int(response.status_code),
            {str(k): str(v) for k, v in dict(response.headers).items()},
            bytes(response.body or b""),
        )

    def run_tasks(self) -> list[dict[str, Any]]:
        """Deliver the queued tasks to the app's SQS handler, as Lambda's event source would."""
        container = self.platform.container
        got = container.sqs.receive_message(
            QueueUrl=container.task_queue_url, MaxNumberOfMessages=10
        )
        messages = got.get("Messages", [])
        if not messages:
            return []
        client = self.platform.client
        event = client.events.generate_sqs_event(
            message_bodies=[m["Body"] for m in messages], queue_name=container.settings.task_queue
        )
        result = client.lambda_.invoke("run_tasks", event)
        assert result.payload == {"batchItemFailures": []}, result.payload
        for message in messages:
            container.sqs.delete_message(
                QueueUrl=container.task_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
        return [json.loads(m["Body"]) for m in messages]

    def play(self, path: Path) -> tuple[list[str], Any]:
        scenario = load_scenario(path)
        prepare(scenario, self.network)
        handle = self.network.call(
            scenario.from_, scenario.to, scenario.caller, talk_seconds=scenario.talk_seconds
        )
        self.run_tasks()
        outcome = CallOutcome(
            handle.status,
            handle.transcript,
            len(handle.webhooks),
            tuple(m.text for m in self.network.outbox()),
        )
        return list(check(scenario, outcome)), handle

    def close(self) -> None:
        self.server.stop()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[World]:
    with running_platform(monkeypatch) as platform:
        built = World(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def test_every_widget_has_a_scenario() -> None:
    from chalicelib.flows.model import parse_flow
    from chalicelib.flows.widgets import PLATFORM_WIDGETS

    covered = {
        node.widget
        for path in [*CALLS.glob("*.json"), ROOT / "flows" / "pull-message.json"]
        if path.name != "numbers.json"
        for node in parse_flow(path.read_text()).nodes.values()
    }
    assert covered == set(PLATFORM_WIDGETS)  # the products' widgets: their own scenarios


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario(world: World, path: Path) -> None:
    failures, handle = world.play(path)
    assert failures == [], "\n".join([*failures, str(handle.transcript)])


def test_the_pull_app_speaks_alices_message_and_texts_it(world: World) -> None:
    handle = world.network.call("447700900001", "447700900100", [{"press": "2"}])
    said = handle.transcript.said()
    assert any(text.startswith("Hello Alice. Your parcel") for text in said), said
    assert world.actions_seen == {"talk", "input"}  # each one checked against the SDK's models
    tasks = world.run_tasks()
    assert [t["kind"] for t in tasks] == ["send_sms"]
    [sms] = world.network.outbox()
    assert (sms.to, sms.text[:11]) == ("447700900001", "Hello Alice")
    [record] = world.platform.container.call_records.list_by_account("acme", None, None, 5)
    assert record.outcome.value == "completed" and record.duration > 0
    # AND the call shows the path it took: the lookup's status and time, the key pressed
    shown = world.platform.api("GET", f"/v1/calls/{record.call_id}")
    assert shown.status_code == 200, shown.body
    detail = json.loads(shown.body)
    assert (detail["live"], detail["outcome"], detail["path_cut"]) == (False, "completed", False)
    lookup, *rest = detail["path"]
    assert (lookup["node"], lookup["widget"], lookup["status"], lookup["output"]) == (
        "lookup",
        "webhook",
        "200",
        "success",
    )
    assert lookup["seconds"] >= 0
    assert any(step.get("heard") == "2" for step in rest), rest
    other = world.platform.api("GET", "/v1/calls/no-such-call")
    assert other.status_code == 404


def test_a_recording_is_copied_into_the_bucket(world: World) -> None:
    failures, _ = world.play(CALLS / "record.yaml")
    assert failures == []
    assert {"record", "notify"} <= world.actions_seen
    container = world.platform.container
    objects = container.s3.list_objects_v2(Bucket=container.settings.recordings_bucket).get(
        "Contents", []
    )
    assert len(objects) == 1 and objects[0]["Key"].startswith("recordings/acme/")
    assert objects[0]["Size"] > 0
    call_id = objects[0]["Key"].split("/")[2]
    [recording] = container.recordings.of_call("acme", call_id)
    assert recording.content_type.startswith("audio/")
    head = container.s3.head_object(Bucket=container.settings.recordings_bucket, Key=recording.key)
    assert head["ContentType"] == recording.content_type


def start_reminder(world: World, to: str, **extra: Any) -> Any:
    body = {
        "flow_id": "appointment-reminder",
        "to": to,
        "from": REMINDER_NUMBER,
        "variables": {"name": "Dana", "date": "on Friday", "time": "10 AM"},
        **extra,
    }
    return world.platform.api("POST", "/v1/calls", body)


@pytest.fixture
def reminders(world: World) -> World:
    admin = world.platform.container.admin
    admin.load_flow("acme", (ROOT / "flows" / "appointment-reminder.json").read_text())
    admin.set_listener("acme", "appointment-reminder", True)
    admin.provision_number("acme", REMINDER_NUMBER)
    admin.attach_number("acme", REMINDER_NUMBER, "appointment-reminder")
    return world


def test_an_outbound_call_goes_through_the_sdk_and_runs_its_flow(reminders: World) -> None:
    # GIVEN a customer who answers and presses 1
    reminders.network.set_number(
        "447700900444", {"behaviour": "answers", "script": [{"press": "1"}]}
    )
    # WHEN the operator starts a reminder call through the REST API
    response = start_reminder(reminders, "+447700900444")
    assert response.status_code == 202, response.body
    started = json.loads(response.body)
    reminders.network.run_until_idle()
    # THEN the carrier placed it (the real SDK against the simulator's /v1/calls) and the flow ran
    [handle] = [h for h in reminders.network.calls() if h.uuid == started["leg_id"]]
    said = handle.transcript.said()
    assert said[0].startswith(
        "Hello Dana. This is a reminder of your appointment on Friday at 10 AM"
    )
    assert said[-1] == "Thank you. Your appointment is confirmed. Goodbye."
    [record] = reminders.platform.container.call_records.list_by_account("acme", None, None, 5)
    assert (record.call_id, record.direction.value, record.outcome.value) == (
        started["call_id"],
        "outbound",
        "completed",
    )


def test_a_busy_customer_leaves_a_busy_record(reminders: World) -> None:
    reminders.network.set_number("447700900445", {"behaviour": "busy"})
    started = json.loads(start_reminder(reminders, "447700900445").body)
    reminders.network.run_until_idle()
    [record] = reminders.platform.container.call_records.list_by_account("acme", None, None, 5)
    assert (record.call_id, record.outcome.value) == (started["call_id"], "busy")


def test_machine_detection_hangup_ends_a_call_a_machine_answers_before_the_flow(
    reminders: World,
) -> None:
    # GIVEN an answering machine, and a reminder asked with standard detection that hangs up
    # (synchronous: answered, then machine, before any action; FACTS §2.10, DOCS "Voicemail
    # Detection (Automatic Machine Detection)")
    reminders.network.set_number("447700900446", {"behaviour": "answering_machine"})
    response = start_reminder(reminders, "447700900446", machine_detection="hangup")
    assert response.status_code == 202, response.body
    reminders.network.run_until_idle()
    # THEN the SDK asked for it, the network hung up at the verdict and the flow never ran
    [handle] = reminders.network.calls()
    assert [e["status"] for e in handle.events()] == [
        "started",
        "ringing",
        "answered",
        "machine",
        "completed",
    ]
    assert handle.transcript.said() == []
    assert not [w for w in handle.webhooks if w.kind == "answer"]
    [record] = reminders.platform.container.call_records.list_by_account("acme", None, None, 5)
    assert record.outcome.value == "machine"


def test_machine_detection_continue_runs_the_flow_after_a_human_verdict(reminders: World) -> None:
    reminders.network.set_number(
        "447700900447", {"behaviour": "answers", "script": [{"press": "1"}]}
    )
    response = start_reminder(reminders, "447700900447", machine_detection="continue")
    assert response.status_code == 202, response.body
    reminders.network.run_until_idle()
    [handle] = reminders.network.calls()
    kinds = [w.payload.get("status", w.kind) for w in handle.webhooks if w.attempt == 1]
    assert kinds[:5] == ["started", "ringing", "answered", "human", "answer"]
    assert handle.transcript.said()[-1] == "Thank you. Your appointment is confirmed. Goodbye."
    [record] = reminders.platform.container.call_records.list_by_account("acme", None, None, 5)
    assert record.outcome.value == "completed"


def test_outbound_calls_are_refused_clearly_and_place_nothing(reminders: World) -> None:
    inbound_flow = reminders.platform.api(
        "POST",
        "/v1/calls",
        {"flow_id": "pull-message", "to": "447700900444", "from": "447700900100"},
    )
    assert (
        inbound_flow.status_code == 422
        and "inbound flow" in json.loads(inbound_flow.body)["detail"]
    )
    foreign_caller_id = start_reminder(reminders, "447700900444", **{"from": "447700900999"})
    assert foreign_caller_id.status_code == 422
    reminders.platform.container.admin.set_listener("acme", "appointment-reminder", False)
    assert start_reminder(reminders, "447700900444").status_code == 409
    bad_number = start_reminder(reminders, "12")
    assert bad_number.status_code == 422
    assert reminders.network.calls() == []


def test_every_action_the_widgets_emit_was_checked_against_the_sdk(world: World) -> None:
    for path in SCENARIOS:
        assert world.play(path)[0] == []
    assert world.actions_seen == {"talk", "stream", "input", "connect", "record", "notify"}


def spoken_facts(said: list[str]) -> dict[str, str]:
    """``"key: value; key: value"`` texts as a mapping."""
    facts: dict[str, str] = {}
    for text in said:
        for part in text.split("; "):
            key, _, value = part.partition(": ")
            facts[key] = value
    return facts


def test_every_seed_variable_of_a_call_is_spoken_with_its_meaning(world: World) -> None:
    # GIVEN the variables flow: a code, a message, then every $call and $sys variable spoken;
    # after the call, an SMS with the variables that exist only once it has ended
    handle = world.network.call("447700900001", "447700900208", [{"press": "4321#"}, {"record": 3}])
    world.run_tasks()
    [record] = world.platform.container.call_records.list_by_account("acme", None, None, 5)
    facts = spoken_facts([t for t in handle.transcript.said() if t.startswith(("cdr", "date"))])
    assert record.answered_at is not None
    # THEN each means what the seed says
    assert (
        facts
        == {
            "cdr": record.call_id,
            "start": wall_clock(record.started_at, "Europe/Paris"),  # the flow's zone, as $sys
            "connect": wall_clock(record.answered_at, "Europe/Paris"),
            "state": "connected",
            "incoming": "true",
            "cli": "447700900001",
            "dnis": "447700900208",
            "cli number": "7700900001",
            "cli country": "44",
            "cli type": "unknown",  # 07700 900xxx: numbers kept for drama, of no type
            "dnis number": "7700900208",
            "dnis country": "44",
            "dnis without area": "7700900208",
            "dnis type": "unknown",
            "dnis area": "",
            "dtmf": "4321",
            "last dtmf": "1",
            "label": "facts",
            "attempt": "1",
            "recorded": "true",
            "recording": facts["recording"],
            "ivr recording": facts["recording"],
            "play and record": facts["recording"],
            "call recording": facts["recording"][: -len("/2")] + "/0",  # the whole call's
            "webhook": "true",
            "currency": "EUR",
            "language": "en-GB",
            "date": facts["date"],
            "time": facts["time"],
            "datetime": f"{facts['date']} {facts['time']}",
            "zone": "Europe/Paris",
            "name": "Ada",
            "offer": "half price",
        }
    )
    assert facts["recording"] == record.recording_uri
    assert facts["recording"].endswith(f"/v1/calls/{record.call_id}/recordings/2")
    container = world.platform.container
    stored = container.s3.list_objects_v2(
        Bucket=container.settings.recordings_bucket, Prefix=f"recordings/acme/{record.call_id}/"
    )
    assert sorted(o["Key"].rpartition("/")[2] for o in stored.get("Contents", [])) == [
        "0-flow.mp3",
        "2-message.mp3",
    ]
    # AND after the call, once: its end, who hung up, the cause, the cost, the final duration
    [sms] = [m.text for m in world.network.outbox()]
    assert record.ended_at is not None
    assert sms == (
        f"end: {wall_clock(record.ended_at, 'Europe/Paris')}; remote: false; isdn: 16;"
        f" cost: {record.cost} EUR; duration: {record.duration}; state: Hangup; code: 4321"
    )
    # WHEN the carrier delivers the completed event again
    [completed] = [
        w for w in handle.webhooks if w.kind == "event" and w.payload.get("status") == "completed"
    ]
    path, _, query = completed.url.partition("?")
    path = "/" + path.split("/", 3)[3]
    again = world._handle(completed.method, path, query, completed.headers, completed.body)
    assert again.status == 204
    world.run_tasks()
    # THEN the after-call step does not run again
    assert len(world.network.outbox()) == 1
