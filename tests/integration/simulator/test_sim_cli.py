"""The ``sim`` commands as a user meets them, against a simulator served on loopback TLS (calls
on lanes, the fake app in-process): ``--json`` prints JSON only, a call is found by the app's id,
``--record`` speaks into a recording, the outbox filters by number, and ``--local`` finds the
simulator from the local stack's environment file, whichever CLI it is given to."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from simkit import APP_BASE, FakeApp, network_for, pull_app

from chalicelib.cli.main import main as ringflow
from chalicelib.simulator.__main__ import main as simulator_main
from chalicelib.simulator.model import EntryKind
from chalicelib.simulator.network import Network
from chalicelib.simulator.server import SimulatorServer

pytestmark = pytest.mark.http

CALLER = "447700900001"
LVN = "447700900100"


@pytest.fixture
def live() -> Iterator[tuple[SimulatorServer, FakeApp]]:
    box: list[Network] = []
    fake = pull_app(box)
    network = network_for(fake)
    box.append(network)
    with SimulatorServer(network) as running:
        yield running, fake


def where(server: SimulatorServer) -> tuple[str, ...]:
    assert server.ca_pem_path is not None
    return ("--sim-url", server.url, "--ca", server.ca_pem_path)


def test_call_with_json_prints_only_json_on_stdout(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = live
    # WHEN a call is placed with --json
    code = simulator_main(
        ["sim", "call", "--from", CALLER, "--to", LVN, "--press", "1", "--json", *where(server)]
    )
    # THEN stdout is one JSON document (the whole answer) and nothing else
    captured = capsys.readouterr()
    answer = json.loads(captured.out)
    assert code == 0 and answer["call"]["status"] == "completed"
    assert answer["transcript"] and answer["webhooks"]
    assert captured.err == ""


def test_a_refused_call_is_reported_on_stderr(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    server, _ = live
    code = simulator_main(["sim", "call", "--from", "", "--to", LVN, "--json", *where(server)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and "refused the call (400)" in captured.err


def test_calls_finds_a_call_by_the_apps_call_id(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an outbound call the app created with its own call id in the event URL
    server, fake = live
    fake.routes["/event"] = 204
    handle = server.network.create_call(
        CALLER,
        LVN,
        ncco=[{"action": "talk", "text": "Your appointment is tomorrow."}],
        event_url=f"{APP_BASE}/event?call=app-call-7",
    )
    assert handle.wait(10)
    # WHEN the call is asked for by the app's id, and by the leg's uuid
    by_app_id = simulator_main(["sim", "calls", "app-call-7", *where(server)])
    app_view = capsys.readouterr().out
    by_uuid = simulator_main(["sim", "calls", handle.uuid, *where(server)])
    leg_view = capsys.readouterr().out
    # THEN both print that call's transcript
    assert by_app_id == by_uuid == 0
    assert "Your appointment is tomorrow." in app_view
    assert app_view.strip().splitlines()[-1] == f"call {handle.uuid} completed"
    assert leg_view == app_view


def test_call_record_speaks_into_the_recording_for_that_long(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an app whose answer is a record widget (ends after 3 s of silence)
    server, fake = live
    fake.routes["/answer"] = [
        {
            "action": "record",
            "endOnSilence": 3,
            "timeOut": 60,
            "eventUrl": [f"{APP_BASE}/recording"],
        }
    ]
    fake.routes["/recording"] = 204
    # WHEN the caller speaks for 8 seconds
    code = simulator_main(
        ["sim", "call", "--from", CALLER, "--to", LVN, "--record", "8", *where(server)]
    )
    # THEN the recording holds the 8 s message (and the silence that ended it), and reached
    # the app
    out = capsys.readouterr().out
    assert code == 0 and "(leaves a 8s message)" in out
    [call] = server.network.calls()
    [ready] = [e for e in call.transcript.of_kind(EntryKind.RECORD) if "ready" in e.text]
    assert ready.text == "recording ready (11.0s)"
    assert fake.at("/recording")


def test_record_takes_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        simulator_main(["sim", "call", "--from", CALLER, "--to", LVN, "--record", "long"])
    assert "--record takes seconds" in capsys.readouterr().err


def test_outbox_filters_by_number(
    live: tuple[SimulatorServer, FakeApp], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN SMS the app sent to two people, from two numbers
    server, _ = live
    server.network.submit_sms(LVN, CALLER, "Your code is 1234")
    server.network.submit_sms(LVN, "447700900002", "Your parcel has arrived.")
    server.network.submit_sms("447700900150", CALLER, "See you tomorrow")
    # WHEN the outbox is listed to one number, from one number, and both
    outputs = {}
    for name, filters in {
        "to": ["--to", f"+{CALLER}"],
        "from": ["--from", "447700900150"],
        "both": ["--to", CALLER, "--from", LVN],
        "none": ["--to", "447700900999"],
    }.items():
        assert simulator_main(["sim", "outbox", *filters, *where(server)]) == 0
        outputs[name] = capsys.readouterr()
    # THEN each shows those messages only
    assert outputs["to"].out.splitlines() == [
        f"{LVN} -> {CALLER}: Your code is 1234",
        f"447700900150 -> {CALLER}: See you tomorrow",
    ]
    assert outputs["from"].out.splitlines() == [f"447700900150 -> {CALLER}: See you tomorrow"]
    assert outputs["both"].out.splitlines() == [f"{LVN} -> {CALLER}: Your code is 1234"]
    assert outputs["none"].out == "" and "no SMS matches" in outputs["none"].err


@pytest.mark.parametrize(
    "argv",
    [
        ["--local", "sim", "calls"],  # ringflow's own --local
        ["sim", "calls", "--local"],  # given to the sim command
    ],
    ids=["before", "after"],
)
def test_local_takes_the_simulator_from_the_local_stack(
    live: tuple[SimulatorServer, FakeApp],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
) -> None:
    # GIVEN the environment file of a local run whose simulator is the live one (on its own
    # port, not the default), and a call it carried
    server, _ = live
    (tmp_path / "env.json").write_text(
        json.dumps({"RINGFLOW_SIM_URL": server.url, "RINGFLOW_SIM_CA": server.ca_pem_path})
    )
    monkeypatch.setenv("RINGFLOW_LOCAL_DIR", str(tmp_path))
    for name in ("RINGFLOW_SIM_URL", "RINGFLOW_SIM_CA"):
        monkeypatch.setenv(name, "unset")  # restored after the test
        monkeypatch.delenv(name)
    assert simulator_main(["sim", "call", "--from", CALLER, "--to", LVN, *where(server)]) == 0
    uuid = capsys.readouterr().out.strip().splitlines()[-1].split()[1]
    # WHEN `ringflow --local sim calls` runs with no --sim-url
    code = ringflow(argv)
    # THEN it listed the live simulator's calls
    assert code == 0 and uuid in capsys.readouterr().out


def test_local_without_a_running_stack_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RINGFLOW_LOCAL_DIR", str(tmp_path))
    assert simulator_main(["sim", "outbox", "--local"]) == 2
    assert "is `make run` running?" in capsys.readouterr().err
