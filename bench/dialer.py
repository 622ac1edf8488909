"""``make bench``'s dialer figures through the real stack: a dialer campaign of
``BENCH_DIALER_CUSTOMERS`` customers (300) and ``BENCH_DIALER_AGENTS`` agents (10), triggered by
the seed's ``POST /outbounddialer/create``, run to its end in each mode (progressive, power) on
``bench.cost``'s platform (the app behind chalice's test client, moto in-process, the real
Vonage SDK against the simulated network, virtual time). The task queue rides an in-process
queue on the virtual clock (``bench.campaign_cost``'s), each message one invocation of the task
handler, delivered every ``STEP`` virtual seconds while calls go on (an agent's leg rings while
its customer waits; a timer fires on time); the pacer sleeps on the virtual clock, and so do the
carrier client's rate limit and back-off (one client for the whole run, as one warm process has:
the agent legs share the carrier's 3 new calls a second with the customers' dials). A task that
fails is delivered again after the queue's visibility timeout, as SQS does, and counted.

The customers (seeded): 70 % answer as people and stay on the line 30 to 90 s from their answer,
5 % are answering machines (the flow hangs up on them), 15 % are busy, 10 % never answer; one
retry round a minute later. Agents answer their phone after 2 to 4 s (each their own) and stay
as long as their customer does; wrap-up 10 s; a customer nobody takes within the hold limit
(15 s) hears the flow's apology, counts as abandoned and is called again.

Printed per mode: calls placed, live answers, the campaign's abandonment rate
(``DialerCalls.stats``), the agents' occupancy (on a call or wrapping up over logged in, from
their events), the wait for an agent p50/p99 (the stats' waits), the run's virtual duration and
the most calls any agent had at once (from the agent legs on the network: ringing or talking),
each beside the model simulation's figure (``dialer.simulation.simulate``) for the same
parameters, as a ratio. Asserts nothing: ``measure`` returns the figures
(``tests/integration/test_bench_dialer.py``). Imports the standard library and ``bench`` at
module level; the app, chalicelib, moto and the simulator only inside ``measure``. Must not
import tests.

At full size each mode takes about 5 minutes on a 2-core machine (260 to 345 s measured, the
machine shared), both about 10: ``BENCH_DIALER_CUSTOMERS`` makes it shorter. Most of it is
moto's DynamoDB answering the campaign's dispatch, asked again every few seconds while every
agent is busy.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bench.campaign_cost import _VirtualQueue
from bench.cost import ROOT, Scenario, _as_deployed, _Platform, _Sink
from bench.metering import AwsMeter

CUSTOMERS = int(os.environ.get("BENCH_DIALER_CUSTOMERS", "300"))
AGENTS = int(os.environ.get("BENCH_DIALER_AGENTS", "10"))
MODES = ("progressive", "power")
SEED = 40
ACCOUNT = "bench"
DID = "447700900170"
FLOW_ID = "sales"
GROUP = "sales"
CAMPAIGN = f"api-{FLOW_ID}"
LIVE_SHARE = 0.70
MACHINE_SHARE = 0.05
BUSY_SHARE = 0.15
"""The rest of the customers never answer."""
TALK_SECONDS = (30.0, 90.0)
"""How long a live customer stays on the line from their answer (uniform, seeded)."""
CUSTOMER_ANSWERS_AFTER = (2.0, 8.0)
AGENT_ANSWERS_AFTER = (2.0, 4.0)
NO_ANSWER_RING = 25.0
"""Seconds an unanswered customer's phone rings before the carrier gives up."""
WRAP_UP_SECONDS = 10
HOLD_LIMIT = 15
RING_TIMEOUT = 15
RETRY_DELAY = 60
MAX_RETRIES = 1
TRIGGER_CALLS = 50
"""Customers per POST of the trigger: the REST deadline (5 s) is wall-clock, and 300 customers
loaded in one request take longer than that on moto in-process."""
VISIBILITY_TIMEOUT = 120
"""Seconds before SQS delivers a failed task again: the queue's, as deployed (6 x the
Lambda timeout of 20 s)."""
MAX_TASK_FAILURES = 1000
STEP = 0.5
"""Virtual seconds between two deliveries of the task queue while calls go on."""
MAX_STEPS = 400_000
FIRST_CUSTOMER = 447700700000
FIRST_AGENT = 447700600000


