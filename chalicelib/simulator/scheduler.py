"""Virtual time for the simulator: a clock, an ordered event queue and generator processes.

A process is a generator that yields ``Wait`` (sleep for virtual seconds and/or until a
``Signal`` fires); the scheduler resumes it at the right virtual instant, or throws an exception
into it (``Process.interrupt``) when something outside it happens (a hang-up, a transfer).
Nothing here sleeps for real. A scheduler belongs to one thread at a time; ``running_process``
tells the code a process runs (e.g. an in-process webhook handler) which process that is, on this
thread. It knows nothing about calls or Vonage and imports only the standard library.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any


class SimulationError(RuntimeError):
    """The simulation cannot go on (a runaway loop, a process that crashed)."""


_running = threading.local()


def running_process() -> Process | None:
    """The process this thread is advancing right now, if any."""
    process: Process | None = getattr(_running, "process", None)
    return process


class VirtualClock:
    """Wall-clock instants derived from virtual seconds since ``start``; it only moves forward."""

    def __init__(self, start: datetime | None = None) -> None:
        if start is None:
            start = datetime.now(UTC)
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        self._start = start.replace(microsecond=(start.microsecond // 1000) * 1000)
        self._seconds = 0.0

    @property
    def seconds(self) -> float:
        """Virtual seconds since the clock started."""
        return self._seconds

    def now(self) -> datetime:
        """The current virtual instant (UTC)."""
        return self._start + timedelta(seconds=self._seconds)

    def at(self, seconds: float) -> datetime:
        """The instant ``seconds`` virtual seconds after the start."""
        return self._start + timedelta(seconds=seconds)

    def advance_to(self, seconds: float) -> None:
        """Move to ``seconds`` since the start (never backwards)."""
        self._seconds = max(self._seconds, seconds)

    def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``."""
        self.advance_to(self._seconds + max(0.0, seconds))

    def sync(self, instant: datetime) -> None:
        """Catch up with ``instant`` if it is later than now (used to follow real time)."""
        self.advance_to((instant - self._start).total_seconds())


