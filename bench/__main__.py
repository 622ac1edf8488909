"""``make bench``: webhook latency (p50, p99) in-process and over HTTP, DynamoDB requests per
webhook and to rate a destination against a tariff, the callback's figures (``bench.callback``:
the requests of rating both legs and of a destination entry, missed call to create-call), the
cold import time of ``app.py``, and the
built package's cold start and size (:mod:`bench.package`), all on the local stack (moto in
server mode on loopback; ``chalice local`` for the HTTP figures); then the time to the fallback
answer under store faults (``bench.faults``), what a call costs on AWS (``bench.cost``) and the
load figure of ``bench.load`` (concurrent simulated calls against the whole local stack), the
speech figures, a 100,000-row call list loaded into a campaign against a plain batch-write
(``bench.calllist``), the DynamoDB requests per placed campaign call (``bench.campaign_cost``),
the click-to-call's figures (``bench.click2call``: banner POST to the visitor's create-call, the
DynamoDB requests of a click-to-call and the cost of 1,000 completed ones), a dialer campaign
of 300 customers and 10 agents through the platform in both modes beside the model simulation
(``bench.dialer``, about 10 minutes; ``BENCH_DIALER_CUSTOMERS`` shrinks it) and, last, the
pace of a campaign's calls across workers (``bench.pacing``, about 100 s). Prints figures and
ratios; asserts nothing.

Each simulated call is: answer (the flow starts, waits in a menu) then N menu presses (a step
with no external call: the state is read once and written once). The pull-app answer, which
calls the message service, is measured separately.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

from bench import (
    callback,
    calllist,
    campaign_cost,
    click2call,
    cost,
    dialer,
    faults,
    load,
    pacing,
    package,
    speech,
    speech_widget,
)

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-signature-secret-0123456789abcdef"
CALLS = int(os.environ.get("BENCH_CALLS", "40"))
PRESSES = 3
MENU_NUMBER = "447700900500"
PULL_NUMBER = "447700900100"
CALLER = "447700900001"

MENU_FLOW = {
    "id": "bench-menu",
    "name": "Benchmark menu",
    "language": "en-GB",
    "start": "menu",
    "nodes": {
        "menu": {
            "widget": "menu",
            "prompt": "Press 1 to hear the news.",
            "options": {"1": "news"},
            "retries": 0,
            "next": {"timeout": "bye", "invalid": "bye"},
        },
        "news": {"widget": "say", "text": "Here is the news for $call.cli.", "next": "menu"},
        "bye": {"widget": "hangup", "text": "Goodbye."},
    },
}

ENV = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "RINGFLOW_STAGE": "local",
    "RINGFLOW_PUBLIC_BASE_URL": "https://hooks.example.com",
    "VONAGE_SIGNATURE_SECRET": SECRET,
}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def describe(values: list[float]) -> str:
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    return f"p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   (n={len(values)})"


# -- cold import ----------------------------------------------------------------------------
HEAVY = (
    "vonage_voice",
    "vonage",
    "vonage_http_client",
    "boto3",
    "google.cloud.dialogflow_v2",
    "google.protobuf",
    "grpc",
    "requests",
    "aws_xray_sdk",
)


def cold_import() -> None:
    probe = (
        "import sys, time; t = time.perf_counter(); import app; d = time.perf_counter() - t; "
        f"print(d); print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    times, loaded = [], ""
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={**os.environ, **ENV},
            capture_output=True,
            text=True,
            check=True,
        )
        lines = out.stdout.splitlines()
        first, loaded = lines[0], (lines[1] if len(lines) > 1 else "")
        times.append(float(first) * 1000)
    print("cold import of app.py")
    print(
        f"  median {statistics.median(times):7.1f} ms   min {min(times):7.1f} ms"
        "   (5 fresh processes)"
    )
    print(f"  heavy clients imported at start: {loaded or 'none'}")


# -- the local stack ------------------------------------------------------------------------
@contextmanager
def local_stack() -> Iterator[tuple[Any, str, Any]]:
    os.environ.update(ENV)
    from infra.local.message_service import MessageService, load_messages
    from infra.local.moto import moto_server
    from infra.local.stack import provision

    messages = MessageService(load_messages()).start()
    with moto_server(log_path=None) as moto_url:
        os.environ["RINGFLOW_AWS_ENDPOINT_URL"] = moto_url
        from chalicelib.settings import from_environment
        from chalicelib.wiring import Container, override

        container = Container(from_environment())
        override(container)
        provision(container.settings)
        admin = container.admin
        admin.create_account("bench", "Bench", "en-GB")
        admin.load_flow("bench", MENU_FLOW)
        admin.set_listener("bench", "bench-menu", True)
        admin.provision_number("bench", MENU_NUMBER)
        admin.attach_number("bench", MENU_NUMBER, "bench-menu")
        pull = json.loads((ROOT / "flows" / "pull-message.json").read_text())
        pull["variables"]["service_url"] = messages.url
        admin.load_flow("bench", pull)
        admin.set_listener("bench", "pull-message", True)
        admin.provision_number("bench", PULL_NUMBER)
        admin.attach_number("bench", PULL_NUMBER, "pull-message")
        try:
            yield container, moto_url, messages
        finally:
            override(None)
            messages.stop()


Send = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]


def signed(body: bytes) -> dict[str, str]:
    from datetime import UTC, datetime

    from chalicelib.telephony.vonage.signatures import sign_voice_webhook

    return {
        "Authorization": "Bearer "
        + sign_voice_webhook(body, SECRET, "bench", "bench-app", datetime.now(UTC))
    }


def one_call(send: Send, number: str, presses: int, timings: dict[str, list[float]]) -> None:
    leg = uuid.uuid4().hex
    query = urlencode(
        {"from": CALLER, "to": number, "uuid": leg, "conversation_uuid": f"CON-{uuid.uuid4()}"}
    )
    started = time.perf_counter()
    status, body = send("GET", f"/vonage/voice/answer?{query}", signed(b""), b"")
    timings[
        "answer" if number == MENU_NUMBER else "answer (pull app, calls the message service)"
    ].append((time.perf_counter() - started) * 1000)
    ncco = json.loads(body)
    for _ in range(presses):
        target = urlparse(ncco[-1]["eventUrl"][0])
        payload = json.dumps(
            {
                "dtmf": {"digits": "1", "timed_out": False},
                "speech": {"results": []},
                "uuid": leg,
                "from": CALLER,
                "to": number,
            }
        ).encode()
        headers = {"Content-Type": "application/json", **signed(payload)}
        started = time.perf_counter()
        status, body = send("POST", f"{target.path}?{target.query}", headers, payload)
        timings["input"].append((time.perf_counter() - started) * 1000)
        ncco = json.loads(body)
        assert status == 200, status


def in_process_sender() -> Send:
    from chalice.test import Client

    from app import app

    client = Client(app)

    def send(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        response = client.http.request(method, path, headers=headers, body=body)
        return response.status_code, response.body

    return send


def http_sender(port: int) -> Send:
    def send(method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(
            method, path, body=body or None, headers={**headers, "Connection": "close"}
        )
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, data

    return send


class RequestCounter:
    """Counts DynamoDB operations made by this process."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __enter__(self) -> RequestCounter:
        from botocore.client import BaseClient

        self._original = BaseClient._make_api_call
        counter = self.counts

        def counting(client: Any, operation: str, params: Any) -> Any:
            if client.meta.service_model.service_name == "dynamodb":
                counter[operation] += 1
            return self._original(client, operation, params)

        BaseClient._make_api_call = counting  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        from botocore.client import BaseClient

        BaseClient._make_api_call = self._original  # type: ignore[method-assign]


