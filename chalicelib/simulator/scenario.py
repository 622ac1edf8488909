"""YAML scenarios: a scripted call and what its transcript must show.

```yaml
name: pull app says the caller's message
numbers: {"447700900123": {behaviour: busy}}
call: {from: "447700900001", to: "447700900100"}
caller: [{press: "1"}, {say: "option one"}, {wait: 2}, {hangup: true}]
# also {press: "1234", gap: 2} (2 s between keys; default 0.3 s) and {record: 4}
expect:
  said: ["Hello Alice"]        # talks, in order, case-insensitive substrings
  not_said: ["Goodbye"]
  pressed: ["1"]               # digits taken, in order
  dialled: ["447700900123"]    # numbers dialled, in order
  status: completed            # the first leg's final state
  sms_sent: ["Your code"]      # SMS the app sent the caller, in order (substrings)
  webhooks_min: 3
timing:                        # optional; the network's defaults otherwise
  command_delay: 0.3           # virtual seconds from a REST command to its effect on the leg
  app_latency: {answer: [6, 0.2], input: 12}   # how long the app takes to answer, per webhook
```

``app_latency`` keys are webhook kinds (answer, fallback, event, input, notify, record); a number
holds for every attempt, a list gives attempt 1, 2, ... in turn (later attempts answer at once).
An answer slower than the read timeout (5 s answer/fallback, 10 s events) is a timeout: retried,
then the fallback URL, as the provider does (``latency``).

Keys reach a synchronous input as Vonage joins them: press steps (and a step's keys, ``gap``
apart) made within the input's ``timeOut`` of the key before are one entry, up to ``maxDigits``
or ``#`` with ``submitOnHash``; a ``{wait}`` of ``timeOut`` or more between two presses makes
them two answers (the second waits for the next input). ``pressed`` lists what each input
took as one entry, and each press step made into the line (bridge, conversation, asynchronous
input).

Loading is strict (unknown keys, wrong types and bad YAML are clear errors); checking works on a
transcript, so it serves both an in-process network and a remote simulator's control API. An SMS
counts as the call's when the app sends it to the caller during the call or soon after it (a
running app sends it from its queue), however it reaches the network.
Imports PyYAML, the standard library and simulator modules; never the app.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chalicelib.simulator.latency import AppLatency
from chalicelib.simulator.model import (
    ConfigurationError,
    EntryKind,
    NumberBehaviour,
    Step,
    Transcript,
    TranscriptEntry,
    parse_script,
)
from chalicelib.simulator.network import CallHandle, Network

_TOP_KEYS = {"name", "description", "numbers", "call", "caller", "expect", "timing"}
_TIMING_KEYS = {"command_delay", "app_latency"}
_CALL_KEYS = {"from", "to", "talk_seconds"}
_EXPECT_KEYS = {"said", "not_said", "pressed", "dialled", "status", "sms_sent", "webhooks_min"}


class ScenarioError(ValueError):
    """A scenario file that cannot be used; ``str()`` says where and why."""


@dataclass(frozen=True)
class Expectations:
    """What the call must show."""

    said: tuple[str, ...] = ()
    not_said: tuple[str, ...] = ()
    pressed: tuple[str, ...] = ()
    dialled: tuple[str, ...] = ()
    status: str | None = None
    sms_sent: tuple[str, ...] = ()
    webhooks_min: int | None = None


@dataclass(frozen=True)
class Timing:
    """The network's timing for the scenario (None: the network's default)."""

    command_delay: float | None = None
    app_latency: AppLatency | None = None


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario."""

    name: str
    from_: str
    to: str
    caller: tuple[Step, ...] = ()
    numbers: Mapping[str, NumberBehaviour] = field(default_factory=dict)
    expect: Expectations = Expectations()
    talk_seconds: float | None = None
    description: str = ""
    source: str = "<text>"
    timing: Timing = field(default_factory=Timing)


