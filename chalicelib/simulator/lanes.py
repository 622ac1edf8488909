"""Concurrent driving for a served network: every call is a lane (its own scheduler and virtual
clock, and an inbox of commands from other threads) and a bounded pool of worker threads runs
the lanes that have work.

A lane runs on one worker at a time and its events run in order, so a call's webhooks keep the
order the provider sends them in; different calls' lanes run on different workers. Every change
to the simulation happens under one step lock, which a worker gives up only while a webhook
waits for the application's answer (``unlocked``, used by the dispatcher around the transport):
calls overlap exactly where the real network would wait, and the simulation itself stays as
serial, and as safe, as on one thread. Without ``speed`` each lane runs its call as fast as it
can on its own clock (a webhook takes no virtual time, as in-process), a clock that stamps the
instants it gives with the wall clock (``WallStampedClock``: the call's virtual minutes must
not reach the application as times in its future); with ``speed`` every lane
follows real time, ``speed`` virtual seconds per second, and a ticker thread wakes lanes whose
next event falls due.

The in-process mode (tests, ``Network.run_until_idle``) never uses lanes: one scheduler, one
thread, deterministic. Imports the standard library and ``scheduler``; never the app.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from chalicelib.simulator.scheduler import Scheduler, VirtualClock, WallStampedClock

EVENTS_PER_TURN = 200
IDLE_POLL = 0.2

Command = Callable[[], None]


class Lane:
    """One call's timeline: its scheduler (with its own clock) and its command inbox."""

    def __init__(self, pool: LanePool, scheduler: Scheduler) -> None:
        self.pool = pool
        self.scheduler = scheduler
        self.inbox: deque[Command] = deque()
        self.queued = False
        self.turns = 0


