"""What a running leg can do, shared by the NCCO actions and the leg lifecycles: log to the
transcript, post events, sleep in virtual time, follow the caller's script on an open line
(``converse``), ring a number with its behaviour (``dial``), run machine detection, finish
recordings and end the leg with the provider's events.

Holds no call policy of its own beyond the provider's. Imports the standard library and simulator
modules (``network`` only for typing); never the app.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from chalicelib.simulator import dtmf, machine_detection, media, payloads
from chalicelib.simulator.dispatch import Origin
from chalicelib.simulator.interactive import InteractiveCaller, Pick
from chalicelib.simulator.model import (
    Behaviour,
    Bridge,
    EntryKind,
    Leg,
    LegStatus,
    NumberBehaviour,
    Recording,
    Step,
    StepKind,
    WebhookRecord,
)
from chalicelib.simulator.ncco import Ncco
from chalicelib.simulator.scheduler import Signal, Wait

if TYPE_CHECKING:
    from chalicelib.simulator.network import Network

Steps = Generator[Wait, bool, None]

PRESS_DELAY = 0.5
WORD_SECONDS = 0.4
TALK_CHARS_PER_SECOND = 15.0
STREAM_SECONDS = 5.0
BUSY_SECONDS = 1.0
FAIL_SECONDS = 0.5


class LegHungUp(Exception):
    """Thrown into a leg's process when the leg is hung up (``by`` user or platform)."""

    def __init__(self, leg: Leg, by: str) -> None:
        super().__init__(f"{leg.label} hung up by {by}")
        self.leg = leg
        self.by = by


class NccoReplaced(Exception):
    """Thrown into a leg's process when a REST transfer gives it a new NCCO."""

    def __init__(self, leg: Leg, ncco: Ncco) -> None:
        super().__init__(f"{leg.label} transferred")
        self.leg = leg
        self.ncco = ncco


@dataclass(frozen=True)
class DialOutcome:
    """How ringing a number ended: answered, or a failure status with its detail."""

    status: LegStatus
    detail: str | None = None

    @property
    def answered(self) -> bool:
        return self.status is LegStatus.ANSWERED


@dataclass(frozen=True)
class Detection:
    """The verdict of blocking machine detection; ``payload`` is the machine/human event,
    already posted unless ``posted`` is False (left to the caller to post and ask for an NCCO)."""

    machine: bool
    hangup: bool
    payload: Mapping[str, Any] | None = None
    posted: bool = True


def speech_seconds(text: str) -> float:
    """How long a caller takes to say ``text``."""
    return max(0.6, len(text.split()) * WORD_SECONDS)


def talk_seconds(text: str) -> float:
    """How long text-to-speech takes to say ``text``."""
    return max(1.0, len(text) / TALK_CHARS_PER_SECOND)