@dataclass(frozen=True)
class CallOutcome:
    """What a scenario is checked against."""

    status: str
    transcript: Transcript
    webhook_count: int
    sms_texts: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioResult:
    """Whether a scenario passed, why not, and the transcript."""

    name: str
    passed: bool
    failures: tuple[str, ...]
    transcript: Transcript

    def __str__(self) -> str:
        if self.passed:
            return f"PASS {self.name}"
        lines = [f"FAIL {self.name}"]
        lines += [f"  - {failure}" for failure in self.failures]
        lines.append("  transcript:")
        lines += [f"    {entry}" for entry in self.transcript]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "failures": list(self.failures),
            "transcript": self.transcript.to_json(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> ScenarioResult:
        return cls(
            name=str(raw["name"]),
            passed=bool(raw["passed"]),
            failures=tuple(str(f) for f in raw.get("failures", [])),
            transcript=Transcript(TranscriptEntry.from_json(e) for e in raw.get("transcript", [])),
        )


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return (str(value),)
    if not isinstance(value, list) or not all(
        isinstance(item, (str, int)) and not isinstance(item, bool) for item in value
    ):
        raise ScenarioError(f"{where} must be a list of strings")
    return tuple(str(item) for item in value)


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(f"{where} must be a mapping")
    return {str(key): item for key, item in value.items()}


def _no_unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ScenarioError(f"{where}: unknown key(s) {unknown}; known: {sorted(known)}")


def _expectations(raw: object) -> Expectations:
    data = _mapping(raw, "expect")
    _no_unknown(data, _EXPECT_KEYS, "expect")
    status = data.get("status")
    if status is not None and not isinstance(status, str):
        raise ScenarioError("expect.status must be a string")
    minimum = data.get("webhooks_min")
    if minimum is not None and (
        isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0
    ):
        raise ScenarioError("expect.webhooks_min must be a whole number >= 0")
    lists = {
        key: _strings(data[key], f"expect.{key}")
        for key in ("said", "not_said", "pressed", "dialled", "sms_sent")
        if key in data
    }
    return Expectations(status=status, webhooks_min=minimum, **lists)


def _timing(raw: object) -> Timing:
    data = _mapping(raw, "timing")
    _no_unknown(data, _TIMING_KEYS, "timing")
    delay = data.get("command_delay")
    if delay is not None and (
        isinstance(delay, bool) or not isinstance(delay, (int, float)) or delay < 0
    ):
        raise ScenarioError("timing.command_delay must be a number of seconds >= 0")
    latency = None
    if "app_latency" in data:
        try:
            latency = AppLatency.from_mapping(_mapping(data["app_latency"], "timing.app_latency"))
        except ValueError as error:
            raise ScenarioError(f"timing.app_latency: {error}") from None
    return Timing(None if delay is None else float(delay), latency)


def _parse(data: object, source: str) -> Scenario:
    top = _mapping(data, "the scenario")
    _no_unknown(top, _TOP_KEYS, "scenario")
    name = top.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError("name is required")
    if "call" not in top:
        raise ScenarioError("call is required ({from: ..., to: ...})")
    call = _mapping(top["call"], "call")
    _no_unknown(call, _CALL_KEYS, "call")
    for key in ("from", "to"):
        if not isinstance(call.get(key), (str, int)) or isinstance(call.get(key), bool):
            raise ScenarioError(f"call.{key} is required (a number)")
    talk = call.get("talk_seconds")
    if talk is not None and (isinstance(talk, bool) or not isinstance(talk, (int, float))):
        raise ScenarioError("call.talk_seconds must be a number")
    numbers: dict[str, NumberBehaviour] = {}
    for number, behaviour in _mapping(top.get("numbers", {}), "numbers").items():
        try:
            numbers[number.lstrip("+")] = NumberBehaviour.from_mapping(
                _mapping(behaviour, f"numbers.{number}")
            )
        except ConfigurationError as error:
            raise ScenarioError(f"numbers.{number}: {error}") from None
    caller = top.get("caller", [])
    if not isinstance(caller, list):
        raise ScenarioError("caller must be a list of steps")
    try:
        steps = parse_script(caller)
    except ConfigurationError as error:
        raise ScenarioError(f"caller: {error}") from None
    description = top.get("description", "")
    if not isinstance(description, str):
        raise ScenarioError("description must be a string")
    return Scenario(
        name=name.strip(),
        from_=str(call["from"]).lstrip("+"),
        to=str(call["to"]).lstrip("+"),
        caller=steps,
        numbers=numbers,
        expect=_expectations(top.get("expect", {})),
        talk_seconds=None if talk is None else float(talk),
        description=description,
        source=source,
        timing=_timing(top.get("timing", {})),
    )


def load_scenario(path_or_text: str | Path) -> Scenario:
    """A scenario from a file path or from YAML text; raises ``ScenarioError``."""
    source = "<text>"
    text: str
    if isinstance(path_or_text, Path) or (
        "\n" not in path_or_text and path_or_text.endswith((".yaml", ".yml"))
    ):
        path = Path(path_or_text)
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ScenarioError(f"{source}: cannot read: {error}") from None
    else:
        text = str(path_or_text)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}: not valid YAML: {error}") from None
    try:
        return _parse(data, source)
    except ScenarioError as error:
        raise ScenarioError(f"{source}: {error}") from None


