"""Fixtures for the Vonage adapter tests: shared spec files, a fake clock, a fake Vonage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from vonage_fakes import FakeClock, FakeVonage

from infra.local.keys import application_key_pair

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


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    authority = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return authority, path


@pytest.fixture
def fake_vonage(
    ca: tuple[trustme.CA, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeVonage]:
    # Trust must come from VonageConfig.ca_bundle, not from the environment.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    fake = FakeVonage(*ca)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def application_key() -> tuple[str, bytes]:
    """A fresh RSA application key: (private PEM text, public PEM bytes)."""
    private, public = application_key_pair()
    return private, public.encode()
