"""The interactive caller: a person on a leg whose script grows as they act (a dev phone's
keypad, its "say" box, the buttons of a ringing phone), in real time.

Each act is a step due the moment it was made; it waits in order until something on the line
takes it, as a scripted press or say does (keys pressed while a prompt plays, or before the flow
asks, are kept for the next input: the type-ahead of a real phone's DTMF), and it fires the
caller's ``acted`` signal so that whatever the leg's process waits in (an input collecting
keys or speech, a bridge or conversation, a ringing phone) wakes and looks again. The person
never leaves of their own accord: they hang up through the network.

Plain state; imports the standard library and the simulator's ``model`` and ``scheduler``.
Never the network, the NCCO runner or the app.
"""

from __future__ import annotations

from collections import deque
from enum import StrEnum

from chalicelib.simulator.model import Caller, Step, StepKind, Upcoming
from chalicelib.simulator.scheduler import Scheduler, Signal


class Pick(StrEnum):
    """What the person does with a ringing phone."""

    ANSWER = "answer"
    BUSY = "busy"
    DECLINE = "decline"
    MACHINE = "machine"
    """Let the answering machine take it (answers as the ``answering_machine`` behaviour)."""


class InteractiveCaller(Caller):
    """A caller whose steps are the person's acts, each due when it was made."""

    def __init__(self, scheduler: Scheduler) -> None:
        super().__init__((), None)
        self._scheduler = scheduler
        self._pending: deque[Upcoming] = deque()
        self._next = Signal(scheduler, "the person acts")
        self.acted = self._next
        self.pick: Pick | None = None

    def act(self, now: float, step: Step) -> None:
        """The person presses keys or says words at ``now`` (the leg's virtual seconds)."""
        if step.kind not in (StepKind.PRESS, StepKind.SAY):
            raise ValueError(f"a person on a phone presses or says, not {step.kind.value}")
        self._pending.append(Upcoming(now, step))
        self._wake()

    def choose(self, pick: Pick) -> None:
        """The person picks a button of the ringing phone (the first pick counts)."""
        if self.pick is None:
            self.pick = pick
            self._wake()

    def _wake(self) -> None:
        signal, self._next = self._next, Signal(self._scheduler, "the person acts")
        self.acted = self._next
        signal.fire()

    @property
    def pending(self) -> tuple[Step, ...]:
        """The acts nothing on the line has taken yet."""
        return tuple(upcoming.step for upcoming in self._pending)

    def peek(self) -> Upcoming | None:
        if not self.started or not self._pending:
            return None
        return self._pending[0]

    def consume(self, now: float) -> Step:
        return self._pending.popleft().step

    def stay_until(self) -> float | None:
        return None