def _in_order(expected: Sequence[str], actual: Sequence[str], match: str) -> str | None:
    """The first expected item not found after the previous one, or None."""
    position = 0
    for item in expected:
        wanted = item.casefold()
        for index in range(position, len(actual)):
            candidate = actual[index].casefold()
            if (wanted in candidate) if match == "substring" else (wanted == candidate):
                position = index + 1
                break
        else:
            return item
    return None


def check(scenario: Scenario, outcome: CallOutcome) -> tuple[str, ...]:
    """Every unmet expectation, as a sentence."""
    expect = scenario.expect
    transcript = outcome.transcript
    said = transcript.said()
    pressed = [
        entry.text
        for entry in transcript.of_kind(EntryKind.PRESS)
        if "ignored" not in entry.details
    ]
    dialled = [number.lstrip("+") for number in transcript.dialled()]
    failures = []
    missing = _in_order(expect.said, said, "substring")
    if missing is not None:
        failures.append(f"expected to hear {missing!r} (in order); heard {said}")
    for phrase in expect.not_said:
        heard = [text for text in said if phrase.casefold() in text.casefold()]
        if heard:
            failures.append(f"did not expect to hear {phrase!r}; heard {heard[0]!r}")
    missing = _in_order(expect.pressed, pressed, "exact")
    if missing is not None:
        failures.append(f"expected the digits {missing!r} to be taken (in order); taken {pressed}")
    wanted_dialled = [number.lstrip("+") for number in expect.dialled]
    missing = _in_order(wanted_dialled, dialled, "exact")
    if missing is not None:
        failures.append(f"expected {missing} to be dialled (in order); dialled {dialled}")
    if expect.status is not None and outcome.status != expect.status:
        failures.append(f"expected the call to end {expect.status!r}; it ended {outcome.status!r}")
    missing = _in_order(expect.sms_sent, list(outcome.sms_texts), "substring")
    if missing is not None:
        failures.append(
            f"expected an SMS containing {missing!r} (in order); sent {list(outcome.sms_texts)}"
        )
    if expect.webhooks_min is not None and outcome.webhook_count < expect.webhooks_min:
        failures.append(
            f"expected at least {expect.webhooks_min} webhooks; {outcome.webhook_count} were sent"
        )
    return tuple(failures)


def _sms_texts(handle: CallHandle) -> tuple[str, ...]:
    return tuple(message.text for message in handle.sms)


def _await_sms(
    expected: Sequence[str], handle: CallHandle, grace: float, poll: float = 0.1
) -> tuple[str, ...]:
    """The call's SMS texts once they show every ``expected`` one, or after ``grace`` real
    seconds: an application sends its SMS from a queue, often after the call has ended."""
    deadline = time.monotonic() + grace
    texts = _sms_texts(handle)
    while _in_order(expected, texts, "substring") is not None and time.monotonic() < deadline:
        time.sleep(poll)
        texts = _sms_texts(handle)
    return texts


def prepare(scenario: Scenario, network: Network) -> None:
    """Give the network the scenario's numbers and timing."""
    for number, behaviour in scenario.numbers.items():
        network.set_number(number, behaviour)
    if scenario.timing.command_delay is not None:
        network.commands.delay = scenario.timing.command_delay
    if scenario.timing.app_latency is not None:
        network.dispatcher.latency = scenario.timing.app_latency


def run_scenario(
    scenario: Scenario, network: Network, timeout: float = 60.0, sms_grace: float = 0.0
) -> ScenarioResult:
    """Set up the scenario's numbers, place its call, run it to the end and check it.
    ``sms_grace``: how long (real seconds) to wait after the call for the SMS it expects (a
    network in front of a running application; in-process, what the call sent is all)."""
    prepare(scenario, network)
    handle = network.call(
        scenario.from_,
        scenario.to,
        scenario.caller,
        talk_seconds=scenario.talk_seconds,
        timeout=timeout,
    )
    transcript = handle.transcript
    outcome = CallOutcome(
        status=handle.status,
        transcript=transcript,
        webhook_count=len(handle.webhooks),
        sms_texts=_await_sms(scenario.expect.sms_sent, handle, sms_grace),
    )
    failures = check(scenario, outcome)
    return ScenarioResult(scenario.name, not failures, failures, transcript)
