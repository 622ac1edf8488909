"""Tracing is optional: GIVEN tracing on but a Tracer that cannot be built (aws-xray-sdk missing),
WHEN blocks are traced, THEN they run as if tracing were off, one warning says why, and the
block's own errors still propagate. Also: GIVEN the SDK installed, the Tracer is built once."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from tracingkit import Recorded, block_xray_sdk

from chalicelib.ops.observability import reset_tracing, traced, tracer


@pytest.fixture
def log() -> Iterator[Recorded]:
    handler = Recorded()
    platform_logger = logging.getLogger("ringflow")
    platform_logger.addHandler(handler)
    yield handler
    platform_logger.removeHandler(handler)


@pytest.fixture
def tracing_on(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RINGFLOW_TRACING", "true")
    reset_tracing()
    yield
    reset_tracing()


def test_a_tracer_that_cannot_be_built_turns_tracing_off_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, tracing_on: None, log: Recorded
) -> None:
    # GIVEN tracing on and no aws-xray-sdk
    block_xray_sdk(monkeypatch)
    ran = []
    # WHEN two blocks are traced
    with traced("first", route="/a"):
        ran.append("first")
    with traced("second"):
        ran.append("second")
    # THEN both ran, tracing is off, and one warning says why
    assert ran == ["first", "second"]
    assert tracer() is None
    warnings = log.messages(logging.WARNING)
    assert len(warnings) == 1
    assert "tracing is off" in warnings[0] and "aws-xray-sdk" in warnings[0]


def test_the_blocks_own_error_propagates_when_tracing_is_broken(
    monkeypatch: pytest.MonkeyPatch, tracing_on: None, log: Recorded
) -> None:
    # GIVEN tracing on and no aws-xray-sdk
    block_xray_sdk(monkeypatch)
    # WHEN the traced block raises THEN the caller gets that error, not the tracer's
    with pytest.raises(KeyError, match="boom"), traced("failing"):
        raise KeyError("boom")


class BrokenProvider:
    """A tracing provider whose subsegments cannot be opened (a fake)."""

    def in_subsegment(self, name: str) -> object:
        raise RuntimeError(f"no segment for {name}")


class BrokenTracer:
    """A powertools-shaped Tracer with that provider (a fake)."""

    def __init__(self, service: str) -> None:
        self.provider = BrokenProvider()


def test_a_subsegment_that_cannot_be_opened_turns_tracing_off_once(
    monkeypatch: pytest.MonkeyPatch, tracing_on: None, log: Recorded
) -> None:
    # GIVEN a tracer whose provider fails to open subsegments
    import aws_lambda_powertools

    monkeypatch.setattr(aws_lambda_powertools, "Tracer", BrokenTracer)
    ran = []
    # WHEN three blocks are traced
    for name in ("a", "b", "c"):
        with traced(name):
            ran.append(name)
    # THEN all ran and one warning turned tracing off
    assert ran == ["a", "b", "c"]
    assert tracer() is None
    assert len(log.messages(logging.WARNING)) == 1


def test_with_the_sdk_installed_the_tracer_is_built_once(tracing_on: None, log: Recorded) -> None:
    # GIVEN tracing on and aws-xray-sdk installed (outside Lambda the Tracer disables itself)
    # WHEN a block is traced twice
    with traced("one", route="/x"):
        pass
    with traced("two"):
        pass
    # THEN one Tracer serves both and nothing was logged
    assert tracer() is not None and tracer() is tracer()
    assert log.messages(logging.WARNING) == []


def test_with_tracing_off_no_tracer_is_built(
    monkeypatch: pytest.MonkeyPatch, log: Recorded
) -> None:
    # GIVEN tracing off
    monkeypatch.delenv("RINGFLOW_TRACING", raising=False)
    reset_tracing()
    import aws_lambda_powertools

    built: list[str] = []

    def counting_tracer(service: str) -> None:
        built.append(service)

    monkeypatch.setattr(aws_lambda_powertools, "Tracer", counting_tracer)
    # WHEN a block is traced THEN no tracer is built
    with traced("quiet"):
        pass
    assert built == []
