"""YAML scenarios: the example files pass against the fake pull app, failures are clear, and
bad files are refused with a clear error."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from simkit import SCENARIOS, FakeApp, Received, network_for, pull_app

from chalicelib.simulator.network import Network
from chalicelib.simulator.scenario import ScenarioError, load_scenario, run_scenario


def pull_network() -> Network:
    box: list[Network] = []
    network = network_for(pull_app(box))
    box.append(network)
    return network


LVN = "447700900100"
EXAMPLES = sorted(SCENARIOS.glob("*.yaml"))


def test_there_are_example_scenarios() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_scenario_passes_against_the_fake_pull_app(path: Path) -> None:
    # GIVEN an example scenario and the fake pull app
    scenario = load_scenario(path)
    # WHEN it runs
    result = run_scenario(scenario, pull_network())
    # THEN it passes
    assert result.passed, str(result)
    assert str(result) == f"PASS {scenario.name}"


def test_failing_expectations_are_reported_one_by_one() -> None:
    # GIVEN a scenario whose expectations are wrong
    scenario = load_scenario(
        """
        name: wrong expectations
        numbers: {"447700900123": {behaviour: busy}}
        call: {from: "447700900002", to: "447700900100"}
        caller: [{press: "2"}]
        expect:
          said: ["Hello Bob", "Thank you for calling"]
          not_said: ["agents are busy"]
          pressed: ["1"]
          dialled: ["447700900999"]
          status: busy
          sms_sent: ["parcel"]
          webhooks_min: 500
        """
    )
    # WHEN it runs
    result = run_scenario(scenario, pull_network())
    # THEN every unmet expectation is a sentence, and the report shows the transcript
    assert not result.passed
    assert result.failures[0].startswith("expected to hear 'Thank you for calling' (in order)")
    assert any(f.startswith("did not expect to hear 'agents are busy'") for f in result.failures)
    assert any("expected the digits '1'" in f for f in result.failures)
    assert any("expected 447700900999 to be dialled" in f for f in result.failures)
    assert any(
        "expected the call to end 'busy'; it ended 'completed'" in f for f in result.failures
    )
    assert any("expected an SMS containing 'parcel'" in f for f in result.failures)
    assert any("expected at least 500 webhooks" in f for f in result.failures)
    report = str(result)
    assert report.startswith("FAIL wrong expectations") and "transcript:" in report


def test_said_must_appear_in_order() -> None:
    scenario = load_scenario(
        """
        name: order matters
        call: {from: "447700900001", to: "447700900100"}
        caller: [{press: "1"}]
        expect: {said: ["parcel has arrived", "Hello Alice"]}
        """
    )
    result = run_scenario(scenario, pull_network())
    assert len(result.failures) == 1
    assert "expected to hear 'Hello Alice' (in order)" in result.failures[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("- a list", "the scenario must be a mapping"),
        ("name: x\ncall: {from: '1', to: '2'}\ncolour: blue\n", "unknown key(s) ['colour']"),
        ("name: x\ncall: {from: '1'}\n", "call.to is required"),
        ("call: {from: '1', to: '2'}\n", "name is required"),
        ("name: x\ncall: {from: '1', to: '2'}\nexpect: {heard: [a]}\n", "expect: unknown key(s)"),
        ("name: x\ncall: {from: '1', to: '2'}\ncaller: [{dance: 1}]\n", "caller: a script step"),
        ("name: x\ncall: {from: '1', to: '2'}\ncaller: [{press: 'x'}]\n", "press takes DTMF"),
        (
            "name: x\ncall: {from: '1', to: '2'}\nnumbers: {'44': {behaviour: sings}}\n",
            "numbers.44: unknown behaviour 'sings'",
        ),
        ("name: x\ncall: {from: '1', to: '2'}\nexpect: {webhooks_min: -1}\n", "webhooks_min"),
    ],
)
def test_bad_scenarios_are_refused_with_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(text)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "nope.yaml")


def test_unquoted_numbers_are_read_as_numbers() -> None:
    scenario = load_scenario(
        "name: x\ncall: {from: 447700900001, to: +447700900100}\ncaller: [{press: 12}]\n"
    )
    assert scenario.from_ == "447700900001" and scenario.to == "447700900100"
    assert scenario.caller[0].digits == "12"


QUEUED_SMS = """
name: the message comes by text, from the app's queue
call: {from: "447700900001", to: "447700900100"}
caller: [{hangup: true}]
expect:
  sms_sent: ["Your parcel", "Track it"]
"""


def queued_sms_network(delay: float) -> Network:
    """An app that answers, then texts the caller from its queue ``delay`` seconds later, from
    another thread (as a running app sends them through the simulator's SMS API), to the
    caller's number spelled with a +."""
    box: list[Network] = []

    def send() -> None:
        for text in ("Your parcel has arrived.", "Track it at example.com"):
            box[0].submit_sms(LVN, "+447700900001", text)

    def answer(request: Received) -> object:
        threading.Timer(delay, send).start()
        return [{"action": "talk", "text": "We will text you."}]

    network = network_for(FakeApp({"/answer": answer}))
    box.append(network)
    return network


def test_sms_sent_sees_the_sms_the_app_sends_after_the_call() -> None:
    # GIVEN an app that texts the caller from its queue, 0.3 s after the call
    scenario = load_scenario(QUEUED_SMS)
    # WHEN the scenario runs with time for SMS to arrive
    result = run_scenario(scenario, queued_sms_network(0.3), sms_grace=10.0)
    # THEN both SMS count as the call's
    assert result.passed, str(result)


def test_without_grace_sms_sent_only_sees_what_the_call_itself_sent() -> None:
    result = run_scenario(load_scenario(QUEUED_SMS), queued_sms_network(0.3))
    assert not result.passed
    assert result.failures == ("expected an SMS containing 'Your parcel' (in order); sent []",)
