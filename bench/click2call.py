"""``make bench``'s click-to-call figures: (1) the time from a visitor's banner POST (``POST
/c2c/{public_key}/requests``) to the carrier receiving the visitor's create-call request, p50 and
p99, on the local stack (the app behind chalice's test client, moto in server mode on loopback,
the carrier a recorder in this process, the task queue moto's SQS, its tasks, the campaigns'
dispatch and dial tasks, run by this process as the task Lambda would); (2) the DynamoDB
requests of a click-to-call end to end, by kind of invocation; and (3) what 1,000 completed
click-to-calls cost on AWS, priced with ``bench.cost``'s one price table.

(2) and (3) run ``BENCH_C2C_CALLS`` click-to-calls (50) of a campaign with a message and two
operators (the first answers) on the simulated network, on ``bench.cost``'s platform (moto
in-process, the real Vonage SDK against the simulator, virtual time), each webhook and each
task a metered Lambda invocation. Task messages ride an in-process queue on the virtual clock
(``bench.campaign_cost``'s), each still sent to moto's SQS so that its ``SendMessage`` is
counted in the invocation that sent it; a message held longer than SQS's 15 minutes is counted
as the one-time EventBridge schedule it would be. Most visitors answer, hear the message and
talk to the operator; every tenth never answers, is redialled once (X=1), fails, and its company
is reminded by e-mail an hour later.

Prints figures and ratios; asserts nothing: ``measure_latency`` and ``measure_cost`` return the
figures (``tests/integration/test_bench_click2call.py``). Imports the standard library and
``bench`` at module level; the app, chalicelib, moto and the simulator only inside the
measures. Must not import tests.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bench.campaign_cost import _VirtualQueue
from bench.cost import (
    PRICED_STAGE,
    PRICES,
    PRICES_READ,
    ROOT,
    CostReport,
    Scenario,
    _as_deployed,
    _chalice_config,
    _money,
    _Platform,
    _Sink,
)
from bench.metering import AwsMeter, Usage

if TYPE_CHECKING:
    from bench.callback import RecordingCarrier

REQUESTS = int(os.environ.get("BENCH_C2C_REQUESTS", "30"))
CALLS = int(os.environ.get("BENCH_C2C_CALLS", "50"))
ACCOUNT = "bench"
CALLER_ID = "447700900180"
OPERATORS = {"op-1": "447700900501", "op-2": "447700900502"}
SITE = "https://windows.example"
TARIFF = "bench-c2c"
DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.10,0,60,60\n447700,United Kingdom mobile,0.20,0,1,1\n"
)
CAMPAIGN: Mapping[str, Any] = {
    "campaign_id": "windows",
    "name": "Windows",
    "operators": list(OPERATORS),
    "caller_id": CALLER_ID,
    "message_text": "Thank you for asking Bench Windows. Connecting you now.",
    "redials": 1,
    "redial_pause": 60,
    "sites": [SITE],
    "daily_requests": 1_000_000,
}
SPACING = 0.4
"""Seconds between two measured banner POSTs at least, so that the dial tasks' pace (3 calls a
second, the carrier's) never holds one back: the figure is one visitor's, not a queue's."""
MIX = "CNCCCCCCCC"
"""Click-to-call ``i`` is ``MIX[i % 10]``: C, the visitor answers, hears the message and talks
to the first operator; N, the visitor never answers (called, redialled once, failed)."""
VISITOR: Mapping[str, Mapping[str, Any]] = {
    "C": {"behaviour": "answers", "talk_seconds": 40},
    "N": {"behaviour": "no_answer", "ring_seconds": 20},
}
OPERATOR = {"behaviour": "answers", "talk_seconds": 120}
PLACE_WITHIN = 10.0
"""Seconds a banner POST may take to reach the carrier before the bench gives up on it."""
SQS_MAX_DELAY = 900
SETTLE_STEPS = 200_000
LOCAL_ENV = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}
KINDS = {
    "banner": "banner POST",
    "DispatchCampaign": "dispatch task",
    "DialContact": "dial task",
    "answer": "answer webhook",
    "event": "event webhook (leg watcher)",
    "ContactAnswered": "contact answered task",
    "ContactCallEnded": "contact call ended task",
    "RequestCallEnded": "call ended task (watcher's)",
    "RequestConcluded": "concluded task (hook's)",
    "RemindCompany": "reminder task",
    "SendMail": "mail task",
}
"""How the kinds of invocation are printed (webhooks by path, tasks by effect)."""


