"""``make bench``'s cost of a call on AWS, counted: N simulated calls of a ``Scenario`` (the
network simulator against the whole app in one process: chalice's test client for API Gateway
and Lambda, moto in-process for AWS), with every AWS request the app makes counted by
``bench.metering``, every Lambda invocation timed, and the counts priced with the one table of
published unit prices below (``PRICES``).

The API is small so that a product adds its line with its own scenario:
``measure(scenario, calls) -> CostReport`` and ``print_report(name, report)``; ``run()`` is what
``make bench`` calls. Nothing here asserts: ``tests/integration/test_bench_cost.py`` and
``tests/integration/test_bench_metering.py`` check the counting.

Imports the standard library and ``bench.metering`` at module level; the app, chalicelib, the
simulator, chalice and moto only inside ``measure``. Must not import tests.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.metering import AwsMeter, Usage

ROOT = Path(__file__).resolve().parents[1]
PRICED_STAGE = "dev"
"""The stage of ``.chalice/config.json`` whose Lambda memory and environment are priced."""
DEFAULT_CALLS = 1000


# -- prices: the one table ------------------------------------------------------------------------
@dataclass(frozen=True)
class Price:
    """A published on-demand unit price (us-east-1, after the free tier)."""

    dollars: float
    per: float
    unit: str
    source: str
    """Short source name as in ``FACTS-operations.md`` §0/§1.7."""
    checked: str
    """How sure: as FACTS grades it, or "not re-checked"."""

    @property
    def each(self) -> float:
        return self.dollars / self.per


PRICES_READ = "2026-11-22"
"""The date ``FACTS-operations.md`` (§1.7) read these prices; none was re-read for this bench."""
PRICES: dict[str, Price] = {
    "apigw_rest": Price(3.50, 1e6, "request", "FACTS §1.7 API Gateway REST API", "[S]"),
    "apigw_http": Price(1.00, 1e6, "request", "FACTS §1.7 API Gateway HTTP API", "[S]"),
    "lambda_request": Price(0.20, 1e6, "request", "L-PRICE", "[S], not re-read"),
    "lambda_gb_second": Price(0.0000166667, 1, "GB-s (x86)", "L-PRICE", "[S], not re-read"),
    "dynamodb_wru": Price(0.625, 1e6, "write request unit", "DDB-PRICE", "[S/P]"),
    "dynamodb_rru": Price(0.125, 1e6, "read request unit", "DDB-PRICE", "[S/P]"),
    "sqs_request": Price(0.40, 1e6, "request (64 KB chunk)", "FACTS §1.7 SQS", "not re-checked"),
    "s3_put": Price(0.005, 1e3, "PUT/COPY/POST/LIST", "none in FACTS", "not re-checked"),
    "s3_get": Price(0.0004, 1e3, "GET and other", "none in FACTS", "not re-checked"),
    "logs_gb": Price(0.50, 1, "GB ingested", "FACTS §1.7 CloudWatch Logs", "not re-checked"),
    "scheduler": Price(1.00, 1e6, "invocation", "FACTS §1.7 EventBridge Scheduler", "[W]"),
    "ses": Price(0.10, 1e3, "e-mail sent", "none in FACTS (SES pricing page)", "not re-checked"),
}

NAIVE_CALLBACK_PER_1000 = 0.045
"""FACTS §1.7: a naive serverless callback call (~15 webhooks, HTTP API, x86, W20/R15)."""
TARGET_CALLBACK_PER_1000 = 0.02
"""Issue 9's target for a callback call, in dollars per 1,000 calls."""


# -- scenarios ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """One kind of caller in a scenario's mix: who rings and what they do (a simulator script:
    ``{"press": "1"}``, ``{"wait": 8}``, ``{"hangup": True}``, ...)."""

    label: str
    from_number: str
    script: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Scenario:
    """Inbound calls to one flow: call ``i`` is made by ``cycle[i % len(cycle)]``, so the mix is
    fixed and any prefix of it is spread over the kinds of caller."""

    name: str
    flow: Path
    number: str
    cycle: tuple[Caller, ...]
    flow_variables: Mapping[str, str] = field(default_factory=dict)
    """Flow variables to set; ``{message_service}`` is the demo message service's URL."""
    account: str = "bench"


