"""``make bench``: the pace of one campaign's outbound calls held in DynamoDB across workers.

``BENCH_PACED_CALLS`` calls (300) of one campaign at ``BENCH_PACED_RATE`` calls a second (3,
the carrier's) are placed by ``BENCH_PACED_WORKERS`` threads (8) standing in for concurrent
Lambda invocations, through ``campaigns.pacing.Pacer`` on the real store
(``store.campaign_pacing``) on moto in-process, each request applied atomically as DynamoDB
does (moto's are not under threads). Each call is paced under its flow's key and its account's
key. A worker takes a call, ``acquire``\\ s it, records the time it may be placed
(``time.monotonic``) and releases it after a random 0 to ``BENCH_PACED_HOLD`` seconds (3) of
"call" on a timer; a ``Wait`` is a re-queue: the call comes back when its slot is within the
pacer's ``max_sleep`` (plus up to 300 ms, as a queue's delivery would), so it can claim it.

Prints the grants, the most grants in any rolling window of the rate (measured on the recorded
times, and on the granted times), the total time against the ideal ``(calls - 1) / rate``, how
late calls were placed after their granted times, the lost races (transactions that met another
worker's write), the grants written too late to be placed (the call asked again) and the DynamoDB
requests per grant.
At full size it takes about 100 s (the pace itself: 299 / 3 s). Asserts nothing; ``run``
returns the figures.
"""

from __future__ import annotations

import copy
import functools
import os
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

CALLS = int(os.environ.get("BENCH_PACED_CALLS", "300"))
RATE = Fraction(os.environ.get("BENCH_PACED_RATE", "3"))
WORKERS = int(os.environ.get("BENCH_PACED_WORKERS", "8"))
HOLD = float(os.environ.get("BENCH_PACED_HOLD", "3"))
MAX_SLEEP = 1.0
SWITCH_INTERVAL = 0.0005
"""The interpreter's thread switch interval while measuring: the workers share one interpreter
here (Lambda invocations do not), and a worker waking for its slot should not wait 5 ms per
busy thread for it."""
DELIVERY_JITTER = 0.3
"""A re-queued call comes back up to this much later than asked (a queue's delivery is not
exact): waiters told the same slot do not all come back at once to race for it."""
FLOW_KEY = "flow:bench:campaign"
ACCOUNT_KEY = "account:bench"
ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass
class PacingFigures:
    """What one run measured."""

    calls: int
    rate: Fraction
    window_calls: int
    window_seconds: float
    grants: dict[str, list[datetime]] = field(default_factory=dict)
    placed: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    """Per call, seconds between its granted time and its placement (the scheduler's delay)."""
    lost_races: int = 0
    written_grants: int = 0
    requeued: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def granted(self) -> int:
        return sum(len(times) for times in self.grants.values())

    @property
    def total_seconds(self) -> float:
        return max(self.placed) - min(self.placed) if self.placed else 0.0

    @property
    def ideal_seconds(self) -> float:
        return float((self.calls - 1) / self.rate)

    def most_placed_in_a_window(self) -> int:
        return most_in_any_window(self.placed, self.window_seconds)

    def windows_over(self) -> int:
        """Placements that make their rolling window hold more than N."""
        ordered = sorted(self.placed)
        n = self.window_calls
        return sum(
            1 for i in range(n, len(ordered)) if ordered[i] - ordered[i - n] <= self.window_seconds
        )

    def most_granted_in_a_window(self) -> int:
        epochs = [at.timestamp() for times in self.grants.values() for at in times]
        return most_in_any_window(epochs, self.window_seconds)


