"""NCCO rendering: the one place Vonage call-control JSON is written.

``render`` turns provider-neutral actions (``telephony.actions``) into an NCCO, the JSON array a
voice webhook answers with and a transfer sends. Vonage's documented limits are checked for every
action *before* anything is rendered, so a bad flow fails here with ``NccoLimitError`` naming the
action and the value instead of reaching a caller as a dropped call. ``Hangup`` stops rendering:
an NCCO that ends ends the call. Callback URLs come from ``urls.CallbackUrls``. Imports only the
standard library and the telephony contracts; never the vonage SDK (its pydantic models are used by
the tests as an independent check, not here: they cost cold-start time and mistype
``ringbackTone``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from chalicelib.telephony.actions import (
    SIP_URI,
    Action,
    Ask,
    Bridge,
    Conference,
    Hangup,
    ListenKeys,
    Notify,
    Play,
    Record,
    Say,
    Wait,
)
from chalicelib.telephony.vonage.urls import CallbackUrls

TALK_MAX_CHARS = 1500
"""Longest ``talk`` text, counted without SSML tags."""

E164 = re.compile(r"^[1-9]\d{6,14}$")
"""A number as Vonage wants it: E.164 digits without ``+``."""

_DTMF_ANSWER = re.compile(r"^[0-9*#p]+$")
_END_ON_KEY = re.compile(r"^[0-9*#]$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SSML_TAG = re.compile(r"<[^>]*>")
_EVENT_METHOD = "POST"


class NccoLimitError(ValueError):
    """An action breaks a Vonage NCCO limit; the message names the action, field and value."""


def spoken_length(text: str) -> int:
    """Length of a ``talk`` text as Vonage limits it: SSML tags do not count."""
    if text.lstrip().startswith("<speak"):
        return len(_SSML_TAG.sub("", text))
    return len(text)


# --- limits --------------------------------------------------------------------------------------


def _fail(index: int, action: object, message: str) -> NccoLimitError:
    return NccoLimitError(f"action {index} ({type(action).__name__}): {message}")


def _in_range(value: float, low: float, high: float) -> bool:
    return not isinstance(value, bool) and math.isfinite(value) and low <= value <= high


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _check_say(i: int, say: Say) -> None:
    if not say.text.strip():
        raise _fail(i, say, "text is empty")
    length = spoken_length(say.text)
    if length > TALK_MAX_CHARS:
        raise _fail(
            i, say, f"text is {length} characters without SSML; Vonage allows {TALK_MAX_CHARS}"
        )
    if not _LANGUAGE.match(say.language):
        raise _fail(i, say, f"language {say.language!r} is not a BCP-47 tag")
    if not _in_range(say.loop, 0, math.inf):
        raise _fail(i, say, f"loop must be >= 0 (0 loops forever), got {say.loop}")
    if not _in_range(say.style, 0, math.inf):
        raise _fail(i, say, f"style must be >= 0, got {say.style}")


def _check_play(i: int, play: Play) -> None:
    if not _is_http_url(play.url):
        raise _fail(i, play, f"url must be an absolute http(s) URL, got {play.url!r}")
    if not _in_range(play.loop, 0, math.inf):
        raise _fail(i, play, f"loop must be >= 0 (0 loops forever), got {play.loop}")
    if not _in_range(play.level, -1, 1):
        raise _fail(i, play, f"level must be within -1..1, got {play.level}")


def _check_ask(i: int, ask: Ask) -> None:
    if ask.dtmf is None and ask.speech is None:
        raise _fail(i, ask, "needs dtmf or speech settings (or both)")
    if ask.dtmf is not None:
        dtmf = ask.dtmf
        if not _in_range(dtmf.max_digits, 1, 20):
            raise _fail(i, ask, f"dtmf.max_digits must be within 1..20, got {dtmf.max_digits}")
        if not _in_range(dtmf.timeout, 0, 10):
            raise _fail(i, ask, f"dtmf.timeout must be within 0..10 s, got {dtmf.timeout}")
    if ask.speech is not None:
        speech = ask.speech
        if not _LANGUAGE.match(speech.language):
            raise _fail(i, ask, f"speech.language {speech.language!r} is not a BCP-47 tag")
        if not _in_range(speech.end_on_silence, 0.4, 10):
            raise _fail(
                i,
                ask,
                f"speech.end_on_silence must be within 0.4..10 s, got {speech.end_on_silence}",
            )
        if not _in_range(speech.start_timeout, 1, 60):
            raise _fail(
                i, ask, f"speech.start_timeout must be within 1..60 s, got {speech.start_timeout}"
            )
        if not _in_range(speech.max_duration, 1, 60):
            raise _fail(
                i, ask, f"speech.max_duration must be within 1..60 s, got {speech.max_duration}"
            )
        if any(not hint.strip() for hint in speech.context):
            raise _fail(i, ask, "speech.context has an empty hint")


def _check_bridge(i: int, bridge: Bridge) -> None:
    if bridge.sip is not None:
        if bridge.number:
            raise _fail(i, bridge, "dials a number or a SIP URI, not both")
        if not SIP_URI.match(bridge.sip):
            raise _fail(i, bridge, f"sip {bridge.sip!r} is not a SIP URI (sip:user@host)")
        if bridge.dtmf_answer is not None:
            raise _fail(i, bridge, "dtmf_answer is for phone endpoints only")
    elif not E164.match(bridge.number):
        raise _fail(i, bridge, f"number {bridge.number!r} is not E.164 digits without '+'")
    if not E164.match(bridge.caller_id):
        raise _fail(i, bridge, f"caller_id {bridge.caller_id!r} is not E.164 digits without '+'")
    if not _in_range(bridge.ring_timeout, 3, 7200):
        raise _fail(i, bridge, f"ring_timeout must be within 3..7200 s, got {bridge.ring_timeout}")
    if not _in_range(bridge.max_duration, 1, 7200):
        raise _fail(i, bridge, f"max_duration must be within 1..7200 s, got {bridge.max_duration}")
    if bridge.dtmf_answer is not None and not _DTMF_ANSWER.match(bridge.dtmf_answer):
        raise _fail(i, bridge, f"dtmf_answer {bridge.dtmf_answer!r} may hold only 0-9 * # p")
    if bridge.ringback_url is not None and not _is_http_url(bridge.ringback_url):
        raise _fail(
            i, bridge, f"ringback_url must be an absolute http(s) URL: {bridge.ringback_url!r}"
        )


def _check_conference(i: int, conference: Conference) -> None:
    if not conference.name.strip():
        raise _fail(i, conference, "name is empty")
    url = conference.music_on_hold_url
    if url is not None and not _is_http_url(url):
        raise _fail(i, conference, f"music_on_hold_url must be an absolute http(s) URL: {url!r}")


def _check_record(i: int, record: Record) -> None:
    if record.end_on_silence is not None and not _in_range(record.end_on_silence, 3, 10):
        raise _fail(
            i, record, f"end_on_silence must be within 3..10 s, got {record.end_on_silence}"
        )
    if record.end_on_key is not None and not _END_ON_KEY.match(record.end_on_key):
        raise _fail(i, record, f"end_on_key must be one of 0-9 * #, got {record.end_on_key!r}")
    if record.timeout is not None and not _in_range(record.timeout, 3, 7200):
        raise _fail(i, record, f"timeout must be within 3..7200 s, got {record.timeout}")


def _check_notify(i: int, notify: Notify) -> None:
    for key, value in notify.payload.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise _fail(i, notify, f"payload must map strings to strings, got {key!r}: {value!r}")


def _check_wait(i: int, wait: Wait) -> None:
    if not _in_range(wait.seconds, 0.1, 7200):
        raise _fail(i, wait, f"seconds must be within 0.1..7200, got {wait.seconds}")


def _check_barge_in(actions: Sequence[Action]) -> None:
    """A ``talk``/``stream`` with bargeIn must be followed, past further talks, by an ``input``."""
    for i, action in enumerate(actions):
        if isinstance(action, Say | Play) and action.barge_in:
            following = next((a for a in actions[i + 1 :] if not isinstance(a, Say | Play)), None)
            if not isinstance(following, Ask):
                raise _fail(
                    i, action, "barge_in needs an Ask as the next action after talks and streams"
                )


def check(actions: Sequence[Action]) -> None:
    """Raise ``NccoLimitError`` unless every action respects Vonage's limits."""
    for i, action in enumerate(actions):
        if isinstance(action, Say):
            _check_say(i, action)
        elif isinstance(action, Play):
            _check_play(i, action)
        elif isinstance(action, Ask):
            _check_ask(i, action)
        elif isinstance(action, Bridge):
            _check_bridge(i, action)
        elif isinstance(action, Conference):
            _check_conference(i, action)
        elif isinstance(action, Record):
            _check_record(i, action)
        elif isinstance(action, Notify):
            _check_notify(i, action)
        elif isinstance(action, Wait):
            _check_wait(i, action)
        elif not isinstance(action, (Hangup, ListenKeys)):
            raise TypeError(f"action {i} is not a telephony action: {action!r}")
    _check_barge_in(actions)