_HEARS = Caller("hears the message and hangs up", "447700900001", ({"wait": 8}, {"hangup": True}))
_SILENT = Caller("hears it, says nothing (menu times out)", "447700900002")
_AGAIN = Caller(
    "presses 1 to hear it again, then hangs up",
    "14155550123",
    ({"press": "1"}, {"wait": 6}, {"hangup": True}),
)
_SMS = Caller("presses 2 to get it by SMS", "447700900001", ({"press": "2"},))
_NONE = Caller("has no message", "447700900777")

PULL_APP = Scenario(
    name="pull app",
    flow=ROOT / "flows" / "pull-message.json",
    number="447700900100",
    cycle=tuple(
        {"H": _HEARS, "S": _SMS, "A": _AGAIN, "Q": _SILENT, "N": _NONE}[letter]
        for letter in "HSAHQHNHAHHSHAHQHHHH"
    ),
    flow_variables={"service_url": "{message_service}"},
)
"""60 % hear their message and hang up, 15 % press 1, 10 % press 2 (SMS), 10 % let the menu
time out, 5 % have no message."""


# -- what was measured ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation: an HTTP request through API Gateway, or one SQS batch."""

    function: str
    """``api_handler`` (every route) or the event handler's name."""
    kind: str
    """``answer``, ``input``, ``event``, ... for webhooks; ``task`` for an SQS batch."""
    milliseconds: float
    """Measured in-process (moto in-process), the meter's own time left out."""
    usage: Usage
    log_bytes: int

    @property
    def billed_milliseconds(self) -> int:
        return max(1, math.ceil(self.milliseconds))


@dataclass(frozen=True)
class LineItem:
    name: str
    count: float
    unit: str
    dollars: float


@dataclass
class CostReport:
    """What ``calls`` simulated calls of a scenario used, and its price."""

    scenario: str
    calls: int
    mix: Counter[str]
    memory_mb: Mapping[str, int]
    invocations: list[Invocation]
    event_source: Usage
    """SQS requests of Lambda's event source: the receive that got a batch and the delete (its
    idle polling goes on whatever the traffic, so it is not a cost per call)."""
    task_failures: int
    unattributed: Usage
    """Requests made outside any invocation while measuring (should be none)."""
    simulator_webhooks: int
    """Webhook requests the simulated network sent while measuring (its own log)."""
    seconds: float

    # counts ---------------------------------------------------------------------------------
    @property
    def webhooks(self) -> list[Invocation]:
        return [i for i in self.invocations if i.function == "api_handler"]

    @property
    def batches(self) -> list[Invocation]:
        return [i for i in self.invocations if i.function != "api_handler"]

    def gb_seconds(self) -> float:
        return sum(
            i.billed_milliseconds / 1000 * self.memory_mb[i.function] / 1024
            for i in self.invocations
        )

    def usage(self) -> Usage:
        """Everything the app and the event source used."""
        total = Usage()
        for invocation in self.invocations:
            total.add(invocation.usage)
        total.add(self.event_source)
        return total

    def log_bytes(self) -> int:
        return sum(i.log_bytes for i in self.invocations)

    # dollars --------------------------------------------------------------------------------
    def line_items(self, per_calls: int = 1000) -> list[LineItem]:
        """Counted items scaled to ``per_calls`` calls, priced (REST API)."""
        scale = per_calls / self.calls
        used = self.usage()
        memory = sorted(set(self.memory_mb.values()))
        rows = [
            ("API Gateway REST requests", len(self.webhooks), "requests", "apigw_rest"),
            ("Lambda requests", len(self.invocations), "invocations", "lambda_request"),
            (
                f"Lambda duration ({'/'.join(map(str, memory))} MB)",
                self.gb_seconds(),
                "GB-s",
                "lambda_gb_second",
            ),
            ("DynamoDB writes", used.write_units, "WRU", "dynamodb_wru"),
            ("DynamoDB reads", used.read_units, "RRU", "dynamodb_rru"),
            ("SQS requests", used.sqs_requests, "requests", "sqs_request"),
            ("S3 PUT requests", used.s3_put_requests, "requests", "s3_put"),
            ("S3 GET requests", used.s3_get_requests, "requests", "s3_get"),
        ]
        return [
            LineItem(name, count * scale, unit, count * scale * PRICES[price].each)
            for name, count, unit, price in rows
        ]

    def total(self, api: str = "rest", per_calls: int = 1000) -> float:
        """Dollars per ``per_calls`` calls with a REST API (as Chalice deploys) or ``http``."""
        rest = sum(item.dollars for item in self.line_items(per_calls))
        if api == "rest":
            return rest
        requests = len(self.webhooks) * per_calls / self.calls
        return rest + requests * (PRICES["apigw_http"].each - PRICES["apigw_rest"].each)

    def logs_dollars(self, per_calls: int = 1000) -> float:
        return self.log_bytes() * per_calls / self.calls / 2**30 * PRICES["logs_gb"].each

    # DynamoDB per webhook -------------------------------------------------------------------
    def dynamodb_patterns(self) -> dict[str, Counter[str]]:
        """Per kind of invocation, how many invocations made each mix of DynamoDB requests."""
        patterns: dict[str, Counter[str]] = {}
        for invocation in self.invocations:
            requests = invocation.usage.of("dynamodb")
            text = " + ".join(f"{n} {op}" for op, n in sorted(requests.items())) or "none"
            patterns.setdefault(invocation.kind, Counter())[text] += 1
        return patterns


