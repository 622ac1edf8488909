"""DTMF as the network hears it: the synchronous ``input`` that joins the keys a caller presses
within its ``timeOut`` into one entry (ending on ``maxDigits``, on ``#`` with ``submitOnHash``,
or ``timeOut`` seconds after the last key), and the asynchronous ``input`` that reports each key
in real time, one input event per digit, whatever action the leg is in (FACTS §2.3, §3.3,
§6.1), to the listener a ``PUT /v1/calls/{uuid}/input/dtmf`` registered or else to the input's
own ``eventUrl``.

Strict readings where the sources are silent: the asynchronous input lasts until the NCCO it is
in is replaced (a new NCCO from an input, notify or connect answer, or a REST transfer); keys a
synchronous input takes are not reported asynchronously as well; a key pressed after an input
ended is heard by nothing.

A person acting on the leg as it goes (a dev phone, ``interactive``) is heard by the same rules:
each wait that a key of theirs may cut short (an entry's ``timeOut``, a prompt that reports keys
asynchronously) also wakes when they act.

Imports the standard library and the simulator's ``model``, ``payloads`` and ``scheduler``;
``leg_runtime`` only for typing. Never ``network``, ``ncco_runner`` or the app.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from chalicelib.simulator import payloads
from chalicelib.simulator.model import EntryKind, Leg, Step, StepKind, Upcoming
from chalicelib.simulator.scheduler import Wait

if TYPE_CHECKING:
    from chalicelib.simulator.leg_runtime import LegRun

KEY_GAP = 0.3
"""Seconds between two keys pressed in quick succession (a press step without ``gap``)."""


class ListenerRefusedError(Exception):
    """A DTMF listener asked for on a leg that has no asynchronous input running."""


@dataclass(frozen=True)
class DtmfSettings:
    """A synchronous input's ``dtmf`` settings with Vonage's defaults (FACTS §2.3)."""

    time_out: float = 3.0
    max_digits: int = 4
    submit_on_hash: bool = False

    @classmethod
    def of(cls, raw: Mapping[str, Any]) -> DtmfSettings:
        return cls(
            time_out=float(raw.get("timeOut", 3)),
            max_digits=int(raw.get("maxDigits", 4)),
            submit_on_hash=bool(raw.get("submitOnHash", False)),
        )


@dataclass(frozen=True)
class Entry:
    """What a synchronous input took: its digits, whether ``timeOut`` ended it, and the keys
    as the caller's press steps keyed them."""

    digits: str
    timed_out: bool
    keyed: tuple[str, ...]


def gap_of(step: Step) -> float:
    """Seconds between the keys of a press step."""
    return KEY_GAP if step.gap is None else step.gap


# -- synchronous input ---------------------------------------------------------------------------


def collect(run: LegRun, settings: DtmfSettings) -> Generator[Wait, bool, Entry]:
    """Take keys from ``run.now`` (the caller's next step is a press, due now) until the entry
    ends; the keys are logged as one press entry and the leg sleeps until the result is due."""
    digits = ""
    keyed: list[str] = []
    last = start = run.now
    while True:
        upcoming = run.leg.caller.peek()
        assert upcoming is not None and upcoming.step.kind is StepKind.PRESS
        step = upcoming.step
        keyed.append(step.digits)
        keys = _keys(step, start, last, digits, settings)
        digits += keys.heard
        last = keys.last
        run.take(last)
        yield from run.sleep_until(last)
        entry = Entry(digits, not keys.complete, tuple(keyed))
        deadline = last + settings.time_out
        following = run.leg.caller.peek()
        while following is None and not (keys.complete or keys.unheard) and run.interactive:
            if not (yield from run.sleep_or_act(deadline)):
                break
            following = run.leg.caller.peek()
        if keys.complete or keys.unheard or not _joins(following, deadline):
            _log(run, entry, keys.unheard)
            yield from run.sleep_until(run.now if keys.complete else deadline)
            return entry
        assert following is not None
        start = max(following.at, last + KEY_GAP)
        yield from run.sleep_until(start)


def _joins(upcoming: Upcoming | None, deadline: float) -> bool:
    """The caller's next step is a press made before the entry's ``timeOut`` runs out."""
    return upcoming is not None and upcoming.step.kind is StepKind.PRESS and upcoming.at < deadline


@dataclass(frozen=True)
class _Keys:
    heard: str
    last: float
    complete: bool
    unheard: str