def storage_floor(container: Any, rounds: int = 60) -> list[float]:
    """The same backend's cost of one step's storage alone: read a call state, write it back
    (conditional on its version), with the repository the app uses."""
    from datetime import UTC, datetime

    from chalicelib.flows.state import CallState
    from chalicelib.telephony.events import Direction

    state = CallState(
        call_id=uuid.uuid4().hex,
        account_id="bench",
        flow_id="bench-menu",
        flow_version=1,
        direction=Direction.INBOUND,
        from_number=CALLER,
        to_number=MENU_NUMBER,
        started_at=datetime.now(UTC),
    )
    state = container.calls.create(state)
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        state = container.calls.save(container.calls.get(state.call_id))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def dynamodb_per_webhook(send: Send) -> None:
    print("DynamoDB requests per webhook (this process, after warm-up)")
    leg = uuid.uuid4().hex
    query = urlencode(
        {"from": CALLER, "to": MENU_NUMBER, "uuid": leg, "conversation_uuid": "CON-x"}
    )
    with RequestCounter() as counter:
        _, body = send("GET", f"/vonage/voice/answer?{query}", signed(b""), b"")
    print(f"  answer (new call)            {dict(counter.counts)}")
    target = urlparse(json.loads(body)[-1]["eventUrl"][0])
    payload = json.dumps({"dtmf": {"digits": "1", "timed_out": False}, "uuid": leg}).encode()
    with RequestCounter() as counter:
        send(
            "POST",
            f"{target.path}?{target.query}",
            {"Content-Type": "application/json", **signed(payload)},
            payload,
        )
    reads = counter.counts["GetItem"] + counter.counts["Query"]
    writes = (
        counter.counts["PutItem"]
        + counter.counts["UpdateItem"]
        + counter.counts["TransactWriteItems"]
    )
    print(
        f"  input step (no external call) {dict(counter.counts)}"
        f"   reads {reads}, writes {writes}   (target 1 + 1)"
    )


