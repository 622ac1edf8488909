"""``ringflow dnc ...``: the operator's commands for an account's do-not-call list, added to the
CLI through ``Product.cli`` (the campaigns product calls ``register``).

``dnc add --account A NUMBER... [--reason R]`` lists numbers (nothing is listed when one is
bad); ``dnc remove --account A NUMBER`` takes one off (refused when it is not listed); ``dnc
list --account A [--limit N] [--cursor C]`` prints how many are listed and a page of them;
``dnc import --account A FILE`` lists every valid number of a text file (one per line) or a CSV
with a ``number`` column and reports each bad line (its size is checked before it is read).
Every answer is JSON on stdout; refusals are raised as the platform's errors and printed by the
CLI as ``refused: ...`` lines. Imports argparse, ``campaigns.dnc`` and (lazily) the wiring;
must not import pynamodb, the store or the web layer.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from chalicelib.campaigns.dnc import MAX_PAGE, DoNotCall, ImportReport, check_import_size
from chalicelib.errors import NotFoundError, ValidationError


def _list() -> DoNotCall:
    from chalicelib.wiring import container

    service: DoNotCall = container().services("campaigns").do_not_call
    return service


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def report(done: ImportReport) -> dict[str, Any]:
    """An import's report as the CLI prints it (the REST view's fields)."""
    return {
        "lines": done.lines,
        "numbers": done.numbers,
        "added": done.added,
        "already_listed": done.already_listed,
        "rejected": done.rejected,
        "problems": [
            {"line": item.line, "text": item.text, "reason": item.reason} for item in done.problems
        ],
    }


def add(args: argparse.Namespace) -> int:
    """List numbers."""
    added = _list().add(args.account, args.numbers, args.reason, source="cli")
    _print(
        {
            "numbers": list(added.numbers),
            "added": added.added,
            "already_listed": added.already_listed,
        }
    )
    return 0


def remove(args: argparse.Namespace) -> int:
    """Take a number off the list."""
    if not _list().remove(args.account, args.number):
        raise NotFoundError(f"{args.number} is not on the do-not-call list of {args.account}")
    _print({"number": args.number, "removed": True})
    return 0


def list_numbers(args: argparse.Namespace) -> int:
    """How many numbers are listed, and a page of them."""
    service = _list()
    page = service.page(args.account, args.limit, args.cursor)
    _print(
        {
            "count": service.count(args.account),
            "numbers": [
                {
                    "number": entry.number,
                    "added_at": entry.added_at.isoformat(),
                    "reason": entry.reason,
                    "source": entry.source,
                }
                for entry in page.entries
            ],
            "next_cursor": page.next_cursor,
        }
    )
    return 0


def import_file(args: argparse.Namespace) -> int:
    """List every valid number of a file; report each bad line."""
    path = Path(args.file)
    try:
        check_import_size(path.stat().st_size)
        data = path.read_bytes()
    except OSError as error:
        raise ValidationError(f"{path}: cannot be read ({error.strerror or error})") from None
    _print(report(_list().import_text(args.account, data, args.reason)))
    return 0


def _limit(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_PAGE:
        raise argparse.ArgumentTypeError(f"a whole number from 1 to {MAX_PAGE}")
    return int(text)


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add ``ringflow dnc`` and its subcommands to the CLI's subparsers ``commands``."""
    dnc = commands.add_parser("dnc", help="an account's do-not-call list").add_subparsers(
        dest="action", required=True
    )
    listing = dnc.add_parser("add", help="list numbers (international form, country code first)")
    listing.add_argument("--account", required=True)
    listing.add_argument("numbers", nargs="+", metavar="NUMBER")
    listing.add_argument("--reason", help="why (at most 200 characters)")
    listing.set_defaults(run=add)
    taken = dnc.add_parser("remove", help="take a number off the list")
    taken.add_argument("--account", required=True)
    taken.add_argument("number", metavar="NUMBER")
    taken.set_defaults(run=remove)
    shown = dnc.add_parser("list", help="how many numbers are listed, and a page of them")
    shown.add_argument("--account", required=True)
    shown.add_argument("--limit", type=_limit, default=100, help=f"1 to {MAX_PAGE} (100)")
    shown.add_argument("--cursor", help="the next_cursor of the page before")
    shown.set_defaults(run=list_numbers)
    imported = dnc.add_parser(
        "import", help="list the numbers of a file: one per line, or a CSV with a number column"
    )
    imported.add_argument("--account", required=True)
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--reason", help="why (at most 200 characters)")
    imported.set_defaults(run=import_file)