# -- the platform in one process ------------------------------------------------------------------
SECRET = "bench-cost-signature-secret-0123456789abcdef"
BASE_URL = "https://hooks.example.com"
APP_ID = "11111111-2222-4333-8444-555555555555"
TABLE_PREFIX = "ringflow-bench-"
AWS_ENV = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


class _Sink(io.TextIOBase):
    """Where the app's stdout and stderr go while measuring: counted, then dropped (on Lambda,
    both are CloudWatch Logs)."""

    def __init__(self) -> None:
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


def _chalice_config() -> Any:
    from chalice.config import Config

    on_disk = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return Config(chalice_stage=PRICED_STAGE, config_from_disk=on_disk)


@contextmanager
def _as_deployed(sink: _Sink) -> Iterator[None]:
    """Logs and metrics as on Lambda: metrics flushed per invocation (EMF), the service's log
    level as configured for the priced stage (powertools' INFO unless set), and everything
    printed counted into ``sink``."""
    env = _chalice_config().scope(PRICED_STAGE, "api_handler").environment_variables
    service = logging.getLogger(env.get("POWERTOOLS_SERVICE_NAME", "service_undefined"))
    level = service.level
    service.setLevel(env.get("POWERTOOLS_LOG_LEVEL", "INFO"))
    disabled = os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
    consoles = {id(s) for s in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)}
    swapped = []
    for logger in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and id(handler.stream) in consoles:
                swapped.append((handler, handler.setStream(sink)))
    try:
        with redirect_stdout(sink), redirect_stderr(sink):
            yield
    finally:
        for handler, stream in swapped:
            handler.setStream(stream)
        if disabled is not None:
            os.environ["POWERTOOLS_METRICS_DISABLED"] = disabled
        service.setLevel(level)


def _restore_environment(saved: Mapping[str, str | None]) -> None:
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