def _visitor(index: int) -> str:
    return f"4477008{index:05d}"


def _client_ip(index: int) -> str:
    """A visitor's own address (RFC 2544's benchmarking block), so that no two share the
    banner's per-IP limit."""
    return f"198.18.{index // 250}.{index % 250 + 1}"


def _banner_post(client: Any, public_key: str, phone: str, client_ip: str) -> Any:
    """The banner's POST from a browser on the campaign's site, from ``client_ip`` as API
    Gateway would report it (chalice's test client reports 127.0.0.1 unless told)."""
    converter = client.http._local_gateway.event_converter
    converter.LOCAL_SOURCE_IP = client_ip
    try:
        return client.http.post(
            f"/c2c/{public_key}/requests",
            headers={"Content-Type": "application/json", "Origin": SITE},
            body=json.dumps({"phone": f"+{phone}", "agree": True}).encode(),
        )
    finally:
        del converter.LOCAL_SOURCE_IP


def _campaign(container: Any) -> Any:
    """The bench account allowed to run click-to-call, its operators, number and campaign."""
    container.services("billing").tariffs.load(TARIFF, DECK)
    container.admin.provision_number(ACCOUNT, CALLER_ID)
    c2c = container.services("click2call").click2call
    c2c.put_company(ACCOUNT, "Bench Windows", TARIFF, email="sales@windows.example")
    for operator_id, number in OPERATORS.items():
        c2c.put_operator(ACCOUNT, operator_id, operator_id.upper(), number=number)
    return c2c.create_campaign(ACCOUNT, dict(CAMPAIGN))


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


# -- (1) banner POST to the visitor's create-call ---------------------------------------------
@dataclass
class LatencyReport:
    """Banner POSTs timed to the visitor's create-call request, in milliseconds."""

    requests: int
    to_create_call: list[float] = field(default_factory=list)
    banner_answer: list[float] = field(default_factory=list)
    """The banner POST alone (until its 202)."""
    tasks: Counter[str] = field(default_factory=Counter)
    """The tasks run between the POSTs and the create-calls, by kind."""
    task_ms: dict[str, list[float]] = field(default_factory=dict)
    """Each of those tasks' run, by kind (the dial task's until its create-call)."""
    placed: int = 0


def measure_latency(requests: int = REQUESTS, in_process: bool = False) -> LatencyReport:
    """Time ``requests`` banner POSTs (one warm-up first) to the carrier's create-call, each from
    its own visitor number and client address. ``in_process``: moto's server in a thread of
    this process (tests) rather than a process of its own (the local run's)."""
    if not 1 <= requests <= 10_000:
        raise ValueError("measure 1 to 10,000 requests")
    with _environment(LOCAL_ENV):
        return _measure_latency(requests, in_process)


