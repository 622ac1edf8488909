"""``ringflow``: the operator command line.

What an operator does before any web page exists: create tables, create an account and its API
key, make the operator key of the REST API, load a flow file, roll a flow back to an earlier
version or delete it, switch a flow's listener, provision
a number to an account, attach it to a flow and release it, list calls and download their
recordings, load the demo, and drive
the network simulator (``ringflow sim ...``). It talks to the stage the environment names
(``RINGFLOW_AWS_ENDPOINT_URL`` points it at the local stack; ``--local`` takes that, and the
simulator's URL, from the running local stack for every command). Whatever goes wrong is one
line on stderr, never a traceback: refused input, missing AWS credentials, an unreachable
endpoint. Exit codes: 0 ok, 1 refused input or AWS unusable, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from chalicelib.accounts.admin import AdminError, NumberNotHeldError
from chalicelib.cli.calls import call_show, call_start, calls_list, recordings_get, recordings_list
from chalicelib.cli.common import container, print_json
from chalicelib.cli.local import LocalStackError, use_local_stack
from chalicelib.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
    RingflowError,
    ValidationError,
)

Command = Callable[[argparse.Namespace], int]


_container = container
_print = print_json


def tables_create(args: argparse.Namespace) -> int:
    """Create every missing table."""
    from chalicelib.store.tables import create_tables

    create_tables(_container().settings)
    print("tables ready")
    return 0


def account_create(args: argparse.Namespace) -> int:
    """Create an account; print its first API key."""
    account, key = _container().admin.create_account(
        args.id, args.name, args.language, args.currency, args.timezone
    )
    _print({"account_id": account.account_id, "name": account.name, "api_key": key})
    return 0


def account_timezone(args: argparse.Namespace) -> int:
    """Set the time zone the account's flows loaded from now on without one take."""
    account = _container().admin.set_timezone(args.id, args.zone)
    _print({"account_id": account.account_id, "timezone": account.timezone})
    return 0


def account_key(args: argparse.Namespace) -> int:
    """Issue another API key."""
    _print({"account_id": args.id, "api_key": _container().admin.issue_key(args.id)})
    return 0


def operator_key(args: argparse.Namespace) -> int:
    """Make an operator key; print it once with the hash to configure."""
    from chalicelib.accounts.keys import new_operator_key

    key, digest = new_operator_key()
    _print({"operator_key": key, "RINGFLOW_OPERATOR_KEY_HASH": digest})
    return 0


class _FlowFileError(Exception):
    """A flow file that cannot be used as it is; ``str()`` says why."""


def _read_flow_file(name: str) -> bytes:
    """The bytes of a flow file, its size checked before it is read."""
    from chalicelib.accounts.admin import document_size_problem

    path = Path(name)
    try:
        problem = document_size_problem(path.stat().st_size)
        if problem is not None:
            raise _FlowFileError(problem)
        return path.read_bytes()
    except OSError as error:
        raise _FlowFileError(f"cannot read it: {error.strerror or error}") from None


def _flow_text(name: str) -> str:
    """A flow file as text: ``_FlowFileError`` when it is too large or not UTF-8."""
    try:
        return _read_flow_file(name).decode("utf-8")
    except UnicodeDecodeError as error:
        raise _FlowFileError(f"the flow document is not UTF-8 text: {error}") from None


def flow_load(args: argparse.Namespace) -> int:
    """Validate a flow file and store it as the next version (its size is checked before it is
    read, as the REST API checks it before it parses)."""
    try:
        data = _read_flow_file(args.file)
    except _FlowFileError as error:
        print(f"refused: {args.file}: {error}", file=sys.stderr)
        return 1
    from chalicelib.flows.errors import FlowValidationError
    from chalicelib.flows.model import parse_flow

    container = _container()
    admin = container.admin
    companions: dict[str, Any] = {}
    try:
        flow = parse_flow(data)
    except FlowValidationError:
        pass  # the load below refuses it, in the operator's words, having stored nothing
    else:  # what the file brings besides (a flow's agents), stored before the flow: a refused
        # one leaves the flow as it was
        for product in container.products:
            path = Path(args.file)
            companions.update(product.flow_companions(container, args.account, flow, path))
    loaded = admin.load_flow(args.account, data)
    head = loaded.head
    if args.enable:
        head = admin.set_listener(args.account, loaded.flow.flow_id, True)
    shown = {"flow_id": head.flow_id, "version": loaded.revision.version, "enabled": head.enabled}
    _print({**shown, **companions})
    for warning in loaded.flow.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return 0


