"""Tasks that run at a time: a queued task message held back by SQS's delay when it is due
within 15 minutes, else a one-time EventBridge Scheduler schedule (``at()``, deleted after it
fires) that sends the message to the tasks queue when due (FACTS-operations §1.6: the
scheduler's precision is a minute, SQS's about a second). A schedule's name comes from the
task's key, so a repeated request makes no second schedule. Imports the standard library only;
the clients come in as callables (``wiring``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_DELAY_SECONDS = 900
"""SQS's longest delay of a message."""
_NAME = re.compile(r"[^0-9A-Za-z_.-]")


def schedule_name(key: str) -> str:
    """A schedule name (at most 64 of ``[0-9A-Za-z-_.]``) that only ``key`` makes."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{_NAME.sub('-', key)[:40]}-{digest}"


@dataclass
class TaskTimer:
    """Queue a task message now, later (SQS delay), or much later (a schedule)."""

    enqueue: Callable[[str, int], None]
    scheduler: Callable[[], Any]
    """The EventBridge Scheduler client."""
    group: str
    queue_arn: Callable[[], str]
    role_arn: str
    clock: Callable[[], datetime]

    def at(self, body: str, when: datetime, key: str) -> str:
        """Run the task message ``body`` at ``when`` (at once when past); says how: "queue"
        or "schedule"."""
        wait = (when - self.clock()).total_seconds()
        if wait <= MAX_DELAY_SECONDS:
            self.enqueue(body, max(0, int(wait + 0.999)))
            return "queue"
        moment = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        try:
            self.scheduler().create_schedule(
                Name=schedule_name(key),
                GroupName=self.group,
                ScheduleExpression=f"at({moment.isoformat()})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={"Arn": self.queue_arn(), "RoleArn": self.role_arn, "Input": body},
            )
        except Exception as error:  # a repeated request: the schedule is there already
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            if code != "ConflictException":
                raise
        return "schedule"
