"""``make bench``'s DynamoDB requests per placed campaign call, end to end: the seed's REST
trigger (``POST /outbound/create``) loads ``BENCH_CAMPAIGN_CONTACTS`` contacts (100) of the
appointment-reminder flow, and the campaign runs to its end on the simulated network (busy
numbers go to their alternate, unanswered ones are retried, machines are detected and hung up
on, declines are final), each webhook and each task a metered Lambda invocation
(``bench.cost``'s platform: the app behind chalice's test client, moto in-process, the real
Vonage SDK against the simulator, virtual time).

Task messages ride an in-process queue that keeps their delay on the virtual clock (each run as
its own invocation of the task handler, so its requests are known by kind of task); the pacer
sleeps on the virtual clock too. Prints, per placed call, the DynamoDB requests and units with
what each kind of invocation made, the task messages sent, and the contacts' outcomes. Asserts
nothing; ``measure`` returns the figures (``tests/integration/test_bench_campaign_cost.py``).

Imports the standard library and ``bench`` at module level; the app, chalicelib, moto and the
simulator only inside ``measure``. Must not import tests.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bench.cost import ROOT, AwsMeter, Scenario, Usage, _as_deployed, _Platform, _Sink

CONTACTS = int(os.environ.get("BENCH_CAMPAIGN_CONTACTS", "100"))
DID = "447700900170"
ACCOUNT = "bench"
FLOW = "appointment-reminder"
FIRST_NUMBER = 447700900400
MIX = "AAAAAABNMD"
"""Contact ``i`` is ``MIX[i % 10]``: A answers and confirms, B's first number is busy and its
alternate answers, N never answers (retried once), M is an answering machine, D declines."""
BEHAVIOURS: Mapping[str, Mapping[str, Any]] = {
    "answers": {"behaviour": "answers", "script": [{"press": "1"}], "talk_seconds": 5},
    "busy": {"behaviour": "busy"},
    "no_answer": {"behaviour": "no_answer", "ring_seconds": 20},
    "machine": {"behaviour": "answering_machine"},
    "declines": {"behaviour": "rejected", "detail": "declined"},
}
SETTLE_STEPS = 200_000


@dataclass
class CampaignCostReport:
    """What one simulated campaign used."""

    contacts: int
    placed: int
    outcomes: Counter[str]
    invocations: list[tuple[str, Usage]]
    tasks_sent: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    virtual_seconds: float = 0.0
    unattributed: Usage = field(default_factory=Usage)

    def dynamodb(self) -> Counter[str]:
        """Every DynamoDB request made, by operation."""
        total: Counter[str] = Counter()
        for _, usage in self.invocations:
            total.update(usage.of("dynamodb"))
        return total

    def by_kind(self) -> dict[str, tuple[int, Counter[str], float, float]]:
        """Per kind of invocation: how many, their DynamoDB requests, read and write units."""
        kinds: dict[str, tuple[int, Counter[str], float, float]] = {}
        for kind, usage in self.invocations:
            n, requests, reads, writes = kinds.get(kind, (0, Counter(), 0.0, 0.0))
            requests.update(usage.of("dynamodb"))
            kinds[kind] = (n + 1, requests, reads + usage.read_units, writes + usage.write_units)
        return kinds

    @property
    def requests_per_call(self) -> float:
        return sum(self.dynamodb().values()) / max(1, self.placed)


class _VirtualQueue:
    """The task queue on the virtual clock: a message sent with a delay is delivered when the
    clock reaches it, in the order sent."""

    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, str]] = []
        self._order = itertools.count()

    def send(self, body: str, delay_seconds: int = 0) -> None:
        at = self.clock.seconds + max(0, delay_seconds)
        heapq.heappush(self._heap, (at, next(self._order), body))

    def due(self) -> list[str]:
        ready: list[str] = []
        while self._heap and self._heap[0][0] <= self.clock.seconds:
            ready.append(heapq.heappop(self._heap)[2])
        return ready

    def next_at(self) -> float | None:
        return self._heap[0][0] if self._heap else None


def _numbers(contacts: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The REST body's calls and each number's behaviour."""
    calls: list[dict[str, Any]] = []
    behaviours: dict[str, str] = {}
    numbers = (str(n) for n in itertools.count(FIRST_NUMBER))
    for index in range(contacts):
        kind = MIX[index % len(MIX)]
        first = next(numbers)
        contact_numbers = [first]
        behaviours[first] = {
            "A": "answers",
            "B": "busy",
            "N": "no_answer",
            "M": "machine",
            "D": "declines",
        }[kind]
        if kind == "B":
            alternate = next(numbers)
            contact_numbers.append(alternate)
            behaviours[alternate] = "answers"
        calls.append(
            {
                "client-identifier": f"bench-{index}",
                "start-time": "",
                "contact-numbers": [f"+{n}" for n in contact_numbers],
                "keys": [{"name": "$flow.key.name", "value": f"Customer {index}"}],
            }
        )
    return calls, behaviours