def flow(mode: str) -> dict[str, Any]:
    """The campaign's flow: machines hear a message and are hung up on, people are greeted and
    given an agent; nobody free within the hold limit, an apology."""
    return {
        "id": FLOW_ID,
        "name": "Outbound dialer bench",
        "kind": "outbound",
        "language": "en-GB",
        "start": "human",
        "variables": {"name": "there"},
        "nodes": {
            "human": {
                "widget": "condition",
                "rules": [{"left": "$call.amd", "op": "eq", "right": "machine"}],
                "next": {"true": "voicemail", "false": "greet"},
            },
            "voicemail": {"widget": "hangup", "text": "Sorry we missed you."},
            "greet": {"widget": "say", "text": "Hello $flow.key.name.", "next": "agent"},
            "agent": {
                "widget": "agent",
                "group": GROUP,
                "hold_message": "All our agents are busy. Please hold.",
                "hold_limit": HOLD_LIMIT,
                "mode": mode,
                "next": {"next": "bye", "no_agent": "sorry"},
            },
            "sorry": {"widget": "hangup", "text": "Sorry, nobody could take your call."},
            "bye": {"widget": "hangup", "text": "Goodbye."},
        },
    }


def customers(count: int, seed: int = SEED) -> list[tuple[str, str, dict[str, Any]]]:
    """Each customer's number, kind (``live``, ``machine``, ``busy``, ``no_answer``) and
    behaviour on the simulated network; the shares exact (rounded), their order seeded."""
    rng = random.Random(seed)
    live, machines, busy = (round(count * s) for s in (LIVE_SHARE, MACHINE_SHARE, BUSY_SHARE))
    kinds = ["live"] * live + ["machine"] * machines + ["busy"] * busy
    kinds += ["no_answer"] * (count - len(kinds))
    rng.shuffle(kinds)
    made = []
    for index, kind in enumerate(kinds):
        behaviour: dict[str, Any]
        if kind == "live":
            behaviour = {
                "behaviour": "answers",
                "answers_after": round(rng.uniform(*CUSTOMER_ANSWERS_AFTER), 2),
                "talk_seconds": round(rng.uniform(*TALK_SECONDS), 1),
            }
        elif kind == "machine":
            behaviour = {"behaviour": "answering_machine"}
        elif kind == "busy":
            behaviour = {"behaviour": "busy"}
        else:
            behaviour = {"behaviour": "no_answer", "ring_seconds": NO_ANSWER_RING}
        made.append((str(FIRST_CUSTOMER + index), kind, behaviour))
    return made


def agents(count: int, seed: int = SEED) -> dict[str, dict[str, Any]]:
    """Each agent's number and behaviour: answers after 2 to 4 s (seeded), stays on the line
    as long as the customer does."""
    rng = random.Random(seed + 1)
    return {
        f"agent-{n:02d}": {
            "number": str(FIRST_AGENT + n),
            "behaviour": {
                "behaviour": "answers",
                "answers_after": round(rng.uniform(*AGENT_ANSWERS_AFTER), 2),
                "talk_seconds": None,
            },
        }
        for n in range(count)
    }