def flow_validate(args: argparse.Namespace) -> int:
    """Validate flow files without storing them."""
    from chalicelib.flows.errors import FlowValidationError
    from chalicelib.flows.model import parse_flow

    failed = 0
    for name in args.files:
        try:
            flow = parse_flow(_flow_text(name))
            print(f"{name}: ok ({flow.flow_id}, {len(flow.nodes)} nodes)")
            for warning in flow.warnings:
                print(f"{name}: warning: {warning}")
        except _FlowFileError as error:
            failed += 1
            print(f"{name}: invalid: {error}")
        except FlowValidationError as error:
            failed += 1
            print(f"{name}: invalid")
            for problem in error.problems:
                print(f"  - {problem}")
    return 1 if failed else 0


def flow_list(args: argparse.Namespace) -> int:
    """Print an account's flows: id, live version, listener, name."""
    heads = _container().flow_repository.list_heads(args.account)
    for head in heads:
        listener = "on" if head.enabled else "off"
        print(f"{head.flow_id:<32}  v{head.latest_version:<4}  listener {listener:<3}  {head.name}")
    if not heads:
        print("no flows")
    return 0


def number_list(args: argparse.Namespace) -> int:
    """Print an account's numbers and the flows they serve."""
    numbers = _container().numbers.list_by_account(args.account)
    for phone in numbers:
        state = "enabled" if phone.enabled else "disabled"
        print(
            f"{phone.number:<16}  {phone.flow_id or '(no flow)':<32}  {phone.language or '-':<6}"
            f"  {state}"
        )
    if not numbers:
        print("no numbers")
    return 0


def flow_listener(args: argparse.Namespace) -> int:
    """Activate or stop a flow's listener."""
    head = _container().admin.set_listener(args.account, args.flow, args.state == "on")
    _print({"flow_id": head.flow_id, "enabled": head.enabled, "version": head.latest_version})
    return 0


def number_provision(args: argparse.Namespace) -> int:
    """Give a number to an account (bound to no flow until attached)."""
    phone, new = _container().admin.provision_number(args.account, args.number)
    _print({"number": phone.number, "account_id": phone.account_id, "provisioned": new})
    return 0


def number_release(args: argparse.Namespace) -> int:
    """Take a number back from the account that holds it."""
    _container().admin.release_number(args.account, args.number)
    _print({"number": args.number, "account_id": args.account, "released": True})
    return 0


def flow_show(args: argparse.Namespace) -> int:
    """Print a flow's document (the latest, or ``--version``'s) and its version history."""
    head, revision, versions = _container().admin.flow_history(
        args.account, args.flow, args.version
    )
    if args.document:
        print(revision.document)
        return 0
    print(f"{head.flow_id}  {head.name!r}  listener {'on' if head.enabled else 'off'}")
    for version, loaded_at in versions:
        live = "  (live)" if version == head.latest_version else ""
        print(f"  v{version}  loaded {loaded_at:%Y-%m-%d %H:%M:%S}{live}")
    return 0


def flow_rollback(args: argparse.Namespace) -> int:
    """Make an earlier version of a flow live again (stored as its next version)."""
    rolled = _container().admin.rollback_flow(args.account, args.flow, args.to)
    _print(
        {
            "flow_id": args.flow,
            "version": rolled.loaded.revision.version,
            "copied_from": rolled.copied_from,
            "changed": rolled.changed,
        }
    )
    return 0


def flow_delete(args: argparse.Namespace) -> int:
    """Delete a flow and every version of it (refused while a number is attached to it)."""
    _container().admin.delete_flow(args.account, args.flow)
    _print({"flow_id": args.flow, "deleted": True})
    return 0


def number_detach(args: argparse.Namespace) -> int:
    """Unbind a number the account holds from its flow."""
    try:
        phone = _container().admin.detach_number(args.account, args.number)
    except NumberNotHeldError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    _print({"number": phone.number, "account_id": phone.account_id, "flow_id": phone.flow_id})
    return 0


def number_attach(args: argparse.Namespace) -> int:
    """Attach a number the account holds to one of its flows."""
    try:
        phone = _container().admin.attach_number(
            args.account, args.number, args.flow, args.language
        )
    except NumberNotHeldError as error:
        print(
            f"refused: {error} (provision it first: ringflow number provision {args.number}"
            f" --account {args.account})",
            file=sys.stderr,
        )
        return 1
    _print({"number": phone.number, "flow_id": phone.flow_id, "language": phone.language})
    return 0


