"""``make bench``'s load figure: N simulated calls to the pull app placed at once
(``BENCH_LOAD_CALLS``, default 200) through the network simulator against the local stack as
``make run`` starts it (moto server, the app over HTTP, the simulator serving, the demo message
service, the event pump), on free loopback ports with logs in ``.local/bench-load/``
(``BENCH_LOAD_DIR``). ``BENCH_LOAD_WORKERS`` sets the simulator's ``--workers`` (how many calls
progress at once; 0 carries them one at a time, as the simulator did before it had lanes).

Every call comes from its own caller number with its own personalised message in the message
service; the caller listens, then presses 2 to get the message by SMS. One call runs first, alone
and not counted, so that the figures are of a warm app rather than of its first requests. Prints
calls per second, calls lost (not completed), calls without their message (the transcript lacks
the caller's own text), the SMS that reached the simulated carrier, and the answer webhook's
latency (p50, p99) as the simulator measured it. Asserts nothing: ``tests/e2e/test_load.py``
runs a smaller one and asserts. ``python -m bench.load --json`` prints the figures as JSON.

Imports the standard library, requests and ``infra.local``; the app only through HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
CALLS = int(os.environ.get("BENCH_LOAD_CALLS", "200"))
WORKERS = os.environ.get("BENCH_LOAD_WORKERS")  # the simulator's --workers (None: its default)
STATE = Path(os.environ.get("BENCH_LOAD_DIR", str(ROOT / ".local" / "bench-load")))
PULL_NUMBER = "447700900100"
SCRIPT = [{"press": "2"}]
CALL_TIMEOUT = 240.0  # real seconds the simulator waits for one call to end
SMS_WAIT = 60.0  # real seconds to wait for the SMS after the last call ended


def caller(index: int) -> str:
    return f"447700{910001 + index:06d}"


def message_for(index: int) -> str:
    return f"Hello caller {index}. Your parcel {index:04d} arrives tomorrow between 9 and 11."


def messages(count: int) -> dict[str, dict[str, str]]:
    """One personalised message per caller number (and one for the warm-up call, ``-1``)."""
    return {caller(i): {"name": f"Caller {i}", "message": message_for(i)} for i in range(-1, count)}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@dataclass
class LoadResult:
    """The figures of one load run."""

    calls: int
    seconds: float
    completed: int
    lost: int
    without_message: int
    sms_delivered: int
    answer_p50_ms: float | None
    answer_p99_ms: float | None
    answer_attempts: int
    failures: list[str] = field(default_factory=list)

    @property
    def calls_per_second(self) -> float:
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "calls_per_second": round(self.calls_per_second, 2)}


def _place(
    sim_url: str, ca: str, index: int, start: threading.Barrier, out: dict[int, Any]
) -> None:
    payload = {"from": caller(index), "to": PULL_NUMBER, "script": SCRIPT}
    try:
        start.wait(30)
        response = requests.post(
            f"{sim_url}/_sim/calls",
            json={**payload, "timeout": CALL_TIMEOUT},
            headers={"Connection": "close"},
            verify=ca,
            timeout=CALL_TIMEOUT + 30,
        )
        out[index] = response.json() if response.status_code == 200 else response.text
    except (requests.RequestException, threading.BrokenBarrierError, ValueError) as error:
        out[index] = f"{type(error).__name__}: {error}"


def _outbox(sim_url: str, ca: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{sim_url}/_sim/sms", verify=ca, timeout=30, headers={"Connection": "close"}
    )
    outbox: list[dict[str, Any]] = response.json()["outbox"]
    return outbox


def place_calls(sim_url: str, ca: str, count: int) -> LoadResult:
    """Place ``count`` calls at once through the simulator's control API and judge them."""
    results: dict[int, Any] = {}
    start = threading.Barrier(count + 1)
    threads = [
        threading.Thread(target=_place, args=(sim_url, ca, i, start, results), daemon=True)
        for i in range(count)
    ]
    for thread in threads:
        thread.start()
    start.wait(30)
    began = time.perf_counter()
    deadline = time.monotonic() + CALL_TIMEOUT + 60
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    elapsed = time.perf_counter() - began
    completed = lost = without = 0
    latencies: list[float] = []
    failures: list[str] = []
    for index in range(count):
        data = results.get(index, "no answer in time")
        if not isinstance(data, dict):
            lost += 1
            without += 1
            failures.append(f"{caller(index)}: {str(data)[:200]}")
            continue
        status = data["call"]["status"]
        said = [e["text"] for e in data["transcript"] if e["kind"] == "say"]
        latencies += [
            float(w["latency_ms"])
            for w in data["webhooks"]
            if w["kind"] == "answer" and w.get("latency_ms") is not None
        ]
        if status == "completed":
            completed += 1
        else:
            lost += 1
            failures.append(f"{caller(index)}: status {status}")
        if not any(message_for(index) in text for text in said):
            without += 1
            failures.append(f"{caller(index)}: did not hear its message; heard {said}")
    wanted = {caller(i) for i in range(count)}
    texted: set[str] = set()
    sms_deadline = time.monotonic() + SMS_WAIT
    while time.monotonic() < sms_deadline:
        texted = {m["to"] for m in _outbox(sim_url, ca) if m["to"] in wanted}
        if len(texted) >= completed:
            break
        time.sleep(0.5)
    return LoadResult(
        calls=count,
        seconds=elapsed,
        completed=completed,
        lost=lost,
        without_message=without,
        sms_delivered=len(texted),
        answer_p50_ms=percentile(latencies, 0.5) if latencies else None,
        answer_p99_ms=percentile(latencies, 0.99) if latencies else None,
        answer_attempts=len(latencies),
        failures=failures,
    )


