"""The ``sim`` commands of the operator CLI: place a scripted call, run scenario files and send
an inbound SMS through a running simulator's control API (``/_sim/``), printing transcripts.

``register(subparsers)`` adds them to any argparse parser (the ``ringflow`` CLI and
``python -m chalicelib.simulator``); each sets ``func(args) -> exit code``. What a command
prints goes to stdout (with ``--json``, only the JSON), what goes wrong to stderr. The simulator
is ``--sim-url``, else ``$RINGFLOW_SIM_URL`` (which ``--local`` sets from the running local
stack), else the local run's default. Imports the standard library, simulator modules
(scenario loading, transcript printing) and ``cli.local``; never the app.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote, urlencode

from chalicelib.cli.local import LocalStackError, use_local_stack
from chalicelib.simulator.model import TranscriptEntry
from chalicelib.simulator.scenario import ScenarioError, ScenarioResult, load_scenario

DEFAULT_SIM_URL = "https://127.0.0.1:8090"
DEFAULT_CA = ".local/sim-ca.pem"


class SimulatorUnreachableError(RuntimeError):
    """The control API did not answer."""


class _ScriptStep(argparse.Action):
    """Appends ``--press``/``--say``/``--wait``/``--hangup`` to one ordered script."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        script = list(getattr(namespace, self.dest, None) or [])
        kind = str(self.const)
        if kind == "hangup":
            script.append({"hangup": True})
        elif kind in ("wait", "record"):
            try:
                seconds = float(str(values))
            except ValueError:
                seconds = -1.0
            if not 0 <= seconds < float("inf"):
                parser.error(f"--{kind} takes seconds (a number >= 0), got {values!r}")
            script.append({kind: seconds})
        else:
            script.append({kind: str(values)})
        setattr(namespace, self.dest, script)


def _context(ca: str | None) -> ssl.SSLContext:
    if ca is None:
        ca = os.environ.get("RINGFLOW_SIM_CA")
    if ca is None and Path(DEFAULT_CA).exists():
        ca = DEFAULT_CA
    return ssl.create_default_context(cafile=ca)


def sim_url(given: str | None) -> str:
    """The simulator's URL: ``given``, else ``$RINGFLOW_SIM_URL``, else ``DEFAULT_SIM_URL``."""
    return given or os.environ.get("RINGFLOW_SIM_URL") or DEFAULT_SIM_URL


def request(
    sim_url: str,
    method: str,
    path: str,
    payload: Any = None,
    ca: str | None = None,
    timeout: float = 120.0,
) -> tuple[int, Any]:
    """Call the control API; returns (status, decoded JSON)."""
    body = None if payload is None else json.dumps(payload).encode("utf-8")
    prepared = urllib.request.Request(  # noqa: S310 (the URL is the operator's simulator)
        sim_url.rstrip("/") + path,
        data=body,
        method=method,
        headers={"Content-Type": "application/json", "Connection": "close"},
    )
    context = _context(ca) if sim_url.startswith("https") else None
    try:
        with urllib.request.urlopen(prepared, timeout=timeout, context=context) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        data = error.read()
        try:
            return error.code, json.loads(data)
        except ValueError:
            return error.code, data.decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError) as error:
        raise SimulatorUnreachableError(
            f"cannot reach the simulator at {sim_url}: {error}"
        ) from None


def _print_transcript(entries: Sequence[Any], out: TextIO) -> None:
    for raw in entries:
        print(str(TranscriptEntry.from_json(raw)), file=out)