def vars_list(args: argparse.Namespace) -> int:
    """Print an account's ``$user.key`` values (or one of them)."""
    variables = _container().user_variables
    if args.name:
        name = args.name.removeprefix("$user.key.")
        found = variables.get_many(args.account, [name])
        if name not in found:
            print(f"no $user.key.{name} is set for account {args.account!r}", file=sys.stderr)
            return 1
        print(found[name])
        return 0
    values = variables.all_for(args.account)
    for name in sorted(values):
        print(f"{name}\t{values[name]}")
    if not values:
        print("no variables")
    return 0


def demo_load(args: argparse.Namespace) -> int:
    """Create the demo account, load every flow in ``flows/`` and attach the demo numbers."""
    from chalicelib.cli.demo import load_demo

    _print(load_demo(_container(), Path(args.flows)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree."""
    parser = argparse.ArgumentParser(prog="ringflow", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--local",
        action="store_true",
        help="talk to the running local stack, simulator included (reads .local/env.json, "
        "written by `make run`)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    tables = sub.add_parser("tables", help="DynamoDB tables").add_subparsers(
        dest="action", required=True
    )
    tables.add_parser("create", help="create missing tables").set_defaults(run=tables_create)

    account = sub.add_parser("account", help="accounts and API keys").add_subparsers(
        dest="action", required=True
    )
    create = account.add_parser("create", help="create an account and its first API key")
    create.add_argument("--id", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--language", default="en-US")
    create.add_argument("--currency", default="EUR")
    create.add_argument("--timezone", default="UTC", help="IANA zone of flows loaded without one")
    create.set_defaults(run=account_create)
    zone = account.add_parser(
        "timezone", help="the IANA time zone flows loaded from now on without one take"
    )
    zone.add_argument("--id", required=True)
    zone.add_argument("zone", help="an IANA time zone, e.g. Europe/Paris")
    zone.set_defaults(run=account_timezone)
    key = account.add_parser("key", help="issue another API key")
    key.add_argument("--id", required=True)
    key.set_defaults(run=account_key)

    operator = sub.add_parser("operator", help="the operator key of the REST API")
    operator.add_subparsers(dest="action", required=True).add_parser(
        "key", help="make an operator key; print it and the RINGFLOW_OPERATOR_KEY_HASH to set"
    ).set_defaults(run=operator_key)

    flow = sub.add_parser("flow", help="flows").add_subparsers(dest="action", required=True)
    load = flow.add_parser("load", help="validate and store a flow file as a new version")
    load.add_argument("file")
    load.add_argument("--account", required=True)
    load.add_argument("--enable", action="store_true", help="also activate its listener")
    load.set_defaults(run=flow_load)
    flows = flow.add_parser("list", help="an account's flows, with live version and listener")
    flows.add_argument("--account", required=True)
    flows.set_defaults(run=flow_list)
    show = flow.add_parser("show", help="a flow's version history, or one version's document")
    show.add_argument("flow")
    show.add_argument("--account", required=True)
    show.add_argument("--version", type=int, help="with --document: this version's")
    show.add_argument("--document", action="store_true", help="print the document itself")
    show.set_defaults(run=flow_show)
    rollback = flow.add_parser(
        "rollback", help="make an earlier version live again (stored as the next version)"
    )
    rollback.add_argument("flow")
    rollback.add_argument("--to", type=int, required=True, metavar="N", help="the version")
    rollback.add_argument("--account", required=True)
    rollback.set_defaults(run=flow_rollback)
    delete = flow.add_parser("delete", help="delete a flow (no number may be attached to it)")
    delete.add_argument("flow")
    delete.add_argument("--account", required=True)
    delete.set_defaults(run=flow_delete)
    check = flow.add_parser("validate", help="validate flow files")
    check.add_argument("files", nargs="+")
    check.set_defaults(run=flow_validate)
    listener = flow.add_parser("listener", help="activate (on) or stop (off) a flow's listener")
    listener.add_argument("flow")
    listener.add_argument("state", choices=["on", "off"])
    listener.add_argument("--account", required=True)
    listener.set_defaults(run=flow_listener)

    number = sub.add_parser("number", help="numbers").add_subparsers(dest="action", required=True)
    provision = number.add_parser("provision", help="give a number to an account")
    provision.add_argument("number")
    provision.add_argument("--account", required=True)
    provision.set_defaults(run=number_provision)
    release = number.add_parser("release", help="take a number back from its account")
    release.add_argument("number")
    release.add_argument("--account", required=True)
    release.set_defaults(run=number_release)
    attach = number.add_parser("attach", help="attach a number the account holds to a flow")
    attach.add_argument("number")
    attach.add_argument("--flow", required=True)
    attach.add_argument("--account", required=True)
    attach.add_argument("--language")
    attach.set_defaults(run=number_attach)
    numbers = number.add_parser("list", help="an account's numbers and the flows they serve")
    numbers.add_argument("--account", required=True)
    numbers.set_defaults(run=number_list)
    detach = number.add_parser("detach", help="unbind a number the account holds from its flow")
    detach.add_argument("number")
    detach.add_argument("--account", required=True)
    detach.set_defaults(run=number_detach)

    calls = sub.add_parser("calls", help="finished calls").add_subparsers(
        dest="action", required=True
    )
    start = calls.add_parser("start", help="start an outbound call of an outbound flow")
    start.add_argument("--account", required=True)
    start.add_argument("--flow", required=True)
    start.add_argument("--to", required=True)
    start.add_argument("--from", dest="from_", required=True, help="a number attached to the flow")
    start.add_argument("--var", action="append", default=[], metavar="NAME=VALUE")
    start.add_argument("--ringing-timeout", type=int, default=60)
    start.set_defaults(run=call_start)
    listing = calls.add_parser("list", help="list an account's calls, newest first")
    listing.add_argument("--account", required=True)
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(run=calls_list)
    one = calls.add_parser("show", help="one call and the path it took through its flow")
    one.add_argument("call_id")
    one.add_argument("--account", required=True)
    one.add_argument("--json", action="store_true", help="print the call as JSON")
    one.set_defaults(run=call_show)

    recordings = sub.add_parser("recordings", help="a call's recordings").add_subparsers(
        dest="action", required=True
    )
    listed = recordings.add_parser("list", help="a call's recordings")
    listed.add_argument("call", metavar="CALL_ID")
    listed.add_argument("--account", required=True)
    listed.set_defaults(run=recordings_list)
    fetched = recordings.add_parser("get", help="download a recording (default: the call's last)")
    fetched.add_argument("call", metavar="CALL_ID")
    fetched.add_argument("ref", metavar="REF", nargs="?", help="the recording's ref (see list)")
    fetched.add_argument("--account", required=True)
    fetched.add_argument("--out", required=True, help="the file to write")
    fetched.set_defaults(run=recordings_get)

    user_vars = sub.add_parser("vars", help="an account's $user.key values").add_subparsers(
        dest="action", required=True
    )
    shown = user_vars.add_parser("list", help="every value, or one with --name")
    shown.add_argument("--account", required=True)
    shown.add_argument("--name", help="one variable (bare, or $user.key.<name>)")
    shown.set_defaults(run=vars_list)

    demo = sub.add_parser("demo", help="demo data").add_subparsers(dest="action", required=True)
    demo_cmd = demo.add_parser("load", help="demo account, flows and numbers")
    demo_cmd.add_argument("--flows", default="flows")
    demo_cmd.set_defaults(run=demo_load)

    from chalicelib.simulator.cli import register

    register(sub)
    from chalicelib.products import installed

    for product in installed():
        product.cli(sub)
    return parser


def _refused(error: RingflowError) -> None:
    """One line for one reason; a list under the first line for several."""
    if len(error.problems) == 1:
        print(f"refused: {error}: {error.problems[0]}", file=sys.stderr)
        return
    print(f"refused: {error}", file=sys.stderr)
    for problem in error.problems:
        print(f"  - {problem}", file=sys.stderr)


def _aws_problem(error: BaseException) -> str | None:
    """What to tell the operator when ``error`` (or what caused it) says AWS is out of reach:
    no credentials, or an endpoint that does not answer; None for any other error."""
    from botocore.exceptions import (
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, (NoCredentialsError, PartialCredentialsError)):
            return (
                "no AWS credentials: use --local to talk to the local stack (`make run`), or "
                "configure AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, `aws configure`)"
            )
        if isinstance(seen, NoRegionError):
            return "no AWS region: use --local, or set AWS_DEFAULT_REGION"
        if isinstance(seen, EndpointConnectionError):
            return f"cannot reach AWS ({seen}); with --local, is `make run` running?"
        seen = seen.__cause__ or seen.__context__
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command."""
    args = build_parser().parse_args(argv)
    if getattr(args, "local", False):
        try:
            use_local_stack()
        except LocalStackError as error:
            print(str(error), file=sys.stderr)
            return 2
    run: Command = getattr(args, "run", None) or args.func
    try:
        return run(args)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (
        AdminError,
        ValidationError,
        NotFoundError,
        ConflictError,
        AlreadyExistsError,
    ) as error:
        _refused(error)
        return 1
    except Exception as error:
        problem = _aws_problem(error)
        if problem is None:
            raise
        print(problem, file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