def _measure_latency(requests: int, in_process: bool) -> LatencyReport:
    from chalice.test import Client

    from app import app
    from bench.callback import RecordingCarrier
    from chalicelib.campaigns.service import pace_keys
    from chalicelib.click2call.model import flow_of
    from chalicelib.settings import Settings
    from chalicelib.store import binding
    from chalicelib.store.errors import StoreError
    from chalicelib.wiring import Container, override
    from infra.local.moto import moto_server
    from infra.local.stack import provision

    try:
        before: Settings | None = binding.bound_settings()
    except StoreError:
        before = None
    report = LatencyReport(requests)
    try:
        with moto_server(in_process=in_process) as moto_url:
            settings = Settings(
                stage="local",
                aws_endpoint_url=moto_url,
                table_prefix="ringflow-c2cbench-",
                recordings_bucket="ringflow-c2cbench-recordings",
                uploads_bucket="ringflow-c2cbench-uploads",
                task_queue="ringflow-c2cbench-tasks",
                public_base_url="https://hooks.example.com",
            )
            container = Container(settings)
            override(container)
            provision(settings)
            carrier = RecordingCarrier()
            container.__dict__["carrier"] = carrier
            container.admin.create_account(ACCOUNT, "Bench", "en-GB")
            campaign = _campaign(container)
            campaigns = container.services("campaigns").campaigns
            keys = pace_keys(flow_of(campaign.company_id, campaign.campaign_id), ACCOUNT)
            with Client(app) as client:
                last = 0.0
                for index in range(requests + 1):  # the first warms the process up
                    time.sleep(max(0.0, last + SPACING - time.perf_counter()))
                    last = time.perf_counter()
                    placed = len(carrier.placed)
                    tasks: Counter[str] = Counter()
                    took: dict[str, list[float]] = {}
                    start = time.perf_counter()
                    answer = _banner_post(
                        client, campaign.public_key, _visitor(index), _client_ip(index)
                    )
                    answered = time.perf_counter()
                    if answer.status_code != 202:
                        raise RuntimeError(f"the banner POST was refused: {answer.body!r}")
                    deadline = start + PLACE_WITHIN
                    while len(carrier.placed) == placed:
                        if _drain(container, tasks, took, carrier):
                            continue
                        if time.perf_counter() > deadline:  # a task held back on the queue
                            raise RuntimeError("the banner POST placed no call")
                        time.sleep(0.02)
                    at, call = carrier.placed[-1]
                    if call.to_number != _visitor(index):
                        raise RuntimeError(f"the first call went to {call.to_number}")
                    _drain(container, Counter(), {}, carrier)  # what the dial left, untimed
                    request_id = json.loads(answer.body)["request_id"]
                    # the recorder's call never ends: its pace slot is freed as its end would
                    flow_id = flow_of(campaign.company_id, campaign.campaign_id)
                    ref = f"{flow_id}:{request_id}:{call.call_id}"
                    campaigns.pace().release(keys, ref)
                    if index:
                        report.to_create_call.append((at - start) * 1000)
                        report.banner_answer.append((answered - start) * 1000)
                        report.tasks.update(tasks)
                        for kind, values in took.items():
                            report.task_ms.setdefault(kind, []).extend(values)
                        report.placed += 1
    finally:
        override(None)
        if before is not None:
            binding.bind(before)
    return report