TARIFF_DECK = (
    "prefix,destination,price_per_minute,connection_fee,first_increment,next_increment\n"
    "44,United Kingdom,0.05,0.01,60,60\n447,UK mobile,0.10,0,30,6\n1,North America,0.01,0,6,6\n"
)


def tariff_rating_requests(container: Any) -> None:
    """The DynamoDB requests of rating a destination against a tariff (the billing product),
    once its head is cached: one BatchGetItem over the number's prefixes (target 1)."""
    tariffs = container.services("billing").tariffs
    tariffs.load("bench", TARIFF_DECK)
    with RequestCounter() as cold:
        tariffs.rate("bench", "447700900100")  # the head is cached by the load already
    with RequestCounter() as counter:
        rate = tariffs.rate("bench", "12125550100")
    total = sum(counter.counts.values())
    print("DynamoDB requests to rate a destination (all the number's prefixes in one BatchGetItem)")
    print(
        f"  head cached: {dict(counter.counts)}   total {total}   (target 1)"
        f"   matched prefix {rate.prefix}; after the load: {dict(cold.counts)}"
    )


def user_variables_cost(container: Any, send: Send) -> None:
    """The answer of a new call with 0 and with 1,000 $user.key variables on the account: its
    DynamoDB requests and the size of the call's item (target: equal, cost must not grow with
    the account)."""
    from datetime import UTC, datetime

    from chalicelib.store.calls import CallItem

    print("answer webhook vs the account's size ($user.key variables on the account)")
    for size in (0, 1000):
        if size:
            values = {f"var{i:04d}": "x" * 40 for i in range(size)}
            container.user_variables.set_many("bench", values, datetime.now(UTC))
        leg = uuid.uuid4().hex
        query = urlencode(
            {"from": CALLER, "to": MENU_NUMBER, "uuid": leg, "conversation_uuid": "C"}
        )
        with RequestCounter() as counter:
            send("GET", f"/vonage/voice/answer?{query}", signed(b""), b"")
        raw = CallItem._get_connection().get_item(leg, consistent_read=True)["Item"]
        item_bytes = len(json.dumps(raw))
        print(f"  {size:>5} variables: requests {dict(counter.counts)}   call item ~{item_bytes} B")


def latency(title: str, send: Send) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {
        "answer": [],
        "input": [],
        "answer (pull app, calls the message service)": [],
    }
    for _ in range(3):
        one_call(send, MENU_NUMBER, 1, {k: [] for k in timings})  # warm-up
    for index in range(CALLS):
        one_call(send, MENU_NUMBER, PRESSES, timings)
        if index % 4 == 0:
            one_call(send, PULL_NUMBER, 0, timings)
    print(title)
    for name, values in timings.items():
        print(f"  {name:<46} {describe(values)}")
    return timings


def main() -> int:
    print(f"Ringflow benchmarks — {CALLS} simulated calls per mode, {PRESSES} menu presses each\n")
    cold_import()
    print()
    package.run()
    print()
    with local_stack() as (_container, moto_url, _messages):
        send = in_process_sender()
        inproc = latency(
            "webhook latency in-process (Chalice test client -> moto server over loopback)", send
        )
        print()
        dynamodb_per_webhook(send)
        tariff_rating_requests(_container)
        callback.run(_container, RequestCounter, describe, percentile)
        user_variables_cost(_container, send)
        floor = storage_floor(_container)
        print(f"  storage alone (GetItem + conditional PutItem) {describe(floor)}")
        ratio = percentile(inproc["input"], 0.5) / percentile(floor, 0.5)
        print(f"  input webhook p50 / storage alone p50: {ratio:.2f}x (the rest is parsing, the")
        print("  signature check, the engine step and rendering)")
        print()
        port = 8765
        env = {**os.environ, "RINGFLOW_AWS_ENDPOINT_URL": moto_url}
        chalice = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("chalice")),
                "local",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--stage",
                "local",
                "--no-autoreload",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    http_sender(port)("GET", "/health", {}, b"")
                    break
                except OSError:
                    time.sleep(0.2)
            over_http = latency(
                "webhook latency over HTTP (chalice local, a new connection per request)",
                http_sender(port),
            )
        finally:
            chalice.terminate()
            chalice.wait(10)
        print()
        print("ratios (over HTTP / in-process, p50)")
        for name in ("answer", "input"):
            ratio = percentile(over_http[name], 0.5) / percentile(inproc[name], 0.5)
            print(f"  {name:<10} {ratio:5.2f}x")
    print()
    faults.run()
    print()
    cost.run()
    print()
    load.run()
    print()
    speech.run()
    speech_widget.run()
    print()
    calllist.run()
    campaign_cost.run()
    print()
    click2call.run()
    print()
    dialer.run()
    print()
    pacing.run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
