"""The lifecycles of the three kinds of leg, each a process in virtual time:

- inbound: fetch the answer NCCO (retries, fallback), then ``started``/``ringing``/``answered``,
  run the NCCO, end with ``completed``;
- outbound (REST ``POST /v1/calls``): ring with the number's behaviour, machine detection, then
  the inline NCCO or the answer URL's, run it, end;
- connected (``connect`` action): ring, report the outcome to the waiting ``connect`` (with the
  NCCO a synchronous failure answer returned), then stay bridged until someone leaves.

Imports simulator modules only; never the app.
"""

from __future__ import annotations

from chalicelib.simulator import payloads
from chalicelib.simulator.leg_runtime import (
    ConnectOptions,
    ConnectResult,
    DialOutcome,
    LegHungUp,
    LegRun,
    NccoReplaced,
)
from chalicelib.simulator.model import Bridge, EntryKind, LegStatus
from chalicelib.simulator.ncco import SYNTAX_ERROR, Ncco
from chalicelib.simulator.ncco_runner import run_ncco
from chalicelib.simulator.scheduler import ProcessBody


def _run(run: LegRun, ncco: Ncco) -> ProcessBody:
    """Run an NCCO, starting over with the new one whenever a REST transfer arrives."""
    while True:
        try:
            yield from run_ncco(run, ncco)
            return
        except NccoReplaced as replaced:
            if replaced.leg is not run.leg:
                raise
            ncco = replaced.ncco


def _refuse(run: LegRun, reason: str | None, invalid: bool) -> None:
    detail = reason or "no NCCO"
    run.error(SYNTAX_ERROR if invalid else detail, detail)


def inbound_leg(run: LegRun) -> ProcessBody:
    """A caller rings one of the application's numbers."""
    leg = run.leg
    network = run.network
    by = "platform"
    try:
        result = network.dispatcher.fetch_answer(
            network.app.answer_url,
            network.app.answer_method,
            payloads.answer_request(leg, network.api_base_url),
            run.origin,
        )
        if result.ncco is None:
            # No NCCO from the answer or fallback URL: the call is disconnected, with an error
            # and a final ``failed`` event (FACTS §3.5); it was never answered.
            _refuse(run, result.reason, result.invalid)
            run.post_event(run.fail(DialOutcome(LegStatus.FAILED)))
            return
        for status in (LegStatus.STARTED, LegStatus.RINGING, LegStatus.ANSWERED):
            run.progress(status)
        run.start_caller()
        run.arm_length_timer(network.max_call_seconds)
        yield from _run(run, result.ncco)
    except LegHungUp as hung:
        by = hung.by
    run.end(by)


def outbound_leg(run: LegRun) -> ProcessBody:
    """A call the application created through the REST API."""
    leg = run.leg
    network = run.network
    by = "platform"
    try:
        outcome = yield from run.dial(leg.ringing_timer)
        if not outcome.answered:
            run.post_event(run.fail(outcome))
            return
        run.start_caller()
        run.arm_length_timer(leg.length_limit)
        try:
            detection = yield from run.detect(leg.machine_detection, leg.advanced_machine_detection)
            if detection is not None and detection.hangup:
                raise LegHungUp(leg, "platform")
            if leg.inline_ncco is not None:
                ncco = leg.inline_ncco
            else:
                assert leg.answer_url is not None
                result = network.dispatcher.fetch_answer(
                    leg.answer_url,
                    leg.answer_method,
                    payloads.answer_request(leg, network.api_base_url),
                    run.origin,
                )
                if result.ncco is None:
                    _refuse(run, result.reason, result.invalid)
                    raise LegHungUp(leg, "platform")
                ncco = result.ncco
        except NccoReplaced as replaced:
            ncco = replaced.ncco
        yield from _run(run, ncco)
    except LegHungUp as hung:
        by = hung.by
    run.end(by)


def connected_leg(run: LegRun, options: ConnectOptions) -> ProcessBody:
    """The far end of a ``connect``."""
    leg = run.leg
    assert leg.answered is not None
    by = "platform"
    try:
        yield from _ring_and_bridge(run, options)
    except LegHungUp as hung:
        by = hung.by
    except NccoReplaced as replaced:
        # Transferred by REST after answering but before the bridge (machine detection).
        if not leg.answered.fired:
            leg.answered.fire(ConnectResult(DialOutcome(LegStatus.ANSWERED)))
        try:
            yield from _run(run, replaced.ncco)
        except LegHungUp as hung:
            by = hung.by
    if not leg.answered.fired:
        leg.answered.fire(ConnectResult(DialOutcome(leg.status)))
    run.end(by)


def _ring_and_bridge(run: LegRun, options: ConnectOptions) -> ProcessBody:
    leg = run.leg
    network = run.network
    assert leg.answered is not None
    outcome = yield from run.dial(options.ring_timeout)
    if not outcome.answered:
        payload = run.fail(outcome)
        replacement = None
        if options.synchronous:
            url, method = run.event_target()
            replacement, _ = network.dispatcher.ask_for_ncco(
                "event", method, url, payload, run.origin
            )
        else:
            run.post_event(payload)
        leg.answered.fire(ConnectResult(outcome, replacement))
        return
    run.start_caller()
    run.arm_length_timer(options.limit)
    detection = yield from run.detect(
        options.machine_detection,
        options.advanced_machine_detection,
        blocking=True,
        hold_hangup_report=options.synchronous,
    )
    if detection is not None and detection.hangup:
        replacement = None
        if not detection.posted and detection.payload is not None:
            url, method = run.event_target()
            replacement, _ = network.dispatcher.ask_for_ncco(
                "event", method, url, detection.payload, run.origin
            )
        leg.answered.fire(ConnectResult(DialOutcome(LegStatus.MACHINE), replacement))
        raise LegHungUp(leg, "platform")
    bridge = Bridge(run.scheduler, options.parent, leg)
    leg.bridge = bridge
    leg.answered.fire(ConnectResult(outcome, None, bridge))
    try:
        reason = yield from run.converse(None, bridge.ended)
    except NccoReplaced as replaced:
        leg.bridge = None
        bridge.ended.fire(leg)
        run.log(EntryKind.TRANSFER, "leaves the bridge by REST transfer")
        yield from _run(run, replaced.ncco)
        return
    leg.bridge = None
    bridge.ended.fire(leg)
    if reason == "signal" and not options.parent.is_over:
        run.log(EntryKind.BRIDGE, f"{options.parent.label} moved on; {leg.label} stays alone")
        yield from run.converse(None, None)