class _Platform:
    """moto in-process, the provisioned resources, the app behind chalice's test client, the
    demo message service, and the simulated network delivering signed webhooks to the app
    in-process and serving the carrier's REST API (the real vonage SDK over TLS on loopback)."""

    def __init__(self, scenario: Scenario, meter: AwsMeter, sink: _Sink) -> None:
        self.scenario = scenario
        self.meter = meter
        self.sink = sink
        self.recording = False
        self.invocations: list[Invocation] = []
        self.event_source = Usage()
        self.task_failures = 0
        self._queued = False
        self._closing: list[Any] = []

    def __enter__(self) -> _Platform:
        try:
            self._start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _start(self) -> None:
        from moto import mock_aws

        from chalicelib.settings import Settings
        from chalicelib.simulator.model import VonageApplication
        from chalicelib.simulator.network import Network
        from chalicelib.simulator.server import SimulatorServer
        from chalicelib.simulator.transport import InProcessTransport
        from chalicelib.wiring import Container, override
        from infra.local.keys import application_key_pair
        from infra.local.message_service import MessageService, load_messages
        from infra.local.stack import provision

        saved = {name: os.environ.get(name) for name in AWS_ENV}
        os.environ.update(AWS_ENV)
        self._closing.append(lambda: _restore_environment(saved))
        aws = mock_aws()
        aws.start()
        self._closing.append(aws.stop)
        self.meter.__enter__()
        self._closing.append(self.meter.__exit__)
        messages = MessageService(load_messages()).start()
        self._closing.append(messages.stop)
        private, public = application_key_pair()
        self.network = Network(
            VonageApplication(
                answer_url=f"{BASE_URL}/vonage/voice/answer",
                event_url=f"{BASE_URL}/vonage/voice/event",
                fallback_answer_url=f"{BASE_URL}/vonage/voice/fallback",
                sms_url=f"{BASE_URL}/vonage/sms/inbound",
                application_id=APP_ID,
                api_key="apikey",
                api_secret="apisecret",
                signature_secret=SECRET,
                public_key_pem=public,
            ),
            InProcessTransport(self._webhook),
        )
        server = SimulatorServer(self.network, background=False).start()
        self._closing.append(server.stop)
        settings = Settings(
            stage="local",  # the flow may call the message service on loopback
            region=AWS_ENV["AWS_DEFAULT_REGION"],
            table_prefix=TABLE_PREFIX,
            recordings_bucket="ringflow-bench-recordings",
            task_queue="ringflow-bench-tasks",
            public_base_url=BASE_URL,
            vonage_application_id=APP_ID,
            vonage_private_key=private,
            vonage_api_key="apikey",
            vonage_api_secret="apisecret",
            vonage_signature_secret=SECRET,
            vonage_api_host=server.host_port,
            vonage_rest_host=server.host_port,
            vonage_ca_bundle=server.ca_pem_path,
            verify_signatures=True,
        )
        self.container = Container(settings, self.network.clock.now)
        override(self.container)
        self._closing.append(lambda: override(None))
        provision(settings)
        scenario = self.scenario
        flow = json.loads(scenario.flow.read_text())
        for name, value in scenario.flow_variables.items():
            flow.setdefault("variables", {})[name] = value.format(message_service=messages.url)
        admin = self.container.admin
        admin.create_account(scenario.account, scenario.name, flow.get("language", "en-GB"))
        admin.load_flow(scenario.account, flow)
        admin.set_listener(scenario.account, flow["id"], True)
        admin.provision_number(scenario.account, scenario.number)
        admin.attach_number(scenario.account, scenario.number, flow["id"])

        from chalice.test import Client

        from app import app

        self.app = app
        self.client = Client(app, stage_name=PRICED_STAGE, project_dir=str(ROOT))

    def __exit__(self, *exc: object) -> None:
        while self._closing:
            self._closing.pop()()

    # Lambda, as API Gateway and the SQS event source invoke it ------------------------------
    def _invoke(self, function: str, kind: str, call: Any) -> Any:
        logged, overhead = self.sink.bytes, self.meter.overhead_seconds
        with self.meter.span() as usage:
            started = time.perf_counter()
            result = call()
            elapsed = time.perf_counter() - started
        sys.stdout.flush()
        sent = usage.of("sqs")
        self._queued = self._queued or bool(sent["SendMessage"] + sent["SendMessageBatch"])
        if self.recording:
            spent = elapsed - (self.meter.overhead_seconds - overhead)
            self.invocations.append(
                Invocation(function, kind, spent * 1000, usage, self.sink.bytes - logged)
            )
        return result

    def _webhook(
        self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
    ) -> Any:
        from chalicelib.simulator.transport import WebhookResponse

        target = f"{path}?{query}" if query else path
        kind = path.rstrip("/").rsplit("/", 1)[-1]
        response = self._invoke(
            "api_handler",
            kind,
            lambda: self.client.http.request(method, target, headers=dict(headers), body=body),
        )
        return WebhookResponse(
            int(response.status_code),
            {str(k): str(v) for k, v in dict(response.headers).items()},
            bytes(response.body or b""),
        )

    def drain_tasks(self) -> None:
        """What Lambda's SQS event source does once messages are queued: receive a batch (up to
        the handler's ``batch_size``), invoke the handler, delete what it did not report as
        failed; until a batch comes back short."""
        from chalice.app import SQSEventConfig

        [source] = [
            s
            for s in self.app.event_sources
            if isinstance(s, SQSEventConfig) and s.name == "run_tasks"
        ]
        sqs, queue = self.container.sqs, self.container.task_queue_url
        while self._queued:
            with self.meter.span() as polled:
                got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=source.batch_size)
            messages = got.get("Messages", [])
            self._queued = len(messages) == source.batch_size
            if not messages:
                return
            event = self.client.events.generate_sqs_event(
                message_bodies=[m["Body"] for m in messages],
                queue_name=self.container.settings.task_queue,
            )
            for record, message in zip(event["Records"], messages, strict=True):
                record["messageId"] = message["MessageId"]
            result = self._invoke(
                source.name, "task", lambda e=event: self.client.lambda_.invoke(source.name, e)
            )
            reported = (result.payload or {}).get("batchItemFailures") or []
            failed = {failure["itemIdentifier"] for failure in reported}
            self.task_failures += len(failed)
            done = [m for m in messages if m["MessageId"] not in failed]
            with self.meter.span() as deleted:
                if done:
                    sqs.delete_message_batch(
                        QueueUrl=queue,
                        Entries=[
                            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                            for n, m in enumerate(done)
                        ],
                    )
            if self.recording:
                self.event_source.add(polled)
                self.event_source.add(deleted)

    def call(self, caller: Caller) -> None:
        """One call, carried to its end in virtual time, then its queued tasks run."""
        self.network.call(caller.from_number, self.scenario.number, caller.script)
        self.drain_tasks()