@dataclass
class DialerFigures:
    """What one campaign did on the platform (``model``: the simulation's figures for the same
    parameters, a ``dialer.simulation.SimResult``)."""

    mode: str
    customers: int
    agents: int
    placed: int = 0
    """Calls placed to customers (retries and reschedules included)."""
    agent_legs: int = 0
    live_answers: int = 0
    """The campaign's measure: live answers recorded (a customer called again counts again)."""
    connected: int = 0
    abandoned: int = 0
    occupancy: float = 0.0
    waits: tuple[float, ...] = ()
    """Seconds from a connected customer reaching the agent node to the agent's answer."""
    duration: float = 0.0
    """Virtual seconds from the trigger to the last leg's end or agent's change."""
    most_calls_per_agent: int = 0
    """The most agent legs (ringing or talking) any agent had at once on the network."""
    events_alternate: bool = True
    """No agent's events show a call given while on a call or in wrap-up."""
    outcomes: Counter[str] = field(default_factory=Counter)
    """The contacts' statuses at the end."""
    agents_not_available: dict[str, str] = field(default_factory=dict)
    """Agents left in another state than available at the end (should be none)."""
    live_calls_left: int = 0
    """Calls the live picture still shows at the end (should be none)."""
    task_failures: Counter[str] = field(default_factory=Counter)
    """Task messages whose run failed (delivered again later), by kind."""
    webhook_failures: int = 0
    """Voice webhooks that failed and were answered with the fallback."""
    failure_logs: list[str] = field(default_factory=list)
    """The first failures' log lines (why they failed)."""
    seconds: float = 0.0
    """Wall-clock seconds the run took."""
    model: Any = None

    @property
    def abandon_rate(self) -> float:
        return self.abandoned / self.live_answers if self.live_answers else 0.0

    @property
    def unconcluded(self) -> int:
        from chalicelib.store.campaign_records import ContactStatus

        return sum(n for status, n in self.outcomes.items() if not ContactStatus(status).is_final)

    def wait(self, share: float) -> float:
        from chalicelib.dialer.measures import percentile

        return percentile(self.waits, share)


def measure(
    mode: str, customer_count: int = CUSTOMERS, agent_count: int = AGENTS, seed: int = SEED
) -> DialerFigures:
    """Run one dialer campaign of ``customer_count`` customers and ``agent_count`` agents in
    ``mode`` to its end on the platform, and the model simulation beside it."""
    if mode not in MODES:
        raise ValueError(f"mode is one of {MODES}")
    if not 1 <= customer_count <= 10_000 or not 1 <= agent_count <= 100:
        raise ValueError("measure 1 to 10,000 customers and 1 to 100 agents")
    import app  # noqa: F401 - imported before stdout is counted, so its logger keeps the console
    from chalicelib.calls.tasks import decode_task
    from chalicelib.campaigns.pacing import Pacer
    from chalicelib.ops import schedules
    from chalicelib.store.campaign_pacing import CampaignPacingRepository
    from chalicelib.telephony.vonage.client import VonageClient, VonageConfig

    # the platform wants a flow on a number of its own: the dialer's flow takes the number over
    scenario = Scenario("dialer", ROOT / "flows" / "appointment-reminder.json", DID, ())
    meter, sink = AwsMeter(), _KeptSink()
    people = customers(customer_count, seed)
    staff = agents(agent_count, seed)
    figures = DialerFigures(mode, customer_count, agent_count)
    saved_delay = schedules.MAX_DELAY_SECONDS
    schedules.MAX_DELAY_SECONDS = 10**9  # every timer rides the virtual queue here
    started = time.perf_counter()
    try:
        with _as_deployed(sink), _Platform(scenario, meter, sink) as platform:
            network, container = platform.network, platform.container
            clock = network.clock
            queue = _VirtualQueue(clock)
            container.enqueue_task = queue.send  # type: ignore[method-assign]
            container.__dict__.pop("timer", None)  # built again on the queue above
            campaigns = container.services("campaigns").campaigns
            pacer = Pacer(CampaignPacingRepository(), container.clock, clock.advance)
            campaigns.pace = lambda: pacer
            # the carrier's client backs off and keeps its rate on the virtual clock too
            container.__dict__["carrier"] = VonageClient(
                VonageConfig.from_settings(container.settings),
                sleep=clock.advance,
                monotonic=lambda: clock.seconds,
            )
            network.add_account_numbers(DID)
            admin = container.admin
            admin.load_flow(ACCOUNT, json.dumps(flow(mode)))
            admin.attach_number(ACCOUNT, DID, FLOW_ID)
            _, security_id = campaigns.activate(ACCOUNT, FLOW_ID)
            campaigns.configure_account(ACCOUNT, {"ip_whitelist": ("127.0.0.1/32",)})
            campaigns.configure(
                ACCOUNT,
                FLOW_ID,
                {"retry_delay": RETRY_DELAY, "max_retries": MAX_RETRIES, "machine": "continue"},
            )
            dialer = container.services("dialer")
            now = container.clock()
            dialer.agents.put_group(
                ACCOUNT, GROUP, wrap_up_seconds=WRAP_UP_SECONDS, ring_timeout=RING_TIMEOUT, now=now
            )
            for agent_id, agent in staff.items():
                dialer.agents.put_agent(
                    ACCOUNT, agent_id, GROUP, "mobile phone", number=agent["number"], now=now
                )
                network.set_number(agent["number"], agent["behaviour"])
                dialer.agents.set_state(ACCOUNT, agent_id, "available", now)
            for number, _, behaviour in people:
                network.set_number(number, behaviour)
            start = clock.seconds
            numbers = [number for number, _, _ in people]
            for first in range(0, len(numbers), TRIGGER_CALLS):
                _trigger(platform.client, security_id, numbers, first)
            _run_live(platform, queue, decode_task, figures)
            figures.failure_logs = sink.failures
            figures.webhook_failures = sink.webhook_failures
            _read(figures, container, network, staff, {n for n, _, _ in people}, start)
    finally:
        schedules.MAX_DELAY_SECONDS = saved_delay
    figures.seconds = time.perf_counter() - started
    figures.model = model(mode, customer_count, agent_count, seed)
    return figures