# --- rendering -----------------------------------------------------------------------------------


def _talk(say: Say) -> dict[str, Any]:
    talk: dict[str, Any] = {"action": "talk", "text": say.text, "language": say.language}
    if say.style != 0:
        talk["style"] = say.style
    if say.loop != 1:
        talk["loop"] = say.loop
    if say.barge_in:
        talk["bargeIn"] = True
    if say.premium:
        talk["premium"] = True
    return talk


def _stream(play: Play) -> dict[str, Any]:
    stream: dict[str, Any] = {"action": "stream", "streamUrl": [play.url]}
    if play.loop != 1:
        stream["loop"] = play.loop
    if play.level != 0:
        stream["level"] = play.level
    if play.barge_in:
        stream["bargeIn"] = True
    return stream


def _input(ask: Ask, urls: CallbackUrls) -> dict[str, Any]:
    kinds: list[str] = []
    action: dict[str, Any] = {"action": "input", "type": kinds}
    if ask.dtmf is not None:
        kinds.append("dtmf")
        action["dtmf"] = {
            "maxDigits": ask.dtmf.max_digits,
            "timeOut": ask.dtmf.timeout,
            "submitOnHash": ask.dtmf.submit_on_hash,
        }
    if ask.speech is not None:
        kinds.append("speech")
        speech: dict[str, Any] = {
            "language": ask.speech.language,
            "endOnSilence": ask.speech.end_on_silence,
            "startTimeout": ask.speech.start_timeout,
            "maxDuration": ask.speech.max_duration,
        }
        if ask.speech.context:
            speech["context"] = list(ask.speech.context)
        if ask.speech.save_audio:
            speech["saveAudio"] = True
        action["speech"] = speech
    action["eventUrl"] = [urls.input(ask.ref)]
    action["eventMethod"] = _EVENT_METHOD
    return action


