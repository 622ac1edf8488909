"""Tasks that run at a time (``ops.schedules``): SQS's delay within 15 minutes, a one-time
EventBridge Scheduler schedule beyond, named by the task's key so a repeat makes no second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.ops.schedules import TaskTimer, schedule_name

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


class Scheduler:
    def __init__(self) -> None:
        self.made: dict[str, dict[str, Any]] = {}

    def create_schedule(self, **request: Any) -> None:
        if request["Name"] in self.made:
            error = Exception("exists")
            error.response = {"Error": {"Code": "ConflictException"}}  # type: ignore[attr-defined]
            raise error
        self.made[request["Name"]] = request


@pytest.fixture
def parts() -> tuple[TaskTimer, list[tuple[str, int]], Scheduler]:
    queued: list[tuple[str, int]] = []
    scheduler = Scheduler()
    timer = TaskTimer(
        enqueue=lambda body, delay: queued.append((body, delay)),
        scheduler=lambda: scheduler,
        group="ringflow-test",
        queue_arn=lambda: "arn:aws:sqs:eu-west-1:123456789012:tasks",
        role_arn="arn:aws:iam::123456789012:role/scheduler",
        clock=lambda: NOW,
    )
    return timer, queued, scheduler


def test_near_times_ride_on_the_queues_delay(parts: Any) -> None:
    timer, queued, scheduler = parts
    assert timer.at("a", NOW + timedelta(seconds=90.2), "k") == "queue"
    assert timer.at("b", NOW - timedelta(seconds=5), "k2") == "queue"
    assert queued == [("a", 91), ("b", 0)] and scheduler.made == {}


def test_far_times_are_one_time_schedules_made_once(parts: Any) -> None:
    timer, queued, scheduler = parts
    when = NOW + timedelta(hours=5, microseconds=5)
    assert timer.at("body", when, "dispatch:c1:1") == "schedule"
    assert timer.at("body", when, "dispatch:c1:1") == "schedule"
    [made] = scheduler.made.values()
    assert made["ScheduleExpression"] == "at(2026-12-01T15:00:00)"
    assert made["ActionAfterCompletion"] == "DELETE"
    assert made["Target"]["Input"] == "body" and queued == []


def test_schedule_names_are_valid_and_distinct() -> None:
    name = schedule_name("dispatch:campaign with spaces/and:colons:" + "x" * 80)
    assert len(name) <= 64 and set(name) <= set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_."
    )
    assert schedule_name("a:1") != schedule_name("a-1")
