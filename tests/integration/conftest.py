"""Fixtures shared by the integration tests: the dev package, built once per test session.

``chalice package`` runs pip (the registry, or Chalice's cache in ``.chalice/deployments``)
and the post-processing compiles every module: ~25 s warm, so every test that needs the built
package shares this one. With the suite spread over workers (``make test`` runs pytest-xdist),
the first worker to need it builds it under a lock in the session's shared temporary folder and
the others wait for it and use it: one build per session, and never two ``chalice package`` runs
writing Chalice's cache at once.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from infra.package import ZIP_NAME, package

REPO = Path(__file__).resolve().parents[2]
STAGE = "dev"


@pytest.fixture(scope="session")
def dev_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the dev stage's ``sam.json`` and ``deployment.zip``."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # one process: its own build
        out = tmp_path_factory.mktemp("package") / STAGE
        package(STAGE, out, REPO)
        return out
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker
    out = shared / "package" / STAGE
    with (shared / "package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (out / ZIP_NAME).is_file() or not (out / "built").is_file():
                package(STAGE, out, REPO)
                (out / "built").write_text("ok")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return out