class WallStampedClock(VirtualClock):
    """Virtual time that runs ahead of the world (a call carried as fast as it can), stamped
    with the wall-clock instants it reached: ``now()`` is the wall clock and ``at(seconds)`` is
    when the clock got to ``seconds``, so the instants it gives are never in the future and
    their differences are real time. The provider's webhooks carry these instants, as the real
    network's carry the moments things happened; ``seconds`` stays virtual (transcripts, timers).
    """

    def __init__(
        self, start: datetime | None = None, wall: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(start)
        self._wall = wall or (lambda: datetime.now(UTC))
        self._reached: list[float] = [self.seconds]
        self._stamps: list[datetime] = [self._wall()]

    def now(self) -> datetime:
        """The wall clock (never before the latest stamp)."""
        return max(self._wall(), self._stamps[-1])

    def at(self, seconds: float) -> datetime:
        """When the clock reached ``seconds`` (now, for a time it has not reached yet)."""
        if seconds >= self.seconds:
            return self.now()
        return self._stamps[bisect.bisect_left(self._reached, seconds)]

    def advance_to(self, seconds: float) -> None:
        """Move to ``seconds`` (never backwards), noting the wall-clock instant."""
        if seconds > self.seconds:
            super().advance_to(seconds)
            self._reached.append(self.seconds)
            self._stamps.append(max(self._wall(), self._stamps[-1]))


@dataclass(order=True)
class Timer:
    """A scheduled callback; ``cancel`` it to stop it from running."""

    time: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        """Do not run this callback."""
        self.cancelled = True


class Signal:
    """A one-shot event processes can wait for; ``fire`` wakes every waiter at the current time."""

    def __init__(self, scheduler: Scheduler, name: str = "") -> None:
        self._scheduler = scheduler
        self.name = name
        self.fired = False
        self.value: Any = None
        self._waiters: list[Process] = []

    def fire(self, value: Any = None) -> None:
        """Fire once (later calls are ignored) and wake the waiters."""
        if self.fired:
            return
        self.fired = True
        self.value = value
        waiters, self._waiters = self._waiters, []
        for process in waiters:
            process.wake(self)

    def add_waiter(self, process: Process) -> None:
        self._waiters.append(process)

    def remove_waiter(self, process: Process) -> None:
        if process in self._waiters:
            self._waiters.remove(process)


@dataclass(frozen=True)
class Wait:
    """What a process yields: resume after ``seconds`` (None: no limit) or when ``signal`` (or
    ``also``, a second one) fires.

    The process receives ``True`` when a signal woke it and ``False`` when the time ran out.
    """

    seconds: float | None = None
    signal: Signal | None = None
    also: Signal | None = None


ProcessBody = Generator[Wait, bool, None]


class Process:
    """A running generator parked on a ``Wait``; ``interrupt`` throws an exception into it."""

    def __init__(
        self,
        scheduler: Scheduler,
        body: ProcessBody,
        name: str,
        on_exit: Callable[[Process], None] | None = None,
        tag: str | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._body = body
        self.name = name
        self.tag = tag
        self._on_exit = on_exit
        self._timer: Timer | None = None
        self._signals: tuple[Signal, ...] = ()
        self.finished = False
        self.error: BaseException | None = None
        self._epoch = 0

    def start(self) -> None:
        """Run the first step at the current virtual time."""
        self._resume_soon(None)

    def _resume_soon(self, value: bool | None) -> None:
        epoch = self._epoch

        def resume() -> None:
            if epoch == self._epoch:
                self._advance(value, None)

        self._scheduler.call_later(0.0, resume)

    def wake(self, signal: Signal) -> None:
        """Resume because ``signal`` fired (called by the signal)."""
        if signal not in self._signals:
            return
        self._detach()
        self._resume_soon(True)

    def interrupt(self, error: BaseException) -> None:
        """Throw ``error`` into the process at the current virtual time (if still running)."""
        self._scheduler.call_later(0.0, lambda: self._deliver(error))

    def _deliver(self, error: BaseException) -> None:
        if self.finished:
            return
        self._detach()
        self._advance(None, error)

    def _detach(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._leave_signals()

    def _leave_signals(self) -> None:
        for signal in self._signals:
            signal.remove_waiter(self)
        self._signals = ()

    def _timeout(self) -> None:
        self._timer = None
        if self.finished:
            return
        self._leave_signals()
        self._advance(False, None)

    def _advance(self, value: bool | None, error: BaseException | None) -> None:
        if self.finished:
            return
        self._detach()
        self._epoch += 1
        try:
            self._scheduler.current = self
            _running.process = self
            wait = (
                self._body.throw(error) if error is not None else self._body.send(value)  # type: ignore[arg-type]
            )
        except StopIteration:
            self._finish(None)
            return
        except Exception as crash:  # a crashed process is reported by on_exit, not raised
            self._finish(crash)
            return
        finally:
            self._scheduler.current = None
            _running.process = None
        self._park(wait)

    def _park(self, wait: Wait) -> None:
        signals = tuple(signal for signal in (wait.signal, wait.also) if signal is not None)
        if any(signal.fired for signal in signals):
            self._resume_soon(True)
            return
        for signal in signals:
            signal.add_waiter(self)
        self._signals = signals
        if wait.seconds is not None:
            self._timer = self._scheduler.call_later(max(0.0, wait.seconds), self._timeout)

    def _finish(self, error: BaseException | None) -> None:
        self.finished = True
        self.error = error
        if self._on_exit is not None:
            self._on_exit(self)


class Scheduler:
    """The event queue in virtual time. ``on_schedule``, when set, is called after every new
    event (whoever drives the queue learns it has work)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self._queue: list[Timer] = []
        self._seq = itertools.count()
        self.current: Process | None = None
        self.on_schedule: Callable[[], None] | None = None

    def call_at(self, seconds: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` at virtual second ``seconds`` (not before now)."""
        timer = Timer(max(seconds, self.clock.seconds), next(self._seq), callback)
        heapq.heappush(self._queue, timer)
        if self.on_schedule is not None:
            self.on_schedule()
        return timer

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` after ``delay`` virtual seconds."""
        return self.call_at(self.clock.seconds + max(0.0, delay), callback)

    def spawn(
        self,
        body: ProcessBody,
        name: str,
        on_exit: Callable[[Process], None] | None = None,
        tag: str | None = None,
    ) -> Process:
        """Start a process now; ``tag`` is free for the owner (the simulator puts the call id)."""
        process = Process(self, body, name, on_exit, tag)
        process.start()
        return process

    def next_time(self) -> float | None:
        """When the next live event is due, or None when nothing is scheduled."""
        while self._queue and self._queue[0].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0].time if self._queue else None

    def step(self) -> bool:
        """Run the next event (moving the clock to it); False when the queue is empty."""
        if self.next_time() is None:
            return False
        timer = heapq.heappop(self._queue)
        self.clock.advance_to(timer.time)
        timer.callback()
        return True