def measure(contacts: int = CONTACTS) -> CampaignCostReport:
    """Run one campaign of ``contacts`` contacts to its end and count what it used."""
    if not 1 <= contacts <= 600:
        raise ValueError("measure 1 to 600 contacts (the numbers come from one block of 1,000)")
    import app  # noqa: F401 - imported before stdout is counted, so its logger keeps the console
    from chalicelib.calls.tasks import decode_task
    from chalicelib.campaigns.pacing import Pacer
    from chalicelib.ops import schedules
    from chalicelib.store.campaign_pacing import CampaignPacingRepository

    scenario = Scenario("campaign", ROOT / "flows" / f"{FLOW}.json", DID, (), account=ACCOUNT)
    meter, sink = AwsMeter(), _Sink()
    calls, behaviours = _numbers(contacts)
    saved_delay = schedules.MAX_DELAY_SECONDS
    schedules.MAX_DELAY_SECONDS = 10**9  # every timer rides the virtual queue here
    try:
        with _as_deployed(sink), _Platform(scenario, meter, sink) as platform:
            network, container = platform.network, platform.container
            clock = network.clock
            queue = _VirtualQueue(clock)
            report = CampaignCostReport(contacts, 0, Counter(), [])

            def send(body: str, delay_seconds: int = 0) -> None:
                report.tasks_sent[type(decode_task(body)[1]).__name__] += 1
                queue.send(body, delay_seconds)

            container.enqueue_task = send  # type: ignore[method-assign]
            service = container.services("campaigns").campaigns
            pacer = Pacer(CampaignPacingRepository(), container.clock, clock.advance)
            service.pace = lambda: pacer
            _, secret = service.activate(ACCOUNT, FLOW)
            service.configure_account(ACCOUNT, {"ip_whitelist": ("127.0.0.1/32",)})
            service.configure(
                ACCOUNT, FLOW, {"retry_delay": 120, "max_retries": 1, "machine": "hangup"}
            )
            for number, kind in behaviours.items():
                network.set_number(number, BEHAVIOURS[kind])
            meter.unattributed = Usage()
            platform.recording = True
            started, virtual_start = time.perf_counter(), clock.seconds
            body = {
                "api-version": "1.0",
                "security-id": secret,
                "flow-id": FLOW,
                "calls": calls,
            }
            answer = _record(
                platform,
                report,
                "trigger",
                lambda: platform.client.http.post(
                    "/outbound/create",
                    headers={"Content-Type": "application/json"},
                    body=json.dumps(body).encode(),
                ),
            )
            if answer.status_code != 200:
                raise RuntimeError(f"the trigger was refused: {answer.body!r}")
            _settle(platform, report, queue, decode_task)
            report.seconds = time.perf_counter() - started
            report.virtual_seconds = clock.seconds - virtual_start
            platform.recording = False
            report.unattributed = meter.unattributed
            report.placed = len(network.calls())
            with meter.span():  # the bench's own reading, not the campaign's
                for contact in service.contacts.every(f"api-{FLOW}"):
                    report.outcomes[contact.status.value] += 1
            return report
    finally:
        schedules.MAX_DELAY_SECONDS = saved_delay


