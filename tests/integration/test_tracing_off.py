"""Tracing on with a Tracer that cannot be built: GIVEN the pull app on the in-process platform,
RINGFLOW_TRACING=true and no aws-xray-sdk, WHEN calls are answered, THEN each gets the flow's
NCCO (never the fallback apology) and one warning turns tracing off."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from platformkit import ALICE, PULL_NUMBER, Platform, running_platform
from tracingkit import Recorded, block_xray_sdk

from chalicelib.ops.observability import reset_tracing


@pytest.fixture
def traced_platform(monkeypatch: pytest.MonkeyPatch) -> Iterator[Platform]:
    monkeypatch.setenv("RINGFLOW_TRACING", "true")
    block_xray_sdk(monkeypatch)
    reset_tracing()
    try:
        with running_platform(monkeypatch) as running:
            yield running
    finally:
        reset_tracing()


def test_answers_get_the_flow_when_the_tracer_cannot_be_built(traced_platform: Platform) -> None:
    log = Recorded()
    service = logging.getLogger("ringflow")
    level = service.level
    service.setLevel(logging.INFO)  # as deployed, whatever an earlier test left
    service.addHandler(log)
    try:
        # WHEN two calls are answered
        answers = [
            traced_platform.voice(
                "GET",
                "/vonage/voice/answer",
                {"from": ALICE, "to": PULL_NUMBER, "uuid": leg, "conversation_uuid": "CON-t"},
            )
            for leg in ("trace-leg-1", "trace-leg-2")
        ]
    finally:
        service.removeHandler(log)
        service.setLevel(level)
    # THEN both got the pull app's greeting, not the fallback apology
    for response in answers:
        assert response.status_code == 200
        ncco = json.loads(response.body)
        assert ncco[0]["text"].startswith("Hello Alice"), ncco
    # AND one warning said tracing is off, and no fallback was counted
    warnings = log.messages(logging.WARNING)
    assert len([w for w in warnings if "tracing is off" in w]) == 1
    assert not [r for r in log.records if r.getMessage() == "voice webhook failed"]