def _connect(bridge: Bridge, urls: CallbackUrls) -> dict[str, Any]:
    endpoint: dict[str, Any] = (
        {"type": "sip", "uri": bridge.sip}
        if bridge.sip is not None
        else {"type": "phone", "number": bridge.number}
    )
    if bridge.dtmf_answer is not None:
        endpoint["dtmfAnswer"] = bridge.dtmf_answer
    connect: dict[str, Any] = {
        "action": "connect",
        "endpoint": [endpoint],
        "from": bridge.caller_id,
        "eventType": "synchronous",
        "timeout": bridge.ring_timeout,
        "limit": bridge.max_duration,
    }
    if bridge.machine_detection is not None:
        connect["machineDetection"] = bridge.machine_detection.value
    if bridge.ringback_url is not None:
        # A string, as Vonage documents it; the Python SDK's list typing is wrong (FACTS §2.4).
        connect["ringbackTone"] = bridge.ringback_url
    connect["eventUrl"] = [urls.event(bridge.ref)]
    connect["eventMethod"] = _EVENT_METHOD
    return connect


def _conversation(conference: Conference) -> dict[str, Any]:
    conversation: dict[str, Any] = {
        "action": "conversation",
        "name": conference.name,
        "startOnEnter": conference.start_on_enter,
        "endOnExit": conference.end_on_exit,
    }
    if conference.music_on_hold_url is not None:
        conversation["musicOnHoldUrl"] = [conference.music_on_hold_url]
    if conference.record:
        conversation["record"] = True
    if conference.mute:
        conversation["mute"] = True
    return conversation