def _record(platform: Any, report: CampaignCostReport, kind: str, call: Any) -> Any:
    """Run ``call`` as one Lambda invocation of ``kind``, keeping what it used."""
    with platform.meter.span() as usage:
        result = call()
    report.invocations.append((kind, usage))
    return result


def _settle(platform: Any, report: CampaignCostReport, queue: _VirtualQueue, decode: Any) -> None:
    """Deliver tasks and carry calls on until nothing is left; webhooks are invocations (the
    platform's own transport records them), each task message one invocation of the tasks
    handler (an SQS event of one record)."""
    from chalice.app import SQSEventConfig

    network, app, client = platform.network, platform.app, platform.client
    [source] = [
        s for s in app.event_sources if isinstance(s, SQSEventConfig) and s.name == "run_tasks"
    ]
    webhooks_seen = 0
    for _ in range(SETTLE_STEPS):
        ready = queue.due()
        for body in ready:
            event = client.events.generate_sqs_event(
                message_bodies=[body], queue_name=platform.container.settings.task_queue
            )
            kind = type(decode(body)[1]).__name__
            result = _record(
                platform, report, kind, lambda e=event: client.lambda_.invoke(source.name, e)
            )
            if (result.payload or {}).get("batchItemFailures"):
                raise RuntimeError(f"a {kind} task failed")
        network.run_until_idle()
        # the platform's transport appended each webhook as an invocation: move them here
        for invocation in platform.invocations[webhooks_seen:]:
            report.invocations.append((invocation.kind, invocation.usage))
        webhooks_seen = len(platform.invocations)
        if ready:
            continue
        following = queue.next_at()
        if following is None:
            return
        network.clock.advance_to(following)
    raise RuntimeError("the campaign did not settle")


def print_report(report: CampaignCostReport) -> None:
    placed = max(1, report.placed)
    total = report.dynamodb()
    units_read = sum(u.read_units for _, u in report.invocations)
    units_written = sum(u.write_units for _, u in report.invocations)
    print(
        f"campaign: DynamoDB requests per placed call, end to end ({report.contacts} contacts of"
        f" the REST trigger, {report.placed} calls placed, mix {MIX!r})"
    )
    print(
        f"  {report.requests_per_call:.1f} requests per placed call"
        f" ({sum(total.values()):,} in all: "
        + ", ".join(f"{op} {n:,}" for op, n in total.most_common())
        + f"); {units_read / placed:.2f} RRU, {units_written / placed:.2f} WRU per placed call"
    )
    print(f"  {'invocation':<20}{'count':>7}{'requests each':>15}   by operation (per invocation)")
    for kind, (n, requests, _reads, _writes) in sorted(
        report.by_kind().items(), key=lambda item: -sum(item[1][1].values())
    ):
        each = ", ".join(f"{op} {v / n:.2f}" for op, v in requests.most_common())
        print(f"  {kind:<20}{n:>7,}{sum(requests.values()) / n:>15.2f}   {each}")
    sent = sum(report.tasks_sent.values())
    print(
        f"  task messages per placed call {sent / placed:.2f} ("
        + ", ".join(f"{k} {v}" for k, v in report.tasks_sent.most_common())
        + ")"
    )
    print(
        "  outcomes: "
        + ", ".join(f"{k} {v}" for k, v in report.outcomes.most_common())
        + f";  {report.virtual_seconds:.0f} virtual s, {report.seconds:.1f} s to run"
    )
    if report.unattributed.requests:
        print(f"  WARNING: requests outside any invocation {dict(report.unattributed.requests)}")


def run() -> None:
    print_report(measure(CONTACTS))


if __name__ == "__main__":
    run()
