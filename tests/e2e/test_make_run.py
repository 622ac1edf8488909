"""The local run as a newcomer uses it: GIVEN ``python -m infra.local.run`` (what ``make run``
starts) on free ports, WHEN the command it prints is run, THEN the simulated call to the pull-app
number hears the caller's personalised message, the banner's web page logs the demo user in,
the SMS arrives at the simulated carrier through the tasks queue and the pump, and SIGTERM (as
Ctrl-C) stops every process it started."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import requests

from infra.local.moto import free_port

ROOT = Path(__file__).resolve().parents[2]


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return bool(state.stdout.strip()) and not state.stdout.strip().startswith("Z")


def test_make_run_then_the_printed_command_places_the_pull_app_call(tmp_path: Path) -> None:
    names = ("APP", "SIM", "MOTO", "MESSAGES", "SMTP", "STRIPE", "PHONE")
    ports = {name: str(free_port()) for name in names}
    env = {
        **os.environ,
        **{f"RINGFLOW_{k}_PORT": v for k, v in ports.items()},
        "RINGFLOW_LOCAL_DIR": str(tmp_path),
        # each call as fast as it can: the printed commands one after the other, none still
        # going when the next looks (the real-time default: tests/browser's local runs)
        "RINGFLOW_SIM_SPEED": "fast",
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "infra.local.run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    try:
        assert run.stdout is not None
        deadline = time.monotonic() + 120
        command = None
        while time.monotonic() < deadline and command is None:
            line = run.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "ringflow sim call" in line:
                command = line.strip()
        assert command, "".join(lines)
        children = _children_of(run.pid)
        assert len(children) >= 4  # moto, simulator, the app's server, pump

        args = shlex.split(command)
        args[0] = str(ROOT / args[0])
        placed = time.time()
        call = subprocess.run(
            args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert call.returncode == 0, call.stdout + call.stderr
        assert "Hello Alice. Your parcel" in call.stdout
        assert "We have sent the message to you by text." in call.stdout

        sim = f"https://127.0.0.1:{ports['SIM']}/_sim/sms"
        outbox: list[dict[str, str]] = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not outbox:
            outbox = requests.get(sim, verify=str(tmp_path / "sim-ca.pem"), timeout=5).json()[
                "outbox"
            ]
            time.sleep(0.3)
        assert [m["to"] for m in outbox] == ["447700900001"]
        assert outbox[0]["text"].startswith("Hello Alice")
        assert_the_record_carries_wall_clock_times(lines, ports["APP"], placed, time.time())
        assert_a_scenario_sees_the_sms_through_the_stack(env, tmp_path)
        assert_the_printed_missed_call_is_called_back(run, lines, env, ports["SIM"], tmp_path)
        assert_the_printed_web_form_calls_back(run, lines, ports["SIM"], tmp_path)
        assert_the_printed_mail_command_is_called_back(run, lines, env, ports["SIM"], tmp_path)
        assert_eva_understands_the_printed_call(run, lines, env)
        assert_the_printed_campaign_trigger_calls_the_contact(run, lines, ports["SIM"], tmp_path)
        assert_the_printed_banner_calls_the_visitor(run, lines, ports["SIM"], tmp_path)
        assert_a_mail_sent_over_smtp_reaches_the_platform(env, tmp_path)
        assert_the_printed_web_page_logs_the_demo_user_in(lines)
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            run.wait(30)
        except subprocess.TimeoutExpired:
            run.kill()
    assert run.returncode == 0, "".join(lines)
    time.sleep(1)
    assert [pid for pid in children if _alive(pid)] == []
    logs = {p.name for p in tmp_path.glob("*.log")}
    assert {"app.log", "pump.log", "simulator.log", "moto.log"} <= logs
    json.dumps(sorted(logs))


def banner_line(run: subprocess.Popen[str], lines: list[str], *needles: str) -> str:
    """Read the banner on to the next line holding every one of ``needles``; that line."""
    assert run.stdout is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        line = run.stdout.readline()
        lines.append(line)
        if all(needle in line for needle in needles):
            return line.strip()
    raise AssertionError("".join(lines))


def run_printed_command(
    run: subprocess.Popen[str], lines: list[str], env: dict[str, str], *needles: str
) -> subprocess.CompletedProcess[str]:
    """Read the banner on to the next ``ringflow`` command line holding every one of
    ``needles`` and run it as printed (from the project's folder); its completed process."""
    args = shlex.split(banner_line(run, lines, *needles))
    args[0] = str(ROOT / args[0])
    done = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def assert_eva_understands_the_printed_call(
    run: subprocess.Popen[str], lines: list[str], env: dict[str, str]
) -> None:
    """The banner's call to Eva, the speech demo, says "I want the first option" in English and
    hears the payment details: the speech widget, the local engine and the demo's agent."""
    call = run_printed_command(run, lines, env, "ringflow sim call", "--say")
    assert "I want the first option" in call.stdout, call.stdout
    assert "Your last payment was received." in call.stdout, call.stdout


def assert_the_printed_campaign_trigger_calls_the_contact(
    run: subprocess.Popen[str], lines: list[str], sim_port: str, tmp: Path
) -> None:
    """The banner's REST trigger of the demo campaign (the seed's body, posted as its curl
    would): accepted, and the contact is called through the task queue and the pump, hearing
    the reminder with the name the trigger gave."""
    args = shlex.split(banner_line(run, lines, "curl", "/outbound/create"))
    url, body = args[args.index("-s") + 1], args[args.index("-d") + 1]
    base, ca = f"https://127.0.0.1:{sim_port}/_sim/calls", str(tmp / "sim-ca.pem")
    before = {call["uuid"] for call in requests.get(base, verify=ca, timeout=5).json()["calls"]}
    answer = requests.post(url, data=body, headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["accepted"] == 1, answer.text
    deadline = time.monotonic() + 90
    said: list[str] = []
    while time.monotonic() < deadline and not said:
        for call in requests.get(base, verify=ca, timeout=5).json()["calls"]:
            if call["uuid"] in before or call.get("status") != "completed":
                continue
            detail = requests.get(f"{base}/{call['uuid']}", verify=ca, timeout=5).json()
            said = [entry["text"] for entry in detail["transcript"] if entry["kind"] == "say"]
        time.sleep(0.5)
    assert said and said[0].startswith("Hello Dana. This is a reminder"), said


def assert_the_printed_banner_calls_the_visitor(
    run: subprocess.Popen[str], lines: list[str], sim_port: str, tmp: Path
) -> None:
    """The banner's click-to-call page serves the campaign's banner; its request (posted as
    the banner posts it) calls the visitor, who hears the campaign's message and is bridged to
    the operator."""
    line = banner_line(run, lines, "/pages/c2c/")
    page_url = next(word for word in line.split() if "/pages/c2c/" in word)
    page = requests.get(page_url, timeout=10)
    assert page.status_code == 200 and "embed.js" in page.text, page.text
    key = page_url.split("/pages/c2c/")[1].split("/")[0]
    base = page_url.split("/pages/c2c/")[0]
    calls, ca = f"https://127.0.0.1:{sim_port}/_sim/calls", str(tmp / "sim-ca.pem")
    before = {call["uuid"] for call in requests.get(calls, verify=ca, timeout=5).json()["calls"]}
    asked = requests.post(
        f"{base}/c2c/{key}/requests", json={"phone": "+447700900001", "agree": True}, timeout=10
    )
    assert asked.status_code == 202, asked.text
    deadline = time.monotonic() + 90
    said: list[str] = []
    while time.monotonic() < deadline and not said:
        for call in requests.get(calls, verify=ca, timeout=5).json()["calls"]:
            if call["uuid"] in before or call.get("status") != "completed":
                continue
            detail = requests.get(f"{calls}/{call['uuid']}", verify=ca, timeout=5).json()
            said = [entry["text"] for entry in detail["transcript"] if entry["kind"] == "say"]
        time.sleep(0.5)
    assert said and said[0].startswith("Thank you for asking Demo Windows"), said


def assert_the_printed_missed_call_is_called_back(
    run: subprocess.Popen[str], lines: list[str], env: dict[str, str], sim_port: str, tmp: Path
) -> None:
    """The banner's missed call to the callback demo's ANI access number is called back after
    the access number's delay (the task queue's, through the pump), and the user hears the
    demo account's balance."""
    base, ca = f"https://127.0.0.1:{sim_port}/_sim/calls", str(tmp / "sim-ca.pem")
    before = {call["uuid"] for call in requests.get(base, verify=ca, timeout=5).json()["calls"]}
    run_printed_command(run, lines, env, "ringflow sim call", "447700900500")
    # the calls run in real time: the callback's greeting is heard while it goes on
    deadline = time.monotonic() + 90
    said: list[str] = []
    while time.monotonic() < deadline and "Your balance is 10 euros." not in said:
        for call in requests.get(base, verify=ca, timeout=5).json()["calls"]:
            if call["uuid"] in before or call.get("to") != "447700900001":
                continue
            detail = requests.get(f"{base}/{call['uuid']}", verify=ca, timeout=5).json()
            said = [entry["text"] for entry in detail["transcript"] if entry["kind"] == "say"]
        time.sleep(0.5)
    assert "Your balance is 10 euros." in said, requests.get(base, verify=ca, timeout=5).text


def assert_the_printed_web_form_calls_back(
    run: subprocess.Popen[str], lines: list[str], sim_port: str, tmp: Path
) -> None:
    """The banner's hosted web callback form is served, and the form's post (as a browser
    sends it) calls the user back on the service's money."""
    assert run.stdout is not None
    forms: list[str] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(forms) < 3:
        line = run.stdout.readline()
        lines.append(line)
        if "/v1/web-callbacks/demo-desk/" in line:
            forms.append(line.strip())
    hosted = next(url for url in forms if url.endswith("/hosted/form"))
    page = requests.get(hosted, timeout=10)
    assert page.status_code == 200 and 'name="phone"' in page.text, page.text
    base, ca = f"https://127.0.0.1:{sim_port}/_sim/calls", str(tmp / "sim-ca.pem")

    def callbacks() -> int:
        calls = requests.get(base, verify=ca, timeout=5).json()["calls"]
        return sum(1 for call in calls if call.get("to") == "447700900001")

    before = callbacks()
    asked = requests.post(
        hosted.removesuffix("/form"),
        data={"phone": "+44 7700 900001"},
        headers={"Accept": "text/html"},
        timeout=10,
    )
    assert asked.status_code == 202 and "will ring in a moment" in asked.text, asked.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and callbacks() == before:
        time.sleep(0.5)
    assert callbacks() == before + 1


def assert_the_printed_mail_command_is_called_back(
    run: subprocess.Popen[str], lines: list[str], env: dict[str, str], sim_port: str, tmp: Path
) -> None:
    """The banner's e-mail command to the callback demo's address, sent over SMTP: the user is
    called back and told how long they can talk to the number mailed, and the confirmation
    went out through SES."""
    assert run.stdout is not None
    command = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and command is None:
        line = run.stdout.readline()
        lines.append(line)
        if "ringflow sim send-mail" in line and "callback@" in line:
            following = run.stdout.readline()
            lines.append(following)
            command = line.strip().rstrip("\\") + " " + following.strip()
    assert command, "".join(lines)
    args = shlex.split(command, comments=True)
    args[0] = str(ROOT / args[0])
    base, ca = f"https://127.0.0.1:{sim_port}/_sim/calls", str(tmp / "sim-ca.pem")

    def completed() -> list[dict[str, str]]:
        calls = requests.get(base, verify=ca, timeout=5).json()["calls"]
        return [c for c in calls if (c.get("to"), c.get("status")) == ("447700900001", "completed")]

    before = {call["uuid"] for call in completed()}
    sent = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    deadline = time.monotonic() + 60
    new: list[dict[str, str]] = []
    while time.monotonic() < deadline and not new:
        new = [call for call in completed() if call["uuid"] not in before]
        time.sleep(0.5)
    assert new, requests.get(base, verify=ca, timeout=5).text
    detail = requests.get(f"{base}/{new[0]['uuid']}", verify=ca, timeout=5).json()
    said = [entry["text"] for entry in detail["transcript"] if entry["kind"] == "say"]
    assert any(text.startswith("You can talk for") for text in said), said
    mailbox = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli.main", "--local", "sim", "mail"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Calling you back on +447700900001" in mailbox.stdout, mailbox.stdout + mailbox.stderr


def assert_the_record_carries_wall_clock_times(
    lines: list[str], app_port: str, placed: float, done: float
) -> None:
    """The app's record of the call: real times (the simulator's virtual seconds, 15 s of
    speech here, must not reach it), none in the future, and a duration the call really took."""
    key = next(line.split("API key:")[1].strip() for line in lines if "API key:" in line)
    records = requests.get(
        f"http://127.0.0.1:{app_port}/v1/calls",
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    ).json()
    [record] = records
    started, answered, ended = (
        datetime.fromisoformat(record[name].replace("Z", "+00:00")).timestamp()
        for name in ("started_at", "answered_at", "ended_at")
    )
    assert placed - 1 <= started <= answered <= ended <= time.time()
    assert record["duration"] <= done - placed + 1


def assert_a_scenario_sees_the_sms_through_the_stack(env: dict[str, str], tmp_path: Path) -> None:
    """``ringflow --local sim scenario``: the SMS leaves the app through its queue and the pump,
    after the call, and the scenario's ``sms_sent`` sees it."""
    scenario = tmp_path / "pull.yaml"
    scenario.write_text(
        "name: the pull app texts Alice\n"
        'call: {from: "447700900001", to: "447700900100"}\n'
        'caller: [{press: "2"}]\n'
        'expect: {said: ["Hello Alice"], sms_sent: ["Hello Alice"]}\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "chalicelib.cli.main", "--local", "sim", "scenario", str(scenario)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed, 0 failed" in done.stdout


def assert_a_mail_sent_over_smtp_reaches_the_platform(env: dict[str, str], tmp: Path) -> None:
    """``ringflow --local sim send-mail``: real SMTP to the listener, stored as SES stores it,
    its notification drained by the pump into the app's mail handler, which logs it."""
    sent = subprocess.run(
        [
            *(sys.executable, "-m", "chalicelib.cli.main", "--local", "sim", "send-mail"),
            *("--from", "ann@example.com", "--to", "inbox@ringflow.test", "--body", "hello"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    mail_id = sent.stdout.split()[-1]
    deadline = time.monotonic() + 20
    log = ""
    while time.monotonic() < deadline and mail_id not in log:
        log = (tmp / "pump.log").read_text(errors="replace")
        time.sleep(0.3)
    received = [line for line in log.splitlines() if mail_id in line and "mail received" in line]
    assert received, log[-2000:]


def assert_the_printed_web_page_logs_the_demo_user_in(lines: list[str]) -> None:
    """The banner's web page and demo login: the login form, then the demo account's home."""
    line = next(line for line in lines if "/my/login" in line)
    url = next(word for word in line.split() if word.endswith("/my/login"))
    account = line.split("account id ")[1].split(",")[0]
    password = line.split("password ")[1].strip()
    http = requests.Session()
    form = http.get(url, timeout=10)
    assert form.status_code == 200
    token = form.text.split('name="csrf" value="')[1].split('"')[0]
    data = {"account_id": account, "password": password, "csrf": token}
    home = http.post(url, data=data, timeout=30)
    assert home.status_code == 200 and home.url.endswith("/my/home"), home.text[:500]
    assert f"Account {account}" in home.text and " EUR</p>" in home.text
