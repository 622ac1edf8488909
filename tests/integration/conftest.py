"""Fixtures shared by the integration tests: the dev package, built once per test session.

``chalice package`` runs pip (the registry, or Chalice's cache in ``.chalice/deployments``)
and the post-processing compiles every module: ~25 s warm, so every test that needs the built
package shares this one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.package import package

REPO = Path(__file__).resolve().parents[2]
STAGE = "dev"


@pytest.fixture(scope="session")
def dev_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder holding the dev stage's ``sam.json`` and ``deployment.zip``."""
    out = tmp_path_factory.mktemp("package") / STAGE
    package(STAGE, out, REPO)
    return out