def _trigger(client: Any, security_id: str, numbers: list[str], first: int) -> None:
    """One POST of the dialer trigger with ``TRIGGER_CALLS`` customers from ``first``."""
    calls = [
        {"client-identifier": f"c{index}", "contact-numbers": [number]}
        for index, number in enumerate(numbers[first : first + TRIGGER_CALLS], first)
    ]
    body = {"api-version": "1.0", "security-id": security_id, "flow-id": FLOW_ID, "calls": calls}
    answer = client.http.post(
        "/outbounddialer/create",
        headers={"Content-Type": "application/json"},
        body=json.dumps(body).encode(),
    )
    if answer.status_code != 200 or json.loads(answer.body)["accepted"] != len(calls):
        raise RuntimeError(f"the dialer trigger was refused: {answer.body!r}")


def _run_live(
    platform: Any, queue: _VirtualQueue, decode: Callable[[str], Any], figures: DialerFigures
) -> None:
    """Deliver the task queue every ``STEP`` virtual seconds while calls go on (each message
    one invocation of the task handler), until nothing is left; with no call in progress, the
    clock moves on to the next message due. A task that fails is delivered again after the
    queue's visibility timeout, as SQS does (counted in ``figures.task_failures``)."""
    from chalice.app import SQSEventConfig

    network, client = platform.network, platform.client
    [source] = [
        s
        for s in platform.app.event_sources
        if isinstance(s, SQSEventConfig) and s.name == "run_tasks"
    ]
    task_queue = platform.container.settings.task_queue
    for _ in range(MAX_STEPS):
        ready = queue.due()
        for body in ready:
            event = client.events.generate_sqs_event(message_bodies=[body], queue_name=task_queue)
            result = client.lambda_.invoke(source.name, event)
            if (result.payload or {}).get("batchItemFailures"):
                figures.task_failures[type(decode(body)[1]).__name__] += 1
                if sum(figures.task_failures.values()) > MAX_TASK_FAILURES:
                    raise RuntimeError(f"tasks keep failing: {dict(figures.task_failures)}")
                queue.send(body, VISIBILITY_TIMEOUT)
        network.run_for(STEP)
        if ready or network.scheduler.next_time() is not None:
            continue
        following = queue.next_at()
        if following is None:
            return
        network.clock.advance_to(following)
    raise RuntimeError("the dialer campaign did not settle")


