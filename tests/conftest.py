"""The order in which ``make test``'s workers take the test files (``pytest -n 2 --dist
loadfile``): the files known to run for minutes start first, then the others as pytest-xdist
orders them (most tests first).

pytest-xdist hands out whole files by their number of tests, so a file of one test that runs for
minutes (the REST API against its OpenAPI document, the local run in a browser) starts last and
runs alone while the other worker has nothing left: the suite then lasts as long as that tail.
Started first, the long files run beside the many short ones. Slow is known, not measured (the
runs keep no cache); a file missing from ``SLOW_FIRST`` only runs later.

Imports pytest-xdist's file scheduler only when the run is distributed.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

SLOW_FIRST = (
    "tests/integration/test_rest_schemathesis.py",
    "tests/browser/test_console_flows.py",
    "tests/browser/test_dev_phone.py",
    "tests/integration/test_bench_dialer.py",
    "tests/integration/test_infra.py",
    "tests/e2e/test_make_run.py",
    "tests/browser/test_dialer_pages_live.py",
    "tests/browser/test_click2call_company_calls.py",
    "tests/e2e/test_load.py",
    "tests/integration/test_package.py",
)
"""Files of a few tests each that run for tens of seconds to minutes, longest first."""


def _rank(scope: str) -> int:
    """Where a file starts: its place in ``SLOW_FIRST``, else after all of them."""
    path = scope.replace("\\", "/")
    for place, slow in enumerate(SLOW_FIRST):
        if path.endswith(slow):
            return place
    return len(SLOW_FIRST)


class SlowestFirst(OrderedDict[str, Any]):
    """xdist's queue of files: taken from the front, the slow files come out first (ties keep
    xdist's own order, most tests first)."""

    def popitem(self, last: bool = True) -> tuple[str, Any]:
        if last:
            return super().popitem(last=True)
        scope = min(self, key=_rank)
        return scope, self.pop(scope)


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    """The file scheduler with the slow files first, for ``--dist loadfile``."""
    if config.getoption("dist", None) != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    scheduler = LoadFileScheduling(config, log)
    scheduler.workqueue = SlowestFirst()
    return scheduler