# -- measuring and printing -----------------------------------------------------------------------
def measure(scenario: Scenario, calls: int = DEFAULT_CALLS) -> CostReport:
    """Run ``calls`` calls of ``scenario`` on a warm platform (one call of each kind of caller
    first, not counted) and count what they used."""
    if calls < 1:
        raise ValueError("measure at least one call")
    config = _chalice_config()
    memory = {
        "api_handler": int(config.scope(PRICED_STAGE, "api_handler").lambda_memory_size),
        "run_tasks": int(config.scope(PRICED_STAGE, "run_tasks").lambda_memory_size),
    }
    import app  # noqa: F401 - imported before stdout is counted, so its logger keeps the console

    meter, sink = AwsMeter(), _Sink()
    mix: Counter[str] = Counter()
    with _as_deployed(sink), _Platform(scenario, meter, sink) as platform:
        for caller in {caller.label: caller for caller in scenario.cycle}.values():
            platform.call(caller)
        meter.unattributed = Usage()
        sent_before = len(platform.network.webhook_log())
        platform.recording = True
        started = time.perf_counter()
        for index in range(calls):
            caller = scenario.cycle[index % len(scenario.cycle)]
            mix[caller.label] += 1
            platform.call(caller)
        seconds = time.perf_counter() - started
        platform.recording = False
        sent = len(platform.network.webhook_log()) - sent_before
    return CostReport(
        scenario=scenario.name,
        calls=calls,
        mix=mix,
        memory_mb=memory,
        invocations=platform.invocations,
        event_source=platform.event_source,
        task_failures=platform.task_failures,
        unattributed=meter.unattributed,
        simulator_webhooks=sent,
        seconds=seconds,
    )


def _money(dollars: float) -> str:
    return f"${dollars:.5f}"