class _KeptSink(_Sink):
    """``bench.cost``'s sink, keeping the log lines of the tasks and webhooks that failed (a
    webhook that fails is answered with the fallback)."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[str] = []
        self.webhook_failures = 0

    def write(self, text: str) -> int:
        if ("task failed" in text or "webhook failed" in text) and len(self.failures) < 20:
            self.failures.append(text)
        if "webhook failed" in text:
            self.webhook_failures += 1
        return super().write(text)


def _read(
    figures: DialerFigures,
    container: Any,
    network: Any,
    staff: Mapping[str, Mapping[str, Any]],
    numbers: set[str],
    start: float,
) -> None:
    """The figures, read from the campaign's stats and contacts, the agents' events and state,
    the live picture and the legs on the network."""
    dialer = container.services("dialer")
    campaigns = container.services("campaigns").campaigns
    legs = network.legs()
    agent_numbers = {agent["number"]: agent_id for agent_id, agent in staff.items()}
    figures.placed = sum(1 for leg in legs if leg.to in numbers)
    by_agent: dict[str, list[tuple[float, float]]] = {}
    last = start
    for leg in legs:
        last = max(last, leg.ended_at or leg.created_at)
        if leg.to in agent_numbers:
            ended = leg.ended_at if leg.ended_at is not None else float("inf")
            by_agent.setdefault(leg.to, []).append((leg.created_at, ended))
    figures.agent_legs = sum(len(v) for v in by_agent.values())
    figures.most_calls_per_agent = max((_most_at_once(v) for v in by_agent.values()), default=0)
    stats = dialer.calls.stats.get(CAMPAIGN)
    if stats is not None:
        figures.live_answers, figures.connected = stats.answered, stats.connected
        figures.abandoned, figures.waits = stats.abandoned, tuple(stats.waits)
    for contact in campaigns.contacts.every(CAMPAIGN):
        figures.outcomes[contact.status.value] += 1
    origin = network.clock.at(start)
    events = {
        agent_id: list(reversed(dialer.agents.agents.events(ACCOUNT, agent_id, 100_000)))
        for agent_id in staff
    }
    end = network.clock.at(last)
    for history in events.values():
        if history:
            end = max(end, history[-1].at)
    figures.duration = (end - origin).total_seconds()
    busy = logged_in = 0.0
    for agent_id, history in events.items():
        worked, present, alternate = _agent_time(history, end)
        busy, logged_in = busy + worked, logged_in + present
        figures.events_alternate = figures.events_alternate and alternate
        state = dialer.agents.agent(ACCOUNT, agent_id).state.value
        if state != "available":
            figures.agents_not_available[agent_id] = state
    figures.occupancy = busy / logged_in if logged_in else 0.0
    figures.live_calls_left = len(dialer.calls.live.list(ACCOUNT))


def _agent_time(history: list[Any], end: datetime) -> tuple[float, float, bool]:
    """From one agent's events, oldest first: seconds on a call or wrapping up, seconds logged
    in (from the first change to ``end``), and whether it was never given a call while on one
    or wrapping one up (no change to on_call from on_call or wrap_up)."""
    if not history:
        return 0.0, 0.0, True
    worked = 0.0
    alternate = not any(
        e.to_state.value == "on_call" and e.from_state.value in ("on_call", "wrap_up")
        for e in history
    )
    for event, following in zip(history, [*history[1:], None], strict=True):
        until = following.at if following is not None else end
        if event.to_state.value in ("on_call", "wrap_up"):
            worked += (until - event.at).total_seconds()
    return worked, (end - history[0].at).total_seconds(), alternate


def _most_at_once(intervals: Iterable[tuple[float, float]]) -> int:
    """The most half-open intervals ``[start, end)`` that overlap at any instant."""
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    most = now = 0
    for _, step in edges:  # an end sorts before a start at the same instant
        now += step
        most = max(most, now)
    return most


def model(mode: str, customer_count: int, agent_count: int, seed: int = SEED) -> Any:
    """The model simulation's figures for the same campaign (``SimResult``): a live answer
    with the same share, talks of 30 to 90 s from the agent's answer, the same wrap-up and
    hold limit, abandoned = not connected within the hold limit; nobody called twice."""
    from chalicelib.dialer import measures
    from chalicelib.dialer.simulation import simulate
    from chalicelib.store.dialer_records import DialerCampaignStats

    control = measures.control_of(DialerCampaignStats(ACCOUNT, CAMPAIGN, GROUP, mode))
    return simulate(
        customer_count,
        agent_count,
        answer_probability=LIVE_SHARE,
        talk_seconds=sum(TALK_SECONDS) / 2,
        wrap_up_seconds=WRAP_UP_SECONDS,
        hold_limit_seconds=HOLD_LIMIT,
        mode=mode,
        control=control if mode == "power" else None,
        connect_limit_seconds=HOLD_LIMIT,
        ring_seconds=CUSTOMER_ANSWERS_AFTER,
        no_answer_seconds=NO_ANSWER_RING,
        seed=seed,
    )


def _rows(figures: DialerFigures) -> list[tuple[str, float, float, str]]:
    """(figure, platform, model, format) for each printed line."""
    sim = figures.model
    return [
        ("calls placed to customers", figures.placed, sim.dialled, ",.0f"),
        ("live answers", figures.live_answers, sim.live_answered, ",.0f"),
        ("connected to an agent", figures.connected, sim.connected, ",.0f"),
        ("abandoned", figures.abandoned, sim.abandoned, ",.0f"),
        ("abandonment rate", figures.abandon_rate, sim.abandon_rate, ".2%"),
        ("agent occupancy", figures.occupancy, sim.occupancy, ".1%"),
        ("wait for an agent p50 (s)", figures.wait(0.5), sim.wait_p50, ".1f"),
        ("wait for an agent p99 (s)", figures.wait(0.99), sim.wait_p99, ".1f"),
        ("virtual duration (s)", figures.duration, sim.duration, ",.0f"),
        (
            "most calls an agent had at once",
            figures.most_calls_per_agent,
            sim.max_calls_per_agent,
            "d",
        ),
    ]


def print_figures(runs: Iterable[DialerFigures]) -> None:
    runs = list(runs)
    if not runs:
        return
    first = runs[0]
    print(
        f"dialer: a campaign of {first.customers} customers and {first.agents} agents through"
        " the platform (POST /outbounddialer/create, moto in-process, the Vonage SDK against the"
        " simulated network, virtual time), beside the model simulation (dialer.simulation)"
    )
    print(
        f"  customers: {LIVE_SHARE:.0%} people (on the line {TALK_SECONDS[0]:.0f}-"
        f"{TALK_SECONDS[1]:.0f} s from their answer), {MACHINE_SHARE:.0%} machines (hung up on),"
        f" {BUSY_SHARE:.0%} busy, the rest never answer; {MAX_RETRIES} retry round"
        f" {RETRY_DELAY} s on; agents answer after {AGENT_ANSWERS_AFTER[0]:.0f}-"
        f"{AGENT_ANSWERS_AFTER[1]:.0f} s, wrap-up {WRAP_UP_SECONDS} s, hold limit {HOLD_LIMIT} s"
    )
    header = f"  {'':<34}" + "".join(
        f"{f.mode + ': platform':>22}{'model':>11}{'ratio':>8}" for f in runs
    )
    print(header)
    table = [_rows(f) for f in runs]
    for index, (name, *_rest) in enumerate(table[0]):
        line = f"  {name:<34}"
        for rows in table:
            _, ours, theirs, spec = rows[index]
            ratio = f"{ours / theirs:.2f}" if theirs else "-"
            line += f"{format(ours, spec):>22}{format(theirs, spec):>11}{ratio:>8}"
        print(line)
    for f in runs:
        outcomes = ", ".join(f"{k} {v}" for k, v in f.outcomes.most_common())
        problems = []
        if f.unconcluded:
            problems.append(f"{f.unconcluded} customers not concluded")
        if f.agents_not_available:
            problems.append(f"agents left busy {f.agents_not_available}")
        if f.live_calls_left:
            problems.append(f"{f.live_calls_left} calls left in the live picture")
        if f.webhook_failures:
            problems.append(f"{f.webhook_failures} voice webhooks failed (the fallback answered)")
        if f.task_failures:
            problems.append(f"tasks failed and were delivered again {dict(f.task_failures)}")
        if not f.events_alternate:
            problems.append("an agent was given a call while on one (its events)")
        print(
            f"  {f.mode}: outcomes {outcomes}; {f.agent_legs} agent legs; took {f.seconds:.0f} s"
            + (f"; WARNING: {'; '.join(problems)}" if problems else "")
        )
    print(
        "  the platform calls busy and unanswered customers again and the abandoned ones too"
        " (the model calls nobody twice); its waits are the connected customers' (the model's"
        " include those let go at the limit); its talk starts at the customer's answer (the"
        " model's at the agent's)"
    )


def run() -> None:
    """``make bench``: both modes (``BENCH_DIALER_CUSTOMERS`` customers, ``BENCH_DIALER_AGENTS``
    agents)."""
    print_figures([measure(mode) for mode in MODES])


if __name__ == "__main__":
    run()
