"""Fixtures for the Vonage adapter tests: the shared spec files. (The fake clock, CA and fake
Vonage of the client tests are in tests/integration/vonage/conftest.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository (CI clones it there)."""
    if not (SHARED / "vonage" / "ncco-schema.json").is_file():
        pytest.fail(
            f"the shared spec files are missing: expected {SHARED / 'vonage'} beside the "
            "repository (clone the shared repository next to this one)"
        )
    return SHARED
