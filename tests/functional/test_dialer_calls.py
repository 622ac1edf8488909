"""The outbound dialer end to end on the simulated network: the seed's dialer trigger
(``POST /outbounddialer/create``) loads customers, the campaign's dispatch dials as many as the
group has free agents, a customer who answers is given the longest-idle available agent (rung on
their own phone, with their own attempts), the two talk in a conversation and the agent goes to
wrap-up; nobody free, the customer holds until the limit, is counted as abandoned and called
again; machines are told apart; both of the flow's reschedules work; and every agent variable
of the seed is spoken with its meaning. The whole app runs in one process (Chalice test client,
moto, the real Vonage adapter against the simulator's REST API), the task queue delivered by
hand with its delays kept (``CampaignWorld``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from platformkit import running_platform
from test_campaign_calls import DID, CampaignWorld
from test_simulated_calls import spoken_facts as spoken

from chalicelib.ops import schedules
from chalicelib.ops.deadline import DeadlineExceededError

SALES = {
    "id": "sales",
    "name": "Outbound dialer: the spring offer",
    "kind": "outbound",
    "language": "en-GB",
    "start": "human",
    "variables": {"name": "there", "offer": "nothing"},
    "nodes": {
        "human": {
            "widget": "condition",
            "rules": [{"left": "$call.amd", "op": "eq", "right": "machine"}],
            "next": {"true": "voicemail", "false": "greet"},
        },
        "voicemail": {"widget": "hangup", "text": "Sorry we missed you. We will call again."},
        "greet": {"widget": "say", "text": "Hello $flow.key.name.", "next": "agent"},
        "agent": {
            "widget": "agent",
            "group": "sales",
            "hold_message": "All our agents are busy. Please hold.",
            "hold_limit": 20,
            "next": {"next": "facts", "no_agent": "sorry"},
        },
        "facts": {
            "widget": "say",
            "text": "agent: $flow.syskey.agentID; connect: $call.agent.connect; "
            "dnis: $call.agent.dnis; dnis number: $call.agent.dnis.number; "
            "dnis country: $call.agent.dnis.countrycode; cli: $call.agent.cli; "
            "cli country: $call.agent.cli.countrycode; cli number: $call.agent.cli.number; "
            "cli without area: $call.agent.cli.numberWithoutArea; "
            "cli area: $call.agent.cli.areaCode; cdr: $call.agent.cdr; "
            "attempt: $flow.syskey.agent.attempt_number; type: $flow.syskey.agent.type; "
            "login: $flow.syskey.loginType",
            "next": "after",
        },
        "after": {
            "widget": "condition",
            "rules": [{"left": "$flow.key.offer", "op": "eq", "right": "again"}],
            "next": {"true": "again", "false": "later?"},
        },
        "again": {
            "widget": "set",
            "assign": {"$flow.syskey.reschedule_agent_call": "yes"},
            "next": "bye",
        },
        "later?": {
            "widget": "condition",
            "rules": [{"left": "$flow.key.offer", "op": "eq", "right": "later"}],
            "next": {"true": "later", "false": "bye"},
        },
        "later": {
            "widget": "set",
            "assign": {"$flow.syskey.reschedule_customer_call": "yes"},
            "next": "bye",
        },
        "sorry": {"widget": "hangup", "text": "Sorry, nobody could take your call."},
        "bye": {"widget": "hangup", "text": "Goodbye."},
    },
}
AGENTS = {"ada": "447700900801", "bo": "447700900802"}
DIALER_TRIGGER = "/outbounddialer/create"


class DialerWorld(CampaignWorld):
    """The campaign world with the sales flow activated on the DID and a group of agents."""

    def __init__(self, platform: Any, tmp: Path) -> None:
        super().__init__(platform, tmp)
        container = platform.container
        container.admin.load_flow("acme", json.dumps(SALES))
        container.admin.attach_number("acme", DID, "sales")
        _, self.security_id = self.service.activate("acme", "sales")
        self.service.configure("acme", "sales", {"retry_delay": 600, "max_retries": 1})
        self.agents = container.services("dialer").agents
        now = platform.clock()
        self.agents.put_group("acme", "sales", wrap_up_seconds=10, ring_timeout=15, now=now)
        for agent_id, number in AGENTS.items():
            self.agents.put_agent("acme", agent_id, "sales", "mobile phone", number=number, now=now)

    def trigger(self, calls: list[dict[str, Any]], **envelope: Any) -> Any:
        return super().trigger(calls, **{"flow-id": "sales", **envelope}, path=DIALER_TRIGGER)

    def run(self, most: int = 5000) -> None:
        """The task queue delivered while calls go on (agent legs ring while customers wait)."""
        self.run_live(0.5, most)

    def run_until(self, done: Callable[[], bool], step: float = 0.5, most: int = 2000) -> None:
        """Deliver tasks and run the calls ``step`` virtual seconds at a time until ``done``."""
        clock, network = self.platform.clock, self.network
        for _ in range(most):
            if done():
                return
            self.run_tasks()
            due = [body for at, body in self.held if at <= clock()]
            self.held = [(at, body) for at, body in self.held if at > clock()]
            for body in due:
                self.enqueue(body, 0)
            before = network.clock.seconds
            network.run_for(step)
            clock.advance(max(step, network.clock.seconds - before))
        raise AssertionError("it never happened")

    def run_for(self, seconds: float, step: float = 0.5) -> None:
        """Deliver tasks and run the calls for ``seconds`` virtual seconds."""
        until = self.platform.clock() + timedelta(seconds=seconds)
        self.run_until(lambda: self.platform.clock() >= until, step)

    def stats(self) -> Any:
        return self.platform.container.services("dialer").calls.stats.get("api-sales")

    def available(self, *agent_ids: str) -> None:
        for agent_id in agent_ids:
            self.agents.set_state("acme", agent_id, "available", self.platform.clock())

    def customer(self, contact_id: str) -> Any:
        return self.service.contacts.get("api-sales", contact_id)

    def state(self, agent_id: str) -> str:
        return str(self.agents.agent("acme", agent_id).state.value)


@pytest.fixture
def dialer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[DialerWorld]:
    monkeypatch.setattr(schedules, "MAX_DELAY_SECONDS", 10**9)
    with running_platform(monkeypatch) as platform:
        built = DialerWorld(platform, tmp_path)
        try:
            yield built
        finally:
            built.close()


def test_a_customer_who_answers_talks_to_the_longest_idle_agent(dialer: DialerWorld) -> None:
    net = dialer.network
    net.set_number("447700900301", {"behaviour": "answers", "talk_seconds": 60})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 20})
    net.set_number(AGENTS["bo"], {"behaviour": "answers", "talk_seconds": 20})
    dialer.available("bo")
    dialer.platform.clock.advance(5)
    dialer.available("ada")  # bo has been idle longer
    response = dialer.trigger(
        [
            {
                "client-identifier": "cat",
                "contact-numbers": ["447700900301"],
                "keys": [{"name": "$flow.key.name", "value": "Cat"}],
            }
        ]
    )
    assert response.status_code == 200, response.body
    dialer.run()
    [customer] = dialer.calls_to("447700900301")
    [agent_leg] = dialer.calls_to(AGENTS["bo"])
    assert dialer.calls_to(AGENTS["ada"]) == []
    said = customer.transcript.said()
    assert said[0] == "Hello Cat."
    facts = spoken(said)
    assert facts["agent"] == "bo"
    assert facts["connect"] == "true"
    assert facts["dnis"] == AGENTS["bo"]
    assert (facts["dnis number"], facts["dnis country"]) == ("7700900802", "44")
    assert facts["cli"] == DID and facts["cli country"] == "44"
    assert facts["cli number"] == "7700900170"
    # a mobile number has no area code: all of it is the number without its area
    assert (facts["cli without area"], facts["cli area"]) == ("7700900170", "")
    assert facts["cdr"] == agent_leg.leg.uuid
    assert (facts["attempt"], facts["type"], facts["login"]) == ("1", "dynamic", "mobile phone")
    assert agent_leg.leg.from_ == DID
    assert dialer.customer("cat").status.value == "completed"
    # the agent talked, wrapped up and is available again
    events = dialer.agents.events("acme", "bo")
    assert [e.to_state.value for e in reversed(events)][-3:] == [
        "on_call",
        "wrap_up",
        "available",
    ]
    stats = dialer.stats()
    assert (stats.answered, stats.connected, stats.abandoned) == (1, 1, 0)


def test_nobody_free_holds_the_customer_then_counts_an_abandon_and_calls_again(
    dialer: DialerWorld,
) -> None:
    net = dialer.network
    net.set_number("447700900302", {"behaviour": "answers", "talk_seconds": 120})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 10})
    dialer.available("ada")
    dialer.trigger([{"client-identifier": "dan", "contact-numbers": ["447700900302"]}])
    # dan's phone rings (one agent free), and ada goes on a break before he answers
    dialer.run_until(lambda: dialer.customer("dan").status.value == "dialling")
    dialer.agents.set_state("acme", "ada", "paused", dialer.platform.clock(), "coffee")
    dialer.run_until(lambda: dialer.customer("dan").status.value == "rescheduled")
    # THEN dan held, heard the hold message and was let go at the limit: an abandon
    [first] = dialer.calls_to("447700900302")
    said = first.transcript.said()
    assert said == [
        "Hello there.",
        "All our agents are busy. Please hold.",
        "Sorry, nobody could take your call.",
    ]
    assert dialer.calls_to(AGENTS["ada"]) == []
    stats = dialer.stats()
    assert (stats.answered, stats.connected, stats.abandoned) == (1, 0, 1)
    # AND dan is called again after the retry delay, once ada is back, and talks to her
    dialer.available("ada")
    dialer.run()
    assert dialer.customer("dan").status.value == "completed"
    second = dialer.calls_to("447700900302")[-1]
    assert spoken(second.transcript.said())["agent"] == "ada"
    assert dialer.stats().connected == 1


@pytest.mark.parametrize("missed", ["no_answer", "busy"])
def test_an_agent_who_does_not_answer_is_paused_and_the_next_one_is_rung(
    dialer: DialerWorld, missed: str
) -> None:
    net = dialer.network
    net.set_number("447700900303", {"behaviour": "answers", "talk_seconds": 60})
    net.set_number(AGENTS["bo"], {"behaviour": missed})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 10})
    dialer.available("bo")
    dialer.platform.clock.advance(5)
    dialer.available("ada")
    dialer.trigger([{"client-identifier": "eli", "contact-numbers": ["447700900303"]}])
    dialer.run()
    # THEN bo (the longest idle) was rung first and missed it, then ada answered: attempt 2
    [missed] = dialer.calls_to(AGENTS["bo"])
    assert missed.leg.answered_at is None
    [customer] = dialer.calls_to("447700900303")
    facts = spoken(customer.transcript.said())
    assert (facts["agent"], facts["attempt"], facts["connect"]) == ("ada", "2", "true")
    assert dialer.state("bo") == "paused"
    [paused] = [e for e in dialer.agents.events("acme", "bo") if e.to_state.value == "paused"]
    assert "missed" in paused.reason
    assert dialer.customer("eli").status.value == "completed"


def test_an_agent_freed_while_the_customer_holds_takes_the_call(dialer: DialerWorld) -> None:
    net = dialer.network
    net.set_number("447700900304", {"behaviour": "answers", "talk_seconds": 60})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 10})
    flow = json.loads(json.dumps(SALES))
    flow["nodes"]["agent"]["abandon_after"] = 2  # the TSR's and Ofcom's measure
    dialer.platform.container.admin.load_flow("acme", json.dumps(flow))
    dialer.service.activate("acme", "sales")
    dialer.available("ada")
    dialer.trigger([{"client-identifier": "fay", "contact-numbers": ["447700900304"]}])
    dialer.run_until(lambda: dialer.customer("fay").status.value == "dialling")
    dialer.agents.set_state("acme", "ada", "paused", dialer.platform.clock())
    calls = dialer.platform.container.services("dialer").calls
    dialer.run_until(lambda: any(c.stage == "waiting" for c in calls.live.list("acme")))
    # WHEN ada is back 5 s into the customer's wait
    dialer.run_for(5)
    dialer.available("ada")
    dialer.run()
    # THEN the customer, who heard the hold message, talked to ada
    [customer] = dialer.calls_to("447700900304")
    said = customer.transcript.said()
    assert said[1] == "All our agents are busy. Please hold."
    assert spoken(said)["agent"] == "ada"
    # AND connected later than 2 s after reaching the agent node, the call counts as abandoned
    stats = dialer.stats()
    assert (stats.answered, stats.connected, stats.abandoned) == (1, 1, 1)
    assert stats.waits[0] > 5
    assert calls.live.list("acme") == []  # nothing left in the live picture


def test_a_machine_hears_the_flow_s_message_and_takes_no_agent(dialer: DialerWorld) -> None:
    dialer.service.configure("acme", "sales", {"machine": "continue"})
    dialer.network.set_number("447700900305", {"behaviour": "answering_machine"})
    dialer.available("ada")
    dialer.trigger([{"client-identifier": "gus", "contact-numbers": ["447700900305"]}])
    dialer.run()
    [call] = dialer.calls_to("447700900305")
    assert "Sorry we missed you. We will call again." in call.transcript.said()
    assert dialer.calls_to(AGENTS["ada"]) == []
    assert dialer.state("ada") == "available"
    assert dialer.stats().answered == 0  # a machine is no live answer: nothing measured


@pytest.mark.parametrize(
    ("offer", "agent_first"),
    [("again", "bo"), ("later", "ada")],
    ids=["reschedule_agent_call", "reschedule_customer_call"],
)
def test_the_flow_reschedules_the_customer_or_the_customer_with_their_agent(
    dialer: DialerWorld, offer: str, agent_first: str
) -> None:
    net = dialer.network
    net.set_number("447700900306", {"behaviour": "answers", "talk_seconds": 40})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 10})
    net.set_number(AGENTS["bo"], {"behaviour": "answers", "talk_seconds": 10})
    dialer.available("bo")
    dialer.trigger(
        [
            {
                "client-identifier": "hal",
                "contact-numbers": ["447700900306"],
                "keys": [{"name": "$flow.key.offer", "value": offer}],
            }
        ]
    )
    dialer.run_until(lambda: dialer.state("bo") == "on_call")
    dialer.available("ada")  # idle from now: longer than bo, once bo has wrapped up
    dialer.run_until(lambda: dialer.customer("hal").status.value == "rescheduled")
    first = dialer.calls_to("447700900306")[0]
    assert spoken(first.transcript.said())["agent"] == "bo"
    assert (dialer.state("ada"), dialer.state("bo")) == ("available", "available")
    dialer.run()
    second = dialer.calls_to("447700900306")[-1]
    assert second is not first
    # THEN the agent's reschedule brings hal back to bo; the customer's to whoever is free
    assert spoken(second.transcript.said())["agent"] == agent_first
    contact = dialer.customer("hal")
    assert [a.rescheduled for a in contact.attempts] == [True, True]


def test_a_softphone_agent_is_rung_on_sip_and_the_talk_is_recorded(
    dialer: DialerWorld,
) -> None:
    container = dialer.platform.container
    flow = json.loads(json.dumps(SALES))
    flow["nodes"]["agent"]["record"] = True
    flow["nodes"]["facts"]["text"] += (
        "; recording: $call.agent.recordingUri; dialer recording: $call.agent_dialer.recordingUri"
    )
    container.admin.load_flow("acme", json.dumps(flow))
    dialer.service.activate("acme", "sales")
    soft = "sip:ida@pbx.example.com"
    now = dialer.platform.clock()
    dialer.agents.put_agent("acme", "ida", "sales", "softphone", sip=soft, now=now)
    dialer.available("ida")
    dialer.network.set_number("447700900307", {"behaviour": "answers", "talk_seconds": 60})
    dialer.network.set_number(soft, {"behaviour": "answers", "talk_seconds": 10})
    dialer.trigger([{"client-identifier": "jo", "contact-numbers": ["447700900307"]}])
    dialer.run()
    [customer] = dialer.calls_to("447700900307")
    facts = spoken(customer.transcript.said())
    assert (facts["agent"], facts["login"], facts["dnis"]) == ("ida", "softphone", soft)
    assert facts["dnis number"] == "" and facts["connect"] == "true"
    assert facts["recording"].startswith(container.settings.public_base_url)
    assert "/v1/calls/" in facts["recording"] and "/recordings/" in facts["recording"]
    assert facts["dialer recording"] == facts["recording"]
    [record] = container.call_records.list_by_account("acme", None, None, 5)
    stored = container.s3.list_objects_v2(
        Bucket=container.settings.recordings_bucket, Prefix=f"recordings/acme/{record.call_id}/"
    )
    ref = facts["recording"].rsplit("/", 1)[1]
    assert [o["Key"].rpartition("/")[2] for o in stored.get("Contents", [])] == [f"{ref}-agent.mp3"]


def test_a_flow_without_an_agent_node_is_refused_by_the_dialer_trigger(
    dialer: DialerWorld,
) -> None:
    dialer.platform.container.admin.attach_number("acme", DID, "survey")
    dialer.service.activate("acme", "survey")
    security_id = dialer.service.rotate_security_id("acme", "survey")
    body = {
        "api-version": "1.0",
        "security-id": security_id,
        "flow-id": "survey",
        "calls": [{"client-identifier": "x", "contact-numbers": ["447700900399"]}],
    }
    refused = dialer.platform.client.http.post(
        "/outbounddialer/create",
        headers={"Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    assert refused.status_code == 409, refused.body
    assert "no agent node" in json.loads(refused.body)["detail"]
    assert dialer.network.calls() == []


@pytest.mark.parametrize("mode", ["progressive", "power"])
def test_a_campaign_runs_to_completion_never_giving_an_agent_two_calls(
    dialer: DialerWorld, mode: str
) -> None:
    container = dialer.platform.container
    flow = json.loads(json.dumps(SALES))
    flow["nodes"]["agent"]["mode"] = mode
    container.admin.load_flow("acme", json.dumps(flow))
    dialer.service.activate("acme", "sales")
    dialer.service.configure("acme", "sales", {"machine": "continue"})
    net = dialer.network
    # GIVEN ten customers: people, one busy, one machine, one the flow reschedules, one it
    # reschedules for their agent; two agents, one of whom rings busy
    customers = [f"4477009004{n:02d}" for n in range(10)]
    behaviours = {3: "busy", 5: "answering_machine"}
    for n, number in enumerate(customers):
        net.set_number(number, {"behaviour": behaviours.get(n, "answers"), "talk_seconds": 30})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 15})
    net.set_number(AGENTS["bo"], {"behaviour": "busy"})
    dialer.available("bo")
    dialer.platform.clock.advance(1)
    dialer.available("ada")
    offers = {7: "later", 8: "again"}
    dialer.trigger(
        [
            {
                "client-identifier": f"c{n}",
                "contact-numbers": [number],
                "keys": [{"name": "$flow.key.offer", "value": offers.get(n, "none")}],
            }
            for n, number in enumerate(customers)
        ]
    )
    dialer.run()
    # THEN every customer concluded: 7 people completed (2 of them called twice), the busy
    # one and the machine as such
    progress = dialer.service.campaign("acme", "api-sales").progress()
    assert (progress["completed"], progress["busy"], progress["machine"]) == (8, 1, 1)
    assert len(dialer.calls_to(customers[7])) == len(dialer.calls_to(customers[8])) == 2
    # bo's phone was busy: missed, paused, never rung again; ada took every customer
    assert len(dialer.calls_to(AGENTS["bo"])) == 1 and dialer.state("bo") == "paused"
    for handle in (dialer.calls_to(c)[-1] for n, c in enumerate(customers) if n not in (3, 5)):
        assert spoken(handle.transcript.said()).get("agent") in ("ada", None)
    # AND no agent ever had two calls at once: its events alternate on_call / wrap_up
    states = [e.to_state.value for e in reversed(dialer.agents.events("acme", "ada"))]
    calls = [s for s in states if s in ("on_call", "wrap_up")]
    assert calls == ["on_call", "wrap_up"] * (len(calls) // 2) and len(calls) >= 18
    stats = dialer.stats()
    assert stats.answered >= 10  # 8 people's calls, the rescheduled twice; abandons again
    if mode == "progressive":  # one customer per free agent: only the one whose agent's
        assert stats.abandoned <= 1  # phone was busy can wait past the limit (ada talking)


def test_an_uploaded_call_list_runs_as_a_dialer_campaign(dialer: DialerWorld) -> None:
    net = dialer.network
    for number in ("447700900311", "447700900312"):
        net.set_number(number, {"behaviour": "answers", "talk_seconds": 30})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 10})
    dialer.available("ada")
    listed = b"tel1;$flow.key.name\r\n447700900311;Kim\r\n447700900312;Lou\r\n"
    platform = dialer.platform
    made = platform.api("POST", "/v1/outbound/flows/sales/uploads", {"filename": "calls.csv"})
    assert made.status_code == 201, made.body
    upload_id = json.loads(made.body)["upload_id"]
    part = platform.client.http.put(
        f"/v1/outbound/uploads/{upload_id}/parts/0",
        headers={
            "Authorization": f"Bearer {platform.api_key}",
            "Content-Type": "application/octet-stream",
        },
        body=listed,
    )
    assert part.status_code == 200, part.body
    assert platform.api("POST", f"/v1/outbound/uploads/{upload_id}/load").status_code == 202
    dialer.run()
    # THEN both talked to ada, one after the other
    for number, name in (("447700900311", "Kim"), ("447700900312", "Lou")):
        [call] = dialer.calls_to(number)
        said = call.transcript.said()
        assert said[0] == f"Hello {name}." and spoken(said)["agent"] == "ada"
    states = [e.to_state.value for e in reversed(dialer.agents.events("acme", "ada"))]
    assert [s for s in states if s in ("on_call", "wrap_up")] == ["on_call", "wrap_up"] * 2
    [measured] = dialer.platform.container.services("dialer").calls.stats.list("acme")
    assert (measured.answered, measured.abandoned) == (2, 0)  # the second waited for ada


def test_nobody_is_called_without_a_free_agent_and_an_agent_freed_wakes_the_campaign(
    dialer: DialerWorld,
) -> None:
    net = dialer.network
    net.set_number("447700900313", {"behaviour": "answers", "talk_seconds": 30})
    net.set_number(AGENTS["bo"], {"behaviour": "answers", "talk_seconds": 10})
    dialer.trigger([{"client-identifier": "max", "contact-numbers": ["447700900313"]}])
    dialer.run_for(10)
    assert dialer.calls_to("447700900313") == []  # no agent logged in: nobody is called
    # WHEN bo becomes available
    woken = dialer.platform.clock()
    dialer.available("bo")
    dialer.run_until(lambda: bool(dialer.calls_to("447700900313")))
    # THEN the campaign is woken at once, not at its next look (30 s later)
    assert (dialer.platform.clock() - woken).total_seconds() < 5
    dialer.run()
    assert spoken(dialer.calls_to("447700900313")[0].transcript.said())["agent"] == "bo"


def test_an_agent_leg_the_carrier_throttles_is_placed_again_and_nobody_is_paused(
    dialer: DialerWorld,
) -> None:
    net = dialer.network
    net.set_number("447700900308", {"behaviour": "answers", "talk_seconds": 60})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 10})
    dialer.available("ada")
    dialer.trigger([{"client-identifier": "kim", "contact-numbers": ["447700900308"]}])
    # GIVEN kim answered and ada was given to her: ada's leg waits on the queue
    dialer.run_until(lambda: dialer.state("ada") == "on_call")
    # AND the carrier's second is full (3 calls created: the campaign's other dials)
    for _ in range(3):
        assert net.throttle.allow_call(net.app.application_id)
    # WHEN the queue is delivered and the calls go on
    dialer.run()
    # THEN ada's phone rang (her leg placed again once the carrier let it) and kim talked to her
    [customer] = dialer.calls_to("447700900308")
    assert "All our agents are busy. Please hold." not in customer.transcript.said()
    assert len(dialer.calls_to(AGENTS["ada"])) == 1
    assert dialer.customer("kim").status.value == "completed"
    # AND ada, whose phone never rang unanswered, was never paused for a missed call
    assert [e for e in dialer.agents.events("acme", "ada") if e.to_state.value == "paused"] == []
    assert dialer.stats().abandoned == 0


def test_an_agent_claimed_by_a_step_that_timed_out_is_not_left_on_call(
    dialer: DialerWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = dialer.network
    net.set_number("447700900309", {"behaviour": "answers", "talk_seconds": 60})
    net.set_number(AGENTS["ada"], {"behaviour": "answers", "talk_seconds": 10})
    agents = dialer.platform.container.services("dialer").calls.agents
    claim = agents.claim
    lost: list[Any] = []

    def claimed_then_timed_out(*args: Any, **kwargs: Any) -> Any:
        given = claim(*args, **kwargs)
        if not lost:  # the write went through; its answer came too late for the webhook
            lost.append(given)
            raise DeadlineExceededError("0.050 s left: too little for a request")
        return given

    monkeypatch.setattr(agents, "claim", claimed_then_timed_out)
    dialer.available("ada")
    dialer.trigger([{"client-identifier": "lee", "contact-numbers": ["447700900309"]}])
    dialer.run()
    assert lost and lost[0].agent_id == "ada"
    # THEN the customer's call is over and ada is free again, not on a call nobody has
    assert dialer.customer("lee").status.value != "dialling"
    assert dialer.state("ada") == "available"
    assert dialer.platform.container.services("dialer").calls.live.list("acme") == []