def _cmd_call(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    payload = {"from": args.from_, "to": args.to, "script": args.script or []}
    status, data = request(args.sim_url, "POST", "/_sim/calls", payload, args.ca)
    if status != 200 or not isinstance(data, dict):
        print(f"the simulator refused the call ({status}): {data}", file=err)
        return 2
    call = data.get("call", {})
    if args.json:
        print(json.dumps(data, indent=2), file=out)
    else:
        _print_transcript(data.get("transcript", []), out)
        print(f"call {call.get('uuid')} {call.get('status')}", file=out)
    return 0 if call.get("status") == "completed" else 1


def _cmd_scenario(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    failed = 0
    for name in args.files:
        try:
            load_scenario(Path(name))
            text = Path(name).read_text(encoding="utf-8")
        except (ScenarioError, OSError) as error:
            print(f"ERROR {name}: {error}", file=err)
            return 2
        status, data = request(args.sim_url, "POST", "/_sim/scenarios", {"yaml": text}, args.ca)
        if status != 200 or not isinstance(data, dict):
            print(f"ERROR {name}: the simulator answered {status}: {data}", file=err)
            return 2
        result = ScenarioResult.from_json(data)
        print(f"{result} ({name})" if result.passed else str(result), file=out)
        failed += 0 if result.passed else 1
    print(f"{len(args.files) - failed} passed, {failed} failed", file=out)
    return 1 if failed else 0


def _cmd_sms(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    payload = {"from": args.from_, "to": args.to, "text": args.text}
    status, data = request(args.sim_url, "POST", "/_sim/sms", payload, args.ca)
    if status != 200 or not isinstance(data, dict):
        print(f"the simulator refused the SMS ({status}): {data}", file=err)
        return 2
    delivered = data.get("delivered", [])
    for record in delivered:
        outcome = record.get("status") or record.get("error")
        print(f"{record.get('method')} {record.get('url')} -> {outcome}", file=out)
    ok = bool(delivered) and all(record.get("status") in (200, 204) for record in delivered)
    return 0 if ok else 1


def _cmd_calls(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.id:
        path = f"/_sim/calls/{quote(args.id, safe='')}"
        status, data = request(args.sim_url, "GET", path, None, args.ca)
        if status != 200 or not isinstance(data, dict):
            print(f"no such call ({status}): {data}", file=err)
            return 2
        _print_transcript(data.get("transcript", []), out)
        call = data.get("call", {})
        print(f"call {call.get('uuid')} {call.get('status')}", file=out)
        return 0
    status, data = request(args.sim_url, "GET", "/_sim/calls", None, args.ca)
    if status != 200 or not isinstance(data, dict):
        print(f"the simulator answered {status}: {data}", file=err)
        return 2
    for call in data.get("calls", []):
        print(
            f"{call.get('uuid')}  {call.get('direction'):<8} {call.get('from')} -> "
            f"{call.get('to')}  {call.get('status')}",
            file=out,
        )
    return 0


def _cmd_outbox(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    wanted = {"to": args.to, "from": args.from_}
    query = urlencode({k: v.lstrip("+") for k, v in wanted.items() if v})
    status, data = request(
        args.sim_url, "GET", "/_sim/sms" + (f"?{query}" if query else ""), None, args.ca
    )
    if status != 200 or not isinstance(data, dict):
        print(f"the simulator answered {status}: {data}", file=err)
        return 2
    messages = data.get("outbox", [])
    for message in messages:
        print(f"{message.get('from')} -> {message.get('to')}: {message.get('text')}", file=out)
    if not messages and query:
        print("no SMS matches", file=err)
    return 0


def _guarded(command: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            if getattr(args, "local", False):
                use_local_stack()
            args.sim_url = sim_url(args.sim_url)
            return int(command(args, sys.stdout, sys.stderr))
        except (SimulatorUnreachableError, LocalStackError) as error:
            print(str(error), file=sys.stderr)
            return 2

    return run


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sim-url",
        default=None,
        help=f"the simulator's base URL (default $RINGFLOW_SIM_URL, else {DEFAULT_SIM_URL})",
    )
    parser.add_argument(
        "--ca", default=None, help=f"CA PEM to trust (default $RINGFLOW_SIM_CA, else {DEFAULT_CA})"
    )
    parser.add_argument(
        "--local",
        action="store_true",
        default=argparse.SUPPRESS,
        help="talk to the running local stack's simulator (reads .local/env.json)",
    )


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Add ``sim call``, ``sim scenario``, ``sim sms``, ``sim calls``, ``sim outbox`` and the
    e-mail commands (``sim mail``, ``sim send-mail``)."""
    sim = subparsers.add_parser("sim", help="drive the provider simulator")
    commands = sim.add_subparsers(dest="sim_command", required=True)

    call = commands.add_parser(
        "call", help="place a scripted inbound call and print its transcript"
    )
    call.add_argument("--from", dest="from_", required=True, help="the caller's number")
    call.add_argument("--to", required=True, help="the application's number")
    call.add_argument("--press", dest="script", action=_ScriptStep, const="press", metavar="DIGITS")
    call.add_argument("--say", dest="script", action=_ScriptStep, const="say", metavar="TEXT")
    call.add_argument("--wait", dest="script", action=_ScriptStep, const="wait", metavar="SECONDS")
    call.add_argument("--hangup", dest="script", action=_ScriptStep, const="hangup", nargs=0)
    call.add_argument(
        "--record",
        dest="script",
        action=_ScriptStep,
        const="record",
        metavar="SECONDS",
        help="speak into the recording the call makes for SECONDS (a record widget's message)",
    )
    call.add_argument(
        "--json", action="store_true", help="print only the whole answer as JSON (to stdout)"
    )
    _common(call)
    call.set_defaults(func=_guarded(_cmd_call), script=None)

    scenario = commands.add_parser("scenario", help="run YAML scenario files")
    scenario.add_argument("files", nargs="+", metavar="FILE")
    _common(scenario)
    scenario.set_defaults(func=_guarded(_cmd_scenario))

    sms = commands.add_parser("sms", help="send an inbound SMS to the application")
    sms.add_argument("--from", dest="from_", required=True)
    sms.add_argument("--to", required=True)
    sms.add_argument("--text", required=True)
    _common(sms)
    sms.set_defaults(func=_guarded(_cmd_sms))

    calls = commands.add_parser(
        "calls", help="list the calls the network carried, or print one call's transcript"
    )
    calls.add_argument(
        "id", nargs="?", help="a call: the app's call id, or a leg or conversation uuid"
    )
    _common(calls)
    calls.set_defaults(func=_guarded(_cmd_calls))

    outbox = commands.add_parser(
        "outbox",
        help="the SMS the application sent (all, or --to / --from a number)",
        description="The SMS the application sent, oldest first; --to and --from keep those "
        "sent to or from a number (E.164, with or without +).",
    )
    outbox.add_argument("--to", metavar="NUMBER", help="only those sent to NUMBER")
    outbox.add_argument("--from", dest="from_", metavar="NUMBER", help="only those from NUMBER")
    _common(outbox)
    outbox.set_defaults(func=_guarded(_cmd_outbox))

    from chalicelib.simulator.mail import register as register_mail

    register_mail(commands)
    return sim
