"""``ringflow calls ...`` and ``ringflow recordings ...``: what an operator asks of calls: list
them, show one with the path it took, start an outbound one, list and download its recordings.
Each prints for a person (or JSON) and says ``refused: ...`` on stderr for input it cannot take.
Imports the CLI's shared helpers and the domain lazily; no argument parsing (``cli.main``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chalicelib.cli.common import container as _container
from chalicelib.cli.common import print_json as _print


def calls_list(args: argparse.Namespace) -> int:
    """Print an account's finished calls, newest first."""
    records = _container().call_records.list_by_account(args.account, None, None, args.limit)
    for record in records:
        print(
            f"{record.started_at:%Y-%m-%d %H:%M:%S}  {record.call_id:<36}  {record.from_number:>15}"
            f" -> {record.to_number:<15}  {record.outcome.value:<14} {record.duration:>5}s"
            f"  {record.flow_id}"
        )
    if not records:
        print("no calls")
    return 0


def call_show(args: argparse.Namespace) -> int:
    """Print one call and the path it took through its flow."""
    from chalicelib.calls.records import find_call
    from chalicelib.errors import NotFoundError
    from chalicelib.web.schemas import call_detail_view

    box = _container()
    try:
        record, live = find_call(
            box.call_records, box.calls, args.account, args.call_id, box.settings.carrier_currency
        )
    except NotFoundError:
        print(f"refused: no call {args.call_id!r} for account {args.account!r}", file=sys.stderr)
        return 1
    view = call_detail_view(record, live)
    if args.json:
        _print(view)
        return 0
    print(
        f"{view['call_id']}  {view['from_number']} -> {view['to_number']}  {view['outcome']}"
        f"  {view['duration']}s  {view['cost']} {view['currency']}  flow {view['flow_id']}"
    )
    for step in view["path"]:
        line = f"  {step['at']:>7.2f}s  {step['node']} ({step['widget']})"
        if step.get("heard"):
            line += f"  heard {step['heard']!r}"
        if step.get("status"):
            took = f" in {step['seconds']:.2f}s" if step.get("seconds") is not None else ""
            line += f"  {step['status']}{took}"
        print(line + (f"  -> {step['output']}" if step.get("output") else ""))
    if view["path_cut"]:
        print("  ... (the call went on past the steps kept)")
    return 0


def recordings_list(args: argparse.Namespace) -> int:
    """Print a call's recordings, in the order they were made."""
    from chalicelib.errors import NotFoundError

    try:
        recordings = _container().recordings.of_call(args.account, args.call)
    except NotFoundError as error:
        print(f"refused: {error} in account {args.account!r}", file=sys.stderr)
        return 1
    for r in recordings:
        print(
            f"{r.ref:>4}  {r.node or '-':<20}  {r.format:<4} {r.content_type:<11}"
            f" {r.size:>9} bytes  {r.created_at:%Y-%m-%d %H:%M:%S}"
        )
    if not recordings:
        print("no recordings")
    return 0


def recordings_get(args: argparse.Namespace) -> int:
    """Download one of a call's recordings (``REF``, else its last) into ``--out``."""
    from chalicelib.errors import NotFoundError

    recordings = _container().recordings
    try:
        if args.ref is None:
            recording = recordings.latest(args.account, args.call)
        else:
            recording = recordings.get(args.account, args.call, args.ref)
        data = recordings.read(recording)
    except NotFoundError as error:
        print(f"refused: {error} in account {args.account!r}", file=sys.stderr)
        return 1
    try:
        Path(args.out).write_bytes(data)
    except OSError as error:
        print(f"refused: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    _print(
        {
            "call_id": args.call,
            "ref": recording.ref,
            "content_type": recording.content_type,
            "bytes": len(data),
            "out": args.out,
        }
    )
    return 0


def call_start(args: argparse.Namespace) -> int:
    """Start an outbound call of an outbound flow."""
    from chalicelib.calls.outbound import OutboundCallError

    variables = {}
    for item in args.var:
        name, sep, value = item.partition("=")
        if not sep:
            print(f"refused: --var takes name=value, got {item!r}", file=sys.stderr)
            return 2
        variables[name] = value
    try:
        started = _container().outbound.start(
            args.account, args.flow, args.to, args.from_, variables, args.ringing_timeout
        )
    except OutboundCallError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    _print({"call_id": started.call_id, "leg_id": started.leg_id})
    return 0
