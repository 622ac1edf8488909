"""The local run as ``make run`` starts it, for tests: ``python -m infra.local.run`` on free
loopback ports with its own state folder, its banner read until it says what a test waits for,
stopped (SIGTERM, then killed) when done; and the simulator's number behaviours set over its
REST API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from infra.local.moto import free_port

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class LocalRun:
    """The running local platform: its banner and where its simulator is."""

    banner: str
    sim: str
    ca: str
    phone: str = ""
    """The dev phone's page."""

    def set_number(self, number: str, **behaviour: Any) -> None:
        """How the simulated network answers ``number`` (``behaviour="busy"``, ...)."""
        body = {"number": number, **behaviour}
        answer = requests.post(f"{self.sim}/_sim/numbers", json=body, verify=self.ca, timeout=5)
        assert answer.status_code == 200, answer.text


@contextmanager
def local_run(state: Path, ready: str, seconds: float = 120) -> Iterator[LocalRun]:
    """Start the local run in ``state`` and yield once its banner holds ``ready``."""
    names = ("APP", "SIM", "MOTO", "MESSAGES", "SMTP", "STRIPE", "PHONE")
    ports = {name: str(free_port()) for name in names}
    env = {
        **os.environ,
        **{f"RINGFLOW_{k}_PORT": v for k, v in ports.items()},
        "RINGFLOW_LOCAL_DIR": str(state),
    }
    printed = state / "banner.txt"
    with printed.open("w") as out:
        run = subprocess.Popen(
            [sys.executable, "-m", "infra.local.run"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + seconds
        text = ""
        while time.monotonic() < deadline and ready not in text:
            assert run.poll() is None, printed.read_text()
            time.sleep(0.5)
            text = printed.read_text()
        assert ready in text, text
        yield LocalRun(
            text,
            f"https://127.0.0.1:{ports['SIM']}",
            str(state / "sim-ca.pem"),
            f"http://127.0.0.1:{ports['PHONE']}/",
        )
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait(10)
