"""Outbound campaigns end to end on the simulated network: the seed's REST trigger
(``POST /outbound/create``) loads contacts, the dispatch and dial tasks call them from the flow's
DID, alternates and retry rounds follow busy and unanswered calls, a decline is final, the flow
forces a reschedule with ``$flow.syskey.rescheduledCall``, machines are detected, and the report
shows every contact's outcome. The whole app runs in one process (Chalice test client, moto,
the real Vonage adapter against the simulator's REST API); the task queue is delivered by hand,
its delays kept: a held message is released when the platform's clock reaches it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from platformkit import running_platform
from test_simulated_calls import World

from chalicelib.calls.tasks import decode_task
from chalicelib.ops import schedules

DID = "447700900170"
SURVEY = {
    "id": "survey",
    "name": "Outbound: a short survey",
    "kind": "outbound",
    "language": "en-GB",
    "start": "ask",
    "variables": {"name": "there"},
    "nodes": {
        "ask": {
            "widget": "menu",
            "prompt": "Hello $flow.key.name, this is call number $call.attemptnumber. "
            "Press 1 if you are happy, 2 to be called later.",
            "options": {"1": "thanks", "2": "later"},
            "retries": 0,
            "timeout": 5,
            "next": {"invalid": "bye", "timeout": "bye"},
        },
        "thanks": {"widget": "hangup", "text": "Thank you. Goodbye."},
        "later": {
            "widget": "set",
            "assign": {"$flow.syskey.rescheduledCall": "yes"},
            "next": "bye",
        },
        "bye": {"widget": "hangup", "text": "We will call you again. Goodbye."},
    },
}


class CampaignWorld(World):
    """The simulated network and the platform with the survey flow activated on its DID; task
    messages sent with a delay wait until the platform's clock reaches them (every task sent is
    also kept in ``queued``)."""

    def __init__(self, platform: Any, tmp: Path) -> None:
        super().__init__(platform, tmp)
        container = platform.container
        self.held: list[tuple[Any, str]] = []
        self.queued: list[Any] = []
        enqueue = container.enqueue_task

        def delayed(body: str, delay_seconds: int = 0) -> None:
            self.queued.append(decode_task(body)[1])
            if delay_seconds > 0:
                self.held.append((platform.clock() + timedelta(seconds=delay_seconds), body))
            else:
                enqueue(body, 0)

        container.enqueue_task = delayed  # type: ignore[method-assign]
        self.enqueue = enqueue
        admin = container.admin
        admin.load_flow("acme", json.dumps(SURVEY))
        self.network.add_account_numbers(DID)
        admin.provision_number("acme", DID)
        admin.attach_number("acme", DID, "survey")
        service = container.services("campaigns").campaigns
        _, self.security_id = service.activate("acme", "survey")
        assert self.security_id
        service.configure_account("acme", {"ip_whitelist": ("127.0.0.1/32",)})
        service.configure("acme", "survey", {"retry_delay": 600, "max_retries": 1})
        self.service = service

    def trigger(
        self, calls: list[dict[str, Any]], path: str = "/outbound/create", **envelope: Any
    ) -> Any:
        body = {
            "api-version": "1.0",
            "security-id": self.security_id,
            "flow-id": "survey",
            "calls": calls,
            **envelope,
        }
        return self.platform.client.http.post(
            path,
            headers={"Content-Type": "application/json"},
            body=json.dumps(body).encode(),
        )

    def run(self, most: int = 400) -> None:
        """Run tasks and calls until nothing is left, moving the clock to held messages."""
        clock = self.platform.clock
        for _ in range(most):
            ran = self.run_tasks()
            self.network.run_until_idle()
            if ran:
                continue
            if not self.held:
                return
            self.held.sort(key=lambda item: item[0])
            due = self.held[0][0]
            if due > clock():
                clock.advance((due - clock()).total_seconds())
            ready = [body for at, body in self.held if at <= clock()]
            self.held = [(at, body) for at, body in self.held if at > clock()]
            for body in ready:
                self.enqueue(body, 0)
        raise AssertionError("the campaign did not settle")

    def run_live(self, step: float = 0.5, most: int = 5000) -> None:
        """Run tasks and calls until nothing is left, delivering the task queue every ``step``
        virtual seconds while calls go on, the platform's clock moving with the network's: a
        leg a call places from the queue rings while the call waits, and a call's timer fires
        on time (``run`` runs the network until idle between deliveries)."""
        clock, network = self.platform.clock, self.network
        for _ in range(most):
            ran = self.run_tasks()
            due = [body for at, body in self.held if at <= clock()]
            self.held = [(at, body) for at, body in self.held if at > clock()]
            for body in due:
                self.enqueue(body, 0)
            before = network.clock.seconds
            network.run_for(step)
            clock.advance(network.clock.seconds - before)
            if ran or due or network.scheduler.next_time() is not None:
                continue
            if self.run_tasks():  # what the last webhooks queued
                continue
            if not self.held:
                return
            clock.advance((min(at for at, _ in self.held) - clock()).total_seconds())
        raise AssertionError("the calls did not settle")

    def contact(self, contact_id: str) -> Any:
        return self.service.contacts.get("api-survey", contact_id)

    def calls_to(self, number: str) -> list[Any]:
        return [h for h in self.network.calls() if h.leg.to == number]


@contextmanager
def campaign_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CampaignWorld]:
    with running_platform(monkeypatch) as platform:
        built = CampaignWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CampaignWorld]:
    # far times too ride on the held queue here (the schedules' own path: far_world)
    monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
    with campaign_world(monkeypatch, tmp_path) as built:
        yield built


def test_a_rest_campaign_runs_to_completion_with_alternates_retries_and_declines(
    world: CampaignWorld,
) -> None:
    net = world.network
    net.set_number("447700900201", {"behaviour": "answers", "script": [{"press": "1"}]})
    net.set_number("447700900202", {"behaviour": "busy"})
    net.set_number("447700900203", {"behaviour": "answers", "script": [{"press": "1"}]})
    net.set_number("447700900204", {"behaviour": "rejected", "detail": "declined"})
    net.set_number("447700900205", {"behaviour": "answers", "script": [{"press": "1"}]})
    net.set_number("447700900206", {"behaviour": "no_answer"})
    # WHEN the seed's body comes with four calls and a bad one
    response = world.trigger(
        [
            {
                "client-identifier": "ann",
                "start-time": "",
                "contact-numbers": ["+44 7700 900201"],
                "keys": [{"name": "$flow.key.name", "value": "Ann"}],
            },
            {
                "client-identifier": "bob",
                "contact-numbers": ["447700900202", "447700900203"],
                "keys": [{"name": "$flow.key.name", "value": "Bob"}],
            },
            {
                "client-identifier": "cy",
                "contact-numbers": ["447700900204", "447700900205"],
            },
            {"client-identifier": "dee", "contact-numbers": ["447700900206"]},
            {"client-identifier": "eve", "contact-numbers": ["0207 946 0000"]},
        ]
    )
    assert response.status_code == 200, response.body
    answer = json.loads(response.body)
    assert (answer["accepted"], answer["rejected"]) == (4, 1)
    [eve] = [c for c in answer["calls"] if c["status"] == "rejected"]
    assert eve["client-identifier"] == "eve" and "country code" in eve["reason"]
    world.run()
    # THEN Ann was called once and heard her name and attempt 1
    [ann_call] = world.calls_to("447700900201")
    assert ann_call.transcript.said()[0].startswith("Hello Ann, this is call number 1.")
    assert world.contact("ann").status.value == "completed"
    # Bob's first number was busy: his alternate answered, as his second call
    [bob_alt] = world.calls_to("447700900203")
    assert "call number 2" in bob_alt.transcript.said()[0]
    bob = world.contact("bob")
    assert bob.status.value == "completed"
    assert [a.result.value for a in bob.attempts if a.result] == ["busy", "completed"]
    # Cy declined: final, his alternate never rung
    assert world.contact("cy").status.value == "declined"
    assert world.calls_to("447700900205") == []
    # Dee never answered: called again after the retry delay, then given up
    dee = world.contact("dee")
    assert dee.status.value == "no_answer"
    assert len(world.calls_to("447700900206")) == 2
    first, second = dee.attempts
    assert second.started_at - first.ended_at >= timedelta(seconds=600)
    # every call went out from the flow's DID
    assert {h.leg.from_ for h in net.calls()} == {DID}
    # AND the progress and the report say so
    campaign = world.service.campaign("acme", "api-survey")
    progress = campaign.progress()
    assert (progress["completed"], progress["declined"], progress["no_answer"]) == (2, 1, 1)
    assert campaign.finished and campaign.rejected == 1
    report = world.platform.api("GET", "/v1/campaigns/api-survey/contacts?format=csv")
    rows = list(csv.DictReader(io.StringIO(report.body.decode())))
    assert {r["contact"]: r["status"] for r in rows} == {
        "ann": "completed",
        "bob": "completed",
        "cy": "declined",
        "dee": "no_answer",
    }


def test_a_resent_call_calls_nobody_twice(world: CampaignWorld) -> None:
    world.network.set_number("447700900211", {"behaviour": "answers", "script": [{"press": "1"}]})
    call = {"client-identifier": "x-1", "contact-numbers": ["447700900211"]}
    first = json.loads(world.trigger([call]).body)
    world.run()
    again = json.loads(world.trigger([call]).body)
    world.run()
    assert first["calls"][0]["id"] == again["calls"][0]["id"]
    assert again["calls"][0]["resent"] is True
    other = json.loads(world.trigger([{**call, "contact-numbers": ["447700900299"]}]).body)
    assert other["calls"][0]["status"] == "rejected"
    assert "duplicate" in other["calls"][0]["reason"]
    assert len(world.calls_to("447700900211")) == 1


def test_the_flow_forces_a_reschedule(world: CampaignWorld) -> None:
    # the first call presses 2 (the flow sets rescheduledCall = yes), the second presses 1
    world.network.set_number("447700900221", {"behaviour": "answers", "script": [{"press": "2"}]})
    world.trigger([{"client-identifier": "later", "contact-numbers": ["447700900221"]}])
    for _ in range(20):
        world.run_tasks()
        world.network.run_until_idle()
    assert world.contact("later").status.value == "rescheduled"
    world.network.set_number("447700900221", {"behaviour": "answers", "script": [{"press": "1"}]})
    world.run()
    contact = world.contact("later")
    assert contact.status.value == "completed"
    assert [a.rescheduled for a in contact.attempts] == [True, False]
    second = world.calls_to("447700900221")[-1]
    assert "call number 2" in second.transcript.said()[0]


def test_a_machine_ends_the_contact_when_the_flow_hangs_up_on_machines(
    world: CampaignWorld,
) -> None:
    world.service.configure("acme", "survey", {"machine": "hangup"})
    world.network.set_number("447700900231", {"behaviour": "answering_machine"})
    world.trigger([{"client-identifier": "vm", "contact-numbers": ["447700900231"]}])
    world.run()
    assert world.contact("vm").status.value == "machine"


def test_refusals(world: CampaignWorld) -> None:
    call = {"client-identifier": "r", "contact-numbers": ["447700900241"]}
    wrong = world.trigger([call], **{"security-id": "not-it"})
    assert wrong.status_code == 403
    not_json = world.platform.client.http.post(
        "/outbound/create",
        headers={"Content-Type": "application/json"},
        body=b'{"api-version": "1.0",\n"start-time": "x"\n"flow-id": "survey"}',
    )
    assert not_json.status_code == 400
    assert "comma" in json.loads(not_json.body)["detail"]
    world.service.configure_account("acme", {"ip_whitelist": ("203.0.113.0/24",)})
    assert world.trigger([call]).status_code == 403
    world.service.configure_account("acme", {"ip_whitelist": ("127.0.0.1",)})
    admin = world.platform.container.admin
    admin.provision_number("acme", "447700900171")
    world.network.add_account_numbers("447700900171")
    admin.attach_number("acme", "447700900171", "survey")
    changed = world.trigger([call])
    assert changed.status_code == 409
    assert "activate it again" in json.loads(changed.body)["detail"]
    world.service.activate("acme", "survey")
    admin.set_listener("acme", "survey", False)
    assert world.trigger([call]).status_code == 409


def test_listed_numbers_are_skipped_and_never_dialled(world: CampaignWorld) -> None:
    world.network.set_number("447700900252", {"behaviour": "answers", "script": [{"press": "1"}]})
    dnc = world.platform.container.services("campaigns").do_not_call
    dnc.add("acme", ["447700900251", "447700900253"], reason="asked not to be called")
    world.trigger(
        [
            {"client-identifier": "half", "contact-numbers": ["447700900251", "447700900252"]},
            {"client-identifier": "all", "contact-numbers": ["447700900253"]},
        ]
    )
    world.run()
    assert world.calls_to("447700900251") == [] and world.calls_to("447700900253") == []
    half = world.contact("half")
    assert half.status.value == "completed"
    assert [a.result.value for a in half.attempts if a.result] == ["do_not_call", "completed"]
    assert world.contact("all").status.value == "skipped_dnc"


def test_a_contact_waits_for_the_calling_window_at_its_local_time(world: CampaignWorld) -> None:
    clock = world.platform.clock
    london = clock().astimezone(ZoneInfo("Europe/London"))
    opens = (london + timedelta(hours=2)).replace(minute=0, second=0)
    closes = opens + timedelta(hours=1)
    if closes.date() != opens.date():
        pytest.skip("the window would cross midnight in London")
    window = f"{opens:%H:%M}-{closes:%H:%M}"
    world.service.configure("acme", "survey", {"window": window})
    world.network.set_number("447700900261", {"behaviour": "answers", "script": [{"press": "1"}]})
    world.trigger([{"client-identifier": "w", "contact-numbers": ["447700900261"]}])
    for _ in range(10):
        world.run_tasks()
        world.network.run_until_idle()
    assert world.calls_to("447700900261") == []
    waiting = world.contact("w")
    assert waiting.status.value == "scheduled" and waiting.due_at == opens.astimezone(UTC)
    world.run()
    assert len(world.calls_to("447700900261")) == 1
    assert world.contact("w").status.value == "completed"
    assert world.contact("w").attempts[0].started_at >= opens.astimezone(UTC)


def test_a_paused_campaign_calls_nobody_until_resumed_and_a_cancelled_one_nobody_more(
    world: CampaignWorld,
) -> None:
    for number in ("447700900271", "447700900272"):
        world.network.set_number(number, {"behaviour": "answers", "script": [{"press": "1"}]})
    world.trigger([{"client-identifier": "p1", "contact-numbers": ["447700900271"]}])
    paused = world.platform.api("POST", "/v1/campaigns/api-survey/pause")
    assert json.loads(paused.body)["state"] == "paused"
    world.run()
    assert world.calls_to("447700900271") == []
    assert world.contact("p1").status.value == "scheduled"
    resumed = world.platform.api("POST", "/v1/campaigns/api-survey/resume")
    assert json.loads(resumed.body)["state"] == "running"
    world.run()
    assert len(world.calls_to("447700900271")) == 1
    assert world.contact("p1").status.value == "completed"
    # a cancelled campaign: its waiting contacts are cancelled and never called
    world.trigger([{"client-identifier": "p2", "contact-numbers": ["447700900272"]}])
    cancelled = json.loads(world.platform.api("POST", "/v1/campaigns/api-survey/cancel").body)
    assert cancelled["state"] == "cancelled" and cancelled["progress"]["cancelled"] == 1
    world.run()
    assert world.calls_to("447700900272") == []
    again = world.platform.api("POST", "/v1/campaigns/api-survey/resume")
    assert again.status_code == 409


def test_the_carriers_rate_limit_slows_the_pace_and_loses_no_call(world: CampaignWorld) -> None:
    # GIVEN a flow paced above the carrier's 3 calls a second (the carrier refuses the excess)
    world.service.configure("acme", "survey", {"calls_per_second": 10})
    world.service.configure_account("acme", {"calls_per_second": 10})
    pacer = world.service.pace()
    throttled = pacer.throttled
    refusals: list[object] = []

    def counted(keys: object) -> object:
        refusals.append(keys)
        return throttled(keys)

    pacer.throttled = counted
    numbers = [f"4477009003{n:02d}" for n in range(8)]
    for number in numbers:
        world.network.set_number(number, {"behaviour": "answers", "script": [{"press": "1"}]})
    world.trigger(
        [
            {"client-identifier": f"r{n}", "contact-numbers": [number]}
            for n, number in enumerate(numbers)
        ]
    )
    world.run()
    # THEN the carrier refused some (429) and every contact was still called once and completed
    assert refusals
    for n, number in enumerate(numbers):
        assert len(world.calls_to(number)) == 1, number
        assert world.contact(f"r{n}").status.value == "completed"


def test_a_full_concurrency_cap_holds_contacts_in_the_index_not_in_the_queue(
    world: CampaignWorld,
) -> None:
    # GIVEN a flow that may have one call at a time and six contacts due at once
    world.service.configure("acme", "survey", {"max_concurrent": 1})
    pacer = world.service.pace()
    acquire, release = pacer.acquire, pacer.release
    live: set[str] = set()
    most = 0

    def granted(limits: Any, ref: str) -> Any:
        nonlocal most
        outcome = acquire(limits, ref)
        if type(outcome).__name__ == "Granted":
            live.add(ref)
            most = max(most, len(live))
        return outcome

    def released(keys: Any, ref: str) -> None:
        live.discard(ref)
        release(keys, ref)

    pacer.acquire, pacer.release = granted, released
    numbers = [f"4477009003{n:02d}" for n in range(20, 26)]
    for number in numbers:
        world.network.set_number(
            number, {"behaviour": "answers", "script": [{"press": "1"}], "talk_seconds": 20}
        )
    world.trigger(
        [
            {"client-identifier": f"c{n}", "contact-numbers": [number]}
            for n, number in enumerate(numbers)
        ]
    )
    world.run()
    # THEN everyone was called once, one call after the other
    contacts = [world.contact(f"c{n}") for n in range(len(numbers))]
    assert {c.status.value for c in contacts} == {"completed"}
    assert all(len(c.attempts) == 1 for c in contacts) and most == 1
    # AND the waiting contacts did not each ask again every few seconds: a dial task per call
    # (and a few that met the cap first), the waiting done by the campaign's dispatch
    dials = [t for t in world.queued if type(t).__name__ == "DialContact"]
    assert len(dials) <= 2 * len(numbers), len(dials)


@pytest.fixture
def far_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CampaignWorld]:
    """The world with far times on EventBridge Scheduler (moto), as deployed."""
    with campaign_world(monkeypatch, tmp_path) as built:
        yield built


def test_a_far_start_time_rides_a_schedule_the_event_pump_fires(far_world: CampaignWorld) -> None:
    from app import app
    from infra.local.pump import EventPump

    world = far_world
    clock = world.platform.clock
    container = world.platform.container
    world.network.set_number("447700900281", {"behaviour": "answers", "script": [{"press": "1"}]})
    # WHEN a call is asked for two hours ahead (beyond SQS's 15 minutes of delay)
    at = (clock() + timedelta(hours=2)).replace(microsecond=0)
    world.trigger(
        [
            {
                "client-identifier": "later",
                "start-time": at.isoformat(),
                "contact-numbers": ["447700900281"],
            }
        ]
    )
    world.run()
    # THEN nobody is called yet: the campaign's dispatch waits in a one-time schedule
    assert world.calls_to("447700900281") == []
    group = container.settings.schedule_group
    [schedule] = container.scheduler.list_schedules(GroupName=group)["Schedules"]
    made = container.scheduler.get_schedule(Name=schedule["Name"], GroupName=group)
    assert made["ScheduleExpression"] == f"at({at.replace(tzinfo=None).isoformat()})"
    # WHEN the time comes, the local event pump fires the schedule into the task queue
    pump = EventPump(app, region=container.settings.region)
    assert pump.run_once(clock()).delivered_schedules == []  # not yet
    clock.advance(2 * 3600)
    fired = pump.run_once(clock())
    assert fired.delivered_schedules == [made["Arn"]]
    assert fired.deleted_schedules == [made["Arn"]]
    world.run()
    # THEN the contact is called at its time, once
    assert len(world.calls_to("447700900281")) == 1
    contact = world.contact("later")
    assert contact.status.value == "completed" and contact.attempts[0].started_at >= at
    assert container.scheduler.list_schedules(GroupName=group)["Schedules"] == []
    assert pump.run_once(clock()).delivered_schedules == []


@pytest.mark.parametrize("placed", [False, True])
def test_a_call_whose_placing_had_no_known_outcome_never_leaves_its_contact_dialling(
    world: CampaignWorld, placed: bool
) -> None:
    from chalicelib.telephony.errors import CarrierOutcomeUnknownError

    # GIVEN the carrier's answer to the first call is lost (the call placed, or not)
    carrier = world.platform.container.carrier
    place_call = carrier.place_call
    lost: list[str] = []

    def answer_lost(call: Any) -> Any:
        if not lost:
            lost.append(call.to_number)
            if placed:
                place_call(call)
            raise CarrierOutcomeUnknownError("create call: the answer was lost")
        return place_call(call)

    carrier.place_call = answer_lost
    for number in ("447700900291", "447700900292"):
        world.network.set_number(number, {"behaviour": "answers", "script": [{"press": "1"}]})
    world.trigger(
        [{"client-identifier": "lost", "contact-numbers": ["447700900291", "447700900292"]}]
    )
    world.run()
    contact = world.contact("lost")
    assert contact.status.value == "completed"
    if placed:
        # THEN a call that rang concludes the contact by its own events; the check finds it so
        assert [a.number for a in contact.attempts] == ["447700900291"]
        assert len(world.calls_to("447700900291")) == 1
    else:
        # THEN a call never reported counts as failed after its ringing time and the alternate
        # is called
        first, second = contact.attempts
        assert first.result is not None and first.result.value == "failed"
        assert first.detail == "the carrier never reported the call"
        assert world.calls_to("447700900291") == [] and second.number == "447700900292"
    checks = [t for t in world.queued if type(t).__name__ == "CheckContactCall"]
    assert len(checks) == 1
