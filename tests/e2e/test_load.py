"""The local stack under load, as ``make bench`` measures it but smaller: GIVEN the stack that
``make run`` starts (moto, the app over HTTP, the simulator serving, the demo message service,
the event pump) on free loopback ports, WHEN 30 simulated calls to the pull app are placed at
once (each caller with a message of its own, pressing 2 for the SMS), THEN every call completes
and every caller hears its own message. The figures (calls per second, latency) are printed by
the bench, never judged here. Bounded: 30 calls, 5 minutes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parents[2]


def test_thirty_calls_at_once_all_complete_and_each_hears_its_message(tmp_path: Path) -> None:
    # GIVEN the local stack, started by the load bench with 30 calls
    env = {**os.environ, "BENCH_LOAD_CALLS": "30", "BENCH_LOAD_DIR": str(tmp_path)}
    # WHEN the calls are placed at once
    run = subprocess.run(
        [sys.executable, "-m", "bench.load", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # THEN none was lost and every caller heard its own message
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["calls"] == result["completed"] == 30, result["failures"]
    assert result["lost"] == 0 and result["without_message"] == 0, result["failures"]
