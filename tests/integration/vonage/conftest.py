"""Fixtures for the Vonage client tests: a fake clock, a throwaway CA, a fake Vonage over HTTPS on
127.0.0.1 and an application key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from vonage_fakes import FakeClock, FakeVonage

from infra.local.keys import application_key_pair


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
