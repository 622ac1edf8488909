"""Loose NCCO validation as the network applies it: an NCCO is a JSON array of objects whose
``action`` is known, with the required options present, ``eventUrl``/``streamUrl`` as arrays
and the documented ranges respected (FACTS §2). Anything else is the provider's "Syntax error".

One checker per action in a table. Pure; imports only the standard library and the (pure)
``machine_detection`` options. It must not import the app's NCCO renderer (the simulator checks
what arrives on the wire).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from chalicelib.simulator.machine_detection import (
    MachineDetectionError,
    check_advanced,
    check_standard,
)

SYNTAX_ERROR = "Syntax error in NCCO. Invalid value type or action."
ENDPOINT_TYPES = frozenset({"phone", "app", "websocket", "sip", "vbc"})
Ncco = list[dict[str, Any]]


class NccoError(ValueError):
    """An NCCO the network refuses; ``str()`` says what is wrong."""


def _fail(action: str, problem: str) -> None:
    raise NccoError(f"{action}: {problem}")


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _range(action: Mapping[str, Any], name: str, low: float, high: float, where: str) -> None:
    if name not in action:
        return
    value = action[name]
    if not _is_number(value) or not low <= value <= high:
        _fail(where, f"{name} must be a number in {low:g}..{high:g}, got {value!r}")


def _boolean(action: Mapping[str, Any], name: str, where: str) -> None:
    if name in action and not isinstance(action[name], bool):
        _fail(where, f"{name} must be true or false")


def _url_list(action: Mapping[str, Any], name: str, where: str, required: bool = False) -> None:
    if name not in action:
        if required:
            _fail(where, f"{name} is required")
        return
    value = action[name]
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(url, str) and url for url in value)
    ):
        _fail(where, f"{name} must be an array of URLs")


def _method(action: Mapping[str, Any], name: str, where: str) -> None:
    if name in action and action[name] not in ("GET", "POST"):
        _fail(where, f"{name} must be GET or POST")


def _text_without_ssml(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def _talk(action: Mapping[str, Any]) -> None:
    text = action.get("text")
    if not isinstance(text, str) or not text:
        _fail("talk", "text is required")
        return
    if len(_text_without_ssml(text)) > 1500:
        _fail("talk", "text is longer than 1500 characters")
    _boolean(action, "bargeIn", "talk")
    _boolean(action, "premium", "talk")
    _range(action, "loop", 0, 1_000_000, "talk")
    _range(action, "level", -1, 1, "talk")
    if "language" in action and not isinstance(action["language"], str):
        _fail("talk", "language must be a string")


def _stream(action: Mapping[str, Any]) -> None:
    _url_list(action, "streamUrl", "stream", required=True)
    _boolean(action, "bargeIn", "stream")
    _range(action, "loop", 0, 1_000_000, "stream")
    _range(action, "level", -1, 1, "stream")


def _input(action: Mapping[str, Any]) -> None:
    kinds = action.get("type")
    if (
        not isinstance(kinds, list)
        or not kinds
        or not all(isinstance(kind, str) for kind in kinds)
        or not set(kinds) <= {"dtmf", "speech"}
        or len(set(kinds)) != len(kinds)
    ):
        _fail("input", 'type must be ["dtmf"], ["speech"] or both')
    dtmf = action.get("dtmf", {})
    if not isinstance(dtmf, Mapping):
        _fail("input", "dtmf must be an object")
    else:
        _range(dtmf, "timeOut", 0, 10, "input.dtmf")
        _range(dtmf, "maxDigits", 1, 20, "input.dtmf")
        _boolean(dtmf, "submitOnHash", "input.dtmf")
    speech = action.get("speech", {})
    if not isinstance(speech, Mapping):
        _fail("input", "speech must be an object")
    else:
        _range(speech, "endOnSilence", 0.4, 10, "input.speech")
        _range(speech, "startTimeout", 1, 60, "input.speech")
        _range(speech, "maxDuration", 1, 60, "input.speech")
        _boolean(speech, "saveAudio", "input.speech")
        if "context" in speech and not isinstance(speech["context"], list):
            _fail("input.speech", "context must be an array")
    if action.get("mode", "synchronous") not in ("synchronous", "asynchronous"):
        _fail("input", "mode must be synchronous or asynchronous")
    if action.get("mode") == "asynchronous" and (kinds != ["dtmf"] or dtmf or "speech" in action):
        _fail("input", 'mode asynchronous takes type ["dtmf"] and no dtmf or speech settings')
    _url_list(action, "eventUrl", "input")
    _method(action, "eventMethod", "input")


def _connect(action: Mapping[str, Any]) -> None:
    endpoints = action.get("endpoint")
    if not isinstance(endpoints, list) or len(endpoints) != 1:
        _fail("connect", "endpoint must be an array with exactly one endpoint")
        return
    endpoint = endpoints[0]
    kind = endpoint.get("type", "phone") if isinstance(endpoint, Mapping) else None
    if not isinstance(kind, str) or kind not in ENDPOINT_TYPES:
        _fail("connect", "unknown endpoint type")
        return
    required = {
        "phone": "number",
        "app": "user",
        "websocket": "uri",
        "sip": "uri",
        "vbc": "extension",
    }
    key = required[kind]
    if not isinstance(endpoint.get(key), str) or not endpoint[key]:
        _fail("connect", f"a {kind} endpoint needs {key}")
    if kind == "phone" and not re.fullmatch(r"\+?[1-9]\d{6,14}", endpoint["number"]):
        _fail("connect", f"invalid phone number {endpoint['number']!r}")
    if "from" in action and not isinstance(action["from"], str):
        _fail("connect", "from must be a string")
    _boolean(action, "randomFromNumber", "connect")
    if "eventType" in action and action["eventType"] != "synchronous":
        _fail("connect", "eventType can only be synchronous")
    _range(action, "timeout", 1, 7200, "connect")
    _range(action, "limit", 1, 7200, "connect")
    for key in ("advancedMachineDetection", "advanced_machine_detection"):
        try:
            check_standard(action.get("machineDetection"), "machineDetection")
            check_advanced(action.get(key), key)
        except MachineDetectionError as error:
            _fail("connect", str(error))
    _url_list(action, "eventUrl", "connect")
    _method(action, "eventMethod", "connect")


def _conversation(action: Mapping[str, Any]) -> None:
    name = action.get("name")
    if not isinstance(name, str) or not name:
        _fail("conversation", "name is required")
    for flag in ("startOnEnter", "endOnExit", "record", "mute"):
        _boolean(action, flag, "conversation")
    _url_list(action, "musicOnHoldUrl", "conversation")
    for name in ("canSpeak", "canHear"):
        value = action.get(name, [])
        if not isinstance(value, list) or not all(isinstance(leg, str) for leg in value):
            _fail("conversation", f"{name} must be an array of leg uuids")
    if action.get("mute") is True and "canSpeak" in action:
        _fail("conversation", "mute cannot be used with canSpeak")
    _url_list(action, "eventUrl", "conversation")
    _method(action, "eventMethod", "conversation")


def _record(action: Mapping[str, Any]) -> None:
    if action.get("format", "mp3") not in ("mp3", "wav", "ogg"):
        _fail("record", "format must be mp3, wav or ogg")
    key = action.get("endOnKey")
    if key is not None and (not isinstance(key, str) or len(key) != 1 or key not in "0123456789*#"):
        _fail("record", "endOnKey must be one of 0-9 * #")
    _range(action, "timeOut", 3, 7200, "record")
    _range(action, "endOnSilence", 3, 10, "record")
    _range(action, "channels", 1, 32, "record")
    _boolean(action, "beepStart", "record")
    _url_list(action, "eventUrl", "record")
    _method(action, "eventMethod", "record")


def _notify(action: Mapping[str, Any]) -> None:
    if not isinstance(action.get("payload"), Mapping):
        _fail("notify", "payload must be an object")
    _url_list(action, "eventUrl", "notify", required=True)
    _method(action, "eventMethod", "notify")


def _wait(action: Mapping[str, Any]) -> None:
    if "timeout" in action and not _is_number(action["timeout"]):
        _fail("wait", "timeout must be a number")


def _transfer(action: Mapping[str, Any]) -> None:
    target = action.get("conversationId")
    if not isinstance(target, str) or not target:
        _fail("transfer", "conversationId is required")
    _boolean(action, "mute", "transfer")


CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
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


def parse_ncco(value: object) -> Ncco:
    """Check ``value`` (decoded JSON) as an NCCO; return it as a list of action dicts."""
    if not isinstance(value, list):
        raise NccoError("an NCCO must be a JSON array")
    actions: Ncco = []
    for index, action in enumerate(value):
        if not isinstance(action, dict):
            raise NccoError(f"action {index} is not an object")
        name = action.get("action")
        if not isinstance(name, str) or name not in CHECKS:
            raise NccoError(f"action {index}: unknown action {name!r}")
        try:
            CHECKS[name](action)
        except NccoError as error:
            raise NccoError(f"action {index} ({error})") from None
        actions.append(action)
    return actions


def parse_ncco_body(body: bytes) -> Ncco:
    """An answer-URL response body as an NCCO (raises ``NccoError``)."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise NccoError(f"the body is not JSON: {error}") from None
    return parse_ncco(value)


def replacement_ncco(body: bytes) -> tuple[Ncco | None, str | None]:
    """An NCCO returned from input/notify/synchronous connect: ``(ncco, None)`` when it is a
    valid non-empty array (it replaces the rest), else ``(None, why it is ignored)``."""
    if not body.strip():
        return None, "empty response"
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "response is not JSON"
    if not isinstance(value, list) or not value:
        return None, "response is not a non-empty NCCO array"
    try:
        return parse_ncco(value), None
    except NccoError as error:
        return None, f"invalid NCCO ignored: {error}"