def print_report(name: str, report: CostReport) -> None:
    """Print a report per 1,000 calls: line items, totals, the comparison with the targets and
    the DynamoDB requests per kind of webhook."""
    per = 1000
    print(f"{name}: what {per:,} calls cost on AWS, counted over {report.calls:,} simulated calls")
    for label, count in report.mix.most_common():
        print(f"  {count / report.calls:6.1%}  {label}")
    print(
        f"  on-demand us-east-1 prices as read on {PRICES_READ} (FACTS-operations §1.7); "
        "Lambda durations measured on moto in-process"
    )
    print(f"\n  {'per 1,000 calls':<34}{'count':>14}  {'unit':<12}{'dollars':>10}")
    for item in report.line_items(per):
        print(f"  {item.name:<34}{item.count:>14,.1f}  {item.unit:<12}{_money(item.dollars):>10}")
    rest, http = report.total("rest", per), report.total("http", per)
    print(f"  {'total (REST API, as deployed)':<62}{_money(rest):>10}")
    print(f"  {'total with an HTTP API instead':<62}{_money(http):>10}")
    print(
        f"  per call: ${rest / per:.7f} (REST), ${http / per:.7f} (HTTP);"
        f" {len(report.invocations) / report.calls:.1f} invocations,"
        f" {len(report.webhooks) / report.calls:.1f} webhooks per call"
    )
    logs = report.logs_dollars(per)
    print(
        f"  + CloudWatch Logs: {report.log_bytes() / len(report.invocations):,.0f} bytes printed"
        f" per invocation -> {_money(logs)} per 1,000 calls (REST total with logs"
        f" {_money(rest + logs)})"
    )
    print(
        f"  vs a naive serverless callback, {_money(NAIVE_CALLBACK_PER_1000)} per 1,000 (FACTS"
        f" §1.7): REST {rest / NAIVE_CALLBACK_PER_1000:.2f}x, HTTP"
        f" {http / NAIVE_CALLBACK_PER_1000:.2f}x"
    )
    print(
        f"  vs the callback target, <= {_money(TARGET_CALLBACK_PER_1000)} per 1,000 (issue 9):"
        f" REST {rest / TARGET_CALLBACK_PER_1000:.2f}x, HTTP"
        f" {http / TARGET_CALLBACK_PER_1000:.2f}x (this app is simpler than a callback)"
    )
    print(f"  prices as read on {PRICES_READ} (none re-read for this bench):")
    for key, price in PRICES.items():
        dollars = f"{price.dollars:.10f}".rstrip("0").rstrip(".")
        print(
            f"    {key:<17} ${dollars} per {price.per:,.0f} {price.unit}:"
            f" {price.source}, {price.checked}"
        )
    print("\n  DynamoDB requests per invocation (warm process), by kind")
    units: dict[str, list[float]] = {}
    for invocation in report.invocations:
        unit = units.setdefault(invocation.kind, [0.0, 0.0, 0.0])
        unit[0] += 1
        unit[1] += invocation.usage.read_units
        unit[2] += invocation.usage.write_units
    for kind, patterns in report.dynamodb_patterns().items():
        invoked, reads, writes = units[kind]
        print(
            f"  {kind:<8} {int(invoked):>6,} invocations, per invocation"
            f" {reads / invoked:.2f} RRU, {writes / invoked:.2f} WRU"
        )
        for pattern, times in patterns.most_common():
            print(f"  {'':<8} {times:>6,} x {pattern}")
    used = report.usage()
    print("\n  DynamoDB units per call, by table")
    tables = sorted(
        {*used.read_units_by_table, *used.write_units_by_table},
        key=lambda t: -used.write_units_by_table.get(t, 0.0),
    )
    for table in tables:
        writes = used.write_units_by_table.get(table, 0.0) / report.calls
        reads = used.read_units_by_table.get(table, 0.0) / report.calls
        print(f"  {table.removeprefix(TABLE_PREFIX):<16} {writes:6.2f} WRU {reads:6.2f} RRU")
    source = report.event_source.of("sqs")
    print(
        "  SQS event source (Lambda's poller): "
        + " + ".join(f"{n} {op}" for op, n in sorted(source.items()))
        + f" for {len(report.batches)} batches (its idle polling is not counted)"
    )
    if report.task_failures or report.unattributed.requests:
        print(
            f"  WARNING: {report.task_failures} task failures; requests outside any invocation:"
            f" {dict(report.unattributed.requests)}"
        )


def run() -> None:
    """``make bench``: the pull app's cost per 1,000 calls (``BENCH_COST_CALLS``, default 1000)."""
    calls = int(os.environ.get("BENCH_COST_CALLS", str(DEFAULT_CALLS)))
    started = time.perf_counter()
    report = measure(PULL_APP, calls)
    print()
    print_report("Cost of a call (pull app)", report)
    print(
        f"  took {time.perf_counter() - started:.0f} s ({report.seconds:.0f} s for the"
        f" {report.calls:,} measured calls)"
    )


if __name__ == "__main__":
    run()
