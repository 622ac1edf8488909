"""The effects of a step: GIVEN a step's effects, some run inline and some queued, WHEN an inline
one fails (the webhook's time ran out), THEN every queued one was queued all the same, and the
failure is raised for the shell to log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.calls.tasks import EffectQueue, Runner, decode_task, register_effect_type
from chalicelib.flows.state import CallState
from chalicelib.telephony.events import Direction


@dataclass(frozen=True)
class Quick:
    key: str


@dataclass(frozen=True)
class Later:
    key: str


def test_a_failing_inline_effect_never_keeps_a_queued_one_from_going() -> None:
    register_effect_type("test_quick", Quick)
    register_effect_type("test_later", Later)
    queued: list[str] = []

    def fails(effect: Any, account_id: str) -> Any:
        raise TimeoutError("no time left")

    runners = {Quick: Runner(fails, inline=True), Later: Runner(lambda e, a: {})}
    effects = EffectQueue(runners, lambda body, delay: queued.append(body))
    state = CallState(
        "c-1", "acct", "f", 1, Direction.OUTBOUND, "1", "2", datetime(2026, 3, 1, tzinfo=UTC)
    )
    with pytest.raises(TimeoutError):
        effects.run([Quick("q-1"), Later("l-1"), Later("l-2")], state)
    assert [decode_task(body)[1] for body in queued] == [Later("l-1"), Later("l-2")]