def measure(count: int = CALLS) -> LoadResult:
    """Start the local stack on free ports, place the calls, stop the stack."""
    from infra.local.moto import free_port
    from infra.local.run import Ports, running_stack

    ports = Ports(
        app=free_port(),
        sim=free_port(),
        moto=free_port(),
        messages=free_port(),
        smtp=free_port(),
        stripe=free_port(),
        phone=free_port(),
    )
    STATE.mkdir(parents=True, exist_ok=True)
    for log in STATE.glob("*.log"):
        log.unlink()
    simulator_args = ["--workers", WORKERS] if WORKERS else []
    with running_stack(ports, STATE, messages(count), simulator_args=simulator_args) as stack:
        warm_up = requests.post(
            f"{stack.sim_url}/_sim/calls",
            json={"from": caller(-1), "to": PULL_NUMBER, "script": SCRIPT, "timeout": 60},
            verify=str(stack.ca_path),
            timeout=90,
        )
        warm_up.raise_for_status()
        return place_calls(stack.sim_url, str(stack.ca_path), count)


def report(result: LoadResult) -> None:
    print(
        f"load: {result.calls} calls to the pull app placed at once through the simulator "
        f"(workers: {WORKERS or 'default'}; each hears its own message, presses 2 for the SMS)"
    )
    print(
        f"  calls per second          {result.calls_per_second:7.2f}"
        f"   ({result.completed} completed in {result.seconds:.1f} s)"
    )
    print(f"  calls lost                {result.lost:7d}   (not completed)")
    print(f"  calls without message     {result.without_message:7d}")
    print(f"  SMS delivered             {result.sms_delivered:7d}   of {result.completed}")
    if result.answer_p50_ms is not None and result.answer_p99_ms is not None:
        print(
            f"  answer webhook (simulator) p50 {result.answer_p50_ms:7.1f} ms"
            f"   p99 {result.answer_p99_ms:7.1f} ms   (n={result.answer_attempts})"
        )
    for failure in result.failures[:5]:
        print(f"  ! {failure}")


def run() -> LoadResult:
    """The load figure of ``make bench``."""
    result = measure(CALLS)
    report(result)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.json:
        print(json.dumps(measure(CALLS).to_json()))
    else:
        run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