def _record(record: Record, urls: CallbackUrls) -> dict[str, Any]:
    action: dict[str, Any] = {"action": "record", "format": record.format.value}
    if record.end_on_silence is not None:
        action["endOnSilence"] = record.end_on_silence
    if record.end_on_key is not None:
        action["endOnKey"] = record.end_on_key
    if record.timeout is not None:
        action["timeOut"] = record.timeout
    if record.beep_start:
        action["beepStart"] = True
    action["eventUrl"] = [urls.recording(record.ref)]
    action["eventMethod"] = _EVENT_METHOD
    return action


def _notify(notify: Notify, urls: CallbackUrls) -> dict[str, Any]:
    return {
        "action": "notify",
        "payload": dict(notify.payload),
        "eventUrl": [urls.notify(notify.ref)],
        "eventMethod": _EVENT_METHOD,
    }


def _render_one(action: Action, urls: CallbackUrls) -> dict[str, Any]:
    if isinstance(action, Say):
        return _talk(action)
    if isinstance(action, Play):
        return _stream(action)
    if isinstance(action, Ask):
        return _input(action, urls)
    if isinstance(action, Bridge):
        return _connect(action, urls)
    if isinstance(action, Conference):
        return _conversation(action)
    if isinstance(action, Record):
        return _record(action, urls)
    if isinstance(action, Notify):
        return _notify(action, urls)
    if isinstance(action, Wait):
        return {"action": "wait", "timeout": action.seconds}
    if isinstance(action, ListenKeys):
        # the SDK's Input model has no ``mode`` (FACTS §6): a plain dict
        return {
            "action": "input",
            "type": ["dtmf"],
            "mode": "asynchronous",
            "eventUrl": [urls.keys(action.ref)],
            "eventMethod": _EVENT_METHOD,
        }
    raise TypeError(f"cannot render {action!r}")


def _check_url_arrays(ncco: list[dict[str, Any]]) -> None:
    """Vonage: every ``eventUrl`` (and ``streamUrl``) MUST be an array."""
    for i, action in enumerate(ncco):
        for key in ("eventUrl", "streamUrl", "musicOnHoldUrl"):
            value = action.get(key)
            if value is not None and not (
                isinstance(value, list) and value and all(isinstance(u, str) for u in value)
            ):
                raise NccoLimitError(f"action {i} ({action['action']}): {key} must be an array")


def render(actions: Sequence[Action], urls: CallbackUrls) -> list[dict[str, Any]]:
    """The NCCO for ``actions``: checked against Vonage's limits, cut at the first ``Hangup``."""
    end = next((i for i, a in enumerate(actions) if isinstance(a, Hangup)), len(actions))
    kept = actions[:end]
    check(kept)
    ncco = [_render_one(action, urls) for action in kept]
    _check_url_arrays(ncco)
    return ncco


def dumps(ncco: Sequence[Mapping[str, Any]]) -> str:
    """Compact JSON of an NCCO (UTF-8 text kept as is; NaN and infinity refused)."""
    return json.dumps(list(ncco), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