class LegRun:
    """The context a leg's process runs in: the network, the leg, and the scheduler and clock
    of the leg's call."""

    def __init__(self, network: Network, leg: Leg) -> None:
        self.network = network
        self.leg = leg
        self.scheduler = network.scheduler_of(leg.call_id)
        self.clock = self.scheduler.clock
        self.remaining: Ncco = []
        self.barge_since: float | None = None
        self.actions_run = 0

    # -- time, transcript, webhooks ------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.seconds

    @property
    def origin(self) -> Origin:
        return Origin(self.leg.call_id, self.leg.label)

    def log(self, kind: EntryKind, text: str, **details: Any) -> None:
        self.network.log(self.leg, kind, text, **details)

    def event_target(self, urls: object = None, method: object = None) -> tuple[str, str]:
        """Where this leg's webhooks go: an action's ``eventUrl``, else the leg's, else the
        application's."""
        if isinstance(urls, list) and urls:
            url = str(urls[0])
        else:
            url = self.leg.event_url or self.network.app.event_url
        verb = method if method in ("GET", "POST") else None
        return url, str(verb or self.leg.event_method)

    def post_event(self, payload: Mapping[str, Any]) -> WebhookRecord:
        url, method = self.event_target()
        return self.network.dispatcher.deliver("event", method, url, payload, self.origin)

    def set_status(self, status: LegStatus, detail: str | None = None) -> None:
        self.leg.status = status
        text = status.value if detail is None else f"{status.value} ({detail})"
        self.log(EntryKind.STATUS, text, detail=detail)

    def progress(self, status: LegStatus) -> None:
        """Move to started/ringing/answered and post the event."""
        if status is LegStatus.ANSWERED:
            self.leg.answered_at = self.now
        self.set_status(status)
        self.post_event(payloads.progress_event(self.leg, status, self.clock.now()))

    def fail(self, outcome: DialOutcome) -> Mapping[str, Any]:
        """Record a failed attempt; return its event payload (the caller decides how to post)."""
        self.leg.ended_at = self.now
        self.set_status(outcome.status, outcome.detail)
        return payloads.failure_event(self.leg, outcome.status, self.clock.now(), outcome.detail)

    def error(self, reason: str, detail: str) -> None:
        """An error event (e.g. an NCCO that does not parse)."""
        self.log(EntryKind.ERROR, reason, detail=detail)
        self.post_event(payloads.error_event(self.leg.conversation_uuid, reason, self.clock.now()))

    def sleep(self, seconds: float) -> Steps:
        if seconds > 0:
            yield Wait(seconds)

    def sleep_until(self, at: float) -> Steps:
        yield from self.sleep(at - self.now)

    @property
    def interactive(self) -> bool:
        """Whether a person acts on this leg as it goes (a dev phone), not a fixed script."""
        return self.leg.caller.acted is not None

    def sleep_or_act(self, at: float) -> Generator[Wait, bool, bool]:
        """Sleep until ``at`` (infinity: no limit), or until the person on an interactive leg
        acts (True); a scripted leg just sleeps."""
        acted = self.leg.caller.acted
        if acted is None:
            if at == float("inf"):
                yield Wait(None)
            else:
                yield from self.sleep_until(at)
            return False
        if at <= self.now:
            return False
        woke: bool = yield Wait(None if at == float("inf") else at - self.now, acted)
        return woke

    # -- the caller's script ---------------------------------------------------------------------

    def start_caller(self) -> None:
        self.leg.caller.start(self.now)
        self.rearm()

    def rearm(self) -> None:
        """Schedule the caller's hang-up if the script reaches one before its next answer."""
        leg = self.leg
        if leg.hangup_timer is not None:
            leg.hangup_timer.cancel()
            leg.hangup_timer = None
        upcoming = leg.caller.peek()
        if upcoming is not None and upcoming.step.kind is StepKind.HANGUP:
            network = self.network
            leg.hangup_timer = self.scheduler.call_at(
                upcoming.at, lambda: network.hang_up_leg(leg, "user")
            )

    def take(self, at: float) -> Step:
        """Consume the caller's next step at ``at`` and re-arm the hang-up."""
        step = self.leg.caller.consume(at)
        self.rearm()
        return step

    def converse(self, until: float | None, signal: Signal | None) -> Generator[Wait, bool, str]:
        """Stay on an open line (bridge or conversation): the caller's steps happen in time
        (speech, DTMF into the line), until ``signal`` fires ("signal"), ``until`` passes
        ("until"), or the caller leaves after their script (raises ``LegHungUp``)."""
        leg = self.leg
        while True:
            now = self.now
            if until is not None and now >= until:
                return "until"
            stay = leg.caller.stay_until()
            if stay is not None and now >= stay:
                leg.disconnected_by = "user"
                raise LegHungUp(leg, "user")
            upcoming = leg.caller.peek()
            wake = [t for t in (until, stay) if t is not None]
            if upcoming is not None and upcoming.step.responsive:
                wake.append(upcoming.at)
            delay = max(0.0, min(wake) - now) if wake else None
            fired = yield Wait(delay, signal, leg.caller.acted)
            if fired and signal is not None and signal.fired:
                return "signal"
            upcoming = leg.caller.peek()
            if upcoming is not None and upcoming.step.responsive and self.now >= upcoming.at:
                self._act_on_line(upcoming.step)

    def _act_on_line(self, step: Step) -> None:
        if step.kind is StepKind.PRESS:
            self.take(dtmf.press_into_line(self, step))
            self.log(EntryKind.PRESS, step.digits, into="line", muted=self.leg.muted)
            return
        self.take(self.now + (step.seconds if step.kind is StepKind.RECORD else 0.0))
        muted = " (muted)" if self.leg.muted else ""
        if step.kind is StepKind.SAY:
            self.log(EntryKind.SPEAK, f"{step.text}{muted}", into="line")
        else:
            self.log(EntryKind.SPEAK, f"(talks for {step.seconds:g}s){muted}", into="line")

    # -- ringing ---------------------------------------------------------------------------------

    def dial(self, ring_timeout: float) -> Generator[Wait, bool, DialOutcome]:
        """Ring the leg's number with its behaviour; posts started/ringing/answered (the final
        failure event is left to the caller, which may expect an NCCO back)."""
        behaviour = self.leg.behaviour
        kind = behaviour.behaviour
        self.progress(LegStatus.STARTED)
        if kind is Behaviour.BUSY:
            yield from self.sleep(BUSY_SECONDS)
            return DialOutcome(LegStatus.BUSY)
        if kind is Behaviour.FAILS:
            yield from self.sleep(FAIL_SECONDS)
            return DialOutcome(LegStatus.FAILED, behaviour.failure_detail)
        if kind is Behaviour.REJECTED:
            yield from self.sleep(FAIL_SECONDS)
            return DialOutcome(LegStatus.REJECTED, behaviour.failure_detail)
        self.progress(LegStatus.RINGING)
        if kind is Behaviour.PHONE:
            return (yield from self._ring_phone(ring_timeout))
        if kind is Behaviour.NO_ANSWER:
            carrier = behaviour.ring_seconds
            if carrier is not None and carrier < ring_timeout:
                yield from self.sleep(carrier)
                return DialOutcome(LegStatus.UNANSWERED, behaviour.failure_detail)
            yield from self.sleep(ring_timeout)
            return DialOutcome(LegStatus.TIMEOUT)
        if behaviour.answers_after >= ring_timeout:
            yield from self.sleep(ring_timeout)
            return DialOutcome(LegStatus.TIMEOUT)
        yield from self.sleep(behaviour.answers_after)
        self.progress(LegStatus.ANSWERED)
        return DialOutcome(LegStatus.ANSWERED)

    def _ring_phone(self, ring_timeout: float) -> Generator[Wait, bool, DialOutcome]:
        """A dev phone rings until its person picks a button, or the ring timeout passes (as
        ``no_answer``). Busy and decline end the attempt as those behaviours do; the answering
        machine answers as ``answering_machine`` does (detection, beep)."""
        caller = self.leg.caller
        deadline = self.now + ring_timeout
        while True:
            pick = caller.pick if isinstance(caller, InteractiveCaller) else None
            if pick is Pick.BUSY:
                return DialOutcome(LegStatus.BUSY)
            if pick is Pick.DECLINE:
                return DialOutcome(LegStatus.REJECTED, "declined")
            if pick in (Pick.ANSWER, Pick.MACHINE):
                if pick is Pick.MACHINE:
                    self.leg.behaviour = NumberBehaviour(
                        Behaviour.ANSWERING_MACHINE, answers_after=0.0, talk_seconds=None
                    )
                self.progress(LegStatus.ANSWERED)
                return DialOutcome(LegStatus.ANSWERED)
            if self.now >= deadline:
                return DialOutcome(LegStatus.TIMEOUT)
            yield from self.sleep_or_act(deadline)

    def arm_length_timer(self, seconds: float) -> None:
        """The platform ends the leg ``seconds`` after it was answered."""
        leg = self.leg
        network = self.network
        leg.length_timer = self.scheduler.call_later(
            seconds, lambda: network.hang_up_leg(leg, "platform")
        )

    # -- machine detection -------------------------------------------------------------------------

    def machine_report(self, status: str, sub_state: str | None = None) -> Mapping[str, Any]:
        self.log(EntryKind.STATUS, status if sub_state is None else f"{status} ({sub_state})")
        return payloads.machine_event(self.leg, status, self.clock.now(), sub_state)

    def detect(
        self,
        standard: str | None,
        advanced: Mapping[str, Any] | None,
        *,
        blocking: bool = False,
        hold_hangup_report: bool = False,
    ) -> Generator[Wait, bool, Detection | None]:
        """Machine detection after answer (``machine_detection``). Synchronous modes keep the
        line silent and the NCCO waiting until every report is sent; advanced ``default``
        reports in the background while the NCCO runs (``blocking`` forces waiting). With
        ``hold_hangup_report`` a machine verdict that hangs up is returned unposted (a
        synchronous connect asks for an NCCO with it)."""
        detection = machine_detection.plan(standard, advanced)
        if detection is None:
            return None
        behaviour = self.leg.behaviour
        machine = behaviour.behaviour is Behaviour.ANSWERING_MACHINE
        hangup = machine and detection.behavior == "hangup"
        reports = machine_detection.reports(detection, machine, behaviour.beep_after)
        if not (blocking or detection.synchronous):
            self._detect_in_background(reports, hangup)
            return None
        started = self.now
        payload: Mapping[str, Any] | None = None
        for index, report in enumerate(reports):
            yield from self.sleep_until(started + report.after)
            payload = self.machine_report(report.status, report.sub_state)
            if hangup and hold_hangup_report and index == len(reports) - 1:
                return Detection(machine, True, payload, posted=False)
            self.post_event(payload)
        return Detection(machine, hangup, payload)

    def _detect_in_background(self, reports: list[machine_detection.Report], hangup: bool) -> None:
        leg = self.leg
        network = self.network

        def send(report: machine_detection.Report, last: bool) -> None:
            if leg.is_over:
                return
            self.post_event(self.machine_report(report.status, report.sub_state))
            if hangup and last:
                network.hang_up_leg(leg, "platform")

        for index, report in enumerate(reports):
            self.scheduler.call_later(
                report.after, partial(send, report, index == len(reports) - 1)
            )

    # -- recordings --------------------------------------------------------------------------------

    def finish_recording(self, recording: Recording) -> None:
        """Stop a recording, store its file and post the recording webhook."""
        if recording.ended_at is not None:
            return
        recording.ended_at = self.now
        seconds = recording.ended_at - recording.started_at
        body, content_type = media.recording(recording.audio_format, seconds)
        self.network.store_file(recording.file_id, body, content_type)
        url = f"{self.network.api_base_url}/v1/files/{recording.file_id}"
        clock = self.clock
        payload = payloads.recording_event(
            start=clock.at(recording.started_at),
            end=clock.at(recording.ended_at),
            recording_url=url,
            size=len(body),
            recording_uuid=recording.recording_uuid,
            conversation_uuid=self.leg.conversation_uuid,
            now=clock.now(),
        )
        self.log(EntryKind.RECORD, f"recording ready ({seconds:.1f}s)", url=url)
        target, method = self.event_target(
            [recording.event_url] if recording.event_url else None, recording.event_method
        )
        self.network.dispatcher.deliver("record", method, target, payload, self.origin)

    # -- the end ---------------------------------------------------------------------------------

    def end(self, by: str) -> None:
        """End the leg: ``completed`` (answered) or ``cancelled`` (still ringing), stop the
        recordings, leave the bridge or conversation, wake whoever waits for this leg."""
        leg = self.leg
        for timer in (leg.hangup_timer, leg.length_timer):
            if timer is not None:
                timer.cancel()
        leg.hangup_timer = leg.length_timer = None
        if leg.ended_at is None:
            leg.ended_at = self.now
        if leg.answered_at is not None and leg.status is not LegStatus.COMPLETED:
            leg.disconnected_by = by
            if by == "user":
                self.log(EntryKind.HANGUP, f"{leg.label} hangs up")
            else:
                self.log(EntryKind.HANGUP, f"the network ends {leg.label}")
            clock = self.clock
            self.set_status(LegStatus.COMPLETED)
            self.post_event(
                payloads.completed_event(
                    leg, clock.at(leg.answered_at), clock.at(leg.ended_at), clock.now()
                )
            )
        elif not leg.is_over:
            self.post_event(self.fail(DialOutcome(LegStatus.CANCELLED)))
        for recording in leg.recordings:
            self.finish_recording(recording)
        if leg.bridge is not None:
            leg.bridge.ended.fire(leg)
            leg.bridge = None
        if leg.room is not None:
            self.network.leave_room(leg, end_conversation=False)
        if leg.ended is not None:
            leg.ended.fire(leg)


@dataclass(frozen=True)
class ConnectOptions:
    """The parts of a ``connect`` action the new leg's lifecycle needs."""

    parent: Leg
    ring_timeout: float
    limit: float
    synchronous: bool
    machine_detection: str | None
    advanced_machine_detection: Mapping[str, Any] | None
    refusal: str | None = None


@dataclass(frozen=True)
class ConnectResult:
    """What the connected leg tells the ``connect`` action waiting for it."""

    outcome: DialOutcome
    replacement: Ncco | None = None
    bridge: Bridge | None = None