def _drain(
    container: Any, ran: Counter[str], took: dict[str, list[float]], carrier: RecordingCarrier
) -> int:
    """Run every task waiting on moto's queue, as the task Lambda would; how many ran (``ran``
    by kind, ``took`` their milliseconds, a task that places a call until it does)."""
    from chalicelib.calls.tasks import decode_task

    count = 0
    while True:
        got = container.sqs.receive_message(
            QueueUrl=container.task_queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        )
        messages = got.get("Messages", [])
        if not messages:
            return count
        for message in messages:
            kind = type(decode_task(message["Body"])[1]).__name__
            ran[kind] += 1
            placed = len(carrier.placed)
            started = time.perf_counter()
            container.tasks.run(message["Body"])
            ended = carrier.placed[-1][0] if len(carrier.placed) > placed else time.perf_counter()
            took.setdefault(kind, []).append((ended - started) * 1000)
            container.sqs.delete_message(
                QueueUrl=container.task_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            count += 1


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def print_latency(report: LatencyReport) -> None:
    from chalicelib.campaigns.pacing import CLAIM_LEAD

    whole, post = report.to_create_call, report.banner_answer
    n = max(1, report.placed)
    tasks = ", ".join(
        f"{KINDS.get(k, k)} x{v / n:.1f} (p50 {_percentile(report.task_ms[k], 0.5):.1f} ms)"
        for k, v in report.tasks.most_common()
    )
    lead = CLAIM_LEAD.total_seconds() * 1000
    print(
        "click-to-call: banner POST to the visitor's create-call request (local stack: moto"
        " server on loopback, carrier recorded in-process)"
    )
    print(
        f"  p50 {_percentile(whole, 0.5):7.2f} ms   p99 {_percentile(whole, 0.99):7.2f} ms"
        f"   (n={len(whole)}, one visitor number and client IP each, {SPACING} s apart)"
    )
    print(
        f"  of which the POST to its 202: p50 {_percentile(post, 0.5):.2f} ms, p99"
        f" {_percentile(post, 0.99):.2f} ms; then per request: {tasks}"
    )
    print(
        f"  includes: the banner's checks and guards, the request stored and its contact enrolled"
        f", the dispatch and dial tasks (each run as soon as it is queued) with the pacer's"
        f" {lead:.0f} ms claim lead slept; a real deployment adds SQS's delivery latency to"
        f" each of the {sum(report.tasks.values()) / n:.0f} tasks and the carrier's answer"
    )


# -- (2) and (3) the requests and the cost of click-to-calls ----------------------------------
@dataclass
class Click2CallCostReport:
    """What ``clicks`` simulated click-to-calls used (``cost``: per completed click-to-call)."""

    clicks: int
    placed: int
    outcomes: Counter[str]
    cost: CostReport
    tasks_sent: Counter[str] = field(default_factory=Counter)
    schedules: int = 0
    """Task messages held beyond SQS's 15 minutes: one-time EventBridge schedules deployed."""
    emails: int = 0
    virtual_seconds: float = 0.0

    @property
    def completed(self) -> int:
        return self.outcomes.get("completed", 0)

    def dynamodb(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for invocation in self.cost.invocations:
            total.update(invocation.usage.of("dynamodb"))
        return total

    def by_kind(self) -> dict[str, tuple[int, Counter[str]]]:
        """Per kind of invocation: how many, and their DynamoDB requests by operation."""
        kinds: dict[str, tuple[int, Counter[str]]] = {}
        for invocation in self.cost.invocations:
            n, requests = kinds.get(invocation.kind, (0, Counter()))
            requests.update(invocation.usage.of("dynamodb"))
            kinds[invocation.kind] = (n + 1, requests)
        return kinds

    @property
    def requests_per_click(self) -> float:
        return sum(self.dynamodb().values()) / max(1, self.clicks)

    def extras(self, per: int = 1000) -> list[tuple[str, float, str, float]]:
        """The lines ``CostReport`` does not price: schedules and e-mails, per ``per``
        completed click-to-calls (name, count, unit, dollars)."""
        scale = per / max(1, self.completed)
        return [
            (
                "EventBridge Scheduler",
                self.schedules * scale,
                "invocations",
                self.schedules * scale * PRICES["scheduler"].each,
            ),
            (
                "SES e-mails",
                self.emails * scale,
                "e-mails",
                self.emails * scale * PRICES["ses"].each,
            ),
        ]


def measure_cost(calls: int = CALLS) -> Click2CallCostReport:
    """Run ``calls`` click-to-calls one after the other (one of each kind first, not counted),
    each to its end, and count what they used."""
    if not 1 <= calls <= 10_000:
        raise ValueError("measure 1 to 10,000 click-to-calls")
    import app  # noqa: F401 - imported before stdout is counted, so its logger keeps the console
    from chalicelib.calls.tasks import decode_task
    from chalicelib.campaigns.pacing import Pacer
    from chalicelib.ops import schedules
    from chalicelib.store.campaign_pacing import CampaignPacingRepository

    config = _chalice_config()
    memory = {
        name: int(config.scope(PRICED_STAGE, name).lambda_memory_size)
        for name in ("api_handler", "run_tasks")
    }
    # the platform wants a flow on a number of its own: the click-to-call never calls it
    scenario = Scenario(
        "click-to-call", ROOT / "flows" / "appointment-reminder.json", "447700900170", ()
    )
    meter, sink = AwsMeter(), _Sink()
    saved_delay = schedules.MAX_DELAY_SECONDS
    schedules.MAX_DELAY_SECONDS = 10**9  # every timer rides the virtual queue here
    try:
        with _as_deployed(sink), _Platform(scenario, meter, sink) as platform:
            network, container = platform.network, platform.container
            clock = network.clock
            queue = _VirtualQueue(clock)
            sent: Counter[str] = Counter()
            held = [0]
            real_send = container.enqueue_task

            def send(body: str, delay_seconds: int = 0) -> None:
                sent[type(decode_task(body)[1]).__name__] += 1
                if delay_seconds > SQS_MAX_DELAY:
                    held[0] += 1  # deployed: a one-time schedule, which sends it when due
                else:
                    real_send(body, delay_seconds)  # its SendMessage, in the open invocation
                queue.send(body, delay_seconds)

            container.enqueue_task = send  # type: ignore[method-assign]
            container.__dict__.pop("timer", None)  # built again on the queue above
            campaigns = container.services("campaigns").campaigns
            pacer = Pacer(CampaignPacingRepository(), container.clock, clock.advance)
            campaigns.pace = lambda: pacer
            network.add_account_numbers(CALLER_ID)
            campaign = _campaign(container)
            c2c = container.services("click2call").click2call
            for number in OPERATORS.values():
                network.set_number(number, OPERATOR)
            runner = _Runner(platform, queue, decode_task)
            for index, kind in enumerate(dict.fromkeys(MIX)):  # warm: one of each, not counted
                network.set_number(_visitor(90_000 + index), VISITOR[kind])
                runner.click(campaign.public_key, 90_000 + index)
            meter.unattributed = Usage()
            placed_before = len(network.calls())
            sent.clear()
            held[0] = 0
            platform.recording = True
            virtual_start = clock.seconds
            request_ids = []
            for index in range(calls):
                network.set_number(_visitor(index), VISITOR[MIX[index % len(MIX)]])
                request_ids.append(runner.click(campaign.public_key, index))
            platform.recording = False
            outcomes: Counter[str] = Counter()
            with meter.span():  # the bench's own reading, not the click-to-calls'
                for request_id in request_ids:
                    outcomes[c2c.requests.get(request_id).status.value] += 1
            report = Click2CallCostReport(
                clicks=calls,
                placed=len(network.calls()) - placed_before,
                outcomes=outcomes,
                cost=CostReport(  # its "calls" are the completed ones: priced per completed
                    scenario="click-to-call",
                    calls=max(1, outcomes.get("completed", 0)),
                    mix=Counter(MIX[i % len(MIX)] for i in range(calls)),
                    memory_mb=memory,
                    invocations=platform.invocations,
                    event_source=runner.event_source,
                    task_failures=0,
                    unattributed=meter.unattributed,
                    simulator_webhooks=0,
                    seconds=runner.seconds,
                ),
                tasks_sent=sent,
                schedules=held[0],
                virtual_seconds=clock.seconds - virtual_start,
            )
            report.emails = sum(
                n
                for invocation in platform.invocations
                for op, n in invocation.usage.of("ses").items()
                if op.startswith("Send")
            )
            return report
    finally:
        schedules.MAX_DELAY_SECONDS = saved_delay


class _Runner:
    """Banner POSTs and what follows, each a metered Lambda invocation: the POST through API
    Gateway, each task message one invocation of the task handler (an SQS event of one
    record), the webhooks as the platform's transport delivers them."""

    def __init__(self, platform: Any, queue: _VirtualQueue, decode: Any) -> None:
        from chalice.app import SQSEventConfig

        self.platform = platform
        self.queue = queue
        self.decode = decode
        [self.source] = [
            s
            for s in platform.app.event_sources
            if isinstance(s, SQSEventConfig) and s.name == "run_tasks"
        ]
        self.event_source = Usage()
        """Lambda's poller: a receive and a delete per message (a batch of one at this pace)."""
        self.seconds = 0.0

    def click(self, public_key: str, index: int) -> str:
        """One visitor's banner POST, carried until nothing is left to run; its request id."""
        platform = self.platform
        started = time.perf_counter()
        answer = platform._invoke(
            "api_handler",
            "banner",
            lambda: _banner_post(platform.client, public_key, _visitor(index), _client_ip(index)),
        )
        if answer.status_code != 202:
            raise RuntimeError(f"the banner POST was refused: {answer.body!r}")
        self._settle()
        self.seconds += time.perf_counter() - started
        return str(json.loads(answer.body)["request_id"])

    def _settle(self) -> None:
        platform = self.platform
        network, client = platform.network, platform.client
        for _ in range(SETTLE_STEPS):
            ready = self.queue.due()
            for body in ready:
                event = client.events.generate_sqs_event(
                    message_bodies=[body], queue_name=platform.container.settings.task_queue
                )
                kind = type(self.decode(body)[1]).__name__
                result = platform._invoke(
                    self.source.name,
                    kind,
                    lambda e=event: client.lambda_.invoke(self.source.name, e),
                )
                if (result.payload or {}).get("batchItemFailures"):
                    raise RuntimeError(f"a {kind} task failed")
                if platform.recording:
                    self.event_source.requests.update(
                        {"sqs:ReceiveMessage": 1, "sqs:DeleteMessageBatch": 1}
                    )
                    self.event_source.sqs_requests += 2
            network.run_until_idle()
            if ready:
                continue
            following = self.queue.next_at()
            if following is None:
                return
            network.clock.advance_to(following)
        raise RuntimeError("the click-to-call did not settle")


def print_cost(report: Click2CallCostReport) -> None:
    clicks, completed, per = max(1, report.clicks), max(1, report.completed), 1000
    total = report.dynamodb()
    cost = report.cost
    used = cost.usage()
    print(
        f"click-to-call: DynamoDB requests per click-to-call, end to end ({report.clicks} banner"
        f" POSTs, {report.placed} calls placed, mix {MIX!r}: C answers and talks to the first of"
        " two operators, N never answers and is redialled once)"
    )
    print(
        f"  {report.requests_per_click:.1f} requests per click-to-call"
        f" ({sum(total.values()):,} in all: "
        + ", ".join(f"{op} {n:,}" for op, n in total.most_common())
        + f"); {used.read_units / clicks:.2f} RRU, {used.write_units / clicks:.2f} WRU per"
        " click-to-call"
    )
    print(
        f"  {'invocation':<30}{'count':>7}{'per c2c':>9}{'requests each':>15}"
        f"{'requests per c2c':>18}   by operation (per invocation)"
    )
    for kind, (n, requests) in sorted(
        report.by_kind().items(), key=lambda item: -sum(item[1][1].values())
    ):
        each = ", ".join(f"{op} {v / n:.2f}" for op, v in requests.most_common())
        print(
            f"  {KINDS.get(kind, kind):<30}{n:>7,}{n / clicks:>9.2f}"
            f"{sum(requests.values()) / n:>15.2f}{sum(requests.values()) / clicks:>18.2f}   {each}"
        )
    sent = sum(report.tasks_sent.values())
    print(
        f"  task messages per click-to-call {sent / clicks:.2f} ("
        + ", ".join(f"{k} {v}" for k, v in report.tasks_sent.most_common())
        + f"), of which {report.schedules} held past 15 min (a schedule each)"
    )
    print(
        "  outcomes: "
        + ", ".join(f"{k} {v}" for k, v in report.outcomes.most_common())
        + f";  {report.virtual_seconds:,.0f} virtual s, {cost.seconds:.1f} s to run"
    )
    print(
        f"\nclick-to-call: what {per:,} completed click-to-calls cost on AWS (the failed ones"
        f" they come with included: {report.clicks} clicks, {report.completed} completed)"
    )
    print(f"  {'per 1,000 completed':<34}{'count':>14}  {'unit':<12}{'dollars':>10}")
    extras = report.extras(per)
    for item in cost.line_items(per):
        print(f"  {item.name:<34}{item.count:>14,.1f}  {item.unit:<12}{_money(item.dollars):>10}")
    for name, count, unit, dollars in extras:
        print(f"  {name:<34}{count:>14,.1f}  {unit:<12}{_money(dollars):>10}")
    more = sum(dollars for *_, dollars in extras)
    rest, http = cost.total("rest", per) + more, cost.total("http", per) + more
    print(f"  {'total (REST API, as deployed)':<62}{_money(rest):>10}")
    print(f"  {'total with an HTTP API instead':<62}{_money(http):>10}")
    logs = cost.logs_dollars(per)
    print(
        f"  per completed click-to-call: ${rest / per:.7f} (REST), ${http / per:.7f} (HTTP);"
        f" {len(cost.invocations) / completed:.1f} invocations,"
        f" {len(cost.webhooks) / completed:.1f} API Gateway requests each"
    )
    print(
        f"  + CloudWatch Logs: {cost.log_bytes() / max(1, len(cost.invocations)):,.0f} bytes"
        f" printed per invocation -> {_money(logs)} per 1,000 (REST total with logs"
        f" {_money(rest + logs)})"
    )
    print(
        "  SQS: the app's SendMessage (counted in its invocations) + Lambda's poller, a receive"
        " and a delete per message (its idle polling not counted); Lambda durations measured on"
        f" moto in-process; prices: bench.cost.PRICES as read on {PRICES_READ}"
    )
    if cost.unattributed.requests:
        print(f"  WARNING: requests outside any invocation {dict(cost.unattributed.requests)}")


def run() -> None:
    """``make bench``: the banner POST's latency, then the requests and cost of click-to-calls."""
    print_latency(measure_latency(REQUESTS))
    print()
    print_cost(measure_cost(CALLS))


if __name__ == "__main__":
    run()