def _keys(step: Step, start: float, last: float, taken: str, settings: DtmfSettings) -> _Keys:
    """The keys of one press step the input hears, when the last of them was pressed, whether
    they complete the entry (``maxDigits`` or ``#``) and the keys left unheard: those after
    the entry completed, or from a key later than ``timeOut`` after the one before."""
    heard = ""
    for index, digit in enumerate(step.digits):
        at = start + index * gap_of(step)
        if (taken or heard) and at >= last + settings.time_out:
            return _Keys(heard, last, False, step.digits[index:])
        last = at
        if settings.submit_on_hash and digit == "#":
            return _Keys(heard, last, True, step.digits[index + 1 :])
        heard += digit
        if len(taken) + len(heard) >= settings.max_digits:
            return _Keys(heard, last, True, step.digits[index + 1 :])
    return _Keys(heard, last, False, "")


def _log(run: LegRun, entry: Entry, unheard: str) -> None:
    details: dict[str, Any] = {"keyed": list(entry.keyed), "timed_out": entry.timed_out}
    if unheard:
        details["unheard"] = unheard
    run.log(EntryKind.PRESS, entry.digits, **details)


# -- asynchronous input --------------------------------------------------------------------------


def start_async(run: LegRun, url: str, method: str) -> None:
    """An ``input`` with ``mode: asynchronous`` ran: report each key from now on."""
    run.leg.async_input = (url, method)
    run.log(EntryKind.INPUT_REQUEST, "listens for DTMF in the background", url=url)


def end_async(leg: Leg) -> None:
    """The NCCO that held the asynchronous input was replaced: no more reports, no listener."""
    leg.async_input = None
    leg.dtmf_listener = None


def check_listener(leg: Leg, url: str | None) -> None:
    """``PUT /v1/calls/{uuid}/input/dtmf`` applies only to an asynchronous input (the
    documentation page "Subscribe to real-time DTMF events"); raises ``ListenerRefusedError`` on a
    leg without one. ``DELETE`` (``url`` None) is always accepted."""
    if url is not None and leg.async_input is None:
        raise ListenerRefusedError(
            f"call {leg.uuid} has no asynchronous input: a DTMF listener applies only to an "
            "input action with mode asynchronous"
        )


def set_listener(leg: Leg, url: str | None, method: str = "POST") -> None:
    """Register (or with None remove) the listener; ignored if the asynchronous input ended
    since the request was accepted."""
    if url is None or leg.async_input is not None:
        leg.dtmf_listener = None if url is None else (url, method)


def press_into_line(run: LegRun, step: Step) -> float:
    """The caller presses ``step``'s keys from now, one every gap; with an asynchronous input
    running each key is reported when pressed. Returns when the last key is pressed."""
    gap = gap_of(step)
    for index, digit in enumerate(step.digits):
        if index == 0:
            _report(run, digit)
        else:
            run.scheduler.call_later(index * gap, partial(_report, run, digit))
    return run.now + gap * (len(step.digits) - 1)


def _report(run: LegRun, digit: str) -> None:
    leg = run.leg
    target = leg.dtmf_listener or leg.async_input
    if target is None or leg.is_over:
        return
    url, method = target
    payload = payloads.input_event(
        leg,
        payloads.dtmf_result(digit, False),
        payloads.speech_result(None, 0.0, None),
        run.clock.now(),
    )
    run.network.dispatcher.deliver("input", method, url, payload, run.origin)


def hear(run: LegRun, seconds: float) -> Generator[Wait, bool, None]:
    """The leg plays or waits for ``seconds`` (infinity: until interrupted); with an
    asynchronous input running, the caller's keys due meanwhile are pressed and reported."""
    end = run.now + seconds
    while True:
        upcoming = run.leg.caller.peek() if run.leg.async_input is not None else None
        listening = run.leg.async_input is not None and run.interactive
        if upcoming is None and listening and run.now < end and (yield from run.sleep_or_act(end)):
            continue
        if upcoming is None or upcoming.step.kind is not StepKind.PRESS or upcoming.at >= end:
            if seconds == float("inf"):
                yield Wait(None)
            else:
                yield from run.sleep_until(end)
            return
        yield from run.sleep_until(max(upcoming.at, run.now))
        step = upcoming.step
        run.take(press_into_line(run, step))
        run.log(EntryKind.PRESS, step.digits, into="line", reported=True)