class LanePool:
    """The workers that run lanes. ``clock`` is the network's own clock: every lane's clock
    starts at its instant zero (so ``clock.at(seconds)`` means the same for every lane) and at
    the current real time. ``on_error`` hears about an exception an event raised (the worker
    goes on)."""

    def __init__(
        self,
        clock: VirtualClock,
        workers: int,
        speed: float | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a lane pool needs at least one worker")
        if speed is not None and speed <= 0:
            raise ValueError("speed must be positive")
        self.clock = clock
        self.workers = workers
        self.speed = speed
        self._on_error = on_error
        self._step_lock = threading.Lock()
        self._holder = threading.local()
        self._ready_lock = threading.Lock()
        self._ready: queue.SimpleQueue[Lane] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._wakes: list[tuple[float, int, Lane]] = []
        self._wakes_changed = threading.Condition()
        self._seq = itertools.count()
        self._anchor_real = time.monotonic()
        self._anchor_virtual = 0.0

    # -- lanes -----------------------------------------------------------------------------------

    def _paced_now(self) -> float:
        assert self.speed is not None
        return self._anchor_virtual + (time.monotonic() - self._anchor_real) * self.speed

    def new_lane(self) -> Lane:
        """A lane for a new call, its clock at the current real time."""
        self.clock.sync(datetime.now(UTC))
        if self.speed is not None:
            lane_clock = VirtualClock(self.clock.at(0.0))
            lane_clock.advance_to(self._paced_now())
        else:
            lane_clock = WallStampedClock(self.clock.at(0.0))
            lane_clock.advance_to(self.clock.seconds)
        scheduler = Scheduler(lane_clock)
        lane = Lane(self, scheduler)
        scheduler.on_schedule = lambda: self._mark_ready(lane)
        return lane

    def submit(self, lane: Lane, command: Command) -> None:
        """Run ``command`` on ``lane``'s turn (from any thread)."""
        with self._ready_lock:
            lane.inbox.append(command)
            self._enqueue(lane)

    def _mark_ready(self, lane: Lane) -> None:
        with self._ready_lock:
            self._enqueue(lane)

    def _enqueue(self, lane: Lane) -> None:
        if not lane.queued:
            lane.queued = True
            self._ready.put(lane)

    # -- the step lock ---------------------------------------------------------------------------

    @contextmanager
    def _stepping(self) -> Iterator[None]:
        with self._step_lock:
            self._holder.held = True
            try:
                yield
            finally:
                self._holder.held = False

    @contextmanager
    def unlocked(self) -> Iterator[None]:
        """Give up the step lock while waiting for something outside the simulation (a
        webhook's answer), if this thread holds it."""
        if not getattr(self._holder, "held", False):
            yield
            return
        self._holder.held = False
        self._step_lock.release()
        try:
            yield
        finally:
            self._step_lock.acquire()
            self._holder.held = True

    # -- workers ---------------------------------------------------------------------------------

    def _next(self, lane: Lane) -> tuple[bool, float | None]:
        """Whether the lane has an event to run now, and else when its next one falls due in
        real-time pacing (None: it has none, or runs as fast as it can)."""
        due = lane.scheduler.next_time()
        if due is None:
            return False, None
        if self.speed is None or due <= self._paced_now():
            return True, None
        return False, due

    def _settle_clock(self, lane: Lane) -> None:
        """Bring an idle lane's clock up to now before it runs what woke it (a call that sat
        waiting for a command from outside, e.g. a REST transfer, waited in real time)."""
        clock = lane.scheduler.clock
        due = lane.scheduler.next_time()
        if self.speed is not None:
            now = self._paced_now()
            clock.advance_to(now if due is None else min(now, due))
        elif due is None and lane.turns > 0:
            clock.sync(datetime.now(UTC))
        lane.turns += 1

    def _turn(self, lane: Lane) -> None:
        """Run ``lane``'s commands and due events (up to ``EVENTS_PER_TURN`` events), then let
        it go until something new arrives for it or its next event falls due."""
        with self._stepping():
            self._settle_clock(lane)
        for _ in range(EVENTS_PER_TURN):
            with self._stepping():
                while True:
                    with self._ready_lock:
                        command = lane.inbox.popleft() if lane.inbox else None
                    if command is None:
                        break
                    self._guarded(command)
                runnable, later = self._next(lane)
                if runnable:
                    self._guarded(lane.scheduler.step)
                    continue
                with self._ready_lock:
                    if lane.inbox:
                        continue
                    lane.queued = False
                if later is not None:
                    self._wake_at(later, lane)
                return
        with self._ready_lock:
            self._ready.put(lane)

    def _guarded(self, action: Callable[[], object]) -> None:
        try:
            action()
        except Exception as error:  # an event's bug must not kill the worker
            if self._on_error is not None:
                self._on_error(error)

    def _work(self) -> None:
        while not self._stop.is_set():
            try:
                lane = self._ready.get(timeout=IDLE_POLL)
            except queue.Empty:
                continue
            self._turn(lane)

    def _wake_at(self, due: float, lane: Lane) -> None:
        assert self.speed is not None
        real = self._anchor_real + (due - self._anchor_virtual) / self.speed
        with self._wakes_changed:
            heapq.heappush(self._wakes, (real, next(self._seq), lane))
            self._wakes_changed.notify()

    def _tick(self) -> None:
        while not self._stop.is_set():
            woken: list[Lane] = []
            with self._wakes_changed:
                now = time.monotonic()
                while self._wakes and self._wakes[0][0] <= now:
                    woken.append(heapq.heappop(self._wakes)[2])
                if not woken:
                    delay = self._wakes[0][0] - now if self._wakes else IDLE_POLL
                    self._wakes_changed.wait(min(max(delay, 0.0), IDLE_POLL))
            for lane in woken:
                self._mark_ready(lane)

    def start(self) -> LanePool:
        """Start the workers (and the ticker when paced)."""
        self.clock.sync(datetime.now(UTC))
        self._anchor_real = time.monotonic()
        self._anchor_virtual = self.clock.seconds
        for index in range(self.workers):
            worker = threading.Thread(target=self._work, name=f"sim-lane-{index}", daemon=True)
            worker.start()
            self._threads.append(worker)
        if self.speed is not None:
            ticker = threading.Thread(target=self._tick, name="sim-lane-ticker", daemon=True)
            ticker.start()
            self._threads.append(ticker)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the workers (a worker waiting for a webhook finishes that wait first)."""
        self._stop.set()
        with self._wakes_changed:
            self._wakes_changed.notify_all()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