def most_in_any_window(times: Sequence[float], seconds: float) -> int:
    """The most of ``times`` within any window ``(t - seconds, t]``."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while ordered[first] <= at - seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


@contextmanager
def _atomic_moto() -> Iterator[None]:
    """Each of moto's DynamoDB requests applied under one lock, and each item read copied
    under it, as DynamoDB applies and reads an item whole; undone on exit."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()  # moto nests requests (a transaction reads items)
    names = ("transact_write_items", "update_item", "put_item", "get_item", "delete_item")
    saved = {name: getattr(DynamoDBBackend, name) for name in names}

    def atomic(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with lock:
                result = method(*args, **kwargs)
                return copy.deepcopy(result) if name == "get_item" else result

        return wrapper

    for name, method in saved.items():
        setattr(DynamoDBBackend, name, atomic(name, method))
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(DynamoDBBackend, name, method)


class _CountingStore:
    """The repository, counting the writes that lost a race and those that wrote a grant."""

    def __init__(self, store: Any, figures: PacingFigures) -> None:
        self._store = store
        self._figures = figures

    def read(self, keys: Sequence[str]) -> Mapping[str, Any]:
        return self._store.read(keys)  # type: ignore[no-any-return]

    def write(self, changes: Sequence[Any]) -> bool:
        written: bool = self._store.write(changes)
        with self._figures.lock:
            if not written:
                self._figures.lost_races += 1
            elif any(change.granted is not None for change in changes):
                self._figures.written_grants += 1
        return written

    def release(self, keys: Sequence[str], call_ref: str) -> None:
        self._store.release(keys, call_ref)


def _place(figures: PacingFigures, calls: list[str], pacer: Any, limits: Any, hold: float) -> None:
    """One worker: take a call, acquire it, record it, release it after its "call"."""
    from chalicelib.campaigns.pacing import Granted

    keys = [limit.key for limit in limits]
    timers: list[threading.Timer] = []
    while True:
        with figures.lock:
            if not calls:
                break
            ref = calls.pop()
        while True:
            outcome = pacer.acquire(limits, ref)
            if isinstance(outcome, Granted):
                break
            with figures.lock:
                figures.requeued[outcome.reason] += 1
            ahead = (outcome.until - datetime.now(UTC)).total_seconds()
            if outcome.reason == "rate":
                ahead -= MAX_SLEEP  # back when the slot can be claimed
            time.sleep(max(0.0, ahead) + random.uniform(0, DELIVERY_JITTER))
        placed, wall = time.monotonic(), datetime.now(UTC)
        with figures.lock:
            figures.placed.append(placed)
            figures.late.append((wall - outcome.at).total_seconds())
            figures.grants.setdefault(ref, []).append(outcome.at)
        timer = threading.Timer(random.uniform(0, hold), pacer.release, args=(keys, ref))
        timer.start()
        timers.append(timer)
    for timer in timers:
        timer.join()


def measure(
    calls: int = CALLS, rate: Fraction = RATE, workers: int = WORKERS, hold: float = HOLD
) -> PacingFigures:
    """Place ``calls`` calls at ``rate`` through ``workers`` threads on moto in-process."""
    for name, value in ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    from moto import mock_aws

    from chalicelib.campaigns.pacing import PaceLimit, Pacer
    from chalicelib.settings import Settings
    from chalicelib.store import binding
    from chalicelib.store.campaign_pacing import CampaignPacingRepository
    from chalicelib.store.errors import StoreError
    from chalicelib.store.tables import create_tables

    limits = [PaceLimit(FLOW_KEY, rate), PaceLimit(ACCOUNT_KEY, rate)]
    window = limits[0].window
    figures = PacingFigures(calls, rate, window.calls, float(window.seconds))
    queue = [f"camp-bench:contact-{i}:attempt-1" for i in reversed(range(calls))]
    try:
        before: Settings | None = binding.bound_settings()
    except StoreError:
        before = None
    settings = Settings(stage="local", region="eu-west-1", table_prefix="ringflow-pacing-")

    def counted(model: Any, **kwargs: Any) -> None:
        with figures.lock:
            figures.requests[model.name] += 1

    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        with mock_aws(), _atomic_moto():
            binding.bind(settings)
            create_tables(settings)
            warm = Pacer(CampaignPacingRepository(), lambda: datetime.now(UTC), time.sleep)
            warm.try_acquire([PaceLimit("warm-up")], "warm-up")  # the client's first requests
            warm.release(["warm-up"], "warm-up")
            binding.shared_connection().client.meta.events.register("before-call.dynamodb", counted)
            store = _CountingStore(CampaignPacingRepository(), figures)
            threads = [
                threading.Thread(
                    target=_place,
                    args=(
                        figures,
                        queue,
                        Pacer(store, lambda: datetime.now(UTC), time.sleep, MAX_SLEEP),
                        limits,
                        hold,
                    ),
                )
                for _ in range(workers)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    finally:
        sys.setswitchinterval(interval)
        if before is not None:
            binding.bind(before)
    return figures


def run() -> PacingFigures:
    """Print the pace of ``CALLS`` calls at ``RATE`` a second through ``WORKERS`` workers."""
    print(
        f"pacing: {CALLS} calls of one campaign at {RATE} a second, {WORKERS} concurrent "
        "workers, DynamoDB on moto in-process (about (calls - 1) / rate seconds)"
    )
    figures = measure(CALLS, RATE, WORKERS, HOLD)
    report(figures)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"  (this machine's load average {load} on {os.cpu_count()} cores: a worker that is not")
    print("  scheduled in time places late, or finds its grant too late and asks again)")
    return figures


def report(figures: PacingFigures) -> None:
    """Print ``figures``."""
    window = f"{figures.window_seconds:g} s"
    ratio = figures.total_seconds / figures.ideal_seconds if figures.ideal_seconds else 0.0
    requests = sum(figures.requests.values())
    per_grant = requests / figures.granted if figures.granted else 0.0
    kinds = ", ".join(
        f"{name} {n / max(1, figures.granted):.2f}" for name, n in sorted(figures.requests.items())
    )
    print(f"  grants {figures.granted} of {figures.calls} calls")
    print(
        f"  most grants in any rolling {window}: {figures.most_placed_in_a_window()} as placed"
        f" (time.monotonic), {figures.most_granted_in_a_window()} as granted"
        f" (limit {figures.window_calls})"
    )
    print(
        f"  total {figures.total_seconds:.2f} s vs ideal {figures.ideal_seconds:.2f} s:"
        f" {ratio:.3f}x (target within 5 %)"
    )
    late = sorted(figures.late) or [0.0]
    print(
        f"  placed after the granted time: p50 {1000 * late[len(late) // 2]:.1f} ms,"
        f" p99 {1000 * late[min(len(late) - 1, round(0.99 * (len(late) - 1)))]:.1f} ms,"
        f" max {1000 * late[-1]:.1f} ms (the margin covers 20 ms);"
        f" placements over a window: {figures.windows_over()}"
    )
    requeued = ", ".join(f"{k} {v}" for k, v in sorted(figures.requeued.items())) or "none"
    print(f"  lost races (transactions that met another worker's) {figures.lost_races}")
    voided = figures.written_grants - figures.granted
    print(f"  grants written too late to place at their time (asked again) {voided}")
    print(f"  re-queued waits: {requeued}")
    print(f"  DynamoDB requests per grant {per_grant:.2f} ({kinds}; release included)")
