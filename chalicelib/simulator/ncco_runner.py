"""Runs an NCCO on a leg: one handler per action in a table (talk, stream, input, connect,
conversation, record, notify, wait, transfer), each a generator in virtual time, and the loop that
executes them in order, replacing the rest of the NCCO when an input, notify or synchronous
connect answer (or a REST transfer) brings a new one (FACTS §2).

Imports the standard library and simulator modules; never the app's flow engine or its NCCO
renderer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.simulator import caller_id, conversations, dtmf, payloads
from chalicelib.simulator.leg_runtime import (
    PRESS_DELAY,
    STREAM_SECONDS,
    ConnectOptions,
    ConnectResult,
    LegHungUp,
    LegRun,
    NccoReplaced,
    speech_seconds,
    talk_seconds,
)
from chalicelib.simulator.model import EntryKind, Recording, StepKind
from chalicelib.simulator.ncco import Ncco
from chalicelib.simulator.scheduler import Wait


@dataclass(frozen=True)
class ActionResult:
    """How an action ended: a replacement NCCO, or ``terminal`` (nothing after it runs)."""

    replace: Ncco | None = None
    terminal: bool = False


ActionSteps = Generator[Wait, bool, ActionResult]
MAX_ACTIONS_PER_LEG = 1000
Handler = Callable[[LegRun, Mapping[str, Any]], ActionSteps]


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def _note_ignored(run: LegRun, note: str | None) -> None:
    if note is not None and ("invalid" in note or "failed" in note):
        run.log(EntryKind.ERROR, note)


def _barge_in(run: LegRun, action: Mapping[str, Any], seconds: float) -> ActionSteps:
    """Play for ``seconds`` (infinity for loop 0), cut short when ``bargeIn`` is on, an
    ``input`` follows and the caller's next press or speech becomes due after the first
    barge-in prompt began (a caller who was ready before the prompts listens to them first)."""
    if action.get("bargeIn") is True:
        if run.barge_since is None:
            run.barge_since = run.now
        following = next(
            (a for a in run.remaining if a.get("action") not in ("talk", "stream")), None
        )
        if run.interactive and following is not None and following.get("action") == "input":
            return (yield from _barge_in_live(run, action, seconds))
        upcoming = run.leg.caller.peek()
        if (
            following is not None
            and following.get("action") == "input"
            and upcoming is not None
            and upcoming.step.kind in (StepKind.PRESS, StepKind.SAY)
            and run.barge_since < upcoming.at < run.now + seconds
        ):
            yield from run.sleep_until(max(upcoming.at, run.now))
            run.log(
                EntryKind.SAY if action.get("action") == "talk" else EntryKind.PLAY, "(barge-in)"
            )
            return ActionResult()
    yield from dtmf.hear(run, seconds)
    return ActionResult()


def _barge_in_live(run: LegRun, action: Mapping[str, Any], seconds: float) -> ActionSteps:
    """``_barge_in`` for a person acting as the prompt plays: the first press or speech made
    after the first barge-in prompt began cuts it short; acts made before it wait for the
    input (the same rule as a script's)."""
    end = run.now + seconds
    assert run.barge_since is not None
    while True:
        upcoming = run.leg.caller.peek()
        if (
            upcoming is not None
            and upcoming.step.kind in (StepKind.PRESS, StepKind.SAY)
            and run.barge_since < upcoming.at < end
        ):
            yield from run.sleep_until(max(upcoming.at, run.now))
            run.log(
                EntryKind.SAY if action.get("action") == "talk" else EntryKind.PLAY, "(barge-in)"
            )
            return ActionResult()
        if run.now >= end or not (yield from run.sleep_or_act(end)):
            return ActionResult()


def _talk(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    text = _plain(str(action["text"]))
    loop = int(action.get("loop", 1))
    run.log(
        EntryKind.SAY,
        text,
        language=action.get("language", "en-US"),
        style=action.get("style", 0),
        loop=loop,
        ssml=str(action["text"]).lstrip().startswith("<speak"),
    )
    seconds = float("inf") if loop == 0 else talk_seconds(text) * loop
    return (yield from _barge_in(run, action, seconds))


def _stream(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    url = str(action["streamUrl"][0])
    loop = int(action.get("loop", 1))
    run.log(EntryKind.PLAY, url, loop=loop, level=action.get("level", 0))
    seconds = float("inf") if loop == 0 else STREAM_SECONDS * loop
    return (yield from _barge_in(run, action, seconds))


def _input(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    kinds = set(action.get("type", ["dtmf"]))
    url, method = run.event_target(action.get("eventUrl"), action.get("eventMethod"))
    run.barge_since = None
    if action.get("mode") == "asynchronous":
        dtmf.start_async(run, url, method)
        return ActionResult()
    settings = dtmf.DtmfSettings.of(action.get("dtmf") or {})
    speech_settings = action.get("speech") or {}
    start_timeout = float(speech_settings.get("startTimeout", 10))
    end_on_silence = float(speech_settings.get("endOnSilence", 2.0))
    max_duration = float(speech_settings.get("maxDuration", 60))
    wants_dtmf, wants_speech = "dtmf" in kinds, "speech" in kinds
    run.log(
        EntryKind.INPUT_REQUEST,
        f"waits for {' or '.join(sorted(kinds))}",
        max_digits=settings.max_digits if wants_dtmf else None,
        time_out=settings.time_out if wants_dtmf else None,
    )
    window = max(settings.time_out if wants_dtmf else 0.0, start_timeout if wants_speech else 0.0)
    deadline = run.now + window
    dtmf_result = payloads.dtmf_result(None, False)
    speech = payloads.speech_result(None, 0.0, None)
    while True:
        upcoming = run.leg.caller.peek()
        if (
            upcoming is None
            or upcoming.step.kind not in (StepKind.PRESS, StepKind.SAY)
            or upcoming.at > deadline
        ):
            if upcoming is None and (yield from run.sleep_or_act(deadline)):
                continue
            yield from run.sleep_until(deadline)
            if wants_dtmf:
                dtmf_result = payloads.dtmf_result("", True)
            if wants_speech:
                speech = payloads.speech_result(None, 0.0, "start_timeout")
            run.log(EntryKind.INPUT_REQUEST, "timed out")
            break
        yield from run.sleep_until(max(upcoming.at, run.now) + PRESS_DELAY)
        step = upcoming.step
        if step.kind is StepKind.PRESS and not wants_dtmf:
            run.take(run.now)
            run.log(EntryKind.PRESS, step.digits, ignored="the input listens for speech only")
            continue
        if step.kind is StepKind.SAY and not wants_speech:
            run.take(run.now)
            run.log(EntryKind.SPEAK, step.text, ignored="the input listens for DTMF only")
            continue
        if step.kind is StepKind.PRESS:
            entry = yield from dtmf.collect(run, settings)
            dtmf_result = payloads.dtmf_result(entry.digits, entry.timed_out)
            break
        spoken = speech_seconds(step.text)
        if spoken > max_duration:
            done_at, reason = run.now + max_duration, "max_duration"
        else:
            done_at, reason = run.now + spoken + end_on_silence, "end_on_silence_timeout"
        run.take(done_at)
        run.log(EntryKind.SPEAK, step.text, confidence=step.confidence)
        yield from run.sleep_until(done_at)
        recording_url = None
        if speech_settings.get("saveAudio") is True:
            recording_url = run.network.save_audio(spoken)
        speech = payloads.speech_result(step.text, step.confidence, reason, recording_url)
        break
    payload = payloads.input_event(run.leg, dtmf_result, speech, run.clock.now())
    ncco, note = run.network.dispatcher.ask_for_ncco("input", method, url, payload, run.origin)
    _note_ignored(run, note)
    return ActionResult(replace=ncco)


def _endpoint_target(endpoint: Mapping[str, Any]) -> tuple[str, str]:
    kind = str(endpoint.get("type", "phone"))
    key = {"phone": "number", "app": "user", "websocket": "uri", "sip": "uri", "vbc": "extension"}
    return kind, str(endpoint[key[kind]]).lstrip("+")


def _connect(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    kind, target = _endpoint_target(action["endpoint"][0])
    network = run.network
    caller = caller_id.for_connect(action, network.account_numbers(), network.random_from_number)
    from_ = caller.number
    urls = action.get("eventUrl")
    event_url = str(urls[0]) if isinstance(urls, list) and urls else None
    options = ConnectOptions(
        parent=run.leg,
        ring_timeout=float(action.get("timeout", 60)),
        limit=float(action.get("limit", 7200)),
        synchronous=action.get("eventType") == "synchronous",
        machine_detection=action.get("machineDetection"),
        advanced_machine_detection=action.get("advancedMachineDetection")
        or action.get("advanced_machine_detection"),
        refusal=caller.refusal,
    )
    run.log(EntryKind.DIAL, target, endpoint_type=kind, from_=from_)
    other = network.start_connected_leg(
        run.leg, target, from_, event_url, str(action.get("eventMethod", "POST")), options
    )
    assert other.answered is not None
    try:
        yield Wait(None, other.answered)
    except Exception:
        network.hang_up_leg(other, "platform")
        raise
    result = other.answered.value
    assert isinstance(result, ConnectResult)
    if result.bridge is None:
        if result.replacement is not None:
            run.log(EntryKind.WEBHOOK, f"new NCCO from the {result.outcome.status.value} event")
        return ActionResult(replace=result.replacement)
    bridge = result.bridge
    run.leg.bridge = bridge
    run.log(EntryKind.BRIDGE, f"bridged with {other.label} ({target})")
    try:
        yield from run.converse(None, bridge.ended)
    finally:
        run.leg.bridge = None
        bridge.ended.fire(run.leg)
    run.log(EntryKind.BRIDGE, f"bridge with {other.label} ended")
    return ActionResult()


def _conversation(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    name = str(action["name"])
    network = run.network
    room = network.room_named(name, run.leg)
    if conversations.is_full(room, run.leg):
        run.error(
            f"conversation {name} is full ({conversations.MAX_PARTICIPANTS} participants)",
            "full",
        )
        return ActionResult()
    room = network.join_room(run.leg, name)
    others = [member.label for member in room.members if member is not run.leg]
    run.log(
        EntryKind.CONVERSATION,
        f"joins {name}",
        with_=others,
        start_on_enter=conversations.starts_it(action),
        end_on_exit=action.get("endOnExit", False),
        mute=action.get("mute", False),
        can_speak=conversations.audience(action, "canSpeak"),
        can_hear=conversations.audience(action, "canHear"),
    )
    ended_by_signal = False
    try:
        if action.get("record") is True and room.recording is None:
            room.recording = conversations.new_recording(action, run.now)
            run.log(EntryKind.RECORD, f"recording of {name} starts")
        if conversations.starts_it(action):
            room.started.fire(run.leg)
        elif not room.started.fired:
            music = conversations.hold_music(action)
            run.log(EntryKind.PLAY, music or "(silence)", on_hold="until the moderator joins")
            yield from run.converse(None, room.started)
            run.log(EntryKind.CONVERSATION, f"{name} starts")
        outcome = yield from run.converse(None, room.ended)
        ended_by_signal = outcome == "signal"
    finally:
        network.leave_room(run.leg, end_conversation=action.get("endOnExit") is True)
        if room.recording is not None and (not room.members or room.ended.fired):
            recording, room.recording = room.recording, None
            run.finish_recording(recording)
    run.log(EntryKind.CONVERSATION, f"leaves {name}" + (" (ended)" if ended_by_signal else ""))
    return ActionResult()


def _record(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    urls = action.get("eventUrl")
    recording = Recording(
        file_id=payloads.new_file_id(),
        recording_uuid=str(uuid.uuid4()),
        started_at=run.now,
        audio_format=str(action.get("format", "mp3")),
        event_url=str(urls[0]) if isinstance(urls, list) and urls else None,
        event_method=str(action.get("eventMethod", "POST")),
    )
    run.leg.recordings.append(recording)
    if action.get("beepStart") is True:
        run.log(EntryKind.PLAY, "(beep)")
    blocking = any(key in action for key in ("endOnKey", "timeOut", "endOnSilence"))
    if not blocking:
        run.log(EntryKind.RECORD, "recording starts (in the background)")
        return ActionResult()
    end_key = action.get("endOnKey")
    silence = action.get("endOnSilence")
    deadline = run.now + float(action.get("timeOut", 7200))
    run.log(EntryKind.RECORD, "recording starts", end_on_key=end_key, end_on_silence=silence)
    last_activity = run.now
    while run.now < deadline:
        stop_at = deadline if silence is None else min(deadline, last_activity + float(silence))
        upcoming = run.leg.caller.peek()
        if upcoming is None or not upcoming.step.responsive or max(upcoming.at, run.now) >= stop_at:
            if upcoming is None and (yield from run.sleep_or_act(stop_at)):
                continue
            yield from run.sleep_until(stop_at)
            break
        yield from run.sleep_until(max(upcoming.at, run.now))
        step = upcoming.step
        if step.kind is StepKind.PRESS:
            run.take(dtmf.press_into_line(run, step))
            run.log(EntryKind.PRESS, step.digits)
            last_activity = run.now
            if isinstance(end_key, str) and end_key in step.digits:
                break
            continue
        talking = step.seconds if step.kind is StepKind.RECORD else speech_seconds(step.text)
        run.take(run.now + talking)
        message = step.text if step.kind is StepKind.SAY else f"(leaves a {talking:g}s message)"
        run.log(EntryKind.SPEAK, message)
        yield from run.sleep_until(min(run.now + talking, deadline))
        last_activity = run.now
    run.finish_recording(recording)
    return ActionResult()


def _notify(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    url, method = run.event_target(action.get("eventUrl"), action.get("eventMethod"))
    run.log(EntryKind.NOTIFY, url, payload=action["payload"])
    yield from run.sleep(0.0)
    ncco, note = run.network.dispatcher.ask_for_ncco(
        "notify", method, url, dict(action["payload"]), run.origin
    )
    _note_ignored(run, note)
    return ActionResult(replace=ncco)


def _wait(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    seconds = min(7200.0, max(0.1, float(action.get("timeout", 10))))
    run.log(EntryKind.WAIT, f"{seconds:g}s")
    yield from dtmf.hear(run, seconds)
    return ActionResult()


def _transfer(run: LegRun, action: Mapping[str, Any]) -> ActionSteps:
    target = str(action["conversationId"])
    network = run.network
    old = run.leg.conversation_uuid
    room = network.room_for_conversation(target)
    run.log(EntryKind.TRANSFER, f"moves into {target}")
    for other in conversations.others_to_move(run.leg, network.legs()):
        network.transfer_into(other, target)
    run.post_event(payloads.transfer_event(run.leg, old, room.conversation_uuid, run.clock.now()))
    network.join_room(run.leg, room.name)
    try:
        yield from run.converse(None, room.ended)
    finally:
        network.leave_room(run.leg, end_conversation=False)
    return ActionResult(terminal=True)


HANDLERS: dict[str, Handler] = {
    "talk": _talk,
    "stream": _stream,
    "input": _input,
    "connect": _connect,
    "conversation": _conversation,
    "record": _record,
    "notify": _notify,
    "wait": _wait,
    "transfer": _transfer,
}


def run_ncco(run: LegRun, ncco: Ncco) -> Generator[Wait, bool, None]:
    """Execute ``ncco`` on ``run``'s leg until it runs out (the caller then ends the leg).

    A leg that runs more than ``MAX_ACTIONS_PER_LEG`` actions (an app answering every input or
    notify with another one forever) is ended by the simulator rather than looping forever.
    """
    queue = list(ncco)
    while queue:
        run.actions_run += 1
        if run.actions_run > MAX_ACTIONS_PER_LEG:
            run.log(
                EntryKind.ERROR,
                f"more than {MAX_ACTIONS_PER_LEG} NCCO actions on one leg: the simulator ends it",
            )
            raise LegHungUp(run.leg, "platform")
        action = queue.pop(0)
        run.remaining = queue
        handler = HANDLERS[str(action["action"])]
        try:
            result = yield from handler(run, action)
        except NccoReplaced as replaced:
            if replaced.leg is not run.leg:
                raise
            dtmf.end_async(run.leg)
            queue = list(replaced.ncco)
            continue
        if result.terminal:
            return
        if result.replace is not None:
            dtmf.end_async(run.leg)
            run.log(
                EntryKind.WEBHOOK, f"the rest of the NCCO replaced ({len(result.replace)} actions)"
            )
            queue = list(result.replace)
